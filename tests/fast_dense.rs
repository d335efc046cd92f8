//! The fully connected layers' products (`fast::dense`) against the
//! matrixmultiply crate (through ndarray), which computed them before: in
//! f32 the kernel must give the same bits, because every trained model was
//! to stay what it was. Every shape the network multiplies, for chunks of
//! 16 samples and for shorter ones (the last chunk of a batch, masked
//! lanes), for sub-chunks of 32 (two blocks of lanes), fc1's 400 terms
//! (two blocks of matrixmultiply's 256: the sum restarts), written over C
//! and added to C; entries with ±0, and products that underflow, among
//! them. Each path this CPU runs is compared (the non-AVX-512 ones go to
//! matrixmultiply itself, as f64 does on every path, so only their
//! dispatch is checked).

use lenet::Real;
use lenet::fast::conv1::Isa;
use lenet::fast::dense::{Strided, product_on, transpose};
use lenet::ndarray::linalg::general_mat_mul;
use lenet::ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder};
use lenet::rng::Rng;

/// (m, k) of each product's A as the network forms it, and whether A is
/// the transpose of a stored weight matrix: forward W (units × inputs),
/// backward Wᵀ, and the weight gradients' δ (units × samples, k = samples).
const SHAPES: [(usize, usize, bool); 6] = [
    (120, 400, false), // fc1 forward
    (84, 120, false),  // fc2 forward
    (10, 84, false),   // fc3 forward
    (400, 120, true),  // fc1 backward: W₁ᵀ δ
    (120, 84, true),   // fc2 backward
    (84, 10, true),    // fc3 backward
];

/// Values of mixed sizes and signs, some exactly ±0 and some so small that
/// their products underflow.
fn values<F: Real>(len: usize, r: &mut Rng) -> Vec<F> {
    (0..len)
        .map(|_| match r.below(10) {
            0 => F::zero(),
            1 => -F::zero(),
            2 => F::of(1e-30 * r.normal()),
            _ => F::of(r.normal()),
        })
        .collect()
}

fn bits<F: Real>(v: &[F]) -> Vec<u64> {
    v.iter().map(|x| x.f64().to_bits()).collect()
}

/// C (m × n) from matrixmultiply: C ← A·B + β C.
fn reference<F: Real>(a: Strided<F>, b: &[F], n: usize, accumulate: bool, c: &mut [F]) {
    let (m, k) = (a.rows, a.cols);
    let av = ArrayView2::from_shape((m, k).strides((a.rs, a.cs)), a.a).unwrap();
    let bv = ArrayView2::from_shape((k, n), &b[..k * n]).unwrap();
    let mut cv = ArrayViewMut2::from_shape((m, n), &mut c[..m * n]).unwrap();
    general_mat_mul(F::one(), &av, &bv, if accumulate { F::one() } else { F::zero() }, &mut cv);
}

fn compare<F: Real>(isa: Isa, a: Strided<F>, b: &[F], n: usize, accumulate: bool, c0: &[F], what: &str) {
    let (mut want, mut got) = (c0.to_vec(), c0.to_vec());
    reference(a, b, n, accumulate, &mut want);
    product_on(isa, a, b, n, accumulate, &mut got);
    assert_eq!(bits(&got), bits(&want), "{what}, {isa:?}");
}

fn products_are_matrixmultiplys<F: Real>() {
    let mut r = Rng::new(31);
    // fc1's 400 terms are summed in two of matrixmultiply's blocks of 256.
    for isa in Isa::available() {
        for &(m, k, transposed) in &SHAPES {
            let w = values::<F>(m * k, &mut r);
            let a = if transposed { Strided::transpose_of(&w, m, k) } else { Strided::rows_of(&w, m, k) };
            for n in [16, 5, 1, 32, 17] {
                let b = values::<F>(k * n, &mut r);
                let c0 = values::<F>(m * n, &mut r);
                for accumulate in [false, true] {
                    let what =
                        format!("{m}×{k}{} · {k}×{n}, accumulate {accumulate}", if transposed { " (Aᵀ)" } else { "" });
                    compare(isa, a, &b, n, accumulate, &c0, &what);
                }
            }
        }
        // The weight gradients: ∂W (units × inputs) += δ (units × samples) ·
        // (inputs × samples)ᵀ, B the transposed copy the pass writes.
        for &(units, inputs) in &[(120, 400), (84, 120), (10, 84)] {
            for samples in [16, 3, 32] {
                let delta = values::<F>(units * samples, &mut r);
                let act = values::<F>(inputs * samples, &mut r);
                let mut act_t = vec![F::zero(); inputs * samples];
                transpose(&act, inputs, samples, &mut act_t);
                let g0 = values::<F>(units * inputs, &mut r);
                let a = Strided::rows_of(&delta, units, samples);
                compare(isa, a, &act_t, inputs, true, &g0, &format!("∂W {units}×{inputs}, {samples} samples"));
            }
        }
    }
}

/// Sums of products that all underflow to −0: matrixmultiply writes
/// α·acc + 0, which is +0, and so must the kernel (where C is written, not
/// added to; added to, C in the pass is +0 or a sum, never −0).
#[test]
fn a_sum_that_underflows_to_minus_zero_is_written_as_plus_zero() {
    let (m, k, n) = (9, 3, 20);
    let a = vec![-1e-30f32; m * k];
    let b = vec![1e-30f32; k * n];
    for isa in Isa::available() {
        let mut c = vec![1.0f32; m * n];
        product_on(isa, Strided::rows_of(&a, m, k), &b, n, false, &mut c);
        assert!(c.iter().all(|v| v.to_bits() == 0), "{isa:?}: {:?}", &c[..4]);
        compare(isa, Strided::rows_of(&a, m, k), &b, n, false, &vec![1.0f32; m * n], "underflow");
    }
}

#[test]
fn products_are_matrixmultiplys_f32() {
    products_are_matrixmultiplys::<f32>();
}

#[test]
fn transpose_writes_each_entry_once() {
    let a: Vec<u32> = (0..12).collect();
    let mut t = vec![99; 12];
    transpose(&a, 3, 4, &mut t);
    assert_eq!(t, vec![0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
}
