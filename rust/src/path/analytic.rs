//! Analytic test scenes (spheres, planes, triangles) for the integrator's closed-form tests.

use crate::path::bsdf::Bsdf;
use crate::path::environment::Environment;
use crate::path::integrator::{PathScene, SurfaceHit};
use crate::path::lights::{Light, LightSet};
use crate::path::spectrum::Spectrum;
use crate::ray::Ray;
use crate::vector::{Point, Vector3};

pub struct Sphere {
    pub center: Point,
    pub radius: f64,
    pub bsdf: Bsdf,
    pub emission: Spectrum,
}

pub struct Plane {
    pub point: Point,
    pub normal: Vector3,
    pub bsdf: Bsdf,
}

pub struct Triangle {
    pub p: [Point; 3],
    pub bsdf: Bsdf,
    pub emission: Spectrum,
}

pub struct Analytic {
    pub spheres: Vec<(Sphere, Option<u32>)>,
    pub planes: Vec<Plane>,
    pub triangles: Vec<(Triangle, Option<u32>)>,
    pub lights: LightSet,
}

impl Analytic {
    /// Emissive spheres and triangles become lights (in that order), after `extra` lights.
    pub fn new(
        spheres: Vec<Sphere>,
        planes: Vec<Plane>,
        triangles: Vec<Triangle>,
        extra: Vec<Light>,
        environment: Environment,
    ) -> Analytic {
        let mut lights = extra;
        let spheres = spheres
            .into_iter()
            .map(|s| {
                if s.emission.is_black() {
                    (s, None)
                } else {
                    lights.push(Light::Sphere { center: s.center, radius: s.radius, radiance: s.emission });
                    (s, Some(lights.len() as u32 - 1))
                }
            })
            .collect();
        let triangles = triangles
            .into_iter()
            .map(|t| {
                if t.emission.is_black() {
                    (t, None)
                } else {
                    lights.push(Light::Triangle { p: t.p, radiance: t.emission });
                    (t, Some(lights.len() as u32 - 1))
                }
            })
            .collect();
        Analytic { spheres, planes, triangles, lights: LightSet::new(lights, environment) }
    }
}

impl PathScene for Analytic {
    type Origin = ();
    const CAMERA: () = ();

    fn intersect(&self, ray: &Ray, max_distance: f64, _from: ()) -> Option<SurfaceHit> {
        let mut best: Option<SurfaceHit> = None;
        let mut t_best = max_distance;
        for (s, light) in &self.spheres {
            let oc = ray.origin - s.center;
            let b = oc.dot(ray.direction);
            let c = oc.norm_squared() - s.radius * s.radius;
            let disc = b * b - c;
            if disc < 0.0 {
                continue;
            }
            let sq = disc.sqrt();
            for t in [-b - sq, -b + sq] {
                if t > 0.0 && t < t_best {
                    let p = ray.origin + ray.direction * t;
                    let n = (p - s.center) * (1.0 / s.radius);
                    let outside = ray.direction.dot(n) < 0.0;
                    t_best = t;
                    best = Some(SurfaceHit {
                        distance: t,
                        position: p,
                        geometric_normal: n,
                        shading_normal: n,
                        bsdf: s.bsdf,
                        emission: if outside { s.emission } else { Spectrum::ZERO },
                        light: *light,
                        origin: (),
                    });
                    break;
                }
            }
        }
        for pl in &self.planes {
            let denom = ray.direction.dot(pl.normal);
            if denom == 0.0 {
                continue;
            }
            let t = (pl.point - ray.origin).dot(pl.normal) / denom;
            if t > 0.0 && t < t_best {
                t_best = t;
                best = Some(SurfaceHit {
                    distance: t,
                    position: ray.origin + ray.direction * t,
                    geometric_normal: pl.normal,
                    shading_normal: pl.normal,
                    bsdf: pl.bsdf,
                    emission: Spectrum::ZERO,
                    light: None,
                    origin: (),
                });
            }
        }
        for (tri, light) in &self.triangles {
            // Möller–Trumbore.
            let [p0, p1, p2] = tri.p;
            let (e1, e2) = (p1 - p0, p2 - p0);
            let pv = ray.direction.cross(e2);
            let det = e1.dot(pv);
            if det == 0.0 {
                continue;
            }
            let inv = 1.0 / det;
            let tv = ray.origin - p0;
            let u = tv.dot(pv) * inv;
            if !(0.0..=1.0).contains(&u) {
                continue;
            }
            let q = tv.cross(e1);
            let v = ray.direction.dot(q) * inv;
            if v < 0.0 || u + v > 1.0 {
                continue;
            }
            let t = e2.dot(q) * inv;
            if t > 0.0 && t < t_best {
                t_best = t;
                let n = e1.cross(e2).normalize();
                best = Some(SurfaceHit {
                    distance: t,
                    position: ray.origin + ray.direction * t,
                    geometric_normal: n,
                    shading_normal: n,
                    bsdf: tri.bsdf,
                    emission: tri.emission,
                    light: *light,
                    origin: (),
                });
            }
        }
        best
    }

    fn occluded(&self, ray: &Ray, max_distance: f64, _from: ()) -> bool {
        self.intersect(ray, max_distance, ()).is_some()
    }

    fn lights(&self) -> &LightSet {
        &self.lights
    }
}
