//! Light sources and the quantities shading needs from them at a point.

use crate::color::Color;
use crate::vector::{Point, Vector3};
use std::f32::consts::PI;

#[derive(Clone, Copy, Debug)]
pub enum Light {
    /// `direction` is unit length and points the way the light travels.
    Directional { direction: Vector3, color: Color, intensity: f32 },
    /// Falls off with the inverse square of the distance.
    Spherical { position: Point, color: Color, intensity: f32 },
}

impl Light {
    #[inline]
    pub fn color(&self) -> Color {
        match *self {
            Light::Directional { color, .. } | Light::Spherical { color, .. } => color,
        }
    }

    #[inline]
    pub fn direction_from(&self, hit: Point) -> Vector3 {
        match *self {
            Light::Directional { direction, .. } => -direction,
            Light::Spherical { position, .. } => (position - hit).normalize(),
        }
    }

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
