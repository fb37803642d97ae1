//! Rays and the secondary rays spawned at a hit.

use crate::vector::{Point, Vector3};

/// A half-line.
#[derive(Clone, Copy, Debug)]
pub struct Ray {
    /// Where it starts.
    pub origin: Point,
    /// Unit length.
    pub direction: Vector3,
}

impl Ray {
    /// The mirror ray, lifted off the surface by `bias` so it does not hit its own origin.
    #[inline]
    pub fn reflection(normal: Vector3, incident: Vector3, hit: Point, bias: f64) -> Ray {
        Ray { origin: hit + normal * bias, direction: incident - normal * (2.0 * incident.dot(normal)) }
    }

    /// The refracted ray (Snell's law), or `None` on total internal reflection. Which side the
    /// ray arrives from decides the normal's orientation and whether the indices swap.
    #[inline]
    pub fn transmission(normal: Vector3, incident: Vector3, hit: Point, bias: f64, index: f32) -> Option<Ray> {
        let mut ref_n = normal;
        let mut eta_t = index as f64;
        let mut eta_i = 1.0f64;
        let mut i_dot_n = incident.dot(normal);
        if i_dot_n < 0.0 {
            i_dot_n = -i_dot_n;
        } else {
            ref_n = -normal;
            eta_t = 1.0;
            eta_i = index as f64;
        }
        let eta = eta_i / eta_t;
        let k = 1.0 - (eta * eta) * (1.0 - i_dot_n * i_dot_n);
        if k < 0.0 {
            return None;
        }
        Some(Ray { origin: hit + ref_n * -bias, direction: (incident + ref_n * i_dot_n) * eta - ref_n * k.sqrt() })
    }
}
