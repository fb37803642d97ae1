//! The two element kinds. Each knows its intersection, normal and texture coordinates.

pub mod plane;
pub mod sphere;
pub mod triangle;

pub use plane::Plane;
pub use sphere::Sphere;

/// Texture coordinates in texture widths/heights (f32, as the original).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TexCoords {
    pub u: f32,
    pub v: f32,
}
