//! Infinite one-sided planes.

use super::TexCoords;
use crate::material::MaterialId;
use crate::ray::Ray;
use crate::vector::{Point, Vector3};

/// A plane through `origin`, visible from the side its normal points away from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plane {
    /// Any point on the plane.
    pub origin: Point,
    /// Unit length; points away from the visible side (the original's convention).
    pub normal: Vector3,
    /// Its material in the scene.
    pub material: MaterialId,
    /// Position among all elements; breaks distance ties like the original's list order.
    pub order: u32,
}

impl Plane {
    /// One-sided: only rays travelling along the normal (denominator > 1e-6) hit.
    #[inline(always)]
    pub fn intersect(&self, ray: &Ray) -> Option<f64> {
        let denom = self.normal.dot(ray.direction);
        if denom > 1e-6 {
            let v = self.origin - ray.origin;
            let distance = v.dot(self.normal) / denom;
            if distance >= 0.0 {
                return Some(distance);
            }
        }
        None
    }

    /// The shading normal, facing the visible side.
    #[inline]
    pub fn normal(&self) -> Vector3 {
        -self.normal
    }

    /// Texture coordinates of `hit` along the plane's in-plane axes.
    /// Unnormalised in-plane axes, as the original: texture scale follows the axes' lengths.
    #[inline]
    pub fn tex_coords(&self, hit: Point) -> TexCoords {
        let mut x_axis = self.normal.cross(Vector3::new(0.0, 0.0, 1.0));
        if x_axis.length() == 0.0 {
            x_axis = self.normal.cross(Vector3::new(0.0, 1.0, 0.0));
        }
        let y_axis = self.normal.cross(x_axis);
        let h = hit - self.origin;
        TexCoords { u: h.dot(x_axis) as f32, v: h.dot(y_axis) as f32 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floor() -> Plane {
        Plane {
            origin: Vector3::new(0.0, -2.0, 0.0),
            normal: Vector3::new(0.0, -1.0, 0.0),
            material: MaterialId(0),
            order: 0,
        }
    }

    fn ray(origin: Vector3, dir: Vector3) -> Ray {
        Ray { origin, direction: dir.normalize() }
    }

    #[test]
    fn hit_from_the_visible_side() {
        let d = floor().intersect(&ray(Vector3::ZERO, Vector3::new(0.0, -1.0, 0.0)));
        assert_eq!(d, Some(2.0));
    }

    #[test]
    fn one_sided() {
        let p = floor();
        assert_eq!(p.intersect(&ray(Vector3::new(0.0, -5.0, 0.0), Vector3::new(0.0, 1.0, 0.0))), None);
    }

    #[test]
    fn parallel_and_behind_miss() {
        let p = floor();
        assert_eq!(p.intersect(&ray(Vector3::ZERO, Vector3::new(1.0, 0.0, 0.0))), None);
        // Travelling along the normal but the plane is behind the origin.
        assert_eq!(p.intersect(&ray(Vector3::new(0.0, -3.0, 0.0), Vector3::new(0.0, -1.0, 0.0))), None);
    }

    #[test]
    fn shading_normal_faces_the_viewer() {
        assert_eq!(floor().normal(), Vector3::new(0.0, 1.0, 0.0));
    }

    #[test]
    fn tex_axes_fall_back_when_normal_is_z() {
        let p =
            Plane { origin: Vector3::ZERO, normal: Vector3::new(0.0, 0.0, -1.0), material: MaterialId(0), order: 0 };
        let t = p.tex_coords(Vector3::new(2.0, 3.0, 0.0));
        // X = n × y = (1, 0, 0); Y = n × X = (0, -1, 0)
        assert_eq!(t, TexCoords { u: 2.0, v: -3.0 });
    }
}
