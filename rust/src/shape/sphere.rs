//! Spheres.

use super::TexCoords;
use crate::material::MaterialId;
use crate::ray::Ray;
use crate::vector::{Point, Vector3};
use std::f32::consts::PI;

/// A sphere; the builder has checked that it is finite with a positive radius.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sphere {
    /// The centre.
    pub center: Point,
    /// Positive.
    pub radius: f64,
    /// Its material in the scene.
    pub material: MaterialId,
    /// Position among all elements; breaks distance ties like the original's list order.
    pub order: u32,
}

impl Sphere {
    /// The distance along `ray` to the nearest intersection in front of its origin.
    /// Geometric solution (via the closest approach), in the original's operation order.
    #[inline(always)]
    #[allow(clippy::if_same_then_else)] // the original's branches, kept as it wrote them
    pub fn intersect(&self, ray: &Ray) -> Option<f64> {
        let l = self.center - ray.origin;
        let adj = l.dot(ray.direction);
        let d2 = l.dot(l) - adj * adj;
        let radius2 = self.radius * self.radius;
        if d2 > radius2 {
            return None;
        }
        let thc = (radius2 - d2).sqrt();
        let t0 = adj - thc;
        let t1 = adj + thc;
        if t0 < 0.0 && t1 < 0.0 {
            None
        } else if t0 < 0.0 {
            Some(t1)
        } else if t1 < 0.0 {
            Some(t0)
        } else if t0 < t1 {
            Some(t0)
        } else {
            Some(t1)
        }
    }

    /// The outward unit normal at `hit`, a point on the surface.
    #[inline]
    pub fn normal(&self, hit: Point) -> Vector3 {
        (hit - self.center).normalize()
    }

    /// Longitude and colatitude of `hit`, each in [0, 1].
    #[inline]
    pub fn tex_coords(&self, hit: Point) -> TexCoords {
        let h = hit - self.center;
        TexCoords { u: (1.0 + (h.z.atan2(h.x) as f32) / PI) * 0.5, v: (h.y / self.radius).acos() as f32 / PI }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_sphere_at(z: f64) -> Sphere {
        Sphere { center: Vector3::new(0.0, 0.0, z), radius: 1.0, material: MaterialId(0), order: 0 }
    }

    fn ray(origin: Vector3, dir: Vector3) -> Ray {
        Ray { origin, direction: dir.normalize() }
    }

    #[test]
    fn hit_in_front() {
        let s = unit_sphere_at(-5.0);
        let d = s.intersect(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, -1.0)));
        assert_eq!(d, Some(4.0));
    }

    #[test]
    fn miss_beside() {
        let s = unit_sphere_at(-5.0);
        assert_eq!(s.intersect(&ray(Vector3::ZERO, Vector3::new(0.0, 1.0, 0.0))), None);
        assert_eq!(s.intersect(&ray(Vector3::new(2.0, 0.0, 0.0), Vector3::new(0.0, 0.0, -1.0))), None);
    }

    #[test]
    fn behind_is_no_hit() {
        let s = unit_sphere_at(5.0);
        assert_eq!(s.intersect(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, -1.0))), None);
    }

    #[test]
    fn inside_hits_the_far_side() {
        let s = unit_sphere_at(0.0);
        let d = s.intersect(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, -1.0)));
        assert_eq!(d, Some(1.0));
    }

    #[test]
    fn grazing_touches_once() {
        let s = unit_sphere_at(-5.0);
        let d = s.intersect(&ray(Vector3::new(1.0, 0.0, 0.0), Vector3::new(0.0, 0.0, -1.0)));
        assert_eq!(d, Some(5.0));
    }

    #[test]
    fn tex_coords_cover_the_unit_square() {
        let s = unit_sphere_at(0.0);
        let top = s.tex_coords(Vector3::new(0.0, 1.0, 0.0));
        assert_eq!(top.v, 0.0);
        let side = s.tex_coords(Vector3::new(1.0, 0.0, 0.0));
        assert_eq!(side.u, 0.5);
        assert!((side.v - 0.5).abs() < 1e-6);
    }
}
