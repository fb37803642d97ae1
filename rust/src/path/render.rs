//! Path-traced pixels for a rectangle of the image: `samples` paths per pixel through
//! uniformly jittered points of the pixel (a box filter), averaged in f64 in sample order,
//! then exposed, tone-mapped and sRGB-encoded. Every random number is keyed by the pixel's
//! index in the full image and the sample number, so any tiling, region, worker count or
//! farm split gives the same bytes, and a render of n samples is the first n samples of any
//! longer one.

use crate::camera::Camera;
use crate::path::integrator::{trace_path, PathScene, PathSettings};
use crate::path::rng::{dim, SampleKey};
use crate::path::spectrum::Spectrum;
use crate::path::tonemap::{to_rgba8, ToneMap};
use crate::vector::Vector3;

/// Everything about a path-traced render that is not the scene or the rectangle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathOptions {
    /// Paths per pixel, at least 1 (any count).
    pub samples: u32,
    /// Selects a different, equally valid image (0 is the default).
    pub seed: u64,
    /// The integrator's settings.
    pub settings: PathSettings,
    /// Exposure in stops.
    pub exposure: f64,
    /// The tone curve.
    pub tone_map: ToneMap,
}

/// Optional per-pixel outputs beside the RGBA8 bytes.
#[derive(Default)]
pub struct PathBuffers<'a> {
    /// Linear radiance before exposure and tone mapping, 3 f32 a pixel.
    pub linear: Option<&'a mut [f32]>,
    /// The first surface's albedo, 3 f32 a pixel (sample mean).
    pub albedo: Option<&'a mut [f32]>,
    /// The first surface's normal, 3 f32 a pixel (sample mean).
    pub normal: Option<&'a mut [f32]>,
}

/// Why the rectangle was not finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled;

/// How many paths between two calls of the cancel callback.
const CANCEL_EVERY_PATHS: u32 = 1024;

/// One pixel's mean radiance, albedo and normal over `samples` paths.
pub fn pixel<S: PathScene + ?Sized>(
    scene: &S,
    camera: &Camera,
    image_width: u32,
    x: u32,
    y: u32,
    options: &PathOptions,
    check: &mut dyn FnMut() -> Result<(), Cancelled>,
) -> Result<(Spectrum, Spectrum, Vector3), Cancelled> {
    let index = y as u64 * image_width as u64 + x as u64;
    let (mut sum, mut albedo, mut normal) = (Spectrum::ZERO, Spectrum::ZERO, Vector3::ZERO);
    for s in 0..options.samples {
        check()?;
        let key = SampleKey::new(options.seed, index, s);
        let ray = camera.ray(x as f64 + key.at(0, dim::PIXEL_X), y as f64 + key.at(0, dim::PIXEL_Y));
        let p = trace_path(scene, ray, key, &options.settings);
        sum += p.radiance;
        albedo += p.albedo;
        normal = normal + p.normal;
    }
    let n = options.samples.max(1) as f64;
    Ok((sum / n, albedo / n, normal * (1.0 / n)))
}

/// Renders the rectangle (`x`, `y`, `width`, `height`) of an `image_width`-wide image into
/// `rgba` (width × height × 4 bytes, rows top first) and the optional `buffers`. `cancel` is
/// asked at every row and every 1024 paths; when it says so, the render stops and the outputs
/// are partly written.
#[allow(clippy::too_many_arguments)]
pub fn render_rect<S: PathScene + ?Sized>(
    scene: &S,
    camera: &Camera,
    image_width: u32,
    (x0, y0, width, height): (u32, u32, u32, u32),
    options: &PathOptions,
    rgba: &mut [u8],
    mut buffers: PathBuffers,
    cancel: &mut dyn FnMut() -> bool,
) -> Result<(), Cancelled> {
    let left = std::cell::Cell::new(CANCEL_EVERY_PATHS);
    let mut check = || -> Result<(), Cancelled> {
        left.set(left.get() - 1);
        if left.get() == 0 {
            left.set(CANCEL_EVERY_PATHS);
            if cancel() {
                return Err(Cancelled);
            }
        }
        Ok(())
    };
    for row in 0..height {
        // Each row also asks.
        left.set(1);
        check()?;
        for col in 0..width {
            let (radiance, albedo, normal) =
                pixel(scene, camera, image_width, x0 + col, y0 + row, options, &mut check)?;
            let i = (row * width + col) as usize;
            rgba[i * 4..i * 4 + 4].copy_from_slice(&to_rgba8(radiance, options.exposure, options.tone_map));
            let put = |buf: &mut Option<&mut [f32]>, v: [f64; 3]| {
                if let Some(b) = buf {
                    b[i * 3] = v[0] as f32;
                    b[i * 3 + 1] = v[1] as f32;
                    b[i * 3 + 2] = v[2] as f32;
                }
            };
            put(&mut buffers.linear, [radiance.r, radiance.g, radiance.b]);
            put(&mut buffers.albedo, [albedo.r, albedo.g, albedo.b]);
            put(&mut buffers.normal, [normal.x, normal.y, normal.z]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::Pose;
    use crate::path::analytic::{Analytic, Plane, Sphere};
    use crate::path::bsdf::Bsdf;
    use crate::path::environment::Environment;

    fn scene() -> Analytic {
        Analytic::new(
            vec![
                Sphere {
                    center: Vector3::new(0.0, 1.0, -4.0),
                    radius: 0.6,
                    bsdf: Bsdf::black(),
                    emission: Spectrum::gray(6.0),
                },
                Sphere {
                    center: Vector3::new(-0.8, -0.4, -4.5),
                    radius: 0.6,
                    bsdf: Bsdf::smooth_glass(Spectrum::ONE, 1.5),
                    emission: Spectrum::ZERO,
                },
            ],
            vec![Plane {
                point: Vector3::new(0.0, -1.0, 0.0),
                normal: Vector3::new(0.0, 1.0, 0.0),
                bsdf: Bsdf::lambert(Spectrum::new(0.7, 0.5, 0.3)),
            }],
            vec![],
            vec![],
            Environment::Uniform(Spectrum::gray(0.2)),
        )
    }

    fn render(s: &Analytic, cam: &Camera, w: u32, rect: (u32, u32, u32, u32), o: &PathOptions) -> (Vec<u8>, Vec<f32>) {
        let n = (rect.2 * rect.3) as usize;
        let mut rgba = vec![0u8; n * 4];
        let mut linear = vec![0f32; n * 3];
        render_rect(
            s,
            cam,
            w,
            rect,
            o,
            &mut rgba,
            PathBuffers { linear: Some(&mut linear), ..PathBuffers::default() },
            &mut || false,
        )
        .unwrap();
        (rgba, linear)
    }

    #[test]
    fn any_tiling_gives_the_same_bytes() {
        let s = scene();
        let (w, h) = (24u32, 16u32);
        let cam = Camera::new(w, h, 60.0, Pose::DEFAULT).unwrap();
        let o = PathOptions {
            samples: 3,
            seed: 0,
            settings: PathSettings::default(),
            exposure: 0.0,
            tone_map: ToneMap::Neutral,
        };
        let (whole, whole_linear) = render(&s, &cam, w, (0, 0, w, h), &o);
        // Tiles of 5×3 (ragged at the edges), each rendered on its own.
        for ty in (0..h).step_by(3) {
            for tx in (0..w).step_by(5) {
                let (tw, th) = (5.min(w - tx), 3.min(h - ty));
                let (part, part_linear) = render(&s, &cam, w, (tx, ty, tw, th), &o);
                for r in 0..th {
                    for c in 0..tw {
                        let (a, b) = (((ty + r) * w + tx + c) as usize, (r * tw + c) as usize);
                        assert_eq!(whole[a * 4..a * 4 + 4], part[b * 4..b * 4 + 4]);
                        assert_eq!(whole_linear[a * 3..a * 3 + 3], part_linear[b * 3..b * 3 + 3]);
                    }
                }
            }
        }
        // Something is lit and something differs between pixels (not a blank image).
        assert!(whole.chunks(4).any(|p| p[0] > 200) && whole.chunks(4).any(|p| p[0] < 100));
    }

    #[test]
    fn cancel_stops_within_a_row() {
        let s = scene();
        let cam = Camera::new(8, 8, 60.0, Pose::DEFAULT).unwrap();
        let o = PathOptions {
            samples: 2,
            seed: 0,
            settings: PathSettings::default(),
            exposure: 0.0,
            tone_map: ToneMap::Clamp,
        };
        let mut asked = 0;
        let mut rgba = vec![0u8; 8 * 8 * 4];
        let r = render_rect(&s, &cam, 8, (0, 0, 8, 8), &o, &mut rgba, PathBuffers::default(), &mut || {
            asked += 1;
            asked > 2
        });
        assert_eq!(r, Err(Cancelled));
        assert_eq!(asked, 3);
    }
}
