//! Deterministic pseudo-random numbers for the inline tests (xorshift64*), without a crate.
//! The path tracer's own generator is [`crate::path`]'s counter-based one; this is test data.

use crate::vector::Vector3;

/// xorshift64* over a non-zero state.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 bits.
    pub fn bits(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn next(&mut self) -> f64 {
        (self.bits() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }

    /// A point uniform in the cube [−r, r)³.
    pub fn point(&mut self, r: f64) -> Vector3 {
        Vector3::new(self.range(-r, r), self.range(-r, r), self.range(-r, r))
    }

    /// Uniform below `n` (`n` > 0), from [`Rng::next`].
    pub fn index(&mut self, n: usize) -> usize {
        ((self.next() * n as f64) as usize).min(n - 1)
    }

    /// Uniform below `n` (below 1 when `n` is 0), from the high bits.
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() >> 33) as usize % n.max(1)
    }
}
