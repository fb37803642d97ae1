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
    /// Physically based (glTF metallic-roughness, [`Pbr`]); the path tracer's. The Whitted
    /// integrator shades it as [`Surface::Diffuse`].
    Pbr,
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

/// How a material's alpha is used (glTF `alphaMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlphaMode {
    /// Alpha is ignored.
    Opaque,
    /// Alpha below the cut-off is fully transparent, otherwise opaque.
    Mask,
    /// Alpha blends with what lies behind.
    Blend,
}

/// How a texture coordinate outside 0..1 is brought back (glTF sampler wrap modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrap {
    /// Repeats.
    Repeat,
    /// Clamps to the edge texel.
    ClampToEdge,
    /// Repeats, mirrored every other time.
    MirroredRepeat,
}

/// A texture used by a physically based material: which texture, the sampler and the
/// KHR_texture_transform (uv' = offset + R(rotation) · (scale ⊙ uv)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextureRef {
    /// The texture; `None` when the slot is empty.
    pub texture: Option<TextureId>,
    /// Wrap along u.
    pub wrap_u: Wrap,
    /// Wrap along v.
    pub wrap_v: Wrap,
    /// Bilinear filtering (else nearest).
    pub bilinear: bool,
    /// Added to the coordinates after scaling and rotating.
    pub offset: [f32; 2],
    /// Counter-clockwise, in radians.
    pub rotation: f32,
    /// Multiplies the coordinates first.
    pub scale: [f32; 2],
}

impl TextureRef {
    /// No texture.
    pub const NONE: TextureRef = TextureRef {
        texture: None,
        wrap_u: Wrap::Repeat,
        wrap_v: Wrap::Repeat,
        bilinear: false,
        offset: [0.0; 2],
        rotation: 0.0,
        scale: [1.0; 2],
    };
}

/// The physically based part of a material record (see the packed format): read and kept for
/// the path tracer; the Whitted integrator does not use it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pbr {
    /// glTF doubleSided = false (kept; the path tracer hits back faces, as Cycles does).
    pub single_sided: bool,
    /// KHR_materials_unlit: the base colour is the radiance.
    pub unlit: bool,
    /// How alpha is used.
    pub alpha_mode: AlphaMode,
    /// The cut-off of [`AlphaMode::Mask`].
    pub alpha_cutoff: f32,
    /// Multiplies the base colour (r, g, b, a).
    pub base_color_factor: [f32; 4],
    /// 0 dielectric to 1 metal.
    pub metallic: f32,
    /// 0 smooth to 1 rough.
    pub roughness: f32,
    /// Emitted colour.
    pub emission: [f32; 3],
    /// Multiplies the emission.
    pub emission_strength: f32,
    /// Fraction of light transmitted.
    pub transmission: f32,
    /// Index of refraction.
    pub ior: f32,
    /// Scales the normal map's x and y.
    pub normal_scale: f32,
    /// Base colour texture (sRGB-encoded).
    pub base_color_texture: TextureRef,
    /// Roughness in G, metallic in B (linear).
    pub metallic_roughness_texture: TextureRef,
    /// Tangent-space normal map (linear).
    pub normal_texture: TextureRef,
    /// Emissive texture (sRGB-encoded).
    pub emissive_texture: TextureRef,
}

impl Pbr {
    /// The values a material without physically based fields gets.
    pub const DEFAULT: Pbr = Pbr {
        single_sided: false,
        unlit: false,
        alpha_mode: AlphaMode::Opaque,
        alpha_cutoff: 0.5,
        base_color_factor: [1.0; 4],
        metallic: 0.0,
        roughness: 0.5,
        emission: [1.0; 3],
        emission_strength: 0.0,
        transmission: 0.0,
        ior: 1.5,
        normal_scale: 1.0,
        base_color_texture: TextureRef::NONE,
        metallic_roughness_texture: TextureRef::NONE,
        normal_texture: TextureRef::NONE,
        emissive_texture: TextureRef::NONE,
    };
}
