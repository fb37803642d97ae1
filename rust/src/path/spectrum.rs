//! Linear RGB radiance in f64, the path tracer's unit of light and of path throughput.

use std::ops::{Add, AddAssign, Div, Mul};

/// Linear RGB; radiance, reflectance or a path's throughput.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Spectrum {
    /// Red.
    pub r: f64,
    /// Green.
    pub g: f64,
    /// Blue.
    pub b: f64,
}

impl Spectrum {
    /// No light.
    pub const ZERO: Spectrum = Spectrum::new(0.0, 0.0, 0.0);
    /// White, reflecting everything.
    pub const ONE: Spectrum = Spectrum::new(1.0, 1.0, 1.0);

    /// (r, g, b).
    pub const fn new(r: f64, g: f64, b: f64) -> Spectrum {
        Spectrum { r, g, b }
    }

    /// The same value in every channel.
    pub const fn gray(v: f64) -> Spectrum {
        Spectrum::new(v, v, v)
    }

    /// Whether every channel is zero.
    pub fn is_black(self) -> bool {
        self.r == 0.0 && self.g == 0.0 && self.b == 0.0
    }

    /// The largest channel.
    pub fn max_channel(self) -> f64 {
        self.r.max(self.g).max(self.b)
    }

    /// Rec. 709 luminance.
    pub fn luminance(self) -> f64 {
        0.2126 * self.r + 0.7152 * self.g + 0.0722 * self.b
    }

    /// Whether every channel is finite.
    pub fn is_finite(self) -> bool {
        self.r.is_finite() && self.g.is_finite() && self.b.is_finite()
    }

    /// `self` where finite and non-negative, zero otherwise (one NaN sample must not ruin a
    /// pixel's average).
    pub fn sanitized(self) -> Spectrum {
        fn s(v: f64) -> f64 {
            if v.is_finite() && v > 0.0 {
                v
            } else {
                0.0
            }
        }
        Spectrum::new(s(self.r), s(self.g), s(self.b))
    }
}

impl Add for Spectrum {
    type Output = Spectrum;
    #[inline(always)]
    fn add(self, o: Spectrum) -> Spectrum {
        Spectrum::new(self.r + o.r, self.g + o.g, self.b + o.b)
    }
}

impl AddAssign for Spectrum {
    #[inline(always)]
    fn add_assign(&mut self, o: Spectrum) {
        *self = *self + o;
    }
}

impl Mul for Spectrum {
    type Output = Spectrum;
    #[inline(always)]
    fn mul(self, o: Spectrum) -> Spectrum {
        Spectrum::new(self.r * o.r, self.g * o.g, self.b * o.b)
    }
}

impl Mul<f64> for Spectrum {
    type Output = Spectrum;
    #[inline(always)]
    fn mul(self, s: f64) -> Spectrum {
        Spectrum::new(self.r * s, self.g * s, self.b * s)
    }
}

impl Div<f64> for Spectrum {
    type Output = Spectrum;
    #[inline(always)]
    fn div(self, s: f64) -> Spectrum {
        Spectrum::new(self.r / s, self.g / s, self.b / s)
    }
}

impl From<crate::color::Color> for Spectrum {
    fn from(c: crate::color::Color) -> Spectrum {
        Spectrum::new(c.red as f64, c.green as f64, c.blue as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitized_drops_nan_inf_and_negatives() {
        let s = Spectrum::new(f64::NAN, -1.0, 2.0).sanitized();
        assert_eq!(s, Spectrum::new(0.0, 0.0, 2.0));
        assert_eq!(Spectrum::new(f64::INFINITY, 1.0, 1.0).sanitized(), Spectrum::new(0.0, 1.0, 1.0));
        assert!((Spectrum::ONE.luminance() - 1.0).abs() < 1e-12);
    }
}
