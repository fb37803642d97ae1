//! Light sources and the quantities shading needs from them at a point.

use crate::color::Color;
use crate::vector::{Point, Vector3};
use std::f32::consts::PI;

/// A light source.
#[derive(Clone, Copy, Debug)]
pub enum Light {
    /// Parallel light from infinitely far away.
    Directional {
        /// Unit length (the builder normalises it); points the way the light travels.
        direction: Vector3,
        /// Its colour.
        color: Color,
        /// Its strength, the same at every distance.
        intensity: f32,
    },
    /// A point light that falls off with the inverse square of the distance.
    Spherical {
        /// Where it is.
        position: Point,
        /// Its colour.
        color: Color,
        /// Its strength: the light reaching distance r is intensity / (4πr²).
        intensity: f32,
    },
}

impl Light {
    /// Its colour.
    #[inline]
    pub fn color(&self) -> Color {
        match *self {
            Light::Directional { color, .. } | Light::Spherical { color, .. } => color,
        }
    }

    /// The unit direction from `hit` towards the light.
    #[inline]
    pub fn direction_from(&self, hit: Point) -> Vector3 {
        match *self {
            Light::Directional { direction, .. } => -direction,
            Light::Spherical { position, .. } => (position - hit).normalize(),
        }
    }

    /// The intensity arriving at `hit`.
    #[inline]
    pub fn intensity(&self, hit: Point) -> f32 {
        match *self {
            Light::Directional { intensity, .. } => intensity,
            Light::Spherical { position, intensity, .. } => {
                let r2 = (position - hit).norm_squared() as f32;
                intensity / (4.0 * PI * r2)
            }
        }
    }

    /// How far an occluder may be and still cast a shadow; directional lights are at infinity.
    #[inline]
    pub fn distance(&self, hit: Point) -> f64 {
        match *self {
            Light::Directional { .. } => f64::INFINITY,
            Light::Spherical { position, .. } => (position - hit).length(),
        }
    }
}
