//! From linear radiance to display bytes for path-traced images: exposure in stops, a tone
//! curve (clamp, Khronos PBR Neutral, or the fitted ACES curve), then the sRGB transfer
//! function. (The Whitted integrator keeps the original's gamma 2.2 encoding.)

use crate::path::spectrum::Spectrum;

/// The tone curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ToneMap {
    /// Each channel clamped to [0, 1].
    #[default]
    Clamp,
    /// Khronos PBR Neutral: colours below 0.8 untouched (bar a small black offset), highlights
    /// compressed and desaturated towards white.
    Neutral,
    /// The ACES filmic curve as fitted by Stephen Hill (sRGB in, sRGB out).
    Aces,
}

/// The Khronos PBR Neutral operator on one colour.
pub fn neutral(c: Spectrum) -> Spectrum {
    const START: f64 = 0.8 - 0.04;
    const DESATURATION: f64 = 0.15;
    let x = c.r.min(c.g).min(c.b);
    let offset = if x < 0.08 { x - 6.25 * x * x } else { 0.04 };
    let c = Spectrum::new(c.r - offset, c.g - offset, c.b - offset);
    let peak = c.max_channel();
    if peak < START {
        return c;
    }
    let d = 1.0 - START;
    let new_peak = 1.0 - d * d / (peak + d - START);
    let c = c * (new_peak / peak);
    let g = 1.0 - 1.0 / (DESATURATION * (peak - new_peak) + 1.0);
    c * (1.0 - g) + Spectrum::gray(new_peak) * g
}

fn mat(m: [[f64; 3]; 3], c: Spectrum) -> Spectrum {
    Spectrum::new(
        m[0][0] * c.r + m[0][1] * c.g + m[0][2] * c.b,
        m[1][0] * c.r + m[1][1] * c.g + m[1][2] * c.b,
        m[2][0] * c.r + m[2][1] * c.g + m[2][2] * c.b,
    )
}

/// The RRT+ODT fit of one channel.
fn aces_fit(v: f64) -> f64 {
    (v * (v + 0.0245786) - 0.000090537) / (v * (0.983729 * v + 0.4329510) + 0.238081)
}

/// The fitted ACES operator on one colour.
pub fn aces(c: Spectrum) -> Spectrum {
    // sRGB → ACES AP1 with the RRT's saturation, and back (Hill's matrices).
    const INPUT: [[f64; 3]; 3] =
        [[0.59719, 0.35458, 0.04823], [0.07600, 0.90834, 0.01566], [0.02840, 0.13383, 0.83777]];
    const OUTPUT: [[f64; 3]; 3] =
        [[1.60475, -0.53108, -0.07367], [-0.10208, 1.10813, -0.00605], [-0.00327, -0.07276, 1.07602]];
    let v = mat(INPUT, c);
    let v = Spectrum::new(aces_fit(v.r), aces_fit(v.g), aces_fit(v.b));
    mat(OUTPUT, v)
}

/// The sRGB transfer function on a value in [0, 1] (clamped first; NaN is 0).
pub fn srgb_encode(x: f64) -> f64 {
    let x = if x > 0.0 { x.min(1.0) } else { 0.0 };
    if x <= 0.0031308 {
        12.92 * x
    } else {
        1.055 * x.powf(1.0 / 2.4) - 0.055
    }
}

/// Linear radiance → sRGB-encoded RGBA8 through `exposure` (stops) and `curve`.
pub fn to_rgba8(c: Spectrum, exposure: f64, curve: ToneMap) -> [u8; 4] {
    let c = c.sanitized() * exposure.exp2();
    let t = match curve {
        ToneMap::Clamp => c,
        ToneMap::Neutral => neutral(c),
        ToneMap::Aces => aces(c),
    };
    let b = |x: f64| (srgb_encode(x) * 255.0 + 0.5) as u8;
    [b(t.r), b(t.g), b(t.b), 255]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_transfer_known_values() {
        assert_eq!(srgb_encode(0.0), 0.0);
        assert!((srgb_encode(1.0) - 1.0).abs() < 1e-15);
        assert!((srgb_encode(0.0031308) - 0.0404492).abs() < 1e-6);
        // 18% grey encodes to 118 of 255, 50% to 188.
        assert_eq!(to_rgba8(Spectrum::gray(0.18), 0.0, ToneMap::Clamp), [118, 118, 118, 255]);
        assert_eq!(to_rgba8(Spectrum::gray(0.5), 0.0, ToneMap::Clamp), [188, 188, 188, 255]);
        assert_eq!(to_rgba8(Spectrum::gray(0.25), 1.0, ToneMap::Clamp), [188, 188, 188, 255]);
        assert_eq!(to_rgba8(Spectrum::new(f64::NAN, 7.0, -1.0), 0.0, ToneMap::Clamp), [0, 255, 0, 255]);
    }

    #[test]
    fn neutral_keeps_the_midtones_and_compresses_highlights_into_range() {
        // Below the compression start only the black offset applies: x − 0.04 for x ≥ 0.08.
        let c = neutral(Spectrum::new(0.5, 0.3, 0.1));
        assert!((c.r - 0.46).abs() < 1e-12 && (c.g - 0.26).abs() < 1e-12 && (c.b - 0.06).abs() < 1e-12);
        // Near black: x − 6.25x² as the offset, so x ↦ 6.25x².
        assert!((neutral(Spectrum::gray(0.04)).r - 6.25 * 0.04 * 0.04).abs() < 1e-12);
        // Highlights: monotonic, below 1, approaching 1.
        let mut last = 0.0;
        for i in 0..200 {
            let x = 0.7 + i as f64 * 0.5;
            let y = neutral(Spectrum::gray(x)).r;
            assert!(y >= last && y < 1.0, "{x}: {y}");
            last = y;
        }
        assert!(last > 0.99);
        // A saturated highlight desaturates towards white.
        let h = neutral(Spectrum::new(8.0, 1.0, 1.0));
        assert!(h.r < 1.0 && h.g > 1.0 - 0.04 - 0.5 && h.g < h.r);
    }

    #[test]
    fn aces_matches_its_curve_on_grey() {
        // The matrices' rows sum to 1 (to 5 digits), so grey stays grey and follows the fit:
        // 1.0 ↦ (1.0245786 − 0.000090537)/(0.983729 + 0.432951 + 0.238081) = 0.61912.
        let g = aces(Spectrum::gray(1.0));
        assert!((g.r - 0.61912).abs() < 2e-4 && (g.g - g.b).abs() < 2e-4, "{g:?}");
        assert!(aces(Spectrum::gray(0.0)).r.abs() < 1e-3);
        // Saturates at 1/0.983729 (the fit's limit) before the final clamp.
        let top = aces(Spectrum::gray(1e4)).r;
        assert!((top - 1.0 / 0.983729).abs() < 2e-3, "{top}");
    }
}
