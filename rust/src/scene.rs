//! The scene and the typed builder that validates every value before it reaches the renderer.
//! A scene holds what does not change between renders (elements, mesh objects, materials,
//! textures, lights, settings, the BVHs); the image size, field of view, samples and camera are
//! a [`View`](crate::view::View).
//!
//! Geometry is two-level: a top-level [`Bvh`] over the spheres and instances (planes are
//! unbounded and stay a list), and inside each instance its mesh object's own BVH, which the
//! ray enters in object space. The nearest hit is the lowest (distance, scene order), within an
//! instance the lowest triangle index, exactly what a brute-force scan in scene order finds.

use crate::array::Array;
use crate::bounds::{Aabb, RayBox};
use crate::bvh::{Bvh, Node};
use crate::color::{Color, EncodeTable};
use crate::instance::Instance;
use crate::light::Light;
use crate::material::{Coloration, Material, MaterialId, Pbr, Surface, TextureId};
use crate::mesh::{MeshObject, MeshParts, NO_SKIP};
use crate::ray::Ray;
use crate::settings::{Integrator, Settings, ToneMapping, MAX_BOUNCES};
use crate::shape::{Plane, ShapeKind, Sphere, TexCoords};
use crate::texture::{DecodeTable, Texture, TextureFormat};
use crate::transform::Affine;
use crate::vector::{Point, Vector3};
use std::fmt;

/// Deep enough for any sensible scene; deeper recursion could exhaust the wasm stack, which
/// traps instead of failing cleanly.
pub const MAX_RECURSION_DEPTH: u32 = 1000;

/// A one-line description of a rejected value, naming the value.
#[derive(Clone, Debug, PartialEq)]
pub struct SceneError(String);

impl SceneError {
    /// An error with this one-line message.
    pub fn new(message: impl Into<String>) -> SceneError {
        SceneError(message.into())
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SceneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SceneError {}

type Result<T> = std::result::Result<T, SceneError>;

/// A number as messages show it: integers plainly, very large and very small magnitudes in
/// exponent form (`1e300`, not three hundred digits), others in the shortest exact form.
pub(crate) fn show(v: f64) -> String {
    let a = v.abs();
    if a.is_finite() && a != 0.0 && !(1e-6..1e21).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

fn finite(name: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(SceneError(format!("{name} must be a finite number, got {}", show(v))))
    }
}

fn finite_f32(name: &str, v: f32) -> Result<f32> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(SceneError(format!("{name} must be a finite number, got {v}")))
    }
}

fn point(name: &str, p: Vector3) -> Result<Vector3> {
    if p.is_finite() {
        Ok(p)
    } else {
        Err(SceneError(format!("{name} must be finite, got ({}, {}, {})", show(p.x), show(p.y), show(p.z))))
    }
}

/// Normalised; only a zero vector has no direction (see [`Vector3::unit`]).
fn direction(name: &str, v: Vector3) -> Result<Vector3> {
    point(name, v)?.unit().ok_or_else(|| {
        SceneError(format!("{name} must be a non-zero vector, got ({}, {}, {})", show(v.x), show(v.y), show(v.z)))
    })
}

fn color(c: Color) -> Result<Color> {
    finite_f32("red", c.red)?;
    finite_f32("green", c.green)?;
    finite_f32("blue", c.blue)?;
    Ok(c)
}

/// A sphere or an instance: what the top-level BVH holds. Spheres are numbered among the
/// scene's spheres, instances among its instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    /// Index into the spheres.
    Sphere(u32),
    /// Index into the instances.
    Instance(u32),
}

/// An instance as added, placed when the scene is built (its box needs the mesh's BVH).
#[derive(Clone, Debug)]
struct PendingInstance {
    mesh: u32,
    transform: Affine,
    inverse: Affine,
    material: MaterialId,
    order: u32,
    smooth: bool,
}

/// Collects a scene's textures, materials, mesh objects, elements and lights, checking each as
/// it is added, then builds the [`Scene`]. Messages name the value only; callers say which
/// record.
#[derive(Clone, Debug)]
pub struct SceneBuilder {
    shadow_bias: f64,
    max_recursion_depth: u32,
    settings: Settings,
    use_bvh: bool,
    textures: Vec<Texture>,
    materials: Vec<Material>,
    pbr: Vec<Pbr>,
    meshes: Vec<MeshObject>,
    spheres: Vec<Sphere>,
    planes: Vec<Plane>,
    instances: Vec<PendingInstance>,
    /// Spheres and instances in scene order.
    items: Vec<Item>,
    lights: Vec<Light>,
}

/// The BVHs of a prepared scene: the top level's nodes and leaf order (item indices: the
/// spheres and instances numbered in scene order), and each mesh's nodes and leaf order.
#[derive(Clone, Debug, Default)]
pub struct PreparedBvhs {
    /// Top-level nodes.
    pub nodes: Array<Node>,
    /// Item index of each top-level leaf slot.
    pub prims: Array<u32>,
    /// Per mesh object: nodes and the writer's triangle index of each slot.
    pub meshes: Vec<(Array<Node>, Array<u32>)>,
}

fn unit_interval(name: &str, v: f32) -> Result<f32> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(SceneError::new(format!("{name} must be 0 to 1, got {v}")))
    }
}

fn non_negative(name: &str, v: f32) -> Result<f32> {
    if v >= 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(SceneError::new(format!("{name} must be a finite number ≥ 0, got {v}")))
    }
}

impl SceneBuilder {
    /// `shadow_bias` lifts secondary rays off the surface; `max_recursion_depth` is at most
    /// [`MAX_RECURSION_DEPTH`].
    pub fn new(shadow_bias: f64, max_recursion_depth: u32) -> Result<SceneBuilder> {
        let shadow_bias = finite("shadow_bias", shadow_bias)?;
        if max_recursion_depth > MAX_RECURSION_DEPTH {
            return Err(SceneError::new(format!(
                "max_recursion_depth must be at most {MAX_RECURSION_DEPTH}, got {max_recursion_depth}"
            )));
        }
        Ok(SceneBuilder {
            shadow_bias,
            max_recursion_depth,
            settings: Settings::WHITTED,
            use_bvh: true,
            textures: Vec::new(),
            materials: Vec::new(),
            pbr: Vec::new(),
            meshes: Vec::new(),
            spheres: Vec::new(),
            planes: Vec::new(),
            instances: Vec::new(),
            items: Vec::new(),
            lights: Vec::new(),
        })
    }

    /// Default true; false tests every element for every ray (for tests and benchmarks).
    pub fn set_use_bvh(&mut self, use_bvh: bool) {
        self.use_bvh = use_bvh;
    }

    /// The path tracer's settings (default [`Settings::WHITTED`]); an environment texture must
    /// already be added and be HDR.
    pub fn set_settings(&mut self, settings: Settings) -> Result<()> {
        match settings.integrator {
            Integrator::Whitted => {}
            Integrator::Path { max_bounces } => {
                if !(1..=MAX_BOUNCES).contains(&max_bounces) {
                    return Err(SceneError::new(format!("max_bounces must be 1 to {MAX_BOUNCES}, got {max_bounces}")));
                }
            }
        }
        let e = settings.environment;
        non_negative("environment red", e.color.red)?;
        non_negative("environment green", e.color.green)?;
        non_negative("environment blue", e.color.blue)?;
        if let Some(TextureId(id)) = e.texture {
            match self.textures.get(id as usize) {
                None => {
                    return Err(SceneError::new(format!(
                        "environment_texture: unknown texture {id} ({} textures in the scene)",
                        self.textures.len()
                    )))
                }
                Some(t) if t.format() != TextureFormat::Hdr => {
                    return Err(SceneError::new(format!("environment_texture: texture {id} must be HDR (format 2)")))
                }
                Some(_) => {}
            }
        }
        non_negative("environment_intensity", e.intensity)?;
        finite_f32("environment_rotation_degrees", e.rotation_degrees)?;
        finite_f32("exposure", settings.exposure)?;
        let _: ToneMapping = settings.tone_mapping;
        self.settings = settings;
        Ok(())
    }

    /// A texture of `width` × `height` texels in `format`, rows top first.
    pub fn add_texture(
        &mut self,
        width: u32,
        height: u32,
        format: TextureFormat,
        texels: Vec<u8>,
    ) -> Result<TextureId> {
        if width == 0 || height == 0 {
            return Err(SceneError::new(format!("size must be at least 1×1, got {width}×{height}")));
        }
        if width > i32::MAX as u32 || height > i32::MAX as u32 {
            return Err(SceneError::new(format!("size {width}×{height} is too large")));
        }
        let expected = (width as u64) * (height as u64) * format.texel_bytes() as u64;
        if texels.len() as u64 != expected {
            return Err(SceneError::new(format!(
                "texels must hold {expected} bytes for {width}×{height}, got {}",
                texels.len()
            )));
        }
        if format == TextureFormat::Hdr {
            let bad = texels.chunks_exact(4).position(|c| {
                let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                !(v >= 0.0 && v.is_finite())
            });
            if let Some(k) = bad {
                return Err(SceneError::new(format!("texel {} of an HDR texture must be finite and ≥ 0", k / 3)));
            }
        }
        let id = TextureId(self.textures.len() as u32);
        self.textures.push(Texture::new(width, height, format, texels));
        Ok(id)
    }

    fn texture(&self, what: &str, id: TextureId) -> Result<&Texture> {
        self.textures.get(id.0 as usize).ok_or_else(|| {
            SceneError::new(format!("{what}: unknown texture {} ({} textures in the scene)", id.0, self.textures.len()))
        })
    }

    /// A material without physically based fields ([`Pbr::DEFAULT`]).
    pub fn add_material(&mut self, material: Material) -> Result<MaterialId> {
        self.add_material_pbr(material, Pbr::DEFAULT)
    }

    /// A material: every number finite, a refractive index positive, textures already added
    /// and of the right format, the physically based fields in their ranges.
    pub fn add_material_pbr(&mut self, material: Material, pbr: Pbr) -> Result<MaterialId> {
        match material.coloration {
            Coloration::Color(c) => {
                color(c)?;
            }
            Coloration::Texture(id) => {
                if self.texture("coloration", id)?.format() != TextureFormat::Color {
                    return Err(SceneError::new(format!(
                        "coloration: texture {} must be a colour texture (format 0)",
                        id.0
                    )));
                }
            }
        }
        finite_f32("albedo", material.albedo)?;
        match material.surface {
            Surface::Diffuse | Surface::Pbr => {}
            Surface::Reflective { reflectivity } => {
                finite_f32("reflectivity", reflectivity)?;
            }
            Surface::Refractive { index, transparency } => {
                finite_f32("index", index)?;
                if !(index > 0.0) {
                    return Err(SceneError::new(format!("index must be positive, got {index}")));
                }
                finite_f32("transparency", transparency)?;
            }
        }
        unit_interval("alpha_cutoff", pbr.alpha_cutoff)?;
        for (k, v) in pbr.base_color_factor.iter().enumerate() {
            unit_interval(&format!("base_color_factor[{k}]"), *v)?;
        }
        unit_interval("metallic", pbr.metallic)?;
        unit_interval("roughness", pbr.roughness)?;
        for (k, v) in pbr.emission.iter().enumerate() {
            non_negative(&format!("emission[{k}]"), *v)?;
        }
        non_negative("emission_strength", pbr.emission_strength)?;
        unit_interval("transmission", pbr.transmission)?;
        if !(pbr.ior >= 1.0 && pbr.ior.is_finite()) {
            return Err(SceneError::new(format!("ior must be a finite number ≥ 1, got {}", pbr.ior)));
        }
        finite_f32("normal_scale", pbr.normal_scale)?;
        let slots = [
            ("base_color_texture", pbr.base_color_texture, TextureFormat::Color),
            ("metallic_roughness_texture", pbr.metallic_roughness_texture, TextureFormat::Data),
            ("normal_texture", pbr.normal_texture, TextureFormat::Data),
            ("emissive_texture", pbr.emissive_texture, TextureFormat::Color),
        ];
        for (name, r, format) in slots {
            for (k, v) in [r.offset[0], r.offset[1], r.rotation, r.scale[0], r.scale[1]].iter().enumerate() {
                finite_f32(&format!("{name}: {}", ["offset u", "offset v", "rotation", "scale u", "scale v"][k]), *v)?;
            }
            if let Some(id) = r.texture {
                if self.texture(name, id)?.format() != format {
                    return Err(SceneError::new(format!(
                        "{name}: texture {} must be {}",
                        id.0,
                        if format == TextureFormat::Color {
                            "a colour texture (format 0)"
                        } else {
                            "a data texture (format 1)"
                        }
                    )));
                }
            }
        }
        let id = MaterialId(self.materials.len() as u32);
        self.materials.push(material);
        self.pbr.push(pbr);
        Ok(id)
    }

    fn material(&self, id: MaterialId) -> Result<MaterialId> {
        if (id.0 as usize) < self.materials.len() {
            Ok(id)
        } else {
            Err(SceneError::new(format!("unknown material {} ({} materials in the scene)", id.0, self.materials.len())))
        }
    }

    /// A mesh object (see [`MeshObject::new`] for what is checked), placed by instances.
    pub fn add_mesh(&mut self, parts: MeshParts) -> Result<u32> {
        let mesh = MeshObject::new(parts).map_err(|e| SceneError::new(e.0))?;
        self.meshes.push(mesh);
        Ok(self.meshes.len() as u32 - 1)
    }

    /// The element's position among all elements; `u32::MAX` is [`Nearest::NONE`]'s.
    fn next_order(&self) -> Result<u32> {
        let n = self.spheres.len() + self.planes.len() + self.instances.len();
        u32::try_from(n).ok().filter(|&n| n < u32::MAX).ok_or_else(|| SceneError::new("too many elements"))
    }

    /// A sphere; elements keep the order they are added in, and on equal distance the earlier
    /// one wins.
    pub fn add_sphere(&mut self, center: Point, radius: f64, material: MaterialId) -> Result<()> {
        let center = point("center", center)?;
        finite("radius", radius)?;
        if !(radius > 0.0) {
            return Err(SceneError::new(format!("radius must be positive, got {}", show(radius))));
        }
        let material = self.material(material)?;
        let order = self.next_order()?;
        self.items.push(Item::Sphere(self.spheres.len() as u32));
        self.spheres.push(Sphere { center, radius, material, order });
        Ok(())
    }

    /// A one-sided plane, visible from the side `normal` points away from; the normal is
    /// normalised here.
    pub fn add_plane(&mut self, origin: Point, normal: Vector3, material: MaterialId) -> Result<()> {
        let origin = point("origin", origin)?;
        let normal = direction("normal", normal)?;
        let material = self.material(material)?;
        let order = self.next_order()?;
        self.planes.push(Plane { origin, normal, material, order });
        Ok(())
    }

    /// Mesh object `mesh` placed by `transform` (finite, invertible), seen from both sides;
    /// `smooth` shades it with vertex normals (computed when the mesh has none).
    pub fn add_instance(&mut self, mesh: u32, transform: Affine, material: MaterialId, smooth: bool) -> Result<()> {
        if mesh as usize >= self.meshes.len() {
            return Err(SceneError::new(format!("unknown mesh {mesh} ({} meshes in the scene)", self.meshes.len())));
        }
        if let Some(v) = transform.m.iter().flatten().find(|v| !v.is_finite()) {
            return Err(SceneError::new(format!("transform must be finite, got {}", show(*v))));
        }
        let Some(inverse) = transform.inverse() else {
            return Err(SceneError::new(format!(
                "transform must be invertible, its 3×3 part has determinant {}",
                show(transform.determinant())
            )));
        };
        let material = self.material(material)?;
        let order = self.next_order()?;
        self.items.push(Item::Instance(self.instances.len() as u32));
        self.instances.push(PendingInstance { mesh, transform, inverse, material, order, smooth });
        Ok(())
    }

    /// A light; a directional light's direction is normalised here.
    pub fn add_light(&mut self, light: Light) -> Result<()> {
        let light = match light {
            Light::Directional { direction: d, color: c, intensity } => Light::Directional {
                direction: direction("direction", d)?,
                color: color(c)?,
                intensity: finite_f32("intensity", intensity)?,
            },
            Light::Spherical { position, color: c, intensity } => Light::Spherical {
                position: point("position", position)?,
                color: color(c)?,
                intensity: finite_f32("intensity", intensity)?,
            },
        };
        self.lights.push(light);
        Ok(())
    }

    /// Which meshes an instance shades smooth.
    fn smooth_meshes(&self) -> Vec<bool> {
        let mut smooth = vec![false; self.meshes.len()];
        for i in &self.instances {
            if i.smooth {
                smooth[i.mesh as usize] = true;
            }
        }
        smooth
    }

    /// The mesh objects as built so far (for `prepare`, which writes them back).
    pub fn meshes(&self) -> &[MeshObject] {
        &self.meshes
    }

    /// The scene, with smooth normals computed where an instance needs them and the mesh has
    /// none, and every BVH built here (unless brute force was asked for).
    pub fn build(mut self) -> Scene {
        let smooth = self.smooth_meshes();
        for (mesh, smooth) in self.meshes.iter_mut().zip(smooth) {
            if smooth {
                mesh.ensure_normals();
            }
        }
        if self.use_bvh {
            self.meshes.iter_mut().for_each(MeshObject::build_bvh);
        }
        let instances = self.place();
        let top = if self.use_bvh {
            let extent = self
                .spheres
                .iter()
                .map(|s| s.center.x.abs().max(s.center.y.abs()).max(s.center.z.abs()) + s.radius)
                .fold(0.0f64, f64::max);
            let pad = extent * 1e-9;
            let boxes: Vec<Aabb> = self
                .items
                .iter()
                .map(|item| match *item {
                    Item::Sphere(s) => {
                        let s = &self.spheres[s as usize];
                        // Rounding in the sphere test may report a grazing hit slightly
                        // outside the exact sphere; that hit must still be in its box.
                        let half = s.radius + s.radius * 1e-6 + pad;
                        let e = Vector3::new(half, half, half);
                        Aabb { min: s.center - e, max: s.center + e }
                    }
                    Item::Instance(i) => instances[i as usize].bounds(),
                })
                .collect();
            Bvh::build(&boxes)
        } else {
            Bvh::default()
        };
        self.assemble(instances, top)
    }

    /// The scene of a prepared packed scene: its meshes' triangles are in their BVHs' leaf
    /// order and carry the normals their smooth instances need; the BVHs are checked for
    /// structure ([`Bvh::from_parts`]).
    pub fn build_prepared(mut self, bvhs: PreparedBvhs) -> Result<Scene> {
        if bvhs.meshes.len() != self.meshes.len() {
            return Err(SceneError::new(format!("{} mesh BVHs for {} meshes", bvhs.meshes.len(), self.meshes.len())));
        }
        let smooth = self.smooth_meshes();
        for (i, (mesh, (nodes, prims))) in self.meshes.iter_mut().zip(bvhs.meshes).enumerate() {
            if smooth[i] && mesh.normals().is_none() {
                return Err(SceneError::new(format!(
                    "mesh {i}: an instance shades it smooth, but the prepared scene carries no normals for it"
                )));
            }
            mesh.set_bvh(nodes, prims).map_err(|e| SceneError::new(format!("mesh {i}: {e}")))?;
        }
        let top = Bvh::from_parts(bvhs.nodes, bvhs.prims, self.items.len() as u32)
            .map_err(|e| SceneError::new(format!("top level: {e}")))?;
        let instances = self.place();
        Ok(self.assemble(instances, top))
    }

    fn place(&self) -> Vec<Instance> {
        self.instances
            .iter()
            .map(|p| {
                let mesh = &self.meshes[p.mesh as usize];
                Instance::new(p.mesh, mesh, (p.transform, p.inverse), p.material, p.order, p.smooth)
            })
            .collect()
    }

    /// Puts the spheres and items in the top-level BVH's leaf order.
    fn assemble(self, instances: Vec<Instance>, top: Bvh) -> Scene {
        let (items, spheres) = if top.is_empty() {
            (self.items, self.spheres)
        } else {
            let mut spheres = Vec::with_capacity(self.spheres.len());
            let items = top
                .prims()
                .iter()
                .map(|&k| match self.items[k as usize] {
                    Item::Sphere(s) => {
                        spheres.push(self.spheres[s as usize]);
                        Item::Sphere(spheres.len() as u32 - 1)
                    }
                    instance => instance,
                })
                .collect();
            (items, spheres)
        };
        Scene {
            shadow_bias: self.shadow_bias,
            max_recursion_depth: self.max_recursion_depth,
            settings: self.settings,
            items,
            spheres,
            planes: self.planes,
            instances,
            meshes: self.meshes,
            lights: self.lights,
            materials: self.materials,
            pbr: self.pbr,
            textures: self.textures,
            decode: DecodeTable::new(),
            encode: EncodeTable::new(),
            bvh: top,
        }
    }
}

/// An immutable, render-ready scene; render it with any number of [`View`](crate::view::View)s.
#[derive(Clone, Debug)]
pub struct Scene {
    /// How far secondary rays start off the surface.
    pub shadow_bias: f64,
    /// Rays deeper than this are black.
    pub max_recursion_depth: u32,
    /// The path tracer's settings ([`Settings::WHITTED`] for the original's scenes).
    pub settings: Settings,
    /// Spheres and instances, in the top-level BVH's leaf order (scene order without one).
    items: Vec<Item>,
    /// In the order the items name them.
    spheres: Vec<Sphere>,
    planes: Vec<Plane>,
    /// In scene order.
    instances: Vec<Instance>,
    meshes: Vec<MeshObject>,
    /// The lights, in scene order.
    pub lights: Vec<Light>,
    materials: Vec<Material>,
    pbr: Vec<Pbr>,
    textures: Vec<Texture>,
    decode: DecodeTable,
    /// Linear colour to bytes, shared by every pixel.
    pub encode: EncodeTable,
    /// The top level; empty for a brute-force scene.
    bvh: Bvh,
}

/// The nearest hit found so far: compared as (distance, element order), like a stable
/// brute-force scan that keeps the first minimum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nearest {
    /// Along the ray; +inf when nothing was hit.
    pub distance: f64,
    /// The element's position in the scene; `u32::MAX` when nothing was hit.
    pub order: u32,
    /// Index into the scene's list of `kind`.
    pub index: u32,
    /// Which list `index` points into.
    pub kind: ShapeKind,
    /// Within the element: an instance's triangle slot; 0 for other kinds.
    pub part: u32,
}

impl Nearest {
    /// No hit yet: every real hit is nearer.
    pub const NONE: Nearest =
        Nearest { distance: f64::INFINITY, order: u32::MAX, index: u32::MAX, kind: ShapeKind::Plane, part: 0 };

    /// Whether anything was hit.
    #[inline(always)]
    pub fn is_hit(&self) -> bool {
        self.order != u32::MAX
    }

    /// Keeps the hit if it is nearer, or as near and earlier in the scene. NaN distances never
    /// win (the original would have panicked on them).
    #[inline(always)]
    pub fn offer(&mut self, distance: f64, order: u32, index: u32, kind: ShapeKind, part: u32) {
        if distance < self.distance || (distance == self.distance && order < self.order) {
            *self = Nearest { distance, order, index, kind, part };
        }
    }
}

/// Where a secondary ray starts: the instance's triangle it leaves, which it never hits again.
/// A ray leaving a flat triangle cannot meet it again, but rounding in the hit point (large
/// triangles with a small `shadow_bias`) would otherwise let a surface shadow itself. Spheres
/// and planes keep the original's rule (the bias alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    instance: u32,
    slot: u32,
}

impl Origin {
    /// A primary ray, or one leaving a sphere or plane.
    pub const NONE: Origin = Origin { instance: u32::MAX, slot: NO_SKIP };

    /// Rays leaving the surface `hit` names.
    #[inline(always)]
    pub fn of(hit: &Nearest) -> Origin {
        if hit.kind == ShapeKind::Instance {
            Origin { instance: hit.index, slot: hit.part }
        } else {
            Origin::NONE
        }
    }

    #[inline(always)]
    fn skip(&self, instance: u32) -> u32 {
        if self.instance == instance {
            self.slot
        } else {
            NO_SKIP
        }
    }
}

/// What shading needs to know about the nearest hit.
#[derive(Clone, Copy, Debug)]
pub struct Surfel {
    /// The shading normal, unit length.
    pub normal: Vector3,
    /// Where shadow rays leave from (before the bias): the hit point, except on smooth
    /// instances, where it is lifted off the flat triangle ([`MeshObject::shadow_point`]).
    pub shadow_from: Point,
    /// The hit element's material.
    pub material: Material,
    /// Where a texture is looked up; (0, 0) when the material has no texture.
    pub tex_coords: TexCoords,
}

impl Scene {
    /// The spheres, in the BVH's leaf order when there is one.
    pub fn spheres(&self) -> &[Sphere] {
        &self.spheres
    }

    /// The spheres and instances, in the top-level BVH's leaf order when there is one.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The instances, in scene order.
    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }

    /// The mesh objects, in the order they were added (each with its BVH unless brute force).
    pub fn meshes(&self) -> &[MeshObject] {
        &self.meshes
    }

    /// The top-level BVH; empty for a brute-force scene.
    pub fn bvh(&self) -> &Bvh {
        &self.bvh
    }

    /// The physically based fields of a material.
    pub fn pbr(&self, material: MaterialId) -> Option<&Pbr> {
        self.pbr.get(material.0 as usize)
    }

    /// The planes, in scene order (for the path tracer).
    pub fn planes(&self) -> &[Plane] {
        &self.planes
    }

    /// A material (for the path tracer).
    pub fn material(&self, material: MaterialId) -> Option<Material> {
        self.materials.get(material.0 as usize).copied()
    }

    /// The textures, numbered from 0.
    pub fn textures(&self) -> &[Texture] {
        &self.textures
    }

    /// Offers `best` the hits on items `start .. start + count`.
    #[inline(always)]
    fn items_nearest(&self, ray: &Ray, start: usize, count: usize, from: Origin, best: &mut Nearest) {
        for item in &self.items[start..start + count] {
            match *item {
                Item::Sphere(s) => {
                    let sphere = &self.spheres[s as usize];
                    if let Some(d) = sphere.intersect(ray) {
                        best.offer(d, sphere.order, s, ShapeKind::Sphere, 0);
                    }
                }
                Item::Instance(i) => {
                    let instance = &self.instances[i as usize];
                    let mesh = &self.meshes[instance.mesh as usize];
                    // Only hits not farther than the best so far; the mesh breaks its own
                    // ties by triangle index, `offer` breaks ties between elements by order.
                    if let Some(h) = mesh.nearest(&instance.object_ray(ray), best.distance, from.skip(i)) {
                        best.offer(h.distance, instance.order, i, ShapeKind::Instance, h.slot);
                    }
                }
            }
        }
    }

    /// Whether an item among `start .. start + count` is hit not farther than `max_distance`.
    #[inline(always)]
    fn items_any(&self, ray: &Ray, start: usize, count: usize, max_distance: f64, from: Origin) -> bool {
        self.items[start..start + count].iter().any(|item| match *item {
            Item::Sphere(s) => matches!(self.spheres[s as usize].intersect(ray), Some(d) if d <= max_distance),
            Item::Instance(i) => {
                let instance = &self.instances[i as usize];
                self.meshes[instance.mesh as usize].any_hit(&instance.object_ray(ray), max_distance, from.skip(i))
            }
        })
    }

    /// The nearest element hit, ties going to the element added first.
    #[inline(always)]
    pub fn trace(&self, ray: &Ray) -> Nearest {
        self.trace_from(ray, Origin::NONE)
    }

    /// [`Scene::trace`] for a ray leaving `from`.
    #[inline(always)]
    pub fn trace_from(&self, ray: &Ray, from: Origin) -> Nearest {
        let mut best = Nearest::NONE;
        if self.bvh.is_empty() {
            self.items_nearest(ray, 0, self.items.len(), from, &mut best);
        } else {
            self.bvh.nearest(&RayBox::new(ray), f64::INFINITY, |start, count, _| {
                self.items_nearest(ray, start, count, from, &mut best);
                best.distance
            });
        }
        for (i, p) in self.planes.iter().enumerate() {
            if let Some(d) = p.intersect(ray) {
                best.offer(d, p.order, i as u32, ShapeKind::Plane, 0);
            }
        }
        best
    }

    /// Whether something lies between the ray's origin and `light_distance` — the original's
    /// "nearest hit is not farther than the light", asked as an any-hit query.
    #[inline]
    pub fn occluded(&self, ray: &Ray, light_distance: f64) -> bool {
        self.occluded_from(ray, light_distance, Origin::NONE)
    }

    /// [`Scene::occluded`] for a ray leaving `from`.
    #[inline]
    pub fn occluded_from(&self, ray: &Ray, light_distance: f64, from: Origin) -> bool {
        let items = if self.bvh.is_empty() {
            self.items_any(ray, 0, self.items.len(), light_distance, from)
        } else {
            self.bvh.any_hit(&RayBox::new(ray), light_distance, |start, count| {
                self.items_any(ray, start, count, light_distance, from)
            })
        };
        items || self.planes.iter().any(|p| matches!(p.intersect(ray), Some(d) if d <= light_distance))
    }

    /// The normal, material and texture coordinates at `point` on the element `hit` names,
    /// reached along `direction` — the one place that asks what kind of element was hit. A
    /// mesh is two-sided: its normal is turned towards where the ray came from, except on
    /// refractive surfaces, which keep the outward normal (from the winding) to tell entering
    /// from leaving, as spheres do.
    #[inline]
    pub fn surfel(&self, hit: &Nearest, point: Point, direction: Vector3) -> Surfel {
        let textured = |m: &Material| matches!(m.coloration, Coloration::Texture(_));
        let none = TexCoords { u: 0.0, v: 0.0 };
        match hit.kind {
            ShapeKind::Sphere => {
                let s = &self.spheres[hit.index as usize];
                let material = self.materials[s.material.0 as usize];
                let tex_coords = if textured(&material) { s.tex_coords(point) } else { none };
                Surfel { normal: s.normal(point), shadow_from: point, material, tex_coords }
            }
            ShapeKind::Plane => {
                let p = &self.planes[hit.index as usize];
                let material = self.materials[p.material.0 as usize];
                let tex_coords = if textured(&material) { p.tex_coords(point) } else { none };
                Surfel { normal: p.normal(), shadow_from: point, material, tex_coords }
            }
            ShapeKind::Instance => {
                let instance = &self.instances[hit.index as usize];
                let material = self.materials[instance.material.0 as usize];
                let (s, shadow_from) =
                    instance.surface_at(&self.meshes[instance.mesh as usize], hit.part, point, direction);
                let back = s.geometric_normal.dot(direction) > 0.0;
                let normal = if back && !matches!(material.surface, Surface::Refractive { .. }) {
                    -s.shading_normal
                } else {
                    s.shading_normal
                };
                Surfel { normal, shadow_from, material, tex_coords: s.tex_coords }
            }
        }
    }

    /// The surface colour of a surfel (its material's colour, or its texture there).
    #[inline]
    pub fn surface_color(&self, surfel: &Surfel) -> Color {
        match surfel.material.coloration {
            Coloration::Color(c) => c,
            Coloration::Texture(id) => self.textures[id.0 as usize].color(surfel.tex_coords, &self.decode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::MeshHit;
    use crate::shape::triangle::face_normal;

    fn white(b: &mut SceneBuilder) -> MaterialId {
        b.add_material(Material {
            coloration: Coloration::Color(Color::new(1.0, 1.0, 1.0)),
            albedo: 0.5,
            surface: Surface::Diffuse,
        })
        .unwrap()
    }

    /// A bumpy closed mesh: an octahedron's faces split in four, the new vertices pushed out
    /// by different amounts, and a seam (vertex 0 duplicated as the last vertex).
    fn bumpy() -> (Vec<f64>, Vec<u32>) {
        let mut p: Vec<[f64; 3]> = vec![
            [1.0, 0.0, 0.0],
            [-1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, -1.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.0, 0.0, -1.0],
        ];
        let faces = [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]];
        let mut indices = Vec::new();
        let mut mid = std::collections::HashMap::new();
        let mut m = |p: &mut Vec<[f64; 3]>, i: u32, j: u32| {
            *mid.entry((i.min(j), i.max(j))).or_insert_with(|| {
                let (a, b) = (p[i as usize], p[j as usize]);
                let k = 0.6 + 0.1 * ((i * 3 + j * 5) % 4) as f64;
                p.push([(a[0] + b[0]) * k, (a[1] + b[1]) * k, (a[2] + b[2]) * k]);
                (p.len() - 1) as u32
            })
        };
        for [a, b, c] in faces {
            let (ab, bc, ca) = (m(&mut p, a, b), m(&mut p, b, c), m(&mut p, c, a));
            indices.extend([a, ab, ca, b, bc, ab, c, ca, bc, ab, bc, ca]);
        }
        // The seam: triangles using vertex 0 use its copy instead, half of the time.
        p.push(p[0]);
        let copy = (p.len() - 1) as u32;
        for (k, i) in indices.iter_mut().enumerate() {
            if *i == 0 && k % 2 == 0 {
                *i = copy;
            }
        }
        (p.iter().flatten().copied().collect(), indices)
    }

    fn transforms() -> Vec<Affine> {
        vec![
            Affine::IDENTITY,
            Affine::from_trs(
                Vector3::new(0.5, 0.5, 0.5),
                Vector3::new(0.0, 1.0, 0.0),
                30.0,
                Vector3::new(0.0, -1.0, -6.0),
            ),
            Affine::from_trs(
                Vector3::new(2.0, 0.7, 1.3),
                Vector3::new(1.0, 2.0, 0.5),
                71.0,
                Vector3::new(1.0, 0.5, -7.0),
            ),
            // Mirroring.
            Affine::from_trs(
                Vector3::new(-1.5, 0.8, 1.0),
                Vector3::new(0.3, 0.0, 1.0),
                -40.0,
                Vector3::new(-1.0, 0.0, -5.0),
            ),
        ]
    }

    /// The former TypeScript pipeline: `transformMesh` (positions scaled, rotated, translated
    /// in f64; two corners swapped when mirroring), then `vertexNormals` on the result.
    fn typescript_world(positions: &[f64], indices: &[u32], t: &Affine) -> (Vec<f64>, Vec<u32>, Vec<[f32; 3]>) {
        let world: Vec<f64> = positions
            .chunks_exact(3)
            .flat_map(|c| {
                let p = t.point(Vector3::new(c[0], c[1], c[2]));
                [p.x, p.y, p.z]
            })
            .collect();
        let mut idx = indices.to_vec();
        if t.determinant() < 0.0 {
            idx.chunks_exact_mut(3).for_each(|c| c.swap(1, 2));
        }
        let p32: Vec<[f32; 3]> = world.chunks_exact(3).map(|c| [c[0] as f32, c[1] as f32, c[2] as f32]).collect();
        let tri: Vec<[u32; 3]> = idx.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        // vertexNormals ran on the f64 positions; on f32 ones here, which differs by rounding.
        let normals = crate::mesh::smooth_normals(&p32, &tri);
        (world, idx, normals)
    }

    fn scene_of(positions: Vec<f64>, indices: Vec<u32>, t: Affine, smooth: bool) -> Scene {
        let mut b = SceneBuilder::new(1e-9, 3).unwrap();
        let m = white(&mut b);
        let mesh =
            b.add_mesh(MeshParts::flat(&positions.iter().map(|&v| v as f32).collect::<Vec<f32>>(), &indices)).unwrap();
        b.add_instance(mesh, t, m, smooth).unwrap();
        b.build()
    }

    #[test]
    fn an_instance_hits_where_the_mesh_placed_beforehand_would() {
        let (positions, indices) = bumpy();
        for t in transforms() {
            let (world, world_indices, _) = typescript_world(&positions, &indices, &t);
            let instanced = scene_of(positions.clone(), indices.clone(), t, false);
            let placed = scene_of(world.clone(), world_indices.clone(), Affine::IDENTITY, false);
            let mut hits = 0;
            for (k, tri) in world_indices.chunks_exact(3).enumerate() {
                let corner =
                    |i: u32| Vector3::new(world[3 * i as usize], world[3 * i as usize + 1], world[3 * i as usize + 2]);
                let (a, b, c) = (corner(tri[0]), corner(tri[1]), corner(tri[2]));
                let target = (a + b + c) * (1.0 / 3.0);
                let outward = face_normal(a, b, c).normalize();
                let origin = target + outward * 5.0 + Vector3::new(0.01 * k as f64, 0.02, -0.01);
                let ray = Ray { origin, direction: (target - origin).normalize() };
                let (h1, h2) = (instanced.trace(&ray), placed.trace(&ray));
                assert!(h1.is_hit() && h2.is_hit());
                assert!((h1.distance - h2.distance).abs() < 1e-5 * h2.distance, "{} vs {}", h1.distance, h2.distance);
                let m1 = instanced.meshes()[0].triangle_index(h1.part as usize);
                let m2 = placed.meshes()[0].triangle_index(h2.part as usize);
                assert_eq!(m1, m2);
                let point = ray.origin + ray.direction * h1.distance;
                let (s1, s2) = (instanced.surfel(&h1, point, ray.direction), placed.surfel(&h2, point, ray.direction));
                assert!(s1.normal.dot(s2.normal) > 1.0 - 1e-9, "{:?} vs {:?}", s1.normal, s2.normal);
                // Outward from the winding, the geometric normal faces the ray's origin.
                assert!(s1.normal.dot(ray.direction) < 0.0);
                // Shadow rays agree too.
                let back = Ray { origin: point + outward * 1e-6, direction: outward };
                assert_eq!(instanced.occluded(&back, 100.0), placed.occluded(&back, 100.0));
                hits += 1;
            }
            assert_eq!(hits, indices.len() / 3);
        }
    }

    #[test]
    fn smooth_normals_through_transforms_follow_the_typescript_semantics() {
        let (positions, indices) = bumpy();
        for t in transforms() {
            let (_, world_indices, world_normals) = typescript_world(&positions, &indices, &t);
            let scene = scene_of(positions.clone(), indices.clone(), t, true);
            let (instance, mesh) = (&scene.instances()[0], &scene.meshes()[0]);
            let mut checked = 0;
            for slot in 0..mesh.triangle_count() {
                let k = mesh.triangle_index(slot) as usize;
                for corner in 0..3 {
                    let mut weights = [0.0; 3];
                    weights[corner] = 1.0;
                    let s = instance.surface(mesh, &MeshHit { distance: 1.0, slot: slot as u32, weights });
                    // The same vertex in the TypeScript order (two corners swapped when mirroring).
                    let object_vertex = mesh.triangles()[slot][corner];
                    let world_corner = (0..3).find(|&c| world_indices[3 * k + c] == object_vertex).unwrap();
                    let n = world_normals[world_indices[3 * k + world_corner] as usize];
                    let expected = Vector3::new(n[0] as f64, n[1] as f64, n[2] as f64).normalize();
                    let expected = if expected.dot(s.geometric_normal) < 0.0 { -expected } else { expected };
                    assert!(
                        s.shading_normal.dot(expected) > 1.0 - 1e-6,
                        "{:?}: {:?} vs {expected:?}",
                        t,
                        s.shading_normal
                    );
                    checked += 1;
                }
            }
            assert_eq!(checked, indices.len());
        }
    }

    #[test]
    fn a_thousand_instances_share_one_mesh() {
        let (positions, indices) = bumpy();
        let mut b = SceneBuilder::new(1e-9, 3).unwrap();
        let m = white(&mut b);
        let mesh =
            b.add_mesh(MeshParts::flat(&positions.iter().map(|&v| v as f32).collect::<Vec<f32>>(), &indices)).unwrap();
        for i in 0..1000 {
            let (x, y) = ((i % 40) as f64 - 20.0, (i / 40) as f64 - 12.0);
            let t = Affine::from_trs(
                Vector3::new(0.3, 0.3, 0.3),
                Vector3::new(0.0, 1.0, 0.0),
                i as f64,
                Vector3::new(x, y, -30.0),
            );
            b.add_instance(mesh, t, m, i % 2 == 0).unwrap();
        }
        let scene = b.build();
        assert_eq!((scene.meshes().len(), scene.instances().len()), (1, 1000));
        // Every instance is found through the two levels, with the brute-force answer.
        let mut brute = scene.clone();
        brute.bvh = Bvh::default();
        for i in 0..1000 {
            let target = scene.instances()[i].transform.point(Vector3::new(0.0, 0.0, 0.9));
            let ray = Ray { origin: Vector3::ZERO, direction: target.normalize() };
            let (hit, expected) = (scene.trace(&ray), brute.trace(&ray));
            assert!(hit.is_hit());
            assert_eq!(
                (hit.distance.to_bits(), hit.order, hit.part),
                (expected.distance.to_bits(), expected.order, expected.part)
            );
        }
    }
}
