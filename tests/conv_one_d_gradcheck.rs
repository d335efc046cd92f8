//! The 1-D convolution (`lenet_core::conv::one_d`): both gradients against
//! central finite differences, against the 2-D functions on a row, and the
//! formulas they print on symbols.

use lenet::Matrix;
use lenet::Sym;
use lenet::conv;
use lenet::conv::one_d::{correlate_valid, input_grad, kernel_grad};
use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::ndarray::Array1;
use lenet::rng::Rng;

/// C = Σ_i δ_i z_i, whose gradient with respect to z is δ: the loss
/// that makes a given δ arrive at the output.
fn cost(z: &[f64], delta: &[f64]) -> f64 {
    z.iter().zip(delta).map(|(z, d)| z * d).sum()
}

#[test]
fn both_gradients_match_finite_differences() {
    let mut rng = Rng::new(2);
    for (n, k) in [(5, 3), (4, 1), (6, 6), (9, 4)] {
        let a: Vec<f64> = (0..n).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
        let w: Vec<f64> = (0..k).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
        let delta: Vec<f64> = (0..n - k + 1).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
        // C is linear in a and in w, so truncation is zero and a large step
        // keeps rounding small.
        let da = numerical_grad(&mut Array1::from(a.clone()), 1e-2, |a| {
            cost(&correlate_valid(a.as_slice().unwrap(), &w), &delta)
        });
        let dw = numerical_grad(&mut Array1::from(w.clone()), 1e-2, |w| {
            cost(&correlate_valid(&a, w.as_slice().unwrap()), &delta)
        });
        let (ga, gw) = (Array1::from(input_grad(&delta, &w)), Array1::from(kernel_grad(&a, &delta)));
        assert!(rel_error(&ga, &da) < 1e-7, "n={n}, k={k}: ∂C/∂a {ga} vs {da}");
        assert!(rel_error(&gw, &dw) < 1e-7, "n={n}, k={k}: ∂C/∂w {gw} vs {dw}");
    }
}

#[test]
fn one_d_is_the_2d_convolution_on_a_row() {
    let (a, w, delta) = (vec![2, 1, 0, 3, 1], vec![1, 2, -1], vec![1, -1, 2]);
    let row = |v: &[i64]| Matrix::from_fn(1, v.len(), |_, j| v[j]);
    let flat = |m: Matrix<i64>| m.iter().copied().collect::<Vec<_>>();
    assert_eq!(correlate_valid(&a, &w), flat(conv::correlate_valid(&row(&a), &row(&w))));
    assert_eq!(input_grad(&delta, &w), flat(conv::input_grad(&row(&delta), &row(&w))));
    assert_eq!(kernel_grad(&a, &delta), flat(conv::kernel_grad(&row(&a), &row(&delta))));
}

#[test]
fn the_symbols_print_the_derived_sums() {
    let v = |name: &str, n: usize| (1..=n).map(|i| Sym::indexed(name, &[i])).collect::<Vec<_>>();
    let (a, w, delta) = (v("a", 5), v("w", 3), v("δ", 3));
    let show = |v: Vec<Sym>| v.iter().map(Sym::to_string).collect::<Vec<_>>();
    assert_eq!(show(correlate_valid(&a, &w))[0], "a₁·w₁ + a₂·w₂ + a₃·w₃");
    let da = show(input_grad(&delta, &w));
    assert_eq!(da[0], "δ₁·w₁", "a₁ took part in z₁ only");
    assert_eq!(da[2], "δ₁·w₃ + δ₂·w₂ + δ₃·w₁");
    assert_eq!(da[4], "δ₃·w₃");
    assert_eq!(show(kernel_grad(&a, &delta))[1], "a₂·δ₁ + a₃·δ₂ + a₄·δ₃");
}

#[test]
#[should_panic(expected = "one_d::correlate_valid: kernel of length 3 is longer than input of length 2")]
fn a_kernel_longer_than_the_input_is_named() {
    correlate_valid(&[1.0, 2.0], &[1.0, 2.0, 3.0]);
}

#[test]
#[should_panic(expected = "one_d::input_grad: kernel of length 0 is empty")]
fn an_empty_kernel_is_named() {
    input_grad::<f64>(&[1.0], &[]);
}
