//! A whole small convolutional network, conv → ReLU → max pool → conv →
//! tanh → mean pool → flatten → fc → ReLU → fc → softmax cross-entropy,
//! composed from the crate's layer functions. The forward pass keeps what
//! each backward needs; the backward pass chains the layers' backward
//! functions; every parameter gradient and the input gradient are checked
//! against central finite differences of the mean loss.

use lenet::activation::Activation;
use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::loss::softmax_cross_entropy;
use lenet::pool::{self, Argmax};
use lenet::rng::Rng;
use lenet::{conv, fc};
use ndarray::{Array1, Array2, Array4, s};

#[derive(Clone)]
struct Params {
    k1: Array4<f64>,
    c1: Array1<f64>,
    k2: Array4<f64>,
    c2: Array1<f64>,
    w3: Array2<f64>,
    b3: Array2<f64>,
    w4: Array2<f64>,
    b4: Array2<f64>,
}

/// The shape of the network: the first pool's window and stride (the second
/// pool is mean 2/2), and the first conv's padding.
#[derive(Clone, Copy)]
struct Shape {
    pool1: (usize, usize),
    pad1: usize,
}

struct Trace {
    z1: Array4<f64>,
    a1: Array4<f64>,
    argmax: Argmax,
    p1: Array4<f64>,
    z2: Array4<f64>,
    a2: Array4<f64>,
    /// The C×H×W of each sample's second pooling output.
    p2_chw: (usize, usize, usize),
    f: Array2<f64>,
    z3: Array2<f64>,
    a3: Array2<f64>,
    loss: f64,
    /// ∂C_n/∂z⁴ = p − y, per sample.
    delta4: Array2<f64>,
}

fn forward(p: &Params, shape: Shape, x: &Array4<f64>, labels: &[usize]) -> Trace {
    let (k, st) = shape.pool1;
    let z1 = conv::forward(x, &p.k1, &p.c1, shape.pad1);
    let a1 = Activation::Relu.apply(&z1);
    let (p1, argmax) = pool::max_forward(&a1, k, st);
    let z2 = conv::forward(&p1, &p.k2, &p.c2, 0);
    let a2 = Activation::Tanh.apply(&z2);
    let p2 = pool::mean_forward(&a2, 2, 2);
    let f = fc::flatten(&p2);
    let (_, c, h, w) = p2.dim();
    let z3 = fc::forward(&p.w3, &f, &p.b3).0;
    let a3 = Activation::Relu.apply(&z3);
    let z4 = fc::forward(&p.w4, &a3, &p.b4).0;
    let (loss, delta4) = softmax_cross_entropy(&z4, labels);
    Trace { z1, a1, argmax, p1, z2, a2, p2_chw: (c, h, w), f, z3, a3, loss, delta4 }
}

/// Every gradient, layer by layer from the loss back to the input. Parameter
/// gradients are batch means; the input gradient is per sample.
fn backward(p: &Params, shape: Shape, x: &Array4<f64>, t: &Trace) -> (Params, Array4<f64>) {
    let d4 = &t.delta4;
    let (w4, b4) = (fc::weight_grad(d4, &t.a3).0, fc::bias_grad(d4).0);
    let d3 = fc::backprop_delta(&p.w4, d4, &t.z3, Activation::Relu).0;
    let (w3, b3) = (fc::weight_grad(&d3, &t.f).0, fc::bias_grad(&d3).0);
    // Into the flattened features: no activation there, only Wᵀ δ.
    let df = fc::input_grad(&p.w3, &d3).0;
    let dp2 = fc::unflatten(&df, t.p2_chw);
    let da2 = pool::mean_backward(&dp2, t.a2.dim(), 2, 2);
    let dz2 = Activation::Tanh.backward(&da2, &t.z2);
    let (dp1, k2, c2) = conv::backward(&t.p1, &p.k2, &dz2, 0);
    let da1 = pool::max_backward(&dp1, &t.argmax);
    assert_eq!(da1.dim(), t.a1.dim());
    let dz1 = Activation::Relu.backward(&da1, &t.z1);
    let (dx, k1, c1) = conv::backward(x, &p.k1, &dz1, shape.pad1);
    (Params { k1, c1, k2, c2, w3, b3, w4, b4 }, dx)
}

/// The smallest distance from a kink: |z| for the ReLU inputs, and the gap
/// between the largest and second-largest entry of each max-pool window
/// whose maximum is not a ReLU zero (an all-zero window has zero gradient on
/// both sides, so its ties are harmless).
fn distance_to_kinks(t: &Trace, (k, st): (usize, usize)) -> f64 {
    let mut closest = t.z1.iter().chain(&t.z3).fold(f64::INFINITY, |m, v| m.min(v.abs()));
    let (n, c, oh, ow) = t.p1.dim();
    for (i0, i1, i, j) in positions(n, c, oh, ow) {
        let window = t.a1.slice(s![i0, i1, i * st..i * st + k, j * st..j * st + k]);
        let mut v: Vec<f64> = window.iter().copied().collect();
        v.sort_by(|a, b| b.total_cmp(a));
        if v[0] > 0.0 {
            closest = closest.min(v[0] - v[1]);
        }
    }
    closest
}

fn positions(n: usize, c: usize, h: usize, w: usize) -> impl Iterator<Item = (usize, usize, usize, usize)> {
    (0..n).flat_map(move |a| (0..c).flat_map(move |b| (0..h).flat_map(move |i| (0..w).map(move |j| (a, b, i, j)))))
}

fn check_network(seed: u64, shape: Shape, side: usize) {
    let mut rng = Rng::new(seed);
    let labels = [2, 0, 1];
    let n = labels.len();
    let x: Array4<f64> = rng.uniform_array((n, 2, side, side), -1.0, 1.0);
    let (k, st) = shape.pool1;
    let conv1_side = side + 2 * shape.pad1 - 2;
    let pool1_side = pool::output_len(conv1_side, k, st);
    let pool2_side = pool::output_len(pool1_side - 1, 2, 2);
    let features = 4 * pool2_side * pool2_side;
    let p = Params {
        k1: rng.uniform_array((3, 2, 3, 3), -0.6, 0.6),
        c1: rng.uniform_array(3, -0.2, 0.2),
        k2: rng.uniform_array((4, 3, 2, 2), -0.6, 0.6),
        c2: rng.uniform_array(4, -0.2, 0.2),
        w3: rng.uniform_array((6, features), -0.8, 0.8),
        b3: rng.uniform_array((6, 1), -0.2, 0.2),
        w4: rng.uniform_array((3, 6), -0.8, 0.8),
        b4: rng.uniform_array((3, 1), -0.2, 0.2),
    };
    let t = forward(&p, shape, &x, &labels);
    let gap = distance_to_kinks(&t, shape.pool1);
    assert!(gap > 1e-3, "seed {seed}: an input is {gap:e} from a kink; the check would straddle it");
    let (g, dx) = backward(&p, shape, &x, &t);
    let h = 1e-5;

    macro_rules! check_param {
        ($field:ident) => {{
            let mut v = p.$field.clone();
            let num = numerical_grad(&mut v, h, |v| {
                let mut q = p.clone();
                q.$field = v.clone();
                forward(&q, shape, &x, &labels).loss
            });
            let err = rel_error(&g.$field, &num);
            assert!(err < 1e-7, "pool {k}/{st}: ∂C/∂{}: rel_error {err:e}", stringify!($field));
        }};
    }
    check_param!(k1);
    check_param!(c1);
    check_param!(k2);
    check_param!(c2);
    check_param!(w3);
    check_param!(b3);
    check_param!(w4);
    check_param!(b4);

    // The input gradient, per sample, is N times that of the mean loss. Some
    // of its entries are ~1e-6 of the loss (inputs at the border reach few
    // windows), below what a central difference resolves entry by entry
    // (rounding ε·|N C|/h ≈ 4e-11). So it is checked along random directions
    // v: d/dt N·C(x + t v) at t = 0 must equal Σ dx ⊙ v.
    for _ in 0..3 {
        let v: Array4<f64> = rng.uniform_array(x.dim(), -1.0, 1.0);
        let mut t0 = Array1::zeros(1);
        let num = numerical_grad(&mut t0, h, |t| n as f64 * forward(&p, shape, &(&x + &(&v * t[0])), &labels).loss);
        let ana = Array1::from_elem(1, (&dx * &v).sum());
        let err = rel_error(&ana, &num);
        assert!(err < 1e-7, "pool {k}/{st}: ∂C/∂x along a random direction: rel_error {err:e}");
    }
}

// The seeds give random values with no input within 1e-3 of a kink, so no
// finite-difference step straddles one; `check_network` asserts it. With
// `lenet::rng::Rng` they are the first seeds that pass counting up from the
// old ones: seeds 33–37 (tiling) and 32–34 (overlapping) each put a ReLU
// input or a max-pool tie within 1e-3 of its kink.

/// LeNet's pattern: non-overlapping 2×2 max pooling after a padded conv.
#[test]
fn small_cnn_with_tiling_pools() {
    check_network(38, Shape { pool1: (2, 2), pad1: 1 }, 10);
}

/// Overlapping max pooling (window 3, stride 2), unpadded first conv.
#[test]
fn small_cnn_with_overlapping_max_pool() {
    check_network(35, Shape { pool1: (3, 2), pad1: 0 }, 13);
}
