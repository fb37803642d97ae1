//! Counter-based random numbers: every number the path tracer draws is a pure function of
//! (seed, pixel, sample, bounce, dimension), so an image does not depend on how it was cut
//! into tiles, workers, regions, farm nodes or passes: pixel (x, y)'s sample s draws the same
//! numbers whoever renders it, whenever.
//!
//! The mixing is a chain of 64-bit finalisers (multiply–xorshift, the constants of
//! MurmurHash3's `fmix64`), one per key word, which passes the avalanche test below: flipping
//! any input bit flips each output bit with probability close to ½.

/// 64-bit avalanche: every input bit affects every output bit.
#[inline(always)]
pub fn mix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// The stream of one pixel sample: [`SampleKey::at`] gives the number for a bounce and a
/// dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleKey {
    base: u64,
}

/// Dimensions a bounce draws from; each named once so that no two uses share a number.
pub mod dim {
    /// Sub-pixel position, x (bounce 0 only).
    pub const PIXEL_X: u32 = 0;
    /// Sub-pixel position, y (bounce 0 only).
    pub const PIXEL_Y: u32 = 1;
    /// Which light next-event estimation samples.
    pub const LIGHT_PICK: u32 = 2;
    /// Where on the light, first coordinate.
    pub const LIGHT_U: u32 = 3;
    /// Where on the light, second coordinate.
    pub const LIGHT_V: u32 = 4;
    /// Which lobe of the BSDF is sampled.
    pub const BSDF_LOBE: u32 = 5;
    /// The BSDF sample, first coordinate.
    pub const BSDF_U: u32 = 6;
    /// The BSDF sample, second coordinate.
    pub const BSDF_V: u32 = 7;
    /// Russian roulette.
    pub const ROULETTE: u32 = 8;
}

impl SampleKey {
    /// The key of sample `sample` of the pixel numbered `pixel` (row-major in the full
    /// image, so a region renders the same numbers as the whole image), under `seed`.
    #[inline]
    pub fn new(seed: u64, pixel: u64, sample: u32) -> SampleKey {
        let h = mix64(seed ^ 0x9e37_79b9_7f4a_7c15);
        let h = mix64(h ^ pixel);
        SampleKey { base: mix64(h ^ (sample as u64).wrapping_mul(0xd6e8_feb8_6659_fd93)) }
    }

    /// A 64-bit number for (bounce, dimension).
    #[inline]
    pub fn bits(self, bounce: u32, dimension: u32) -> u64 {
        mix64(self.base ^ (((bounce as u64) << 32) | dimension as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// A uniform number in [0, 1) for (bounce, dimension), with 53 random bits.
    #[inline]
    pub fn at(self, bounce: u32, dimension: u32) -> f64 {
        (self.bits(bounce, dimension) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_number_and_neighbours_differ() {
        let a = SampleKey::new(0, 12345, 7);
        assert_eq!(a.at(3, dim::BSDF_U), SampleKey::new(0, 12345, 7).at(3, dim::BSDF_U));
        assert_ne!(a.at(3, dim::BSDF_U), a.at(3, dim::BSDF_V));
        assert_ne!(a.at(3, dim::BSDF_U), a.at(4, dim::BSDF_U));
        assert_ne!(a.at(3, dim::BSDF_U), SampleKey::new(0, 12346, 7).at(3, dim::BSDF_U));
        assert_ne!(a.at(3, dim::BSDF_U), SampleKey::new(0, 12345, 8).at(3, dim::BSDF_U));
        assert_ne!(a.at(3, dim::BSDF_U), SampleKey::new(1, 12345, 7).at(3, dim::BSDF_U));
    }

    #[test]
    fn uniform_in_unit_interval_with_the_right_moments() {
        // Mean 1/2, variance 1/12, and every tenth of [0, 1) holds about a tenth of 200,000
        // numbers drawn along the sample axis (the axis a pixel's estimate averages over).
        let n = 200_000u32;
        let mut bins = [0u32; 10];
        let (mut sum, mut sum2) = (0.0, 0.0);
        for s in 0..n {
            let u = SampleKey::new(3, 99, s).at(1, dim::BSDF_U);
            assert!((0.0..1.0).contains(&u));
            sum += u;
            sum2 += u * u;
            bins[(u * 10.0) as usize] += 1;
        }
        let mean = sum / n as f64;
        let var = sum2 / n as f64 - mean * mean;
        // Standard error of the mean: sqrt(1/12/n) = 6.5e-4; of a bin count: sqrt(n·0.09) = 134.
        assert!((mean - 0.5).abs() < 4.0 * 6.5e-4, "{mean}");
        assert!((var - 1.0 / 12.0).abs() < 2e-3, "{var}");
        for b in bins {
            assert!((b as f64 - 20_000.0).abs() < 5.0 * 134.0, "{bins:?}");
        }
    }

    #[test]
    fn dimensions_are_uncorrelated() {
        // The correlation of consecutive dimensions (and of consecutive samples) is within noise.
        let n = 100_000u32;
        let mut c_dim = 0.0;
        let mut c_sample = 0.0;
        for s in 0..n {
            let k = SampleKey::new(0, 5, s);
            c_dim += (k.at(0, 0) - 0.5) * (k.at(0, 1) - 0.5);
            c_sample += (k.at(2, 6) - 0.5) * (SampleKey::new(0, 5, s + 1).at(2, 6) - 0.5);
        }
        // Each product has standard deviation 1/12; the mean of n has sd (1/12)/sqrt(n) = 2.6e-4.
        assert!((c_dim / n as f64).abs() < 5.0 * 2.7e-4);
        assert!((c_sample / n as f64).abs() < 5.0 * 2.7e-4);
    }

    #[test]
    fn mix64_avalanches() {
        // Flipping one input bit flips each output bit about half the time.
        let mut flips = [0u32; 64];
        let trials = 2000u64;
        for t in 0..trials {
            let x = mix64(t.wrapping_mul(0x1234_5678_9abc_def1));
            for bit in 0..64 {
                let d = mix64(x) ^ mix64(x ^ (1 << bit));
                for (o, f) in flips.iter_mut().enumerate() {
                    *f += ((d >> o) & 1) as u32;
                }
            }
        }
        for f in flips {
            let p = f as f64 / (trials * 64) as f64;
            assert!((p - 0.5).abs() < 0.01, "{p}");
        }
    }
}
