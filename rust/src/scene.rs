//! The scene and the typed builder that validates every value before it reaches the renderer.
//! A scene holds what does not change between renders (elements, materials, textures, lights,
//! the BVH); the image size, field of view, samples and camera are a [`View`](crate::view::View).

use crate::bvh::{Bvh, Nearest};
use crate::color::{Color, EncodeTable};
use crate::light::Light;
use crate::material::{Coloration, Material, MaterialId, Surface, TextureId};
use crate::mesh::{Mesh, MeshParts, NO_SKIP};
use crate::mesh_bvh::MeshNode;
use crate::ray::Ray;
use crate::shape::{Plane, ShapeKind, Sphere, TexCoords};
use crate::texture::{DecodeTable, Texture};
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

/// Collects a scene's textures, materials, elements and lights, checking each as it is
/// added, then builds the [`Scene`]. Messages name the value only; callers say which record.
#[derive(Clone, Debug)]
pub struct SceneBuilder {
    shadow_bias: f64,
    max_recursion_depth: u32,
    use_bvh: bool,
    textures: Vec<Texture>,
    materials: Vec<Material>,
    spheres: Vec<Sphere>,
    planes: Vec<Plane>,
    meshes: Vec<Mesh>,
    lights: Vec<Light>,
}

/// A mesh's geometry as [`SceneBuilder::add_mesh`] takes it: flat arrays, world space.
#[derive(Clone, Debug, Default)]
pub struct MeshGeometry {
    /// x, y, z per vertex.
    pub positions: Vec<f64>,
    /// Vertex normals (x, y, z per vertex) for smooth shading; `None` for flat faces.
    pub normals: Option<Vec<f64>>,
    /// Texture coordinates (u, v per vertex).
    pub uvs: Option<Vec<f32>>,
    /// Three vertex indices per triangle, counter-clockwise seen from outside.
    pub indices: Vec<u32>,
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
            use_bvh: true,
            textures: Vec::new(),
            materials: Vec::new(),
            spheres: Vec::new(),
            planes: Vec::new(),
            meshes: Vec::new(),
            lights: Vec::new(),
        })
    }

    /// Default true; false tests every element for every ray (for tests and benchmarks).
    pub fn set_use_bvh(&mut self, use_bvh: bool) {
        self.use_bvh = use_bvh;
    }

    /// An RGBA8 texture, `rgba.len()` = width × height × 4, rows top first.
    pub fn add_texture(&mut self, width: u32, height: u32, rgba: Vec<u8>) -> Result<TextureId> {
        if width == 0 || height == 0 {
            return Err(SceneError::new(format!("size must be at least 1×1, got {width}×{height}")));
        }
        if width > i32::MAX as u32 || height > i32::MAX as u32 {
            return Err(SceneError::new(format!("size {width}×{height} is too large")));
        }
        let expected = (width as u64) * (height as u64) * 4;
        if rgba.len() as u64 != expected {
            return Err(SceneError::new(format!(
                "rgba must hold width*height*4 = {expected} bytes for {width}×{height}, got {}",
                rgba.len()
            )));
        }
        let id = TextureId(self.textures.len() as u32);
        self.textures.push(Texture::new(width, height, rgba));
        Ok(id)
    }

    /// A material: every number finite, a refractive index positive, a texture already added.
    pub fn add_material(&mut self, material: Material) -> Result<MaterialId> {
        match material.coloration {
            Coloration::Color(c) => {
                color(c)?;
            }
            Coloration::Texture(TextureId(id)) => {
                if id as usize >= self.textures.len() {
                    return Err(SceneError::new(format!(
                        "unknown texture {id} ({} textures in the scene)",
                        self.textures.len()
                    )));
                }
            }
        }
        finite_f32("albedo", material.albedo)?;
        match material.surface {
            Surface::Diffuse => {}
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
        let id = MaterialId(self.materials.len() as u32);
        self.materials.push(material);
        Ok(id)
    }

    fn material(&self, id: MaterialId) -> Result<MaterialId> {
        if (id.0 as usize) < self.materials.len() {
            Ok(id)
        } else {
            Err(SceneError::new(format!("unknown material {} ({} materials in the scene)", id.0, self.materials.len())))
        }
    }

    /// The element's position among all elements; `u32::MAX` is [`Nearest::NONE`]'s.
    fn next_order(&self) -> Result<u32> {
        let n = self.spheres.len() + self.planes.len() + self.meshes.len();
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

    /// A triangle mesh (see [`Mesh::new`] for what is checked), seen from both sides. Its BVH
    /// is built with the scene's, or given to [`SceneBuilder::build_with_bvh`].
    pub fn add_mesh(&mut self, geometry: MeshGeometry, material: MaterialId) -> Result<()> {
        let material = self.material(material)?;
        let order = self.next_order()?;
        let MeshGeometry { positions, normals, uvs, indices } = geometry;
        let mesh = Mesh::new(MeshParts { positions, normals, uvs, indices, material: material.0, order })
            .map_err(|e| SceneError::new(e.0))?;
        self.meshes.push(mesh);
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

    /// The scene, with its BVH built here (unless brute force was asked for).
    pub fn build(self) -> Scene {
        let mut spheres = self.spheres;
        let mut meshes = self.meshes;
        let bvh = if self.use_bvh {
            meshes.iter_mut().for_each(Mesh::build_bvh);
            Some(Bvh::build(&mut spheres))
        } else {
            None
        };
        Scene::assemble(
            self.shadow_bias,
            self.max_recursion_depth,
            spheres,
            self.planes,
            meshes,
            self.lights,
            self.materials,
            self.textures,
            bvh,
        )
    }

    /// The scene with BVHs built earlier: `leaf_order` lists the spheres' indices (in the
    /// order they were added) in the BVH's leaf order, each exactly once; `mesh_bvhs` holds
    /// each mesh's nodes and triangle order, in the order the meshes were added.
    pub fn build_with_bvh(
        self,
        bvh: Bvh,
        leaf_order: &[u32],
        mesh_bvhs: Vec<(Vec<MeshNode>, Vec<u32>)>,
    ) -> Result<Scene> {
        let mut meshes = self.meshes;
        if mesh_bvhs.len() != meshes.len() {
            return Err(SceneError::new(format!("{} mesh BVHs for {} meshes", mesh_bvhs.len(), meshes.len())));
        }
        for (i, (mesh, (nodes, prims))) in meshes.iter_mut().zip(mesh_bvhs).enumerate() {
            mesh.set_bvh(nodes, prims).map_err(|e| SceneError::new(format!("mesh {i}: {e}")))?;
        }
        let n = self.spheres.len();
        if leaf_order.len() != n {
            return Err(SceneError::new(format!("the BVH orders {} spheres, the scene has {n}", leaf_order.len())));
        }
        let mut seen = vec![false; n];
        let mut spheres = Vec::with_capacity(n);
        for &i in leaf_order {
            match seen.get_mut(i as usize) {
                Some(slot) if !*slot => {
                    *slot = true;
                    spheres.push(self.spheres[i as usize]);
                }
                Some(_) => return Err(SceneError::new(format!("the BVH lists sphere {i} twice"))),
                None => return Err(SceneError::new(format!("the BVH lists sphere {i}, the scene has {n}"))),
            }
        }
        Ok(Scene::assemble(
            self.shadow_bias,
            self.max_recursion_depth,
            spheres,
            self.planes,
            meshes,
            self.lights,
            self.materials,
            self.textures,
            Some(bvh),
        ))
    }
}

/// An immutable, render-ready scene; render it with any number of [`View`](crate::view::View)s.
#[derive(Clone, Debug)]
pub struct Scene {
    /// How far secondary rays start off the surface.
    pub shadow_bias: f64,
    /// Rays deeper than this are black.
    pub max_recursion_depth: u32,
    spheres: Vec<Sphere>,
    planes: Vec<Plane>,
    meshes: Vec<Mesh>,
    /// The lights, in scene order.
    pub lights: Vec<Light>,
    materials: Vec<Material>,
    textures: Vec<Texture>,
    decode: DecodeTable,
    /// Linear colour to bytes, shared by every pixel.
    pub encode: EncodeTable,
    bvh: Option<Bvh>,
}

/// Where a secondary ray starts: the mesh triangle it leaves, which it never hits again. A ray
/// leaving a flat triangle cannot meet it again, but rounding in the hit point (large triangles
/// with a small `shadow_bias`) would otherwise let a surface shadow itself. Spheres and planes
/// keep the original's rule (the bias alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    mesh: u32,
    triangle: u32,
}

impl Origin {
    /// A primary ray, or one leaving a sphere or plane.
    pub const NONE: Origin = Origin { mesh: u32::MAX, triangle: NO_SKIP };

    /// Rays leaving the surface `hit` names.
    #[inline(always)]
    pub fn of(hit: &Nearest) -> Origin {
        match hit.kind {
            ShapeKind::Mesh => Origin { mesh: hit.index, triangle: hit.part },
            _ => Origin::NONE,
        }
    }

    #[inline(always)]
    fn skip(&self, mesh: usize) -> u32 {
        if self.mesh as usize == mesh {
            self.triangle
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
    /// Where shadow rays leave from (before the bias): the hit point, except on smooth meshes,
    /// where it is lifted off the flat triangle ([`Mesh::shadow_point`]).
    pub shadow_from: Point,
    /// The hit element's material.
    pub material: Material,
}

impl Scene {
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        shadow_bias: f64,
        max_recursion_depth: u32,
        spheres: Vec<Sphere>,
        planes: Vec<Plane>,
        meshes: Vec<Mesh>,
        lights: Vec<Light>,
        materials: Vec<Material>,
        textures: Vec<Texture>,
        bvh: Option<Bvh>,
    ) -> Scene {
        Scene {
            shadow_bias,
            max_recursion_depth,
            spheres,
            planes,
            meshes,
            lights,
            materials,
            textures,
            decode: DecodeTable::new(),
            encode: EncodeTable::new(),
            bvh,
        }
    }

    /// The spheres, in the BVH's leaf order when there is one.
    pub fn spheres(&self) -> &[Sphere] {
        &self.spheres
    }

    /// The meshes, in the order they were added (each with its BVH unless brute force).
    pub fn meshes(&self) -> &[Mesh] {
        &self.meshes
    }

    /// The BVH over the spheres; `None` for a brute-force scene.
    pub fn bvh(&self) -> Option<&Bvh> {
        self.bvh.as_ref()
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
        match &self.bvh {
            Some(bvh) => bvh.nearest(ray, &self.spheres, &mut best),
            None => {
                for (i, s) in self.spheres.iter().enumerate() {
                    if let Some(d) = s.intersect(ray) {
                        best.offer(d, s.order, i as u32, ShapeKind::Sphere);
                    }
                }
            }
        }
        for (i, p) in self.planes.iter().enumerate() {
            if let Some(d) = p.intersect(ray) {
                best.offer(d, p.order, i as u32, ShapeKind::Plane);
            }
        }
        for (i, m) in self.meshes.iter().enumerate() {
            // Only hits not farther than the best so far; the mesh breaks its own ties by
            // triangle index, `offer` breaks ties between elements by order.
            let skip = from.skip(i);
            let hit = if self.bvh.is_some() {
                m.nearest(ray, best.distance, skip)
            } else {
                m.nearest_brute_force(ray, best.distance, skip)
            };
            if let Some(h) = hit {
                best.offer_part(h.distance, m.order, i as u32, ShapeKind::Mesh, h.triangle);
            }
        }
        best
    }

    /// Whether something lies between the ray's origin and `light_distance` — the original's
    /// "nearest hit is not farther than the light", asked as an any-hit query with the BVH.
    #[inline]
    pub fn occluded(&self, ray: &Ray, light_distance: f64) -> bool {
        self.occluded_from(ray, light_distance, Origin::NONE)
    }

    /// [`Scene::occluded`] for a ray leaving `from`.
    #[inline]
    pub fn occluded_from(&self, ray: &Ray, light_distance: f64, from: Origin) -> bool {
        match &self.bvh {
            Some(bvh) => {
                bvh.any_hit(ray, &self.spheres, light_distance)
                    || self.planes.iter().any(|p| matches!(p.intersect(ray), Some(d) if d <= light_distance))
                    || self.meshes.iter().enumerate().any(|(i, m)| m.any_hit(ray, light_distance, from.skip(i)))
            }
            None => {
                let hit = self.trace_from(ray, from);
                hit.is_hit() && !(hit.distance > light_distance)
            }
        }
    }

    /// The normal and material at `point` on the element `hit` names, reached along
    /// `direction`. A mesh is two-sided: its normal is turned towards where the ray came from,
    /// except on refractive surfaces, which keep the outward normal (from the winding) to
    /// tell entering from leaving, as spheres do.
    #[inline]
    pub fn surfel(&self, hit: &Nearest, point: Point, direction: Vector3) -> Surfel {
        match hit.kind {
            ShapeKind::Mesh => {
                let m = &self.meshes[hit.index as usize];
                let material = self.materials[m.material as usize];
                let s = m.surface_at(hit.part, point);
                let back = s.geometric_normal.dot(direction) > 0.0;
                let normal = if back && !matches!(material.surface, Surface::Refractive { .. }) {
                    -s.shading_normal
                } else {
                    s.shading_normal
                };
                let toward = if back { -s.geometric_normal } else { s.geometric_normal };
                let shadow_from = m.shadow_point(hit.part, point, toward);
                Surfel { normal, shadow_from, material }
            }
            ShapeKind::Sphere => {
                let s = &self.spheres[hit.index as usize];
                Surfel { normal: s.normal(point), shadow_from: point, material: self.materials[s.material.0 as usize] }
            }
            ShapeKind::Plane => {
                let p = &self.planes[hit.index as usize];
                Surfel { normal: p.normal(), shadow_from: point, material: self.materials[p.material.0 as usize] }
            }
        }
    }

    /// The surface colour at `point`; texture coordinates are only computed when needed.
    #[inline]
    pub fn surface_color(&self, hit: &Nearest, material: &Material, point: Point) -> Color {
        match material.coloration {
            Coloration::Color(c) => c,
            Coloration::Texture(id) => {
                let coords: TexCoords = match hit.kind {
                    ShapeKind::Sphere => self.spheres[hit.index as usize].tex_coords(point),
                    ShapeKind::Plane => self.planes[hit.index as usize].tex_coords(point),
                    ShapeKind::Mesh => self.meshes[hit.index as usize].surface_at(hit.part, point).tex_coords,
                };
                self.textures[id.0 as usize].color(coords, &self.decode)
            }
        }
    }
}
