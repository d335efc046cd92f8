//! Activations over whole buffers, with the choice of function made once
//! outside the loop so that the loop can be vectorised.
//!
//! σ and σ′ are those of [`crate::activation`] (σ′ in the form
//! [`Activation::prime_from_output`], since the fast path keeps only the
//! outputs a = σ(z)); this file adds only what is genuinely different:
//! the loops over whole slices, and in f32 the approximation below.
//!
//! In f32, tanh and sigmoid use a rational approximation instead of the
//! C library's scalar `tanhf`/`expf`, which otherwise dominate the time of
//! the classic (tanh) network:
//!
//! tanh x ≈ x · P(x²) / Q(x²) on |x| ≤ 7.905, with P of degree 6 and Q of
//! degree 3 in x² (the fit used by the Eigen library), and ±1 beyond, where
//! tanh x rounds to ±1 in f32 anyway; σ(x) = (1 + tanh(x/2)) / 2.
//!
//! Its error is below 5e-7 absolute (measured 4.3e-7 against f64 on
//! −12…12 by the test below; the spacing of f32 numbers near 1 is 6e-8), far
//! below anything training can notice. In f64 the exact library functions
//! are kept, so the f64 fast path matches the readable one to 1e-10.

use super::as_f32::as_f32_mut;
use crate::activation::Activation;
use crate::element::Real;

/// a = σ(z) in place.
pub fn activate<F: Real>(f: Activation, z: &mut [F]) {
    if let Some(z32) = as_f32_mut(z) {
        match f {
            Activation::Tanh => return z32.iter_mut().for_each(|v| *v = tanh_f32(*v)),
            Activation::Sigmoid => return z32.iter_mut().for_each(|v| *v = 0.5 + 0.5 * tanh_f32(0.5 * *v)),
            Activation::Relu => {}
        }
    }
    // One loop per activation, each calling the layer's σ with the variant
    // known at compile time.
    match f {
        Activation::Relu => z.iter_mut().for_each(|v| *v = Activation::Relu.value(*v)),
        Activation::Sigmoid => z.iter_mut().for_each(|v| *v = Activation::Sigmoid.value(*v)),
        Activation::Tanh => z.iter_mut().for_each(|v| *v = Activation::Tanh.value(*v)),
    }
}

/// d ← d ⊙ σ′, with σ′ read off the stored outputs `a` by
/// [`Activation::prime_from_output`].
pub fn times_slope<F: Real>(f: Activation, d: &mut [F], a: &[F]) {
    let it = d.iter_mut().zip(a);
    match f {
        Activation::Relu => it.for_each(|(d, &a)| *d = *d * Activation::Relu.prime_from_output(a)),
        Activation::Sigmoid => it.for_each(|(d, &a)| *d = *d * Activation::Sigmoid.prime_from_output(a)),
        Activation::Tanh => it.for_each(|(d, &a)| *d = *d * Activation::Tanh.prime_from_output(a)),
    }
}

/// tanh x by a rational function (see the module documentation); branch
/// free, so a loop over it vectorises.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const A1: f32 = 4.893_524_6e-3;
    const A3: f32 = 6.372_619_3e-4;
    const A5: f32 = 1.485_722_4e-5;
    const A7: f32 = 5.122_297e-8;
    const A9: f32 = -8.604_672e-11;
    const A11: f32 = 2.000_188e-13;
    const A13: f32 = -2.760_768_5e-16;
    const B0: f32 = 4.893_525e-3;
    const B2: f32 = 2.268_434_6e-3;
    const B4: f32 = 1.185_347e-4;
    const B6: f32 = 1.198_258_4e-6;
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let p = ((((((A13 * x2 + A11) * x2 + A9) * x2 + A7) * x2 + A5) * x2 + A3) * x2 + A1) * x;
    let q = ((B6 * x2 + B4) * x2 + B2) * x2 + B0;
    p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_tanh_and_sigmoid_are_accurate_in_f32() {
        let mut worst: f64 = 0.0;
        let mut worst_sig: f64 = 0.0;
        for k in -200_000..=200_000 {
            let x = k as f32 * 6e-5; // −12 … 12
            worst = worst.max((tanh_f32(x) as f64 - (x as f64).tanh()).abs());
            let mut s = [x];
            activate(Activation::Sigmoid, &mut s[..]);
            worst_sig = worst_sig.max((s[0] as f64 - 1.0 / (1.0 + (-(x as f64)).exp())).abs());
        }
        assert!(worst < 5e-7, "tanh error {worst:e}");
        assert!(worst_sig < 5e-7, "sigmoid error {worst_sig:e}");
        // Odd, bounded, and exact at 0.
        assert_eq!(tanh_f32(0.0), 0.0);
        assert_eq!(tanh_f32(-1.5), -tanh_f32(1.5));
        assert!(tanh_f32(100.0) <= 1.0 && tanh_f32(-100.0) >= -1.0);
    }

    #[test]
    fn f64_keeps_the_library_functions() {
        let mut z = [0.3f64, -2.0];
        activate(Activation::Tanh, &mut z[..]);
        assert_eq!(z, [0.3f64.tanh(), (-2.0f64).tanh()]);
    }
}
