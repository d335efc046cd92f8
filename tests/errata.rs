//! Each runnable erratum of ERRATA.md fails a check that its corrected
//! version passes. (Errata 8 and 13 are in `conv_gradcheck.rs`, the
//! symbolic forms of 6 and 7 in `symbolic.rs`.)

use lenet::activation::Activation;
use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::rng::Rng;
use lenet::{Matrix, conv, errata, fc, loss, pool, worked};
use ndarray::{Array, Array2, Array4, Dimension};

fn max_abs_diff<D: Dimension>(x: &Array<f64, D>, y: &Array<f64, D>) -> f64 {
    (x - y).iter().fold(0.0, |m: f64, v| m.max(v.abs()))
}

#[test]
fn errata_6_and_7_fail_the_kernel_gradient_check_on_the_worked_numbers() {
    let ex = worked::numbers();
    let (a, d) = (ex.a.map(|&v| v as f64), ex.delta.map(|&v| v as f64));
    // L = Σ δ ⊙ correlate_valid(a, w), so ∂L/∂w is the kernel gradient.
    let mut w = ex.w.map(|&v| v as f64).0;
    let num = numerical_grad(&mut w, 0.5, |w| {
        (&conv::correlate_valid(&a, &Matrix(w.clone())).0 * &d.0).sum()
    });
    let correct = worked::symbols()
        .kernel_grad()
        .map(|f| f.eval(worked::value));
    assert!(rel_error(&correct.0, &num) < 1e-7);
    assert_eq!(
        num.mapv(f64::round),
        Array2::from(vec![[12.0, 15.0], [21.0, 24.0]])
    );

    let labelled = errata::kernel_grad_as_labelled().map(|f| f.eval(worked::value));
    // W₁₂ gets the W₂₂ formula (24), W₂₁ ends in a₃₃δ₂₂ (22), W₂₂ is missing (0).
    assert_eq!(labelled.0, Array2::from(vec![[12.0, 24.0], [22.0, 0.0]]));
    assert!(rel_error(&labelled.0, &num) > 0.1);
}

/// Softmax over each column.
fn softmax(z: &Array2<f64>) -> Array2<f64> {
    let mut p = z.clone();
    for mut col in p.columns_mut() {
        let m = col.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        col.mapv_inplace(|v| (v - m).exp());
        let s = col.sum();
        col.mapv_inplace(|v| v / s);
    }
    p
}

#[test]
fn erratum_11_delta_is_the_negative_gradient() {
    let mut rng = Rng::new(21);
    let (classes, inputs, n) = (3, 4, 5);
    let mut w = rng.uniform_array((classes, inputs), -1.0, 1.0);
    let a = rng.uniform_array((inputs, n), -1.0, 1.0);
    let labels = [0, 2, 1, 2, 0];
    let y = Array2::from_shape_fn((classes, n), |(k, j)| f64::from(u8::from(labels[j] == k)));
    let mean_ce = |w: &Array2<f64>| {
        let p = softmax(&w.dot(&a));
        -labels
            .iter()
            .enumerate()
            .map(|(j, &k)| p[[k, j]].ln())
            .sum::<f64>()
            / n as f64
    };
    let w0 = w.clone();
    let grad = numerical_grad(&mut w, 1e-5, mean_ce);

    let delta = errata::softmax_delta_as_written(&softmax(&w.dot(&a)), &y);
    let lr = 0.1;
    let updated = errata::fc_update_as_written(&w, &a, &delta, lr);
    // The code's update is exactly gradient descent on the mean cross-entropy…
    let e = rel_error(&((&updated - &w0) / lr), &(-&grad));
    println!("erratum 11: (W_new − W)/lr vs −∇C rel_error {e:e}");
    assert!(e < 1e-7, "W += lr δ aᵀ vs W − lr ∇C: rel_error {e:e}");
    assert!(mean_ce(&updated) < mean_ce(&w0));
    // …but its δ aᵀ is not ∂C/∂W: read with the text's rule W −= η ∂C/∂W
    // it points the opposite way and the loss goes up.
    let as_gradient = delta.dot(&a.t());
    let e = rel_error(&as_gradient, &grad);
    assert!(e > 0.99, "δ aᵀ used as the gradient: rel_error {e}");
    assert!(mean_ce(&(&w0 - &(as_gradient * lr))) > mean_ce(&w0));
}

/// z[n, k, i, j] = Σ_c Σ_pq x[n, c, i+p, j+q] w[k, c, kh−1−p, kw−1−q]
/// (a true convolution per sample and kernel), written as loops.
fn explicit_true_conv(x: &Array4<f64>, w: &Array4<f64>) -> Array4<f64> {
    let ((n, c, h, wd), (k, _, kh, kw)) = (x.dim(), w.dim());
    Array4::from_shape_fn((n, k, h - kh + 1, wd - kw + 1), |(s, o, i, j)| {
        let mut z = 0.0;
        for ch in 0..c {
            for p in 0..kh {
                for q in 0..kw {
                    z += x[[s, ch, i + p, j + q]] * w[[o, ch, kh - 1 - p, kw - 1 - q]];
                }
            }
        }
        z
    })
}

#[test]
fn erratum_12_broadcasting_forward_fails_and_the_correction_passes() {
    let mut rng = Rng::new(12);
    let x = rng.uniform_array((2, 2, 5, 4), -1.0, 1.0);
    let w = rng.uniform_array((3, 2, 2, 2), -1.0, 1.0);
    let expected = explicit_true_conv(&x, &w);
    let right = errata::true_conv_forward(&x, &w);
    assert!(max_abs_diff(&right, &expected) < 1e-12);
    let wrong = errata::conv_forward_as_written(&x, &w);
    assert_eq!(wrong.dim(), expected.dim());
    let diff = max_abs_diff(&wrong, &expected);
    println!("erratum 12: as written differs from the layer by up to {diff:.3}");
    assert!(
        diff > 0.5,
        "as written differs from the layer by at most {diff}"
    );
    // Every sample and output channel got the same plane.
    assert_eq!(
        wrong.slice(ndarray::s![0, 0, .., ..]),
        wrong.slice(ndarray::s![1, 2, .., ..])
    );

    // One sample, one channel, one kernel: the bug is invisible.
    let x1 = rng.uniform_array((1, 1, 5, 4), -1.0, 1.0);
    let w1 = rng.uniform_array((1, 1, 2, 2), -1.0, 1.0);
    assert!(
        max_abs_diff(
            &errata::conv_forward_as_written(&x1, &w1),
            &explicit_true_conv(&x1, &w1)
        ) < 1e-12
    );
}

#[test]
#[should_panic(
    expected = "erratum 12: the loop runs over the kernels' channel count 3 but w has only 2 kernels"
)]
fn erratum_12_with_fewer_kernels_than_channels_indexes_missing_kernels() {
    errata::conv_forward_as_written(
        &Array4::<f64>::zeros((1, 3, 4, 4)),
        &Array4::zeros((2, 3, 2, 2)),
    );
}

/// rel_error of a max-pool backward against finite differences of
/// L = Σ G ⊙ maxpool(x).
fn max_pool_error(
    seed: u64,
    (h, w): (usize, usize),
    size: usize,
    stride: usize,
    backward: fn(&Array4<f64>, &pool::Argmax) -> Array4<f64>,
) -> f64 {
    let mut rng = Rng::new(seed);
    let mut x: Array4<f64> = rng.uniform_array((2, 2, h, w), -1.0, 1.0);
    // A clear maximum in the middle of each plane, shared by every window
    // that covers it when windows overlap.
    x.slice_mut(ndarray::s![.., .., h / 2, w / 2]).fill(5.0);
    let (y, argmax) = pool::max_forward(&x, size, stride);
    let g = rng.uniform_array(y.raw_dim(), -1.0, 1.0);
    // Piecewise linear with distinct entries: a small step never crosses a
    // change of argmax, and there is no truncation error.
    let num = numerical_grad(&mut x, 1e-6, |x| {
        (&pool::max_forward(x, size, stride).0 * &g).sum()
    });
    rel_error(&backward(&g, &argmax), &num)
}

#[test]
fn erratum_15_assigning_max_pool_backward_passes_without_overlap() {
    let assign = max_pool_error(15, (4, 6), 2, 2, errata::max_backward_assigning);
    let accumulate = max_pool_error(15, (4, 6), 2, 2, pool::max_backward);
    assert!(
        assign < 1e-7,
        "assigning, non-overlapping windows: {assign:e}"
    );
    assert!(
        accumulate < 1e-7,
        "accumulating, non-overlapping windows: {accumulate:e}"
    );
}

#[test]
fn erratum_15_assigning_max_pool_backward_fails_with_overlap() {
    let assign = max_pool_error(16, (5, 5), 3, 1, errata::max_backward_assigning);
    let accumulate = max_pool_error(16, (5, 5), 3, 1, pool::max_backward);
    println!(
        "erratum 15, 3×3 windows stride 1: assigning rel_error {assign:.3}, accumulating {accumulate:e}"
    );
    assert!(
        accumulate < 1e-7,
        "accumulating, overlapping windows: {accumulate:e}"
    );
    assert!(assign > 0.1, "assigning, overlapping windows: {assign}");
}

/// A 2 → 2 → 2 sigmoid network on a batch of 3, mean squared error.
struct Net {
    x: Array2<f64>,
    w1: Array2<f64>,
    b1: Array2<f64>,
    w2: Array2<f64>,
    b2: Array2<f64>,
    y: Array2<f64>,
}

const SIGMOID: Activation = Activation::Sigmoid;

impl Net {
    fn new(seed: u64) -> Net {
        let mut rng = Rng::new(seed);
        Net {
            x: rng.uniform_array((2, 3), -1.0, 1.0),
            w1: rng.uniform_array((2, 2), -1.0, 1.0),
            b1: rng.uniform_array((2, 1), -1.0, 1.0),
            w2: rng.uniform_array((2, 2), -1.0, 1.0),
            b2: rng.uniform_array((2, 1), -1.0, 1.0),
            y: rng.uniform_array((2, 3), -1.0, 1.0),
        }
    }

    /// (z¹, a¹, z², a²)
    fn forward(&self, w1: &Array2<f64>) -> [Array2<f64>; 4] {
        let z1 = fc::forward(w1, &self.x, &self.b1).0;
        let a1 = SIGMOID.apply(&z1);
        let z2 = fc::forward(&self.w2, &a1, &self.b2).0;
        let a2 = SIGMOID.apply(&z2);
        [z1, a1, z2, a2]
    }
}

#[test]
fn erratum_1_output_delta_with_the_wrong_layer_fails() {
    let net = Net::new(1);
    let [z1, _, mut z2, a2] = net.forward(&net.w1);
    // δ^L per sample = N · ∂(mean loss)/∂z^L.
    let n = net.x.ncols() as f64;
    let num = numerical_grad(&mut z2, 1e-5, |z| loss::mse(&SIGMOID.apply(z), &net.y).0) * n;
    let right = fc::output_delta(&(&a2 - &net.y), &z2, SIGMOID);
    let wrong = errata::output_delta_as_written(&a2, &net.y, &z1, SIGMOID);
    let (e_right, e_wrong) = (rel_error(&right.0, &num), rel_error(&wrong.0, &num));
    println!("erratum 1: as written rel_error {e_wrong:.3}, corrected {e_right:e}");
    assert!(e_right < 1e-7, "δ^L with σ'(z^L): {e_right:e}");
    assert!(e_wrong > 0.05, "δ^L with σ'(z^l): {e_wrong}");
}

#[test]
fn erratum_2_first_layer_weights_from_the_output_delta_fail() {
    let net = Net::new(2);
    let [z1, a1, z2, a2] = net.forward(&net.w1);
    let delta2 = fc::output_delta(&(&a2 - &net.y), &z2, SIGMOID);
    let delta1 = fc::backprop_delta(&net.w2, &delta2, &z1, SIGMOID);
    let mut w1 = net.w1.clone();
    let num = numerical_grad(&mut w1, 1e-5, |w| loss::mse(&net.forward(w)[3], &net.y).0);
    let right = fc::weight_grad(&delta1, &net.x);
    let wrong = errata::weight_grad_as_written(&delta2, &a1);
    let (e_right, e_wrong) = (rel_error(&right.0, &num), rel_error(&wrong.0, &num));
    println!("erratum 2: as written rel_error {e_wrong:.3}, corrected {e_right:e}");
    assert!(e_right < 1e-7, "∂C/∂W¹ = δ¹ xᵀ: {e_right:e}");
    assert!(e_wrong > 0.1, "∂C/∂W¹ = δ² (a¹)ᵀ: {e_wrong}");
}

/// Erratum 16 is a design fault, not a slip of calculus: the gradient through
/// ReLU-on-the-logits is right for that function, but for a sample whose
/// logits are all negative it is exactly zero, so a descent step cannot
/// lower a loss stuck at ln 10. Without the ReLU the same step does.
#[test]
fn erratum_16_relu_on_the_logits_stops_learning_from_negative_logits() {
    let mut rng = Rng::new(16);
    let z = Array2::from_shape_fn((10, 1), |_| -0.05 - rng.uniform_in(0.0, 2.0));
    let (relu, label, lr) = (Activation::Relu, [3], 0.5);
    let step = |z: &Array2<f64>, g: &Array2<f64>| z - &(g * lr);

    // As in the notes' network: softmax(relu(z)).
    let notes_loss = |z: &Array2<f64>| loss::softmax_cross_entropy(&relu.apply(z), &label).0;
    let (c_notes, g) = loss::softmax_cross_entropy(&relu.apply(&z), &label);
    let dz_notes = relu.backward(&g, &z);
    assert!((c_notes - 10f64.ln()).abs() < 1e-12, "uniform softmax, loss ln 10: {c_notes}");
    assert!(dz_notes.iter().all(|&v| v == 0.0), "no gradient reaches the logits: {dz_notes:?}");
    assert_eq!(notes_loss(&step(&z, &dz_notes)), c_notes, "a step changes nothing");
    // The gradient is still the right one for that function: the fault is the design.
    let num = numerical_grad(&mut z.clone(), 1e-5, |z| notes_loss(z));
    assert!(num.iter().all(|&v| v.abs() < 1e-12), "finite differences agree it is zero: {num:?}");

    // Corrected: the logits go into the softmax as they are.
    let (c, dz) = loss::softmax_cross_entropy(&z, &label);
    let after = loss::softmax_cross_entropy(&step(&z, &dz), &label).0;
    assert!(dz.iter().any(|&v| v.abs() > 1e-3), "p − y is not zero: {dz:?}");
    assert!(after < c - 1e-3, "a step lowers the loss: {c} → {after}");
    println!("erratum 16: with ReLU loss {c_notes:.4} (ln 10), gradient 0, a step changes nothing; without, a step {c:.4} → {after:.4}");
}
