//! The scene and the builder that validates every value before it reaches the renderer.

use crate::bvh::{Bvh, Nearest};
use crate::camera::{Camera, Pose, PoseError};
use crate::color::{Color, EncodeTable};
use crate::light::Light;
use crate::material::{Coloration, Material, Surface};
use crate::ray::Ray;
use crate::shape::{Plane, Sphere, TexCoords};
use crate::texture::{DecodeTable, Texture};
use crate::vector::{Point, Vector3};
use std::fmt;

/// Deep enough for any sensible scene; deeper recursion could exhaust the wasm stack, which
/// traps instead of failing cleanly.
pub const MAX_RECURSION_DEPTH: u32 = 1000;

/// A one-line description of a rejected value, naming the call and the value.
#[derive(Clone, Debug, PartialEq)]
pub struct SceneError(String);

impl SceneError {
    pub fn new(message: impl Into<String>) -> SceneError {
        SceneError(message.into())
    }

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

fn finite(call: &str, name: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(SceneError(format!("{call}: {name} must be a finite number, got {v}")))
    }
}

/// Colour channels and intensities are f32 in the renderer; a finite f64 can still overflow.
fn finite_f32(call: &str, name: &str, v: f64) -> Result<f32> {
    let f = finite(call, name, v)? as f32;
    if f.is_finite() {
        Ok(f)
    } else {
        Err(SceneError(format!("{call}: {name} is out of the f32 range, got {v}")))
    }
}

fn point(call: &str, name: &str, v: [f64; 3]) -> Result<Vector3> {
    let [x, y, z] = v;
    if v.iter().all(|c| c.is_finite()) {
        Ok(Vector3::new(x, y, z))
    } else {
        Err(SceneError(format!("{call}: {name} must be finite, got ({x}, {y}, {z})")))
    }
}

/// Normalised; a zero (or overflowing) vector has no direction.
fn direction(call: &str, name: &str, v: [f64; 3]) -> Result<Vector3> {
    let p = point(call, name, v)?;
    let n = p.normalize();
    if p.length() > 0.0 && n.is_finite() {
        Ok(n)
    } else {
        let [x, y, z] = v;
        Err(SceneError(format!("{call}: {name} must be a non-zero vector, got ({x}, {y}, {z})")))
    }
}

fn color(call: &str, rgb: [f64; 3]) -> Result<Color> {
    Ok(Color::new(
        finite_f32(call, "red", rgb[0])?,
        finite_f32(call, "green", rgb[1])?,
        finite_f32(call, "blue", rgb[2])?,
    ))
}

#[derive(Clone, Debug)]
pub struct SceneBuilder {
    width: u32,
    height: u32,
    fov: f64,
    shadow_bias: f64,
    max_recursion_depth: u32,
    pose: Pose,
    samples: u32,
    use_bvh: bool,
    textures: Vec<Texture>,
    materials: Vec<Material>,
    spheres: Vec<Sphere>,
    planes: Vec<Plane>,
    lights: Vec<Light>,
}

impl SceneBuilder {
    pub fn new(width: u32, height: u32, fov_degrees: f64, shadow_bias: f64, max_recursion_depth: u32) -> Result<SceneBuilder> {
        const CALL: &str = "SceneBuilder";
        if width == 0 {
            return Err(SceneError::new(format!("{CALL}: width must be at least 1, got {width}")));
        }
        if height == 0 {
            return Err(SceneError::new(format!("{CALL}: height must be at least 1, got {height}")));
        }
        if !(fov_degrees > 0.0 && fov_degrees < 180.0) {
            return Err(SceneError::new(format!("{CALL}: fov must be between 0 and 180 degrees (exclusive), got {fov_degrees}")));
        }
        let shadow_bias = finite(CALL, "shadow_bias", shadow_bias)?;
        if max_recursion_depth > MAX_RECURSION_DEPTH {
            return Err(SceneError::new(format!(
                "{CALL}: max_recursion_depth must be at most {MAX_RECURSION_DEPTH}, got {max_recursion_depth}"
            )));
        }
        Ok(SceneBuilder {
            width,
            height,
            fov: fov_degrees,
            shadow_bias,
            max_recursion_depth,
            pose: Pose::DEFAULT,
            samples: 1,
            use_bvh: true,
            textures: Vec::new(),
            materials: Vec::new(),
            spheres: Vec::new(),
            planes: Vec::new(),
            lights: Vec::new(),
        })
    }

    pub fn set_camera(&mut self, position: [f64; 3], look_at: [f64; 3], up: [f64; 3]) -> Result<()> {
        const CALL: &str = "set_camera";
        let pose = Pose {
            position: point(CALL, "position", position)?,
            look_at: point(CALL, "look_at", look_at)?,
            up: point(CALL, "up", up)?,
        };
        let [ux, uy, uz] = up;
        match Camera::new(self.width, self.height, self.fov, pose) {
            Ok(_) => {
                self.pose = pose;
                Ok(())
            }
            Err(PoseError::NotFinite) => {
                Err(SceneError::new(format!("{CALL}: the view direction overflows (coordinates too large)")))
            }
            Err(PoseError::LookAtIsPosition) => {
                Err(SceneError::new(format!("{CALL}: look_at must differ from position, both are {:?}", position)))
            }
            Err(PoseError::UpParallelToView) => Err(SceneError::new(format!(
                "{CALL}: up must not be zero or parallel to the view direction, got ({ux}, {uy}, {uz})"
            ))),
        }
    }

    pub fn set_samples(&mut self, samples: u32) -> Result<()> {
        let k = (samples as f64).sqrt() as u32;
        if samples == 0 || k * k != samples {
            return Err(SceneError::new(format!("set_samples: samples must be a perfect square ≥ 1 (1, 4, 9, …), got {samples}")));
        }
        self.samples = samples;
        Ok(())
    }

    pub fn set_use_bvh(&mut self, use_bvh: bool) {
        self.use_bvh = use_bvh;
    }

    pub fn add_texture(&mut self, width: u32, height: u32, rgba: Vec<u8>) -> Result<u32> {
        const CALL: &str = "add_texture";
        if width == 0 || height == 0 {
            return Err(SceneError::new(format!("{CALL}: size must be at least 1×1, got {width}×{height}")));
        }
        if width > i32::MAX as u32 || height > i32::MAX as u32 {
            return Err(SceneError::new(format!("{CALL}: size {width}×{height} is too large")));
        }
        let expected = (width as u64) * (height as u64) * 4;
        if rgba.len() as u64 != expected {
            return Err(SceneError::new(format!(
                "{CALL}: rgba must hold width*height*4 = {expected} bytes for {width}×{height}, got {}",
                rgba.len()
            )));
        }
        self.textures.push(Texture::new(width, height, rgba));
        Ok(self.textures.len() as u32 - 1)
    }

    /// `coloration_kind` 0 = colour, 1 = texture; `surface_kind` 0 = diffuse, 1 = reflective
    /// (`param_a` = reflectivity), 2 = refractive (`param_a` = index, `param_b` = transparency).
    #[allow(clippy::too_many_arguments)]
    pub fn add_material(
        &mut self,
        coloration_kind: u32,
        rgb: [f64; 3],
        texture_id: u32,
        albedo: f64,
        surface_kind: u32,
        param_a: f64,
        param_b: f64,
    ) -> Result<u32> {
        const CALL: &str = "add_material";
        let coloration = match coloration_kind {
            0 => Coloration::Color(color(CALL, rgb)?),
            1 => {
                if texture_id as usize >= self.textures.len() {
                    return Err(SceneError::new(format!(
                        "{CALL}: unknown texture_id {texture_id} ({} textures added)",
                        self.textures.len()
                    )));
                }
                Coloration::Texture(texture_id)
            }
            k => return Err(SceneError::new(format!("{CALL}: coloration_kind must be 0 (colour) or 1 (texture), got {k}"))),
        };
        let albedo = finite_f32(CALL, "albedo", albedo)?;
        let surface = match surface_kind {
            0 => Surface::Diffuse,
            1 => Surface::Reflective { reflectivity: finite_f32(CALL, "reflectivity", param_a)? },
            2 => {
                let index = finite_f32(CALL, "index", param_a)?;
                if !(index > 0.0) {
                    return Err(SceneError::new(format!("{CALL}: index must be positive, got {param_a}")));
                }
                Surface::Refractive { index, transparency: finite_f32(CALL, "transparency", param_b)? }
            }
            k => {
                return Err(SceneError::new(format!(
                    "{CALL}: surface_kind must be 0 (diffuse), 1 (reflective) or 2 (refractive), got {k}"
                )))
            }
        };
        self.materials.push(Material { coloration, albedo, surface });
        Ok(self.materials.len() as u32 - 1)
    }

    fn material(&self, call: &str, id: u32) -> Result<u32> {
        if (id as usize) < self.materials.len() {
            Ok(id)
        } else {
            Err(SceneError::new(format!("{call}: unknown material_id {id} ({} materials added)", self.materials.len())))
        }
    }

    fn next_order(&self, call: &str) -> Result<u32> {
        let n = self.spheres.len() + self.planes.len();
        u32::try_from(n)
            .ok()
            .filter(|&n| n < u32::MAX)
            .ok_or_else(|| SceneError::new(format!("{call}: too many elements")))
    }

    pub fn add_sphere(&mut self, center: [f64; 3], radius: f64, material_id: u32) -> Result<()> {
        const CALL: &str = "add_sphere";
        let center = point(CALL, "center", center)?;
        finite(CALL, "radius", radius)?;
        if !(radius > 0.0) {
            return Err(SceneError::new(format!("{CALL}: radius must be positive, got {radius}")));
        }
        let material = self.material(CALL, material_id)?;
        let order = self.next_order(CALL)?;
        self.spheres.push(Sphere { center, radius, material, order });
        Ok(())
    }

    pub fn add_plane(&mut self, origin: [f64; 3], normal: [f64; 3], material_id: u32) -> Result<()> {
        const CALL: &str = "add_plane";
        let origin = point(CALL, "origin", origin)?;
        let normal = direction(CALL, "normal", normal)?;
        let material = self.material(CALL, material_id)?;
        let order = self.next_order(CALL)?;
        self.planes.push(Plane { origin, normal, material, order });
        Ok(())
    }

    pub fn add_directional_light(&mut self, direction_: [f64; 3], rgb: [f64; 3], intensity: f64) -> Result<()> {
        const CALL: &str = "add_directional_light";
        let direction = direction(CALL, "direction", direction_)?;
        let color = color(CALL, rgb)?;
        let intensity = finite_f32(CALL, "intensity", intensity)?;
        self.lights.push(Light::Directional { direction, color, intensity });
        Ok(())
    }

    pub fn add_spherical_light(&mut self, position: [f64; 3], rgb: [f64; 3], intensity: f64) -> Result<()> {
        const CALL: &str = "add_spherical_light";
        let position = point(CALL, "position", position)?;
        let color = color(CALL, rgb)?;
        let intensity = finite_f32(CALL, "intensity", intensity)?;
        self.lights.push(Light::Spherical { position, color, intensity });
        Ok(())
    }

    pub fn build(self) -> Result<Scene> {
        let camera = Camera::new(self.width, self.height, self.fov, self.pose)
            .map_err(|_| SceneError::new("build: the camera has no valid basis"))?;
        let mut spheres = self.spheres;
        let bvh = if self.use_bvh { Some(Bvh::build(&mut spheres)) } else { None };
        Ok(Scene {
            width: self.width,
            height: self.height,
            camera,
            shadow_bias: self.shadow_bias,
            max_recursion_depth: self.max_recursion_depth,
            samples: self.samples,
            spheres,
            planes: self.planes,
            lights: self.lights,
            materials: self.materials,
            textures: self.textures,
            decode: DecodeTable::new(),
            encode: EncodeTable::new(),
            bvh,
        })
    }
}

/// An immutable, render-ready scene.
#[derive(Clone, Debug)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub camera: Camera,
    pub shadow_bias: f64,
    pub max_recursion_depth: u32,
    pub samples: u32,
    spheres: Vec<Sphere>,
    planes: Vec<Plane>,
    pub lights: Vec<Light>,
    materials: Vec<Material>,
    textures: Vec<Texture>,
    decode: DecodeTable,
    pub encode: EncodeTable,
    bvh: Option<Bvh>,
}

/// What shading needs to know about the nearest hit.
#[derive(Clone, Copy, Debug)]
pub struct Surfel {
    pub normal: Vector3,
    pub material: Material,
}

impl Scene {
    /// The nearest element hit, ties going to the element added first.
    #[inline(always)]
    pub fn trace(&self, ray: &Ray) -> Nearest {
        let mut best = Nearest::NONE;
        match &self.bvh {
            Some(bvh) => bvh.nearest(ray, &self.spheres, &mut best),
            None => {
                for (i, s) in self.spheres.iter().enumerate() {
                    if let Some(d) = s.intersect(ray) {
                        best.offer(d, s.order, i as u32, true);
                    }
                }
            }
        }
        for (i, p) in self.planes.iter().enumerate() {
            if let Some(d) = p.intersect(ray) {
                best.offer(d, p.order, i as u32, false);
            }
        }
        best
    }

    /// Whether something lies between the ray's origin and `light_distance` — the original's
    /// "nearest hit is not farther than the light", asked as an any-hit query with the BVH.
    #[inline]
    pub fn occluded(&self, ray: &Ray, light_distance: f64) -> bool {
        match &self.bvh {
            Some(bvh) => {
                bvh.any_hit(ray, &self.spheres, light_distance)
                    || self.planes.iter().any(|p| matches!(p.intersect(ray), Some(d) if d <= light_distance))
            }
            None => {
                let hit = self.trace(ray);
                hit.is_hit() && !(hit.distance > light_distance)
            }
        }
    }

    #[inline]
    pub fn surfel(&self, hit: &Nearest, point: Point) -> Surfel {
        if hit.is_sphere {
            let s = &self.spheres[hit.index as usize];
            Surfel { normal: s.normal(point), material: self.materials[s.material as usize] }
        } else {
            let p = &self.planes[hit.index as usize];
            Surfel { normal: p.normal(), material: self.materials[p.material as usize] }
        }
    }

    /// The surface colour at `point`; texture coordinates are only computed when needed.
    #[inline]
    pub fn surface_color(&self, hit: &Nearest, material: &Material, point: Point) -> Color {
        match material.coloration {
            Coloration::Color(c) => c,
            Coloration::Texture(id) => {
                let coords: TexCoords = if hit.is_sphere {
                    self.spheres[hit.index as usize].tex_coords(point)
                } else {
                    self.planes[hit.index as usize].tex_coords(point)
                };
                self.textures[id as usize].color(coords, &self.decode)
            }
        }
    }
}
