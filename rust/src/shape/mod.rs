//! The element kinds. Each knows its intersection, normal and texture coordinates.

pub mod plane;
pub mod sphere;
pub mod triangle;

pub use plane::Plane;
pub use sphere::Sphere;

/// Texture coordinates in texture widths/heights (f32, as the original).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TexCoords {
    /// Across the texture, in texture widths.
    pub u: f32,
    /// Down the texture, in texture heights.
    pub v: f32,
}

/// Which list of the scene an element lives in; a hit names its element by kind and index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeKind {
    /// The scene's spheres (in the top-level BVH's leaf order when there is one).
    Sphere,
    /// The scene's planes, in scene order.
    Plane,
    /// The scene's instances, in scene order; the hit's `part` is the triangle slot.
    Instance,
}
