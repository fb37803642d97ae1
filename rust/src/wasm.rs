//! The JavaScript API (docs/design.md §1). Thin: argument packing and error conversion only;
//! every check lives in the core so native callers get the same defence.

use crate::render;
use crate::scene::{self, SceneError};
use wasm_bindgen::prelude::*;

fn js(e: SceneError) -> JsError {
    JsError::new(e.message())
}

/// Collects a scene's settings, textures, materials, elements and lights, then builds it.
#[wasm_bindgen]
pub struct SceneBuilder {
    inner: scene::SceneBuilder,
}

#[wasm_bindgen]
impl SceneBuilder {
    /// The original's camera: at the origin looking down −z; fov is vertical, in degrees.
    #[wasm_bindgen(constructor)]
    pub fn new(
        width: u32,
        height: u32,
        fov_degrees: f64,
        shadow_bias: f64,
        max_recursion_depth: u32,
    ) -> Result<SceneBuilder, JsError> {
        let inner = scene::SceneBuilder::new(width, height, fov_degrees, shadow_bias, max_recursion_depth).map_err(js)?;
        Ok(SceneBuilder { inner })
    }

    /// Extension: a free camera. Equal to the default, renders byte-identically.
    #[allow(clippy::too_many_arguments)]
    pub fn set_camera(
        &mut self,
        px: f64,
        py: f64,
        pz: f64,
        look_x: f64,
        look_y: f64,
        look_z: f64,
        up_x: f64,
        up_y: f64,
        up_z: f64,
    ) -> Result<(), JsError> {
        self.inner.set_camera([px, py, pz], [look_x, look_y, look_z], [up_x, up_y, up_z]).map_err(js)
    }

    /// Extension: samples per pixel, a perfect square; 1 (default) is the original's image.
    pub fn set_samples(&mut self, samples: u32) -> Result<(), JsError> {
        self.inner.set_samples(samples).map_err(js)
    }

    /// Default true; false uses brute force over all elements (for tests and benchmarks).
    pub fn set_use_bvh(&mut self, use_bvh: bool) {
        self.inner.set_use_bvh(use_bvh);
    }

    /// RGBA8, rgba.length must be width*height*4. Returns the texture id.
    pub fn add_texture(&mut self, width: u32, height: u32, rgba: &[u8]) -> Result<u32, JsError> {
        // A failed allocation would abort the instance; report it instead.
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(rgba.len())
            .map_err(|_| JsError::new(&format!("add_texture: cannot allocate {} bytes", rgba.len())))?;
        bytes.extend_from_slice(rgba);
        self.inner.add_texture(width, height, bytes).map_err(js)
    }

    /// coloration_kind 0 = colour (red, green, blue), 1 = texture (texture_id);
    /// surface_kind 0 = Diffuse, 1 = Reflective (param_a = reflectivity),
    /// 2 = Refractive (param_a = index, param_b = transparency). Returns the material id.
    #[allow(clippy::too_many_arguments)]
    pub fn add_material(
        &mut self,
        coloration_kind: u32,
        red: f64,
        green: f64,
        blue: f64,
        texture_id: u32,
        albedo: f64,
        surface_kind: u32,
        param_a: f64,
        param_b: f64,
    ) -> Result<u32, JsError> {
        self.inner
            .add_material(coloration_kind, [red, green, blue], texture_id, albedo, surface_kind, param_a, param_b)
            .map_err(js)
    }

    /// Elements keep the order of these calls (spheres and planes share one order): on equal
    /// distance the earlier element wins.
    pub fn add_sphere(&mut self, cx: f64, cy: f64, cz: f64, radius: f64, material_id: u32) -> Result<(), JsError> {
        self.inner.add_sphere([cx, cy, cz], radius, material_id).map_err(js)
    }

    /// The normal is normalised here; it points away from the visible side.
    #[allow(clippy::too_many_arguments)]
    pub fn add_plane(
        &mut self,
        ox: f64,
        oy: f64,
        oz: f64,
        nx: f64,
        ny: f64,
        nz: f64,
        material_id: u32,
    ) -> Result<(), JsError> {
        self.inner.add_plane([ox, oy, oz], [nx, ny, nz], material_id).map_err(js)
    }

    /// The direction the light travels; normalised here.
    #[allow(clippy::too_many_arguments)]
    pub fn add_directional_light(
        &mut self,
        dx: f64,
        dy: f64,
        dz: f64,
        red: f64,
        green: f64,
        blue: f64,
        intensity: f64,
    ) -> Result<(), JsError> {
        self.inner.add_directional_light([dx, dy, dz], [red, green, blue], intensity).map_err(js)
    }

    /// A point light whose intensity falls off as 1/(4πr²).
    #[allow(clippy::too_many_arguments)]
    pub fn add_spherical_light(
        &mut self,
        px: f64,
        py: f64,
        pz: f64,
        red: f64,
        green: f64,
        blue: f64,
        intensity: f64,
    ) -> Result<(), JsError> {
        self.inner.add_spherical_light([px, py, pz], [red, green, blue], intensity).map_err(js)
    }

    /// Builds the BVH; consumes the builder.
    pub fn build(self) -> Result<RenderScene, JsError> {
        Ok(RenderScene { inner: self.inner.build().map_err(js)? })
    }
}

/// A built scene, ready to render tiles of its image.
#[wasm_bindgen]
pub struct RenderScene {
    inner: scene::Scene,
}

#[wasm_bindgen]
impl RenderScene {
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.inner.width
    }

    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.inner.height
    }

    /// The rectangle (x, y, w, h) of the full image as w*h*4 RGBA8 bytes, top row first.
    /// Throws if the rectangle is empty or outside the image.
    pub fn render_tile(&self, x: u32, y: u32, width: u32, height: u32) -> Result<Vec<u8>, JsError> {
        render::render_tile(&self.inner, x, y, width, height).map_err(js)
    }
}
