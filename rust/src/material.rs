//! Surface appearance: where the colour comes from and how light leaves the surface.

use crate::color::Color;

/// A texture of the scene, numbered from 0 in the order the textures were added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TextureId(pub u32);

/// A material of the scene, numbered from 0 in the order the materials were added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MaterialId(pub u32);

/// Where a surface's colour comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Coloration {
    /// One linear colour everywhere.
    Color(Color),
    /// Looked up in a texture at the hit's texture coordinates.
    Texture(TextureId),
}

/// How light leaves the surface.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Surface {
    /// Lambert shading only.
    Diffuse,
    /// Diffuse shading mixed with a mirror reflection: `reflectivity` 0 is matt, 1 a mirror.
    Reflective {
        /// The weight of the mirror reflection.
        reflectivity: f32,
    },
    /// Glass-like: Fresnel-weighted reflection and refraction, tinted by the surface colour.
    Refractive {
        /// The refractive index, positive.
        index: f32,
        /// Scales the transmitted and reflected light.
        transparency: f32,
    },
}

/// A surface's colour source, albedo and reflection model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Material {
    /// Where the colour comes from.
    pub coloration: Coloration,
    /// The fraction of light diffusely reflected.
    pub albedo: f32,
    /// How light leaves the surface.
    pub surface: Surface,
}
