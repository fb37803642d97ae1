//! The JavaScript API (docs/design.md §1). Thin: argument conversion and error conversion only;
//! every check lives in the core so native callers get the same defence.

use crate::camera::Pose;
use crate::error::RenderError;
use crate::packed;
use crate::render::{self, Tile};
use crate::scene::Scene;
use crate::vector::Vector3;
use crate::view::View;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const CANCEL_TOKEN: &str = r#"
/** Asked at the start of every row and every 4096 primary samples while a tile renders;
 *  returning true (or throwing) stops it with Error("cancelled"). */
export interface CancelToken {
  cancelled(): boolean;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// Any JavaScript object with a `cancelled(): boolean` method.
    #[wasm_bindgen(typescript_type = "CancelToken")]
    pub type CancelToken;

    /// Caught: an exception unwinding through the render would leave this scene borrowed for
    /// good; a token that throws counts as cancelled instead.
    #[wasm_bindgen(method, catch)]
    fn cancelled(this: &CancelToken) -> Result<bool, JsValue>;
}

fn js(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}

/// A JavaScript number that must be an integer in the u32 range; wasm-bindgen's own u32
/// conversion would wrap 2^32 to 0.
/// A render error as the one-line JS error the glue throws.
fn render_error(error: RenderError) -> JsError {
    match error {
        RenderError::Cancelled => js("cancelled"),
        RenderError::Invalid(message) => js(message),
    }
}

fn integer(call: &str, name: &str, v: f64) -> Result<u32, JsError> {
    if v.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&v) {
        Ok(v as u32)
    } else {
        Err(js(format!("{call}: {name} must be an integer from 0 to {}, got {v}", u32::MAX)))
    }
}

/// Validates packed bytes once and returns their prepared form (flag bit 0): smooth normals
/// computed, every BVH built, mesh triangles in leaf order; workers read it without redoing any
/// of that.
#[wasm_bindgen]
pub fn prepare_scene(packed: &[u8]) -> Result<Vec<u8>, JsError> {
    packed::prepare(packed).map_err(js)
}

/// A scene read from packed bytes, rendered tile by tile with the current view.
#[wasm_bindgen]
pub struct RenderScene {
    scene: Scene,
    view: Option<View>,
    /// The path tracer's lights and environment, derived on the first path-traced tile.
    path: std::cell::OnceCell<crate::path::scene::PathData>,
}

impl RenderScene {
    /// The current view and the rectangle `(x, y, width, height)` a tile call `call` names,
    /// each an integer in the u32 range; an error before `set_view`.
    fn tile_of(&self, call: &str, x: f64, y: f64, width: f64, height: f64) -> Result<(&View, Tile), JsError> {
        let view = self.view.as_ref().ok_or_else(|| js(format!("{call}: call set_view first")))?;
        let tile = Tile {
            x: integer(call, "x", x)?,
            y: integer(call, "y", y)?,
            width: integer(call, "width", width)?,
            height: integer(call, "height", height)?,
        };
        Ok((view, tile))
    }
}

#[wasm_bindgen]
impl RenderScene {
    /// Reads (and validates) packed bytes; a prepared scene's BVHs are used as they are (their
    /// structure checked), otherwise built here.
    /// The bytes are copied into the core's memory once and kept: the scene reads its meshes
    /// and BVHs in place.
    pub fn from_packed(packed: Vec<u8>) -> Result<RenderScene, JsError> {
        Ok(RenderScene { scene: packed::from_packed_owned(packed).map_err(js)?, view: None, path: Default::default() })
    }

    /// Sets the view for the following tiles: `camera` holds 0 numbers (the original's
    /// camera) or 9 (position, look_at, up).
    pub fn set_view(
        &mut self,
        width: f64,
        height: f64,
        fov_degrees: f64,
        samples: f64,
        camera: &[f64],
    ) -> Result<(), JsError> {
        const CALL: &str = "set_view";
        let pose = match *camera {
            [] => Pose::DEFAULT,
            [px, py, pz, lx, ly, lz, ux, uy, uz] => Pose {
                position: Vector3::new(px, py, pz),
                look_at: Vector3::new(lx, ly, lz),
                up: Vector3::new(ux, uy, uz),
            },
            _ => return Err(js(format!("{CALL}: camera must hold 0 or 9 numbers, got {}", camera.len()))),
        };
        let path = matches!(self.scene.settings.integrator, crate::settings::Integrator::Path { .. });
        let view = if path { View::new_any_samples } else { View::new }(
            integer(CALL, "width", width)?,
            integer(CALL, "height", height)?,
            fov_degrees,
            integer(CALL, "samples", samples)?,
            pose,
        )
        .map_err(js)?;
        self.view = Some(view);
        Ok(())
    }

    /// The width of the current view; 0 before `set_view`.
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.view.map_or(0, |v| v.width())
    }

    /// The height of the current view; 0 before `set_view`.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.view.map_or(0, |v| v.height())
    }

    /// The rectangle of the current view as width*height*4 RGBA8 bytes, top row first. Throws
    /// Error("cancelled") when `cancel.cancelled()` returns true (or throws), and an Error when
    /// no view was set or the rectangle is empty or outside the view.
    pub fn render_tile(
        &self,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        cancel: &CancelToken,
    ) -> Result<Vec<u8>, JsError> {
        let (view, tile) = self.tile_of("render_tile", x, y, width, height)?;
        let mut cancel = || cancel.cancelled().unwrap_or(true);
        let rendered = if matches!(self.scene.settings.integrator, crate::settings::Integrator::Path { .. }) {
            let data = self.path.get_or_init(|| crate::path::scene::PathData::new(&self.scene));
            crate::path::scene::render_tile(&self.scene, data, view, tile, Default::default(), &mut cancel)
        } else {
            render::render_tile(&self.scene, view, tile, &mut cancel)
        };
        rendered.map_err(render_error)
    }

    /// The rectangle's linear radiance before exposure and tone mapping (the path tracer's
    /// sample mean; under Whitted the colour the original's gamma encodes) as
    /// width*height*3 f32, top row first. Errors as [`RenderScene::render_tile`].
    pub fn render_tile_linear(
        &self,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        cancel: &CancelToken,
    ) -> Result<Vec<f32>, JsError> {
        let (view, tile) = self.tile_of("render_tile_linear", x, y, width, height)?;
        let mut cancel = || cancel.cancelled().unwrap_or(true);
        let rendered = if matches!(self.scene.settings.integrator, crate::settings::Integrator::Path { .. }) {
            render::check_tile(view, tile).map_err(js)?;
            let data = self.path.get_or_init(|| crate::path::scene::PathData::new(&self.scene));
            let mut linear = vec![0f32; tile.width as usize * tile.height as usize * 3];
            let buffers = crate::path::render::PathBuffers { linear: Some(&mut linear), ..Default::default() };
            crate::path::scene::render_tile(&self.scene, data, view, tile, buffers, &mut cancel).map(|_| linear)
        } else {
            render::render_tile_linear(&self.scene, view, tile, &mut cancel)
        };
        rendered.map_err(render_error)
    }

    /// The rectangle's linear radiance, first-surface albedo and normal (the denoiser's
    /// features), 9 f32 a pixel in that order, top row first. Path-traced scenes only; errors
    /// as [`RenderScene::render_tile`].
    pub fn render_tile_features(
        &self,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        cancel: &CancelToken,
    ) -> Result<Vec<f32>, JsError> {
        let (view, tile) = self.tile_of("render_tile_features", x, y, width, height)?;
        render::check_tile(view, tile).map_err(js)?;
        let n = tile.width as usize * tile.height as usize;
        let (mut c, mut a, mut nrm) = (vec![0f32; n * 3], vec![0f32; n * 3], vec![0f32; n * 3]);
        let mut cancel = || cancel.cancelled().unwrap_or(true);
        let data = self.path.get_or_init(|| crate::path::scene::PathData::new(&self.scene));
        let buffers =
            crate::path::render::PathBuffers { linear: Some(&mut c), albedo: Some(&mut a), normal: Some(&mut nrm) };
        crate::path::scene::render_tile(&self.scene, data, view, tile, buffers, &mut cancel).map_err(render_error)?;
        let mut out = Vec::with_capacity(n * 9);
        for i in 0..n {
            for b in [&c, &a, &nrm] {
                out.extend_from_slice(&b[i * 3..i * 3 + 3]);
            }
        }
        Ok(out)
    }
}

/// Denoises a whole path-traced image handed over as 9 f32 a pixel (see
/// `RenderScene.render_tile_features`) and tone maps it: `tone_mapping` 0 clamp, 1 neutral,
/// 2 ACES (the packed scene's codes), `exposure` in stops. Returns width*height*4 RGBA8 bytes.
#[wasm_bindgen]
pub fn denoise_to_rgba8(
    width: f64,
    height: f64,
    features: &[f32],
    tone_mapping: u32,
    exposure: f32,
) -> Result<Vec<u8>, JsError> {
    const CALL: &str = "denoise_to_rgba8";
    let (w, h) = (integer(CALL, "width", width)? as usize, integer(CALL, "height", height)? as usize);
    let curve = match tone_mapping {
        0 => crate::path::tonemap::ToneMap::Clamp,
        1 => crate::path::tonemap::ToneMap::Neutral,
        2 => crate::path::tonemap::ToneMap::Aces,
        k => return Err(js(format!("{CALL}: tone_mapping must be 0, 1 or 2, got {k}"))),
    };
    crate::path::denoise::denoise_to_rgba8(w, h, features, exposure as f64, curve).ok_or_else(|| {
        js(format!("{CALL}: the features hold {} values, a {w}×{h} image needs {}", features.len(), w * h * 9))
    })
}
