//! Warping uniform numbers into directions and choices: local frames, the cosine hemisphere,
//! spheres and cones, triangles, piecewise-constant 1D and 2D distributions, and the power
//! heuristic that weighs two sampling strategies against each other.

use crate::vector::Vector3;
use std::f64::consts::PI;

/// An orthonormal basis whose z axis is a given unit normal.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// First tangent.
    pub s: Vector3,
    /// Second tangent.
    pub t: Vector3,
    /// The normal.
    pub n: Vector3,
}

impl Frame {
    /// A basis around the unit vector `n` (Duff et al. 2017, "Building an orthonormal basis,
    /// revisited": continuous everywhere except the sign flip, no normalisation needed).
    pub fn new(n: Vector3) -> Frame {
        let sign = if n.z >= 0.0 { 1.0 } else { -1.0 };
        let a = -1.0 / (sign + n.z);
        let b = n.x * n.y * a;
        let s = Vector3::new(1.0 + sign * n.x * n.x * a, sign * b, -sign * n.x);
        let t = Vector3::new(b, sign + n.y * n.y * a, -n.y);
        Frame { s, t, n }
    }

    /// World to local coordinates.
    #[inline]
    pub fn to_local(&self, v: Vector3) -> Vector3 {
        Vector3::new(v.dot(self.s), v.dot(self.t), v.dot(self.n))
    }

    /// Local to world coordinates.
    #[inline]
    pub fn to_world(&self, v: Vector3) -> Vector3 {
        self.s * v.x + self.t * v.y + self.n * v.z
    }
}

/// A cosine-weighted direction on the +z hemisphere (Malley: a uniform disk point lifted).
pub fn cosine_hemisphere(u1: f64, u2: f64) -> Vector3 {
    let r = u1.sqrt();
    let phi = 2.0 * PI * u2;
    Vector3::new(r * phi.cos(), r * phi.sin(), (1.0 - u1).max(0.0).sqrt())
}

/// The density of [`cosine_hemisphere`] per solid angle.
pub fn cosine_hemisphere_pdf(cos_theta: f64) -> f64 {
    if cos_theta > 0.0 {
        cos_theta / PI
    } else {
        0.0
    }
}

/// A uniformly distributed unit vector.
pub fn uniform_sphere(u1: f64, u2: f64) -> Vector3 {
    let z = 1.0 - 2.0 * u1;
    let r = (1.0 - z * z).max(0.0).sqrt();
    let phi = 2.0 * PI * u2;
    Vector3::new(r * phi.cos(), r * phi.sin(), z)
}

/// The density of [`uniform_sphere`] per solid angle.
pub const UNIFORM_SPHERE_PDF: f64 = 1.0 / (4.0 * PI);

/// A direction uniformly inside the cone of half-angle θmax around +z, given
/// `one_minus_cos_max` = 1 − cos θmax (passed as such so tiny cones keep their precision).
pub fn uniform_cone(u1: f64, u2: f64, one_minus_cos_max: f64) -> Vector3 {
    let one_minus_cos = u1 * one_minus_cos_max;
    let cos = 1.0 - one_minus_cos;
    let sin = (one_minus_cos * (2.0 - one_minus_cos)).max(0.0).sqrt();
    let phi = 2.0 * PI * u2;
    Vector3::new(sin * phi.cos(), sin * phi.sin(), cos)
}

/// Barycentric coordinates (b0, b1) of a point uniform over a triangle (b2 = 1 − b0 − b1).
pub fn uniform_triangle(u1: f64, u2: f64) -> (f64, f64) {
    let s = u1.sqrt();
    (1.0 - s, u2 * s)
}

/// The power heuristic with exponent 2 (Veach): the weight of a sample drawn with density
/// `f` when the other strategy would have drawn it with density `g`.
#[inline]
pub fn power_heuristic(f: f64, g: f64) -> f64 {
    let (f2, g2) = (f * f, g * g);
    if f2.is_infinite() {
        return 1.0;
    }
    if f2 + g2 > 0.0 {
        f2 / (f2 + g2)
    } else {
        0.0
    }
}

/// A piecewise-constant density over [0, 1) with one piece per weight, sampled by inverting
/// its cumulative distribution; also a discrete distribution over the pieces.
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution1D {
    weights: Vec<f64>,
    cdf: Vec<f64>,
    total: f64,
}

impl Distribution1D {
    /// From non-negative finite weights (others count as 0); all zero means uniform.
    pub fn new(weights: &[f64]) -> Distribution1D {
        let mut w: Vec<f64> = weights.iter().map(|&x| if x.is_finite() && x > 0.0 { x } else { 0.0 }).collect();
        let mut total: f64 = w.iter().sum();
        if !(total > 0.0) || !total.is_finite() {
            w.iter_mut().for_each(|x| *x = 1.0);
            total = w.len() as f64;
        }
        let mut cdf = Vec::with_capacity(w.len() + 1);
        let mut acc = 0.0;
        cdf.push(0.0);
        for x in &w {
            acc += x;
            cdf.push(acc / total);
        }
        if let Some(last) = cdf.last_mut() {
            *last = 1.0;
        }
        Distribution1D { weights: w, cdf, total }
    }

    /// How many pieces.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether there are no pieces.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The sum of the weights.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The probability of piece `i` as a discrete choice.
    pub fn probability(&self, i: usize) -> f64 {
        self.weights.get(i).map_or(0.0, |w| w / self.total)
    }

    /// The piece `u` falls in, and where in it (a fresh uniform number in [0, 1)).
    pub fn sample_discrete(&self, u: f64) -> (usize, f64) {
        // The last i with cdf[i] ≤ u, over pieces 0..len.
        let n = self.weights.len();
        let (mut lo, mut hi) = (0usize, n);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if self.cdf[mid] <= u {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        // Skip zero-probability pieces a rounding could land on.
        while lo + 1 < n && self.weights[lo] == 0.0 {
            lo += 1;
        }
        let width = self.cdf[lo + 1] - self.cdf[lo];
        let rest = if width > 0.0 { ((u - self.cdf[lo]) / width).clamp(0.0, 1.0 - f64::EPSILON / 2.0) } else { 0.5 };
        (lo, rest)
    }

    /// A point in [0, 1) and its density.
    pub fn sample_continuous(&self, u: f64) -> (f64, f64, usize) {
        let (i, rest) = self.sample_discrete(u);
        let n = self.weights.len() as f64;
        ((i as f64 + rest) / n, self.weights[i] / self.total * n, i)
    }

    /// The density at x in [0, 1).
    pub fn density(&self, x: f64) -> f64 {
        let n = self.weights.len();
        let i = ((x * n as f64) as usize).min(n.saturating_sub(1));
        self.weights.get(i).map_or(0.0, |w| w / self.total * n as f64)
    }
}

/// A piecewise-constant density over the unit square, `width` × `height` cells in rows:
/// a marginal over rows and one conditional per row.
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution2D {
    rows: Vec<Distribution1D>,
    marginal: Distribution1D,
}

impl Distribution2D {
    /// From `width` × `height` non-negative weights, row-major.
    pub fn new(weights: &[f64], width: usize, height: usize) -> Distribution2D {
        let rows: Vec<Distribution1D> =
            (0..height).map(|y| Distribution1D::new(&weights[y * width..(y + 1) * width])).collect();
        let row_totals: Vec<f64> = (0..height)
            .map(|y| weights[y * width..(y + 1) * width].iter().filter(|w| w.is_finite() && **w > 0.0).sum())
            .collect();
        Distribution2D { rows, marginal: Distribution1D::new(&row_totals) }
    }

    /// A point (x, y) in the unit square and its density.
    pub fn sample(&self, u1: f64, u2: f64) -> ((f64, f64), f64) {
        let (y, py, row) = self.marginal.sample_continuous(u2);
        let (x, px, _) = self.rows[row].sample_continuous(u1);
        ((x, y), px * py)
    }

    /// The density at (x, y).
    pub fn density(&self, x: f64, y: f64) -> f64 {
        let h = self.rows.len();
        let row = ((y * h as f64) as usize).min(h.saturating_sub(1));
        self.marginal.density(y) * self.rows.get(row).map_or(0.0, |r| r.density(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::rng::SampleKey;

    fn close(a: Vector3, b: Vector3) -> bool {
        (a - b).length() < 1e-12
    }

    #[test]
    fn frames_are_orthonormal_and_round_trip() {
        for n in [
            Vector3::new(0.0, 0.0, 1.0),
            Vector3::new(0.0, 0.0, -1.0),
            Vector3::new(1.0, 2.0, -3.0).normalize(),
            Vector3::new(-0.3, 0.1, 0.9).normalize(),
        ] {
            let f = Frame::new(n);
            assert!(f.s.dot(f.t).abs() < 1e-12 && f.s.dot(f.n).abs() < 1e-12 && f.t.dot(f.n).abs() < 1e-12);
            assert!((f.s.length() - 1.0).abs() < 1e-12 && (f.t.length() - 1.0).abs() < 1e-12);
            let v = Vector3::new(0.2, -0.5, 0.7);
            assert!(close(f.to_world(f.to_local(v)), v));
            assert!(close(f.to_local(n), Vector3::new(0.0, 0.0, 1.0)));
        }
    }

    #[test]
    fn warps_integrate_known_moments() {
        // E[cos θ] under the cosine hemisphere is 2/3; under a uniform sphere E[z²] = 1/3; a
        // cone of 1 − cos θmax = 0.1 has E[cos θ] = 1 − 0.05; a uniform triangle point has
        // E[b0] = E[b1] = 1/3.
        let n = 100_000;
        let (mut c, mut z2, mut cone, mut b0, mut b1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for s in 0..n {
            let k = SampleKey::new(1, 2, s);
            let (u1, u2) = (k.at(0, 0), k.at(0, 1));
            let d = cosine_hemisphere(u1, u2);
            assert!((d.length() - 1.0).abs() < 1e-12 && d.z >= 0.0);
            c += d.z;
            let s = uniform_sphere(u1, u2);
            z2 += s.z * s.z;
            let k2 = uniform_cone(u1, u2, 0.1);
            assert!(k2.z >= 0.9 - 1e-12 && (k2.length() - 1.0).abs() < 1e-12);
            cone += k2.z;
            let (a, b) = uniform_triangle(u1, u2);
            assert!(a >= 0.0 && b >= 0.0 && a + b <= 1.0);
            b0 += a;
            b1 += b;
        }
        let n = n as f64;
        assert!((c / n - 2.0 / 3.0).abs() < 3e-3);
        assert!((z2 / n - 1.0 / 3.0).abs() < 3e-3);
        assert!((cone / n - 0.95).abs() < 1e-3);
        assert!((b0 / n - 1.0 / 3.0).abs() < 3e-3 && (b1 / n - 1.0 / 3.0).abs() < 3e-3);
    }

    #[test]
    fn distributions_sample_their_density() {
        let d = Distribution1D::new(&[1.0, 0.0, 3.0]);
        assert_eq!(d.probability(0), 0.25);
        assert_eq!(d.probability(1), 0.0);
        assert_eq!(d.sample_discrete(0.1).0, 0);
        assert_eq!(d.sample_discrete(0.25).0, 2);
        assert_eq!(d.sample_discrete(0.999).0, 2);
        let (x, pdf, _) = d.sample_continuous(0.5);
        assert!((2.0 / 3.0..1.0).contains(&x) && (pdf - 2.25).abs() < 1e-12);
        assert_eq!(d.density(0.5), 0.0);
        let uniform = Distribution1D::new(&[0.0, 0.0]);
        assert_eq!(uniform.probability(1), 0.5);

        // A 2D density sampled 200,000 times: each cell's share matches its weight.
        let w = [1.0, 2.0, 0.0, 5.0, 1.0, 1.0];
        let d2 = Distribution2D::new(&w, 3, 2);
        let mut counts = [0u32; 6];
        let n = 200_000;
        for s in 0..n {
            let k = SampleKey::new(4, 0, s);
            let ((x, y), pdf) = d2.sample(k.at(0, 0), k.at(0, 1));
            assert!((pdf - d2.density(x, y)).abs() < 1e-9);
            counts[(y * 2.0) as usize * 3 + (x * 3.0) as usize] += 1;
        }
        for (c, wi) in counts.iter().zip(w) {
            let p = wi / 10.0;
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!((*c as f64 - n as f64 * p).abs() <= 5.0 * sd + 1.0, "{counts:?}");
        }
    }

    #[test]
    fn power_heuristic_weights_sum_to_one() {
        assert!((power_heuristic(2.0, 1.0) + power_heuristic(1.0, 2.0) - 1.0).abs() < 1e-15);
        assert_eq!(power_heuristic(0.0, 0.0), 0.0);
        assert_eq!(power_heuristic(f64::INFINITY, 1.0), 1.0);
    }
}
