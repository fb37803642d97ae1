//! Physically based path tracing beside the original's Whitted integrator: counter-based
//! random numbers ([`rng`]), warps and distributions ([`sampling`]), GGX microfacets
//! ([`microfacet`]) and the glTF metallic-roughness BSDF ([`bsdf`]), lights and the
//! environment ([`lights`], [`environment`]), the estimator ([`integrator`]) written against
//! the small [`integrator::PathScene`] trait, and tone mapping ([`tonemap`]).

pub mod bsdf;
pub mod denoise;
pub mod environment;
pub mod integrator;
pub mod lights;
pub mod microfacet;
pub mod render;
pub mod rng;
pub mod sampling;
pub mod scene;
pub mod spectrum;
pub mod tonemap;

#[cfg(test)]
mod analytic;

pub use bsdf::{Bsdf, PbrParams};
pub use environment::{EnvMap, Environment};
pub use integrator::{trace_path, PathSample, PathScene, PathSettings, Strategy, SurfaceHit};
pub use lights::{Light, LightSet};
pub use rng::SampleKey;
pub use spectrum::Spectrum;
pub use tonemap::ToneMap;
