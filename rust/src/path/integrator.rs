//! The path tracer: unidirectional paths from the camera with next-event estimation,
//! multiple importance sampling of light and BSDF samples (power heuristic), and Russian
//! roulette; written against [`PathScene`], the little a scene must answer (nearest hit,
//! occlusion, the surface at a hit, its lights), so that it is tested on analytic spheres
//! and planes and runs unchanged on the packed scene.

use crate::path::bsdf::Bsdf;
use crate::path::lights::LightSet;
use crate::path::rng::{dim, SampleKey};
use crate::path::sampling::{power_heuristic, Frame};
use crate::path::spectrum::Spectrum;
use crate::ray::Ray;
use crate::vector::{Point, Vector3};

/// A surface point a ray reached, with what shading needs; `O` names the surface for rays
/// that leave it (see [`PathScene::Origin`]).
#[derive(Clone, Copy, Debug)]
pub struct SurfaceHit<O = ()> {
    /// Distance along the (unit) ray.
    pub distance: f64,
    /// Where.
    pub position: Point,
    /// The true surface normal, unit (either side; the integrator orients it).
    pub geometric_normal: Vector3,
    /// The interpolated or mapped normal shading uses, unit, on the geometric normal's side.
    pub shading_normal: Vector3,
    /// The scattering function there.
    pub bsdf: Bsdf,
    /// Radiance emitted towards the ray's origin.
    pub emission: Spectrum,
    /// The index of this emitter in the scene's [`LightSet`], when light sampling can reach it.
    pub light: Option<u32>,
    /// What rays leaving this point pass to [`PathScene::intersect`] and
    /// [`PathScene::occluded`] so as not to hit the surface they leave.
    pub origin: O,
}

/// What the integrator asks of a scene.
pub trait PathScene {
    /// Names the surface a ray leaves (a mesh triangle it must not hit again), beside the
    /// offset of the ray's origin; `()` where the offset suffices.
    type Origin: Copy;
    /// The origin of camera rays (no surface).
    const CAMERA: Self::Origin;
    /// The nearest surface along `ray` closer than `max_distance`.
    fn intersect(&self, ray: &Ray, max_distance: f64, from: Self::Origin) -> Option<SurfaceHit<Self::Origin>>;
    /// Whether anything lies along `ray` closer than `max_distance`.
    fn occluded(&self, ray: &Ray, max_distance: f64, from: Self::Origin) -> bool;
    /// Its lights and environment.
    fn lights(&self) -> &LightSet;
    /// How far a new ray's origin is lifted off the surface at `p` (default: relative to the
    /// coordinates' magnitude).
    fn ray_offset(&self, p: Point) -> f64 {
        1e-7 * (1.0 + p.x.abs().max(p.y.abs()).max(p.z.abs()))
    }
}

/// Which estimators of direct light are combined (the last two for tests and comparisons).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Light and BSDF samples weighted by the power heuristic.
    #[default]
    Mis,
    /// Only light samples (emitters hit by BSDF samples count only after delta bounces).
    LightOnly,
    /// Only BSDF samples (delta lights, which nothing can hit, still sampled).
    BsdfOnly,
}

/// How paths are traced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathSettings {
    /// Scattering events a path may have; 1 is direct light only.
    pub max_bounces: u32,
    /// How direct light is estimated.
    pub strategy: Strategy,
    /// Bounces before Russian roulette may end a path.
    pub roulette_after: u32,
}

impl Default for PathSettings {
    fn default() -> Self {
        PathSettings { max_bounces: 8, strategy: Strategy::Mis, roulette_after: 3 }
    }
}

/// One path's result: radiance, and the first hit's features for a denoiser.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct PathSample {
    /// Radiance arriving at the camera along the primary ray.
    pub radiance: Spectrum,
    /// The first non-delta surface's albedo (or the environment's radiance, clamped, when the
    /// ray escapes).
    pub albedo: Spectrum,
    /// That surface's shading normal facing the ray (zero when the ray escapes).
    pub normal: Vector3,
}

/// The fraction of a shadow ray's length left untested before the light.
const SHADOW_EPSILON: f64 = 1e-4;

fn spawn<S: PathScene + ?Sized>(scene: &S, p: Point, ng: Vector3, direction: Vector3) -> Ray {
    let side = if direction.dot(ng) >= 0.0 { 1.0 } else { -1.0 };
    Ray { origin: p + ng * (scene.ray_offset(p) * side), direction }
}

/// Radiance along `ray` with random numbers from `key`.
pub fn trace_path<S: PathScene + ?Sized>(scene: &S, ray: Ray, key: SampleKey, settings: &PathSettings) -> PathSample {
    let lights = scene.lights();
    let mut out = PathSample::default();
    let mut features_done = false;
    let mut radiance = Spectrum::ZERO;
    let mut beta = Spectrum::ONE;
    // η² picked up on crossings, undone for Russian roulette (radiance scaling is not loss).
    let mut eta_scale = 1.0;
    let mut ray = ray;
    let mut prev_delta = true;
    let mut prev_pdf = 0.0;
    let mut prev_point = ray.origin;
    let mut depth = 0u32;
    let mut from = S::CAMERA;
    loop {
        let Some(hit) = scene.intersect(&ray, f64::INFINITY, from) else {
            let le = lights.environment().radiance(ray.direction);
            if !le.is_black() {
                let w = if prev_delta {
                    1.0
                } else {
                    match settings.strategy {
                        Strategy::Mis => power_heuristic(prev_pdf, lights.pdf_environment(ray.direction)),
                        Strategy::LightOnly => 0.0,
                        Strategy::BsdfOnly => 1.0,
                    }
                };
                radiance += beta * le * w;
            }
            if !features_done {
                out.albedo = Spectrum::new(le.r.min(1.0), le.g.min(1.0), le.b.min(1.0)).sanitized();
            }
            break;
        };
        if !hit.emission.is_black() {
            let w = if prev_delta {
                1.0
            } else {
                match (settings.strategy, hit.light) {
                    (Strategy::BsdfOnly, _) | (_, None) => 1.0,
                    (Strategy::LightOnly, Some(_)) => 0.0,
                    (Strategy::Mis, Some(i)) => {
                        power_heuristic(prev_pdf, lights.pdf_hit(i, prev_point, hit.position, ray.direction))
                    }
                }
            };
            radiance += beta * hit.emission * w;
        }
        if depth == settings.max_bounces {
            break;
        }
        depth += 1;
        let bounce = depth;

        // The shading frame, turned towards the viewer for surfaces without an inside.
        let bsdf = hit.bsdf;
        let wo = -ray.direction;
        let mut ng = hit.geometric_normal;
        let mut ns = hit.shading_normal;
        if !bsdf.transmissive() && wo.dot(ng) < 0.0 {
            ng = -ng;
            ns = -ns;
        }
        let frame = Frame::new(ns);
        let v = frame.to_local(wo);
        if !features_done && !bsdf.is_delta_only() {
            features_done = true;
            out.albedo = bsdf.albedo();
            out.normal = if wo.dot(ns) < 0.0 { -ns } else { ns };
        }

        // Next-event estimation.
        if !bsdf.is_delta_only() {
            if let Some(ls) = lights.sample(
                hit.position,
                key.at(bounce, dim::LIGHT_PICK),
                key.at(bounce, dim::LIGHT_U),
                key.at(bounce, dim::LIGHT_V),
            ) {
                let use_it = ls.delta || settings.strategy != Strategy::BsdfOnly;
                if use_it && !ls.radiance.is_black() {
                    let l = frame.to_local(ls.direction);
                    // The light must be on the side the geometry lets it through.
                    let same_side = (ls.direction.dot(ng) > 0.0) == (wo.dot(ng) > 0.0);
                    let f = if same_side || bsdf.transmissive() { bsdf.eval(v, l) } else { Spectrum::ZERO };
                    if !f.is_black() {
                        let shadow = spawn(scene, hit.position, ng, ls.direction);
                        // Stop short of the light by a relative margin: near a sphere's rim the
                        // shadow ray grazes it, and the lifted origin moves the hit by more than
                        // any absolute epsilon would allow.
                        let max = if ls.distance.is_finite() {
                            ls.distance * (1.0 - SHADOW_EPSILON) - scene.ray_offset(hit.position) * 2.0
                        } else {
                            f64::INFINITY
                        };
                        if !scene.occluded(&shadow, max, hit.origin) {
                            let w = if ls.delta || settings.strategy == Strategy::LightOnly {
                                1.0
                            } else {
                                power_heuristic(ls.pdf, bsdf.pdf(v, l))
                            };
                            radiance += beta * f * ls.radiance * (l.z.abs() * w / ls.pdf);
                        }
                    }
                }
            }
        }

        // The next direction.
        let Some(s) =
            bsdf.sample(v, key.at(bounce, dim::BSDF_LOBE), key.at(bounce, dim::BSDF_U), key.at(bounce, dim::BSDF_V))
        else {
            break;
        };
        let direction = frame.to_world(s.l);
        // Reflections must leave on the viewer's side of the true surface, transmissions not.
        let leaves_front = direction.dot(ng) > 0.0;
        let viewer_front = wo.dot(ng) > 0.0;
        if (leaves_front == viewer_front) == s.transmitted {
            break;
        }
        if s.weight.is_black() || !s.weight.is_finite() {
            break;
        }
        if s.transmitted {
            let eta = bsdf.eta_for(v);
            eta_scale *= eta * eta;
        }
        beta = beta * s.weight;
        prev_delta = s.delta;
        prev_pdf = s.pdf;
        prev_point = hit.position;
        ray = spawn(scene, hit.position, ng, direction);
        from = hit.origin;

        if depth >= settings.roulette_after {
            let q = (beta * eta_scale).max_channel();
            if q < 1.0 {
                let survive = q.max(0.05);
                if key.at(bounce, dim::ROULETTE) >= survive {
                    break;
                }
                beta = beta * (1.0 / survive);
            }
        }
    }
    out.radiance = radiance.sanitized();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::analytic::{Analytic, Plane, Sphere, Triangle};
    use crate::path::bsdf::PbrParams;
    use crate::path::environment::Environment;
    use crate::path::lights::Light;
    use crate::path::microfacet::Ggx;
    use std::f64::consts::PI;

    /// Mean and standard error of the green channel over `n` samples of the ray.
    fn estimate<S: PathScene>(scene: &S, ray: Ray, settings: &PathSettings, pixel: u64, n: u32) -> (f64, f64) {
        let (mut sum, mut sum2) = (0.0, 0.0);
        for s in 0..n {
            let x = trace_path(scene, ray, SampleKey::new(7, pixel, s), settings).radiance.g;
            sum += x;
            sum2 += x * x;
        }
        let mean = sum / n as f64;
        (mean, ((sum2 / n as f64 - mean * mean).max(0.0) / n as f64).sqrt())
    }

    fn toward(from: Point, to: Point) -> Ray {
        Ray { origin: from, direction: (to - from).normalize() }
    }

    fn furnace(bsdf: Bsdf, l: f64) -> Analytic {
        Analytic::new(
            vec![Sphere { center: Vector3::ZERO, radius: 1.0, bsdf, emission: Spectrum::ZERO }],
            vec![],
            vec![],
            vec![],
            Environment::Uniform(Spectrum::gray(l)),
        )
    }

    #[test]
    fn white_furnace_lambertian_sphere_shows_rho_times_l() {
        // Convex: every path sees the environment after one bounce, so the sphere shows ρ·L
        // wherever the ray hits it, under every strategy.
        let (rho, l) = (0.7, 1.5);
        let scene = furnace(Bsdf::lambert(Spectrum::gray(rho)), l);
        for strategy in [Strategy::Mis, Strategy::LightOnly, Strategy::BsdfOnly] {
            let settings = PathSettings { strategy, ..PathSettings::default() };
            for (i, target) in [Vector3::new(0.0, 0.0, 1.0), Vector3::new(0.6, 0.7, 0.0).normalize()].iter().enumerate()
            {
                let ray = toward(*target * 5.0, *target);
                let (mean, se) = estimate(&scene, ray, &settings, i as u64, 20_000);
                assert!((mean - rho * l).abs() < 5.0 * se + 1e-9, "{strategy:?}: {mean} ± {se} vs {}", rho * l);
            }
        }
        // The environment seen directly is L; with 0 bounces the sphere is black.
        let miss = Ray { origin: Vector3::new(0.0, 0.0, 5.0), direction: Vector3::new(0.0, 1.0, 0.0) };
        assert_eq!(trace_path(&scene, miss, SampleKey::new(0, 0, 0), &PathSettings::default()).radiance.g, l);
        let none = PathSettings { max_bounces: 0, ..PathSettings::default() };
        let hit = toward(Vector3::new(0.0, 0.0, 5.0), Vector3::ZERO);
        assert_eq!(trace_path(&scene, hit, SampleKey::new(0, 0, 0), &none).radiance.g, 0.0);
    }

    #[test]
    fn smooth_clear_glass_sphere_in_a_furnace_loses_nothing() {
        // Every path through clear smooth glass carries exactly L out (reflections weigh 1,
        // the 1/η² of entering is undone by the η² of leaving).
        let l = 0.8;
        let scene = furnace(Bsdf::smooth_glass(Spectrum::ONE, 1.5), l);
        let settings = PathSettings { max_bounces: 64, ..PathSettings::default() };
        for s in 0..2000 {
            let t = Vector3::new((s % 7) as f64 * 0.1, (s % 5) as f64 * 0.15, 1.0).normalize();
            let ray = toward(Vector3::new(0.0, 0.0, 4.0), t * 0.98);
            let x = trace_path(&scene, ray, SampleKey::new(1, 0, s), &settings).radiance;
            assert!((x.g - l).abs() < 1e-9, "sample {s}: {x:?}");
        }
        // And the same for the PBR material with transmission 1, roughness 0.
        let glass = Bsdf::pbr(PbrParams {
            base_color: Spectrum::ONE,
            metallic: 0.0,
            roughness: 0.0,
            transmission: 1.0,
            ior: 1.5,
        });
        let scene = furnace(glass, l);
        for s in 0..500 {
            let ray = toward(Vector3::new(0.3, 0.2, 4.0), Vector3::ZERO);
            let x = trace_path(&scene, ray, SampleKey::new(2, 0, s), &settings).radiance;
            assert!((x.g - l).abs() < 1e-9, "sample {s}: {x:?}");
        }
    }

    #[test]
    fn rough_white_metal_sphere_shows_its_single_scattering_albedo() {
        // A convex white metal (F = 1) reflects each path once: the sphere shows
        // L·∫ D·G2/(4 cos θv) dω, the single-scattering albedo, computed here by quadrature.
        let l = 1.0;
        let metal = Bsdf::pbr(PbrParams {
            base_color: Spectrum::ONE,
            metallic: 1.0,
            roughness: 0.8,
            transmission: 0.0,
            ior: 1.5,
        });
        let scene = furnace(metal, l);
        let g = Ggx { alpha: 0.64 };
        for (i, theta) in [0.0f64, 1.0].iter().enumerate() {
            let normal = Vector3::new(theta.sin(), 0.0, theta.cos());
            // A ray from far along +z hitting where the normal is `normal`: cos θv = normal.z.
            let ray = Ray { origin: Vector3::new(normal.x, normal.y, 10.0), direction: Vector3::new(0.0, 0.0, -1.0) };
            let v = Vector3::new(0.0, 0.0, 1.0);
            let frame = Frame::new(normal);
            let vl = frame.to_local(v);
            let n = 800;
            let mut albedo = 0.0;
            for a in 0..n {
                let c = (a as f64 + 0.5) / n as f64;
                let s = (1.0 - c * c).sqrt();
                for b in 0..n {
                    let phi = 2.0 * PI * (b as f64 + 0.5) / n as f64;
                    let lw = Vector3::new(s * phi.cos(), s * phi.sin(), c);
                    let h = (vl + lw).normalize();
                    albedo += g.d(h) * g.g2(vl, lw) / (4.0 * vl.z);
                }
            }
            albedo *= 2.0 * PI / (n * n) as f64;
            let (mean, se) = estimate(&scene, ray, &PathSettings::default(), i as u64, 40_000);
            assert!((mean - l * albedo).abs() < 5.0 * se + 2e-3, "θ={theta}: {mean} ± {se} vs {albedo}");
            assert!(albedo < 1.0);
        }
    }

    fn lamp_over_floor(rho: f64, le: f64, radius: f64, height: f64) -> Analytic {
        Analytic::new(
            vec![Sphere {
                center: Vector3::new(0.0, height, 0.0),
                radius,
                bsdf: Bsdf::black(),
                emission: Spectrum::gray(le),
            }],
            vec![Plane {
                point: Vector3::ZERO,
                normal: Vector3::new(0.0, 1.0, 0.0),
                bsdf: Bsdf::lambert(Spectrum::gray(rho)),
            }],
            vec![],
            vec![],
            Environment::Black,
        )
    }

    #[test]
    fn emissive_sphere_lights_a_lambertian_floor_as_the_closed_form_says() {
        // L = ρ·Le·(R/D)²·cos θ at a floor point at distance D from the centre, exact for a
        // sphere wholly above the horizon. Light sampling, BSDF sampling and MIS all converge
        // to it.
        let (rho, le, r, h) = (0.6, 5.0, 0.5, 2.0);
        let scene = lamp_over_floor(rho, le, r, h);
        for (i, x) in [0.0, 1.5].iter().enumerate() {
            let p = Vector3::new(*x, 0.0, 0.0);
            let d2 = x * x + h * h;
            let exact = rho * le * r * r / d2 * (h / d2.sqrt());
            let ray = toward(Vector3::new(x - 1.0, 3.0, 2.5), p);
            for (strategy, n) in [(Strategy::Mis, 20_000), (Strategy::LightOnly, 20_000), (Strategy::BsdfOnly, 200_000)]
            {
                let settings = PathSettings { strategy, ..PathSettings::default() };
                let (mean, se) = estimate(&scene, ray, &settings, i as u64, n);
                assert!((mean - exact).abs() < 5.0 * se + 1e-4 * exact, "{strategy:?} x={x}: {mean} ± {se} vs {exact}");
            }
        }
    }

    #[test]
    fn error_falls_as_one_over_root_n() {
        // The root-mean-square error over 200 pixels' independent estimates, at N and 16N
        // samples: the ratio is √16 = 4 for an unbiased estimator of finite variance.
        let (rho, le, r, h) = (0.6, 5.0, 0.5, 2.0);
        let scene = lamp_over_floor(rho, le, r, h);
        let p = Vector3::new(1.0, 0.0, 0.0);
        let d2 = 1.0 + h * h;
        let exact = rho * le * r * r / d2 * (h / d2.sqrt());
        let ray = toward(Vector3::new(0.0, 3.0, 2.5), p);
        for strategy in [Strategy::Mis, Strategy::BsdfOnly] {
            let settings = PathSettings { strategy, ..PathSettings::default() };
            let rmse = |n: u32| {
                let mut sq = 0.0;
                for pixel in 0..200u64 {
                    let (mean, _) = estimate(&scene, ray, &settings, 1000 + pixel, n);
                    sq += (mean - exact) * (mean - exact);
                }
                (sq / 200.0).sqrt()
            };
            let (e1, e16) = (rmse(16), rmse(256));
            let ratio = e1 / e16;
            // The RMSE of 200 estimates is itself uncertain by about 1/√(2·200) = 5%.
            assert!((ratio - 4.0).abs() < 0.8, "{strategy:?}: {e1} / {e16} = {ratio}");
        }
    }

    #[test]
    fn strategies_agree_on_a_triangle_light_and_mis_beats_both() {
        // A quad lamp (two emissive triangles) over a glossy floor: the three estimators
        // converge to the same mean, and MIS has the lowest variance of the three... or at
        // least no more than the better of the other two by a margin.
        let y = 1.5;
        let quad = [
            Vector3::new(-0.5, y, -0.5),
            Vector3::new(0.5, y, -0.5),
            Vector3::new(0.5, y, 0.5),
            Vector3::new(-0.5, y, 0.5),
        ];
        let emit = Spectrum::gray(4.0);
        let floor = Bsdf::pbr(PbrParams {
            base_color: Spectrum::gray(0.5),
            metallic: 0.0,
            roughness: 0.4,
            transmission: 0.0,
            ior: 1.5,
        });
        let scene = Analytic::new(
            vec![],
            vec![Plane { point: Vector3::ZERO, normal: Vector3::new(0.0, 1.0, 0.0), bsdf: floor }],
            vec![
                Triangle { p: [quad[0], quad[1], quad[2]], bsdf: Bsdf::black(), emission: emit },
                Triangle { p: [quad[0], quad[2], quad[3]], bsdf: Bsdf::black(), emission: emit },
            ],
            vec![],
            Environment::Black,
        );
        let ray = toward(Vector3::new(-1.5, 1.0, 0.0), Vector3::new(0.4, 0.0, 0.0));
        let mut results = vec![];
        for strategy in [Strategy::Mis, Strategy::LightOnly, Strategy::BsdfOnly] {
            let settings = PathSettings { strategy, ..PathSettings::default() };
            results.push(estimate(&scene, ray, &settings, 3, 100_000));
        }
        let (mis, light, bsdf) = (results[0], results[1], results[2]);
        for (name, (m, se)) in [("light", light), ("bsdf", bsdf)] {
            let tol = 5.0 * (se * se + mis.1 * mis.1).sqrt();
            assert!((m - mis.0).abs() < tol, "{name}: {m} ± {se} vs MIS {} ± {}", mis.0, mis.1);
        }
        assert!(mis.1 <= light.1.min(bsdf.1) * 1.2, "MIS {} light {} bsdf {}", mis.1, light.1, bsdf.1);
    }

    #[test]
    fn point_and_directional_lights_match_lambert() {
        // Radiance off a Lambertian floor of reflectance ρ under a point light of intensity I at
        // height h: ρ/π · I·cos θ / r²; under a sun of irradiance E at angle θ: ρ/π · E·cos θ.
        let rho = 0.5;
        let floor = || {
            vec![Plane {
                point: Vector3::ZERO,
                normal: Vector3::new(0.0, 1.0, 0.0),
                bsdf: Bsdf::lambert(Spectrum::gray(rho)),
            }]
        };
        let i = 10.0;
        let point = Analytic::new(
            vec![],
            floor(),
            vec![],
            vec![Light::Point { position: Vector3::new(0.0, 2.0, 0.0), intensity: Spectrum::gray(i) }],
            Environment::Black,
        );
        let p = Vector3::new(1.0, 0.0, 0.0);
        let ray = toward(Vector3::new(1.0, 1.0, 1.0), p);
        let r2 = 5.0f64;
        let exact = rho / PI * i * (2.0 / r2.sqrt()) / r2;
        let (mean, se) = estimate(&point, ray, &PathSettings::default(), 0, 2000);
        assert!((mean - exact).abs() < 1e-12 && se < 1e-12, "{mean} vs {exact}");
        let theta = 0.5f64;
        let sun = Analytic::new(
            vec![],
            floor(),
            vec![],
            vec![Light::Directional {
                direction: Vector3::new(-theta.sin(), -theta.cos(), 0.0),
                irradiance: Spectrum::gray(3.0),
            }],
            Environment::Black,
        );
        let (mean, _) =
            estimate(&sun, ray, &PathSettings { strategy: Strategy::BsdfOnly, ..PathSettings::default() }, 0, 100);
        assert!((mean - rho / PI * 3.0 * theta.cos()).abs() < 1e-12, "{mean}");
    }

    #[test]
    fn a_sample_is_a_pure_function_of_its_key() {
        let scene = lamp_over_floor(0.6, 5.0, 0.5, 2.0);
        let ray = toward(Vector3::new(0.0, 3.0, 2.5), Vector3::ZERO);
        let s = PathSettings::default();
        let a = trace_path(&scene, ray, SampleKey::new(0, 42, 3), &s);
        let b = trace_path(&scene, ray, SampleKey::new(0, 42, 3), &s);
        assert_eq!(a, b);
        assert!(a.normal.y > 0.99 && (a.albedo.g - 0.6).abs() < 1e-12);
    }
}
