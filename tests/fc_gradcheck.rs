//! Fully connected layers: every weight, bias and input gradient of a
//! three-layer network, computed by the δ recursion, against central finite
//! differences of the mean loss — once with MSE on a sigmoid output, once
//! with softmax cross-entropy on linear logits.

use lenet::activation::Activation;
use lenet::fc;
use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::loss::{mse, softmax_cross_entropy};
use lenet::rng::Rng;
use ndarray::Array2;

/// The loss at the end of the network.
#[derive(Clone, Copy)]
enum Loss {
    /// ½‖σ(z^L) − y‖², with the last layer's activation σ.
    Mse,
    /// Softmax cross-entropy of the logits z^L (no activation on them).
    SoftmaxCe,
}

struct Net {
    w: Vec<Array2<f64>>,
    b: Vec<Array2<f64>>,
    /// σ of each layer; the last one is used only with MSE.
    act: Vec<Activation>,
    loss: Loss,
    y: Array2<f64>,
    labels: Vec<usize>,
}

/// What the forward pass keeps for the backward pass.
struct Trace {
    /// a^0 (the input), a^1, …, a^L.
    a: Vec<Array2<f64>>,
    /// z^1, …, z^L.
    z: Vec<Array2<f64>>,
    loss: f64,
    /// ∂C_n/∂a^L (MSE) or ∂C_n/∂z^L (softmax CE), per sample.
    grad_out: Array2<f64>,
}

impl Net {
    fn forward(&self, x: &Array2<f64>) -> Trace {
        let depth = self.w.len();
        let mut a = vec![x.clone()];
        let mut z = Vec::new();
        for l in 0..depth {
            let zl = fc::forward(&self.w[l], &a[l], &self.b[l]).0;
            let last_linear = l + 1 == depth && matches!(self.loss, Loss::SoftmaxCe);
            a.push(if last_linear { zl.clone() } else { self.act[l].apply(&zl) });
            z.push(zl);
        }
        let (loss, grad_out) = match self.loss {
            Loss::Mse => mse(&a[depth], &self.y),
            Loss::SoftmaxCe => softmax_cross_entropy(&z[depth - 1], &self.labels),
        };
        Trace { a, z, loss, grad_out }
    }

    /// (∂C/∂W^l, ∂C/∂b^l) for every layer, and the per-sample ∂C_n/∂a^0.
    fn backward(&self, t: &Trace) -> (Vec<Array2<f64>>, Vec<Array2<f64>>, Array2<f64>) {
        let depth = self.w.len();
        let mut delta = match self.loss {
            Loss::Mse => fc::output_delta(&t.grad_out, &t.z[depth - 1], self.act[depth - 1]).0,
            Loss::SoftmaxCe => t.grad_out.clone(),
        };
        let mut dw = vec![Array2::zeros((0, 0)); depth];
        let mut db = vec![Array2::zeros((0, 0)); depth];
        for l in (0..depth).rev() {
            dw[l] = fc::weight_grad(&delta, &t.a[l]).0;
            db[l] = fc::bias_grad(&delta).0;
            if l > 0 {
                delta = fc::backprop_delta(&self.w[l], &delta, &t.z[l - 1], self.act[l - 1]).0;
            }
        }
        let dx = fc::input_grad(&self.w[0], &delta).0;
        (dw, db, dx)
    }
}

fn net(rng: &mut Rng, sizes: &[usize], act: &[Activation], loss: Loss, n: usize) -> Net {
    let depth = sizes.len() - 1;
    Net {
        w: (0..depth).map(|l| rng.uniform_array((sizes[l + 1], sizes[l]), -1.0, 1.0)).collect(),
        b: (0..depth).map(|l| rng.uniform_array((sizes[l + 1], 1), -0.5, 0.5)).collect(),
        act: act.to_vec(),
        loss,
        y: rng.uniform_array((sizes[depth], n), 0.0, 1.0),
        labels: (0..n).map(|k| (k * 7 + 3) % sizes[depth]).collect(),
    }
}

/// Checks every gradient of `net` at input `x` by central differences with
/// step `h`.
fn check(mut net: Net, mut x: Array2<f64>, h: f64, what: &str) {
    let trace = net.forward(&x);
    // ReLU has a kink at 0: make sure no pre-activation is within reach of
    // the step (perturbing one weight moves z by at most h·|a| < 1e-4).
    for z in &trace.z[..trace.z.len() - 1] {
        let closest = z.iter().fold(f64::INFINITY, |m, v| m.min(v.abs()));
        assert!(closest > 1e-3, "{what}: a pre-activation is {closest:e}, too close to a kink");
    }
    let (dw, db, dx) = net.backward(&trace);
    for l in 0..net.w.len() {
        let mut w = net.w[l].clone();
        let num = numerical_grad(&mut w, h, |w| {
            net.w[l] = w.clone();
            net.forward(&x).loss
        });
        net.w[l] = w;
        let err = rel_error(&dw[l], &num);
        assert!(err < 1e-7, "{what}: ∂C/∂W^{}: rel_error {err:e}", l + 1);

        let mut b = net.b[l].clone();
        let num = numerical_grad(&mut b, h, |b| {
            net.b[l] = b.clone();
            net.forward(&x).loss
        });
        net.b[l] = b;
        let err = rel_error(&db[l], &num);
        assert!(err < 1e-7, "{what}: ∂C/∂b^{}: rel_error {err:e}", l + 1);
    }
    // The input gradient is per sample: N times that of the mean loss.
    let n = x.ncols() as f64;
    let num = numerical_grad(&mut x, h, |x| n * net.forward(x).loss);
    let err = rel_error(&dx, &num);
    assert!(err < 1e-7, "{what}: ∂C/∂a^0: rel_error {err:e}");
}

#[test]
fn three_layer_mse_network() {
    let mut rng = Rng::new(21);
    let acts = [Activation::Tanh, Activation::Relu, Activation::Sigmoid];
    let net = net(&mut rng, &[5, 6, 4, 3], &acts, Loss::Mse, 4);
    let x = rng.uniform_array((5, 4), -1.0, 1.0);
    check(net, x, 1e-5, "MSE net");
}

#[test]
fn two_layer_sigmoid_mse_network() {
    let mut rng = Rng::new(22);
    let acts = [Activation::Sigmoid, Activation::Sigmoid];
    let net = net(&mut rng, &[4, 3, 2], &acts, Loss::Mse, 3);
    let x = rng.uniform_array((4, 3), -1.0, 1.0);
    check(net, x, 1e-5, "sigmoid MSE net");
}

#[test]
fn three_layer_softmax_cross_entropy_network() {
    let mut rng = Rng::new(23);
    let acts = [Activation::Relu, Activation::Tanh, Activation::Relu];
    let net = net(&mut rng, &[6, 5, 4, 10], &acts, Loss::SoftmaxCe, 5);
    let x = rng.uniform_array((6, 5), -1.0, 1.0);
    check(net, x, 1e-5, "softmax CE net");
}

/// A small gradient step lowers the loss (the gradient points uphill).
#[test]
fn sgd_step_descends() {
    let mut rng = Rng::new(24);
    let acts = [Activation::Tanh, Activation::Tanh];
    let mut net = net(&mut rng, &[4, 5, 10], &acts, Loss::SoftmaxCe, 6);
    let x = rng.uniform_array((4, 6), -1.0, 1.0);
    let before = net.forward(&x);
    let (dw, db, _) = net.backward(&before);
    for l in 0..2 {
        fc::sgd_step(&mut net.w[l], &dw[l], 0.05);
        fc::sgd_step(&mut net.b[l], &db[l], 0.05);
    }
    let after = net.forward(&x).loss;
    assert!(after < before.loss, "loss went from {} to {after}", before.loss);
}

#[test]
#[should_panic(expected = "b is 3×1 but W is 2×4")]
fn forward_rejects_a_bias_of_the_wrong_length() {
    let _ = fc::forward(&Array2::<f64>::zeros((2, 4)), &Array2::zeros((4, 1)), &Array2::zeros((3, 1)));
}

#[test]
#[should_panic(expected = "W^(l+1) is 3×4, δ^(l+1) is 3×2 and z^l is 5×2")]
fn backprop_delta_names_the_shapes() {
    let z = Array2::<f64>::zeros((5, 2));
    let _ = fc::backprop_delta(&Array2::zeros((3, 4)), &Array2::zeros((3, 2)), &z, Activation::Relu);
}

#[test]
#[should_panic(expected = "δ is 3×2 but a is 4×5")]
fn weight_grad_needs_equal_batches() {
    let _ = fc::weight_grad(&Array2::<f64>::zeros((3, 2)), &Array2::zeros((4, 5)));
}

#[test]
#[should_panic(expected = "the parameter is 2×2 but its gradient is 2×1")]
fn sgd_step_names_both_shapes() {
    fc::sgd_step(&mut Array2::<f64>::zeros((2, 2)), &Array2::zeros((2, 1)), 0.1);
}
