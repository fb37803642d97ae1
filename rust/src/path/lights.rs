//! Everything next-event estimation can aim at: point and directional lights (deltas),
//! emissive spheres and triangles (area lights, two-sided), and the environment; one light
//! is picked per estimate in proportion to its power (the environment and directional lights
//! share half the choices whenever finite lights exist too, since their power depends on a
//! scene size).

use crate::path::environment::Environment;
use crate::path::sampling::{uniform_cone, uniform_triangle, Distribution1D, Frame};
use crate::path::spectrum::Spectrum;
use crate::vector::{Point, Vector3};
use std::f64::consts::PI;

/// One light.
#[derive(Clone, Debug, PartialEq)]
pub enum Light {
    /// Radiant intensity `intensity` (W/sr per channel) from a point: irradiance I·cos/r².
    Point {
        /// Where it is.
        position: Point,
        /// Radiant intensity.
        intensity: Spectrum,
    },
    /// Parallel light travelling along `direction` with irradiance `irradiance` at normal
    /// incidence.
    Directional {
        /// Unit; the way the light travels.
        direction: Vector3,
        /// Irradiance at normal incidence.
        irradiance: Spectrum,
    },
    /// A sphere emitting `radiance` from every point of its surface.
    Sphere {
        /// Its centre.
        center: Point,
        /// Its radius, positive.
        radius: f64,
        /// Emitted radiance.
        radiance: Spectrum,
    },
    /// A triangle emitting `radiance` from both faces.
    Triangle {
        /// Its corners.
        p: [Point; 3],
        /// Emitted radiance.
        radiance: Spectrum,
    },
}

/// A light sample as seen from a shading point.
#[derive(Clone, Copy, Debug)]
pub struct LightSample {
    /// Unit direction from the shading point towards the light.
    pub direction: Vector3,
    /// Distance to the sampled point (infinite for directional lights and the environment).
    pub distance: f64,
    /// Radiance (or, for a delta light, irradiance-per-steradian equivalent) arriving.
    pub radiance: Spectrum,
    /// Density per solid angle times the probability of having picked this light; for delta
    /// lights just the pick probability.
    pub pdf: f64,
    /// Whether the light is a delta (no BSDF sample can hit it).
    pub delta: bool,
}

/// All lights of a scene and how to pick among them.
#[derive(Clone, Debug, PartialEq)]
pub struct LightSet {
    lights: Vec<Light>,
    environment: Environment,
    /// Over `lights` and then, at index `lights.len()`, the environment.
    pick: Distribution1D,
}

fn triangle_area(p: &[Point; 3]) -> f64 {
    (p[1] - p[0]).cross(p[2] - p[0]).length() / 2.0
}

impl LightSet {
    /// From the scene's lights and environment.
    pub fn new(lights: Vec<Light>, environment: Environment) -> LightSet {
        let mut finite = Vec::with_capacity(lights.len() + 1);
        let mut infinite = Vec::with_capacity(lights.len() + 1);
        for l in &lights {
            let (power, is_infinite) = match l {
                Light::Point { intensity, .. } => (intensity.luminance() * 4.0 * PI, false),
                Light::Directional { irradiance, .. } => (irradiance.luminance(), true),
                Light::Sphere { radius, radiance, .. } => {
                    (radiance.luminance() * PI * 4.0 * PI * radius * radius, false)
                }
                Light::Triangle { p, radiance } => (radiance.luminance() * 2.0 * PI * triangle_area(p), false),
            };
            let power = if power.is_finite() && power > 0.0 { power } else { 0.0 };
            finite.push(if is_infinite { 0.0 } else { power });
            infinite.push(if is_infinite { power } else { 0.0 });
        }
        // The environment's "power": its mean luminance (it is compared only with
        // directional lights' irradiance, in the same units up to the same scene-size factor).
        finite.push(0.0);
        infinite.push(if environment.is_black() { 0.0 } else { environment.average().luminance().max(1e-12) * PI });
        let (sf, si): (f64, f64) = (finite.iter().sum(), infinite.iter().sum());
        let weights: Vec<f64> = if sf > 0.0 && si > 0.0 {
            finite.iter().zip(&infinite).map(|(f, i)| 0.5 * f / sf + 0.5 * i / si).collect()
        } else if sf > 0.0 {
            finite
        } else if si > 0.0 {
            infinite
        } else {
            vec![0.0; lights.len() + 1]
        };
        let pick = if weights.iter().any(|w| *w > 0.0) {
            Distribution1D::new(&weights)
        } else {
            // No light at all: nothing is ever picked.
            Distribution1D::new(&[])
        };
        LightSet { lights, environment, pick }
    }

    /// The lights.
    pub fn lights(&self) -> &[Light] {
        &self.lights
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// Whether there is anything to sample.
    pub fn is_empty(&self) -> bool {
        self.pick.is_empty()
    }

    /// A light sample from `point` with three uniform numbers.
    pub fn sample(&self, point: Point, u_pick: f64, u1: f64, u2: f64) -> Option<LightSample> {
        if self.pick.is_empty() {
            return None;
        }
        let (i, _) = self.pick.sample_discrete(u_pick);
        let p_pick = self.pick.probability(i);
        if !(p_pick > 0.0) {
            return None;
        }
        let Some(light) = self.lights.get(i) else {
            let s = self.environment.sample(u1, u2)?;
            return Some(LightSample {
                direction: s.direction,
                distance: f64::INFINITY,
                radiance: s.radiance,
                pdf: s.pdf * p_pick,
                delta: false,
            });
        };
        let (direction, distance, radiance, pdf, delta) = match light {
            Light::Point { position, intensity } => {
                let d = *position - point;
                let r2 = d.norm_squared();
                let direction = d.unit()?;
                (direction, r2.sqrt(), *intensity * (1.0 / r2), 1.0, true)
            }
            Light::Directional { direction, irradiance } => (-*direction, f64::INFINITY, *irradiance, 1.0, true),
            Light::Sphere { center, radius, radiance } => {
                let to_center = *center - point;
                let d2 = to_center.norm_squared();
                let r2 = radius * radius;
                if d2 <= r2 * (1.0 + 1e-9) {
                    return None; // inside or on the emitter: leave it to BSDF sampling
                }
                let sin2_max = r2 / d2;
                // 1 − cos θmax without cancellation for small cones.
                let one_minus_cos = sin2_max / (1.0 + (1.0 - sin2_max).sqrt());
                let frame = Frame::new(to_center.normalize());
                let local = uniform_cone(u1, u2, one_minus_cos);
                let direction = frame.to_world(local).normalize();
                let distance = sphere_hit(point, direction, *center, *radius).unwrap_or(d2.sqrt());
                (direction, distance, *radiance, 1.0 / (2.0 * PI * one_minus_cos), false)
            }
            Light::Triangle { p, radiance } => {
                let (b0, b1) = uniform_triangle(u1, u2);
                let q = p[0] * b0 + p[1] * b1 + p[2] * (1.0 - b0 - b1);
                let n2 = (p[1] - p[0]).cross(p[2] - p[0]);
                let area = n2.length() / 2.0;
                let d = q - point;
                let dist2 = d.norm_squared();
                let direction = d.unit()?;
                let cos = (n2.normalize().dot(direction)).abs();
                if !(cos > 0.0) || !(area > 0.0) {
                    return None;
                }
                (direction, dist2.sqrt(), *radiance, dist2 / (cos * area), false)
            }
        };
        if !(pdf > 0.0) || !pdf.is_finite() {
            return None;
        }
        Some(LightSample { direction, distance, radiance, pdf: pdf * p_pick, delta })
    }

    /// The density (pick probability included) with which [`sample`](Self::sample) from
    /// `from` would have chosen the point `hit` of light `index`, reached along `direction`.
    pub fn pdf_hit(&self, index: u32, from: Point, hit: Point, direction: Vector3) -> f64 {
        let i = index as usize;
        let p_pick = self.pick.probability(i);
        let Some(light) = self.lights.get(i) else { return 0.0 };
        if !(p_pick > 0.0) {
            return 0.0;
        }
        p_pick
            * match light {
                Light::Point { .. } | Light::Directional { .. } => 0.0,
                Light::Sphere { center, radius, .. } => {
                    let d2 = (*center - from).norm_squared();
                    let r2 = radius * radius;
                    if d2 <= r2 * (1.0 + 1e-9) {
                        return 0.0;
                    }
                    let sin2_max = r2 / d2;
                    1.0 / (2.0 * PI * (sin2_max / (1.0 + (1.0 - sin2_max).sqrt())))
                }
                Light::Triangle { p, .. } => {
                    let n2 = (p[1] - p[0]).cross(p[2] - p[0]);
                    let area = n2.length() / 2.0;
                    let dist2 = (hit - from).norm_squared();
                    let cos = n2.normalize().dot(direction).abs();
                    if !(cos > 0.0) || !(area > 0.0) {
                        return 0.0;
                    }
                    dist2 / (cos * area)
                }
            }
    }

    /// The density (pick probability included) of the environment sampling `direction`.
    pub fn pdf_environment(&self, direction: Vector3) -> f64 {
        let p_pick = self.pick.probability(self.lights.len());
        if p_pick > 0.0 {
            p_pick * self.environment.pdf(direction)
        } else {
            0.0
        }
    }
}

/// The nearer positive intersection of a ray with a sphere.
fn sphere_hit(origin: Point, direction: Vector3, center: Point, radius: f64) -> Option<f64> {
    let oc = origin - center;
    let b = oc.dot(direction);
    let c = oc.norm_squared() - radius * radius;
    let disc = b * b - c;
    if disc < 0.0 {
        return None;
    }
    let s = disc.sqrt();
    // Stable form of the nearer root −b − s.
    let t = if b > 0.0 { c / (-b - s) } else { -b - s };
    if t > 0.0 {
        Some(t)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::rng::SampleKey;

    /// Irradiance at the origin (normal +y) estimated by light sampling alone.
    fn irradiance(set: &LightSet, n: u32) -> f64 {
        let normal = Vector3::new(0.0, 1.0, 0.0);
        let mut e = 0.0;
        for s in 0..n {
            let k = SampleKey::new(0, 0, s);
            if let Some(x) = set.sample(Vector3::ZERO, k.at(0, 2), k.at(0, 3), k.at(0, 4)) {
                e += x.radiance.g * x.direction.dot(normal).max(0.0) / x.pdf;
            }
        }
        e / n as f64
    }

    #[test]
    fn a_sphere_lights_like_a_point_of_its_power() {
        // A uniform spherical emitter of radiance L, radius R, centre at distance D at angle θ
        // from the normal (wholly above the horizon) gives irradiance π·L·(R/D)²·cos θ exactly.
        let (r, d, theta) = (0.5f64, 3.0f64, 0.6f64);
        let center = Vector3::new(d * theta.sin(), d * theta.cos(), 0.0);
        let set =
            LightSet::new(vec![Light::Sphere { center, radius: r, radiance: Spectrum::gray(4.0) }], Environment::Black);
        let exact = PI * 4.0 * (r / d).powi(2) * theta.cos();
        let e = irradiance(&set, 200_000);
        assert!((e - exact).abs() < 0.003 * exact, "{e} vs {exact}");
    }

    #[test]
    fn a_triangle_lights_by_its_form_factor() {
        // A small triangle straight above: E ≈ L·A·cos θ·cos θ'/D², refined by quadrature of the
        // exact integrand over the triangle.
        let h = 2.0;
        let p = [Vector3::new(-0.5, h, -0.5), Vector3::new(0.5, h, -0.5), Vector3::new(0.0, h, 0.6)];
        let set = LightSet::new(vec![Light::Triangle { p, radiance: Spectrum::gray(3.0) }], Environment::Black);
        let e = irradiance(&set, 200_000);
        // Midpoint rule over the n² sub-triangles (n(n+1)/2 pointing up, n(n−1)/2 down).
        let n = 300;
        let area = triangle_area(&p);
        let integrand = |b0: f64, b1: f64| {
            let q = p[0] * b0 + p[1] * b1 + p[2] * (1.0 - b0 - b1);
            let d2 = q.norm_squared();
            let cos = q.y / d2.sqrt();
            3.0 * cos * cos / d2
        };
        let mut exact = 0.0;
        for i in 0..n {
            for j in 0..n - i {
                exact += integrand((i as f64 + 1.0 / 3.0) / n as f64, (j as f64 + 1.0 / 3.0) / n as f64);
                if i + j + 1 < n {
                    exact += integrand((i as f64 + 2.0 / 3.0) / n as f64, (j as f64 + 2.0 / 3.0) / n as f64);
                }
            }
        }
        exact *= area / (n * n) as f64;
        assert!((e - exact).abs() < 0.005 * exact, "{e} vs {exact}");
        // pdf_hit agrees with the density sample() reports.
        let k = SampleKey::new(0, 0, 9);
        let x = set.sample(Vector3::ZERO, k.at(0, 2), k.at(0, 3), k.at(0, 4)).unwrap();
        let hit = x.direction * x.distance;
        assert!((set.pdf_hit(0, Vector3::ZERO, hit, x.direction) - x.pdf).abs() < 1e-9 * x.pdf);
    }

    #[test]
    fn delta_lights_and_picking() {
        let set = LightSet::new(
            vec![
                Light::Point { position: Vector3::new(0.0, 2.0, 0.0), intensity: Spectrum::gray(8.0) },
                Light::Directional { direction: Vector3::new(0.0, -1.0, 0.0), irradiance: Spectrum::gray(1.0) },
            ],
            Environment::Uniform(Spectrum::gray(1.0)),
        );
        // Irradiance: 8/4 from the point, 1 from the sun, π from the sky's upper hemisphere.
        let e = irradiance(&set, 200_000);
        let exact = 2.0 + 1.0 + PI;
        assert!((e - exact).abs() < 0.01 * exact, "{e} vs {exact}");
        assert!(LightSet::new(vec![], Environment::Black).sample(Vector3::ZERO, 0.5, 0.5, 0.5).is_none());
    }
}
