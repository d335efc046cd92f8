//! Finite-difference checks of the convolution gradients, 2-D and batched,
//! and of errata 8 and 13, which fail the same checks.
//!
//! The test loss is L = Σ G ⊙ out with a fixed random G, so δ = ∂L/∂out = G.
//! Convolution is linear in each of x, w and b, so central differences have
//! no truncation error and a large step (h = 0.5) keeps rounding small.

use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::rng::Rng;
use lenet::{Matrix, conv, errata};
use ndarray::{Array1, Array2, Array4};

#[path = "support/conv_layer_check.rs"]
mod conv_layer_check;
use conv_layer_check::{LINEAR_STEP, Layer, check_layer};

/// A random matrix, entries uniform in [-1, 1).
fn matrix(rng: &mut Rng, rows: usize, cols: usize) -> Matrix<f64> {
    Matrix(rng.uniform_array((rows, cols), -1.0, 1.0))
}

fn dot2(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    (a * b).sum()
}

#[test]
fn input_and_kernel_gradients_2d_match_finite_differences() {
    let mut rng = Rng::new(7);
    // Non-square input and kernel, and a square pair.
    for &(h, w, kh, kw) in &[(5, 7, 2, 3), (4, 4, 3, 3), (6, 3, 4, 1)] {
        let mut a = rng.uniform_array((h, w), -1.0, 1.0);
        let mut k = rng.uniform_array((kh, kw), -1.0, 1.0);
        let g = matrix(&mut rng, h - kh + 1, w - kw + 1);
        let loss =
            |a: &Array2<f64>, k: &Array2<f64>| dot2(&conv::correlate_valid(&Matrix(a.clone()), &Matrix(k.clone())), &g);
        let k0 = k.clone();
        let num_da = numerical_grad(&mut a, LINEAR_STEP, |a| loss(a, &k0));
        let a0 = a.clone();
        let num_dw = numerical_grad(&mut k, LINEAR_STEP, |k| loss(&a0, k));
        let da = conv::input_grad(&g, &Matrix(k.clone()));
        let dw = conv::kernel_grad(&Matrix(a.clone()), &g);
        assert!(rel_error(&da.0, &num_da) < 1e-7, "∂C/∂a for {h}×{w} * {kh}×{kw}");
        assert!(rel_error(&dw.0, &num_dw) < 1e-7, "∂C/∂W for {h}×{w} * {kh}×{kw}");
        // z + b adds b to every output, so ∂L/∂b = Σ G.
        let mut b = Array1::from_elem(1, 0.3);
        let z = conv::correlate_valid(&Matrix(a.clone()), &Matrix(k.clone()));
        let num_db = numerical_grad(&mut b, LINEAR_STEP, |b| dot2(&z.mapv(|v| v + b[0]), &g));
        assert!((conv::bias_grad(&g) - num_db[0]).abs() < 1e-9);
    }
}

/// One batched case: N samples, C input channels, K kernels, H×W input,
/// kh×kw kernels, padding.
fn check_batch(seed: u64, n: usize, c: usize, k: usize, (h, w): (usize, usize), (kh, kw): (usize, usize), pad: usize) {
    let layer =
        Layer { forward: &|x, w, b| conv::forward(x, w, b, pad), backward: &|x, w, dy| conv::backward(x, w, dy, pad) };
    let out = (h + 2 * pad - kh + 1, w + 2 * pad - kw + 1);
    let case = format!("N={n} C={c} K={k} input {h}×{w} kernel {kh}×{kw} padding {pad}");
    check_layer(layer, seed, (n, c, k), (h, w), (kh, kw), out, &case);
}

#[test]
fn batched_backward_padding_0() {
    check_batch(1, 1, 1, 1, (5, 5), (3, 3), 0);
    check_batch(2, 2, 3, 4, (6, 5), (3, 2), 0);
    check_batch(3, 3, 2, 1, (4, 7), (2, 4), 0);
}

#[test]
fn batched_backward_padding_2() {
    check_batch(4, 2, 2, 3, (5, 7), (3, 3), 2);
    check_batch(5, 3, 1, 2, (4, 3), (5, 2), 2);
    check_batch(6, 2, 3, 2, (3, 4), (5, 5), 2);
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn erratum_8_fails_the_delta_check_and_the_correction_passes() {
    // z^l → a^l = σ(z^l) → z^{l+1} = correlate_valid(a^l, W) → L = Σ G ⊙ z^{l+1}.
    let mut rng = Rng::new(11);
    let mut z = rng.uniform_array((5, 6), -1.0, 1.0);
    let w = matrix(&mut rng, 2, 3);
    let g = matrix(&mut rng, 4, 4);
    let loss = |z: &Array2<f64>| dot2(&conv::correlate_valid(&Matrix(z.mapv(sigmoid)), &w), &g);
    // σ is smooth and nonlinear: the usual 1e-5 step.
    let num = numerical_grad(&mut z, 1e-5, loss);
    let sigma_prime = Matrix(z.mapv(|v| sigmoid(v) * (1.0 - sigmoid(v))));

    let correct = errata::delta_corrected(&g, &w, &sigma_prime);
    let e = rel_error(&correct.0, &num);
    assert!(e < 1e-7, "corrected δ^l: rel_error {e:e}");

    let as_written = errata::delta_as_written(&g, &w);
    assert_eq!(as_written.shape2(), (3, 2), "without padding δ^l is too small for the 5×6 a^l");
    assert_ne!(as_written.shape2(), num.dim());

    let no_sigma = errata::delta_without_activation(&g, &w);
    let e = rel_error(&no_sigma.0, &num);
    println!("erratum 8: without σ′ rel_error {e:.3}");
    assert!(e > 0.3, "without σ′(z) δ^l should be far off, rel_error {e}");
}

#[test]
fn erratum_13_fails_the_kernel_check_and_the_correction_passes() {
    // The notes' forward is a true convolution: z = convolve2d(a, w, 'valid').
    let mut rng = Rng::new(13);
    let a = matrix(&mut rng, 6, 5);
    let mut w = rng.uniform_array((3, 2), -1.0, 1.0);
    let g = matrix(&mut rng, 4, 4);
    let num = numerical_grad(&mut w, LINEAR_STEP, |w| dot2(&errata::convolve2d_valid(&a, &Matrix(w.clone())), &g));
    let right = errata::true_conv_kernel_grad(&a, &g);
    let wrong = errata::true_conv_kernel_grad_as_written(&a, &g);
    let e_right = rel_error(&right.0, &num);
    assert!(e_right < 1e-9, "corrected kernel gradient: rel_error {e_right:e}");
    let e_wrong = rel_error(&wrong.0, &num);
    let abs_wrong = (&wrong.0 - &num).mapv(f64::abs).fold(0.0, |m: f64, &v| m.max(v));
    println!(
        "erratum 13: as written rel_error {e_wrong:.3}, largest error {abs_wrong:.3}; corrected rel_error {e_right:e}"
    );
    assert!(e_wrong > 0.3, "as written: rel_error {e_wrong}");
    assert!(abs_wrong > 0.5, "as written: largest error {abs_wrong}");
    // The correlation forward's kernel gradient (no rot180) is also wrong here.
    assert!(rel_error(&conv::kernel_grad(&a, &g).0, &num) > 0.3);
}

#[test]
#[should_panic(expected = "correlate_valid: kernel 3×3 is larger than input 2×2")]
fn correlate_valid_rejects_a_kernel_larger_than_the_input() {
    conv::correlate_valid(&Matrix::<f64>::zeros(2, 2), &Matrix::zeros(3, 3));
}

#[test]
#[should_panic(expected = "kernel_grad: δ 2×4 is larger than input 3×3")]
fn kernel_grad_rejects_a_delta_larger_than_the_input() {
    conv::kernel_grad(&Matrix::<f64>::zeros(3, 3), &Matrix::zeros(2, 4));
}

#[test]
#[should_panic(expected = "input x 2×3×5×5 has 3 channels but kernels w 4×2×3×3 have 2")]
fn forward_rejects_mismatched_channels() {
    conv::forward(&Array4::<f64>::zeros((2, 3, 5, 5)), &Array4::zeros((4, 2, 3, 3)), &Array1::zeros(4), 0);
}

#[test]
#[should_panic(expected = "bias b has 3 entries but kernels w 4×2×3×3 number 4")]
fn forward_rejects_a_bias_of_the_wrong_length() {
    conv::forward(&Array4::<f64>::zeros((2, 2, 5, 5)), &Array4::zeros((4, 2, 3, 3)), &Array1::zeros(3), 0);
}

#[test]
#[should_panic(expected = "kernels w 1×1×4×4 do not fit the input x 1×1×2×2 padded by 0")]
fn forward_rejects_a_kernel_larger_than_the_padded_input() {
    conv::forward(&Array4::<f64>::zeros((1, 1, 2, 2)), &Array4::zeros((1, 1, 4, 4)), &Array1::zeros(1), 0);
}

#[test]
#[should_panic(expected = "dy 2×4×3×3 should be 2×4×4×4 for x 2×2×5×5 and w 4×2×2×2")]
fn backward_rejects_a_delta_of_the_wrong_shape() {
    let x = Array4::<f64>::zeros((2, 2, 5, 5));
    conv::backward(&x, &Array4::zeros((4, 2, 2, 2)), &Array4::zeros((2, 4, 3, 3)), 0);
}
