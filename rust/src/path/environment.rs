//! The radiance of everything rays escape to: black, one colour, or an equirectangular
//! high-dynamic-range image with an intensity and a rotation about the vertical axis,
//! importance-sampled through a 2D distribution over its texels weighted by luminance × sin θ.
//!
//! Mapping (y up): texel column u ∈ [0, 1) is the azimuth, u = ½ looking down −z (the default
//! camera's view), u = ¾ towards +x; row v ∈ [0, 1) runs from straight up (v = 0) to straight
//! down. `rotation` turns the image about +y, counter-clockwise seen from above.

use crate::path::sampling::{uniform_sphere, Distribution2D, UNIFORM_SPHERE_PDF};
use crate::path::spectrum::Spectrum;
use crate::vector::Vector3;
use std::f64::consts::PI;

/// An equirectangular radiance image.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvMap {
    width: usize,
    height: usize,
    texels: Vec<Spectrum>,
    intensity: f64,
    cos_rot: f64,
    sin_rot: f64,
    distribution: Distribution2D,
    average: Spectrum,
}

/// What escaping rays see.
#[derive(Clone, Debug, PartialEq)]
pub enum Environment {
    /// Nothing: no light from outside.
    Black,
    /// The same radiance from every direction.
    Uniform(Spectrum),
    /// An image.
    Map(Box<EnvMap>),
}

/// A direction drawn towards the environment.
#[derive(Clone, Copy, Debug)]
pub struct EnvSample {
    /// Unit direction, world space.
    pub direction: Vector3,
    /// The radiance arriving from it.
    pub radiance: Spectrum,
    /// Density per solid angle.
    pub pdf: f64,
}

impl EnvMap {
    /// From `width` × `height` linear RGB texels (row 0 at the top), scaled by `intensity`
    /// and turned by `rotation_degrees`. `None` when the sizes disagree or are zero.
    pub fn new(width: usize, height: usize, rgb: &[f32], intensity: f64, rotation_degrees: f64) -> Option<EnvMap> {
        if width == 0 || height == 0 || width.checked_mul(height)?.checked_mul(3)? != rgb.len() {
            return None;
        }
        let texels: Vec<Spectrum> =
            rgb.chunks_exact(3).map(|c| Spectrum::new(c[0] as f64, c[1] as f64, c[2] as f64).sanitized()).collect();
        let mut weights = Vec::with_capacity(texels.len());
        let mut sum = Spectrum::ZERO;
        let mut solid = 0.0;
        for y in 0..height {
            let sin = (PI * (y as f64 + 0.5) / height as f64).sin();
            for x in 0..width {
                let t = texels[y * width + x];
                weights.push(t.luminance() * sin);
                sum += t * sin;
                solid += sin;
            }
        }
        let rot = rotation_degrees.to_radians();
        let intensity = if intensity.is_finite() && intensity > 0.0 { intensity } else { 0.0 };
        Some(EnvMap {
            width,
            height,
            distribution: Distribution2D::new(&weights, width, height),
            average: sum * (intensity / solid),
            texels,
            intensity,
            cos_rot: if rotation_degrees == 0.0 { 1.0 } else { rot.cos() },
            sin_rot: if rotation_degrees == 0.0 { 0.0 } else { rot.sin() },
        })
    }

    /// World direction to image (u, v).
    fn uv(&self, d: Vector3) -> (f64, f64) {
        // Undo the rotation: turn d by −rotation about +y.
        let x = self.cos_rot * d.x - self.sin_rot * d.z;
        let z = self.sin_rot * d.x + self.cos_rot * d.z;
        let phi = x.atan2(-z);
        let u = phi / (2.0 * PI) + 0.5;
        let v = d.y.clamp(-1.0, 1.0).acos() / PI;
        (u.rem_euclid(1.0), v)
    }

    /// Image (u, v) to world direction.
    fn direction(&self, u: f64, v: f64) -> Vector3 {
        let phi = 2.0 * PI * (u - 0.5);
        let theta = PI * v;
        let (x, z) = (theta.sin() * phi.sin(), -theta.sin() * phi.cos());
        Vector3::new(self.cos_rot * x + self.sin_rot * z, theta.cos(), -self.sin_rot * x + self.cos_rot * z)
    }

    fn texel(&self, u: f64, v: f64) -> Spectrum {
        let x = ((u * self.width as f64) as usize).min(self.width - 1);
        let y = ((v * self.height as f64) as usize).min(self.height - 1);
        self.texels[y * self.width + x] * self.intensity
    }
}

impl Environment {
    /// The radiance arriving along −`direction` (seen looking along `direction`).
    pub fn radiance(&self, direction: Vector3) -> Spectrum {
        match self {
            Environment::Black => Spectrum::ZERO,
            Environment::Uniform(l) => *l,
            Environment::Map(m) => {
                let (u, v) = m.uv(direction);
                m.texel(u, v)
            }
        }
    }

    /// Whether it gives no light at all.
    pub fn is_black(&self) -> bool {
        match self {
            Environment::Black => true,
            Environment::Uniform(l) => l.is_black(),
            Environment::Map(m) => m.intensity == 0.0 || m.average.is_black(),
        }
    }

    /// The mean radiance over all directions (for choosing between lights).
    pub fn average(&self) -> Spectrum {
        match self {
            Environment::Black => Spectrum::ZERO,
            Environment::Uniform(l) => *l,
            Environment::Map(m) => m.average,
        }
    }

    /// A direction in proportion to the radiance (uniform for one colour).
    pub fn sample(&self, u1: f64, u2: f64) -> Option<EnvSample> {
        match self {
            Environment::Black => None,
            Environment::Uniform(l) => {
                Some(EnvSample { direction: uniform_sphere(u1, u2), radiance: *l, pdf: UNIFORM_SPHERE_PDF })
            }
            Environment::Map(m) => {
                let ((u, v), pdf_uv) = m.distribution.sample(u1, u2);
                let sin = (PI * v).sin();
                if !(pdf_uv > 0.0) || !(sin > 0.0) {
                    return None;
                }
                Some(EnvSample {
                    direction: m.direction(u, v),
                    radiance: m.texel(u, v),
                    pdf: pdf_uv / (2.0 * PI * PI * sin),
                })
            }
        }
    }

    /// The density with which [`sample`](Self::sample) draws `direction`.
    pub fn pdf(&self, direction: Vector3) -> f64 {
        match self {
            Environment::Black => 0.0,
            Environment::Uniform(_) => UNIFORM_SPHERE_PDF,
            Environment::Map(m) => {
                let (u, v) = m.uv(direction);
                let sin = (PI * v).sin();
                if !(sin > 0.0) {
                    return 0.0;
                }
                m.distribution.density(u, v) / (2.0 * PI * PI * sin)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::rng::SampleKey;

    fn test_map(rotation: f64) -> EnvMap {
        // 8×4: a dim sky with one bright texel.
        let (w, h) = (8, 4);
        let mut rgb = vec![0.0f32; w * h * 3];
        for (i, c) in rgb.chunks_exact_mut(3).enumerate() {
            let v = if i == w + 5 { 50.0 } else { 0.2 + 0.05 * (i % 3) as f32 };
            c.copy_from_slice(&[v, v * 0.5, v * 0.25]);
        }
        EnvMap::new(w, h, &rgb, 2.0, rotation).unwrap()
    }

    #[test]
    fn mapping_round_trips_and_names_the_documented_directions() {
        for rot in [0.0, 90.0, 33.0] {
            let m = test_map(rot);
            for (u, v) in [(0.1, 0.2), (0.5, 0.5), (0.77, 0.9)] {
                let d = m.direction(u, v);
                assert!((d.length() - 1.0).abs() < 1e-12);
                let (u2, v2) = m.uv(d);
                assert!((u - u2).abs() < 1e-12 && (v - v2).abs() < 1e-12, "{rot}: {u},{v} → {u2},{v2}");
            }
        }
        let m = test_map(0.0);
        assert!((m.direction(0.5, 0.5) - Vector3::new(0.0, 0.0, -1.0)).length() < 1e-12);
        assert!((m.direction(0.75, 0.5) - Vector3::new(1.0, 0.0, 0.0)).length() < 1e-12);
        assert!((m.direction(0.3, 0.0) - Vector3::new(0.0, 1.0, 0.0)).length() < 1e-12);
        // Rotating by 90° brings what was ahead (−z) round to the left (−x)... seen from above,
        // counter-clockwise: −z → −x.
        let r = test_map(90.0);
        assert!((r.direction(0.5, 0.5) - Vector3::new(-1.0, 0.0, 0.0)).length() < 1e-12);
    }

    #[test]
    fn importance_sampling_estimates_the_mean_radiance_and_matches_its_pdf() {
        // ∫ L dω / 4π by the importance sampler equals the closed-form mean of the texels
        // weighted by each row's solid angle; the pdf integrates to 1 over the sphere.
        let env = Environment::Map(Box::new(test_map(20.0)));
        let n = 100_000;
        let mut est = Spectrum::ZERO;
        for s in 0..n {
            let k = SampleKey::new(0, 3, s);
            let x = env.sample(k.at(0, 0), k.at(0, 1)).unwrap();
            // Equal up to the round trip through acos, ill-conditioned at the poles.
            assert!((x.pdf - env.pdf(x.direction)).abs() < 1e-4 * x.pdf, "{s}: {x:?}");
            assert_eq!(x.radiance, env.radiance(x.direction));
            est += x.radiance / (x.pdf * 4.0 * PI);
        }
        est = est / n as f64;
        // Exact: each row spans [θ0, θ1] with solid angle 2π(cos θ0 − cos θ1) split over 8.
        let m = test_map(20.0);
        let mut exact = Spectrum::ZERO;
        for y in 0..4 {
            let (t0, t1) = (PI * y as f64 / 4.0, PI * (y + 1) as f64 / 4.0);
            let omega = 2.0 * PI * (t0.cos() - t1.cos()) / 8.0;
            for x in 0..8 {
                exact += m.texels[y * 8 + x] * (2.0 * omega / (4.0 * PI));
            }
        }
        // The estimator is exact per texel up to the sin θ weight varying inside a row, so
        // the error is small but not zero.
        assert!((est.r - exact.r).abs() < 0.01 * exact.r, "{} vs {}", est.r, exact.r);
        let mut mass = 0.0;
        let n = 600;
        for i in 0..n {
            let c = -1.0 + 2.0 * (i as f64 + 0.5) / n as f64;
            let s = (1.0 - c * c).sqrt();
            for j in 0..n {
                let phi = 2.0 * PI * (j as f64 + 0.5) / n as f64;
                mass += env.pdf(Vector3::new(s * phi.cos(), c, s * phi.sin()));
            }
        }
        mass *= 4.0 * PI / (n * n) as f64;
        assert!((mass - 1.0).abs() < 5e-3, "{mass}");
    }

    #[test]
    fn uniform_and_black() {
        let u = Environment::Uniform(Spectrum::gray(2.0));
        assert_eq!(u.radiance(Vector3::new(0.0, 1.0, 0.0)), Spectrum::gray(2.0));
        assert_eq!(u.pdf(Vector3::new(1.0, 0.0, 0.0)), UNIFORM_SPHERE_PDF);
        assert!(Environment::Black.is_black() && Environment::Black.sample(0.1, 0.2).is_none());
        assert!(EnvMap::new(2, 2, &[0.0; 11], 1.0, 0.0).is_none());
    }
}
