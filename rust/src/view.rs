//! What changes from one render of a scene to the next: image size, field of view, samples per
//! pixel and camera pose. A [`Scene`](crate::Scene) is built once and rendered with any number
//! of views (animations, servers).

use crate::camera::{Camera, Pose, PoseError};
use crate::error::RenderError;

/// A checked view: the image size, the samples per pixel and the camera that goes with them.
#[derive(Clone, Copy, Debug)]
pub struct View {
    width: u32,
    height: u32,
    samples: u32,
    samples_per_axis: u32,
    camera: Camera,
}

fn invalid(message: String) -> RenderError {
    RenderError::Invalid(message)
}

impl View {
    /// `fov_degrees` is the vertical field of view, strictly between 0 and 180; `samples` per
    /// pixel is a perfect square (1 renders the original's image); `pose` is
    /// [`Pose::DEFAULT`] for the original's camera, which a free camera equal to it
    /// reproduces byte for byte.
    pub fn new(width: u32, height: u32, fov_degrees: f64, samples: u32, pose: Pose) -> Result<View, RenderError> {
        View::build(width, height, fov_degrees, samples, pose, true)
    }

    /// [`View::new`] for the path tracer, whose `samples` may be any count ≥ 1 (random
    /// positions in the pixel, not a grid; [`View::samples_per_axis`] is then 0 unless the
    /// count is a perfect square).
    pub fn new_any_samples(
        width: u32,
        height: u32,
        fov_degrees: f64,
        samples: u32,
        pose: Pose,
    ) -> Result<View, RenderError> {
        View::build(width, height, fov_degrees, samples, pose, false)
    }

    fn build(
        width: u32,
        height: u32,
        fov_degrees: f64,
        samples: u32,
        pose: Pose,
        square: bool,
    ) -> Result<View, RenderError> {
        if width == 0 {
            return Err(invalid(format!("view: width must be at least 1, got {width}")));
        }
        if height == 0 {
            return Err(invalid(format!("view: height must be at least 1, got {height}")));
        }
        if !(fov_degrees > 0.0 && fov_degrees < 180.0) {
            return Err(invalid(format!("view: fov must be between 0 and 180 degrees (exclusive), got {fov_degrees}")));
        }
        let k = (samples as f64).sqrt() as u32;
        if samples == 0 || (square && k * k != samples) {
            return Err(invalid(if square {
                format!("view: samples must be a perfect square ≥ 1 (1, 4, 9, …), got {samples}")
            } else {
                format!("view: samples must be at least 1, got {samples}")
            }));
        }
        let k = if k * k == samples { k } else { 0 };
        let Pose { position: p, look_at: l, up: u } = pose;
        for (name, v) in [("position", p), ("look_at", l), ("up", u)] {
            if !v.is_finite() {
                return Err(invalid(format!("view: camera {name} must be finite, got ({}, {}, {})", v.x, v.y, v.z)));
            }
        }
        let camera = Camera::new(width, height, fov_degrees, pose).map_err(|e| match e {
            PoseError::NotFinite => {
                invalid("view: the camera's view direction overflows (coordinates too large)".into())
            }
            PoseError::LookAtIsPosition => {
                invalid(format!("view: camera look_at must differ from position, both are ({}, {}, {})", p.x, p.y, p.z))
            }
            PoseError::UpParallelToView => invalid(format!(
                "view: camera up must not be zero or parallel to the view direction, got ({}, {}, {})",
                u.x, u.y, u.z
            )),
        })?;
        Ok(View { width, height, samples, samples_per_axis: k, camera })
    }

    /// The image width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The image height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Samples per pixel, a perfect square.
    pub fn samples(&self) -> u32 {
        self.samples
    }

    /// The square root of [`View::samples`]: the sub-pixel grid is this many samples a side.
    pub fn samples_per_axis(&self) -> u32 {
        self.samples_per_axis
    }

    /// The primary-ray generator.
    pub fn camera(&self) -> &Camera {
        &self.camera
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::Vector3;

    fn message(r: Result<View, RenderError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn every_rule_names_the_value() {
        let d = Pose::DEFAULT;
        assert_eq!(message(View::new(0, 1, 90.0, 1, d)), "view: width must be at least 1, got 0");
        assert_eq!(message(View::new(1, 0, 90.0, 1, d)), "view: height must be at least 1, got 0");
        assert_eq!(
            message(View::new(1, 1, 180.0, 1, d)),
            "view: fov must be between 0 and 180 degrees (exclusive), got 180"
        );
        assert!(message(View::new(1, 1, f64::NAN, 1, d)).contains("got NaN"));
        for bad in [0, 2, 3, 5, 8, 15, 17, u32::MAX] {
            assert!(
                message(View::new(1, 1, 90.0, bad, d)).starts_with("view: samples must be a perfect square"),
                "{bad}"
            );
        }
        for good in [1, 4, 9, 16, 65535 * 65535] {
            assert_eq!(View::new(1, 1, 90.0, good, d).unwrap().samples(), good);
        }
        let at = |p: Vector3| Pose { position: p, look_at: p, up: d.up };
        assert_eq!(
            message(View::new(1, 1, 90.0, 1, at(Vector3::new(1.0, 2.0, 3.0)))),
            "view: camera look_at must differ from position, both are (1, 2, 3)"
        );
        let up = Pose { up: Vector3::new(0.0, 0.0, -2.0), ..d };
        assert_eq!(
            message(View::new(1, 1, 90.0, 1, up)),
            "view: camera up must not be zero or parallel to the view direction, got (0, 0, -2)"
        );
        let nan = Pose { position: Vector3::new(f64::NAN, 0.0, 0.0), ..d };
        assert_eq!(message(View::new(1, 1, 90.0, 1, nan)), "view: camera position must be finite, got (NaN, 0, 0)");
        let far = Pose { position: Vector3::new(-1e308, 0.0, 0.0), look_at: Vector3::new(1e308, 0.0, 0.0), ..d };
        assert_eq!(
            message(View::new(1, 1, 90.0, 1, far)),
            "view: the camera's view direction overflows (coordinates too large)"
        );
    }
}
