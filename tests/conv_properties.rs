//! Properties of the 2-D convolution functions over random shapes, in exact
//! integer arithmetic so equality is exact.

use lenet::{Matrix, conv};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// A `rows × cols` matrix of small integers, rows and cols in 1..=max.
fn matrix(max: usize) -> impl Strategy<Value = Matrix<i64>> {
    (1..=max, 1..=max).prop_flat_map(|(r, c)| {
        prop::collection::vec(-9i64..=9, r * c)
            .prop_map(move |v| Matrix(ndarray::Array2::from_shape_vec((r, c), v).unwrap()))
    })
}

/// ∂C/∂a_ij = Σ_pq δ_pq w_{i−p+1, j−q+1} (indices from 1, as the book
/// counts), summing only where that kernel entry exists, written directly as
/// loops. Rust counts from 0, where the same sum reads δ[p, q] · w[i − p, j − q].
fn explicit_input_grad(delta: &Matrix<i64>, w: &Matrix<i64>) -> Matrix<i64> {
    let ((m, n), (kh, kw)) = (delta.shape2(), w.shape2());
    Matrix::from_fn(m + kh - 1, n + kw - 1, |i, j| {
        let mut s = 0;
        for p in 0..m {
            for q in 0..n {
                if i >= p && i - p < kh && j >= q && j - q < kw {
                    s += delta[(p, q)] * w[(i - p, j - q)];
                }
            }
        }
        s
    })
}

fn inner(x: &Matrix<i64>, y: &Matrix<i64>) -> i64 {
    assert_eq!(x.dim(), y.dim());
    x.iter().zip(y.iter()).map(|(a, b)| a * b).sum()
}

proptest! {
    // A fixed seed: the same cases on every run (the test command is deterministic).
    #![proptest_config(ProptestConfig { rng_seed: RngSeed::Fixed(20), ..ProptestConfig::with_cases(200) })]

    #[test]
    fn full_convolve_is_the_explicit_sum(delta in matrix(6), w in matrix(4)) {
        prop_assert_eq!(conv::full_convolve(&delta, &w), explicit_input_grad(&delta, &w));
    }

    /// ⟨correlate_valid(a, w), δ⟩ = ⟨a, full_convolve(δ, w)⟩: the full
    /// convolution is the adjoint (transpose) of the valid correlation in a,
    /// which is what makes it the input gradient.
    #[test]
    fn full_convolve_is_the_adjoint_of_correlation(
        (a, w, delta) in (matrix(4), 1usize..=4, 1usize..=4).prop_flat_map(|(w, m, n)| {
            let (kh, kw) = w.shape2();
            (matrix_of(kh + m - 1, kw + n - 1), Just(w), matrix_of(m, n))
        })
    ) {
        let lhs = inner(&conv::correlate_valid(&a, &w), &delta);
        let rhs = inner(&a, &conv::full_convolve(&delta, &w));
        prop_assert_eq!(lhs, rhs);
        // And the kernel gradient is the adjoint in w: ⟨z, δ⟩ = ⟨w, kernel_grad(a, δ)⟩.
        prop_assert_eq!(lhs, inner(&w, &conv::kernel_grad(&a, &delta)));
    }

    #[test]
    fn rot180_twice_is_the_identity_and_pad_keeps_the_inside(m in matrix(5), r in 0usize..3, c in 0usize..3) {
        prop_assert_eq!(conv::rot180(&conv::rot180(&m)), m.clone());
        let p = conv::pad(&m, r, c);
        let (h, w) = m.shape2();
        prop_assert_eq!(p.shape2(), (h + 2 * r, w + 2 * c));
        prop_assert_eq!(p.sum(), m.sum());
        prop_assert_eq!(Matrix::from_view(p.slice(ndarray::s![r..r + h, c..c + w])), m);
    }
}

fn matrix_of(r: usize, c: usize) -> impl Strategy<Value = Matrix<i64>> {
    prop::collection::vec(-9i64..=9, r * c)
        .prop_map(move |v| Matrix(ndarray::Array2::from_shape_vec((r, c), v).unwrap()))
}
