//! A small xorshift generator for the tests that cancel calls at random points: they need
//! spread and repeatable runs, not quality, and must not depend on a crate for it.

/// A seeded sequence of pseudo-random numbers.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    /// A sequence from `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// The next number, below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}
