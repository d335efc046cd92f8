//! The exercises' inputs, drawn from the seed, and what each is compared
//! with: the crate's reference, central differences of the forward
//! function where the exercise is a gradient, and the catalogue's wrong
//! variants.
//!
//! Shapes vary with the seed too (sizes, kernels, pooling windows and
//! strides), so an answer cannot be written for one shape only. Some
//! exercises have two cases: the second is where a tempting mistake shows
//! (a square W for a missing transpose, overlapping pooling windows for an
//! assignment, padding for an uncropped dx).

use super::Answers;
use super::catalogue::{self, Variant};
use super::compare::{Output, named, one, params_output};
use crate::activation::Activation;
use crate::gradcheck::numerical_grad;
use crate::matrix::Matrix;
use crate::model::{Arch, LeNet, PARAM_NAMES};
use crate::rng::Rng;
use crate::{conv, fc, loss, pool};
use ndarray::{Array, Array1, Array2, Array4, ArrayD, Dimension, IxDyn, ShapeBuilder};
use std::rc::Rc;

/// Central differences agree with a correct gradient within this relative
/// error (looser than the reference comparison: they carry the rounding
/// error of the step).
pub const FD_TOLERANCE: f64 = 1e-6;

/// One set of inputs and everything an answer on them is compared with.
pub(crate) struct Case {
    /// The crate's answer.
    pub expected: Output,
    /// Central differences of the forward function, shaped like `expected`,
    /// for a gradient; NaN where an entry is not probed.
    pub numerical: Option<Output>,
    /// The tolerance for `numerical`.
    pub fd_tolerance: f64,
    /// Calls the student's function on the inputs.
    pub student: Box<dyn Fn(&Answers) -> Output>,
    /// The catalogue's wrong answers on the same inputs.
    pub variants: Box<dyn Fn() -> Vec<Variant>>,
}

/// The cases of `exercise`, drawn from `rng`, or `None` for an unknown name.
pub(crate) fn cases(exercise: &str, rng: &mut Rng) -> Option<Vec<Case>> {
    Some(match exercise {
        "fc_forward" => vec![fc_forward(rng)],
        "fc_backprop_delta" => vec![fc_backprop_delta(rng, true), fc_backprop_delta(rng, false)],
        "fc_weight_grad" => vec![fc_weight_grad(rng)],
        "fc_bias_grad" => vec![fc_bias_grad(rng)],
        "correlate_valid" => vec![correlate_valid(rng)],
        "full_convolve" => vec![full_convolve(rng)],
        "kernel_grad" => vec![kernel_grad(rng)],
        "bias_grad" => vec![bias_grad(rng)],
        "conv_backward" => vec![conv_backward(rng, 0), conv_backward(rng, 1)],
        "mean_pool_backward" => vec![mean_pool_backward(rng, false), mean_pool_backward(rng, true)],
        "max_pool_backward" => vec![max_pool_backward(rng, false), max_pool_backward(rng, true)],
        "relu_backward" => vec![relu_backward(rng)],
        "softmax_cross_entropy_grad" => vec![softmax_cross_entropy_grad(rng)],
        "lenet_backward" => vec![lenet_backward(rng)],
        _ => return None,
    })
}

/// A whole number in lo..=hi.
fn between(rng: &mut Rng, lo: usize, hi: usize) -> usize {
    lo + rng.below(hi - lo + 1)
}

/// Entries uniform in [−1, 1).
fn uniform<Sh: ShapeBuilder>(rng: &mut Rng, shape: Sh) -> Array<f64, Sh::Dim> {
    rng.uniform_array(shape, -1.0, 1.0)
}

/// Entries of either sign with 0.1 ≤ |x| < 1, so that a step of central
/// differences never crosses ReLU's kink at 0.
fn away_from_zero<Sh: ShapeBuilder>(rng: &mut Rng, shape: Sh) -> Array<f64, Sh::Dim> {
    let mut a = rng.uniform_array(shape, 0.1, 1.0);
    a.mapv_inplace(|v| if rng.below(2) == 0 { v } else { -v });
    a
}

/// Makes the first entry positive and the last negative (in row-major
/// order), so that ReLU's gate is open somewhere and shut somewhere: an
/// answer that forgets the gate, or applies it where it should not, can
/// never agree by chance.
fn both_signs<D: Dimension>(mut z: Array<f64, D>) -> Array<f64, D> {
    let last = z.len() - 1;
    for (k, v) in z.iter_mut().enumerate() {
        if k == 0 {
            *v = v.abs();
        } else if k == last {
            *v = -v.abs();
        }
    }
    z
}

/// Makes the first row positive and the last negative, so that in every
/// column (sample) ReLU's gate is open for one unit and shut for another:
/// then σ′ applied before the transpose cannot agree with σ′ after it by
/// chance.
fn gate_mixed_in_every_column(mut z: Array2<f64>) -> Array2<f64> {
    let last = z.nrows() - 1;
    z.row_mut(0).mapv_inplace(f64::abs);
    z.row_mut(last).mapv_inplace(|v| -v.abs());
    z
}

/// Central differences of `f` at `x`, as a dynamic-dimensional array.
fn fd<D: Dimension>(x: &Array<f64, D>, h: f64, f: impl FnMut(&Array<f64, D>) -> f64) -> ArrayD<f64> {
    numerical_grad(&mut x.clone(), h, f).into_dyn()
}

/// Σ of the entries of g ⊙ z: a loss whose gradient with respect to z is
/// g, the upstream gradient the checks send back.
fn dot<D: Dimension>(g: &Array<f64, D>, z: &Array<f64, D>) -> f64 {
    (g * z).sum()
}

fn mat(a: &Array2<f64>) -> Matrix<f64> {
    Matrix(a.clone())
}

// A step of 0.1 is exact for functions linear in the perturbed input
// (truncation error zero, rounding error smaller the larger the step).
const LINEAR_STEP: f64 = 0.1;
// For smooth nonlinear functions: truncation O(h²) against rounding O(ε/h).
const SMOOTH_STEP: f64 = 1e-5;

fn fc_forward(rng: &mut Rng) -> Case {
    let (out, inputs, n) = (between(rng, 2, 4), between(rng, 2, 5), between(rng, 2, 4));
    let w = uniform(rng, (out, inputs));
    let a = uniform(rng, (inputs, n));
    let b = uniform(rng, (out, 1));
    let expected = one(fc::forward(&w, &a, &b).0);
    let i = Rc::new((w, a, b));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: None,
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.fc_forward)(&i.0, &i.1, &i.2))),
        variants: Box::new(move || catalogue::fc_forward(&j.0, &j.1)),
    }
}

fn fc_backprop_delta(rng: &mut Rng, square: bool) -> Case {
    let inputs = between(rng, 2, 4);
    let out = if square { inputs } else { inputs + between(rng, 1, 2) };
    let n = between(rng, 2, 3);
    let act = [Activation::Sigmoid, Activation::Tanh, Activation::Relu][rng.below(3)];
    let w = uniform(rng, (out, inputs));
    let delta = uniform(rng, (out, n));
    let z = gate_mixed_in_every_column(away_from_zero(rng, (inputs, n)) * 2.0);
    let expected = one(fc::backprop_delta(&w, &delta, &z, act).0);
    // z^(l+1) = W σ(z^l) + b, and δ^(l+1) its upstream gradient.
    let numerical = fd(&z, SMOOTH_STEP, |z| dot(&delta, &w.dot(&act.apply(z))));
    let i = Rc::new((w, delta, z));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.fc_backprop_delta)(&i.0, &i.1, &i.2, act))),
        variants: Box::new(move || catalogue::fc_backprop_delta(&j.0, &j.1, &j.2, act)),
    }
}

fn fc_weight_grad(rng: &mut Rng) -> Case {
    let inputs = between(rng, 2, 4);
    let out = inputs + between(rng, 1, 2);
    let n = between(rng, 2, 4);
    let delta = uniform(rng, (out, n));
    let a = uniform(rng, (inputs, n));
    let expected = one(fc::weight_grad(&delta, &a).0);
    let w = uniform(rng, (out, inputs));
    // C = (1/N) Σ_n δ_n · (W a_n): the mean loss, linear in W.
    let numerical = fd(&w, LINEAR_STEP, |w| dot(&delta, &w.dot(&a)) / n as f64);
    let i = Rc::new((delta, a));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.fc_weight_grad)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::fc_weight_grad(&j.0, &j.1)),
    }
}

fn fc_bias_grad(rng: &mut Rng) -> Case {
    let (out, n) = (between(rng, 2, 5), between(rng, 2, 4));
    let delta = uniform(rng, (out, n));
    let expected = one(fc::bias_grad(&delta).0);
    let b = uniform(rng, (out, 1));
    // C = (1/N) Σ_n δ_n · b, b added to every sample.
    let numerical = fd(&b, LINEAR_STEP, |b| (&delta * b).sum() / n as f64);
    let i = Rc::new(delta);
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.fc_bias_grad)(&i))),
        variants: Box::new(move || catalogue::fc_bias_grad(&j)),
    }
}

fn correlate_valid(rng: &mut Rng) -> Case {
    let (h, w) = (between(rng, 4, 6), between(rng, 4, 6));
    let (kh, kw) = (between(rng, 2, 3), between(rng, 2, 3));
    let a = uniform(rng, (h, w));
    let k = uniform(rng, (kh, kw));
    let expected = one(conv::correlate_valid(&mat(&a), &mat(&k)).0);
    let i = Rc::new((a, k));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: None,
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.correlate_valid)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::correlate_valid_variants(&j.0, &j.1)),
    }
}

fn full_convolve(rng: &mut Rng) -> Case {
    let (m, n) = (between(rng, 3, 4), between(rng, 3, 4));
    let (kh, kw) = (between(rng, 2, 3), between(rng, 2, 3));
    let delta = uniform(rng, (m, n));
    let w = uniform(rng, (kh, kw));
    let expected = one(conv::full_convolve(&mat(&delta), &mat(&w)).0);
    let a = uniform(rng, (m + kh - 1, n + kw - 1));
    let numerical = fd(&a, LINEAR_STEP, |a| dot(&delta, &conv::correlate_valid(&mat(a), &mat(&w)).0));
    let i = Rc::new((delta, w));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.full_convolve)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::full_convolve(&j.0, &j.1)),
    }
}

fn kernel_grad(rng: &mut Rng) -> Case {
    let (h, wd) = (between(rng, 4, 6), between(rng, 4, 6));
    // δ at most one smaller than a, so the kernel is at least 2×2 and a
    // flip shows.
    let (m, n) = (between(rng, 2, h - 1), between(rng, 2, wd - 1));
    let a = uniform(rng, (h, wd));
    let delta = uniform(rng, (m, n));
    let expected = one(conv::kernel_grad(&mat(&a), &mat(&delta)).0);
    let w = uniform(rng, (h - m + 1, wd - n + 1));
    let numerical = fd(&w, LINEAR_STEP, |w| dot(&delta, &conv::correlate_valid(&mat(&a), &mat(w)).0));
    let i = Rc::new((a, delta));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.kernel_grad)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::kernel_grad(&j.0, &j.1)),
    }
}

fn bias_grad(rng: &mut Rng) -> Case {
    let (m, n) = (between(rng, 2, 4), between(rng, 2, 4));
    let delta = uniform(rng, (m, n));
    let expected = one(Array1::from_elem(1, conv::bias_grad(&mat(&delta))));
    let b = uniform(rng, 1);
    // z = correlate_valid(a, w) + b: C = Σ δ ⊙ z depends on b as b Σ δ.
    let numerical = fd(&b, LINEAR_STEP, |b| (&delta * b[0]).sum());
    let i = Rc::new(delta);
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one(Array1::from_elem(1, (s.bias_grad)(&i)))),
        variants: Box::new(move || catalogue::bias_grad(&j)),
    }
}

fn conv_backward(rng: &mut Rng, padding: usize) -> Case {
    let (n, c, k) = (2, between(rng, 1, 2), between(rng, 2, 3));
    let (h, wd) = (between(rng, 5, 6), between(rng, 5, 6));
    let (kh, kw) = (between(rng, 2, 3), between(rng, 2, 3));
    let x = uniform(rng, (n, c, h, wd));
    let w = uniform(rng, (k, c, kh, kw));
    let b = uniform(rng, k);
    let (oh, ow) = (h + 2 * padding - kh + 1, wd + 2 * padding - kw + 1);
    let dy = uniform(rng, (n, k, oh, ow));
    let (dx, dw, db) = conv::backward(&x, &w, &dy, padding);
    let expected = vec![named("dx", dx), named("dw", dw), named("db", db)];
    // S = Σ_n Σ δ_n ⊙ z_n: dx is ∂S/∂x (per sample), dw and db are ∂S/∂w / N
    // and ∂S/∂b / N (batch means).
    let per = 1.0 / n as f64;
    let numerical = vec![
        named("dx", fd(&x, LINEAR_STEP, |x| dot(&dy, &conv::forward(x, &w, &b, padding)))),
        named("dw", fd(&w, LINEAR_STEP, |w| dot(&dy, &conv::forward(&x, w, &b, padding))) * per),
        named("db", fd(&b, LINEAR_STEP, |b| dot(&dy, &conv::forward(&x, &w, b, padding))) * per),
    ];
    let reference = expected.clone();
    let i = Rc::new((x, w, dy));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(numerical),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| {
            let (dx, dw, db) = (s.conv_backward)(&i.0, &i.1, &i.2, padding);
            vec![named("dx", dx), named("dw", dw), named("db", db)]
        }),
        variants: Box::new(move || catalogue::conv_backward(&j.0, &j.1, &j.2, padding, &reference)),
    }
}

/// A pooling geometry: (input shape, size, stride), with windows that tile
/// the input; overlapping (stride < size) or not (stride = size).
fn pooling_geometry(rng: &mut Rng, overlapping: bool) -> ((usize, usize, usize, usize), usize, usize) {
    let size = between(rng, 2, 3);
    let stride = if overlapping { between(rng, 1, size - 1) } else { size };
    let (oh, ow) = (between(rng, 2, 3), between(rng, 2, 3));
    let shape = (between(rng, 1, 2), between(rng, 1, 2), (oh - 1) * stride + size, (ow - 1) * stride + size);
    (shape, size, stride)
}

fn mean_pool_backward(rng: &mut Rng, overlapping: bool) -> Case {
    let (shape, size, stride) = pooling_geometry(rng, overlapping);
    let out = pool::output_shape(shape, size, stride);
    let dy = uniform(rng, out);
    let expected = one(pool::mean_backward(&dy, shape, size, stride));
    let x = uniform(rng, shape);
    let numerical = fd(&x, LINEAR_STEP, |x| dot(&dy, &pool::mean_forward(x, size, stride)));
    let reference = expected.clone();
    let i = Rc::new(dy);
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.mean_pool_backward)(&i, shape, size, stride))),
        variants: Box::new(move || catalogue::mean_pool_backward(&j, shape, size, stride, &reference)),
    }
}

/// An input whose entries are distinct, at least 0.015 apart, so that no
/// window has a tie and a small step never moves a maximum. With
/// `shared_max`, every plane's largest entry sits at (stride + 1, stride + 1)
/// (counted from 1), which windows (1, 1) and (2, 2) both contain when they
/// overlap.
fn distinct(rng: &mut Rng, shape: (usize, usize, usize, usize), stride: usize, shared_max: bool) -> Array4<f64> {
    let len = shape.0 * shape.1 * shape.2 * shape.3;
    let mut values: Vec<f64> = (0..len).map(|k| k as f64 * 0.02 + rng.uniform_in(0.0, 0.005) - 1.0).collect();
    rng.shuffle(&mut values);
    let mut x = Array4::from_shape_vec(shape, values).expect("one value per entry");
    if shared_max {
        for (n, c) in (0..shape.0).flat_map(|n| (0..shape.1).map(move |c| (n, c))) {
            let mut plane = x.slice_mut(ndarray::s![n, c, .., ..]);
            let (mut best, mut at) = (f64::NEG_INFINITY, (0, 0));
            for ((r, c), &v) in plane.indexed_iter() {
                if v > best {
                    (best, at) = (v, (r, c));
                }
            }
            let target = (stride, stride);
            let moved = plane[target];
            plane[target] = best;
            plane[at] = moved;
        }
    }
    x
}

fn max_pool_backward(rng: &mut Rng, overlapping: bool) -> Case {
    let (shape, size, stride) = pooling_geometry(rng, overlapping);
    let x = distinct(rng, shape, stride, overlapping);
    let (y, argmax) = pool::max_forward(&x, size, stride);
    let dy = uniform(rng, y.raw_dim());
    let expected = one(pool::max_backward(&dy, &argmax));
    // The maxima never move within a step of 1e-3 (the entries are 0.015
    // apart), and max pooling is linear while they stay.
    let numerical = fd(&x, 1e-3, |x| dot(&dy, &pool::max_forward(x, size, stride).0));
    let i = Rc::new((dy, argmax));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.max_pool_backward)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::max_pool_backward(&j.0, &j.1)),
    }
}

fn relu_backward(rng: &mut Rng) -> Case {
    let shape = (between(rng, 1, 2), between(rng, 1, 2), between(rng, 2, 4), between(rng, 2, 4));
    let mut da = uniform(rng, shape);
    let z = both_signs(away_from_zero(rng, shape));
    // Where the gate is open (the first entry), a negative gradient must
    // pass: ReLU applied to the gradient would stop it.
    da[[0, 0, 0, 0]] = -da[[0, 0, 0, 0]].abs();
    let relu = Activation::Relu;
    let expected = one(relu.backward(&da, &z));
    // |z| ≥ 0.1: a step of 0.01 never crosses the kink.
    let numerical = fd(&z, 1e-2, |z| dot(&da, &relu.apply(z)));
    let i = Rc::new((da, z));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.relu_backward)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::relu_backward(&j.0)),
    }
}

fn softmax_cross_entropy_grad(rng: &mut Rng) -> Case {
    let n = between(rng, 2, 4);
    let logits = rng.uniform_array((10, n), -2.0, 2.0);
    let labels: Vec<usize> = (0..n).map(|_| rng.below(10)).collect();
    let expected = one(loss::softmax_cross_entropy(&logits, &labels).1);
    // δ is per sample: the gradient of Σ_n C_n = N × the mean loss.
    let numerical = fd(&logits, SMOOTH_STEP, |z| loss::softmax_cross_entropy(z, &labels).0 * n as f64);
    let i = Rc::new((logits, labels));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        student: Box::new(move |s| one((s.softmax_cross_entropy_grad)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::softmax_cross_entropy_grad(&j.0, &j.1)),
    }
}

/// LeNet's ten gradient tensors as an output, named as [`PARAM_NAMES`].
fn lenet_backward(rng: &mut Rng) -> Case {
    let n = 2;
    let mut model = LeNet::<f64>::new(Arch::modern(), rng.next_u64());
    // Non-zero biases, so that an answer that forgets one is caught.
    for b in [
        &mut model.params.conv1_b,
        &mut model.params.conv2_b,
        &mut model.params.fc1_b,
        &mut model.params.fc2_b,
        &mut model.params.fc3_b,
    ] {
        b.mapv_inplace(|_| rng.uniform_in(-0.1, 0.1));
    }
    use crate::model::arch::{CLASSES, IMAGE_CHANNELS, IMAGE_SIDE};
    let x = rng.uniform_array((n, IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE), 0.0, 1.0);
    let labels: Vec<usize> = (0..n).map(|_| rng.below(CLASSES)).collect();
    let expected = params_output(&model.trace(&x, &labels).grads);
    let numerical = lenet_probes(&mut model, &x, &labels, &expected);
    let params = model.params.clone();
    let reference = expected.clone();
    let i = Rc::new((params, x, labels));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(numerical),
        fd_tolerance: 1e-4,
        student: Box::new(move |s| params_output(&(s.lenet_backward)(&i.0, &i.1, &i.2))),
        variants: Box::new(move || catalogue::lenet_backward(&j.0, &j.1, &j.2, &reference)),
    }
}

/// Central differences of the mean loss at the two largest entries of
/// each gradient tensor (61,706 parameters are too many to probe all);
/// every other entry is NaN, not probed.
fn lenet_probes(model: &mut LeNet<f64>, x: &Array4<f64>, labels: &[usize], expected: &Output) -> Output {
    let h = 1e-5;
    let mut out = Vec::new();
    for (k, t) in expected.iter().enumerate() {
        debug_assert_eq!(t.name, PARAM_NAMES[k]);
        let mut order: Vec<usize> = (0..t.value.len()).collect();
        let flat: Vec<f64> = t.value.iter().copied().collect();
        order.sort_by(|&a, &b| flat[b].abs().total_cmp(&flat[a].abs()));
        let mut num = ArrayD::from_elem(t.value.raw_dim(), f64::NAN);
        for &e in order.iter().take(2) {
            let mut loss_at = |delta: f64| {
                let mut tensors = model.params.tensors_mut();
                let entry = tensors[k].1.iter_mut().nth(e).expect("entry within the tensor");
                let original = *entry;
                *entry = original + delta;
                drop(tensors);
                let loss = model.evaluate(x, labels, 1).loss;
                let mut tensors = model.params.tensors_mut();
                *tensors[k].1.iter_mut().nth(e).expect("entry within the tensor") = original;
                loss
            };
            let g = (loss_at(h) - loss_at(-h)) / (2.0 * h);
            let index: Vec<usize> = index_of(e, t.value.shape());
            num[IxDyn(&index)] = g;
        }
        out.push(super::compare::Tensor { name: t.name, value: num });
    }
    out
}

/// The multi-index of flat row-major position `e` in `shape`.
fn index_of(mut e: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &d) in shape.iter().enumerate().rev() {
        index[i] = e % d;
        e /= d;
    }
    index
}
