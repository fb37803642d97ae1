//! RGBA8 textures with the original's wrapping lookup.

use crate::color::{decode_channel, Color};
use crate::shape::TexCoords;

/// How a texture's texels are stored and what they mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextureFormat {
    /// RGBA8, decoded with the original's table (scene textures, glTF colour textures).
    Color,
    /// RGBA8, linear: byte / 255 (glTF metallic-roughness and normal maps).
    Data,
    /// RGB f32, linear (HDR environments); 12 bytes a texel.
    Hdr,
}

impl TextureFormat {
    /// Bytes a texel.
    pub fn texel_bytes(self) -> usize {
        match self {
            TextureFormat::Color | TextureFormat::Data => 4,
            TextureFormat::Hdr => 12,
        }
    }
}

/// An image, rows top first.
#[derive(Clone, Debug)]
pub struct Texture {
    width: u32,
    height: u32,
    format: TextureFormat,
    /// The texels as stored (little-endian f32 for [`TextureFormat::Hdr`]).
    rgba: Vec<u8>,
}

/// Byte → linear colour, computed once: `powf` per lookup would dominate textured shading.
#[derive(Clone, Debug)]
pub struct DecodeTable([f32; 256]);

impl DecodeTable {
    /// Decodes all 256 byte values.
    pub fn new() -> DecodeTable {
        let mut t = [0.0f32; 256];
        for (i, v) in t.iter_mut().enumerate() {
            *v = decode_channel(i as u8);
        }
        DecodeTable(t)
    }
}

impl Default for DecodeTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Truncates toward zero then wraps into [0, bound), as the original: this is what makes a
/// plane's texture repeat and mirrors nothing for negative coordinates.
#[inline]
pub fn wrap(value: f32, bound: u32) -> u32 {
    let signed_bound = bound as i32;
    let wrapped = (value * bound as f32) as i32 % signed_bound;
    if wrapped < 0 {
        (wrapped + signed_bound) as u32
    } else {
        wrapped as u32
    }
}

impl Texture {
    /// The caller has checked `texels.len() == width * height * format.texel_bytes()` and
    /// that both are non-zero and fit in an i32 (the wrap arithmetic is signed).
    pub fn new(width: u32, height: u32, format: TextureFormat, texels: Vec<u8>) -> Texture {
        Texture { width, height, format, rgba: texels }
    }

    /// Width in texels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in texels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The storage format.
    pub fn format(&self) -> TextureFormat {
        self.format
    }

    /// The texels as stored.
    pub fn texels(&self) -> &[u8] {
        &self.rgba
    }

    /// The linear colour of the texel at `coords`, wrapped into the texture.
    #[inline]
    pub fn color(&self, coords: TexCoords, table: &DecodeTable) -> Color {
        let x = wrap(coords.u, self.width) as usize;
        let y = wrap(coords.v, self.height) as usize;
        let i = (y * self.width as usize + x) * 4;
        match self.rgba.get(i..i + 3) {
            Some(p) => Color::new(table.0[p[0] as usize], table.0[p[1] as usize], table.0[p[2] as usize]),
            None => Color::new(0.0, 0.0, 0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_positive_and_negative() {
        assert_eq!(wrap(0.0, 10), 0);
        assert_eq!(wrap(0.55, 10), 5);
        assert_eq!(wrap(1.25, 10), 2);
        // -0.05 * 10 = -0.5 truncates to 0: no shift across zero.
        assert_eq!(wrap(-0.05, 10), 0);
        assert_eq!(wrap(-0.15, 10), 9);
        assert_eq!(wrap(-1.0, 10), 0);
        assert_eq!(wrap(-2.35, 10), 7);
    }

    #[test]
    fn wrap_of_nan_is_zero() {
        assert_eq!(wrap(f32::NAN, 7), 0);
    }

    #[test]
    fn lookup_reads_the_wrapped_texel() {
        // 2×1: left red, right white
        let t = Texture::new(2, 1, TextureFormat::Color, vec![255, 0, 0, 255, 255, 255, 255, 255]);
        let table = DecodeTable::new();
        assert_eq!(t.color(TexCoords { u: 0.1, v: 0.0 }, &table), Color::new(1.0, 0.0, 0.0));
        assert_eq!(t.color(TexCoords { u: -0.1, v: -3.0 }, &table), Color::new(1.0, 0.0, 0.0));
        assert_eq!(t.color(TexCoords { u: -0.6, v: 0.0 }, &table), Color::new(1.0, 1.0, 1.0));
    }
}
