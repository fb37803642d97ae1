//! The packed scene as the path tracer sees it: [`PathData`] (its lights, emissive geometry
//! and environment, built once per scene) and [`ScenePath`], which answers the integrator's
//! questions from the core's [`Scene`] — nearest hit and occlusion through its BVH (rays never
//! hit the mesh triangle they leave), and the surface's BSDF from the material: the
//! original's surfaces with their path-traced meaning, and glTF metallic-roughness with its
//! textures (base colour, metallic-roughness, emissive; transforms, wraps and filtering).

use crate::camera::Camera;
use crate::color::decode_channel;
use crate::error::RenderError;
use crate::light::Light as SceneLight;
use crate::material::{Coloration, Material, MaterialId, Pbr, Surface, TextureRef, Wrap};
use crate::path::bsdf::{Bsdf, PbrParams};
use crate::path::environment::{EnvMap, Environment};
use crate::path::integrator::{PathScene, PathSettings, Strategy, SurfaceHit};
use crate::path::lights::{Light, LightSet};
use crate::path::render::{render_rect, PathBuffers, PathOptions};
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
        PathData { lights: LightSet::new(lights, environment), sphere_light, instance_light, decode }
    }
}

/// A scene and its [`PathData`], as the integrator's [`PathScene`].
pub struct ScenePath<'a> {
    /// The scene.
    pub scene: &'a Scene,
    /// What was derived from it.
    pub data: &'a PathData,
}

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

    /// The BSDF and emitted radiance of a material at texture coordinates `uv`.
    fn shade(&self, id: MaterialId, uv: TexCoords) -> (Bsdf, Spectrum) {
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

    fn hit(&self, ray: &Ray, nearest: &Nearest) -> SurfaceHit<Origin> {
        let scene = self.scene;
        let position = ray.origin + ray.direction * nearest.distance;
        let (ng, ns, uv, id, light) = match nearest.kind {
            ShapeKind::Sphere => {
                let s = &scene.spheres()[nearest.index as usize];
                let n = s.normal(position);
                let light = self.data.sphere_light.get(nearest.index as usize).copied().flatten();
                (n, n, s.tex_coords(position), s.material, light)
            }
            ShapeKind::Plane => {
                let p = &scene.planes()[nearest.index as usize];
                let n = p.normal();
                (n, n, p.tex_coords(position), p.material, None)
            }
            ShapeKind::Instance => {
                let inst = &scene.instances()[nearest.index as usize];
                let (s, _) =
                    inst.surface_at(&scene.meshes()[inst.mesh as usize], nearest.part, position, ray.direction);
                let light =
                    self.data.instance_light.get(nearest.index as usize).copied().flatten().map(|b| b + nearest.part);
                (s.geometric_normal, s.shading_normal, s.tex_coords, inst.material, light)
            }
        };
        let (bsdf, emission) = self.shade(id, uv);
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
        let nearest = self.scene.trace_from(ray, from);
        if !nearest.is_hit() || !(nearest.distance < max_distance) {
            return None;
        }
        Some(self.hit(ray, &nearest))
    }

    fn occluded(&self, ray: &Ray, max_distance: f64, from: Origin) -> bool {
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
}
