//! raypool's ray tracing core: a faithful re-implementation of the original renderer's rules
//! (f64 geometry, f32 colour, same operation order) plus extensions (free camera,
//! supersampling, a BVH). The core knows nothing of wasm; `wasm` is the JavaScript face.

pub mod bvh;
pub mod camera;
pub mod color;
pub mod light;
pub mod material;
pub mod mesh;
pub mod mesh_bvh;
pub mod ray;
pub mod render;
pub mod scene;
pub mod shape;
pub mod texture;
pub mod vector;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use scene::{Scene, SceneBuilder, SceneError};
