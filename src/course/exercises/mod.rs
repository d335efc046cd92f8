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
use super::wire::{Input, Tensor as WireTensor};
use crate::activation::Activation;
use crate::gradcheck::numerical_grad;
use crate::matrix::Matrix;
use crate::model::{Arch, LeNet, PARAM_NAMES};
use crate::pool::Argmax;
use crate::rng::Rng;
use crate::{conv, fc, loss, pool};
use ndarray::{Array, Array1, Array2, Array4, ArrayD, Dimension, IxDyn, ShapeBuilder};
use std::rc::Rc;

mod lenet;
mod pooling;
use lenet::lenet_backward;
use pooling::{Ties, max_pool_backward, mean_pool_backward};

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
    /// The inputs, as the runner receives them (in the order of the
    /// student function's arguments).
    pub inputs: Vec<Input>,
    /// What is special about the case, when something is.
    pub note: Option<&'static str>,
    /// Calls the student's function on the inputs, in this process.
    pub student: Box<dyn Fn(&Answers) -> Output>,
    /// The catalogue's wrong answers on the same inputs.
    pub variants: Box<dyn Fn() -> Vec<Variant>>,
}

/// The cases of `exercise`, drawn from `rng`, or `None` for an unknown name.
///
/// Many cases per exercise, with sizes drawn so that no two dimensions a
/// wrong formula could confuse are equal (out ≠ in ≠ N, C ≠ K ≠ N, h ≠ w,
/// kh ≠ kw), every activation the exercise takes, overlapping and
/// non-overlapping pooling windows, and one case per requirement a stub
/// states: z exactly 0 for ReLU′, logits of ±1000 for the softmax, ties for
/// max pooling. `tests/course_mutants.rs` holds the wrong answers these
/// cases must all catch.
pub(crate) fn cases(exercise: &str, rng: &mut Rng) -> Option<Vec<Case>> {
    use Activation::{Relu, Sigmoid, Tanh};
    Some(match exercise {
        "fc_forward" => (0..3).map(|_| fc_forward(rng)).collect(),
        "fc_backprop_delta" => vec![
            fc_backprop_delta(rng, Relu, false),
            fc_backprop_delta(rng, Sigmoid, false),
            fc_backprop_delta(rng, Tanh, false),
            fc_backprop_delta(rng, Relu, true),
            fc_backprop_delta(rng, Sigmoid, true),
        ],
        "fc_weight_grad" => (0..3).map(|_| fc_weight_grad(rng)).collect(),
        "fc_bias_grad" => (0..3).map(|_| fc_bias_grad(rng)).collect(),
        "correlate_valid" => (0..3).map(|_| correlate_valid(rng)).collect(),
        "full_convolve" => (0..3).map(|_| full_convolve(rng)).collect(),
        "kernel_grad" => (0..3).map(|_| kernel_grad(rng)).collect(),
        "bias_grad" => (0..3).map(|_| bias_grad(rng)).collect(),
        "conv_backward" => (0..3).map(|padding| conv_backward(rng, padding)).collect(),
        "conv_backward_strided" => STRIDED.iter().map(|&geometry| conv_backward_strided(rng, geometry)).collect(),
        "mean_pool_backward" => POOLINGS.iter().map(|&(k, s)| mean_pool_backward(rng, k, s)).collect(),
        "max_pool_backward" => {
            let mut cases: Vec<Case> =
                POOLINGS.iter().map(|&(k, s)| max_pool_backward(rng, k, s, Ties::None)).collect();
            cases.push(max_pool_backward(rng, 3, 2, Ties::SharedMax));
            cases.push(max_pool_backward(rng, 3, 1, Ties::Equal));
            cases
        }
        "relu_backward" => (0..3).map(|_| relu_backward(rng)).collect(),
        "softmax_cross_entropy_grad" => vec![
            softmax_cross_entropy_grad(rng, false),
            softmax_cross_entropy_grad(rng, false),
            softmax_cross_entropy_grad(rng, true),
        ],
        "lenet_backward" => vec![lenet_backward(rng)],
        _ => return None,
    })
}

/// Pooling windows (size k, stride s): apart (s = k) and overlapping
/// (s < k, by one or by two), so that code written for one kind fails.
const POOLINGS: [(usize, usize); 5] = [(2, 2), (3, 3), (2, 1), (3, 1), (3, 2)];

/// The strided exercise's geometries: stride, padding, and the remainder
/// r = (n + 2P − k) mod S the input's rows and columns are drawn for (the
/// padded rows and columns that no output reads). The first is the book's
/// 5×5 input with a 3×3 kernel; in the second and fourth r > P, so real
/// input rows are unread and their gradient must be exactly 0.
const STRIDED: [StridedCase; 4] = [
    StridedCase { stride: 2, padding: 1, remainder: None },
    StridedCase { stride: 2, padding: 0, remainder: Some(1) },
    StridedCase { stride: 3, padding: 1, remainder: Some(1) },
    StridedCase { stride: 3, padding: 1, remainder: Some(2) },
];

/// One geometry of [`STRIDED`]; `remainder: None` is the book's 5×5 input
/// with a 3×3 kernel.
#[derive(Clone, Copy)]
struct StridedCase {
    stride: usize,
    padding: usize,
    remainder: Option<usize>,
}

/// `count` different whole numbers from lo..=hi, in random order.
fn distinct_sizes(rng: &mut Rng, count: usize, lo: usize, hi: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (lo..=hi).collect();
    rng.shuffle(&mut all);
    all.truncate(count);
    all
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

/// Central differences of `f` at `count` entries of `x` drawn from `rng`
/// (memory order), NaN elsewhere: for an input too large to probe whole
/// at every seed. The reference comparison still covers every entry.
fn fd_sampled<D: Dimension>(
    rng: &mut Rng,
    x: &Array<f64, D>,
    h: f64,
    count: usize,
    mut f: impl FnMut(&Array<f64, D>) -> f64,
) -> ArrayD<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    rng.shuffle(&mut order);
    let mut probe = x.clone();
    let mut grad = x.map(|_| f64::NAN);
    for &k in order.iter().take(count) {
        let original = *entry(&mut probe, k);
        *entry(&mut probe, k) = original + h;
        let plus = f(&probe);
        *entry(&mut probe, k) = original - h;
        let minus = f(&probe);
        *entry(&mut probe, k) = original;
        *entry(&mut grad, k) = (plus - minus) / (2.0 * h);
    }
    grad.into_dyn()
}

/// An array as the runner receives it.
fn t<D: Dimension>(a: &Array<f64, D>) -> Input {
    Input::Tensor(WireTensor::new(a.shape(), a.iter().copied()))
}

/// Max pooling's record of its maxima, as the runner receives it.
fn argmax_input(a: &Argmax) -> Input {
    let (n, c, h, w) = a.input_shape;
    let (i, j, k, l) = a.index.dim();
    Input::Argmax { input_shape: [n, c, h, w], index_shape: [i, j, k, l], index: a.index.iter().copied().collect() }
}

/// Entry `k` in memory order of an owned (so contiguous) array.
fn entry<D: Dimension>(a: &mut Array<f64, D>, k: usize) -> &mut f64 {
    &mut a.as_slice_memory_order_mut().expect("an owned array is contiguous")[k]
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
    let [out, inputs, n] = distinct_sizes(rng, 3, 2, 6)[..] else { unreachable!("three sizes") };
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
        note: None,
        inputs: vec![t(&i.0), t(&i.1), t(&i.2)],
        student: Box::new(move |s| one((s.fc_forward)(&i.0, &i.1, &i.2))),
        variants: Box::new(move || catalogue::fc_forward(&j.0, &j.1)),
    }
}

/// A δ-recursion case for σ = `act`. With `square`, W is square (where a
/// missing transpose or σ′ on the wrong layer keeps the shape) and, for
/// ReLU, z has a row of exact zeros: ReLU′(0) = 0, as the stub states.
fn fc_backprop_delta(rng: &mut Rng, act: Activation, square: bool) -> Case {
    let [out, inputs, n] = distinct_sizes(rng, 3, 3, 6)[..] else { unreachable!("three sizes") };
    let out = if square { inputs } else { out };
    let w = uniform(rng, (out, inputs));
    let delta = uniform(rng, (out, n));
    let mut z = gate_mixed_in_every_column(away_from_zero(rng, (inputs, n)) * 2.0);
    if square && act == Activation::Relu {
        z.row_mut(1).fill(0.0);
    }
    let expected = one(fc::backprop_delta(&w, &delta, &z, act).0);
    // z^(l+1) = W σ(z^l) + b, and δ^(l+1) its upstream gradient.
    let numerical = fd(&z, SMOOTH_STEP, |z| dot(&delta, &w.dot(&act.apply(z))));
    let i = Rc::new((w, delta, z));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        note: (square && act == Activation::Relu).then_some("z exactly 0 in row 2, where ReLU′(0) = 0"),
        inputs: vec![t(&i.0), t(&i.1), t(&i.2), Input::Activation(act.name().to_string())],
        student: Box::new(move |s| one((s.fc_backprop_delta)(&i.0, &i.1, &i.2, act))),
        variants: Box::new(move || catalogue::fc_backprop_delta(&j.0, &j.1, &j.2, act)),
    }
}

fn fc_weight_grad(rng: &mut Rng) -> Case {
    let [out, inputs, n] = distinct_sizes(rng, 3, 2, 6)[..] else { unreachable!("three sizes") };
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
        note: None,
        inputs: vec![t(&i.0), t(&i.1)],
        student: Box::new(move |s| one((s.fc_weight_grad)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::fc_weight_grad(&j.0, &j.1)),
    }
}

fn fc_bias_grad(rng: &mut Rng) -> Case {
    let [out, n] = distinct_sizes(rng, 2, 2, 6)[..] else { unreachable!("two sizes") };
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
        note: None,
        inputs: vec![t(&i)],
        student: Box::new(move |s| one((s.fc_bias_grad)(&i))),
        variants: Box::new(move || catalogue::fc_bias_grad(&j)),
    }
}

/// A kernel kh × kw with kh ≠ kw and an input h × w with h ≠ w, whose
/// output (h − kh + 1) × (w − kw + 1) is not square and at least as large
/// as the kernel (so that a δ correlated without padding has a shape).
fn conv_geometry(rng: &mut Rng) -> ((usize, usize), (usize, usize)) {
    let [kh, kw] = distinct_sizes(rng, 2, 2, 4)[..] else { unreachable!("two sizes") };
    let [oh, ow] = distinct_sizes(rng, 2, 4, 6)[..] else { unreachable!("two sizes") };
    ((oh + kh - 1, ow + kw - 1), (kh, kw))
}

fn correlate_valid(rng: &mut Rng) -> Case {
    let ((h, w), (kh, kw)) = conv_geometry(rng);
    let a = uniform(rng, (h, w));
    let k = uniform(rng, (kh, kw));
    let expected = one(conv::correlate_valid(&mat(&a), &mat(&k)).0);
    let i = Rc::new((a, k));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: None,
        fd_tolerance: FD_TOLERANCE,
        note: None,
        inputs: vec![t(&i.0), t(&i.1)],
        student: Box::new(move |s| one((s.correlate_valid)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::correlate_valid_variants(&j.0, &j.1)),
    }
}

fn full_convolve(rng: &mut Rng) -> Case {
    let ((h, wd), (kh, kw)) = conv_geometry(rng);
    let (m, n) = (h - kh + 1, wd - kw + 1);
    let delta = uniform(rng, (m, n));
    let w = uniform(rng, (kh, kw));
    let expected = one(conv::full_convolve(&mat(&delta), &mat(&w)).0);
    let a = uniform(rng, (h, wd));
    let numerical = fd(&a, LINEAR_STEP, |a| dot(&delta, &conv::correlate_valid(&mat(a), &mat(&w)).0));
    let i = Rc::new((delta, w));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        note: None,
        inputs: vec![t(&i.0), t(&i.1)],
        student: Box::new(move |s| one((s.full_convolve)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::full_convolve(&j.0, &j.1)),
    }
}

fn kernel_grad(rng: &mut Rng) -> Case {
    let ((h, wd), (kh, kw)) = conv_geometry(rng);
    let (m, n) = (h - kh + 1, wd - kw + 1);
    let a = uniform(rng, (h, wd));
    let delta = uniform(rng, (m, n));
    let expected = one(conv::kernel_grad(&mat(&a), &mat(&delta)).0);
    let w = uniform(rng, (kh, kw));
    let numerical = fd(&w, LINEAR_STEP, |w| dot(&delta, &conv::correlate_valid(&mat(&a), &mat(w)).0));
    let i = Rc::new((a, delta));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        note: None,
        inputs: vec![t(&i.0), t(&i.1)],
        student: Box::new(move |s| one((s.kernel_grad)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::kernel_grad(&j.0, &j.1)),
    }
}

fn bias_grad(rng: &mut Rng) -> Case {
    let [m, n] = distinct_sizes(rng, 2, 2, 5)[..] else { unreachable!("two sizes") };
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
        note: None,
        inputs: vec![t(&i)],
        student: Box::new(move |s| one(Array1::from_elem(1, (s.bias_grad)(&i)))),
        variants: Box::new(move || catalogue::bias_grad(&j)),
    }
}

/// A convolution layer's backward with N ≠ C ≠ K (N ≥ 2), a non-square
/// input and kernel, and `padding` on every side.
fn conv_backward(rng: &mut Rng, padding: usize) -> Case {
    // N ≥ 2 and C ≥ 2: with one sample a sum is a mean, with one channel
    // an answer that ignores the channel index is right.
    let n = between(rng, 2, 3);
    let mut others: Vec<usize> = (2..=4).filter(|&v| v != n).collect();
    rng.shuffle(&mut others);
    let (c, k) = (others[0], others[1]);
    let [h, wd] = distinct_sizes(rng, 2, 4, 6)[..] else { unreachable!("two sizes") };
    let [kh, kw] = distinct_sizes(rng, 2, 2, 3)[..] else { unreachable!("two sizes") };
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
        named("dx", fd_sampled(rng, &x, LINEAR_STEP, 24, |x| dot(&dy, &conv::forward(x, &w, &b, padding)))),
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
        note: None,
        inputs: vec![t(&i.0), t(&i.1), t(&i.2), Input::Whole(padding)],
        student: Box::new(move |s| {
            let (dx, dw, db) = (s.conv_backward)(&i.0, &i.1, &i.2, padding);
            vec![named("dx", dx), named("dw", dw), named("db", db)]
        }),
        variants: Box::new(move || catalogue::conv_backward(&j.0, &j.1, &j.2, padding, &reference)),
    }
}

/// The strided layer's backward with N ≠ C ≠ K (N ≥ 2) under `case`'s
/// geometry. Apart from the book's 5×5 and 3×3, kernel and input are not
/// square, and each axis of the input is drawn so that n + 2P − k = S·q + r
/// with q ≥ 1 (at least two outputs, so that δ's dilation shows) and the
/// case's remainder r.
fn conv_backward_strided(rng: &mut Rng, case: StridedCase) -> Case {
    let StridedCase { stride, padding, remainder } = case;
    let n = between(rng, 2, 3);
    let mut others: Vec<usize> = (2..=4).filter(|&v| v != n).collect();
    rng.shuffle(&mut others);
    let (c, k) = (others[0], others[1]);
    let ((h, wd), (kh, kw)) = match remainder {
        None => ((5, 5), (3, 3)),
        Some(r) => {
            let [kh, kw] = distinct_sizes(rng, 2, 2, 3)[..] else { unreachable!("two sizes") };
            let [qh, qw] = distinct_sizes(rng, 2, 1, 2)[..] else { unreachable!("two sizes") };
            // n = S·q + r + k − 2P; q ≥ 1 and k ≥ 2 keep it above 2P.
            let len = |q: usize, kernel: usize| stride * q + r + kernel - 2 * padding;
            ((len(qh, kh), len(qw, kw)), (kh, kw))
        }
    };
    let g = conv::Geometry::new(stride, padding);
    let x = uniform(rng, (n, c, h, wd));
    let w = uniform(rng, (k, c, kh, kw));
    let b = uniform(rng, k);
    let (oh, ow) = g.output_shape((h, wd), (kh, kw)).expect("the kernel fits the padded input");
    let dy = uniform(rng, (n, k, oh, ow));
    let (dx, dw, db) = conv::backward_strided(&x, &w, &dy, g);
    let expected = vec![named("dx", dx), named("dw", dw), named("db", db)];
    // As in conv_backward: S = Σ_n Σ δ_n ⊙ z_n, dx per sample, dw and db
    // batch means. The reference comparison covers every entry of dx, the
    // unread rows' exact zeros too; central differences probe a sample.
    let per = 1.0 / n as f64;
    let numerical = vec![
        named("dx", fd_sampled(rng, &x, LINEAR_STEP, 24, |x| dot(&dy, &conv::forward_strided(x, &w, &b, g)))),
        named("dw", fd(&w, LINEAR_STEP, |w| dot(&dy, &conv::forward_strided(&x, w, &b, g))) * per),
        named("db", fd(&b, LINEAR_STEP, |b| dot(&dy, &conv::forward_strided(&x, &w, b, g))) * per),
    ];
    let reference = expected.clone();
    let unread = remainder.is_some_and(|r| r > padding);
    let i = Rc::new((x, w, dy));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(numerical),
        fd_tolerance: FD_TOLERANCE,
        note: unread.then_some("the last input rows and columns are read by no output: their dx is 0"),
        inputs: vec![t(&i.0), t(&i.1), t(&i.2), Input::Geometry { stride, padding }],
        student: Box::new(move |s| {
            let (dx, dw, db) = (s.conv_backward_strided)(&i.0, &i.1, &i.2, g);
            vec![named("dx", dx), named("dw", dw), named("db", db)]
        }),
        variants: Box::new(move || catalogue::conv_backward_strided(&j.0, &j.1, &j.2, g, &reference)),
    }
}

/// ReLU's backward on a non-square N × C × H × W (N ≠ C, H ≠ W) with both
/// signs of z and some z exactly 0, where ReLU′(0) = 0 shuts the gate.
fn relu_backward(rng: &mut Rng) -> Case {
    let [n, c] = distinct_sizes(rng, 2, 1, 3)[..] else { unreachable!("two sizes") };
    let [h, w] = distinct_sizes(rng, 2, 2, 5)[..] else { unreachable!("two sizes") };
    let shape = (n, c, h, w);
    let mut da = uniform(rng, shape);
    let mut z = both_signs(away_from_zero(rng, shape));
    // Where the gate is open (the first entry), a negative gradient must
    // pass: ReLU applied to the gradient would stop it.
    da[[0, 0, 0, 0]] = -da[[0, 0, 0, 0]].abs();
    // z exactly 0 at the second entry of every row, with a gradient there.
    for mut row in z.lanes_mut(ndarray::Axis(3)) {
        row[1] = 0.0;
    }
    let relu = Activation::Relu;
    let expected = one(relu.backward(&da, &z));
    // |z| ≥ 0.1 or z = 0: a step of 0.01 never crosses the kink except at 0,
    // where the differences are left out (they straddle it).
    let numerical = fd(&z, 1e-2, |z| dot(&da, &relu.apply(z)));
    let i = Rc::new((da, z));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical: Some(one(numerical)),
        fd_tolerance: FD_TOLERANCE,
        note: Some("z exactly 0 in column 2, where ReLU′(0) = 0"),
        inputs: vec![t(&i.0), t(&i.1)],
        student: Box::new(move |s| one((s.relu_backward)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::relu_backward(&j.0)),
    }
}

/// The softmax cross-entropy gradient on N ≠ 10 samples; with `extreme`,
/// logits of ±1000, where e^z overflows unless the column's maximum is
/// subtracted first (the stub asks for a finite answer).
fn softmax_cross_entropy_grad(rng: &mut Rng, extreme: bool) -> Case {
    let n = between(rng, 2, 6);
    let mut logits = rng.uniform_array((10, n), -3.0, 3.0);
    if extreme {
        // One column far above, one far below, and one with both: every
        // unshifted e^z overflows to ∞ or underflows to a sum of 0.
        for (k, mut col) in logits.columns_mut().into_iter().enumerate() {
            match k % 3 {
                0 => col.mapv_inplace(|v| v + 1000.0),
                1 => col.mapv_inplace(|v| v - 1000.0),
                _ => {
                    col[0] = 1000.0;
                    col[9] = -1000.0;
                }
            }
        }
    }
    let labels: Vec<usize> = (0..n).map(|_| rng.below(10)).collect();
    let expected = one(loss::softmax_cross_entropy(&logits, &labels).1);
    // δ is per sample: the gradient of Σ_n C_n = N × the mean loss. At
    // ±1000 a step of 10⁻⁵ is lost to rounding: no differences there.
    let numerical =
        (!extreme).then(|| one(fd(&logits, SMOOTH_STEP, |z| loss::softmax_cross_entropy(z, &labels).0 * n as f64)));
    let i = Rc::new((logits, labels));
    let j = Rc::clone(&i);
    Case {
        expected,
        numerical,
        fd_tolerance: FD_TOLERANCE,
        note: extreme.then_some("logits of ±1000"),
        inputs: vec![t(&i.0), Input::Labels(i.1.clone())],
        student: Box::new(move |s| one((s.softmax_cross_entropy_grad)(&i.0, &i.1))),
        variants: Box::new(move || catalogue::softmax_cross_entropy_grad(&j.0, &j.1)),
    }
}

/// The names of each exercise's arguments, as the stubs call them.
fn argument_names(exercise: &str) -> &'static [&'static str] {
    match exercise {
        "fc_forward" => &["w", "a", "b"],
        "fc_backprop_delta" => &["w_next", "delta_next", "z", "act"],
        "fc_weight_grad" => &["delta", "a_prev"],
        "fc_bias_grad" | "bias_grad" => &["delta"],
        "correlate_valid" => &["a", "w"],
        "full_convolve" => &["delta", "w"],
        "kernel_grad" => &["a", "delta"],
        "conv_backward" => &["x", "w", "dy", "padding"],
        "conv_backward_strided" => &["x", "w", "dy", "g"],
        "mean_pool_backward" => &["dy", "input_shape", "size", "stride"],
        "max_pool_backward" => &["dy", "argmax"],
        "relu_backward" => &["grad_a", "z"],
        "softmax_cross_entropy_grad" => &["logits", "labels"],
        "lenet_backward" => &["params", "x", "labels"],
        _ => &[],
    }
}

/// A case's inputs in a line: each argument's name with its shape or value,
/// and what is special about the case (z exactly 0, logits of ±1000, ties).
pub(crate) fn describe(exercise: &str, case: &Case) -> String {
    use super::compare::shape_text;
    let names = argument_names(exercise);
    let mut parts = Vec::new();
    for (k, input) in case.inputs.iter().enumerate() {
        let name = names.get(k).copied().unwrap_or("?");
        parts.push(match input {
            Input::Tensor(t) => format!("{name} {}", shape_text(&t.shape)),
            Input::Whole(v) => format!("{name} = {v}"),
            Input::Geometry { stride, padding } => format!("{name} = stride {stride}, padding {padding}"),
            Input::Shape4(s) => format!("{name} = ({}, {}, {}, {})", s[0], s[1], s[2], s[3]),
            Input::Labels(l) => format!("{name} {l:?}"),
            Input::Activation(a) => format!("{name} = {a}"),
            Input::Argmax { input_shape: s, .. } => {
                format!("{name} of a {} input", shape_text(s))
            }
            Input::Params(_) => format!("{name}: LeNet's"),
        });
    }
    let mut text = parts.join(", ");
    if let Some(note) = case.note {
        text.push_str(&format!(" ({note})"));
    }
    text
}
