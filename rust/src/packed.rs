//! The packed scene: the one binary form in which a scene crosses from JavaScript (and files)
//! into the core. TypeScript writes it (`src/render/packed_scene.ts`, a pure serializer: no
//! transforms, no normals, no BVH); [`from_packed`] reads it, checking every value with the
//! rules of [`SceneBuilder`]; [`prepare`] checks it once, builds every BVH and computes what the
//! core derives (smooth normals), and returns the *prepared* form that every worker reads
//! without redoing any of that.
//!
//! # Format, version 2
//!
//! All numbers little-endian; every record, array and section starts at a multiple of 8 bytes
//! (arrays are followed by zero bytes up to the next multiple of 8: "padded"). The view (image
//! size, field of view, samples, camera) is not part of it: one packed scene is rendered with
//! any number of views. `NONE` = `u32::MAX` = 0xFFFF_FFFF ("no texture", "no index").
//! Every "must" below is checked by the reader; a violation is one error line naming the
//! record (`packed scene: material 2: roughness must be 0 to 1, got 1.5`), never a panic, and
//! no input makes the reader allocate much more than the input's size.
//!
//! ## Header, 128 bytes
//!
//! ```text
//! 0   [u8; 8] magic b"RAYPOOL\0"
//! 8   u32     version = 2
//! 12  u32     flags: bit 0 = prepared (written by `prepare` only: a prepared section follows
//!                    the lights, mesh indices are in BVH leaf order, smooth normals present);
//!                    bit 1 = brute force (no BVH, every ray tests every element; tests and
//!                    benchmarks). The two exclude each other; other bits must be 0.
//! 16  f64     shadow_bias (finite)
//! 24  u32     max_recursion_depth (at most 1000)
//! 28  u32     texture_count
//! 32  u32     material_count
//! 36  u32     mesh_count       (mesh objects: geometry stored once, in object space)
//! 40  u32     element_count    (spheres, planes and instances, in scene order)
//! 44  u32     light_count
//! --- scene settings of the path tracer (issue 18). The values in [brackets] are what a
//!     scene without them gets, and mean "render exactly as the original": ---
//! 48  u32     integrator: 0 Whitted (the original's) [0], 1 Path
//! 52  u32     max_bounces: 0 when Whitted [0]; 1 to 1024 when Path
//! 56  f32×3   environment red, green, blue: linear radiance of what rays escape to
//!             (finite, ≥ 0) [0, 0, 0 = black]
//! 68  u32     environment_texture: NONE [NONE], or a texture index (format 2, equirectangular;
//!             replaces the colour)
//! 72  f32     environment_intensity (finite, ≥ 0; scales colour or texture) [1]
//! 76  f32     environment_rotation_degrees about +y (finite) [0]
//! 80  u32     tone_mapping: 0 Clamp [0] (under Whitted: the original's encoding, always),
//!             1 Neutral (Khronos PBR Neutral), 2 Aces
//! 84  f32     exposure in stops (finite) [0]
//! 88  [u8;40] reserved, all 0
//! ```
//!
//! Then, in this order: textures, materials, mesh objects, elements, lights, and (flag bit 0)
//! the prepared section. Nothing may follow: trailing bytes are an error.
//!
//! ## Textures (`texture_count`, numbered from 0)
//!
//! ```text
//! 0   u32 width, 4 u32 height (each 1 to 2^31−1)
//! 8   u32 format: 0 RGBA8 colour: bytes decoded with the original's table (sRGB-like;
//!                   what scene textures and glTF base colour / emissive textures are)
//!                 1 RGBA8 data: linear, byte / 255 (glTF metallic-roughness, normal maps)
//!                 2 RGB f32 linear (HDR environments; finite, ≥ 0), 12 bytes a texel
//! 12  u32 reserved, 0
//! 16  width × height texels, rows top first (4 bytes each for formats 0 and 1, 12 for 2),
//!     padded
//! ```
//!
//! ## Materials (`material_count`, numbered from 0), 256 bytes each
//!
//! The original's fields keep their exact numeric meaning (f32, as the core computes with;
//! the writer rounds an f64 to the nearest f32 exactly as the version-1 reader did):
//!
//! ```text
//! 0   u32    coloration: 0 colour, 1 texture (the original's lookup: nearest texel, its
//!            truncating wrap, no texcoord transform)
//! 4   u32    surface: 0 diffuse, 1 reflective, 2 refractive, 3 pbr (issue 18; the Whitted
//!            integrator shades pbr as diffuse until the path tracer defines more)
//! 8   f32×3  red, green, blue (finite; all 0 for a texture)
//! 20  u32    coloration_texture (< texture_count, format 0) for a texture; NONE for a colour
//! 24  f32    albedo (finite)
//! 28  f32    a: reflective: reflectivity (finite); refractive: index (> 0); otherwise 0
//! 32  f32    b: refractive: transparency (finite); otherwise 0
//! 36  u32    flags: bit 0 single-sided (glTF doubleSided = false; kept, but the path tracer
//!                   hits back faces as Cycles and pbrt do: culling is for rasterisers);
//!            bit 1 unlit (KHR_materials_unlit: base colour is the radiance); others 0.
//!            0 = the original's meshes: seen from both sides, lit.
//! 40  u32    alpha_mode: 0 opaque, 1 mask, 2 blend
//! 44  f32    alpha_cutoff (finite, 0 to 1; used by mask) [0.5]
//! --- physically based fields (glTF metallic-roughness); for surfaces 0-2 they are ignored
//!     but still checked; the writer fills in the bracketed defaults. The core checks and
//!     keeps them (`Scene::pbr`), as it does the header's settings (`Scene::settings`); the
//!     Whitted integrator does not use them (flags and alpha mode included): what they do
//!     to an image is the path tracer's ---
//! 48  f32×4  base_color_factor r, g, b, a (finite, 0 to 1) [1, 1, 1, 1]. The base colour
//!            is coloration (colour or texture) × albedo × this factor × base_color_texture.
//! 64  f32    metallic (0 to 1) [0]
//! 68  f32    roughness (0 to 1) [0.5]
//! 72  f32×3  emission r, g, b (finite, ≥ 0) [1, 1, 1]
//! 84  f32    emission_strength (finite, ≥ 0) [0]; emitted radiance = emission × strength ×
//!            emissive_texture
//! 88  f32    transmission (0 to 1) [0]
//! 92  f32    ior (finite, ≥ 1) [1.5]
//! 96  f32    normal_scale (finite) [1]
//! 100 u32    reserved, 0
//! 104 TextureRef base_color_texture         (format 0)
//! 136 TextureRef metallic_roughness_texture (format 1; glTF: roughness in G, metallic in B)
//! 168 TextureRef normal_texture             (format 1; tangent space, needs uvs)
//! 200 TextureRef emissive_texture           (format 0)
//! 232 [u8; 24] reserved, all 0
//! ```
//!
//! `TextureRef`, 32 bytes (KHR_texture_transform and the glTF sampler):
//!
//! ```text
//! 0   u32   texture: NONE (no texture: the other fields are ignored but checked), or an index
//! 4   u32   texcoord set: 0 (meshes carry one set of uvs)
//! 8   u32   sampler: bits 0-1 wrap u, bits 2-3 wrap v (0 repeat, 1 clamp to edge, 2 mirrored
//!           repeat), bit 4 filter (0 nearest, 1 bilinear); other bits 0
//! 12  f32×2 offset u, v (finite) [0, 0]
//! 20  f32   rotation in radians, counter-clockwise in uv space (finite) [0]
//! 24  f32×2 scale u, v (finite) [1, 1]
//! ```
//!
//! uv' = offset + R(rotation) · (scale ⊙ uv), as KHR_texture_transform.
//!
//! ## Mesh objects (`mesh_count`, numbered from 0)
//!
//! Geometry stored once, in its own (object) space; instances place it. A 16-byte head:
//!
//! ```text
//! 0   u32 flags: bit 0 normals, bit 1 uvs, bit 2 colours, bit 3 tangents follow; other bits 0
//! 4   u32 vertex_count (1 to 2^28)
//! 8   u32 triangle_count (1 to 2^24)
//! 12  u32 reserved, 0
//! ```
//!
//! then these arrays, each padded:
//!
//! ```text
//! vertex_count × 3 f32    positions (finite)
//! vertex_count × 3 f32    normals, when bit 0 (finite; normalised by the core; (0, 0, 0)
//!                         means "use the face's")
//! vertex_count × 2 f32    u, v, when bit 1 (finite)
//! vertex_count × 4 f32    colours r, g, b, a (linear, finite), when bit 2
//! vertex_count × 4 f32    tangents x, y, z, w (finite, w = ±1), when bit 3
//! triangle_count × 3 u32  vertex indices (< vertex_count), counter-clockwise seen from the
//!                         front (outside); refraction takes inside and outside from it
//! ```
//!
//! A mesh without normals that an instance shades smooth gets normals computed by the core
//! (in `prepare`; [`smooth_normals`](crate::mesh::smooth_normals)) with the semantics of the
//! former TypeScript `vertexNormals`: the area-weighted sum of the faces' normals, vertices at
//! exactly the same position sharing one sum, normalised; (0, 0, 0) where the sum vanishes.
//! The prepared form carries them (flag bit 0 of the mesh set).
//!
//! ## Elements (`element_count`), in scene order
//!
//! Scene order breaks distance ties: on equal distance the earlier element wins (within an
//! instance, the lower triangle index). Each starts with `u32 kind, u32 material_index`
//! (< material_count):
//!
//! ```text
//! kind 0 sphere,   40 bytes: f64 cx, cy, cz, radius (finite; radius > 0)
//! kind 1 plane,    56 bytes: f64 ox, oy, oz, nx, ny, nz (finite; the normal non-zero,
//!                            normalised by the reader; visible from the side it points away from)
//! kind 2 instance, 112 bytes: a mesh object placed in the world
//!     8   u32    mesh (< mesh_count)
//!     12  u32    flags: bit 0 smooth (shade with the mesh's vertex normals, computed by the
//!                core when the mesh has none); other bits 0
//!     16  f64×12 the affine transform, a 3×4 matrix, rows first:
//!                world = (m00 x + m01 y + m02 z + m03, m10 x + … + m13, m20 x + … + m23);
//!                finite, and its 3×3 part invertible (|det| > 0 and its inverse finite)
//! ```
//!
//! The core derives the inverse (rays go into object space; distances stay world distances)
//! and the normal matrix (the inverse transpose). A mirroring transform (det < 0) needs no
//! change of winding: the front is where the transformed normal points (as glTF's rule and the
//! former `transformMesh`'s swap of two corners both give). The `Mesh` element's `transform`
//! is M = T · R · S (scale, then rotate about the unit axis by Rodrigues' formula, then
//! translate); glTF nodes give their world matrix. A mesh placed 1,000 times costs its
//! geometry and BVH once and 112 bytes per placement.
//!
//! ## Lights (`light_count`), 96 bytes each
//!
//! ```text
//! 0   u32    kind: 0 directional (x, y, z = the direction the light travels, non-zero),
//!                  1 spherical (x, y, z = position; falls off as 1/(4πr²)),
//!                  2 spot (KHR_lights_punctual; reserved: this version refuses it)
//! 4   u32    reserved, 0
//! 8   f64×3  x, y, z (finite)
//! 32  f64×3  red, green, blue (finite as f32)
//! 56  f64    intensity (finite as f32)
//! 64  f64×3  spot: the direction the cone points; otherwise 0
//! 88  f32×2  spot: inner and outer cone angle in radians; otherwise 0
//! ```
//!
//! ## Prepared section (flag bit 0; written by [`prepare`] only)
//!
//! BVH node, 32 bytes (the one node type of [`bvh`](crate::bvh), for both levels):
//!
//! ```text
//! 0   f32×3  min x, y, z   12 f32×3 max x, y, z  (not NaN, min ≤ max; rounded outwards)
//! 24  u32    start, 28 u32 count: a leaf (count > 0) holds leaf-order primitives
//!            start .. start+count; an interior node (count = 0) has children start and
//!            start+1, both after it
//! ```
//!
//! First the top level, over the spheres and instances (planes are unbounded and stay a list):
//!
//! ```text
//! u32 node_count, u32 item_count (= the number of sphere and instance elements)
//! item_count × u32: element indices in leaf order (each sphere and instance exactly once),
//!                   padded
//! node_count × node
//! ```
//!
//! then one BVH per mesh object, in order:
//!
//! ```text
//! u32 node_count, u32 triangle_count (= the mesh's)
//! triangle_count × u32: for each triangle slot of the prepared mesh (whose index array is in
//!                       leaf order), its triangle index in the writer's order, which breaks
//!                       distance ties (a permutation), padded
//! node_count × node
//! ```
//!
//! The nodes of each tree must form one tree rooted at node 0, at most
//! [`MAX_DEPTH`](crate::bounds::MAX_DEPTH) levels deep, whose leaves cover every primitive
//! exactly once (no nodes without primitives, no primitives without nodes). Workers check
//! this structure (O(nodes)), not the geometry: that every box holds its primitives is
//! `prepare`'s guarantee, and a box that did not could only make an image wrong, never make
//! the core fail.

use crate::array::{Array, Pod, SceneBytes};
use crate::bvh::{Node, NODE_BYTES};
use crate::color::Color;
use crate::light::Light;
use crate::material::{AlphaMode, Coloration, Material, MaterialId, Pbr, Surface, TextureId, TextureRef, Wrap};
use crate::mesh::{MeshObject, MeshParts, MAX_TRIANGLES, MAX_VERTICES};
use crate::scene::{show, PreparedBvhs, Scene, SceneBuilder, SceneError};
use crate::settings::{Environment, Integrator, Settings, ToneMapping};
use crate::texture::TextureFormat;
use crate::transform::Affine;
use crate::vector::Vector3;
use std::sync::Arc;

/// The first 8 bytes of every packed scene.
pub const MAGIC: [u8; 8] = *b"RAYPOOL\0";
/// The version this reader reads and [`prepare`] writes.
pub const VERSION: u32 = 2;
/// Flag bit 0: prepared (a prepared section follows the lights).
pub const FLAG_PREPARED: u32 = 1;
/// Flag bit 1: no BVH; every ray tests every element.
pub const FLAG_BRUTE_FORCE: u32 = 2;
/// Mesh flag bit 0: normals follow the positions.
pub const MESH_NORMALS: u32 = 1;
/// Mesh flag bit 1: texture coordinates follow.
pub const MESH_UVS: u32 = 2;
/// Mesh flag bit 2: vertex colours follow.
pub const MESH_COLORS: u32 = 4;
/// Mesh flag bit 3: tangents follow.
pub const MESH_TANGENTS: u32 = 8;
/// Instance flag bit 0: smooth shading.
pub const INSTANCE_SMOOTH: u32 = 1;
/// "No texture" (and no index).
pub const NONE: u32 = u32::MAX;

/// Bytes of the header.
pub const HEADER_BYTES: usize = 128;
/// Bytes of a material record.
pub const MATERIAL_BYTES: usize = 256;
/// Bytes of a light record.
pub const LIGHT_BYTES: usize = 96;
/// Bytes of a sphere element.
pub const SPHERE_BYTES: usize = 40;
/// Bytes of a plane element.
pub const PLANE_BYTES: usize = 56;
/// Bytes of an instance element.
pub const INSTANCE_BYTES: usize = 112;
const MESH_HEAD_BYTES: usize = 16;
const TEXTURE_HEAD_BYTES: usize = 16;

type Result<T> = std::result::Result<T, SceneError>;

fn error(message: impl std::fmt::Display) -> SceneError {
    SceneError::new(format!("packed scene: {message}"))
}

/// Fixed-size fields of a record whose length was checked when it was taken.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(src) = self.bytes.get(self.at..self.at + N) {
            out.copy_from_slice(src);
        }
        self.at += N;
        out
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }

    fn f32(&mut self) -> f32 {
        f32::from_le_bytes(self.take())
    }

    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.take())
    }

    fn vector(&mut self) -> Vector3 {
        let (x, y, z) = (self.f64(), self.f64(), self.f64());
        Vector3::new(x, y, z)
    }

    /// Whether the next `n` bytes are all zero (and skips them).
    fn zeros(&mut self, n: usize) -> bool {
        let end = (self.at + n).min(self.bytes.len());
        let ok = self.bytes[self.at.min(end)..end].iter().all(|&b| b == 0);
        self.at += n;
        ok
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The same bytes, kept by the scene: arrays are then read in place.
    shared: Option<Arc<SceneBytes>>,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// The next `len` bytes, or the truncation error naming what needed them.
    fn record(&mut self, len: usize, what: impl FnOnce() -> String) -> Result<Fields<'a>> {
        if len > self.remaining() {
            return Err(error(format!("truncated at byte {} ({} needs {len} bytes)", self.at, what())));
        }
        let fields = Fields { bytes: &self.bytes[self.at..self.at + len], at: 0 };
        self.at += len;
        Ok(fields)
    }

    /// Zero bytes up to the next multiple of 8.
    fn padding(&mut self, what: impl Fn() -> String) -> Result<()> {
        let len = (8 - self.at % 8) % 8;
        let pad = self.record(len, || format!("the padding of {}", what()))?;
        if pad.bytes.iter().any(|&b| b != 0) {
            return Err(error(format!("{}: padding must be zero", what())));
        }
        Ok(())
    }

    /// `count` values of `size` bytes each, then padding, refused early (before any
    /// allocation) when the input is too short.
    fn array<T>(
        &mut self,
        count: u64,
        size: usize,
        what: &dyn Fn() -> String,
        decode: impl Fn(&[u8]) -> T,
    ) -> Result<Vec<T>> {
        // u64: on wasm32 a count of 3 × 2^32 vertices overflows usize.
        let len = count * size as u64;
        if len > self.remaining() as u64 {
            return Err(error(format!("truncated at byte {} ({} needs {len} bytes)", self.at, what())));
        }
        let f = self.record(len as usize, what)?;
        let out = f.bytes.chunks_exact(size).map(decode).collect();
        self.padding(what)?;
        Ok(out)
    }

    /// [`Reader::array`] read in place when the scene keeps the bytes (`size` must be
    /// `T`'s size).
    fn typed<T: Pod>(
        &mut self,
        count: u64,
        size: usize,
        what: &dyn Fn() -> String,
        decode: fn(&[u8]) -> T,
    ) -> Result<Array<T>> {
        let Some(shared) = self.shared.clone() else {
            return self.array(count, size, what, decode).map(Array::from);
        };
        let len = count * size as u64;
        if len > self.remaining() as u64 {
            return Err(error(format!("truncated at byte {} ({} needs {len} bytes)", self.at, what())));
        }
        let at = self.at;
        let f = self.record(len as usize, what)?;
        let array = match Array::view(&shared, at, count as usize) {
            Some(view) => view,
            None => Array::from(f.bytes.chunks_exact(size).map(decode).collect::<Vec<T>>()),
        };
        self.padding(what)?;
        Ok(array)
    }
}

/// `N` little-endian f32 from `4 N` bytes.
fn f32s<const N: usize>(c: &[u8]) -> [f32; N] {
    std::array::from_fn(|k| f32::from_le_bytes([c[4 * k], c[4 * k + 1], c[4 * k + 2], c[4 * k + 3]]))
}

/// An optional per-vertex attribute: read when its flag bit is set.
fn attribute<const N: usize>(
    r: &mut Reader,
    present: u32,
    vertices: u64,
    what: &dyn Fn() -> String,
    decode: fn(&[u8]) -> [f32; N],
) -> Result<Option<Array<[f32; N]>>>
where
    [f32; N]: Pod,
{
    if present == 0 {
        return Ok(None);
    }
    r.typed(vertices, 4 * N, what, decode).map(Some)
}

fn u32_le(c: &[u8]) -> u32 {
    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
}

/// The f64 as the f32 the renderer computes with, refused when not finite either way.
fn f32_of(name: &str, v: f64) -> std::result::Result<f32, String> {
    if !v.is_finite() {
        return Err(format!("{name} must be a finite number, got {}", show(v)));
    }
    let f = v as f32;
    if !f.is_finite() {
        return Err(format!("{name} is out of the f32 range, got {}", show(v)));
    }
    Ok(f)
}

fn finite32(name: &str, v: f32) -> std::result::Result<f32, String> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{name} must be a finite number, got {v}"))
    }
}

fn zero32(name: &str, v: f32, when: &str) -> std::result::Result<(), String> {
    if v == 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be 0 {when}, got {v}"))
    }
}

/// What the header says.
struct Header {
    flags: u32,
    shadow_bias: f64,
    max_recursion_depth: u32,
    textures: u32,
    materials: u32,
    meshes: u32,
    elements: u32,
    lights: u32,
    /// The settings, with the environment texture still unchecked.
    settings: Settings,
}

fn read_header(r: &mut Reader) -> Result<Header> {
    let prefix = &r.bytes[..r.bytes.len().min(MAGIC.len())];
    if prefix != &MAGIC[..prefix.len()] {
        return Err(error("bad magic"));
    }
    if r.bytes.len() >= 12 {
        let version = u32::from_le_bytes([r.bytes[8], r.bytes[9], r.bytes[10], r.bytes[11]]);
        if version != VERSION {
            return Err(error(format!("version {version} is not supported (expected {VERSION})")));
        }
    }
    let mut f = r.record(HEADER_BYTES, || "the header".into())?;
    f.take::<8>();
    f.u32();
    let flags = f.u32();
    let (shadow_bias, max_recursion_depth) = (f.f64(), f.u32());
    let (textures, materials, meshes, elements, lights) = (f.u32(), f.u32(), f.u32(), f.u32(), f.u32());
    let (integrator, max_bounces) = (f.u32(), f.u32());
    let env = [f.f32(), f.f32(), f.f32()];
    let (env_texture, env_intensity, env_rotation) = (f.u32(), f.f32(), f.f32());
    let (tone, exposure) = (f.u32(), f.f32());
    let reserved_zero = f.zeros(40);
    if flags & !(FLAG_PREPARED | FLAG_BRUTE_FORCE) != 0 {
        return Err(error(format!("header: unknown flags {flags:#x} (bit 0 prepared, bit 1 brute force)")));
    }
    if flags == FLAG_PREPARED | FLAG_BRUTE_FORCE {
        return Err(error("header: flags prepared (bit 0) and brute force (bit 1) exclude each other"));
    }
    if !reserved_zero {
        return Err(error("header: the reserved bytes 88..128 must be 0"));
    }
    let integrator = match (integrator, max_bounces) {
        (0, 0) => Integrator::Whitted,
        (0, n) => return Err(error(format!("header: max_bounces must be 0 for the Whitted integrator, got {n}"))),
        (1, n) => Integrator::Path { max_bounces: n },
        (k, _) => return Err(error(format!("header: integrator must be 0 (Whitted) or 1 (path), got {k}"))),
    };
    let tone_mapping = match tone {
        0 => ToneMapping::Clamp,
        1 => ToneMapping::Neutral,
        2 => ToneMapping::Aces,
        k => return Err(error(format!("header: tone_mapping must be 0 (clamp), 1 (neutral) or 2 (ACES), got {k}"))),
    };
    let settings = Settings {
        integrator,
        environment: Environment {
            color: Color::new(env[0], env[1], env[2]),
            texture: if env_texture == NONE { None } else { Some(TextureId(env_texture)) },
            intensity: env_intensity,
            rotation_degrees: env_rotation,
        },
        tone_mapping,
        exposure,
    };
    Ok(Header { flags, shadow_bias, max_recursion_depth, textures, materials, meshes, elements, lights, settings })
}

fn read_texture(r: &mut Reader, b: &mut SceneBuilder, i: u32) -> Result<()> {
    let name = || format!("texture {i}");
    let mut f = r.record(TEXTURE_HEAD_BYTES, name)?;
    let (width, height, format, reserved) = (f.u32(), f.u32(), f.u32(), f.u32());
    let format = match format {
        0 => TextureFormat::Color,
        1 => TextureFormat::Data,
        2 => TextureFormat::Hdr,
        k => return Err(error(format!("texture {i}: format must be 0 (colour), 1 (data) or 2 (HDR), got {k}"))),
    };
    if reserved != 0 {
        return Err(error(format!("texture {i}: reserved must be 0, got {reserved}")));
    }
    // u128: 12 × (2^32 − 1)² does not fit in a u64.
    let len = width as u128 * height as u128 * format.texel_bytes() as u128;
    if len > r.remaining() as u128 {
        return Err(error(format!("truncated at byte {} (texture {i} needs {len} bytes of texels)", r.at)));
    }
    let texels = r.record(len as usize, name)?;
    let mut copy = Vec::new();
    copy.try_reserve_exact(texels.bytes.len())
        .map_err(|_| error(format!("texture {i}: cannot allocate {len} bytes")))?;
    copy.extend_from_slice(texels.bytes);
    r.padding(name)?;
    b.add_texture(width, height, format, copy).map_err(|e| error(format!("texture {i}: {e}")))?;
    Ok(())
}

fn wrap_of(bits: u32) -> std::result::Result<Wrap, String> {
    match bits {
        0 => Ok(Wrap::Repeat),
        1 => Ok(Wrap::ClampToEdge),
        2 => Ok(Wrap::MirroredRepeat),
        _ => Err("wrap mode 3 is unknown (0 repeat, 1 clamp to edge, 2 mirrored repeat)".into()),
    }
}

fn texture_ref(name: &str, f: &mut Fields) -> std::result::Result<TextureRef, String> {
    let (texture, set, sampler) = (f.u32(), f.u32(), f.u32());
    let (offset, rotation, scale) = ([f.f32(), f.f32()], f.f32(), [f.f32(), f.f32()]);
    if set != 0 {
        return Err(format!("{name}: texcoord set must be 0, got {set}"));
    }
    if sampler & !0x1f != 0 {
        return Err(format!("{name}: unknown sampler bits {sampler:#x}"));
    }
    let wrap_u = wrap_of(sampler & 3).map_err(|e| format!("{name}: {e}"))?;
    let wrap_v = wrap_of((sampler >> 2) & 3).map_err(|e| format!("{name}: {e}"))?;
    Ok(TextureRef {
        texture: if texture == NONE { None } else { Some(TextureId(texture)) },
        wrap_u,
        wrap_v,
        bilinear: sampler & 16 != 0,
        offset,
        rotation,
        scale,
    })
}

fn read_material(r: &mut Reader, b: &mut SceneBuilder, i: u32) -> Result<()> {
    let mut f = r.record(MATERIAL_BYTES, || format!("material {i}"))?;
    let decode = |f: &mut Fields| -> std::result::Result<(Material, Pbr), String> {
        let (coloration, surface) = (f.u32(), f.u32());
        let (red, green, blue) = (f.f32(), f.f32(), f.f32());
        let texture = f.u32();
        let (albedo, a, b_) = (f.f32(), f.f32(), f.f32());
        let (flags, alpha_mode, alpha_cutoff) = (f.u32(), f.u32(), f.f32());
        let base_color_factor = [f.f32(), f.f32(), f.f32(), f.f32()];
        let (metallic, roughness) = (f.f32(), f.f32());
        let emission = [f.f32(), f.f32(), f.f32()];
        let (emission_strength, transmission, ior, normal_scale, reserved) =
            (f.f32(), f.f32(), f.f32(), f.f32(), f.u32());
        let base_color_texture = texture_ref("base_color_texture", f)?;
        let metallic_roughness_texture = texture_ref("metallic_roughness_texture", f)?;
        let normal_texture = texture_ref("normal_texture", f)?;
        let emissive_texture = texture_ref("emissive_texture", f)?;
        if reserved != 0 || !f.zeros(24) {
            return Err("the reserved fields (bytes 100..104 and 232..256) must be 0".into());
        }
        let coloration = match coloration {
            0 => {
                if texture != NONE {
                    return Err(format!("coloration_texture must be {NONE} (none) for a colour, got {texture}"));
                }
                Coloration::Color(Color::new(finite32("red", red)?, finite32("green", green)?, finite32("blue", blue)?))
            }
            1 => {
                for (name, v) in [("red", red), ("green", green), ("blue", blue)] {
                    zero32(name, v, "for a texture")?;
                }
                Coloration::Texture(TextureId(texture))
            }
            k => return Err(format!("coloration must be 0 (colour) or 1 (texture), got {k}")),
        };
        let albedo = finite32("albedo", albedo)?;
        let surface = match surface {
            0 | 3 => {
                let what = if surface == 0 { "for a diffuse surface" } else { "for a pbr surface" };
                zero32("a", a, what)?;
                zero32("b", b_, what)?;
                if surface == 0 {
                    Surface::Diffuse
                } else {
                    Surface::Pbr
                }
            }
            1 => {
                zero32("b", b_, "for a reflective surface")?;
                Surface::Reflective { reflectivity: finite32("reflectivity", a)? }
            }
            2 => {
                let index = finite32("index", a)?;
                if !(index > 0.0) {
                    return Err(format!("index must be positive, got {a}"));
                }
                Surface::Refractive { index, transparency: finite32("transparency", b_)? }
            }
            k => {
                return Err(format!("surface must be 0 (diffuse), 1 (reflective), 2 (refractive) or 3 (pbr), got {k}"))
            }
        };
        if flags & !3 != 0 {
            return Err(format!("unknown flags {flags:#x} (bit 0 single-sided, bit 1 unlit)"));
        }
        let alpha_mode = match alpha_mode {
            0 => AlphaMode::Opaque,
            1 => AlphaMode::Mask,
            2 => AlphaMode::Blend,
            k => return Err(format!("alpha_mode must be 0 (opaque), 1 (mask) or 2 (blend), got {k}")),
        };
        let pbr = Pbr {
            single_sided: flags & 1 != 0,
            unlit: flags & 2 != 0,
            alpha_mode,
            alpha_cutoff,
            base_color_factor,
            metallic,
            roughness,
            emission,
            emission_strength,
            transmission,
            ior,
            normal_scale,
            base_color_texture,
            metallic_roughness_texture,
            normal_texture,
            emissive_texture,
        };
        Ok((Material { coloration, albedo, surface }, pbr))
    };
    let (material, pbr) = decode(&mut f).map_err(|e| error(format!("material {i}: {e}")))?;
    b.add_material_pbr(material, pbr).map_err(|e| error(format!("material {i}: {e}")))?;
    Ok(())
}

/// Reads mesh object `i`; `prepared`: its triangles are in BVH leaf order (nothing to check
/// about that here).
fn read_mesh(r: &mut Reader, b: &mut SceneBuilder, i: u32) -> Result<()> {
    let name = || format!("mesh {i}");
    let mut f = r.record(MESH_HEAD_BYTES, name)?;
    let (flags, vertices, triangles, reserved) = (f.u32(), f.u32(), f.u32(), f.u32());
    if flags & !(MESH_NORMALS | MESH_UVS | MESH_COLORS | MESH_TANGENTS) != 0 {
        return Err(error(format!("mesh {i}: unknown flags {flags:#x} (bit 0 normals, 1 uvs, 2 colours, 3 tangents)")));
    }
    if reserved != 0 {
        return Err(error(format!("mesh {i}: reserved must be 0, got {reserved}")));
    }
    if vertices == 0 || vertices as usize > MAX_VERTICES {
        return Err(error(format!("mesh {i}: vertex_count must be 1 to {MAX_VERTICES}, got {vertices}")));
    }
    if triangles == 0 || triangles as usize > MAX_TRIANGLES {
        return Err(error(format!("mesh {i}: triangle_count must be 1 to {MAX_TRIANGLES}, got {triangles}")));
    }
    let n = vertices as u64;
    let positions = r.typed(n, 12, &|| format!("the positions of mesh {i}"), f32s::<3>)?;
    let normals = attribute(r, flags & MESH_NORMALS, n, &|| format!("the normals of mesh {i}"), f32s::<3>)?;
    let uvs = attribute(r, flags & MESH_UVS, n, &|| format!("the texture coordinates of mesh {i}"), f32s::<2>)?;
    let colors = attribute(r, flags & MESH_COLORS, n, &|| format!("the colours of mesh {i}"), f32s::<4>)?;
    let tangents = attribute(r, flags & MESH_TANGENTS, n, &|| format!("the tangents of mesh {i}"), f32s::<4>)?;
    let triangles = r.typed(triangles as u64, 12, &|| format!("the indices of mesh {i}"), |c| {
        [u32_le(&c[0..4]), u32_le(&c[4..8]), u32_le(&c[8..12])]
    })?;
    b.add_mesh(MeshParts { positions, normals, uvs, colors, tangents, triangles })
        .map_err(|e| error(format!("{}: {e}", name())))?;
    Ok(())
}

/// Reads element `i`; says whether it is an item (sphere or instance) of the top level.
fn read_element(r: &mut Reader, b: &mut SceneBuilder, i: u32) -> Result<bool> {
    let start = r.at;
    let mut head = r.record(8, || format!("element {i}"))?;
    let kind = head.u32();
    // Read again as a whole, so that a truncation names the element's start and full size.
    r.at = start;
    match kind {
        0 => {
            let mut f = r.record(SPHERE_BYTES, || format!("element {i} (sphere)"))?;
            let (_, material) = (f.u32(), MaterialId(f.u32()));
            let (center, radius) = (f.vector(), f.f64());
            b.add_sphere(center, radius, material).map_err(|e| error(format!("element {i} (sphere): {e}")))?;
            Ok(true)
        }
        1 => {
            let mut f = r.record(PLANE_BYTES, || format!("element {i} (plane)"))?;
            let (_, material) = (f.u32(), MaterialId(f.u32()));
            let (origin, normal) = (f.vector(), f.vector());
            b.add_plane(origin, normal, material).map_err(|e| error(format!("element {i} (plane): {e}")))?;
            Ok(false)
        }
        2 => {
            let mut f = r.record(INSTANCE_BYTES, || format!("element {i} (instance)"))?;
            let (_, material, mesh, flags) = (f.u32(), MaterialId(f.u32()), f.u32(), f.u32());
            if flags & !INSTANCE_SMOOTH != 0 {
                return Err(error(format!("element {i} (instance): unknown flags {flags:#x} (bit 0 smooth)")));
            }
            let mut m = [[0.0; 4]; 3];
            for row in m.iter_mut() {
                for v in row.iter_mut() {
                    *v = f.f64();
                }
            }
            b.add_instance(mesh, Affine { m }, material, flags & INSTANCE_SMOOTH != 0)
                .map_err(|e| error(format!("element {i} (instance): {e}")))?;
            Ok(true)
        }
        k => Err(error(format!("element {i}: unknown element kind {k} (0 sphere, 1 plane, 2 instance)"))),
    }
}

fn read_light(r: &mut Reader, b: &mut SceneBuilder, i: u32) -> Result<()> {
    let mut f = r.record(LIGHT_BYTES, || format!("light {i}"))?;
    let (kind, reserved) = (f.u32(), f.u32());
    let (xyz, (red, green, blue), intensity) = (f.vector(), (f.f64(), f.f64(), f.f64()), f.f64());
    let rest_zero = f.zeros(32);
    let name = match kind {
        0 => "directional",
        1 => "spherical",
        2 => return Err(error(format!("light {i}: spot lights (kind 2) are not supported yet"))),
        k => return Err(error(format!("light {i}: kind must be 0 (directional) or 1 (spherical), got {k}"))),
    };
    let light = || -> std::result::Result<Light, String> {
        if reserved != 0 {
            return Err(format!("reserved must be 0, got {reserved}"));
        }
        if !rest_zero {
            return Err("the spot fields (bytes 64..96) must be 0".into());
        }
        let color = Color::new(f32_of("red", red)?, f32_of("green", green)?, f32_of("blue", blue)?);
        let intensity = f32_of("intensity", intensity)?;
        Ok(if kind == 0 {
            Light::Directional { direction: xyz, color, intensity }
        } else {
            Light::Spherical { position: xyz, color, intensity }
        })
    };
    let light = light().map_err(|e| error(format!("light {i} ({name}): {e}")))?;
    b.add_light(light).map_err(|e| error(format!("light {i} ({name}): {e}")))
}

/// One tree of the prepared section: `u32 node_count, u32 count`, the leaf order, the nodes.
fn read_tree(r: &mut Reader, count: u32, what: &dyn Fn() -> String) -> Result<(Array<Node>, Array<u32>)> {
    let mut f = r.record(8, what)?;
    let (node_count, listed) = (f.u32(), f.u32());
    if listed != count {
        return Err(error(format!("{}: lists {listed} primitives, there are {count}", what())));
    }
    let prims = r.typed(count as u64, 4, &|| format!("the leaf order of {}", what()), u32_le)?;
    let nodes = r.typed(node_count as u64, NODE_BYTES, &|| format!("the nodes of {}", what()), Node::from_bytes)?;
    Ok((nodes, prims))
}

/// A packed scene read and checked, not yet built, and where its parts lie (for `prepare`).
struct Parsed {
    builder: SceneBuilder,
    flags: u32,
    /// Element index of each item (sphere or instance), in scene order.
    item_elements: Vec<u32>,
    /// Byte offsets: where the mesh objects start and end, where the lights end.
    meshes_at: usize,
    elements_at: usize,
    lights_end: usize,
    prepared: Option<PreparedBvhs>,
}

fn parse(bytes: &[u8], shared: Option<Arc<SceneBytes>>) -> Result<Parsed> {
    let mut r = Reader { bytes, at: 0, shared };
    let h = read_header(&mut r)?;
    let mut builder =
        SceneBuilder::new(h.shadow_bias, h.max_recursion_depth).map_err(|e| error(format!("header: {e}")))?;
    for i in 0..h.textures {
        read_texture(&mut r, &mut builder, i)?;
    }
    builder.set_settings(h.settings).map_err(|e| error(format!("header: {e}")))?;
    for i in 0..h.materials {
        read_material(&mut r, &mut builder, i)?;
    }
    let meshes_at = r.at;
    for i in 0..h.meshes {
        read_mesh(&mut r, &mut builder, i)?;
    }
    let elements_at = r.at;
    // Bounded by the input (8 bytes per element at least), not by what the header claims.
    let mut item_elements = Vec::with_capacity((h.elements as usize).min(r.remaining() / 8));
    for i in 0..h.elements {
        if read_element(&mut r, &mut builder, i)? {
            item_elements.push(i);
        }
    }
    for i in 0..h.lights {
        read_light(&mut r, &mut builder, i)?;
    }
    let lights_end = r.at;
    let prepared = if h.flags & FLAG_PREPARED != 0 {
        let items = item_elements.len() as u32;
        let (nodes, elements) = read_tree(&mut r, items, &|| "the top-level BVH".into())?;
        // Element indices to item indices.
        let mut item_of = vec![NONE; h.elements as usize];
        for (k, &e) in item_elements.iter().enumerate() {
            item_of[e as usize] = k as u32;
        }
        let mut prims = Vec::with_capacity(elements.len());
        for (k, &e) in elements.iter().enumerate() {
            match item_of.get(e as usize) {
                Some(&item) if item != NONE => prims.push(item),
                Some(_) => {
                    return Err(error(format!(
                        "the top-level BVH: leaf order entry {k} names element {e}, which is a plane"
                    )))
                }
                None => {
                    return Err(error(format!(
                        "the top-level BVH: leaf order entry {k} names element {e}, the scene has {}",
                        h.elements
                    )))
                }
            }
        }
        let mut meshes = Vec::with_capacity(h.meshes as usize);
        for (k, mesh) in builder.meshes().iter().enumerate() {
            meshes.push(read_tree(&mut r, mesh.triangle_count() as u32, &|| format!("the BVH of mesh {k}"))?);
        }
        Some(PreparedBvhs { nodes, prims: prims.into(), meshes })
    } else {
        None
    };
    if r.remaining() > 0 {
        return Err(error(format!("{} trailing bytes after the end at byte {}", r.remaining(), r.at)));
    }
    if h.flags & FLAG_BRUTE_FORCE != 0 {
        builder.set_use_bvh(false);
    }
    Ok(Parsed { builder, flags: h.flags, item_elements, meshes_at, elements_at, lights_end, prepared })
}

/// The scene the bytes describe, every value checked. A prepared scene's BVHs and smooth
/// normals are used as they are (their structure checked); otherwise they are computed here
/// (no BVH when the scene asks for brute force). Copies the bytes once: see
/// [`from_packed_owned`].
pub fn from_packed(bytes: &[u8]) -> Result<Scene> {
    let mut copy = Vec::new();
    copy.try_reserve_exact(bytes.len()).map_err(|_| error(format!("cannot allocate {} bytes", bytes.len())))?;
    copy.extend_from_slice(bytes);
    from_packed_owned(copy)
}

/// [`from_packed`] keeping the bytes: the scene reads its meshes and BVHs where they lie in
/// them (when this machine lays numbers out as the format does: little-endian), so a worker
/// holds the scene once and reads it without a decoding pass.
pub fn from_packed_owned(bytes: Vec<u8>) -> Result<Scene> {
    let shared = Arc::new(SceneBytes::new(bytes));
    let parsed = parse(shared.as_slice(), Some(Arc::clone(&shared)))?;
    match parsed.prepared {
        Some(bvhs) => parsed.builder.build_prepared(bvhs).map_err(|e| error(format!("prepared section: {e}"))),
        None => Ok(parsed.builder.build()),
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn pad8(out: &mut Vec<u8>) {
    out.resize(out.len().div_ceil(8) * 8, 0);
}

fn put_f32s<const N: usize>(out: &mut Vec<u8>, values: &[[f32; N]]) {
    for v in values.iter().flatten() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    pad8(out);
}

/// A mesh object as the prepared form lays it out: its triangles in leaf order, its normals
/// (given or computed).
fn put_mesh(out: &mut Vec<u8>, m: &MeshObject) {
    let flags = m.normals().map_or(0, |_| MESH_NORMALS)
        | m.uvs().map_or(0, |_| MESH_UVS)
        | m.colors().map_or(0, |_| MESH_COLORS)
        | m.tangents().map_or(0, |_| MESH_TANGENTS);
    for v in [flags, m.vertex_count() as u32, m.triangle_count() as u32, 0] {
        put_u32(out, v);
    }
    put_f32s(out, m.positions());
    m.normals().into_iter().for_each(|n| put_f32s(out, n));
    m.uvs().into_iter().for_each(|n| put_f32s(out, n));
    m.colors().into_iter().for_each(|n| put_f32s(out, n));
    m.tangents().into_iter().for_each(|n| put_f32s(out, n));
    for v in m.triangles().iter().flatten() {
        put_u32(out, *v);
    }
    pad8(out);
}

fn put_tree(out: &mut Vec<u8>, nodes: &[Node], order: impl Iterator<Item = u32>, count: usize) {
    put_u32(out, nodes.len() as u32);
    put_u32(out, count as u32);
    order.for_each(|v| put_u32(out, v));
    pad8(out);
    nodes.iter().for_each(|n| out.extend_from_slice(&n.to_bytes()));
}

/// The prepared form of a packed scene (flag bit 0): checked once, smooth normals computed
/// where an instance needs them, every BVH built and each mesh's triangles put in its leaf
/// order, so that workers only read. Bytes that are already prepared, or ask for brute force,
/// come back unchanged once checked.
pub fn prepare(bytes: &[u8]) -> Result<Vec<u8>> {
    let parsed = parse(bytes, None)?;
    if parsed.flags != 0 {
        if let Some(bvhs) = parsed.prepared {
            parsed.builder.build_prepared(bvhs).map_err(|e| error(format!("prepared section: {e}")))?;
        }
        return Ok(bytes.to_vec());
    }
    let Parsed { builder, item_elements, meshes_at, elements_at, lights_end, .. } = parsed;
    let scene = builder.build();
    let mut size = bytes.len() + 16 + item_elements.len() * 4 + scene.bvh().nodes().len() * NODE_BYTES;
    for m in scene.meshes() {
        size += 16 + m.triangle_count() * 4 + m.bvh().nodes().len() * NODE_BYTES;
        size += m.vertex_count() * 12 + 16;
    }
    let mut out = Vec::new();
    out.try_reserve_exact(size).map_err(|_| error(format!("cannot allocate {size} bytes")))?;
    out.extend_from_slice(&bytes[..meshes_at]);
    out[12..16].copy_from_slice(&FLAG_PREPARED.to_le_bytes());
    scene.meshes().iter().for_each(|m| put_mesh(&mut out, m));
    out.extend_from_slice(&bytes[elements_at..lights_end]);
    let top = scene.bvh();
    put_tree(&mut out, top.nodes(), top.prims().iter().map(|&k| item_elements[k as usize]), item_elements.len());
    for m in scene.meshes() {
        put_tree(&mut out, m.bvh().nodes(), m.bvh().prims().iter().copied(), m.triangle_count());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::Pose;
    use crate::render::{render_tile, Tile};
    use crate::view::View;

    /// A packed scene written record by record, as the TypeScript writer does.
    #[derive(Clone)]
    struct Packer {
        flags: u32,
        shadow_bias: f64,
        depth: u32,
        counts: [u32; 5],
        sections: [Vec<u8>; 5],
    }

    const TEXTURES: usize = 0;
    const MATERIALS: usize = 1;
    const MESHES: usize = 2;
    const ELEMENTS: usize = 3;
    const LIGHTS: usize = 4;
    const IDENTITY: [[f64; 4]; 3] = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]];

    fn put_u32s(out: &mut Vec<u8>, values: &[u32]) {
        values.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    }

    fn put_f32s(out: &mut Vec<u8>, values: &[f32]) {
        values.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    }

    fn put_f64s(out: &mut Vec<u8>, values: &[f64]) {
        values.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    }

    /// A 256-byte material record with the physically based fields at their defaults.
    fn material_record(
        coloration: u32,
        surface: u32,
        rgb: [f32; 3],
        texture: u32,
        albedo: f32,
        a: f32,
        b: f32,
    ) -> Vec<u8> {
        let mut s = Vec::new();
        put_u32s(&mut s, &[coloration, surface]);
        put_f32s(&mut s, &rgb);
        put_u32s(&mut s, &[texture]);
        put_f32s(&mut s, &[albedo, a, b]);
        put_u32s(&mut s, &[0, 0]);
        put_f32s(&mut s, &[0.5, 1.0, 1.0, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0, 1.0, 0.0, 0.0, 1.5, 1.0]);
        put_u32s(&mut s, &[0]);
        for _ in 0..4 {
            put_u32s(&mut s, &[NONE, 0, 0]);
            put_f32s(&mut s, &[0.0, 0.0, 0.0, 1.0, 1.0]);
        }
        s.resize(MATERIAL_BYTES, 0);
        s
    }

    impl Packer {
        fn new() -> Packer {
            Packer { flags: 0, shadow_bias: 1e-9, depth: 4, counts: [0; 5], sections: Default::default() }
        }

        fn section(&mut self, which: usize) -> &mut Vec<u8> {
            self.counts[which] += 1;
            &mut self.sections[which]
        }

        fn texture(&mut self, width: u32, height: u32, rgba: &[u8]) -> &mut Packer {
            let s = self.section(TEXTURES);
            put_u32s(s, &[width, height, 0, 0]);
            s.extend_from_slice(rgba);
            s.resize(s.len().div_ceil(8) * 8, 0);
            self
        }

        /// A material; a colour's texture index is written as NONE whatever `texture` says.
        #[allow(clippy::too_many_arguments)]
        fn material(
            &mut self,
            coloration: u32,
            surface: u32,
            rgb: [f64; 3],
            texture: u32,
            albedo: f64,
            a: f64,
            b: f64,
        ) -> &mut Packer {
            let texture = if coloration == 0 { NONE } else { texture };
            let rgb = rgb.map(|v| v as f32);
            let record = material_record(coloration, surface, rgb, texture, albedo as f32, a as f32, b as f32);
            self.section(MATERIALS).extend_from_slice(&record);
            self
        }

        fn sphere(&mut self, material: u32, c: [f64; 3], radius: f64) -> &mut Packer {
            let s = self.section(ELEMENTS);
            put_u32s(s, &[0, material]);
            put_f64s(s, &[c[0], c[1], c[2], radius]);
            self
        }

        fn plane(&mut self, material: u32, o: [f64; 3], n: [f64; 3]) -> &mut Packer {
            let s = self.section(ELEMENTS);
            put_u32s(s, &[1, material]);
            put_f64s(s, &[o[0], o[1], o[2], n[0], n[1], n[2]]);
            self
        }

        /// A mesh object; its index.
        fn mesh_object(&mut self, m: &TestMesh) -> u32 {
            let index = self.counts[MESHES];
            let s = self.section(MESHES);
            let flags = m.normals.is_some() as u32 | (m.uvs.is_some() as u32) << 1;
            put_u32s(s, &[flags, (m.positions.len() / 3) as u32, (m.indices.len() / 3) as u32, 0]);
            for part in [Some(&m.positions), m.normals.as_ref(), m.uvs.as_ref()].into_iter().flatten() {
                put_f32s(s, part);
                s.resize(s.len().div_ceil(8) * 8, 0);
            }
            put_u32s(s, &m.indices);
            s.resize(s.len().div_ceil(8) * 8, 0);
            index
        }

        fn instance(&mut self, material: u32, mesh: u32, m: [[f64; 4]; 3], smooth: bool) -> &mut Packer {
            let s = self.section(ELEMENTS);
            put_u32s(s, &[2, material, mesh, smooth as u32]);
            put_f64s(s, m.as_flattened());
            self
        }

        /// A mesh object placed once as it is, smooth when it has normals (the former mesh
        /// element).
        fn mesh(&mut self, material: u32, m: &TestMesh) -> &mut Packer {
            let mesh = self.mesh_object(m);
            self.instance(material, mesh, IDENTITY, m.normals.is_some())
        }

        fn light(&mut self, kind: u32, xyz: [f64; 3], rgb: [f64; 3], intensity: f64) -> &mut Packer {
            let s = self.section(LIGHTS);
            put_u32s(s, &[kind, 0]);
            put_f64s(s, &[xyz[0], xyz[1], xyz[2], rgb[0], rgb[1], rgb[2], intensity, 0.0, 0.0, 0.0]);
            put_f32s(s, &[0.0, 0.0]);
            self
        }

        fn bytes(&self) -> Vec<u8> {
            let mut out = MAGIC.to_vec();
            put_u32s(&mut out, &[VERSION, self.flags]);
            put_f64s(&mut out, &[self.shadow_bias]);
            put_u32s(&mut out, &[self.depth]);
            put_u32s(&mut out, &self.counts);
            put_u32s(&mut out, &[0, 0]);
            put_f32s(&mut out, &[0.0, 0.0, 0.0]);
            put_u32s(&mut out, &[NONE]);
            put_f32s(&mut out, &[1.0, 0.0]);
            put_u32s(&mut out, &[0]);
            put_f32s(&mut out, &[0.0]);
            out.resize(HEADER_BYTES, 0);
            self.sections.iter().for_each(|s| out.extend_from_slice(s));
            out
        }
    }

    /// A mesh as the writer lays it out.
    #[derive(Clone, Default)]
    struct TestMesh {
        positions: Vec<f32>,
        normals: Option<Vec<f32>>,
        uvs: Option<Vec<f32>>,
        indices: Vec<u32>,
    }

    /// A floor quad at height `y`, `half` wide, centred at depth `z`, with texture coordinates.
    fn floor_quad(y: f32, half: f32, z: f32) -> TestMesh {
        TestMesh {
            positions: vec![-half, y, z + half, half, y, z + half, half, y, z - half, -half, y, z - half],
            normals: None,
            uvs: Some(vec![0.0, 0.0, 4.0, 0.0, 4.0, 4.0, 0.0, 4.0]),
            indices: vec![0, 1, 2, 0, 2, 3],
        }
    }

    /// An octahedron with outward normals (smooth) around `c`.
    fn octahedron(c: [f32; 3], r: f32) -> TestMesh {
        let dirs: [[f32; 3]; 6] =
            [[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, -1.0]];
        let positions = dirs.iter().flat_map(|d| [c[0] + d[0] * r, c[1] + d[1] * r, c[2] + d[2] * r]).collect();
        let normals = dirs.iter().flat_map(|d| [d[0] + 0.3, d[1], d[2]]).collect();
        let indices = vec![0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5];
        TestMesh { positions, normals: Some(normals), uvs: None, indices }
    }

    /// Every element, coloration, surface and light kind, 41 spheres (a BVH of several levels).
    fn showcase() -> Packer {
        let mut p = Packer::new();
        p.texture(2, 1, &[255, 0, 0, 255, 255, 255, 255, 255])
            .texture(1, 1, &[0, 0, 255, 255])
            .material(0, 0, [0.8, 0.4, 0.2], 0, 0.5, 0.0, 0.0)
            .material(1, 1, [0.0, 0.0, 0.0], 1, 0.3, 0.4, 0.0)
            .material(0, 2, [1.0, 1.0, 1.0], 0, 0.2, 1.5, 0.9)
            .material(1, 0, [0.0, 0.0, 0.0], 0, 0.7, 0.0, 0.0)
            .plane(3, [0.0, -2.0, 0.0], [0.0, -3.0, 0.0])
            .plane(0, [0.0, 0.0, -40.0], [0.0, 0.0, -1.0]);
        for i in 0..40 {
            let f = i as f64;
            p.sphere(
                i % 4,
                [(f * 0.7) % 6.0 - 3.0, (f * 0.3) % 3.0 - 1.5, -6.0 - (f * 1.3) % 12.0],
                0.3 + (f % 3.0) * 0.2,
            );
        }
        p.sphere(1, [0.0, 0.0, -5.0], 1.0).light(0, [-0.3, -1.0, -0.2], [1.0, 0.9, 0.8], 2.0).light(
            1,
            [2.0, 6.0, -3.0],
            [0.9, 0.9, 1.0],
            3000.0,
        );
        p
    }

    /// The same scene through the typed builder.
    fn showcase_built(use_bvh: bool) -> Scene {
        let v = Vector3::new;
        let mut b = SceneBuilder::new(1e-9, 4).unwrap();
        b.add_texture(2, 1, TextureFormat::Color, vec![255, 0, 0, 255, 255, 255, 255, 255]).unwrap();
        let t1 = b.add_texture(1, 1, TextureFormat::Color, vec![0, 0, 255, 255]).unwrap();
        let m = [
            Material {
                coloration: Coloration::Color(Color::new(0.8, 0.4, 0.2)),
                albedo: 0.5,
                surface: Surface::Diffuse,
            },
            Material {
                coloration: Coloration::Texture(t1),
                albedo: 0.3,
                surface: Surface::Reflective { reflectivity: 0.4 },
            },
            Material {
                coloration: Coloration::Color(Color::new(1.0, 1.0, 1.0)),
                albedo: 0.2,
                surface: Surface::Refractive { index: 1.5, transparency: 0.9 },
            },
            Material { coloration: Coloration::Texture(TextureId(0)), albedo: 0.7, surface: Surface::Diffuse },
        ]
        .map(|m| b.add_material(m).unwrap());
        b.add_plane(v(0.0, -2.0, 0.0), v(0.0, -1.0, 0.0), m[3]).unwrap();
        b.add_plane(v(0.0, 0.0, -40.0), v(0.0, 0.0, -1.0), m[0]).unwrap();
        for i in 0..40 {
            let f = i as f64;
            let c = v((f * 0.7) % 6.0 - 3.0, (f * 0.3) % 3.0 - 1.5, -6.0 - (f * 1.3) % 12.0);
            b.add_sphere(c, 0.3 + (f % 3.0) * 0.2, m[i % 4]).unwrap();
        }
        b.add_sphere(v(0.0, 0.0, -5.0), 1.0, m[1]).unwrap();
        b.add_light(Light::Directional {
            direction: v(-0.3, -1.0, -0.2),
            color: Color::new(1.0, 0.9, 0.8),
            intensity: 2.0,
        })
        .unwrap();
        b.add_light(Light::Spherical {
            position: v(2.0, 6.0, -3.0),
            color: Color::new(0.9, 0.9, 1.0),
            intensity: 3000.0,
        })
        .unwrap();
        b.set_use_bvh(use_bvh);
        b.build()
    }

    fn image(scene: &Scene) -> Vec<u8> {
        let view = View::new(40, 30, 75.0, 4, Pose::DEFAULT).unwrap();
        render_tile(scene, &view, Tile::whole(&view), &mut || false).unwrap()
    }

    #[track_caller]
    fn err(bytes: &[u8]) -> String {
        match from_packed(bytes) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    /// The bytes with `value` written at `offset`.
    fn patched(bytes: &[u8], offset: usize, value: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        out[offset..offset + value.len()].copy_from_slice(value);
        out
    }

    #[test]
    fn every_kind_round_trips_to_the_builders_scene() {
        let bytes = showcase().bytes();
        let read = from_packed(&bytes).unwrap();
        let built = showcase_built(true);
        assert_eq!(read.spheres(), built.spheres());
        assert_eq!(read.bvh(), built.bvh());
        assert_eq!(read.settings, Settings::WHITTED);
        let expected = image(&built);
        assert_eq!(image(&read), expected);
        let distinct: std::collections::HashSet<&[u8]> = expected.chunks_exact(4).collect();
        assert!(distinct.len() > 50, "{}", distinct.len());
    }

    #[test]
    fn prepare_writes_the_bvh_that_readers_use_as_is() {
        let bytes = showcase().bytes();
        let prepared = prepare(&bytes).unwrap();
        assert_eq!(&prepared[..12], &bytes[..12]);
        assert_eq!(u32::from_le_bytes(prepared[12..16].try_into().unwrap()), FLAG_PREPARED);
        assert_eq!(&prepared[16..bytes.len()], &bytes[16..]);
        assert_eq!(prepared.len() % 8, 0);
        let (read, built) = (from_packed(&prepared).unwrap(), showcase_built(true));
        assert_eq!(read.spheres(), built.spheres());
        assert_eq!(read.bvh(), built.bvh());
        assert!(read.bvh().nodes().len() > 1);
        assert_eq!(image(&read), image(&built));
        // Preparing again changes nothing.
        assert_eq!(prepare(&prepared).unwrap(), prepared);
    }

    #[test]
    fn brute_force_scenes_have_no_bvh_and_the_same_pixels() {
        let mut p = showcase();
        p.flags = FLAG_BRUTE_FORCE;
        let bytes = p.bytes();
        let read = from_packed(&bytes).unwrap();
        assert!(read.bvh().is_empty());
        assert_eq!(image(&read), image(&showcase_built(false)));
        assert_eq!(image(&read), image(&showcase_built(true)));
        assert_eq!(prepare(&bytes).unwrap(), bytes);
    }

    #[test]
    fn empty_scenes_round_trip() {
        let bytes = Packer::new().bytes();
        assert_eq!(bytes.len(), 128);
        let prepared = prepare(&bytes).unwrap();
        assert_eq!(prepared.len(), 136);
        for b in [&bytes, &prepared] {
            assert!(image(&from_packed(b).unwrap()).chunks_exact(4).all(|p| p == [0, 0, 0, 255]));
        }
    }

    #[test]
    fn header_errors() {
        let good = showcase().bytes();
        let u = |v: u32| v.to_le_bytes();
        assert_eq!(err(b""), "packed scene: truncated at byte 0 (the header needs 128 bytes)");
        assert_eq!(err(b"{\"width\": 3}"), "packed scene: bad magic");
        assert_eq!(err(&patched(&good, 0, b"RAYPOOL!")), "packed scene: bad magic");
        assert_eq!(err(&patched(&good, 8, &u(1))), "packed scene: version 1 is not supported (expected 2)");
        assert_eq!(err(&patched(&good, 8, &u(7))[..12]), "packed scene: version 7 is not supported (expected 2)");
        assert_eq!(err(&good[..127]), "packed scene: truncated at byte 0 (the header needs 128 bytes)");
        assert_eq!(
            err(&patched(&good, 12, &u(4))),
            "packed scene: header: unknown flags 0x4 (bit 0 prepared, bit 1 brute force)"
        );
        assert_eq!(
            err(&patched(&good, 12, &u(3))),
            "packed scene: header: flags prepared (bit 0) and brute force (bit 1) exclude each other"
        );
        assert_eq!(
            err(&patched(&good, 16, &f64::NAN.to_le_bytes())),
            "packed scene: header: shadow_bias must be a finite number, got NaN"
        );
        assert_eq!(
            err(&patched(&good, 24, &u(1001))),
            "packed scene: header: max_recursion_depth must be at most 1000, got 1001"
        );
        assert!(from_packed(&patched(&good, 24, &u(1000))).is_ok());
        assert_eq!(err(&patched(&good, 100, &[1])), "packed scene: header: the reserved bytes 88..128 must be 0");
        assert_eq!(
            err(&patched(&good, 48, &u(2))),
            "packed scene: header: integrator must be 0 (Whitted) or 1 (path), got 2"
        );
        assert_eq!(
            err(&patched(&good, 52, &u(3))),
            "packed scene: header: max_bounces must be 0 for the Whitted integrator, got 3"
        );
        let path = patched(&good, 48, &u(1));
        assert_eq!(err(&path), "packed scene: header: max_bounces must be 1 to 1024, got 0");
        let path = patched(&path, 52, &u(8));
        assert_eq!(from_packed(&path).unwrap().settings.integrator, Integrator::Path { max_bounces: 8 });
        assert_eq!(
            err(&patched(&good, 60, &(-1.0f32).to_le_bytes())),
            "packed scene: header: environment green must be a finite number ≥ 0, got -1"
        );
        assert_eq!(
            err(&patched(&good, 68, &u(0))),
            "packed scene: header: environment_texture: texture 0 must be HDR (format 2)"
        );
        assert_eq!(
            err(&patched(&good, 68, &u(5))),
            "packed scene: header: environment_texture: unknown texture 5 (2 textures in the scene)"
        );
        assert_eq!(
            err(&patched(&good, 80, &u(3))),
            "packed scene: header: tone_mapping must be 0 (clamp), 1 (neutral) or 2 (ACES), got 3"
        );
        assert_eq!(
            err(&patched(&good, 84, &f32::NAN.to_le_bytes())),
            "packed scene: header: exposure must be a finite number, got NaN"
        );
        let mut long = good.clone();
        long.extend_from_slice(&[0; 8]);
        assert_eq!(err(&long), format!("packed scene: 8 trailing bytes after the end at byte {}", good.len()));
        // Claiming more records than there are bytes is a truncation, not an allocation.
        let mut p = Packer::new();
        p.texture(1, 1, &[0; 4]).material(0, 0, [0.5; 3], 0, 1.0, 0.0, 0.0).sphere(0, [0.0, 0.0, -5.0], 1.0);
        let small = p.bytes();
        assert_eq!(
            err(&patched(&small, 28, &u(u32::MAX))),
            "packed scene: texture 1: format must be 0 (colour), 1 (data) or 2 (HDR), got 1056964608"
        );
        assert_eq!(
            err(&patched(&small, 32, &u(u32::MAX))),
            "packed scene: truncated at byte 408 (material 1 needs 256 bytes)"
        );
        assert_eq!(
            err(&patched(&small, 36, &u(u32::MAX))),
            "packed scene: mesh 0: vertex_count must be 1 to 268435456, got 0"
        );
        assert_eq!(
            err(&patched(&small, 40, &u(u32::MAX))),
            "packed scene: truncated at byte 448 (element 1 needs 8 bytes)"
        );
        assert_eq!(
            err(&patched(&small, 44, &u(u32::MAX))),
            "packed scene: truncated at byte 448 (light 0 needs 96 bytes)"
        );
    }

    #[test]
    fn texture_errors() {
        let one = |w: u32, h: u32, format: u32, texels: &[u8]| {
            let mut p = Packer::new();
            let s = p.section(TEXTURES);
            put_u32s(s, &[w, h, format, 0]);
            s.extend_from_slice(texels);
            s.resize(s.len().div_ceil(8) * 8, 0);
            p.bytes()
        };
        assert!(from_packed(&one(1, 1, 0, &[1, 2, 3, 4])).is_ok());
        assert!(from_packed(&one(1, 1, 1, &[1, 2, 3])).is_ok(), "the writer pads with zeros");
        let hdr: Vec<u8> = [0.5f32, 2.0, 100.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert!(from_packed(&one(1, 1, 2, &hdr)).is_ok());
        let negative: Vec<u8> = [0.5f32, -2.0, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            err(&one(1, 1, 2, &negative)),
            "packed scene: texture 0: texel 0 of an HDR texture must be finite and ≥ 0"
        );
        assert_eq!(
            err(&one(1, 1, 3, &[1, 2, 3, 4])),
            "packed scene: texture 0: format must be 0 (colour), 1 (data) or 2 (HDR), got 3"
        );
        assert_eq!(err(&one(0, 1, 0, &[])), "packed scene: texture 0: size must be at least 1×1, got 0×1");
        assert_eq!(
            err(&one(1, 1, 0, &[1, 2, 3, 4])[..147]),
            "packed scene: truncated at byte 144 (texture 0 needs 4 bytes of texels)"
        );
        assert_eq!(
            err(&one(u32::MAX, u32::MAX, 0, &[])),
            format!(
                "packed scene: truncated at byte 144 (texture 0 needs {} bytes of texels)",
                u32::MAX as u128 * u32::MAX as u128 * 4
            )
        );
        let mut dirty = one(1, 1, 0, &[1, 2, 3, 4]);
        dirty[149] = 9;
        assert_eq!(err(&dirty), "packed scene: texture 0: padding must be zero");
    }

    #[track_caller]
    fn material_err(record: Vec<u8>) -> String {
        let mut p = Packer::new();
        p.texture(1, 1, &[0, 0, 0, 255]);
        p.section(MATERIALS).extend_from_slice(&record);
        err(&p.bytes())
    }

    #[test]
    fn material_errors() {
        let c = [0.5f32; 3];
        let z = [0.0f32; 3];
        let m = material_record;
        assert_eq!(
            material_err(m(0, 0, c, 0, 1.0, 0.0, 0.0)),
            "packed scene: material 0: coloration_texture must be 4294967295 (none) for a colour, got 0"
        );
        assert_eq!(
            material_err(m(1, 0, c, 0, 1.0, 0.0, 0.0)),
            "packed scene: material 0: red must be 0 for a texture, got 0.5"
        );
        assert_eq!(
            material_err(m(1, 0, z, 1, 1.0, 0.0, 0.0)),
            "packed scene: material 0: coloration: unknown texture 1 (1 textures in the scene)"
        );
        assert_eq!(
            material_err(m(2, 0, c, NONE, 1.0, 0.0, 0.0)),
            "packed scene: material 0: coloration must be 0 (colour) or 1 (texture), got 2"
        );
        assert_eq!(
            material_err(m(0, 4, c, NONE, 1.0, 0.0, 0.0)),
            "packed scene: material 0: surface must be 0 (diffuse), 1 (reflective), 2 (refractive) or 3 (pbr), got 4"
        );
        assert_eq!(
            material_err(m(0, 0, [f32::NAN, 0.0, 0.0], NONE, 1.0, 0.0, 0.0)),
            "packed scene: material 0: red must be a finite number, got NaN"
        );
        assert_eq!(
            material_err(m(0, 0, c, NONE, f32::INFINITY, 0.0, 0.0)),
            "packed scene: material 0: albedo must be a finite number, got inf"
        );
        assert_eq!(
            material_err(m(0, 0, c, NONE, 1.0, 0.5, 0.0)),
            "packed scene: material 0: a must be 0 for a diffuse surface, got 0.5"
        );
        assert_eq!(
            material_err(m(0, 1, c, NONE, 1.0, 0.5, 0.1)),
            "packed scene: material 0: b must be 0 for a reflective surface, got 0.1"
        );
        assert_eq!(
            material_err(m(0, 2, c, NONE, 1.0, -1.5, 0.5)),
            "packed scene: material 0: index must be positive, got -1.5"
        );
        let pbr = |offset: usize, value: &[u8]| material_err(patched(&m(0, 3, c, NONE, 1.0, 0.0, 0.0), offset, value));
        assert_eq!(pbr(64, &1.5f32.to_le_bytes()), "packed scene: material 0: metallic must be 0 to 1, got 1.5");
        assert_eq!(pbr(68, &(-0.1f32).to_le_bytes()), "packed scene: material 0: roughness must be 0 to 1, got -0.1");
        assert_eq!(
            pbr(92, &0.5f32.to_le_bytes()),
            "packed scene: material 0: ior must be a finite number ≥ 1, got 0.5"
        );
        assert_eq!(
            pbr(36, &4u32.to_le_bytes()),
            "packed scene: material 0: unknown flags 0x4 (bit 0 single-sided, bit 1 unlit)"
        );
        assert_eq!(
            pbr(40, &3u32.to_le_bytes()),
            "packed scene: material 0: alpha_mode must be 0 (opaque), 1 (mask) or 2 (blend), got 3"
        );
        assert_eq!(
            pbr(104, &1u32.to_le_bytes()),
            "packed scene: material 0: base_color_texture: unknown texture 1 (1 textures in the scene)"
        );
        assert_eq!(
            pbr(136, &0u32.to_le_bytes()),
            "packed scene: material 0: metallic_roughness_texture: texture 0 must be a data texture (format 1)"
        );
        assert_eq!(
            pbr(144, &32u32.to_le_bytes()),
            "packed scene: material 0: metallic_roughness_texture: unknown sampler bits 0x20"
        );
        assert_eq!(
            pbr(176, &3u32.to_le_bytes()),
            "packed scene: material 0: normal_texture: wrap mode 3 is unknown (0 repeat, 1 clamp to edge, 2 mirrored repeat)"
        );
        assert_eq!(
            pbr(250, &[1]),
            "packed scene: material 0: the reserved fields (bytes 100..104 and 232..256) must be 0"
        );
        let mut p = Packer::new();
        p.material(0, 0, [0.5; 3], 0, 1.0, 0.0, 0.0);
        assert_eq!(err(&p.bytes()[..300]), "packed scene: truncated at byte 128 (material 0 needs 256 bytes)");
    }

    #[track_caller]
    fn element_err(build: impl FnOnce(&mut Packer)) -> String {
        let mut p = Packer::new();
        p.material(0, 0, [0.5; 3], 0, 1.0, 0.0, 0.0).sphere(0, [0.0, 0.0, -5.0], 1.0);
        build(&mut p);
        err(&p.bytes())
    }

    #[test]
    fn element_errors() {
        let e = |f: fn(&mut Packer)| element_err(f);
        assert_eq!(
            e(|p| {
                p.sphere(1, [0.0; 3], 1.0);
            }),
            "packed scene: element 1 (sphere): unknown material 1 (1 materials in the scene)"
        );
        assert_eq!(
            e(|p| {
                p.sphere(0, [0.0; 3], -1.0);
            }),
            "packed scene: element 1 (sphere): radius must be positive, got -1"
        );
        assert_eq!(
            e(|p| {
                p.sphere(0, [0.0, f64::NEG_INFINITY, 0.0], 1.0);
            }),
            "packed scene: element 1 (sphere): center must be finite, got (0, -inf, 0)"
        );
        assert_eq!(
            e(|p| {
                p.plane(0, [0.0; 3], [-0.0, 0.0, -0.0]);
            }),
            "packed scene: element 1 (plane): normal must be a non-zero vector, got (-0, 0, -0)"
        );
        assert_eq!(
            e(|p| {
                p.instance(0, 0, IDENTITY, false);
            }),
            "packed scene: element 1 (instance): unknown mesh 0 (0 meshes in the scene)"
        );
        let tri = TestMesh {
            positions: vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            indices: vec![0, 1, 2],
            ..TestMesh::default()
        };
        let with_mesh = |m: [[f64; 4]; 3], flags: u32| {
            let mut p = Packer::new();
            p.material(0, 0, [0.5; 3], 0, 1.0, 0.0, 0.0);
            let mesh = p.mesh_object(&tri);
            let s = p.section(ELEMENTS);
            put_u32s(s, &[2, 0, mesh, flags]);
            put_f64s(s, m.as_flattened());
            p.bytes()
        };
        assert!(from_packed(&with_mesh(IDENTITY, 1)).is_ok());
        let mut flat = IDENTITY;
        flat[2][2] = 0.0;
        assert_eq!(
            err(&with_mesh(flat, 0)),
            "packed scene: element 0 (instance): transform must be invertible, its 3×3 part has determinant 0"
        );
        let mut nan = IDENTITY;
        nan[1][3] = f64::NAN;
        assert_eq!(err(&with_mesh(nan, 0)), "packed scene: element 0 (instance): transform must be finite, got NaN");
        assert_eq!(
            err(&with_mesh(IDENTITY, 2)),
            "packed scene: element 0 (instance): unknown flags 0x2 (bit 0 smooth)"
        );
        let unknown = element_err(|p| put_u32s(p.section(ELEMENTS), &[9, 0]));
        assert_eq!(unknown, "packed scene: element 1: unknown element kind 9 (0 sphere, 1 plane, 2 instance)");
        let short = element_err(|p| put_u32s(p.section(ELEMENTS), &[2, 0, 0, 0]));
        assert_eq!(short, "packed scene: truncated at byte 424 (element 1 (instance) needs 112 bytes)");
    }

    #[test]
    fn light_errors() {
        let light = |kind: u32, xyz: [f64; 3], rgb: [f64; 3], intensity: f64| {
            let mut p = Packer::new();
            p.light(kind, xyz, rgb, intensity);
            err(&p.bytes())
        };
        let w = [1.0; 3];
        assert_eq!(light(2, w, w, 1.0), "packed scene: light 0: spot lights (kind 2) are not supported yet");
        assert_eq!(light(3, w, w, 1.0), "packed scene: light 0: kind must be 0 (directional) or 1 (spherical), got 3");
        assert_eq!(
            light(0, [0.0; 3], w, 1.0),
            "packed scene: light 0 (directional): direction must be a non-zero vector, got (0, 0, 0)"
        );
        assert_eq!(
            light(1, [f64::NAN, 0.0, 0.0], w, 1.0),
            "packed scene: light 0 (spherical): position must be finite, got (NaN, 0, 0)"
        );
        assert_eq!(
            light(0, w, w, 1e40),
            "packed scene: light 0 (directional): intensity is out of the f32 range, got 1e40"
        );
        let mut p = Packer::new();
        p.light(1, w, w, 1.0);
        let bytes = p.bytes();
        assert!(from_packed(&bytes).is_ok());
        assert_eq!(
            err(&patched(&bytes, 132, &[0, 0, 1, 0])),
            "packed scene: light 0 (spherical): reserved must be 0, got 65536"
        );
        assert_eq!(
            err(&patched(&bytes, 128 + 70, &[1])),
            "packed scene: light 0 (spherical): the spot fields (bytes 64..96) must be 0"
        );
        assert_eq!(err(&bytes[..200]), "packed scene: truncated at byte 128 (light 0 needs 96 bytes)");
    }

    #[test]
    fn prepared_section_errors() {
        let plain = showcase().bytes();
        let prepared = prepare(&plain).unwrap();
        let section = plain.len();
        let u = |v: u32| v.to_le_bytes();
        let node_count = u32::from_le_bytes(prepared[section..section + 4].try_into().unwrap()) as usize;
        let order = section + 8;
        let nodes = order + (41 * 4usize).div_ceil(8) * 8;
        let node = |i: usize| nodes + i * NODE_BYTES;
        assert_eq!(
            err(&patched(&prepared, order, &u(0))),
            "packed scene: the top-level BVH: leaf order entry 0 names element 0, which is a plane"
        );
        assert_eq!(
            err(&patched(&prepared, order, &u(43))),
            "packed scene: the top-level BVH: leaf order entry 0 names element 43, the scene has 43"
        );
        let first = u32::from_le_bytes(prepared[order..order + 4].try_into().unwrap());
        assert_eq!(
            err(&patched(&prepared, order + 4, &u(first))),
            format!(
                "packed scene: prepared section: top level: leaf order entry 1 names primitive {} a second time",
                first - 2
            )
        );
        assert_eq!(
            err(&patched(&prepared, section + 4, &u(40))),
            "packed scene: the top-level BVH: lists 40 primitives, there are 41"
        );
        assert_eq!(
            err(&patched(&prepared, node(0) + 24, &u(0))),
            format!("packed scene: prepared section: top level: node 0: children 0 and 1 must follow it and be among the {node_count} nodes")
        );
        assert_eq!(
            err(&patched(&prepared, node(1) + 4, &f32::NAN.to_le_bytes())),
            "packed scene: prepared section: top level: node 1: bounds must not be NaN"
        );
        assert_eq!(
            err(&patched(&prepared, node(1), &1e30f32.to_le_bytes())),
            "packed scene: prepared section: top level: node 1: bounds must not be inside out"
        );
        let leaf = (0..node_count).find(|&i| prepared[node(i) + 28..node(i) + 32] != [0; 4]).unwrap();
        let count = u32::from_le_bytes(prepared[node(leaf) + 28..node(leaf) + 32].try_into().unwrap());
        assert_eq!(
            err(&patched(&prepared, node(leaf) + 24, &u(40))),
            format!(
                "packed scene: prepared section: top level: node {leaf}: leaf primitives 40..{} are out of range (41 primitives)",
                40 + count
            )
        );
        if count > 1 {
            assert!(err(&patched(&prepared, node(leaf) + 28, &u(count - 1))).contains("exactly once"));
        }
        assert_eq!(
            err(&prepared[..prepared.len() - 8]),
            format!(
                "packed scene: truncated at byte {} (the nodes of the top-level BVH needs {} bytes)",
                nodes,
                node_count * NODE_BYTES
            )
        );
        let mut orphan = prepared.clone();
        orphan[section..section + 4].copy_from_slice(&u(node_count as u32 + 1));
        orphan.extend_from_slice(&prepared[node(leaf)..node(leaf) + NODE_BYTES]);
        assert_eq!(
            err(&orphan),
            format!("packed scene: prepared section: top level: node {node_count}: no node has it as a child")
        );
    }

    #[test]
    fn a_deep_chain_of_nodes_is_refused() {
        // 70 spheres in a chain: each interior node has a leaf of one sphere and the rest.
        let mut p = Packer::new();
        p.material(0, 0, [0.5; 3], 0, 1.0, 0.0, 0.0);
        for i in 0..70 {
            p.sphere(0, [i as f64, 0.0, -5.0], 0.5);
        }
        let mut bytes = p.bytes();
        bytes[12] = FLAG_PREPARED as u8;
        let nodes = 2 * 70 - 1;
        put_u32s(&mut bytes, &[nodes, 70]);
        put_u32s(&mut bytes, &(0..70).collect::<Vec<u32>>());
        for i in 0..nodes {
            put_f32s(&mut bytes, &[-1e9, -1e9, -1e9, 1e9, 1e9, 1e9]);
            // Node 2k is interior (children 2k+1, 2k+2) until the last, node 2k+1 a leaf.
            if i % 2 == 0 && i < nodes - 1 {
                put_u32s(&mut bytes, &[i + 1, 0]);
            } else {
                put_u32s(&mut bytes, &[i / 2, 1]);
            }
        }
        assert_eq!(
            err(&bytes),
            format!("packed scene: prepared section: top level: node {}: the tree is deeper than 60 levels", 2 * 60)
        );
    }

    /// `testdata/regression.bin` (every element, coloration, surface and light kind, and an
    /// exact tie) rendered by the implementation before the packed format, from its call
    /// script (the file converted to each version since): no format change may change a pixel.
    #[test]
    fn renders_what_the_previous_implementation_rendered() {
        let packed = include_bytes!("../testdata/regression.bin");
        let camera = Pose {
            position: Vector3::new(1.5, 1.0, 2.0),
            look_at: Vector3::new(0.0, 0.0, -8.0),
            up: Vector3::new(0.2, 1.0, 0.0),
        };
        let cases: [(View, &[u8]); 2] = [
            (
                View::new(80, 60, 75.0, 1, Pose::DEFAULT).unwrap(),
                include_bytes!("../testdata/regression_default_80x60_s1.rgba"),
            ),
            (
                View::new(40, 30, 60.0, 4, camera).unwrap(),
                include_bytes!("../testdata/regression_camera_40x30_s4.rgba"),
            ),
        ];
        let mut brute = packed.to_vec();
        brute[12] = FLAG_BRUTE_FORCE as u8;
        for bytes in [packed.to_vec(), prepare(packed).unwrap(), brute] {
            let scene = from_packed(&bytes).unwrap();
            for (view, expected) in &cases {
                let image = render_tile(&scene, view, Tile::whole(view), &mut || false).unwrap();
                assert!(image == *expected, "{}x{} differs", view.width(), view.height());
                let distinct: std::collections::HashSet<&[u8]> = expected.chunks_exact(4).collect();
                assert!(distinct.len() > 100, "{}", distinct.len());
            }
        }
    }

    /// xorshift64*: deterministic mutations without a dependency.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
        }
    }

    #[test]
    fn mutated_scenes_never_panic() {
        let mut scenes = vec![showcase().bytes(), mesh_scene().bytes()];
        scenes.push(prepare(&scenes[0]).unwrap());
        scenes.push(prepare(&scenes[1]).unwrap());
        let view = View::new(3, 2, 60.0, 1, Pose::DEFAULT).unwrap();
        let mut rng = Rng(0x5EED);
        let (mut ok, mut refused) = (0, 0);
        for round in 0..20_000 {
            let mut bytes = scenes[round % scenes.len()].clone();
            match rng.below(4) {
                0 => bytes.truncate(rng.below(bytes.len())),
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(bytes.len());
                        bytes[at] ^= 1 << rng.below(8);
                    }
                }
                2 => {
                    let at = rng.below(bytes.len() / 4) * 4;
                    let v =
                        [0u32, 1, 2, 3, 7, 40, 41, 42, 43, 1000, 1001, u32::MAX, u32::MAX - 1, 1 << 31][rng.below(14)];
                    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
                _ => {
                    let at = rng.below(bytes.len() / 8) * 8;
                    let v = [0.0, -0.0, f64::NAN, f64::INFINITY, -1.0, 1e300, 1e-320, 5e-324][rng.below(8)];
                    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
                }
            }
            let _ = prepare(&bytes);
            match from_packed(&bytes) {
                Ok(scene) => {
                    ok += 1;
                    render_tile(&scene, &view, Tile::whole(&view), &mut || false).unwrap();
                }
                Err(e) => {
                    refused += 1;
                    let message = e.to_string();
                    assert!(message.starts_with("packed scene: ") && !message.contains('\n'), "{message}");
                }
            }
        }
        assert!(ok > 500 && refused > 5_000, "ok {ok}, refused {refused}");
    }

    /// Spheres, a plane and meshes of every surface: diffuse and smooth, textured, refractive.
    fn mesh_scene() -> Packer {
        let mut p = Packer::new();
        p.texture(2, 2, &[255, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 255, 255])
            .material(0, 0, [0.8, 0.4, 0.2], 0, 0.5, 0.0, 0.0)
            .material(1, 0, [0.0, 0.0, 0.0], 0, 0.7, 0.0, 0.0)
            .material(0, 2, [1.0, 1.0, 1.0], 0, 0.2, 1.5, 0.9)
            .material(0, 1, [0.3, 0.9, 0.3], 0, 0.4, 0.5, 0.0)
            .plane(0, [0.0, 0.0, -40.0], [0.0, 0.0, -1.0])
            .mesh(1, &floor_quad(-2.0, 6.0, -8.0))
            .sphere(3, [1.5, -1.0, -7.0], 1.0)
            .mesh(2, &octahedron([-1.0, -0.5, -5.0], 1.0))
            .mesh(0, &TestMesh { normals: None, ..octahedron([1.5, 1.2, -8.0], 1.2) })
            .mesh(3, &octahedron([-2.0, 1.5, -9.0], 1.0))
            .light(0, [-0.3, -1.0, -0.2], [1.0, 0.9, 0.8], 2.0)
            .light(1, [2.0, 6.0, -3.0], [0.9, 0.9, 1.0], 3000.0);
        p
    }

    #[test]
    fn meshes_round_trip_with_their_bvh_and_match_brute_force() {
        let bytes = mesh_scene().bytes();
        let read = from_packed(&bytes).unwrap();
        assert_eq!(read.meshes().len(), 4);
        assert!(read.meshes().iter().all(|m| !m.bvh().is_empty()));
        let expected = image(&read);
        let distinct: std::collections::HashSet<&[u8]> = expected.chunks_exact(4).collect();
        assert!(distinct.len() > 50, "{}", distinct.len());
        let prepared = prepare(&bytes).unwrap();
        let from_prepared = from_packed(&prepared).unwrap();
        for (a, b) in from_prepared.meshes().iter().zip(read.meshes()) {
            assert_eq!(a.bvh(), b.bvh());
            assert_eq!(a.triangles(), b.triangles());
        }
        assert_eq!(image(&from_prepared), expected);
        assert_eq!(prepare(&prepared).unwrap(), prepared);
        let mut brute = mesh_scene();
        brute.flags = FLAG_BRUTE_FORCE;
        let brute = from_packed(&brute.bytes()).unwrap();
        assert!(brute.meshes().iter().all(|m| m.bvh().is_empty()));
        assert_eq!(image(&brute), expected);
    }

    #[test]
    fn mesh_errors() {
        let mesh_err = |m: TestMesh| {
            let mut p = Packer::new();
            p.material(0, 0, [1.0; 3], 0, 0.5, 0.0, 0.0).sphere(0, [0.0; 3], 1.0).mesh(0, &m);
            err(&p.bytes())
        };
        let tri = || TestMesh {
            positions: vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            indices: vec![0, 1, 2],
            ..TestMesh::default()
        };
        assert_eq!(
            mesh_err(TestMesh { indices: vec![0, 1, 3], ..tri() }),
            "packed scene: mesh 0: index 3 out of range (0..3)"
        );
        let mut nan = tri();
        nan.positions[4] = f32::NAN;
        assert_eq!(mesh_err(nan), "packed scene: mesh 0: position 1 is not finite (NaN)");
        let normals = TestMesh { normals: Some(vec![0.0, 0.0, 1.0, f32::INFINITY, 0.0, 1.0, 0.0, 0.0, 1.0]), ..tri() };
        assert_eq!(mesh_err(normals), "packed scene: mesh 0: normal 1 is not finite");
        let uvs = TestMesh { uvs: Some(vec![0.0, 0.0, f32::NAN, 0.0, 0.0, 1.0]), ..tri() };
        assert_eq!(mesh_err(uvs), "packed scene: mesh 0: texture coordinate 1 is not finite");
        assert_eq!(
            mesh_err(TestMesh { indices: vec![], ..tri() }),
            "packed scene: mesh 0: triangle_count must be 1 to 16777216, got 0"
        );
        let mut p = Packer::new();
        p.material(0, 0, [1.0; 3], 0, 0.5, 0.0, 0.0).sphere(0, [0.0; 3], 1.0).mesh(0, &tri());
        let bytes = p.bytes();
        let at = 128 + 256;
        assert_eq!(
            err(&patched(&bytes, at, &16u32.to_le_bytes())),
            "packed scene: mesh 0: unknown flags 0x10 (bit 0 normals, 1 uvs, 2 colours, 3 tangents)"
        );
        assert_eq!(
            err(&patched(&bytes, at + 12, &1u32.to_le_bytes())),
            "packed scene: mesh 0: reserved must be 0, got 1"
        );
        // A vertex count far beyond the input is refused before anything is allocated.
        assert_eq!(
            err(&patched(&bytes, at + 4, &(1u32 << 28).to_le_bytes())),
            format!("packed scene: truncated at byte {} (the positions of mesh 0 needs 3221225472 bytes)", at + 16)
        );
        assert_eq!(
            err(&patched(&bytes, at + 4, &u32::MAX.to_le_bytes())),
            "packed scene: mesh 0: vertex_count must be 1 to 268435456, got 4294967295"
        );
        // The mesh BVH in the prepared section is checked against the mesh.
        let prepared = prepare(&mesh_scene().bytes()).unwrap();
        let scene = from_packed(&prepared).unwrap();
        let last = scene.meshes().last().unwrap();
        let node_at = prepared.len() - last.bvh().nodes().len() * NODE_BYTES;
        let order_at = node_at - last.triangle_count().div_ceil(2) * 8;
        let broken = patched(&prepared, order_at, &prepared[order_at + 4..order_at + 8]);
        assert!(
            err(&broken).starts_with("packed scene: prepared section: mesh 3: leaf order entry 1 names primitive"),
            "{}",
            err(&broken)
        );
        assert_eq!(
            err(&prepared[..prepared.len() - 8]),
            format!(
                "packed scene: truncated at byte {} (the nodes of the BVH of mesh 3 needs {} bytes)",
                node_at,
                last.bvh().nodes().len() * NODE_BYTES
            )
        );
    }

    /// A mesh placed 1,000 times costs its geometry once: the packed bytes grow by the
    /// instance records, the prepared bytes by those and the top-level tree over them.
    #[test]
    fn a_thousand_instances_cost_their_records_only() {
        let build = |n: usize| {
            let mut p = Packer::new();
            p.material(0, 0, [0.5; 3], 0, 1.0, 0.0, 0.0).light(0, [0.0, -1.0, -1.0], [1.0; 3], 1.0);
            let mesh = p.mesh_object(&TestMesh { normals: None, ..octahedron([0.0; 3], 0.4) });
            for i in 0..n {
                let mut m = IDENTITY;
                m[0][3] = (i % 40) as f64 - 20.0;
                m[1][3] = (i / 40) as f64 - 12.0;
                m[2][3] = -30.0;
                p.instance(0, mesh, m, i % 2 == 0);
            }
            p.bytes()
        };
        let (one, thousand) = (build(1), build(1000));
        assert_eq!(thousand.len() - one.len(), 999 * INSTANCE_BYTES);
        let (one, thousand) = (prepare(&one).unwrap(), prepare(&thousand).unwrap());
        let top =
            |scene: &Scene| 8 + (scene.items().len() * 4).div_ceil(8) * 8 + scene.bvh().nodes().len() * NODE_BYTES;
        let (a, b) = (from_packed(&one).unwrap(), from_packed(&thousand).unwrap());
        assert_eq!(thousand.len() - one.len(), 999 * INSTANCE_BYTES + top(&b) - top(&a));
        assert_eq!((b.meshes().len(), b.instances().len()), (1, 1000));
        // The smooth instances got the mesh's normals computed once, in the prepared bytes.
        assert!(b.meshes()[0].normals().is_some());
        let lit = image(&b).chunks_exact(4).filter(|p| p[0] > 0).count();
        assert!(lit > 200, "{lit}");
    }

    /// A quad of two triangles where the original's floor plane is: the same image, except
    /// where rounding at the diagonal or the quad's far edge (the plane is infinite) differs.
    #[test]
    fn a_quad_renders_like_the_plane_it_replaces() {
        let scene = |floor: &dyn Fn(&mut Packer)| {
            let mut p = Packer::new();
            p.material(0, 0, [0.6, 0.6, 0.6], 0, 0.18, 0.0, 0.0).material(0, 0, [1.0, 0.2, 0.2], 0, 0.18, 0.0, 0.0);
            floor(&mut p);
            p.sphere(1, [0.0, 0.0, -5.0], 1.0).light(1, [-2.0, 6.0, -3.0], [1.0, 1.0, 1.0], 10000.0);
            from_packed(&p.bytes()).unwrap()
        };
        let plane = scene(&|p| {
            p.plane(0, [0.0, -2.0, -5.0], [0.0, -1.0, 0.0]);
        });
        let quad = scene(&|p| {
            p.mesh(0, &floor_quad(-2.0, 1e5, -5.0));
        });
        let view = View::new(640, 480, 90.0, 1, Pose::DEFAULT).unwrap();
        let a = render_tile(&plane, &view, Tile::whole(&view), &mut || false).unwrap();
        let b = render_tile(&quad, &view, Tile::whole(&view), &mut || false).unwrap();
        let (mut differing, mut worst) = (0, 0);
        for (x, y) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
            let d = x.iter().zip(y).map(|(p, q)| p.abs_diff(*q)).max().unwrap();
            differing += (d > 0) as usize;
            worst = worst.max(d);
        }
        let floor_pixels = a.chunks_exact(4).filter(|p| p[0] > 0 && p[0] == p[1]).count();
        assert!(floor_pixels > 100_000, "{floor_pixels}");
        assert!(differing <= 10 && worst <= 2, "{differing} pixels differ, by up to {worst}");
    }
}
