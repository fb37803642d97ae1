//! The GGX (Trowbridge–Reitz) microfacet distribution, isotropic, in a local frame whose z
//! axis is the macro-surface normal: the normal distribution D, Smith's masking Λ and G1, the
//! height-correlated masking-shadowing G2, and sampling of the normals visible from a
//! direction (Dupuy & Benyoub 2023, "Sampling Visible GGX Normals with Spherical Caps").
//! Also the two Fresnel terms: Schlick's for metals, the exact unpolarised one for
//! dielectrics.

use crate::path::spectrum::Spectrum;
use crate::vector::Vector3;
use std::f64::consts::PI;

/// Roughness α below which a surface is treated as perfectly smooth (a delta lobe).
pub const SMOOTH_ALPHA: f64 = 1e-3;

/// GGX with roughness α (glTF: α = roughness²).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ggx {
    /// α, at least [`SMOOTH_ALPHA`] for the rough lobes that use it.
    pub alpha: f64,
}

impl Ggx {
    /// The density of micro-normals `h` (per projected area: ∫ D(h) h.z dh = 1).
    pub fn d(&self, h: Vector3) -> f64 {
        if h.z <= 0.0 {
            return 0.0;
        }
        let a2 = self.alpha * self.alpha;
        let c2 = h.z * h.z;
        let t = c2 * (a2 - 1.0) + 1.0;
        a2 / (PI * t * t)
    }

    /// Smith's Λ for direction `w`.
    pub fn lambda(&self, w: Vector3) -> f64 {
        let c2 = w.z * w.z;
        if c2 <= 0.0 {
            return f64::INFINITY;
        }
        let tan2 = ((1.0 - c2).max(0.0)) / c2;
        ((1.0 + self.alpha * self.alpha * tan2).sqrt() - 1.0) / 2.0
    }

    /// The fraction of micro-normals visible from `w`.
    pub fn g1(&self, w: Vector3) -> f64 {
        1.0 / (1.0 + self.lambda(w))
    }

    /// Height-correlated masking and shadowing of the pair (`v`, `l`).
    pub fn g2(&self, v: Vector3, l: Vector3) -> f64 {
        1.0 / (1.0 + self.lambda(v) + self.lambda(l))
    }

    /// The density of normals visible from `v` (v.z > 0): G1(v)·max(0, v·h)·D(h) / v.z.
    pub fn visible_pdf(&self, v: Vector3, h: Vector3) -> f64 {
        if v.z <= 0.0 {
            return 0.0;
        }
        let vh = v.dot(h);
        if vh <= 0.0 {
            return 0.0;
        }
        self.g1(v) * vh * self.d(h) / v.z
    }

    /// A micro-normal distributed as [`visible_pdf`](Self::visible_pdf) for v.z > 0.
    pub fn sample_visible(&self, v: Vector3, u1: f64, u2: f64) -> Vector3 {
        let a = self.alpha;
        let wi = Vector3::new(v.x * a, v.y * a, v.z).normalize();
        let phi = 2.0 * PI * u1;
        let z = (1.0 - u2) * (1.0 + wi.z) - wi.z;
        let sin = (1.0 - z * z).max(0.0).sqrt();
        let c = Vector3::new(sin * phi.cos(), sin * phi.sin(), z);
        let h = c + wi;
        Vector3::new(h.x * a, h.y * a, h.z.max(0.0)).normalize()
    }
}

/// Schlick's approximation for a conductor of normal-incidence reflectance `f0`.
pub fn schlick(f0: Spectrum, cos: f64) -> Spectrum {
    let m = (1.0 - cos.clamp(0.0, 1.0)).powi(5);
    f0 + (Spectrum::ONE + f0 * -1.0) * m
}

/// The exact unpolarised Fresnel reflectance of a dielectric interface, for light arriving
/// at cosine `cos_i` ≥ 0 from the side whose index is 1 onto the side of relative index
/// `eta` (η_transmitted / η_incident). 1 under total internal reflection.
pub fn fresnel_dielectric(cos_i: f64, eta: f64) -> f64 {
    let cos_i = cos_i.clamp(0.0, 1.0);
    let sin2_t = (1.0 - cos_i * cos_i) / (eta * eta);
    if sin2_t >= 1.0 {
        return 1.0;
    }
    let cos_t = (1.0 - sin2_t).max(0.0).sqrt();
    let r_parallel = (eta * cos_i - cos_t) / (eta * cos_i + cos_t);
    let r_perpendicular = (cos_i - eta * cos_t) / (cos_i + eta * cos_t);
    (r_parallel * r_parallel + r_perpendicular * r_perpendicular) / 2.0
}

/// `v` mirrored about the unit normal `n`.
#[inline]
pub fn reflect(v: Vector3, n: Vector3) -> Vector3 {
    n * (2.0 * v.dot(n)) - v
}

/// `v` (pointing away from the surface on `n`'s side) refracted through the unit normal `n`
/// into a medium of relative index `eta`; `None` under total internal reflection.
#[inline]
pub fn refract(v: Vector3, n: Vector3, eta: f64) -> Option<Vector3> {
    let cos_i = v.dot(n);
    let sin2_t = (1.0 - cos_i * cos_i).max(0.0) / (eta * eta);
    if sin2_t >= 1.0 {
        return None;
    }
    let cos_t = (1.0 - sin2_t).sqrt();
    Some(-v * (1.0 / eta) + n * (cos_i / eta - cos_t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::rng::SampleKey;

    fn sph(theta: f64, phi: f64) -> Vector3 {
        Vector3::new(theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos())
    }

    /// ∫ over the hemisphere of g(ω) dω by the midpoint rule in (cos θ, φ).
    fn hemisphere(n: usize, g: impl Fn(Vector3) -> f64) -> f64 {
        let mut sum = 0.0;
        for i in 0..n {
            let c = (i as f64 + 0.5) / n as f64;
            let s = (1.0 - c * c).sqrt();
            for j in 0..n {
                let phi = 2.0 * PI * (j as f64 + 0.5) / n as f64;
                sum += g(Vector3::new(s * phi.cos(), s * phi.sin(), c));
            }
        }
        sum * 2.0 * PI / (n * n) as f64
    }

    #[test]
    fn d_is_normalised_and_visible_normals_integrate_to_one() {
        // ∫ D(h) cos θh dh = 1 and, for every v, ∫ D_v(h) dh = 1 (the projected-area identity
        // that defines G1).
        for alpha in [0.2, 0.5, 1.0] {
            let g = Ggx { alpha };
            let norm = hemisphere(1000, |h| g.d(h) * h.z);
            assert!((norm - 1.0).abs() < 2e-3, "α={alpha}: {norm}");
            for theta in [0.0, 0.7, 1.3] {
                let v = sph(theta, 0.4);
                let vis = hemisphere(1000, |h| g.visible_pdf(v, h));
                assert!((vis - 1.0).abs() < 3e-3, "α={alpha} θ={theta}: {vis}");
            }
        }
    }

    #[test]
    fn sampled_visible_normals_follow_the_visible_density() {
        // The mean of h.z under D_v, by sampling and by quadrature.
        let g = Ggx { alpha: 0.4 };
        let v = sph(0.9, 1.0);
        let exact = hemisphere(1200, |h| g.visible_pdf(v, h) * h.z);
        let n = 200_000;
        let mut mean = 0.0;
        for s in 0..n {
            let k = SampleKey::new(0, 0, s);
            let h = g.sample_visible(v, k.at(0, 0), k.at(0, 1));
            assert!((h.length() - 1.0).abs() < 1e-9 && h.z >= 0.0 && v.dot(h) >= -1e-12);
            mean += h.z;
        }
        mean /= n as f64;
        assert!((mean - exact).abs() < 2e-3, "{mean} vs {exact}");
    }

    #[test]
    fn fresnel_known_values() {
        // Normal incidence: ((η−1)/(η+1))², 0.04 for η = 1.5; grazing: 1; TIR beyond the
        // critical angle arcsin(1/1.5) from inside.
        assert!((fresnel_dielectric(1.0, 1.5) - 0.04).abs() < 1e-12);
        assert!((fresnel_dielectric(0.0, 1.5) - 1.0).abs() < 1e-12);
        let critical = (1.0f64 / 1.5).asin();
        assert_eq!(fresnel_dielectric((critical + 0.01).cos(), 1.0 / 1.5), 1.0);
        assert!(fresnel_dielectric((critical - 0.01).cos(), 1.0 / 1.5) < 1.0);
        // Brewster's angle: the parallel part vanishes, R = r_perp² / 2.
        let tb = 1.5f64.atan();
        let (ci, ct) = (tb.cos(), (tb.sin() / 1.5).asin().cos());
        let rs = (ci - 1.5 * ct) / (ci + 1.5 * ct);
        assert!((fresnel_dielectric(ci, 1.5) - rs * rs / 2.0).abs() < 1e-12);
        let s = schlick(Spectrum::new(0.5, 1.0, 0.0), 1.0);
        assert_eq!(s, Spectrum::new(0.5, 1.0, 0.0));
        assert_eq!(schlick(Spectrum::gray(0.2), 0.0), Spectrum::ONE);
    }

    #[test]
    fn refraction_obeys_snell() {
        let n = Vector3::new(0.0, 0.0, 1.0);
        let v = sph(0.6, 0.3);
        let t = refract(v, n, 1.5).unwrap();
        assert!((t.length() - 1.0).abs() < 1e-12);
        let sin_t = (1.0 - t.z * t.z).sqrt();
        assert!((0.6f64.sin() - 1.5 * sin_t).abs() < 1e-12 && t.z < 0.0);
        // Opposite azimuth, and back again.
        assert!(t.x * v.x < 0.0 && t.y * v.y < 0.0);
        let back = refract(t, -n, 1.0 / 1.5).unwrap();
        assert!((back - v).length() < 1e-12);
        assert!(refract(sph(1.2, 0.0), n, 1.0 / 1.5).is_none());
        let r = reflect(v, n);
        assert!((r.z - v.z).abs() < 1e-15 && (r.x + v.x).abs() < 1e-15);
    }
}
