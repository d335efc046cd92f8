//! The crate against PyTorch: outputs and gradients of every layer, and of a
//! whole LeNet-5 forward and backward pass, agree with the float64 values in
//! `tests/fixtures/torch_reference.json` to a relative error below 1e-10.
//!
//! The fixture is written by `tools/torch_reference.py` (run by hand; see
//! its header). PyTorch there differentiates the *mean* loss over the batch,
//! L = (1/N) Σ_n Σ G_n ⊙ y_n, with G the upstream gradient. Our δ is per
//! sample and our parameter gradients are batch means (CONTRIBUTING.md), so:
//! - parameter gradients: ours = PyTorch's;
//! - input gradients: ours = N × PyTorch's.
//!
//! PyTorch's Linear holds samples as rows (y = x Wᵀ + b, x is N × in); we
//! hold them as columns (z = W a + b, a = xᵀ), with the same W.

use lenet::activation::Activation;
use lenet::gradcheck::rel_error;
use lenet::loss::{mse, softmax, softmax_cross_entropy};
use lenet::{conv, fc, pool};
use ndarray::{Array, Array1, Array2, Array4, ArrayD, Dimension, Ix1, Ix2, Ix4, IxDyn};
use serde::Deserialize;
use std::collections::BTreeMap;

const TOLERANCE: f64 = 1e-10;

#[derive(Deserialize)]
struct Tensor {
    shape: Vec<usize>,
    data: Vec<f64>,
}

impl Tensor {
    fn dyn_array(&self) -> ArrayD<f64> {
        ArrayD::from_shape_vec(IxDyn(&self.shape), self.data.clone())
            .unwrap_or_else(|e| panic!("fixture tensor of shape {:?} with {} values: {e}", self.shape, self.data.len()))
    }
    fn array<D: Dimension>(&self) -> Array<f64, D> {
        self.dyn_array()
            .into_dimensionality::<D>()
            .unwrap_or_else(|e| panic!("fixture tensor of shape {:?} has the wrong rank: {e}", self.shape))
    }
    fn a4(&self) -> Array4<f64> {
        self.array::<Ix4>()
    }
    fn a2(&self) -> Array2<f64> {
        self.array::<Ix2>()
    }
    fn a1(&self) -> Array1<f64> {
        self.array::<Ix1>()
    }
    /// A length-k bias as the k × 1 column the fc layer takes.
    fn column(&self) -> Array2<f64> {
        self.a1().insert_axis(ndarray::Axis(1))
    }
}

/// A convolution, PyTorch's `conv2d(x, w, b, stride, padding)`: the
/// fixture's `conv` cases have stride 1 (no `stride` field), its
/// `conv_strided` ones strides 2 and 3 and sizes the stride need not divide.
#[derive(Deserialize)]
struct ConvCase {
    #[serde(default = "unit_stride")]
    stride: usize,
    padding: usize,
    x: Tensor,
    w: Tensor,
    b: Tensor,
    g: Tensor,
    y: Tensor,
    dx: Tensor,
    dw: Tensor,
    db: Tensor,
}

fn unit_stride() -> usize {
    1
}

impl ConvCase {
    /// Asserts our forward output `y` and gradients `(dx, dw, db)` for this
    /// case agree with PyTorch's (dx per sample: N times PyTorch's).
    fn agree_with(&self, what: &str, y: &Array4<f64>, (dx, dw, db): (Array4<f64>, Array4<f64>, Array1<f64>)) {
        agree(&format!("{what}: y"), y, &self.y.a4());
        let n = self.x.a4().dim().0 as f64;
        agree(&format!("{what}: dx"), &dx, &(self.dx.a4() * n));
        agree(&format!("{what}: dw"), &dw, &self.dw.a4());
        agree(&format!("{what}: db"), &db, &self.db.a1());
    }
}

#[derive(Deserialize)]
struct PoolCase {
    size: usize,
    stride: usize,
    x: Tensor,
    g: Tensor,
    y: Tensor,
    dx: Tensor,
}

#[derive(Deserialize)]
struct ActivationCase {
    name: String,
    x: Tensor,
    g: Tensor,
    y: Tensor,
    dx: Tensor,
}

#[derive(Deserialize)]
struct LinearCase {
    x: Tensor,
    w: Tensor,
    b: Tensor,
    g: Tensor,
    y: Tensor,
    dx: Tensor,
    dw: Tensor,
    db: Tensor,
}

#[derive(Deserialize)]
struct MseCase {
    a: Tensor,
    target: Tensor,
    loss: f64,
    grad: Tensor,
}

#[derive(Deserialize)]
struct SoftmaxCeCase {
    logits: Tensor,
    labels: Vec<usize>,
    loss: f64,
    softmax: Tensor,
    grad: Tensor,
}

#[derive(Deserialize)]
struct LenetCase {
    x: Tensor,
    labels: Vec<usize>,
    params: BTreeMap<String, Tensor>,
    logits: Tensor,
    loss: f64,
    grads: BTreeMap<String, Tensor>,
    dx: Tensor,
}

#[derive(Deserialize)]
struct Fixture {
    torch_version: String,
    conv: Vec<ConvCase>,
    conv_strided: Vec<ConvCase>,
    mean_pool: Vec<PoolCase>,
    max_pool: Vec<PoolCase>,
    activation: Vec<ActivationCase>,
    linear: Vec<LinearCase>,
    mse: MseCase,
    softmax_ce: SoftmaxCeCase,
    lenet: LenetCase,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/torch_reference.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("cannot read {path}: {e}; regenerate it with tools/torch_reference.py (see its header)")
    });
    let f: Fixture = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not a valid fixture: {e}"));
    assert!(!f.torch_version.is_empty(), "{path}: no torch_version");
    f
}

/// Asserts rel_error(ours, torch) < 1e-10, naming the quantity.
fn agree<D: Dimension>(what: &str, ours: &Array<f64, D>, torch: &Array<f64, D>) {
    let err = rel_error(ours, torch);
    assert!(err < TOLERANCE, "{what}: rel_error {err:e} against PyTorch");
}

fn scalar(what: &str, ours: f64, torch: f64) {
    agree(what, &Array1::from_elem(1, ours), &Array1::from_elem(1, torch));
}

#[test]
fn convolution_matches_pytorch() {
    for (i, c) in fixture().conv.iter().enumerate() {
        let (x, w) = (c.x.a4(), c.w.a4());
        assert_eq!(c.stride, 1, "conv case {i} has a stride; it belongs in conv_strided");
        let y = conv::forward(&x, &w, &c.b.a1(), c.padding);
        c.agree_with(
            &format!("conv case {i} (padding {})", c.padding),
            &y,
            conv::backward(&x, &w, &c.g.a4(), c.padding),
        );
    }
}

#[test]
fn strided_padded_convolution_matches_pytorch() {
    let cases = fixture().conv_strided;
    // Strides 2 and 3, paddings 0 to 2, and sizes the stride does not divide.
    assert!(cases.iter().any(|c| c.stride == 3 && c.padding == 1), "expected a stride 3, padding 1 case");
    assert!(cases.iter().any(|c| c.stride == 2 && c.padding == 0), "expected a stride 2, padding 0 case");
    for (i, c) in cases.iter().enumerate() {
        let (x, w) = (c.x.a4(), c.w.a4());
        let g = conv::Geometry::new(c.stride, c.padding);
        let what = format!(
            "strided conv case {i} (x {:?}, w {:?}, stride {}, padding {})",
            x.dim(),
            w.dim(),
            c.stride,
            c.padding
        );
        let y = conv::forward_strided(&x, &w, &c.b.a1(), g);
        c.agree_with(&what, &y, conv::backward_strided(&x, &w, &c.g.a4(), g));
    }
}

#[test]
fn pooling_matches_pytorch() {
    let f = fixture();
    for c in &f.mean_pool {
        let x = c.x.a4();
        let what = format!("mean pool {}/{}", c.size, c.stride);
        agree(&format!("{what}: y"), &pool::mean_forward(&x, c.size, c.stride), &c.y.a4());
        let dx = pool::mean_backward(&c.g.a4(), x.dim(), c.size, c.stride);
        agree(&format!("{what}: dx"), &dx, &(c.dx.a4() * x.dim().0 as f64));
    }
    for c in &f.max_pool {
        let x = c.x.a4();
        let what = format!("max pool {}/{}", c.size, c.stride);
        let (y, arg) = pool::max_forward(&x, c.size, c.stride);
        agree(&format!("{what}: y"), &y, &c.y.a4());
        let dx = pool::max_backward(&c.g.a4(), &arg);
        agree(&format!("{what}: dx"), &dx, &(c.dx.a4() * x.dim().0 as f64));
    }
}

#[test]
fn activations_match_pytorch() {
    let cases = fixture().activation;
    assert_eq!(cases.len(), 3, "expected relu, sigmoid and tanh cases");
    for c in &cases {
        let act = match c.name.as_str() {
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            other => panic!("fixture has an unknown activation {other:?}"),
        };
        let z = c.x.a4();
        agree(&format!("{}: y", c.name), &act.apply(&z), &c.y.a4());
        let dz = act.backward(&c.g.a4(), &z);
        agree(&format!("{}: dx", c.name), &dz, &(c.dx.a4() * z.dim().0 as f64));
    }
}

#[test]
fn linear_layer_matches_pytorch() {
    for (i, c) in fixture().linear.iter().enumerate() {
        // Samples as columns: a = xᵀ, z = yᵀ, δ = Gᵀ.
        let a = c.x.a2().reversed_axes();
        let w = c.w.a2();
        let n = a.ncols() as f64;
        let z = fc::forward(&w, &a, &c.b.column());
        agree(&format!("linear {i}: y"), &z.0, &c.y.a2().reversed_axes());
        let delta = c.g.a2().reversed_axes();
        agree(&format!("linear {i}: dW"), &fc::weight_grad(&delta, &a).0, &c.dw.a2());
        agree(&format!("linear {i}: db"), &fc::bias_grad(&delta).0, &c.db.column());
        let dx = fc::input_grad(&w, &delta).0;
        agree(&format!("linear {i}: dx"), &dx, &(c.dx.a2().reversed_axes() * n));
    }
}

#[test]
fn losses_match_pytorch() {
    let f = fixture();
    let m = &f.mse;
    let a = m.a.a2().reversed_axes();
    let (loss, grad) = mse(&a, &m.target.a2().reversed_axes());
    scalar("mse: loss", loss, m.loss);
    agree("mse: grad", &grad, &(m.grad.a2().reversed_axes() * a.ncols() as f64));

    let s = &f.softmax_ce;
    let z = s.logits.a2().reversed_axes();
    agree("softmax", &softmax(&z), &s.softmax.a2().reversed_axes());
    let (loss, grad) = softmax_cross_entropy(&z, &s.labels);
    scalar("softmax CE: loss", loss, s.loss);
    agree("softmax CE: grad", &grad, &(s.grad.a2().reversed_axes() * z.ncols() as f64));
}

/// A whole LeNet-5 pass composed from the layer functions: forward, loss,
/// then every gradient by chaining the backward functions.
#[test]
fn lenet5_forward_and_backward_match_pytorch() {
    let case = fixture().lenet;
    let p = |name: &str| case.params.get(name).unwrap_or_else(|| panic!("fixture lenet has no parameter {name}"));
    let x = case.x.a4();
    let n = x.dim().0;
    let relu = Activation::Relu;
    let (k1, c1, k2, c2) = (p("conv1.weight").a4(), p("conv1.bias").a1(), p("conv2.weight").a4(), p("conv2.bias").a1());
    let (w3, b3) = (p("fc1.weight").a2(), p("fc1.bias").column());
    let (w4, b4) = (p("fc2.weight").a2(), p("fc2.bias").column());
    let (w5, b5) = (p("fc3.weight").a2(), p("fc3.bias").column());

    // Forward: 1×28×28 → 6×28×28 → 6×14×14 → 16×10×10 → 16×5×5 → 400 → 120 → 84 → 10.
    let z1 = conv::forward(&x, &k1, &c1, 2);
    let (s1, arg1) = pool::max_forward(&relu.apply(&z1), 2, 2);
    let z2 = conv::forward(&s1, &k2, &c2, 0);
    let (s2, arg2) = pool::max_forward(&relu.apply(&z2), 2, 2);
    let f = fc::flatten(&s2);
    let z3 = fc::forward(&w3, &f, &b3).0;
    let a3 = relu.apply(&z3);
    let z4 = fc::forward(&w4, &a3, &b4).0;
    let a4 = relu.apply(&z4);
    let z5 = fc::forward(&w5, &a4, &b5).0;
    agree("lenet: logits", &z5, &case.logits.a2().reversed_axes());
    let (loss, d5) = softmax_cross_entropy(&z5, &case.labels);
    scalar("lenet: loss", loss, case.loss);

    // Backward.
    let d4 = fc::backprop_delta(&w5, &d5, &z4, relu).0;
    let d3 = fc::backprop_delta(&w4, &d4, &z3, relu).0;
    let df = fc::input_grad(&w3, &d3).0;
    let (_, c, h, w) = s2.dim();
    let ds2 = fc::unflatten(&df, (c, h, w));
    let dz2 = relu.backward(&pool::max_backward(&ds2, &arg2), &z2);
    let (ds1, dk2, dc2) = conv::backward(&s1, &k2, &dz2, 0);
    let dz1 = relu.backward(&pool::max_backward(&ds1, &arg1), &z1);
    let (dx, dk1, dc1) = conv::backward(&x, &k1, &dz1, 2);

    let g = |name: &str| case.grads.get(name).unwrap_or_else(|| panic!("fixture lenet has no gradient {name}"));
    agree("lenet: ∂C/∂conv1.weight", &dk1, &g("conv1.weight").a4());
    agree("lenet: ∂C/∂conv1.bias", &dc1, &g("conv1.bias").a1());
    agree("lenet: ∂C/∂conv2.weight", &dk2, &g("conv2.weight").a4());
    agree("lenet: ∂C/∂conv2.bias", &dc2, &g("conv2.bias").a1());
    // Each fc layer: its δ and the activation it read.
    for (layer, delta, input) in [("fc1", &d3, &f), ("fc2", &d4, &a3), ("fc3", &d5, &a4)] {
        agree(
            &format!("lenet: ∂C/∂{layer}.weight"),
            &fc::weight_grad(delta, input).0,
            &g(&format!("{layer}.weight")).a2(),
        );
        agree(&format!("lenet: ∂C/∂{layer}.bias"), &fc::bias_grad(delta).0, &g(&format!("{layer}.bias")).column());
    }
    // The input gradient is per sample: N times PyTorch's.
    agree("lenet: ∂C/∂x", &dx, &(case.dx.a4() * n as f64));
}
