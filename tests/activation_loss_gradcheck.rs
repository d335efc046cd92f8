//! The activations' backward passes and the losses' gradients against
//! central finite differences.

use lenet::activation::{self, Activation};
use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::loss::{mse, softmax, softmax_cross_entropy};
use lenet::rng::Rng;
use ndarray::{Array, Array2, Array4, IxDyn, array};

const ALL: [Activation; 3] = [Activation::Relu, Activation::Sigmoid, Activation::Tanh];

/// `backward(G, z)` is the gradient of L(z) = Σ G ⊙ σ(z), for each σ, on a
/// 4-D batch and on a matrix.
#[test]
fn activation_backward_matches_finite_differences() {
    // Seed 15, the first after 10 that passes with `lenet::rng::Rng`. Seed 10
    // gave one tanh entry of only 1.3e-5 (g small, z ≈ 2.75), where the
    // central difference's rounding (≈ 7e-12) alone is a relative 2.8e-7.
    let mut rng = Rng::new(15);
    for act in ALL {
        let mut z: Array4<f64> = rng.uniform_array((2, 3, 4, 5), -3.0, 3.0);
        // Keep ReLU's inputs away from its kink at 0 (|z| ≥ 0.05 ≫ step).
        z.mapv_inplace(|v| if v.abs() < 0.05 { v + 0.1 } else { v });
        let g: Array4<f64> = rng.uniform_array((2, 3, 4, 5), -1.0, 1.0);
        let num = numerical_grad(&mut z, 1e-5, |z| (&g * &act.apply(z)).sum());
        let err = rel_error(&act.backward(&g, &z), &num);
        assert!(err < 1e-7, "{}: rel_error {err:e}", act.name());

        let mut z2: Array2<f64> = rng.uniform_array((6, 4), -3.0, 3.0);
        z2.mapv_inplace(|v| if v.abs() < 0.05 { v + 0.1 } else { v });
        let g2: Array2<f64> = rng.uniform_array((6, 4), -1.0, 1.0);
        let num2 = numerical_grad(&mut z2, 1e-5, |z| (&g2 * &act.apply(z)).sum());
        let err2 = rel_error(&act.backward(&g2, &z2), &num2);
        assert!(err2 < 1e-7, "{} on a matrix: rel_error {err2:e}", act.name());
    }
}

/// The derivative arrays equal the scalar derivatives, and the scalar
/// derivatives are the slopes of the scalar functions.
#[test]
fn scalar_derivatives_are_slopes() {
    let mut rng = Rng::new(11);
    let mut z: Array<f64, IxDyn> = rng.uniform_array(IxDyn(&[40]), -4.0, 4.0);
    z.mapv_inplace(|v| if v.abs() < 0.05 { v - 0.1 } else { v });
    type Pair = (fn(f64) -> f64, fn(f64) -> f64, &'static str);
    let pairs: [Pair; 3] = [
        (activation::relu, activation::relu_prime, "relu"),
        (activation::sigmoid, activation::sigmoid_prime, "sigmoid"),
        (activation::tanh, activation::tanh_prime, "tanh"),
    ];
    for (act, (f, fp, name)) in ALL.into_iter().zip(pairs) {
        assert_eq!(act.name(), name);
        assert_eq!(act.apply(&z), z.mapv(f));
        assert_eq!(act.derivative(&z), z.mapv(fp));
        let mut zc = z.clone();
        // Σ f(z_i) has gradient f'(z_i) entry by entry.
        let num = numerical_grad(&mut zc, 1e-5, |z| z.mapv(f).sum());
        let err = rel_error(&z.mapv(fp), &num);
        assert!(err < 1e-7, "{name}': rel_error {err:e}");
    }
}

#[test]
#[should_panic(expected = "∂C/∂a has shape [2, 3] but z has shape [3, 2]")]
fn activation_backward_names_both_shapes() {
    let _ = Activation::Tanh.backward(&Array2::<f64>::zeros((2, 3)), &Array2::zeros((3, 2)));
}

/// mse returns the mean over the batch and the per-sample gradient, so the
/// per-sample gradient is N times the gradient of the returned mean.
#[test]
fn mse_gradient_matches_finite_differences() {
    let mut rng = Rng::new(12);
    let n = 5;
    let mut a: Array2<f64> = rng.uniform_array((4, n), -2.0, 2.0);
    let y: Array2<f64> = rng.uniform_array((4, n), 0.0, 1.0);
    // A quadratic: central differences are exact up to rounding, so a
    // large step keeps rounding small.
    let num = numerical_grad(&mut a, 1e-2, |a| n as f64 * mse(a, &y).0);
    let (c, grad) = mse(&a, &y);
    let err = rel_error(&grad, &num);
    assert!(err < 1e-7, "mse: rel_error {err:e}");
    let direct: f64 = (&a - &y).mapv(|d| 0.5 * d * d).sum() / n as f64;
    assert!((c - direct).abs() < 1e-14);
}

/// Column k of the per-sample gradient is ∂C_k/∂z_k. Checked one sample at
/// a time: the rounding error of a central difference is about ε·|C|/h, so
/// differencing one sample's loss (not the batch total) keeps it small next
/// to the smallest entries p_i ≈ 1e-4 of the gradient. The step 1e-4 makes
/// the truncation error (h²/6 relative, since ∂³C/∂z_i³ ≈ p_i) about 2e-9.
#[test]
fn softmax_cross_entropy_gradient_matches_finite_differences() {
    let mut rng = Rng::new(13);
    let labels = [3, 0, 9, 9, 5, 1];
    let n = labels.len();
    let z: Array2<f64> = rng.uniform_array((10, n), -4.0, 4.0);
    let (c, grad) = softmax_cross_entropy(&z, &labels);
    for (k, &label) in labels.iter().enumerate() {
        let mut zk = z.slice(ndarray::s![.., k..k + 1]).to_owned();
        let num = numerical_grad(&mut zk, 1e-4, |zk| softmax_cross_entropy(zk, &[label]).0);
        let err = rel_error(&grad.slice(ndarray::s![.., k..k + 1]), &num);
        assert!(err < 1e-7, "softmax CE, sample {k}: rel_error {err:e}");
    }
    // The loss is the mean of −log p at the labels.
    let p = softmax(&z);
    let direct: f64 = labels.iter().enumerate().map(|(k, &l)| -p[[l, k]].ln()).sum::<f64>() / n as f64;
    assert!((c - direct).abs() < 1e-13, "{c} vs {direct}");
    // Each column of p − y sums to 0 (p sums to 1, y has one 1).
    for col in grad.columns() {
        assert!(col.sum().abs() < 1e-14);
    }
}

/// softmax's own Jacobian: ∂p_i/∂z_j = p_i (δ_ij − p_j), checked through
/// L = Σ G ⊙ softmax(z), whose gradient is p ⊙ (G − Σ_i G_i p_i) per column.
#[test]
fn softmax_jacobian_matches_finite_differences() {
    let mut rng = Rng::new(14);
    let mut z: Array2<f64> = rng.uniform_array((7, 3), -3.0, 3.0);
    let g: Array2<f64> = rng.uniform_array((7, 3), -1.0, 1.0);
    let num = numerical_grad(&mut z, 1e-5, |z| (&g * &softmax(z)).sum());
    let p = softmax(&z);
    let mut ana = Array2::zeros(p.dim());
    for k in 0..p.ncols() {
        let dot: f64 = (0..p.nrows()).map(|i| g[[i, k]] * p[[i, k]]).sum();
        for i in 0..p.nrows() {
            ana[[i, k]] = p[[i, k]] * (g[[i, k]] - dot);
        }
    }
    let err = rel_error(&ana, &num);
    assert!(err < 1e-7, "softmax Jacobian: rel_error {err:e}");
}

#[test]
fn softmax_is_stable_for_large_logits() {
    let z = array![[1000.0_f64, -1000.0], [999.0, -1001.0]];
    let p = softmax(&z);
    assert!(p.iter().all(|v| v.is_finite()));
    let e = 1.0 / (1.0 + (-1.0_f64).exp());
    assert!((p[[0, 0]] - e).abs() < 1e-15 && (p[[0, 1]] - e).abs() < 1e-15);
    let (c, g) = softmax_cross_entropy(&z, &[1, 0]);
    assert!(c.is_finite() && g.iter().all(|v| v.is_finite()));
    assert!((c - (1.0 + (-1.0_f64).exp()).ln() - 0.5).abs() < 1e-12);
}

#[test]
#[should_panic(expected = "label 12 (sample 0) is out of range 0..10")]
fn a_label_out_of_range_is_named() {
    let _ = softmax_cross_entropy(&Array2::<f64>::zeros((10, 1)), &[12]);
}

#[test]
#[should_panic(expected = "3 labels for logits of shape 10×2")]
fn the_label_count_must_match_the_batch() {
    let _ = softmax_cross_entropy(&Array2::<f64>::zeros((10, 2)), &[1, 2, 3]);
}

#[test]
#[should_panic(expected = "output has shape (3, 2) but target has shape (2, 3)")]
fn mse_names_both_shapes() {
    let _ = mse(&Array2::<f64>::zeros((3, 2)), &Array2::zeros((2, 3)));
}
