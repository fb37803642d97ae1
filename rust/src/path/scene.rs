//! The packed scene as the path tracer sees it: [`PathData`] (its lights, emissive geometry
//! and environment, built once per scene) and [`ScenePath`], which answers the integrator's
//! questions from the core's [`Scene`] — nearest hit and occlusion through its BVH (rays never
//! hit the mesh triangle they leave), and the surface's BSDF from the material: the
//! original's surfaces with their path-traced meaning, and glTF metallic-roughness with its
//! textures (base colour, metallic-roughness, emissive; transforms, wraps and filtering),
//! vertex colours, tangent-space normal maps and alpha (mask and blend).
//!
//! Alpha: a surface whose alpha (base colour factor × texture × vertex colour) is below a
//! mask's cut-off is not there for any ray (camera, bounce, shadow); a blended surface is there
//! with probability alpha (stochastic transparency, as Cycles), decided by a hash of the ray
//! and the hit distance — the rays are pure functions of the sample key, so images stay
//! deterministic for any tiling. glTF `doubleSided: false` asks rasterisers to cull back
//! faces; path tracers (Cycles, pbrt) hit them, and so does this one.

use crate::camera::Camera;
use crate::color::decode_channel;
use crate::error::RenderError;
use crate::light::Light as SceneLight;
use crate::material::{AlphaMode, Coloration, Material, MaterialId, Pbr, Surface, TextureRef, Wrap};
use crate::path::bsdf::{Bsdf, PbrParams};
use crate::path::environment::{EnvMap, Environment};
use crate::path::integrator::{PathScene, PathSettings, Strategy, SurfaceHit};
use crate::path::lights::{Light, LightSet};
use crate::path::render::{render_rect, PathBuffers, PathOptions};
use crate::path::rng::mix64;
use crate::path::spectrum::Spectrum;
use crate::path::tonemap::ToneMap;
use crate::ray::Ray;
use crate::render::{check_tile, Tile};
use crate::scene::{Nearest, Origin, Scene};
use crate::settings::{Integrator, ToneMapping};
use crate::shape::{ShapeKind, TexCoords};
use crate::texture::{Texture, TextureFormat};
use crate::vector::Vector3;
use crate::view::View;
use std::f64::consts::PI;

/// What the path tracer derives from a scene once: the light set (lights, emissive spheres
/// and mesh triangles, the environment) and which element is which light.
#[derive(Clone, Debug)]
pub struct PathData {
    lights: LightSet,
    /// Per sphere (the scene's sphere order): its light index.
    sphere_light: Vec<Option<u32>>,
    /// Per instance: the light index of its triangle slot 0 (slot s is that + s).
    instance_light: Vec<Option<u32>>,
    decode: [f32; 256],
    /// Some material is masked or blended: rays look through cut-outs.
    cutout: bool,
}

fn spectrum(c: [f32; 3]) -> Spectrum {
    Spectrum::new(c[0] as f64, c[1] as f64, c[2] as f64)
}

/// The emitted radiance of a material when it has no emissive texture (then the same over the
/// whole surface, and light sampling can aim at it).
fn uniform_emission(pbr: &Pbr, material: &Material) -> Option<Spectrum> {
    if !matches!(material.surface, Surface::Pbr) || pbr.emissive_texture.texture.is_some() {
        return None;
    }
    let e = spectrum(pbr.emission) * pbr.emission_strength as f64;
    if e.is_black() || !e.is_finite() {
        None
    } else {
        Some(e)
    }
}

impl PathData {
    /// Collects the lights of `scene`.
    pub fn new(scene: &Scene) -> PathData {
        let mut lights = Vec::new();
        for l in &scene.lights {
            lights.push(match *l {
                SceneLight::Directional { direction, color, intensity } => {
                    Light::Directional { direction, irradiance: Spectrum::from(color) * intensity as f64 }
                }
                SceneLight::Spherical { position, color, intensity } => {
                    Light::Point { position, intensity: Spectrum::from(color) * (intensity as f64 / (4.0 * PI)) }
                }
            });
        }
        let material = |id: MaterialId| (scene.material(id), scene.pbr(id).copied().unwrap_or(Pbr::DEFAULT));
        let mut sphere_light = Vec::with_capacity(scene.spheres().len());
        for s in scene.spheres() {
            let (m, pbr) = material(s.material);
            sphere_light.push(m.and_then(|m| uniform_emission(&pbr, &m)).map(|radiance| {
                lights.push(Light::Sphere { center: s.center, radius: s.radius, radiance });
                lights.len() as u32 - 1
            }));
        }
        let mut instance_light = Vec::with_capacity(scene.instances().len());
        for inst in scene.instances() {
            let (m, pbr) = material(inst.material);
            let Some(radiance) = m.and_then(|m| uniform_emission(&pbr, &m)) else {
                instance_light.push(None);
                continue;
            };
            let mesh = &scene.meshes()[inst.mesh as usize];
            let first = lights.len() as u32;
            let positions = mesh.positions();
            let world = |i: u32| {
                let p = positions[i as usize];
                inst.transform.point(Vector3::new(p[0] as f64, p[1] as f64, p[2] as f64))
            };
            for t in mesh.triangles() {
                lights.push(Light::Triangle { p: [world(t[0]), world(t[1]), world(t[2])], radiance });
            }
            instance_light.push(Some(first));
        }
        let env = scene.settings.environment;
        let environment = match env.texture.and_then(|id| scene.textures().get(id.0 as usize)) {
            Some(t) if t.format() == TextureFormat::Hdr => {
                let rgb: Vec<f32> =
                    t.texels().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                EnvMap::new(
                    t.width() as usize,
                    t.height() as usize,
                    &rgb,
                    env.intensity as f64,
                    env.rotation_degrees as f64,
                )
                .map_or(Environment::Black, |m| Environment::Map(Box::new(m)))
            }
            _ => {
                let c = Spectrum::from(env.color) * env.intensity as f64;
                if c.is_black() {
                    Environment::Black
                } else {
                    Environment::Uniform(c)
                }
            }
        };
        let mut decode = [0f32; 256];
        for (i, d) in decode.iter_mut().enumerate() {
            *d = decode_channel(i as u8);
        }
        let cutout = (0..).map_while(|i| scene.pbr(MaterialId(i)).map(|p| (i, p))).any(|(i, p)| {
            p.alpha_mode != AlphaMode::Opaque
                && matches!(scene.material(MaterialId(i)), Some(m) if matches!(m.surface, Surface::Pbr))
        });
        PathData { lights: LightSet::new(lights, environment), sphere_light, instance_light, decode, cutout }
    }
}

/// A scene and its [`PathData`], as the integrator's [`PathScene`].
pub struct ScenePath<'a> {
    /// The scene.
    pub scene: &'a Scene,
    /// What was derived from it.
    pub data: &'a PathData,
}

/// What shading reads at a hit besides the material: texture coordinates and the mesh's
/// interpolated vertex colour and tangent (world space, with its bitangent sign).
#[derive(Clone, Copy, Debug)]
struct Attributes {
    uv: TexCoords,
    color: Option<[f64; 4]>,
    tangent: Option<(Vector3, f64)>,
}

/// The shading normal `ns` bent by a tangent-space normal-map texel `t` (linear, 0 to 1;
/// glTF: n = 2t − 1 with x and y times `scale`), in the frame of the tangent (made
/// perpendicular to `ns`), the bitangent `sign` × ns × tangent, and ns. The result stays on the
/// viewer's side of the surface (`wo`, seen across the geometric normal `ng`) by at least a
/// little, so a steep map neither lets light through nor turns black; `ns` when the frame
/// degenerates.
fn mapped_normal(
    ns: Vector3,
    ng: Vector3,
    wo: Vector3,
    tangent: Vector3,
    sign: f64,
    t: [f32; 4],
    scale: f64,
) -> Vector3 {
    let x = (2.0 * t[0] as f64 - 1.0) * scale;
    let y = (2.0 * t[1] as f64 - 1.0) * scale;
    let z = 2.0 * t[2] as f64 - 1.0;
    let tn = (tangent - ns * tangent.dot(ns)).normalize();
    if !tn.is_finite() {
        return ns;
    }
    let bn = ns.cross(tn) * sign;
    let n = (tn * x + bn * y + ns * z).normalize();
    if !n.is_finite() {
        return ns;
    }
    // Orient like ns, then keep it facing the viewer's side by a margin.
    let side = if wo.dot(ng) >= 0.0 { ng } else { -ng };
    let w = if wo.dot(side) > 0.0 { wo } else { side };
    let s = if ns.dot(side) >= 0.0 { 1.0 } else { -1.0 };
    let n = n * s;
    const MARGIN: f64 = 1e-3;
    let d = n.dot(w);
    let n = if d < MARGIN { (n + side * ((MARGIN - d) / side.dot(w).max(1e-9))).normalize() } else { n };
    let n = n * s;
    if n.is_finite() {
        n
    } else {
        ns
    }
}

type GeometryAt = (Vector3, Vector3, Attributes, MaterialId, Option<u32>);

fn wrap(t: f32, mode: Wrap) -> f32 {
    match mode {
        Wrap::Repeat => t - t.floor(),
        Wrap::ClampToEdge => t.clamp(0.0, 1.0),
        Wrap::MirroredRepeat => {
            let m = t - 2.0 * (t / 2.0).floor();
            if m > 1.0 {
                2.0 - m
            } else {
                m
            }
        }
    }
}

impl ScenePath<'_> {
    /// One texel as linear RGBA.
    fn texel(&self, t: &Texture, x: u32, y: u32) -> [f32; 4] {
        let i = (y as usize * t.width() as usize + x as usize) * t.format().texel_bytes();
        let b = t.texels();
        match t.format() {
            TextureFormat::Color => match b.get(i..i + 4) {
                Some(p) => [
                    self.data.decode[p[0] as usize],
                    self.data.decode[p[1] as usize],
                    self.data.decode[p[2] as usize],
                    p[3] as f32 / 255.0,
                ],
                None => [0.0; 4],
            },
            TextureFormat::Data => match b.get(i..i + 4) {
                Some(p) => [p[0] as f32 / 255.0, p[1] as f32 / 255.0, p[2] as f32 / 255.0, p[3] as f32 / 255.0],
                None => [0.0; 4],
            },
            TextureFormat::Hdr => match b.get(i..i + 12) {
                Some(p) => {
                    let f = |k: usize| f32::from_le_bytes([p[k], p[k + 1], p[k + 2], p[k + 3]]);
                    [f(0), f(4), f(8), 1.0]
                }
                None => [0.0; 4],
            },
        }
    }

    /// A PBR texture slot at texture coordinates `uv` (glTF's: u across, v down), linear RGBA;
    /// `None` for an empty slot.
    fn sample(&self, r: &TextureRef, uv: TexCoords) -> Option<[f32; 4]> {
        let t = self.scene.textures().get(r.texture?.0 as usize)?;
        let (su, sv) = (uv.u * r.scale[0], uv.v * r.scale[1]);
        let (s, c) = r.rotation.sin_cos();
        let u = r.offset[0] + c * su + s * sv;
        let v = r.offset[1] - s * su + c * sv;
        let (u, v) = (wrap(u, r.wrap_u), wrap(v, r.wrap_v));
        let (w, h) = (t.width(), t.height());
        if !r.bilinear {
            let x = ((u * w as f32) as u32).min(w - 1);
            let y = ((v * h as f32) as u32).min(h - 1);
            return Some(self.texel(t, x, y));
        }
        let fx = (u * w as f32 - 0.5).max(0.0);
        let fy = (v * h as f32 - 0.5).max(0.0);
        let (x0, y0) = ((fx as u32).min(w - 1), (fy as u32).min(h - 1));
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
        let (a, b, c2, d) =
            (self.texel(t, x0, y0), self.texel(t, x1, y0), self.texel(t, x0, y1), self.texel(t, x1, y1));
        let mut out = [0f32; 4];
        for k in 0..4 {
            out[k] = (a[k] * (1.0 - ax) + b[k] * ax) * (1.0 - ay) + (c2[k] * (1.0 - ax) + d[k] * ax) * ay;
        }
        Some(out)
    }

    /// The material's colour at the hit (its colour, or the original's texture lookup).
    fn coloration(&self, material: &Material, uv: TexCoords) -> Spectrum {
        match material.coloration {
            Coloration::Color(c) => Spectrum::from(c),
            Coloration::Texture(id) => match self.scene.textures().get(id.0 as usize) {
                Some(t) => {
                    // The original's truncating wrap of texel coordinates.
                    let x = crate::texture::wrap(uv.u, t.width());
                    let y = crate::texture::wrap(uv.v, t.height());
                    let p = self.texel(t, x, y);
                    Spectrum::new(p[0] as f64, p[1] as f64, p[2] as f64)
                }
                None => Spectrum::ZERO,
            },
        }
    }

    /// The alpha of a masked or blended material at the hit (base colour factor × texture ×
    /// vertex colour), with whether it is masked (else blended); `None` when opaque.
    fn alpha(&self, id: MaterialId, at: &Attributes) -> Option<(f64, bool, f64)> {
        if !matches!(self.scene.material(id)?.surface, Surface::Pbr) {
            return None;
        }
        let pbr = self.scene.pbr(id)?;
        let masked = match pbr.alpha_mode {
            AlphaMode::Opaque => return None,
            AlphaMode::Mask => true,
            AlphaMode::Blend => false,
        };
        let mut a = pbr.base_color_factor[3] as f64;
        if let Some(t) = self.sample(&pbr.base_color_texture, at.uv) {
            a *= t[3] as f64;
        }
        if let Some(c) = at.color {
            a *= c[3];
        }
        Some((a, masked, pbr.alpha_cutoff as f64))
    }

    /// Whether the surface at this hit lets `ray` through (a cut-out or, with probability
    /// 1 − alpha, a blended surface).
    fn passes(&self, ray: &Ray, nearest: &Nearest, id: MaterialId, at: &Attributes) -> bool {
        let Some((alpha, masked, cutoff)) = self.alpha(id, at) else { return false };
        if masked {
            return alpha < cutoff;
        }
        let mut h = mix64(ray.origin.x.to_bits() ^ 0x51_7cc1_b727_220a);
        for v in [ray.origin.y, ray.origin.z, ray.direction.x, ray.direction.y, ray.direction.z, nearest.distance] {
            h = mix64(h ^ v.to_bits());
        }
        let u = (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        u >= alpha
    }

    /// The BSDF and emitted radiance of a material with the hit's attributes.
    fn shade(&self, id: MaterialId, at: &Attributes) -> (Bsdf, Spectrum) {
        let uv = at.uv;
        let Some(material) = self.scene.material(id) else { return (Bsdf::black(), Spectrum::ZERO) };
        let color = self.coloration(&material, uv);
        let albedo = material.albedo as f64;
        match material.surface {
            Surface::Diffuse => (Bsdf::lambert(color * albedo), Spectrum::ZERO),
            Surface::Reflective { reflectivity } => {
                (Bsdf::mirror_mix(color * albedo, reflectivity as f64), Spectrum::ZERO)
            }
            Surface::Refractive { index, transparency } => {
                (Bsdf::smooth_glass(color * transparency as f64, index as f64), Spectrum::ZERO)
            }
            Surface::Pbr => {
                let pbr = self.scene.pbr(id).copied().unwrap_or(Pbr::DEFAULT);
                let f = pbr.base_color_factor;
                let mut base = color * albedo * Spectrum::new(f[0] as f64, f[1] as f64, f[2] as f64);
                if let Some(t) = self.sample(&pbr.base_color_texture, uv) {
                    base = base * Spectrum::new(t[0] as f64, t[1] as f64, t[2] as f64);
                }
                if let Some(c) = at.color {
                    base = base * Spectrum::new(c[0], c[1], c[2]);
                }
                let mut emission = spectrum(pbr.emission) * pbr.emission_strength as f64;
                if let Some(t) = self.sample(&pbr.emissive_texture, uv) {
                    emission = emission * Spectrum::new(t[0] as f64, t[1] as f64, t[2] as f64);
                }
                if pbr.unlit {
                    return (Bsdf::black(), base + emission);
                }
                let (mut metallic, mut roughness) = (pbr.metallic as f64, pbr.roughness as f64);
                if let Some(t) = self.sample(&pbr.metallic_roughness_texture, uv) {
                    roughness *= t[1] as f64;
                    metallic *= t[2] as f64;
                }
                let bsdf = Bsdf::pbr(PbrParams {
                    base_color: base,
                    metallic,
                    roughness,
                    transmission: pbr.transmission as f64,
                    ior: pbr.ior as f64,
                });
                (bsdf, emission)
            }
        }
    }

    /// The geometry at a hit: geometric and shading normals, attributes, material and light.
    fn geometry(&self, ray: &Ray, nearest: &Nearest, position: Vector3) -> GeometryAt {
        let scene = self.scene;
        let plain = |uv| Attributes { uv, color: None, tangent: None };
        match nearest.kind {
            ShapeKind::Sphere => {
                let s = &scene.spheres()[nearest.index as usize];
                let n = s.normal(position);
                let light = self.data.sphere_light.get(nearest.index as usize).copied().flatten();
                (n, n, plain(s.tex_coords(position)), s.material, light)
            }
            ShapeKind::Plane => {
                let p = &scene.planes()[nearest.index as usize];
                let n = p.normal();
                (n, n, plain(p.tex_coords(position)), p.material, None)
            }
            ShapeKind::Instance => {
                let inst = &scene.instances()[nearest.index as usize];
                let (s, _) =
                    inst.surface_at(&scene.meshes()[inst.mesh as usize], nearest.part, position, ray.direction);
                let light =
                    self.data.instance_light.get(nearest.index as usize).copied().flatten().map(|b| b + nearest.part);
                let tangent = s.tangent.map(|t| (inst.transform.vector(Vector3::new(t[0], t[1], t[2])), t[3]));
                let at = Attributes { uv: s.tex_coords, color: s.color, tangent };
                (s.geometric_normal, s.shading_normal, at, inst.material, light)
            }
        }
    }

    /// The nearest hit along `ray` from `from` closer than `max_distance` that does not let
    /// the ray through (see the module doc on alpha), with its geometry.
    fn nearest_opaque(&self, ray: &Ray, max_distance: f64, from: Origin) -> Option<(Nearest, Vector3, GeometryAt)> {
        let mut from = from;
        let mut r = *ray;
        let mut travelled = 0.0;
        // Each pass moves past one surface; a bound keeps a pathological stack finite.
        for _ in 0..1024 {
            let mut nearest = self.scene.trace_from(&r, from);
            if !nearest.is_hit() || !(travelled + nearest.distance < max_distance) {
                return None;
            }
            let position = r.origin + r.direction * nearest.distance;
            let g = self.geometry(&r, &nearest, position);
            if !self.data.cutout || !self.passes(&r, &nearest, g.3, &g.2) {
                nearest.distance += travelled;
                return Some((nearest, position, g));
            }
            // Continue behind the cut-out: a mesh triangle is skipped by its origin, a sphere
            // or plane by moving past it.
            let step = if nearest.kind == ShapeKind::Instance { 0.0 } else { self.ray_offset(position) };
            travelled += nearest.distance + step;
            r = Ray { origin: position + r.direction * step, direction: r.direction };
            from = Origin::of(&nearest);
        }
        None
    }

    fn hit(&self, ray: &Ray, nearest: &Nearest, position: Vector3, g: GeometryAt) -> SurfaceHit<Origin> {
        let (ng, mut ns, at, id, light) = g;
        let (bsdf, emission) = self.shade(id, &at);
        if let (Some((tangent, sign)), Some(pbr)) = (at.tangent, self.scene.pbr(id)) {
            if matches!(self.scene.material(id), Some(m) if matches!(m.surface, Surface::Pbr)) {
                if let Some(t) = self.sample(&pbr.normal_texture, at.uv) {
                    ns = mapped_normal(ns, ng, -ray.direction, tangent, sign, t, pbr.normal_scale as f64);
                }
            }
        }
        // Spheres emit outwards only; flat emitters from both faces.
        let emission =
            if nearest.kind == ShapeKind::Sphere && ray.direction.dot(ng) > 0.0 { Spectrum::ZERO } else { emission };
        SurfaceHit {
            distance: nearest.distance,
            position,
            geometric_normal: ng,
            shading_normal: ns,
            bsdf,
            emission,
            light: if emission.is_black() { None } else { light },
            origin: Origin::of(nearest),
        }
    }
}

impl PathScene for ScenePath<'_> {
    type Origin = Origin;
    const CAMERA: Origin = Origin::NONE;

    fn intersect(&self, ray: &Ray, max_distance: f64, from: Origin) -> Option<SurfaceHit<Origin>> {
        let (nearest, position, g) = self.nearest_opaque(ray, max_distance, from)?;
        Some(self.hit(ray, &nearest, position, g))
    }

    fn occluded(&self, ray: &Ray, max_distance: f64, from: Origin) -> bool {
        if self.data.cutout {
            // Cut-outs must be looked through: ask for the nearest surface that stays.
            return self.nearest_opaque(ray, max_distance, from).is_some();
        }
        self.scene.occluded_from(ray, max_distance, from)
    }

    fn lights(&self) -> &LightSet {
        &self.data.lights
    }
}

/// The path tracer's options for `scene` rendered with `view`; `None` under Whitted.
pub fn options(scene: &Scene, view: &View) -> Option<PathOptions> {
    let Integrator::Path { max_bounces } = scene.settings.integrator else { return None };
    Some(PathOptions {
        samples: view.samples(),
        seed: 0,
        settings: PathSettings { max_bounces, strategy: Strategy::Mis, roulette_after: 3 },
        exposure: scene.settings.exposure as f64,
        tone_map: match scene.settings.tone_mapping {
            ToneMapping::Clamp => ToneMap::Clamp,
            ToneMapping::Neutral => ToneMap::Neutral,
            ToneMapping::Aces => ToneMap::Aces,
        },
    })
}

/// Renders the tile of a path-traced scene as RGBA8 (and, when given, its linear radiance
/// and the albedo and normal feature buffers, 3 f32 a pixel each).
pub fn render_tile(
    scene: &Scene,
    data: &PathData,
    view: &View,
    tile: Tile,
    buffers: PathBuffers,
    cancel: &mut dyn FnMut() -> bool,
) -> Result<Vec<u8>, RenderError> {
    check_tile(view, tile)?;
    let options = options(scene, view)
        .ok_or_else(|| RenderError::Invalid("path render: the scene's integrator is Whitted".into()))?;
    let n = tile.width as usize * tile.height as usize;
    for (name, b) in [("linear", &buffers.linear), ("albedo", &buffers.albedo), ("normal", &buffers.normal)] {
        if let Some(b) = b {
            if b.len() != n * 3 {
                return Err(RenderError::Invalid(format!(
                    "path render: the {name} buffer holds {} values, the tile needs {}",
                    b.len(),
                    n * 3
                )));
            }
        }
    }
    let mut out = Vec::new();
    out.try_reserve_exact(n * 4)
        .map_err(|_| RenderError::Invalid(format!("render_tile: cannot allocate {} bytes for the rectangle", n * 4)))?;
    out.resize(n * 4, 0);
    let camera: &Camera = view.camera();
    let world = ScenePath { scene, data };
    render_rect(
        &world,
        camera,
        view.width(),
        (tile.x, tile.y, tile.width, tile.height),
        &options,
        &mut out,
        buffers,
        cancel,
    )
    .map_err(|_| RenderError::Cancelled)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::Pose;
    use crate::color::Color;
    use crate::mesh::MeshParts;
    use crate::path::integrator::trace_path;
    use crate::path::rng::SampleKey;
    use crate::scene::SceneBuilder;
    use crate::settings::{Environment as SceneEnv, Settings};
    use crate::transform::Affine;

    fn path_settings(env: Color) -> Settings {
        Settings {
            integrator: Integrator::Path { max_bounces: 8 },
            environment: SceneEnv { color: env, texture: None, intensity: 1.0, rotation_degrees: 0.0 },
            tone_mapping: ToneMapping::Clamp,
            exposure: 0.0,
        }
    }

    fn mean_radiance(scene: &Scene, ray: Ray, n: u32) -> (f64, f64) {
        let data = PathData::new(scene);
        let world = ScenePath { scene, data: &data };
        let (mut s, mut s2) = (0.0, 0.0);
        for i in 0..n {
            let x = trace_path(&world, ray, SampleKey::new(0, 1, i), &PathSettings::default()).radiance.g;
            s += x;
            s2 += x * x;
        }
        let m = s / n as f64;
        (m, ((s2 / n as f64 - m * m).max(0.0) / n as f64).sqrt())
    }

    #[test]
    fn furnace_through_the_core_scene_the_original_diffuse_means_lambert() {
        // A Diffuse sphere of colour 0.8 and albedo 0.5 (reflectance 0.4) in a uniform
        // environment of 2: it shows 0.8.
        let mut b = SceneBuilder::new(1e-9, 8).unwrap();
        let m = b
            .add_material(Material {
                coloration: Coloration::Color(Color::new(0.8, 0.8, 0.8)),
                albedo: 0.5,
                surface: Surface::Diffuse,
            })
            .unwrap();
        b.add_sphere(Vector3::new(0.0, 0.0, -3.0), 1.0, m).unwrap();
        b.set_settings(path_settings(Color::new(2.0, 2.0, 2.0))).unwrap();
        let scene = b.build();
        let ray = Ray { origin: Vector3::ZERO, direction: Vector3::new(0.1, 0.2, -1.0).normalize() };
        let (mean, se) = mean_radiance(&scene, ray, 20_000);
        assert!((mean - 0.8).abs() < 5.0 * se + 1e-9, "{mean} ± {se}");
    }

    #[test]
    fn an_emissive_mesh_quad_is_a_light_and_lights_the_floor() {
        // A 1×1 emissive quad (two triangles of an instance, moved up by its transform) at
        // height 2 above a Lambertian floor plane: the floor below its centre shows
        // ρ/π · Le · ∫ cos² / r² over the quad (quadrature), by MIS.
        let mut b = SceneBuilder::new(1e-9, 8).unwrap();
        let floor = b
            .add_material(Material {
                coloration: Coloration::Color(Color::new(1.0, 1.0, 1.0)),
                albedo: 0.5,
                surface: Surface::Diffuse,
            })
            .unwrap();
        let lamp = b
            .add_material_pbr(
                Material {
                    coloration: Coloration::Color(Color::new(0.0, 0.0, 0.0)),
                    albedo: 1.0,
                    surface: Surface::Pbr,
                },
                Pbr { emission: [1.0, 1.0, 1.0], emission_strength: 3.0, ..Pbr::DEFAULT },
            )
            .unwrap();
        let quad = b
            .add_mesh(MeshParts::flat(
                &[-0.5, 0.0, -0.5, 0.5, 0.0, -0.5, 0.5, 0.0, 0.5, -0.5, 0.0, 0.5],
                &[0, 1, 2, 0, 2, 3],
            ))
            .unwrap();
        let mut t = Affine::IDENTITY;
        t.m[1][3] = 2.0;
        b.add_instance(quad, t, lamp, false).unwrap();
        b.add_plane(Vector3::ZERO, Vector3::new(0.0, -1.0, 0.0), floor).unwrap();
        b.set_settings(path_settings(Color::new(0.0, 0.0, 0.0))).unwrap();
        let scene = b.build();
        let data = PathData::new(&scene);
        assert_eq!(data.lights.lights().len(), 2, "two emissive triangles");
        let n = 400;
        let mut e = 0.0;
        for i in 0..n {
            for j in 0..n {
                let (x, z) = (-0.5 + (i as f64 + 0.5) / n as f64, -0.5 + (j as f64 + 0.5) / n as f64);
                let r2 = x * x + z * z + 4.0;
                e += 3.0 * 4.0 / (r2 * r2) / (n * n) as f64;
            }
        }
        let exact = 0.5 / PI * e;
        let ray = Ray { origin: Vector3::new(1.0, 1.0, 1.0), direction: Vector3::new(-1.0, -1.0, -1.0).normalize() };
        let (mean, se) = mean_radiance(&scene, ray, 20_000);
        assert!((mean - exact).abs() < 5.0 * se + 1e-4, "{mean} ± {se} vs {exact}");
    }

    #[test]
    fn tiles_of_a_core_scene_match_the_whole_image() {
        let mut b = SceneBuilder::new(1e-9, 8).unwrap();
        let m = b
            .add_material(Material {
                coloration: Coloration::Color(Color::new(0.9, 0.5, 0.3)),
                albedo: 0.8,
                surface: Surface::Reflective { reflectivity: 0.3 },
            })
            .unwrap();
        b.add_sphere(Vector3::new(0.0, 0.0, -3.0), 1.0, m).unwrap();
        b.add_light(SceneLight::Spherical {
            position: Vector3::new(2.0, 2.0, 0.0),
            color: Color::new(1.0, 1.0, 1.0),
            intensity: 200.0,
        })
        .unwrap();
        b.set_settings(path_settings(Color::new(0.1, 0.2, 0.3))).unwrap();
        let scene = b.build();
        let data = PathData::new(&scene);
        let view = View::new_any_samples(12, 10, 60.0, 3, Pose::DEFAULT).unwrap();
        let whole =
            render_tile(&scene, &data, &view, Tile::whole(&view), PathBuffers::default(), &mut || false).unwrap();
        let part = render_tile(
            &scene,
            &data,
            &view,
            Tile { x: 5, y: 4, width: 4, height: 3 },
            PathBuffers::default(),
            &mut || false,
        )
        .unwrap();
        for r in 0..3 {
            let a = ((4 + r) * 12 + 5) * 4;
            assert_eq!(whole[a..a + 16], part[r * 16..r * 16 + 16]);
        }
        assert!(View::new(12, 10, 60.0, 3, Pose::DEFAULT).is_err());
    }

    /// A 2×2 quad in the y = 0 plane facing +y, uvs u = (x + 1) / 2, v = (z + 1) / 2, vertex
    /// normals +y, tangents +x with sign `w`, vertex colours `color`.
    fn quad(w: f32, color: Option<[f32; 4]>) -> MeshParts {
        let mut m =
            MeshParts::flat(&[-1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, -1.0, -1.0, 0.0, -1.0], &[0, 1, 2, 0, 2, 3]);
        m.normals = Some(vec![[0.0, 1.0, 0.0]; 4].into());
        m.uvs = Some(vec![[0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]].into());
        m.tangents = Some(vec![[1.0, 0.0, 0.0, w]; 4].into());
        m.colors = color.map(|c| vec![c; 4].into());
        m
    }

    fn texture_ref(t: crate::material::TextureId) -> TextureRef {
        TextureRef { texture: Some(t), ..TextureRef::NONE }
    }

    /// A quad of a Lambertian (ior 1: no specular) pbr material of reflectance 0.5 with a 1×1
    /// normal map of `texel` (none when `None`), lit by a directional light of irradiance 2;
    /// the radiance seen from above, its 32 samples all equal (one delta light, black sky).
    fn lit_quad(texel: Option<[u8; 4]>, scale: f32, w: f32, light_to: Vector3) -> f64 {
        let mut b = SceneBuilder::new(1e-9, 8).unwrap();
        let normal_texture = match texel {
            Some(t) => texture_ref(b.add_texture(1, 1, TextureFormat::Data, t.to_vec()).unwrap()),
            None => TextureRef::NONE,
        };
        let m = b
            .add_material_pbr(
                Material {
                    coloration: Coloration::Color(Color::new(1.0, 1.0, 1.0)),
                    albedo: 0.5,
                    surface: Surface::Pbr,
                },
                Pbr { ior: 1.0, normal_texture, normal_scale: scale, ..Pbr::DEFAULT },
            )
            .unwrap();
        let q = b.add_mesh(quad(w, None)).unwrap();
        b.add_instance(q, Affine::IDENTITY, m, true).unwrap();
        b.add_light(SceneLight::Directional { direction: light_to, color: Color::new(1.0, 1.0, 1.0), intensity: 2.0 })
            .unwrap();
        b.set_settings(path_settings(Color::new(0.0, 0.0, 0.0))).unwrap();
        let scene = b.build();
        let ray = Ray { origin: Vector3::new(0.2, 3.0, 0.1), direction: Vector3::new(-0.05, -1.0, 0.02).normalize() };
        let (mean, se) = mean_radiance(&scene, ray, 32);
        assert!(se < 1e-8, "one delta light: every sample is the same, got ± {se}");
        mean
    }

    /// What the normal map's texel means (glTF): 2t − 1, x and y scaled, in (T, B = w N × T, N).
    fn expected(texel: [u8; 4], scale: f64, w: f64, light_to: Vector3) -> f64 {
        let c = |k: usize| 2.0 * texel[k] as f64 / 255.0 - 1.0;
        let (t, n) = (Vector3::new(1.0, 0.0, 0.0), Vector3::new(0.0, 1.0, 0.0));
        let bt = n.cross(t) * w;
        let mapped = (t * (c(0) * scale) + bt * (c(1) * scale) + n * c(2)).normalize();
        0.5 / PI * 2.0 * mapped.dot(-light_to.normalize()).max(0.0)
    }

    #[test]
    fn a_normal_map_tilts_the_shading_normal_as_gltf_says() {
        let light = Vector3::new(-0.6, -1.0, 0.3).normalize();
        // Tilted 30° towards +x: the map's x = sin 30°, z = cos 30°.
        let (sx, cz) = (30f64.to_radians().sin(), 30f64.to_radians().cos());
        let enc = |v: f64| ((v + 1.0) / 2.0 * 255.0).round() as u8;
        let tilt_x = [enc(sx), 128, enc(cz), 255];
        let flat_tilt = expected([128, 128, 255, 255], 1.0, 1.0, light);
        let got = lit_quad(Some(tilt_x), 1.0, 1.0, light);
        let want = expected(tilt_x, 1.0, 1.0, light);
        // Texels are f32: agreement to f32 rounding.
        assert!((got - want).abs() < 1e-6 * want, "{got} vs {want}");
        // The closed form of a plane whose geometry is tilted 30° about z: ρ/π · E · cos θ.
        let n = Vector3::new(sx, cz, 0.0);
        let tilted = 0.5 / PI * 2.0 * n.dot(-light);
        assert!((got - tilted).abs() < 0.01 * tilted, "{got} vs the tilted plane's {tilted}");
        assert!((got - flat_tilt).abs() > 0.05 * flat_tilt, "the tilt shows: {got} vs {flat_tilt}");
        // Scale multiplies x and y; the tangent's w flips the bitangent (tilt along z here).
        let tilt_y = [128, enc(sx), enc(cz), 255];
        for (scale, w) in [(0.5, 1.0), (1.0, -1.0), (2.0, -1.0)] {
            let got = lit_quad(Some(tilt_y), scale as f32, w as f32, light);
            let want = expected(tilt_y, scale, w, light);
            assert!((got - want).abs() < 1e-6 * want, "scale {scale}, w {w}: {got} vs {want}");
        }
        assert!(
            (lit_quad(Some(tilt_y), 1.0, 1.0, light) - lit_quad(Some(tilt_y), 1.0, -1.0, light)).abs() > 1e-3,
            "w matters"
        );
        // A flat map (128, 128, 255: 0.5 rounded up, so a hair off +z) is the unmapped plane
        // within that rounding; no map is exactly Lambert with the vertex normal.
        let none = lit_quad(None, 1.0, 1.0, light);
        assert!((none - 0.5 / PI * 2.0 * light.y.abs()).abs() < 1e-12);
        let flat = lit_quad(Some([128, 128, 255, 255]), 1.0, 1.0, light);
        assert!((flat - flat_tilt).abs() < 1e-6 * flat && (flat - none).abs() < 0.01 * none, "{flat} vs {none}");
    }

    #[test]
    fn a_map_pointing_away_from_the_viewer_is_kept_on_its_side() {
        let (ns, ng) = (Vector3::new(0.0, 1.0, 0.0), Vector3::new(0.0, 1.0, 0.0));
        let wo = Vector3::new(1.0, 0.2, 0.0).normalize();
        // Tilted 80° away from the viewer (towards −x).
        let n = mapped_normal(ns, ng, wo, Vector3::new(1.0, 0.0, 0.0), 1.0, [0.01, 0.5, 0.6, 1.0], 1.0);
        assert!((n.length() - 1.0).abs() < 1e-12 && n.dot(wo) > 0.0 && n.dot(ng) > 0.0, "{n:?}");
        // Seen from below (from −wo), the integrator turns the frame over: the turned normal
        // faces that viewer, and the normal stays on the geometric normal's side.
        let n = mapped_normal(ns, ng, -wo, Vector3::new(1.0, 0.0, 0.0), 1.0, [0.01, 0.5, 0.6, 1.0], 1.0);
        assert!(n.dot(ng) > 0.0 && (-n).dot(-wo) > 0.0, "{n:?}");
        // Facing the viewer already: untouched (the glTF frame, unit length).
        let n = mapped_normal(ns, ng, wo, Vector3::new(1.0, 0.0, 0.0), 1.0, [0.75, 0.5, 1.0, 1.0], 1.0);
        let want = Vector3::new(0.5, 0.0, 0.0) + Vector3::new(0.0, 1.0, 0.0);
        assert!((n - want.normalize()).length() < 1e-7, "{n:?}");
    }

    /// A quad with a 2×1 white base colour texture of alpha `left` and `right`, `mode`, the
    /// factor's alpha and vertex colours `color`; unlit (radiance = base colour) when `unlit`,
    /// else a white pbr surface. Below it, a Lambertian floor (ρ = 0.5) at y = −1, a light
    /// straight down (irradiance 1), and a sky of `sky`; paths of one bounce.
    struct Cut {
        left: u8,
        right: u8,
        mode: AlphaMode,
        factor_alpha: f32,
        color: Option<[f32; 4]>,
        unlit: bool,
        sky: Color,
    }

    const CUT: Cut = Cut {
        left: 0,
        right: 255,
        mode: AlphaMode::Mask,
        factor_alpha: 1.0,
        color: None,
        unlit: true,
        sky: Color { red: 0.2, green: 0.4, blue: 0.6 },
    };

    fn cutout_scene(c: Cut) -> Scene {
        let mut b = SceneBuilder::new(1e-9, 8).unwrap();
        let tex =
            b.add_texture(2, 1, TextureFormat::Color, vec![255, 255, 255, c.left, 255, 255, 255, c.right]).unwrap();
        let m = b
            .add_material_pbr(
                Material {
                    coloration: Coloration::Color(Color::new(1.0, 1.0, 1.0)),
                    albedo: 1.0,
                    surface: Surface::Pbr,
                },
                Pbr {
                    unlit: c.unlit,
                    alpha_mode: c.mode,
                    base_color_factor: [1.0, 1.0, 1.0, c.factor_alpha],
                    base_color_texture: texture_ref(tex),
                    ..Pbr::DEFAULT
                },
            )
            .unwrap();
        let floor = b
            .add_material(Material {
                coloration: Coloration::Color(Color::new(1.0, 1.0, 1.0)),
                albedo: 0.5,
                surface: Surface::Diffuse,
            })
            .unwrap();
        let q = b.add_mesh(quad(1.0, c.color)).unwrap();
        b.add_instance(q, Affine::IDENTITY, m, false).unwrap();
        b.add_plane(Vector3::new(0.0, -1.0, 0.0), Vector3::new(0.0, -1.0, 0.0), floor).unwrap();
        b.add_light(SceneLight::Directional {
            direction: Vector3::new(0.0, -1.0, 0.0),
            color: Color::new(1.0, 1.0, 1.0),
            intensity: 1.0,
        })
        .unwrap();
        let mut settings = path_settings(c.sky);
        settings.integrator = Integrator::Path { max_bounces: 1 };
        b.set_settings(settings).unwrap();
        b.build()
    }

    fn trace(scene: &Scene, ray: Ray, i: u32) -> Spectrum {
        let data = PathData::new(scene);
        let world = ScenePath { scene, data: &data };
        let settings = PathSettings { max_bounces: 1, ..PathSettings::default() };
        trace_path(&world, ray, SampleKey::new(0, 1, i), &settings).radiance
    }

    /// From between the floor and the quad, straight up at (x, z).
    fn up(x: f64, z: f64) -> Ray {
        Ray { origin: Vector3::new(x, -0.5, z), direction: Vector3::new(0.0, 1.0, 0.0) }
    }

    #[test]
    fn a_mask_cuts_out_for_camera_and_shadow_rays() {
        let sky = Spectrum::from(CUT.sky);
        let down = |x: f64| Ray { origin: Vector3::new(x, 2.0, 0.3), direction: Vector3::new(0.0, -1.0, 0.0) };
        let scene = cutout_scene(CUT);
        for i in 0..8 {
            // Left half (alpha 0): the sky, exactly; right half: the quad (unlit white).
            assert_eq!(trace(&scene, up(-0.5, 0.3), i), sky);
            assert_eq!(trace(&scene, up(0.5, 0.3), i), Spectrum::ONE);
            assert_eq!(trace(&scene, down(0.5), i), Spectrum::ONE);
            // From above, the left half shows the floor behind.
            assert!(trace(&scene, down(-0.5), i) != Spectrum::ONE);
        }
        let opaque = cutout_scene(Cut { mode: AlphaMode::Opaque, ..CUT });
        assert_eq!(trace(&opaque, up(-0.5, 0.3), 0), Spectrum::ONE);
        // Shadows: the floor seen from the side (never through the quad) under a black sky is
        // lit through the cut-out, ρ/π · E, and shadowed under the opaque half.
        let side =
            |x: f64| Ray { origin: Vector3::new(x, -0.5, 5.0), direction: Vector3::new(0.0, -0.5, -4.7).normalize() };
        let dark_sky = Cut { unlit: false, sky: Color::new(0.0, 0.0, 0.0), ..CUT };
        let shadows = cutout_scene(dark_sky);
        for i in 0..8 {
            let (lit, dark) = (trace(&shadows, side(-0.5), i), trace(&shadows, side(0.5), i));
            assert!((lit.g - 0.5 / PI).abs() < 1e-12, "{lit:?}");
            assert_eq!(dark, Spectrum::ZERO);
        }
        let shadows =
            cutout_scene(Cut { mode: AlphaMode::Opaque, unlit: false, sky: Color::new(0.0, 0.0, 0.0), ..CUT });
        assert_eq!(trace(&shadows, side(-0.5), 0), Spectrum::ZERO);
        // The vertex colour's alpha and the factor's multiply the texture's (0.4 < 0.5).
        let faded = cutout_scene(Cut { right: 255, color: Some([1.0, 1.0, 1.0, 0.4]), ..CUT });
        assert_eq!(trace(&faded, up(0.5, 0.3), 0), sky);
        let faded = cutout_scene(Cut { right: 255, factor_alpha: 0.4, ..CUT });
        assert_eq!(trace(&faded, up(0.5, 0.3), 0), sky);
        let kept = cutout_scene(Cut { right: 255, factor_alpha: 0.6, ..CUT });
        assert_eq!(trace(&kept, up(0.5, 0.3), 0), Spectrum::ONE);
    }

    #[test]
    fn blend_shows_what_lies_behind_in_proportion_to_alpha() {
        // Alpha 128/255 everywhere: a ray up from below stops at the quad (white) with that
        // probability, else sees the sky; over many rays the fraction is alpha.
        let scene = cutout_scene(Cut { left: 128, right: 128, mode: AlphaMode::Blend, ..CUT });
        let n = 20_000;
        let mut stopped = 0;
        for i in 0..n {
            let x = 0.9 * ((i as f64 * 0.618_033_988_75).fract() * 2.0 - 1.0);
            let z = 0.9 * ((i as f64 * 0.754_877_666_2).fract() * 2.0 - 1.0);
            let l = trace(&scene, up(x, z), i);
            if l == Spectrum::ONE {
                stopped += 1;
            } else {
                assert_eq!(l, Spectrum::from(CUT.sky));
            }
        }
        let alpha = 128.0 / 255.0;
        let p = stopped as f64 / n as f64;
        let se = (alpha * (1.0 - alpha) / n as f64).sqrt();
        assert!((p - alpha).abs() < 4.0 * se, "{p} vs {alpha} ± {se}");
        // The same ray decides the same way: images do not depend on tiling.
        assert_eq!(trace(&scene, up(0.1, 0.2), 0), trace(&scene, up(0.1, 0.2), 5));
    }

    #[test]
    fn vertex_colours_multiply_the_base_colour() {
        let mut b = SceneBuilder::new(1e-9, 8).unwrap();
        let m = b
            .add_material_pbr(
                Material {
                    coloration: Coloration::Color(Color::new(0.5, 1.0, 1.0)),
                    albedo: 1.0,
                    surface: Surface::Pbr,
                },
                Pbr { unlit: true, ..Pbr::DEFAULT },
            )
            .unwrap();
        let q = b.add_mesh(quad(1.0, Some([0.5, 0.25, 1.0, 1.0]))).unwrap();
        b.add_instance(q, Affine::IDENTITY, m, false).unwrap();
        b.set_settings(path_settings(Color::new(0.0, 0.0, 0.0))).unwrap();
        let scene = b.build();
        let ray = Ray { origin: Vector3::new(0.0, 2.0, 0.0), direction: Vector3::new(0.0, -1.0, 0.0) };
        assert_eq!(trace(&scene, ray, 0), Spectrum::new(0.25, 0.25, 1.0));
    }
}
