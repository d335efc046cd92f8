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
use crate::{loss, pool};
use ndarray::{Array, Array1, Array2, Array4, ArrayD, Dimension, IxDyn, ShapeBuilder};
use std::rc::Rc;

mod conv;
mod fc;
mod lenet;
mod pooling;
mod relu;
mod softmax;
use conv::{STRIDED, bias_grad, conv_backward, conv_backward_strided, correlate_valid, full_convolve, kernel_grad};
use fc::{fc_backprop_delta, fc_bias_grad, fc_forward, fc_weight_grad};
use lenet::lenet_backward;
use pooling::{Ties, max_pool_backward, mean_pool_backward};
use relu::relu_backward;
use softmax::softmax_cross_entropy_grad;

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

impl Case {
    /// A case on the inputs `data` (`inputs` as the runner receives them),
    /// which the student's function and the catalogue's variants share:
    /// `student` and `variants` take them by reference. No central
    /// differences and no note until [`Case::with_numerical`] and
    /// [`Case::with_note`] add them.
    fn new<T: 'static>(
        expected: Output,
        inputs: Vec<Input>,
        data: T,
        student: impl Fn(&Answers, &T) -> Output + 'static,
        variants: impl Fn(&T) -> Vec<Variant> + 'static,
    ) -> Case {
        let for_student = Rc::new(data);
        let for_variants = Rc::clone(&for_student);
        Case {
            expected,
            numerical: None,
            fd_tolerance: FD_TOLERANCE,
            inputs,
            note: None,
            student: Box::new(move |s| student(s, &for_student)),
            variants: Box::new(move || variants(&for_variants)),
        }
    }

    /// The case with central differences to compare with.
    fn with_numerical(self, numerical: Option<Output>) -> Case {
        Case { numerical, ..self }
    }

    /// The case with what is special about it.
    fn with_note(self, note: Option<&'static str>) -> Case {
        Case { note, ..self }
    }
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
