//! Linear f32 colour, component-wise like the original, and its conversions to and from 8-bit.

use std::ops::{Add, Mul};

const GAMMA: f32 = 2.2;

/// A linear RGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Color {
    /// The red channel.
    pub red: f32,
    /// The green channel.
    pub green: f32,
    /// The blue channel.
    pub blue: f32,
}

/// No light.
pub const BLACK: Color = Color::new(0.0, 0.0, 0.0);

impl Color {
    /// The colour (red, green, blue).
    pub const fn new(red: f32, green: f32, blue: f32) -> Color {
        Color { red, green, blue }
    }

    /// The original's clamp, `v.min(1.0).max(0.0)`: `f32::min` returns the non-NaN operand,
    /// so NaN becomes 1. Spelled as comparisons, which wasm runs without a libcall.
    #[inline]
    pub fn clamp(self) -> Color {
        fn c(v: f32) -> f32 {
            let upper = if v < 1.0 { v } else { 1.0 };
            if upper > 0.0 {
                upper
            } else {
                0.0
            }
        }
        Color::new(c(self.red), c(self.green), c(self.blue))
    }

    /// Clamp for supersampling, where a NaN sample must not brighten the average.
    #[inline]
    pub fn clamp_sample(self) -> Color {
        fn c(v: f32) -> f32 {
            if v >= 1.0 {
                1.0
            } else if v > 0.0 {
                v
            } else {
                0.0
            }
        }
        Color::new(c(self.red), c(self.green), c(self.blue))
    }

    /// Gamma-encoded RGBA8, equal to [`encode_channel`] on each channel.
    #[inline]
    pub fn to_rgba8(self, table: &EncodeTable) -> [u8; 4] {
        [table.encode(self.red), table.encode(self.green), table.encode(self.blue), 255]
    }
}

/// [`encode_channel`] without a `powf` per channel (a libcall that dominated the wasm
/// profile): for each byte b ≥ 1, the smallest f32 that encodes to at least b, found with the
/// platform's own `powf`, so the table reproduces it exactly wherever it is monotonic (checked
/// around every threshold in the tests).
#[derive(Clone, Debug)]
pub struct EncodeTable {
    thresholds: [f32; 255],
    /// For each run of 2^BUCKET_SHIFT f32 bit patterns below 2.0, how many thresholds lie at
    /// or below the run's first value: `encode` starts counting there instead of
    /// binary-searching (eight dependent, unpredictable loads per channel, and in Deno's wasm
    /// each load also pays an explicit bounds check).
    start: Box<[u8; BUCKETS]>,
}

/// Runs of 65,536 bit patterns are about 0.8% wide in value, narrower than the gaps between
/// thresholds near 1.0, so the scan from `start` takes one or two steps.
const BUCKET_SHIFT: u32 = 16;
const TWO_BITS: u32 = 0x4000_0000; // 2.0f32.to_bits()
const BUCKETS: usize = (TWO_BITS >> BUCKET_SHIFT) as usize;

impl EncodeTable {
    /// Computes the thresholds with this platform's `powf`.
    pub fn new() -> EncodeTable {
        let mut thresholds = [0.0f32; 255];
        for (i, t) in thresholds.iter_mut().enumerate() {
            let byte = i as u8 + 1;
            // Non-negative floats order like their bit patterns; 2.0 encodes to 255.
            let (mut lo, mut hi) = (0u32, 2.0f32.to_bits());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if encode_channel(f32::from_bits(mid)) >= byte {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            *t = f32::from_bits(hi);
        }
        let mut start = Box::new([0u8; BUCKETS]);
        let mut count = 0usize;
        for (bucket, s) in start.iter_mut().enumerate() {
            let first = (bucket as u32) << BUCKET_SHIFT;
            while count < thresholds.len() && thresholds[count].to_bits() <= first {
                count += 1;
            }
            // At most 255, the number of thresholds.
            *s = count as u8;
        }
        EncodeTable { thresholds, start }
    }

    /// Counts the thresholds ≤ `linear`. Thresholds are positive and sorted, and for
    /// non-negative floats the bit pattern orders like the value, so the count at the first
    /// value of `linear`'s bucket is a lower bound to continue from.
    #[inline(always)]
    pub fn encode(&self, linear: f32) -> u8 {
        let bits = linear.to_bits();
        if bits >= TWO_BITS {
            // 2.0 and above (every threshold is ≤ 2.0), and powf(−inf, 1/2.2) = +inf: 255.
            // NaN and negatives, −0 included, are below every threshold: 0.
            return if linear >= 2.0 || linear == f32::NEG_INFINITY { 255 } else { 0 };
        }
        let mut i = self.start[(bits >> BUCKET_SHIFT) as usize] as usize;
        while i < self.thresholds.len() && linear >= self.thresholds[i] {
            i += 1;
        }
        i as u8
    }
}

impl Default for EncodeTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Linear to a gamma-encoded byte, truncating and saturating as the original does.
#[inline]
pub fn encode_channel(linear: f32) -> u8 {
    (linear.powf(1.0 / GAMMA) * 255.0) as u8
}

/// A gamma-encoded byte (a texel) to linear.
#[inline]
pub fn decode_channel(byte: u8) -> f32 {
    (byte as f32 / 255.0).powf(GAMMA)
}

impl Add for Color {
    type Output = Color;
    #[inline(always)]
    fn add(self, o: Color) -> Color {
        Color::new(self.red + o.red, self.green + o.green, self.blue + o.blue)
    }
}

impl Mul for Color {
    type Output = Color;
    #[inline(always)]
    fn mul(self, o: Color) -> Color {
        Color::new(self.red * o.red, self.green * o.green, self.blue * o.blue)
    }
}

impl Mul<f32> for Color {
    type Output = Color;
    #[inline(always)]
    fn mul(self, s: f32) -> Color {
        Color::new(self.red * s, self.green * s, self.blue * s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_conversion_truncates_and_saturates() {
        assert_eq!(encode_channel(f32::NAN), 0);
        assert_eq!(encode_channel(2.0), 255);
        assert_eq!(encode_channel(1.0), 255);
        assert_eq!(encode_channel(-0.5), 0); // powf of a negative base is NaN
        assert_eq!(encode_channel(0.0), 0);
        assert_eq!(encode_channel(f32::INFINITY), 255);
        // 0.5^(1/2.2)*255 = 186.0...; truncation, not rounding
        let v = 0.5f32.powf(1.0 / 2.2) * 255.0;
        assert_eq!(encode_channel(0.5), v.trunc() as u8);
    }

    #[test]
    fn clamp_keeps_the_originals_nan_behaviour() {
        let c = Color::new(f32::NAN, 2.0, -1.0).clamp();
        assert_eq!(c, Color::new(1.0, 1.0, 0.0));
        let s = Color::new(f32::NAN, 2.0, -1.0).clamp_sample();
        assert_eq!(s, Color::new(0.0, 1.0, 0.0));
    }

    #[test]
    fn encode_table_equals_powf() {
        let table = EncodeTable::new();
        for v in [f32::NAN, -1.0, -0.0, 0.0, 1e-30, 0.5, 0.99999, 1.0, 1.5, f32::INFINITY, f32::NEG_INFINITY] {
            assert_eq!(table.encode(v), encode_channel(v), "{v}");
        }
        // Densely around every threshold, where a non-monotonic powf would show.
        for t in table.thresholds {
            let bits = t.to_bits();
            for b in bits.saturating_sub(3000)..bits + 3000 {
                let v = f32::from_bits(b);
                assert_eq!(table.encode(v), encode_channel(v), "{v:e}");
            }
        }
        // And a sparse sweep over everything from 0 to 2.
        let mut b = 0u32;
        while b < 2.0f32.to_bits() {
            let v = f32::from_bits(b);
            assert_eq!(table.encode(v), encode_channel(v), "{v:e}");
            b += 4099;
        }
    }

    #[test]
    fn texel_decoding() {
        assert_eq!(decode_channel(255), 1.0);
        assert_eq!(decode_channel(0), 0.0);
    }
}
