//! A small seeded pseudo-random number generator, so that initial weights,
//! shuffles and test fixtures are reproducible without an extra dependency.
//!
//! The generator is xoshiro256** (Blackman and Vigna), seeded by expanding a
//! single `u64` with SplitMix64, which is the seeding its authors recommend:
//! SplitMix64 turns even seeds like 0, 1, 2 into well-mixed, non-zero states.

use ndarray::{Array, Dimension, ShapeBuilder};

/// xoshiro256**: 256 bits of state, period 2²⁵⁶ − 1, fast and statistically
/// strong enough for initialisation and shuffling (not for cryptography).
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

/// One step of SplitMix64: adds the golden-ratio increment and mixes.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole sequence is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)];
        Rng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1): the top 53 bits scaled by 2⁻⁵³, so every value is
    /// an exact multiple of 2⁻⁵³ and 1 is never returned.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn uniform_in(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// An array of the given shape, of any dimension, whose entries are
    /// independent and uniform in [lo, hi): the test fixtures' random inputs,
    /// weights and upstream gradients G. A standard-layout array takes its
    /// draws in row-major order.
    pub fn uniform_array<D: Dimension, Sh: ShapeBuilder<Dim = D>>(
        &mut self,
        shape: Sh,
        lo: f64,
        hi: f64,
    ) -> Array<f64, D> {
        Array::from_shape_simple_fn(shape, || self.uniform_in(lo, hi))
    }

    /// A standard normal sample by the Box–Muller transform:
    /// z = √(−2 ln u₁) cos(2π u₂) with u₁ ∈ (0, 1], u₂ ∈ [0, 1).
    /// (The sine partner is discarded to keep the generator stateless
    /// beyond its 256 bits; initialisation is not a hot path.)
    pub fn normal(&mut self) -> f64 {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// A uniform integer in 0..n by Lemire's multiply-and-reject method,
    /// which has no modulo bias.
    ///
    /// # Panics
    /// If `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below: the range 0..0 is empty");
        let n = n as u64;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            let low = m as u64;
            // Reject the few products whose low half falls in the biased zone.
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as usize;
            }
        }
    }

    /// Shuffles `items` in place by Fisher–Yates: every permutation is equally
    /// likely.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_other_seed_differs() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(8);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut r = Rng::new(1);
        let n = 200_000;
        let u: Vec<f64> = (0..n).map(|_| r.uniform()).collect();
        assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean_u = u.iter().sum::<f64>() / n as f64;
        assert!((mean_u - 0.5).abs() < 0.005, "uniform mean {mean_u}");
        let z: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "normal mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "normal variance {var}");
    }

    #[test]
    fn uniform_array_has_the_shape_and_range_and_follows_the_sequence() {
        let a = Rng::new(5).uniform_array((2, 3, 4), -0.5, 2.0);
        assert_eq!(a.shape(), &[2, 3, 4]);
        let mut r = Rng::new(5);
        let expected: Vec<f64> = (0..24).map(|_| r.uniform_in(-0.5, 2.0)).collect();
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), expected);
        assert!(a.iter().all(|&x| (-0.5..2.0).contains(&x)));
        let v = Rng::new(5).uniform_array(ndarray::IxDyn(&[7]), 0.0, 1.0);
        assert_eq!(v.shape(), &[7]);
    }

    #[test]
    fn shuffle_is_a_permutation_and_moves_things() {
        let mut r = Rng::new(3);
        let mut v: Vec<usize> = (0..100).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(v, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn below_covers_the_range_evenly() {
        let mut r = Rng::new(9);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[r.below(6)] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "counts {counts:?}");
        }
    }
}
