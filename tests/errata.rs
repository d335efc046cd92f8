//! Each runnable erratum of the notes fails a check that its corrected
//! version passes. (Errata 8 and 13 are also in `conv_gradcheck.rs`, the
//! symbolic forms of 6 and 7 in `symbolic.rs`.) The book's appendix,
//! `chapters/errata.md`, numbers them and names the test of every sub-item.

use lenet::activation::Activation;
use lenet::data::embedded;
use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::model::{Arch, LeNet};
use lenet::optim::Sgd;
use lenet::rng::Rng;
use lenet::{Matrix, conv, errata, fc, loss, pool, worked};
use ndarray::{Array, Array1, Array2, Array4, Dimension, s};

fn max_abs_diff<D: Dimension>(x: &Array<f64, D>, y: &Array<f64, D>) -> f64 {
    (x - y).iter().fold(0.0, |m: f64, v| m.max(v.abs()))
}

#[test]
fn errata_6_and_7_fail_the_kernel_gradient_check_on_the_worked_numbers() {
    let ex = worked::numbers();
    let (a, d) = (ex.a.map(|&v| v as f64), ex.delta.map(|&v| v as f64));
    // L = Σ δ ⊙ correlate_valid(a, w), so ∂L/∂w is the kernel gradient.
    let mut w = ex.w.map(|&v| v as f64).0;
    let num = numerical_grad(&mut w, 0.5, |w| (&conv::correlate_valid(&a, &Matrix(w.clone())).0 * &d.0).sum());
    let correct = worked::symbols().kernel_grad().map(|f| f.eval(worked::value));
    assert!(rel_error(&correct.0, &num) < 1e-7);
    assert_eq!(num.mapv(f64::round), Array2::from(vec![[12.0, 15.0], [21.0, 24.0]]));

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
        -labels.iter().enumerate().map(|(j, &k)| p[[k, j]].ln()).sum::<f64>() / n as f64
    };
    let w0 = w.clone();
    let grad = numerical_grad(&mut w, 1e-5, mean_ce);

    let delta = errata::softmax_delta_as_written(&softmax(&w.dot(&a)), &y);
    let lr = 0.1;
    let updated = errata::fc_update_as_written(&w, &a, &delta, lr);
    // The code's update is exactly gradient descent on the mean cross-entropy…
    let e = rel_error(&((&updated - &w0) / lr), &(-&grad));
    println!("erratum 11: (W_new − W)/lr vs −∇C rel_error {e:.1e}");
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
/// (a true convolution per sample and kernel), written as loops over Rust's
/// 0-based indices.
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
    assert!(diff > 0.5, "as written differs from the layer by at most {diff}");
    // Every sample and output channel got the same plane.
    assert_eq!(wrong.slice(ndarray::s![0, 0, .., ..]), wrong.slice(ndarray::s![1, 2, .., ..]));

    // One sample, one channel, one kernel: the bug is invisible.
    let x1 = rng.uniform_array((1, 1, 5, 4), -1.0, 1.0);
    let w1 = rng.uniform_array((1, 1, 2, 2), -1.0, 1.0);
    assert!(max_abs_diff(&errata::conv_forward_as_written(&x1, &w1), &explicit_true_conv(&x1, &w1)) < 1e-12);
}

#[test]
#[should_panic(expected = "erratum 12: the loop runs over the kernels' channel count 3 but w has only 2 kernels")]
fn erratum_12_with_fewer_kernels_than_channels_indexes_missing_kernels() {
    errata::conv_forward_as_written(&Array4::<f64>::zeros((1, 3, 4, 4)), &Array4::zeros((2, 3, 2, 2)));
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
    let num = numerical_grad(&mut x, 1e-6, |x| (&pool::max_forward(x, size, stride).0 * &g).sum());
    rel_error(&backward(&g, &argmax), &num)
}

#[test]
fn erratum_15_assigning_max_pool_backward_passes_without_overlap() {
    let assign = max_pool_error(15, (4, 6), 2, 2, errata::max_backward_assigning);
    let accumulate = max_pool_error(15, (4, 6), 2, 2, pool::max_backward);
    assert!(assign < 1e-7, "assigning, non-overlapping windows: {assign:e}");
    assert!(accumulate < 1e-7, "accumulating, non-overlapping windows: {accumulate:e}");
}

#[test]
fn erratum_15_assigning_max_pool_backward_fails_with_overlap() {
    let assign = max_pool_error(16, (5, 5), 3, 1, errata::max_backward_assigning);
    let accumulate = max_pool_error(16, (5, 5), 3, 1, pool::max_backward);
    println!("erratum 15, 3×3 windows stride 1: assigning rel_error {assign:.3}, accumulating {accumulate:.1e}");
    assert!(accumulate < 1e-7, "accumulating, overlapping windows: {accumulate:e}");
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
    println!("erratum 1: as written rel_error {e_wrong:.3}, corrected {e_right:.1e}");
    assert!(e_right < 1e-7, "δ^L with σ′(z^L): {e_right:e}");
    assert!(e_wrong > 0.05, "δ^L with σ′(z^l): {e_wrong}");
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
    println!("erratum 2: as written rel_error {e_wrong:.3}, corrected {e_right:.1e}");
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
    println!(
        "erratum 16: with ReLU loss {c_notes:.4} (ln 10), gradient 0, a step changes nothing; without, a step {c:.4} → {after:.4}"
    );
}

/// The largest difference between `x` and `y`, relative to the largest entry
/// of `y` (for arrays with entries near zero, where `rel_error`'s entry-wise
/// ratio would measure rounding against nothing).
fn rel_max_diff<D: Dimension>(x: &Array<f64, D>, y: &Array<f64, D>) -> f64 {
    max_abs_diff(x, y) / y.iter().fold(0.0, |m: f64, v| m.max(v.abs()))
}

/// Erratum 11, the missing transpose. The snippet updates `fc += lr · input · δ`
/// with the rows as samples; it runs only when the input size equals the
/// batch size, and then it is no descent step. The repository's `input.T`
/// makes it one.
#[test]
fn erratum_11_the_update_without_transpose_is_no_descent_step() {
    let mut rng = Rng::new(111);
    // in = N = 4: the one case in which the snippet runs at all.
    let (n, inputs, classes) = (4, 4, 3);
    let x = rng.uniform_array((n, inputs), -1.0, 1.0); // rows as samples
    let mut w = rng.uniform_array((inputs, classes), -1.0, 1.0); // in × out
    let labels = [2, 0, 1, 1];
    let y = Array2::from_shape_fn((classes, n), |(k, j)| f64::from(u8::from(labels[j] == k)));
    let mean_ce = |w: &Array2<f64>| loss::softmax_cross_entropy(&x.dot(w).reversed_axes(), &labels).0;
    let w0 = w.clone();
    let grad = numerical_grad(&mut w, 1e-5, mean_ce);
    // The notes' δ = (y − p)/N, one row per sample.
    let delta = errata::softmax_delta_as_written(&softmax(&x.dot(&w0).reversed_axes()), &y).reversed_axes();
    let lr = 0.1;

    let with_t = w0.clone() + &(x.t().dot(&delta) * lr);
    let without_t = errata::fc_update_without_transpose(&w0, &x, &delta, lr);
    let e_right = rel_error(&((&with_t - &w0) / lr), &(-&grad));
    let e_wrong = rel_error(&((&without_t - &w0) / lr), &(-&grad));
    println!("erratum 11: without the transpose rel_error {e_wrong:.3}, with it {e_right:.1e}");
    assert!(e_right < 1e-7, "fc += lr · inputᵀ δ vs −∇C: {e_right:e}");
    assert!(e_wrong > 0.1, "fc += lr · input δ vs −∇C: {e_wrong}");
    // The column layout of `fc_update_as_written` is the same corrected step.
    let columns = errata::fc_update_as_written(&w0.t().to_owned(), &x.t().to_owned(), &delta.t().to_owned(), lr);
    assert!(max_abs_diff(&columns.reversed_axes(), &with_t) < 1e-15);
}

#[test]
#[should_panic(expected = "erratum 11: np.dot(input 5×4, δ 5×3): shapes not aligned")]
fn erratum_11_without_the_transpose_other_batch_sizes_do_not_run() {
    let mut rng = Rng::new(112);
    let x = rng.uniform_array((5, 4), -1.0, 1.0);
    let delta = rng.uniform_array((5, 3), -1.0, 1.0);
    errata::fc_update_without_transpose(&Array2::zeros((4, 3)), &x, &delta, 0.1);
}

/// Erratum 9: the text's layer is a cross-correlation, the code's a true
/// convolution. The cross-correlation's gradient formulas applied to the true
/// convolution fail the check; turned by 180° they pass.
#[test]
fn erratum_9_correlation_gradients_fail_for_a_true_convolution() {
    let mut rng = Rng::new(9);
    let a = Matrix(rng.uniform_array((5, 6), -1.0, 1.0));
    let w = Matrix(rng.uniform_array((3, 2), -1.0, 1.0));
    let g = rng.uniform_array((3, 5), -1.0, 1.0);
    let loss = |a: &Matrix<f64>, w: &Matrix<f64>| (errata::convolve2d_valid(a, w).0 * &g).sum();
    // Linear in a and in w: a large step has no truncation error.
    let num_da = numerical_grad(&mut a.0.clone(), 0.5, |x| loss(&Matrix(x.clone()), &w));
    let num_dw = numerical_grad(&mut w.0.clone(), 0.5, |x| loss(&a, &Matrix(x.clone())));
    let g = Matrix(g);
    let errors = [
        rel_error(&conv::input_grad(&g, &w).0, &num_da),
        rel_error(&conv::kernel_grad(&a, &g).0, &num_dw),
        rel_error(&conv::input_grad(&g, &conv::rot180(&w)).0, &num_da),
        rel_error(&conv::rot180(&conv::kernel_grad(&a, &g)).0, &num_dw),
    ];
    println!(
        "erratum 9: correlation formulas on a true convolution rel_error {:.3} (∂C/∂a), {:.3} (∂C/∂w); turned by 180° {:.1e}, {:.1e}",
        errors[0], errors[1], errors[2], errors[3]
    );
    assert!(errors[0] > 0.1 && errors[1] > 0.1, "correlation formulas: {errors:?}");
    assert!(errors[2] < 1e-7 && errors[3] < 1e-7, "turned by 180°: {errors:?}");
}

/// rel_error of the repository's conv backward (dx, dw) and of the corrected
/// one (dx, dw) against finite differences, for N samples, C channels, K kernels.
fn repository_backward_errors(seed: u64, (n, c, k): (usize, usize, usize)) -> [f64; 4] {
    let mut rng = Rng::new(seed);
    let x = rng.uniform_array((n, c, 6, 5), -1.0, 1.0);
    let w = rng.uniform_array((k, c, 3, 3), -1.0, 1.0);
    let g = rng.uniform_array((n, k, 4, 3), -1.0, 1.0);
    let loss = |x: &Array4<f64>, w: &Array4<f64>| (errata::true_conv_forward(x, w) * &g).sum();
    let num_dx = numerical_grad(&mut x.clone(), 0.5, |x| loss(x, &w));
    let num_dw = numerical_grad(&mut w.clone(), 0.5, |w| loss(&x, w));
    let (dx, dw) = errata::true_conv_backward_as_in_the_repository(&x, &w, &g);
    // Corrected: the crate's layer with the kernels turned (z = correlate(x, rot180 w)),
    // its batch-mean dw times N and turned back.
    let turn = |w: &Array4<f64>| Array4::from_shape_fn(w.raw_dim(), |(k, c, p, q)| w[[k, c, 2 - p, 2 - q]]);
    let (right_dx, right_dw, _) = conv::backward(&x, &turn(&w), &g, 0);
    let right_dw = turn(&right_dw) * n as f64;
    [rel_error(&dx, &num_dx), rel_error(&dw, &num_dw), rel_error(&right_dx, &num_dx), rel_error(&right_dw, &num_dw)]
}

/// Erratum 13 in the repository's code: its conv backward takes the padded δ
/// of output channel c where kernel k's is meant, and adds every 2-D result
/// into the whole array. One sample, one channel and one kernel hide both;
/// a second kernel or a second sample shows each. (Its dw is erratum 13.)
#[test]
fn erratum_13_the_repository_backward_takes_the_delta_of_the_wrong_kernel() {
    let cases = [(1, 1, 1), (1, 1, 2), (2, 1, 1), (2, 2, 3)];
    for (i, &shape) in cases.iter().enumerate() {
        let [dx, dw, right_dx, right_dw] = repository_backward_errors(130 + i as u64, shape);
        let short = |e: f64| if e < 1e-3 { format!("{e:.1e}") } else { format!("{e:.3}") };
        println!(
            "erratum 13, repository backward, (N, C, K) = {shape:?}: dx rel_error {}, dw {}; corrected {right_dx:.1e}, {right_dw:.1e}",
            short(dx),
            short(dw)
        );
        assert!(right_dx < 1e-7 && right_dw < 1e-7, "corrected, {shape:?}: {right_dx:e}, {right_dw:e}");
        assert!(dw > 0.1, "dw as written, {shape:?}: {dw}");
        if shape == (1, 1, 1) {
            assert!(dx < 1e-7, "one sample, channel and kernel: dx as written passes, {dx:e}");
        } else {
            assert!(dx > 0.1, "dx as written, {shape:?}: {dx}");
        }
    }
}

#[test]
#[should_panic(
    expected = "erratum 13: the repository indexes δ (2 channels, one per kernel) by the input channel, of which there are 3"
)]
fn erratum_13_the_repository_backward_fails_with_more_channels_than_kernels() {
    errata::true_conv_backward_as_in_the_repository(
        &Array4::<f64>::zeros((1, 3, 4, 4)),
        &Array4::zeros((2, 3, 2, 2)),
        &Array4::zeros((1, 2, 3, 3)),
    );
}

/// Uniform random weights of Xavier's scale for a tensor with this shape
/// (fan-in and fan-out from the first two axes and the rest).
fn xavier<D: Dimension, Sh: ndarray::ShapeBuilder<Dim = D>>(rng: &mut Rng, shape: Sh, fan: usize) -> Array<f64, D> {
    let r = (6.0 / fan as f64).sqrt();
    rng.uniform_array(shape, -r, r)
}

/// The weights of the repository's network: conv 6@5×5, conv 16@5×5 (each
/// followed by 2×2 mean pooling), fc 256 → 200 → 10.
struct RepositoryWeights {
    w1: Array4<f64>,
    w2: Array4<f64>,
    fc1: Array2<f64>,
    fc2: Array2<f64>,
}

impl RepositoryWeights {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        RepositoryWeights {
            w1: xavier(&mut rng, (6, 1, 5, 5), 7 * 25),
            w2: xavier(&mut rng, (16, 6, 5, 5), 22 * 25),
            fc1: xavier(&mut rng, (200, 256), 456),
            fc2: xavier(&mut rng, (10, 200), 210),
        }
    }

    fn scores(&self, x: &Array4<f64>) -> Array2<f64> {
        errata::network_as_in_the_repository(x, &self.w1, &self.w2, &self.fc1, &self.fc2)
    }
}

/// The same network with biases (the correction), everything else as in the
/// repository.
fn scores_with_biases(
    w: &RepositoryWeights,
    b: &[Array1<f64>; 3],
    b_fc2: &Array2<f64>,
    x: &Array4<f64>,
) -> Array2<f64> {
    let h = pool::mean_forward(&conv::forward(x, &w.w1, &b[0], 0), 2, 2);
    let y = pool::mean_forward(&conv::forward(&h, &w.w2, &b[1], 0), 2, 2);
    let flat = y.into_shape_with_order((x.dim().0, 256)).unwrap().reversed_axes();
    let relu = Activation::Relu;
    let h1 = relu.apply(&fc::forward(&w.fc1, &flat, &b[2].clone().insert_axis(ndarray::Axis(1))).0);
    relu.apply(&fc::forward(&w.fc2, &h1, b_fc2).0)
}

/// Erratum 16, no biases: every layer of the repository's network sends 0 to
/// 0 and scales with its input, so a blank image scores 0 in every class for
/// any weights (loss ln 10, which no step can lower) and a dimmed digit gets
/// exactly scaled scores, hence the same class. With biases a blank image
/// has scores of its own and one descent step lowers its loss.
#[test]
fn erratum_16_without_biases_a_blank_image_scores_zero_whatever_the_weights() {
    let blank = Array4::<f64>::zeros((1, 1, 28, 28));
    for seed in [161, 162, 163] {
        let w = RepositoryWeights::new(seed);
        let s = w.scores(&blank);
        assert!(s.iter().all(|&v| v == 0.0), "weights {seed}: blank scores {s:?}");
        let c = loss::softmax_cross_entropy(&s, &[7]).0;
        assert!((c - 10f64.ln()).abs() < 1e-15, "loss ln 10: {c}");
    }

    let digits = embedded::train().expect("the embedded digits load");
    let (x, _) = digits.batch::<f64>(&[0]);
    let w = RepositoryWeights::new(164);
    let s = w.scores(&x);
    assert!(s.iter().any(|&v| v > 0.0), "the digit scores something: {s:?}");
    // The class: the first largest score.
    let class = |s: &Array2<f64>| s.iter().enumerate().fold(0, |best, (i, &v)| if v > s[[best, 0]] { i } else { best });
    for alpha in [0.25, 0.5, 2.0] {
        let scaled = w.scores(&(&x * alpha));
        let e = rel_max_diff(&scaled, &(&s * alpha));
        assert!(e < 1e-12, "s({alpha}·x) = {alpha}·s(x): {e:e}");
        assert_eq!(class(&scaled), class(&s));
    }

    // Corrected: with biases the blank image has scores of its own, and a
    // descent step on the last bias lowers its loss.
    let mut rng = Rng::new(165);
    let b = [rng.uniform_array(6, 0.0, 0.2), rng.uniform_array(16, 0.0, 0.2), rng.uniform_array(200, 0.0, 0.2)];
    let mut b_fc2 = rng.uniform_array((10, 1), 0.0, 0.2);
    let blank_loss =
        |b_fc2: &Array2<f64>| loss::softmax_cross_entropy(&scores_with_biases(&w, &b, b_fc2, &blank), &[7]).0;
    let before = blank_loss(&b_fc2);
    let grad = numerical_grad(&mut b_fc2, 1e-5, blank_loss);
    let after = blank_loss(&(&b_fc2 - &(grad * 0.5)));
    let scaled = scores_with_biases(&w, &b, &b_fc2, &(&x * 0.5));
    let e = rel_max_diff(&scaled, &(scores_with_biases(&w, &b, &b_fc2, &x) * 0.5));
    println!(
        "erratum 16, no biases: blank image loss ln 10 = {:.4} for every weight; with biases one step {before:.4} → {after:.4}; s(x/2) vs s(x)/2 with biases {e:.3}",
        10f64.ln()
    );
    assert!(after < before - 1e-3, "with biases a step lowers the blank image's loss: {before} → {after}");
    assert!(e > 0.01, "with biases the scores no longer scale with the image: {e}");
}

/// Two convolutions with the repository's shapes (6@5×5 then 16@5×5 over 6
/// channels) and no activation between: the full convolution of their
/// kernels.
fn composed_kernel(w1: &Array4<f64>, w2: &Array4<f64>) -> Array4<f64> {
    let ((m, c, kh1, kw1), (k, _, kh2, kw2)) = (w1.dim(), w2.dim());
    let mut out = Array4::zeros((k, c, kh1 + kh2 - 1, kw1 + kw2 - 1));
    for o in 0..k {
        for i in 0..c {
            for j in 0..m {
                let part = conv::full_convolve(
                    &Matrix::from_view(w2.slice(s![o, j, .., ..])),
                    &Matrix::from_view(w1.slice(s![j, i, .., ..])),
                );
                let mut target = out.slice_mut(s![o, i, .., ..]);
                target += &part.0;
            }
        }
    }
    out
}

/// Erratum 16, the linear conv stack: with no activation between them, the
/// repository's two convolutions are one convolution whose 9×9 kernel is the
/// full convolution of theirs, and the whole stack with its mean pooling is
/// linear in the image. A ReLU after each convolution (the correction) makes
/// it nonlinear.
#[test]
fn erratum_16_two_convolutions_without_an_activation_are_one_convolution() {
    let mut rng = Rng::new(166);
    let x = rng.uniform_array((2, 1, 28, 28), 0.0, 1.0);
    let (w1, w2) = (xavier(&mut rng, (6, 1, 5, 5), 175), xavier(&mut rng, (16, 6, 5, 5), 550));
    let conv0 = |x: &Array4<f64>, w: &Array4<f64>| conv::forward(x, w, &Array1::zeros(w.dim().0), 0);
    let stacked = conv0(&conv0(&x, &w1), &w2);
    let composed = composed_kernel(&w1, &w2);
    assert_eq!(composed.dim(), (16, 1, 9, 9));
    let e = rel_error(&conv0(&x, &composed), &stacked);
    println!(
        "erratum 16, linear stack: conv 6@5×5 then 16@5×5 ({} weights) = one conv 16@9×9 ({} weights), rel_error {e:.1e}",
        w1.len() + w2.len(),
        composed.len()
    );
    assert!(e < 1e-7, "two convolutions vs the composed one: {e:e}");

    // The repository's stack, mean pooling included, is linear in x ...
    let y = rng.uniform_array((2, 1, 28, 28), 0.0, 1.0);
    let (alpha, beta) = (0.7, -1.3);
    let mix = &x * alpha + &y * beta;
    let stack = |x: &Array4<f64>| errata::conv_stack_as_in_the_repository(x, &w1, &w2);
    let linear = rel_max_diff(&stack(&mix), &(stack(&x) * alpha + stack(&y) * beta));
    // ... and a ReLU after each convolution ends that.
    let relu = Activation::Relu;
    let with_relu = |x: &Array4<f64>| {
        let h = pool::mean_forward(&relu.apply(&conv0(x, &w1)), 2, 2);
        pool::mean_forward(&relu.apply(&conv0(&h, &w2)), 2, 2)
    };
    let nonlinear = rel_max_diff(&with_relu(&mix), &(with_relu(&x) * alpha + with_relu(&y) * beta));
    println!(
        "erratum 16, linear stack: f(αx + βy) vs αf(x) + βf(y): as in the repository {linear:.1e}, with ReLU {nonlinear:.3}"
    );
    assert!(linear < 1e-12, "the repository's stack is linear: {linear:e}");
    assert!(nonlinear > 0.1, "with ReLU it is not: {nonlinear}");
}

/// Erratum 16, accuracy printed on the training batch: trained on 256 digits,
/// the network's accuracy on the batches it trains on (the repository's
/// figure, from the forward pass that precedes each update) runs far ahead
/// of its accuracy on the 2,000 held-out validation digits.
#[test]
fn erratum_16_accuracy_on_the_training_batch_overstates_held_out_accuracy() {
    let (train, validation) = (embedded::train().unwrap(), embedded::validation().unwrap());
    let mut model = LeNet::<f32>::new(Arch::modern(), 1);
    let mut sgd = Sgd::new(&model.params, 0.02, 0.9, 0.0);
    let batches: Vec<_> = (0..256).collect::<Vec<usize>>().chunks(32).map(|c| train.batch::<f32>(c)).collect();
    let mut printed = 0.0;
    for _epoch in 0..EPOCHS {
        printed = 0.0;
        for (x, labels) in &batches {
            // The figure is the accuracy on this very batch before its update.
            let before = model.evaluate(x, labels, 1).correct as f64 / labels.len() as f64;
            let reported = errata::train_step_reporting_batch_accuracy(&mut model, &mut sgd, x, labels);
            assert_eq!(reported, before);
            printed += reported / batches.len() as f64;
        }
    }
    let all: Vec<usize> = (0..validation.len()).collect();
    let (xv, yv) = validation.batch::<f32>(&all);
    let held_out = model.evaluate(&xv, &yv, 1).correct as f64 / all.len() as f64;
    println!(
        "erratum 16, accuracy: on the training batches (last epoch, as the repository prints it) {:.2} %, on the 2,000 held-out digits {:.2} %",
        100.0 * printed,
        100.0 * held_out
    );
    assert!(printed - held_out > 0.05, "training batches {printed} vs held out {held_out}");
}

const EPOCHS: usize = 15;
