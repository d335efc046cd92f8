//! Coursework: a student writes each derivation as a function, and the
//! checker says whether it is right and, when it is not, names the mistake.
//!
//! A student fills in [`Answers`], one function per exercise of
//! [`EXERCISES`], with the same signature as the crate's own function
//! ([`Answers::reference`] holds those). [`check`] draws fresh inputs from a
//! seed (shapes too), runs the student's function with panics caught, and
//! compares its answer entry by entry with the crate's reference and, for a
//! gradient, with central differences of the forward function. A wrong
//! answer is then compared with the [`catalogue`] of known mistakes (many
//! of them the notes' own errata, from [`crate::errata`]); when it equals
//! one, the [`Report`] names it, explains it in one sentence and links the
//! book's section.
//!
//! ```
//! use lenet::course::{Answers, Status, check};
//! use lenet::ndarray::Array2;
//! // A kernel gradient written as a convolution: δ turned by 180°.
//! fn flipped(a: &Array2<f64>, delta: &Array2<f64>) -> Array2<f64> {
//!     let (m, n) = delta.dim();
//!     let turned = Array2::from_shape_fn((m, n), |(i, j)| delta[[m - 1 - i, n - 1 - j]]);
//!     (Answers::reference().correlate_valid)(a, &turned)
//! }
//! let answers = Answers { kernel_grad: flipped, ..Answers::reference() };
//! let report = check("kernel_grad", &answers, 7).unwrap();
//! assert_eq!(report.status, Status::Wrong);
//! assert_eq!(report.diagnosis.unwrap().erratum, Some(13));
//! ```
//!
//! [`check`] runs the student's functions in this process: what a notebook
//! (chapter 7) and a student's own `cargo test` use, and it protects
//! nothing. Grading runs them in runner processes built without lenet's
//! backward functions ([`runner`]; `lenet course check` and `grade`).
//!
//! Indices in reports count from 1, as the book's do. Parameter gradients
//! are batch means; δ and ∂C/∂x are per sample (the book's convention).

pub mod catalogue;
mod cli;
mod compare;
mod exercises;
mod quiet;
mod relations;
mod report;
pub mod runner;
#[path = "../../course/runner/wire.rs"]
pub(crate) mod wire;

pub use catalogue::{CATALOGUE, Mistake};
pub use cli::{main, run};
pub use compare::TOLERANCE;
pub use exercises::FD_TOLERANCE;
pub use report::{Diagnosis, Report, Reports, Status, Worst, table};

use crate::activation::Activation;
use crate::model::{Arch, LeNet, Params};
use crate::pool::Argmax;
use crate::rng::Rng;
use crate::{conv, fc, loss, pool};
use compare::{Output, same, shape_mismatch, worst};
use exercises::Case;
use ndarray::{Array1, Array2, Array4};

/// The exercises, in the order of the book's chapters.
pub const EXERCISES: [&str; 15] = [
    "fc_forward",
    "fc_backprop_delta",
    "fc_weight_grad",
    "fc_bias_grad",
    "correlate_valid",
    "full_convolve",
    "kernel_grad",
    "bias_grad",
    "conv_backward",
    "conv_backward_strided",
    "mean_pool_backward",
    "max_pool_backward",
    "relu_backward",
    "softmax_cross_entropy_grad",
    "lenet_backward",
];

/// The student's answers, one function per exercise. Matrices hold one
/// column per sample; 4-D arrays are N×C×H×W.
#[derive(Clone, Copy, Debug)]
#[allow(
    clippy::type_complexity,
    reason = "each signature is spelt out where a student fills it in, not behind an alias"
)]
pub struct Answers {
    /// (W, a, b) ↦ z = W a + b, with W out×in, a in×N and b out×1 added to every column.
    pub fc_forward: fn(&Array2<f64>, &Array2<f64>, &Array2<f64>) -> Array2<f64>,
    /// (W^(l+1), δ^(l+1), z^l, σ) ↦ δ^l = (W^(l+1))ᵀ δ^(l+1) ⊙ σ′(z^l).
    pub fc_backprop_delta: fn(&Array2<f64>, &Array2<f64>, &Array2<f64>, Activation) -> Array2<f64>,
    /// (δ, a^(l−1)) ↦ ∂C/∂W = (1/N) δ (a^(l−1))ᵀ.
    pub fc_weight_grad: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    /// δ ↦ ∂C/∂b = (1/N) Σ_n δ_n, an out×1 column.
    pub fc_bias_grad: fn(&Array2<f64>) -> Array2<f64>,
    /// (a, w) ↦ z, the valid cross-correlation z_ij = Σ_pq a_(i+p−1, j+q−1) w_pq.
    pub correlate_valid: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    /// (δ, w) ↦ ∂C/∂a, the full convolution of δ with w.
    pub full_convolve: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    /// (a, δ) ↦ ∂C/∂w = correlate_valid(a, δ).
    pub kernel_grad: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    /// δ ↦ ∂C/∂b = Σ_ij δ_ij.
    pub bias_grad: fn(&Array2<f64>) -> f64,
    /// (x, w, δ, padding) ↦ (dx, dw, db), as [`conv::backward`].
    pub conv_backward: fn(&Array4<f64>, &Array4<f64>, &Array4<f64>, usize) -> (Array4<f64>, Array4<f64>, Array1<f64>),
    /// (x, w, δ, geometry) ↦ (dx, dw, db) with stride S and padding P, as [`conv::backward_strided`].
    pub conv_backward_strided:
        fn(&Array4<f64>, &Array4<f64>, &Array4<f64>, conv::Geometry) -> (Array4<f64>, Array4<f64>, Array1<f64>),
    /// (∂C/∂a, input shape, window size, stride) ↦ ∂C/∂x, as [`pool::mean_backward`].
    pub mean_pool_backward: fn(&Array4<f64>, (usize, usize, usize, usize), usize, usize) -> Array4<f64>,
    /// (∂C/∂a, argmax) ↦ ∂C/∂x, as [`pool::max_backward`].
    pub max_pool_backward: fn(&Array4<f64>, &Argmax) -> Array4<f64>,
    /// (∂C/∂a, z) ↦ δ = ∂C/∂a ⊙ 𝟙(z > 0).
    pub relu_backward: fn(&Array4<f64>, &Array4<f64>) -> Array4<f64>,
    /// (logits 10×N, labels) ↦ δ = p − y per sample.
    pub softmax_cross_entropy_grad: fn(&Array2<f64>, &[usize]) -> Array2<f64>,
    /// (params, x N×1×28×28, labels) ↦ the batch-averaged gradients of the
    /// modern LeNet (ReLU, max pooling), as [`LeNet::trace`]'s `grads`.
    pub lenet_backward: fn(&Params<f64>, &Array4<f64>, &[usize]) -> Params<f64>,
}

impl Answers {
    /// The crate's own functions: every check passes with them.
    pub fn reference() -> Answers {
        Answers {
            fc_forward: |w, a, b| fc::forward(w, a, b).0,
            fc_backprop_delta: |w, d, z, act| fc::backprop_delta(w, d, z, act).0,
            fc_weight_grad: |d, a| fc::weight_grad(d, a).0,
            fc_bias_grad: |d| fc::bias_grad(d).0,
            correlate_valid: |a, w| conv::correlate_valid(&crate::Matrix(a.clone()), &crate::Matrix(w.clone())).0,
            full_convolve: |d, w| conv::full_convolve(&crate::Matrix(d.clone()), &crate::Matrix(w.clone())).0,
            kernel_grad: |a, d| conv::kernel_grad(&crate::Matrix(a.clone()), &crate::Matrix(d.clone())).0,
            bias_grad: |d| conv::bias_grad(&crate::Matrix(d.clone())),
            conv_backward: conv::backward,
            conv_backward_strided: conv::backward_strided,
            mean_pool_backward: pool::mean_backward,
            max_pool_backward: pool::max_backward,
            relu_backward: |da, z| Activation::Relu.backward(da, z),
            softmax_cross_entropy_grad: |z, labels| loss::softmax_cross_entropy(z, labels).1,
            lenet_backward: |params, x, labels| {
                let mut model = LeNet::new(Arch::modern(), 0);
                model.params = params.clone();
                model.trace(x, labels).grads
            },
        }
    }
}

/// Checks one exercise of `answers` on inputs drawn from `seed`; `None`
/// when `exercise` is not one of [`EXERCISES`].
///
/// An exercise tries many cases (sizes that no wrong formula can confuse,
/// every activation, windows that overlap and windows that do not, the
/// kinks the stubs name, …). When some fail, the report is the first
/// failing case whose answer is a known mistake (so the diagnosis shows),
/// else the first failing case; when all pass, the case with the largest
/// error.
pub fn check(exercise: &str, answers: &Answers, seed: u64) -> Option<Report> {
    check_each(exercise, std::slice::from_ref(answers), seed).and_then(|mut r| r.pop())
}

/// [`check`] for several answer sets on the same seed, drawing the cases
/// (and their central differences) once: one report per answer set, in
/// order. What a mutation test of the checker or a grader of many
/// submissions wants.
pub fn check_each(exercise: &str, answers: &[Answers], seed: u64) -> Option<Vec<Report>> {
    let name = EXERCISES.iter().find(|&&e| e == exercise)?;
    let mut rng = Rng::new(seed);
    let cases = exercises::cases(name, &mut rng)?;
    Some(answers.iter().map(|a| verdict(name, seed, &cases, a)).collect())
}

/// The report on one answer set over all `cases` (see [`check`]).
fn verdict(name: &str, seed: u64, cases: &[Case], answers: &Answers) -> Report {
    verdict_on(name, seed, cases, |_, case| quiet::run(|| (case.student)(answers)))
}

/// The report over all `cases`, with `answer(k, case)` the student's answer
/// on case k (or why there is none), wherever it was computed: here, or in
/// a runner process.
pub(crate) fn verdict_on(
    name: &str,
    seed: u64,
    cases: &[Case],
    mut answer: impl FnMut(usize, &Case) -> Result<Output, Failure>,
) -> Report {
    let mut summary: Option<Report> = None;
    let mut first_failure: Option<Report> = None;
    let mut largest_fd: Option<f64> = None;
    let error = |r: &Report| r.worst.as_ref().map_or(0.0, |w| w.rel_error);
    for (k, case) in cases.iter().enumerate() {
        let mut report = judge(name, seed, case, answer(k, case));
        if !report.passed() {
            report.case = Some(exercises::describe(name, case));
            if report.diagnosis.is_some() {
                return report;
            }
            first_failure.get_or_insert(report);
            continue;
        }
        if let Some(fd) = report.finite_difference {
            largest_fd = Some(largest_fd.map_or(fd, |m| m.max(fd)));
        }
        if summary.as_ref().is_none_or(|s| error(&report) > error(s)) {
            summary = Some(report);
        }
    }
    if let Some(failure) = first_failure {
        return failure;
    }
    let mut s = summary.expect("every exercise has at least one case");
    s.finite_difference = largest_fd;
    s
}

/// Checks every exercise, in [`EXERCISES`] order.
pub fn check_all(answers: &Answers, seed: u64) -> Vec<Report> {
    EXERCISES.iter().filter_map(|e| check(e, answers, seed)).collect()
}

/// Why a student's function gave no answer: its status, and where it
/// panicked when that is known (`src/conv.rs:42:17`).
pub(crate) type Failure = (Status, Option<String>);

/// The verdict on one case, given the student's answer on it.
fn judge(exercise: &str, seed: u64, case: &Case, got: Result<Output, Failure>) -> Report {
    let mut report = Report::new(exercise, seed, Status::Passed);
    let got = match got {
        Ok(got) => got,
        Err((status, location)) => {
            report.status = status;
            report.location = location;
            return report;
        }
    };
    if let Some((expected, got_shape)) = shape_mismatch(&case.expected, &got) {
        report.status = Status::WrongShape { expected, got: got_shape };
        report.diagnosis = diagnose(exercise, case, &got);
        return report;
    }
    report.worst = worst(&case.expected, &got);
    report.finite_difference = case.numerical.as_ref().map(|numerical| {
        let probes = reliable_probes(numerical, &case.expected, case.fd_tolerance);
        worst(&probes, &got).map_or(0.0, |w| w.rel_error)
    });
    let close = report.worst.as_ref().is_none_or(|w| w.rel_error < TOLERANCE);
    let agrees = report.finite_difference.is_none_or(|fd| fd < case.fd_tolerance);
    if !(close && agrees) {
        report.status = Status::Wrong;
        if !close {
            report.diagnosis = diagnose(exercise, case, &got);
        }
    }
    report
}

/// Central differences where they agree with the reference. A probe that
/// disagrees had a kink of ReLU or a switch of a maximum between x − h
/// and x + h, so it says nothing about the answer; it is left out (NaN).
fn reliable_probes(numerical: &Output, expected: &Output, tolerance: f64) -> Output {
    let mut probes = numerical.clone();
    for (p, e) in probes.iter_mut().zip(expected) {
        ndarray::Zip::from(&mut p.value).and(&e.value).for_each(|n, &x| {
            if !n.is_nan() && compare::entry_error(x, *n) >= tolerance {
                *n = f64::NAN;
            }
        });
    }
    probes
}

/// The first catalogued mistake whose answer equals `got`; for a gradient
/// the reference with its sign flipped is tried last; then the general
/// relations of [`relations`] (a constant factor, turned, transposed,
/// shifted, zeroed; for LeNet the first wrong tensor from the loss).
fn diagnose(exercise: &str, case: &Case, got: &Output) -> Option<Diagnosis> {
    let mut variants = quiet::run(|| (case.variants)()).unwrap_or_default();
    if case.numerical.is_some() {
        variants.push((catalogue::SIGN_FLIPPED, catalogue::scaled(&case.expected, -1.0)));
    }
    let known = variants.iter().find(|(_, wrong)| same(wrong, got)).map(|(mistake, _)| mistake.diagnosis());
    known.or_else(|| relations::relation(exercise, case, got))
}
