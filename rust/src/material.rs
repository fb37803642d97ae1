//! Surface appearance: where the colour comes from and how light leaves the surface.

use crate::color::Color;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Coloration {
    Color(Color),
    /// Index into the scene's textures.
    Texture(u32),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Surface {
    Diffuse,
    Reflective { reflectivity: f32 },
    Refractive { index: f32, transparency: f32 },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Material {
    pub coloration: Coloration,
    pub albedo: f32,
    pub surface: Surface,
}
