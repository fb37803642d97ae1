//! A scene's rendering settings beyond the original's (issue 18's path tracer): the
//! integrator, the environment, tone mapping and exposure. [`Settings::WHITTED`] is what a scene
//! without them gets and renders exactly as the original; the core reads and checks them, the
//! path tracer gives them their meaning.

use crate::color::Color;
use crate::material::TextureId;

/// The most bounces a path may take.
pub const MAX_BOUNCES: u32 = 1024;

/// Which light transport renders the scene.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrator {
    /// The original's: point and directional lights, hard shadows, mirrors and glass.
    Whitted,
    /// Physically based path tracing.
    Path {
        /// The longest path, 1 to [`MAX_BOUNCES`].
        max_bounces: u32,
    },
}

/// How linear radiance becomes display values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToneMapping {
    /// Clamped (under Whitted: the original's encoding, always).
    Clamp,
    /// Khronos PBR Neutral.
    Neutral,
    /// ACES filmic.
    Aces,
}

/// The radiance of everything rays escape to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Environment {
    /// A uniform colour (linear).
    pub color: Color,
    /// An equirectangular HDR texture, replacing the colour.
    pub texture: Option<TextureId>,
    /// Scales the colour or texture.
    pub intensity: f32,
    /// Turns the texture about +y, in degrees.
    pub rotation_degrees: f32,
}

/// The settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// The light transport.
    pub integrator: Integrator,
    /// What escaping rays see.
    pub environment: Environment,
    /// The display transform.
    pub tone_mapping: ToneMapping,
    /// In stops.
    pub exposure: f32,
}

impl Settings {
    /// The original's: Whitted, a black environment, clamped, no exposure change.
    pub const WHITTED: Settings = Settings {
        integrator: Integrator::Whitted,
        environment: Environment {
            color: Color { red: 0.0, green: 0.0, blue: 0.0 },
            texture: None,
            intensity: 1.0,
            rotation_degrees: 0.0,
        },
        tone_mapping: ToneMapping::Clamp,
        exposure: 0.0,
    };
}

impl Default for Settings {
    fn default() -> Self {
        Settings::WHITTED
    }
}
