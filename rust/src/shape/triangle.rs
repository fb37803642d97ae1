//! The watertight ray–triangle test of Woop, Benthin and Wald, "Watertight Ray/Triangle
//! Intersection" (JCGT 2013). The ray is sheared so it runs along +z from the origin; each
//! triangle edge then becomes a 2D edge function whose value for a shared edge is computed from
//! the same two vertices in the same way by both triangles (only the sign differs), so a ray
//! through an edge or vertex of a closed mesh always hits at least one of the triangles there.
//! Everything is f64 (the renderer's geometry type), so the paper's f32 → f64 fallback for
//! zero edge functions is not needed: zeros count as inside, which is what closes the cracks.

use crate::ray::Ray;
use crate::vector::Vector3;

/// A ray prepared once for many triangle tests: the axis permutation and the shear.
#[derive(Clone, Copy, Debug)]
pub struct WatertightRay {
    origin: [f64; 3],
    kx: usize,
    ky: usize,
    kz: usize,
    sx: f64,
    sy: f64,
    sz: f64,
}

/// A hit: the ray parameter (in units of the ray's direction, like the sphere's) and the
/// barycentric weights of the triangle's three corners (they sum to 1 up to rounding).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TriangleIntersection {
    /// Along the ray, in units of its direction.
    pub distance: f64,
    /// Barycentric weights of the corners p0, p1, p2.
    pub weights: [f64; 3],
}

impl WatertightRay {
    #[inline(always)]
    /// The ray's shear and axis order.
    pub fn new(ray: &Ray) -> WatertightRay {
        let d = [ray.direction.x, ray.direction.y, ray.direction.z];
        let a = [d[0].abs(), d[1].abs(), d[2].abs()];
        // The dominant axis becomes z; ties go to the lower axis so the choice is deterministic.
        let kz = if a[0] >= a[1] && a[0] >= a[2] {
            0
        } else if a[1] >= a[2] {
            1
        } else {
            2
        };
        let mut kx = (kz + 1) % 3;
        let mut ky = (kx + 1) % 3;
        // Keep the triangles' winding (and so the sign of the edge functions) consistent.
        if d[kz] < 0.0 {
            std::mem::swap(&mut kx, &mut ky);
        }
        WatertightRay {
            origin: [ray.origin.x, ray.origin.y, ray.origin.z],
            kx,
            ky,
            kz,
            sx: d[kx] / d[kz],
            sy: d[ky] / d[kz],
            sz: 1.0 / d[kz],
        }
    }

    /// The corner relative to the ray origin, sheared: (x, y) in the ray's plane, z unscaled.
    #[inline(always)]
    fn shear(&self, p: Vector3) -> (f64, f64, f64) {
        let r = [p.x - self.origin[0], p.y - self.origin[1], p.z - self.origin[2]];
        let z = r[self.kz];
        (r[self.kx] - self.sx * z, r[self.ky] - self.sy * z, z)
    }

    /// The hit with triangle (p0, p1, p2), from either side, strictly in front of the origin
    /// (a triangle through the ray origin is not hit, so a secondary ray never hits the surface
    /// it starts on at distance zero). NaN anywhere means no hit.
    #[inline(always)]
    pub fn intersect(&self, p0: Vector3, p1: Vector3, p2: Vector3) -> Option<TriangleIntersection> {
        let (ax, ay, az) = self.shear(p0);
        let (bx, by, bz) = self.shear(p1);
        let (cx, cy, cz) = self.shear(p2);
        // Edge functions: u is the edge opposite p0 (p1 → p2), and so on; each is p0's, p1's,
        // p2's unnormalised barycentric weight.
        let u = cx * by - cy * bx;
        let v = ax * cy - ay * cx;
        let w = bx * ay - by * ax;
        if (u < 0.0 || v < 0.0 || w < 0.0) && (u > 0.0 || v > 0.0 || w > 0.0) {
            return None;
        }
        let det = u + v + w;
        if det == 0.0 || det.is_nan() {
            return None;
        }
        let t_scaled = u * (self.sz * az) + v * (self.sz * bz) + w * (self.sz * cz);
        let inv_det = 1.0 / det;
        let distance = t_scaled * inv_det;
        if !(distance > 0.0 && distance < f64::INFINITY) {
            return None;
        }
        Some(TriangleIntersection { distance, weights: [u * inv_det, v * inv_det, w * inv_det] })
    }
}

/// The unnormalised geometric normal: its direction follows the winding (counter-clockwise
/// seen from the side it points to), its length is twice the area.
#[inline]
pub fn face_normal(p0: Vector3, p1: Vector3, p2: Vector3) -> Vector3 {
    (p1 - p0).cross(p2 - p0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ray(origin: Vector3, direction: Vector3) -> Ray {
        Ray { origin, direction: direction.normalize() }
    }

    const P0: Vector3 = Vector3::new(-1.0, -1.0, -5.0);
    const P1: Vector3 = Vector3::new(1.0, -1.0, -5.0);
    const P2: Vector3 = Vector3::new(0.0, 1.0, -5.0);

    #[test]
    fn hit_in_front_with_weights() {
        let r = WatertightRay::new(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, -1.0)));
        let hit = r.intersect(P0, P1, P2).expect("hit");
        assert_eq!(hit.distance, 5.0);
        let [a, b, c] = hit.weights;
        assert!((a + b + c - 1.0).abs() < 1e-15);
        // (0, 0) is halfway up: p2 weighs 1/2, p0 and p1 1/4 each.
        assert!((c - 0.5).abs() < 1e-15 && (a - 0.25).abs() < 1e-15 && (b - 0.25).abs() < 1e-15);
    }

    #[test]
    fn both_sides_hit() {
        let back = WatertightRay::new(&ray(Vector3::new(0.0, 0.0, -10.0), Vector3::new(0.0, 0.0, 1.0)));
        assert_eq!(back.intersect(P0, P1, P2).map(|h| h.distance), Some(5.0));
    }

    #[test]
    fn misses_beside_behind_and_parallel() {
        let beside = WatertightRay::new(&ray(Vector3::new(3.0, 0.0, 0.0), Vector3::new(0.0, 0.0, -1.0)));
        assert_eq!(beside.intersect(P0, P1, P2), None);
        let behind = WatertightRay::new(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, 1.0)));
        assert_eq!(behind.intersect(P0, P1, P2), None);
        let parallel = WatertightRay::new(&ray(Vector3::new(0.0, 0.0, -5.0), Vector3::new(1.0, 0.0, 0.0)));
        assert_eq!(parallel.intersect(P0, P1, P2), None);
    }

    #[test]
    fn degenerate_triangle_is_never_hit() {
        let r = WatertightRay::new(&ray(Vector3::ZERO, Vector3::new(0.0, 0.0, -1.0)));
        let a = Vector3::new(-1.0, 0.0, -5.0);
        let b = Vector3::new(1.0, 0.0, -5.0);
        assert_eq!(r.intersect(a, b, Vector3::new(0.0, 0.0, -5.0)), None);
    }

    #[test]
    fn origin_on_the_triangle_is_no_hit() {
        let r = WatertightRay::new(&ray(Vector3::new(0.0, 0.0, -5.0), Vector3::new(0.0, 0.0, -1.0)));
        assert_eq!(r.intersect(P0, P1, P2), None);
    }

    #[test]
    fn shared_edge_hits_one_of_the_two() {
        // A quad split along its diagonal; rays through points of the diagonal, from many
        // directions, hit at least one half.
        let q = [
            Vector3::new(-1.0, -1.0, -3.0),
            Vector3::new(1.0, -1.0, -3.3),
            Vector3::new(1.0, 1.0, -2.9),
            Vector3::new(-1.0, 1.0, -3.1),
        ];
        // The quad's corners are its boundary, where a ray may rightly miss.
        for i in 1..64 {
            let s = i as f64 / 64.0;
            let target = q[0] + (q[2] - q[0]) * s;
            for j in 0..16 {
                let a = j as f64 * 0.39;
                let origin = Vector3::new(0.3 * a.cos(), 0.2 * a.sin(), 0.1 * j as f64);
                let r = WatertightRay::new(&ray(origin, target - origin));
                let hit = r.intersect(q[0], q[1], q[2]).or_else(|| r.intersect(q[0], q[2], q[3]));
                assert!(hit.is_some(), "crack at s={s} from {origin:?}");
            }
        }
    }
}
