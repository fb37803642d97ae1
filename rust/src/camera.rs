//! Primary rays. The default camera is the original's (origin, looking down −z); a free camera
//! is expressed as a basis chosen so the default one reproduces the original's directions
//! bit for bit.

use crate::ray::Ray;
use crate::vector::{Point, Vector3};

/// The primary-ray generator of one view: a basis, the image size and the field of view.
#[derive(Clone, Copy, Debug)]
pub struct Camera {
    position: Point,
    right: Vector3,
    up: Vector3,
    forward: Vector3,
    width: f64,
    height: f64,
    aspect_ratio: f64,
    fov_adjustment: f64,
}

/// Where the camera is and where it looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    /// The eye.
    pub position: Point,
    /// A point the view direction passes through.
    pub look_at: Point,
    /// Roughly up; it must not be parallel to the view direction.
    pub up: Vector3,
}

impl Pose {
    /// The original's camera: at the origin, looking down −z, y up.
    pub const DEFAULT: Pose =
        Pose { position: Vector3::ZERO, look_at: Vector3::new(0.0, 0.0, -1.0), up: Vector3::new(0.0, 1.0, 0.0) };
}

/// Why a pose has no usable basis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PoseError {
    /// A coordinate or the view direction is not finite.
    NotFinite,
    /// `look_at` equals `position`: there is no view direction.
    LookAtIsPosition,
    /// `up` is zero or parallel to the view direction.
    UpParallelToView,
}

impl Camera {
    /// `fov_degrees` is the vertical field of view; callers have validated every argument.
    pub fn new(width: u32, height: u32, fov_degrees: f64, pose: Pose) -> Result<Camera, PoseError> {
        if !(pose.position.is_finite() && pose.look_at.is_finite() && pose.up.is_finite()) {
            return Err(PoseError::NotFinite);
        }
        let view = pose.look_at - pose.position;
        if !view.is_finite() {
            return Err(PoseError::NotFinite);
        }
        let forward = view.unit().ok_or(PoseError::LookAtIsPosition)?;
        // Only an up vector whose length over- or underflows is rescaled: any other keeps its
        // exact bits, and with them the images rendered so far.
        let up_squared = pose.up.norm_squared();
        let up_in = if up_squared.is_finite() && up_squared >= f64::MIN_POSITIVE {
            pose.up
        } else {
            pose.up.unit().ok_or(PoseError::UpParallelToView)?
        };
        let side = forward.cross(up_in);
        let up_len = up_in.length();
        // Relative test: a nearly parallel up vector gives a basis dominated by rounding.
        if !(side.length() > 1e-9 * up_len) {
            return Err(PoseError::UpParallelToView);
        }
        let right = side.normalize();
        let up = right.cross(forward);
        Ok(Camera {
            position: pose.position,
            right,
            up,
            forward,
            width: width as f64,
            height: height as f64,
            aspect_ratio: width as f64 / height as f64,
            fov_adjustment: (fov_degrees.to_radians() / 2.0).tan(),
        })
    }

    /// The ray through the point (`x`, `y`) of the image plane in pixel units, where the
    /// original always samples the pixel centre (`x` = column + 0.5).
    #[inline]
    pub fn ray(&self, x: f64, y: f64) -> Ray {
        let sensor_x = ((x / self.width) * 2.0 - 1.0) * self.aspect_ratio * self.fov_adjustment;
        let sensor_y = (1.0 - (y / self.height) * 2.0) * self.fov_adjustment;
        let direction = self.right * sensor_x + self.up * sensor_y + self.forward;
        Ray { origin: self.position, direction: direction.normalize() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn original_direction(x: u32, y: u32, w: u32, h: u32, fov: f64) -> Vector3 {
        let t = (fov.to_radians() / 2.0).tan();
        let a = w as f64 / h as f64;
        let sx = ((((x as f64 + 0.5) / w as f64) * 2.0 - 1.0) * a) * t;
        let sy = (1.0 - ((y as f64 + 0.5) / h as f64) * 2.0) * t;
        Vector3::new(sx, sy, -1.0).normalize()
    }

    #[test]
    fn default_pose_reproduces_the_original_bit_for_bit() {
        for &(w, h, fov) in &[(800u32, 600u32, 90.0), (7, 5, 60.0), (33, 65, 45.5), (1, 1, 120.0)] {
            let cam = Camera::new(w, h, fov, Pose::DEFAULT).unwrap();
            for y in 0..h.min(70) {
                for x in 0..w.min(70) {
                    let r = cam.ray(x as f64 + 0.5, y as f64 + 0.5);
                    let o = original_direction(x, y, w, h, fov);
                    assert_eq!(r.origin, Vector3::ZERO);
                    assert_eq!(
                        (r.direction.x.to_bits(), r.direction.y.to_bits(), r.direction.z.to_bits()),
                        (o.x.to_bits(), o.y.to_bits(), o.z.to_bits()),
                        "pixel {x},{y} of {w}x{h}"
                    );
                }
            }
        }
    }

    #[test]
    fn degenerate_poses_are_rejected() {
        let p = |position, look_at, up| Pose { position, look_at, up };
        let z = Vector3::ZERO;
        let y = Vector3::new(0.0, 1.0, 0.0);
        assert_eq!(Camera::new(4, 4, 90.0, p(z, z, y)).unwrap_err(), PoseError::LookAtIsPosition);
        assert_eq!(Camera::new(4, 4, 90.0, p(z, y, y)).unwrap_err(), PoseError::UpParallelToView);
        assert_eq!(Camera::new(4, 4, 90.0, p(z, y * 3.0, z)).unwrap_err(), PoseError::UpParallelToView);
        let nan = Vector3::new(f64::NAN, 0.0, 0.0);
        assert_eq!(Camera::new(4, 4, 90.0, p(nan, y, y)).unwrap_err(), PoseError::NotFinite);
    }

    #[test]
    fn huge_and_tiny_poses_have_a_basis() {
        // JavaScript's validator measures with Math.hypot, which neither overflows nor
        // underflows; the core must accept what it accepts.
        let p = |position, look_at, up| Pose { position, look_at, up };
        let y = Vector3::new(0.0, 1.0, 0.0);
        for (from, to, up) in [
            (Vector3::ZERO, Vector3::new(0.0, 0.0, -1e200), y),
            (Vector3::new(0.0, 0.0, 1e-320), Vector3::ZERO, y),
            (Vector3::ZERO, Vector3::new(0.0, 0.0, -1.0), Vector3::new(0.0, 1e300, 1e300)),
            (Vector3::ZERO, Vector3::new(0.0, 0.0, -1.0), Vector3::new(0.0, 1e-320, 0.0)),
        ] {
            let cam = Camera::new(2, 2, 90.0, p(from, to, up)).unwrap();
            let r = cam.ray(1.0, 1.0);
            assert!((r.direction - Vector3::new(0.0, 0.0, -1.0)).length() < 1e-12, "{to:?} {up:?}");
        }
    }

    #[test]
    fn looking_along_plus_x() {
        let cam = Camera::new(
            2,
            2,
            90.0,
            Pose {
                position: Vector3::new(1.0, 2.0, 3.0),
                look_at: Vector3::new(5.0, 2.0, 3.0),
                up: Vector3::new(0.0, 1.0, 0.0),
            },
        )
        .unwrap();
        let r = cam.ray(1.0, 1.0);
        assert_eq!(r.origin, Vector3::new(1.0, 2.0, 3.0));
        assert!((r.direction - Vector3::new(1.0, 0.0, 0.0)).length() < 1e-12);
    }
}
