//! The matrix view of a convolution (`conv::matrix_of`): M vec(a) is the
//! valid correlation and Mᵀ vec(δ) the full convolution, the input gradient,
//! over random shapes in exact integer arithmetic; and on symbols for the
//! book's 3×3 / 2×2 example.

use lenet::{Matrix, Sym, conv};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

fn ints(r: usize, c: usize) -> impl Strategy<Value = Matrix<i64>> {
    prop::collection::vec(-9i64..=9, r * c)
        .prop_map(move |v| Matrix(ndarray::Array2::from_shape_vec((r, c), v).unwrap()))
}

proptest! {
    // A fixed seed: the same cases on every run (the test command is deterministic).
    #![proptest_config(ProptestConfig { rng_seed: RngSeed::Fixed(20), ..ProptestConfig::with_cases(200) })]

    /// An input of n_h × n_w ≥ the kernel, δ of the output's shape.
    #[test]
    fn m_is_the_correlation_and_its_transpose_the_full_convolution(
        (a, w, delta) in (1usize..=4, 1usize..=4, 1usize..=4, 1usize..=4).prop_flat_map(|(kh, kw, m, n)| {
            (ints(kh + m - 1, kw + n - 1), ints(kh, kw), ints(m, n))
        })
    ) {
        let m = conv::matrix_of(&w, a.shape2());
        let (oh, ow) = delta.shape2();
        prop_assert_eq!(m.shape2(), (oh * ow, a.len()));
        prop_assert_eq!(m.matmul(&conv::vec_of(&a)), conv::vec_of(&conv::correlate_valid(&a, &w)));
        prop_assert_eq!(m.transpose().matmul(&conv::vec_of(&delta)), conv::vec_of(&conv::full_convolve(&delta, &w)));
    }
}

/// The 4×9 matrix of the 2×2 kernel on a 3×3 input, entry by entry: each row
/// is the kernel laid on the input at one output position.
#[test]
fn the_example_matrix_is_the_kernel_laid_four_times() {
    let w = Matrix::from_rows(&[[1, 2], [3, 4]]);
    let expected = Matrix::from_rows(&[
        [1, 2, 0, 3, 4, 0, 0, 0, 0],
        [0, 1, 2, 0, 3, 4, 0, 0, 0],
        [0, 0, 0, 1, 2, 0, 3, 4, 0],
        [0, 0, 0, 0, 1, 2, 0, 3, 4],
    ]);
    assert_eq!(conv::matrix_of(&w, (3, 3)), expected);
}

/// On symbols, Mᵀ vec(δ) prints the same nine formulas as the full convolution.
#[test]
fn on_symbols_the_transpose_gives_the_input_gradient_formulas() {
    let w = Matrix::from_fn(2, 2, |u, v| Sym::indexed("w", &[u + 1, v + 1]));
    let delta = Matrix::from_fn(2, 2, |p, q| Sym::indexed("δ", &[p + 1, q + 1]));
    let via_m = conv::matrix_of(&w, (3, 3)).transpose().matmul(&conv::vec_of(&delta));
    let full = conv::vec_of(&conv::full_convolve(&delta, &w));
    let print = |m: &Matrix<Sym>| m.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(print(&via_m), print(&full));
}

#[test]
#[should_panic(expected = "matrix_of: kernel 4×4 is larger than input 3×3")]
fn a_kernel_larger_than_the_input_is_refused() {
    conv::matrix_of(&Matrix::from_fn(4, 4, |_, _| 1.0), (3, 3));
}

#[test]
#[should_panic(expected = "Matrix::matmul: 4×9 times 4×1")]
fn a_product_of_mismatched_shapes_is_refused() {
    let m = conv::matrix_of(&Matrix::from_fn(2, 2, |_, _| 1.0), (3, 3));
    m.matmul(&Matrix::from_fn(4, 1, |_, _| 1.0));
}
