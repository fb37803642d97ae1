//! raypool's ray tracing core: a faithful re-implementation of the original renderer's rules
//! (f64 geometry, f32 colour, same operation order) plus extensions (free camera,
//! supersampling, a two-level BVH over spheres and instanced meshes). The core knows nothing of wasm; `wasm` is the JavaScript face.
//!
//! A scene arrives as packed bytes ([`packed`], the one format, documented there), is read
//! into a [`Scene`] once, and is rendered tile by tile with any number of [`View`]s
//! ([`render::render_tile`]), each render interruptible by a cancel callback.

#![warn(missing_docs)]
// `!(x > 0.0)` is how the core refuses NaN along with the non-positive: `partial_cmp` would
// hide that in ceremony.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod array;
pub mod bounds;
pub mod bvh;
pub mod camera;
pub mod color;
pub mod error;
pub mod instance;
pub mod light;
pub mod material;
pub mod mesh;
pub mod packed;
pub mod path;
pub mod ray;
pub mod render;
pub mod scene;
pub mod settings;
pub mod shape;
#[cfg(test)]
mod test_rng;
pub mod texture;
pub mod transform;
pub mod vector;
pub mod view;
pub mod wide;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::RenderError;
pub use packed::{from_packed, from_packed_owned, prepare};
pub use render::{render_tile, Tile};
pub use scene::{Scene, SceneBuilder, SceneError};
pub use view::View;
