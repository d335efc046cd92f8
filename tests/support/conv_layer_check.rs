//! The finite-difference check of a convolution layer's backward pass on an
//! N×C×H×W batch, shared by the stride-1 layer (tests/conv_gradcheck.rs)
//! and the strided one (tests/conv_strided_gradcheck.rs). Included by
//! `#[path]`, like `temp_dir.rs`.
//!
//! The loss is the mean L = (1/N) Σ_n Σ G_n ⊙ y_n with a fixed random G, so
//! the per-sample δ is G. Convolution is linear in each of x, w and b, so
//! central differences have no truncation error and a large step (h = 0.5)
//! keeps rounding small.

use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::rng::Rng;
use ndarray::{Array1, Array4};

pub const LINEAR_STEP: f64 = 0.5;

/// A forward pass (x, w, b) ↦ y.
pub type Forward<'a> = &'a dyn Fn(&Array4<f64>, &Array4<f64>, &Array1<f64>) -> Array4<f64>;
/// The gradients (dx, dw, db) of a backward pass.
pub type Grads = (Array4<f64>, Array4<f64>, Array1<f64>);
/// A backward pass (x, w, δ) ↦ (dx, dw, db).
pub type Backward<'a> = &'a dyn Fn(&Array4<f64>, &Array4<f64>, &Array4<f64>) -> Grads;

/// The layer under test, with its geometry fixed inside both passes.
pub struct Layer<'a> {
    pub forward: Forward<'a>,
    pub backward: Backward<'a>,
}

/// Random x (N×C×H×W), w (K×C×kh×kw) and b (K) from `seed`: the forward
/// output must be N×K×`out`, and dx (per sample, so N times the gradient of
/// the mean loss), dw and db must match central differences to a relative
/// error below 1e-7. `case` names the shapes in the messages.
pub fn check_layer(
    layer: Layer,
    seed: u64,
    (n, c, k): (usize, usize, usize),
    (h, w): (usize, usize),
    (kh, kw): (usize, usize),
    (oh, ow): (usize, usize),
    case: &str,
) {
    let mut rng = Rng::new(seed);
    let mut x: Array4<f64> = rng.uniform_array((n, c, h, w), -1.0, 1.0);
    let mut wt: Array4<f64> = rng.uniform_array((k, c, kh, kw), -1.0, 1.0);
    let mut b: Array1<f64> = rng.uniform_array(k, -1.0, 1.0);
    let y = (layer.forward)(&x, &wt, &b);
    assert_eq!(y.dim(), (n, k, oh, ow), "output shape for {case}");
    let up: Array4<f64> = rng.uniform_array((n, k, oh, ow), -1.0, 1.0);
    let mean = |y: Array4<f64>| (&y * &up).sum() / n as f64;
    let (dx, dw, db) = (layer.backward)(&x, &wt, &up);

    let (w0, b0) = (wt.clone(), b.clone());
    let num_dx = numerical_grad(&mut x, LINEAR_STEP, |x| mean((layer.forward)(x, &w0, &b0)));
    let x0 = x.clone();
    let num_dw = numerical_grad(&mut wt, LINEAR_STEP, |w| mean((layer.forward)(&x0, w, &b0)));
    let w0 = wt.clone();
    let num_db = numerical_grad(&mut b, LINEAR_STEP, |b| mean((layer.forward)(&x0, &w0, b)));

    let e = rel_error(&dx, &(num_dx * n as f64));
    assert!(e < 1e-7, "dx: rel_error {e:e} for {case}");
    let e = rel_error(&dw, &num_dw);
    assert!(e < 1e-7, "dw: rel_error {e:e} for {case}");
    let e = rel_error(&db, &num_db);
    assert!(e < 1e-7, "db: rel_error {e:e} for {case}");
}
