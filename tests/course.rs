//! The coursework checker, `lenet::course`: the crate's own answers pass
//! every check; every catalogued mistake, written as a student would write
//! it, is diagnosed by its name; noise, unfilled stubs, panics and wrong shapes
//! get the right verdict, quietly; reports are reproducible and print as
//! one line of JSON.

use lenet::activation::Activation;
use lenet::course::{self, Answers, CATALOGUE, EXERCISES, Report, Status, check, check_all};
use lenet::model::{Arch, LeNet, Params, Pooling};
use lenet::pool::Argmax;
use lenet::rng::Rng;
use lenet::{Matrix, conv, errata, fc, loss, pool};
use ndarray::{Array1, Array2, Array4, s};
use std::collections::BTreeSet;

const SEEDS: [u64; 4] = [0, 1, 42, 2026];

fn reference() -> Answers {
    Answers::reference()
}

fn m(a: &Array2<f64>) -> Matrix<f64> {
    Matrix(a.clone())
}

/// Checks `exercise` on several seeds and asserts that every report is
/// wrong (or of the wrong shape) with the diagnosis `name`.
fn assert_diagnosed(exercise: &str, answers: Answers, name: &str) -> Report {
    let mut last = None;
    for seed in SEEDS {
        let r = check(exercise, &answers, seed).expect("a known exercise");
        assert!(matches!(r.status, Status::Wrong | Status::WrongShape { .. }), "seed {seed}: {r}");
        let got = r.diagnosis.as_ref().map(|d| d.name.as_str());
        assert_eq!(got, Some(name), "seed {seed}: {r}");
        last = Some(r);
    }
    last.expect("at least one seed")
}

/// Every (exercise, mistake name) that a test below implements.
const TESTED: &[(&str, &str)] = &[
    ("fc_forward", "bias missing"),
    ("fc_backprop_delta", "σ′ missing"),
    ("fc_backprop_delta", "σ instead of σ′"),
    ("fc_backprop_delta", "transpose missing"),
    ("fc_backprop_delta", "σ′ on the wrong layer"),
    ("fc_backprop_delta", "sign flipped"),
    ("fc_weight_grad", "batch summed instead of averaged"),
    ("fc_weight_grad", "transpose missing"),
    ("fc_weight_grad", "sign flipped"),
    ("fc_bias_grad", "batch summed instead of averaged"),
    ("fc_bias_grad", "sign flipped"),
    ("correlate_valid", "kernel flipped (a convolution instead of a correlation)"),
    ("full_convolve", "kernel not rotated"),
    ("full_convolve", "no zero padding"),
    ("full_convolve", "sign flipped"),
    ("kernel_grad", "kernel gradient flipped (a convolution instead of a correlation)"),
    ("kernel_grad", "kernel gradient turned by 180°"),
    ("kernel_grad", "sign flipped"),
    ("bias_grad", "averaged instead of summed"),
    ("bias_grad", "sign flipped"),
    ("conv_backward", "kernel not rotated"),
    ("conv_backward", "no zero padding"),
    ("conv_backward", "padding not cropped"),
    ("conv_backward", "kernel gradient flipped (a convolution instead of a correlation)"),
    ("conv_backward", "batch summed instead of averaged"),
    ("conv_backward", "sign flipped"),
    ("conv_backward_strided", "δ not dilated (stride ignored)"),
    ("conv_backward_strided", "dilated δ not filled up to the unit-stride size"),
    ("conv_backward_strided", "kernel not rotated"),
    ("conv_backward_strided", "padding not cropped"),
    ("conv_backward_strided", "kernel gradient flipped (a convolution instead of a correlation)"),
    ("conv_backward_strided", "batch summed instead of averaged"),
    ("conv_backward_strided", "sign flipped"),
    ("mean_pool_backward", "not divided by the window area"),
    ("mean_pool_backward", "assignment instead of accumulation"),
    ("mean_pool_backward", "sign flipped"),
    ("max_pool_backward", "assignment instead of accumulation"),
    ("max_pool_backward", "sign flipped"),
    ("relu_backward", "σ′ missing"),
    ("relu_backward", "ReLU applied to the gradient"),
    ("relu_backward", "sign flipped"),
    ("softmax_cross_entropy_grad", "sign flipped"),
    ("softmax_cross_entropy_grad", "the notes' δ, (y − p)/N"),
    ("softmax_cross_entropy_grad", "δ divided by N"),
    ("softmax_cross_entropy_grad", "ReLU on the logits"),
    ("lenet_backward", "batch summed instead of averaged"),
    ("lenet_backward", "mean pooling instead of max pooling"),
    ("lenet_backward", "sign flipped"),
];

#[test]
fn every_catalogue_entry_has_a_test_below() {
    let catalogue: BTreeSet<(&str, &str)> = CATALOGUE.iter().map(|(e, m)| (*e, m.name)).collect();
    let tested: BTreeSet<(&str, &str)> = TESTED.iter().copied().collect();
    assert_eq!(catalogue, tested);
    for (exercise, _) in CATALOGUE {
        assert!(EXERCISES.contains(exercise), "{exercise}");
    }
}

// ---------------------------------------------------------------- passing

#[test]
fn the_reference_answers_pass_every_check_without_a_diagnosis() {
    for seed in SEEDS {
        let reports = check_all(&reference(), seed);
        assert_eq!(reports.len(), EXERCISES.len());
        for (r, name) in reports.iter().zip(EXERCISES) {
            assert_eq!(r.exercise, name);
            assert!(r.passed(), "{r}");
            assert_eq!(r.seed, seed);
            assert!(r.diagnosis.is_none(), "{r}");
            let worst = r.worst.as_ref().expect("a worst entry");
            assert!(worst.rel_error < course::TOLERANCE, "{r}");
        }
        // Every gradient has a finite-difference check; the forward passes do not.
        for r in &reports {
            let is_forward = ["fc_forward", "correlate_valid"].contains(&r.exercise.as_str());
            assert_eq!(r.finite_difference.is_none(), is_forward, "{r}");
        }
    }
}

#[test]
fn an_unknown_exercise_is_none() {
    assert!(check("kernel_gradient", &reference(), 1).is_none());
}

// ------------------------------------------------- fully connected mistakes

fn fc_forward_without_bias(w: &Array2<f64>, a: &Array2<f64>, _b: &Array2<f64>) -> Array2<f64> {
    w.dot(a)
}

#[test]
fn diagnoses_fc_forward_bias_missing() {
    let r =
        assert_diagnosed("fc_forward", Answers { fc_forward: fc_forward_without_bias, ..reference() }, "bias missing");
    assert_eq!(r.diagnosis.unwrap().erratum, Some(16));
}

fn delta_without_sigma_prime(w: &Array2<f64>, d: &Array2<f64>, _z: &Array2<f64>, _f: Activation) -> Array2<f64> {
    w.t().dot(d)
}

fn delta_with_sigma(w: &Array2<f64>, d: &Array2<f64>, z: &Array2<f64>, f: Activation) -> Array2<f64> {
    w.t().dot(d) * f.apply(z)
}

fn delta_without_transpose(w: &Array2<f64>, d: &Array2<f64>, z: &Array2<f64>, f: Activation) -> Array2<f64> {
    w.dot(d) * f.derivative(z)
}

fn delta_gated_before_the_transpose(w: &Array2<f64>, d: &Array2<f64>, z: &Array2<f64>, f: Activation) -> Array2<f64> {
    w.t().dot(&(d * &f.derivative(z)))
}

fn delta_negated(w: &Array2<f64>, d: &Array2<f64>, z: &Array2<f64>, f: Activation) -> Array2<f64> {
    -fc::backprop_delta(w, d, z, f).0
}

#[test]
fn diagnoses_fc_backprop_delta_sigma_prime_missing() {
    assert_diagnosed(
        "fc_backprop_delta",
        Answers { fc_backprop_delta: delta_without_sigma_prime, ..reference() },
        "σ′ missing",
    );
}

#[test]
fn diagnoses_fc_backprop_delta_sigma_instead_of_sigma_prime() {
    assert_diagnosed(
        "fc_backprop_delta",
        Answers { fc_backprop_delta: delta_with_sigma, ..reference() },
        "σ instead of σ′",
    );
}

#[test]
fn diagnoses_fc_backprop_delta_transpose_missing() {
    // The first case has a square W, where W δ has a shape.
    assert_diagnosed(
        "fc_backprop_delta",
        Answers { fc_backprop_delta: delta_without_transpose, ..reference() },
        "transpose missing",
    );
}

#[test]
fn diagnoses_fc_backprop_delta_sigma_prime_on_the_wrong_layer() {
    let r = assert_diagnosed(
        "fc_backprop_delta",
        Answers { fc_backprop_delta: delta_gated_before_the_transpose, ..reference() },
        "σ′ on the wrong layer",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(1));
}

#[test]
fn diagnoses_fc_backprop_delta_sign_flipped() {
    assert_diagnosed("fc_backprop_delta", Answers { fc_backprop_delta: delta_negated, ..reference() }, "sign flipped");
}

fn weight_grad_summed(d: &Array2<f64>, a: &Array2<f64>) -> Array2<f64> {
    d.dot(&a.t())
}

fn weight_grad_transposed(d: &Array2<f64>, a: &Array2<f64>) -> Array2<f64> {
    a.dot(&d.t()) / d.ncols() as f64
}

fn weight_grad_negated(d: &Array2<f64>, a: &Array2<f64>) -> Array2<f64> {
    -fc::weight_grad(d, a).0
}

#[test]
fn diagnoses_fc_weight_grad_batch_summed() {
    assert_diagnosed(
        "fc_weight_grad",
        Answers { fc_weight_grad: weight_grad_summed, ..reference() },
        "batch summed instead of averaged",
    );
}

#[test]
fn diagnoses_fc_weight_grad_transpose_missing_by_its_shape() {
    let r = assert_diagnosed(
        "fc_weight_grad",
        Answers { fc_weight_grad: weight_grad_transposed, ..reference() },
        "transpose missing",
    );
    assert!(matches!(r.status, Status::WrongShape { .. }), "{r}");
}

#[test]
fn diagnoses_fc_weight_grad_sign_flipped() {
    assert_diagnosed("fc_weight_grad", Answers { fc_weight_grad: weight_grad_negated, ..reference() }, "sign flipped");
}

fn bias_grad_summed(d: &Array2<f64>) -> Array2<f64> {
    d.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1))
}

fn bias_grad_negated(d: &Array2<f64>) -> Array2<f64> {
    -fc::bias_grad(d).0
}

#[test]
fn diagnoses_fc_bias_grad_batch_summed() {
    assert_diagnosed(
        "fc_bias_grad",
        Answers { fc_bias_grad: bias_grad_summed, ..reference() },
        "batch summed instead of averaged",
    );
}

#[test]
fn diagnoses_fc_bias_grad_sign_flipped() {
    assert_diagnosed("fc_bias_grad", Answers { fc_bias_grad: bias_grad_negated, ..reference() }, "sign flipped");
}

// ----------------------------------------------------- convolution mistakes

/// scipy's convolve2d(a, k, 'valid'): the kernel turned by 180° first.
fn convolve(a: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
    let (kh, kw) = k.dim();
    let (h, w) = a.dim();
    Array2::from_shape_fn((h - kh + 1, w - kw + 1), |(i, j)| {
        let mut z = 0.0;
        for p in 0..kh {
            for q in 0..kw {
                z += a[[i + p, j + q]] * k[[kh - 1 - p, kw - 1 - q]];
            }
        }
        z
    })
}

fn padded(d: &Array2<f64>, rows: usize, cols: usize) -> Array2<f64> {
    conv::pad(&m(d), rows, cols).0
}

fn correlate(a: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
    conv::correlate_valid(&m(a), &m(k)).0
}

#[test]
fn diagnoses_correlate_valid_as_a_convolution() {
    let r = assert_diagnosed(
        "correlate_valid",
        Answers { correlate_valid: convolve, ..reference() },
        "kernel flipped (a convolution instead of a correlation)",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(9));
}

fn full_convolve_not_rotated(d: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
    let (kh, kw) = w.dim();
    correlate(&padded(d, kh - 1, kw - 1), w)
}

fn full_convolve_unpadded(d: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
    convolve(d, w)
}

fn full_convolve_negated(d: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
    -conv::full_convolve(&m(d), &m(w)).0
}

#[test]
fn diagnoses_full_convolve_kernel_not_rotated() {
    assert_diagnosed(
        "full_convolve",
        Answers { full_convolve: full_convolve_not_rotated, ..reference() },
        "kernel not rotated",
    );
}

#[test]
fn diagnoses_full_convolve_without_zero_padding_by_its_shape() {
    let r = assert_diagnosed(
        "full_convolve",
        Answers { full_convolve: full_convolve_unpadded, ..reference() },
        "no zero padding",
    );
    assert!(matches!(r.status, Status::WrongShape { .. }), "{r}");
    assert_eq!(r.diagnosis.unwrap().erratum, Some(8));
}

#[test]
fn diagnoses_full_convolve_sign_flipped() {
    assert_diagnosed("full_convolve", Answers { full_convolve: full_convolve_negated, ..reference() }, "sign flipped");
}

/// The example: ∂C/∂w written as a convolution of a with δ.
fn kernel_grad_convolved(a: &Array2<f64>, d: &Array2<f64>) -> Array2<f64> {
    convolve(a, d)
}

fn kernel_grad_turned(a: &Array2<f64>, d: &Array2<f64>) -> Array2<f64> {
    conv::rot180(&m(&correlate(a, d))).0
}

fn kernel_grad_negated(a: &Array2<f64>, d: &Array2<f64>) -> Array2<f64> {
    -correlate(a, d)
}

#[test]
fn diagnoses_kernel_grad_as_a_convolution_with_erratum_13_and_the_book_section() {
    let r = assert_diagnosed(
        "kernel_grad",
        Answers { kernel_grad: kernel_grad_convolved, ..reference() },
        "kernel gradient flipped (a convolution instead of a correlation)",
    );
    let text = r.to_string();
    assert!(text.contains("flipped"), "{text}");
    assert!(text.contains("erratum 13"), "{text}");
    assert!(text.contains("convolution.html#the-kernel-gradient-is-a-valid-correlation"), "{text}");
    // As the user reads it.
    println!("{text}");
}

#[test]
fn diagnoses_kernel_grad_turned_by_180_degrees() {
    assert_diagnosed(
        "kernel_grad",
        Answers { kernel_grad: kernel_grad_turned, ..reference() },
        "kernel gradient turned by 180°",
    );
}

#[test]
fn diagnoses_kernel_grad_sign_flipped() {
    assert_diagnosed("kernel_grad", Answers { kernel_grad: kernel_grad_negated, ..reference() }, "sign flipped");
}

fn bias_grad_mean(d: &Array2<f64>) -> f64 {
    d.mean().unwrap_or(0.0)
}

fn bias_grad_negative(d: &Array2<f64>) -> f64 {
    -d.sum()
}

#[test]
fn diagnoses_bias_grad_averaged_instead_of_summed() {
    assert_diagnosed("bias_grad", Answers { bias_grad: bias_grad_mean, ..reference() }, "averaged instead of summed");
}

#[test]
fn diagnoses_bias_grad_sign_flipped() {
    assert_diagnosed("bias_grad", Answers { bias_grad: bias_grad_negative, ..reference() }, "sign flipped");
}

/// A student's multi-channel backward, with the rules for ∂C/∂a of one
/// plane (from δ and one kernel, returning an array as large as the padded
/// input unless `crop` is false) and for ∂C/∂w (from the padded input and δ),
/// and the factor applied to dw and db.
struct ConvRules {
    input_grad: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    crop: bool,
    kernel_grad: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    batch_factor: fn(usize) -> f64,
}

fn conv_backward_by(
    rules: ConvRules,
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let ((n_samples, channels, h, wd), (kernels, _, _, _)) = (x.dim(), w.dim());
    let plane = |a: &Array4<f64>, i: usize, j: usize| a.slice(s![i, j, .., ..]).to_owned();
    let mut dx: Option<Array4<f64>> = None;
    let mut dw = Array4::zeros(w.raw_dim());
    let mut db = Array1::zeros(kernels);
    let factor = (rules.batch_factor)(n_samples);
    for n in 0..n_samples {
        for k in 0..kernels {
            let d = plane(dy, n, k);
            db[k] += d.sum() * factor;
            for c in 0..channels {
                let da = (rules.input_grad)(&d, &plane(w, k, c));
                let da = if rules.crop { da.slice(s![p..p + h, p..p + wd]).to_owned() } else { da };
                let dx = dx.get_or_insert_with(|| Array4::zeros((n_samples, channels, da.nrows(), da.ncols())));
                let mut target = dx.slice_mut(s![n, c, .., ..]);
                target += &da;
                let a = padded(&plane(x, n, c), p, p);
                let mut target = dw.slice_mut(s![k, c, .., ..]);
                target += &((rules.kernel_grad)(&a, &d) * factor);
            }
        }
    }
    (dx.expect("at least one plane"), dw, db)
}

fn full(d: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
    conv::full_convolve(&m(d), &m(k)).0
}

fn mean(n: usize) -> f64 {
    1.0 / n as f64
}

fn conv_backward_not_rotated(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let rules =
        ConvRules { input_grad: full_convolve_not_rotated, crop: true, kernel_grad: correlate, batch_factor: mean };
    conv_backward_by(rules, x, w, dy, p)
}

fn conv_backward_unpadded(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let rules =
        ConvRules { input_grad: full_convolve_unpadded, crop: false, kernel_grad: correlate, batch_factor: mean };
    conv_backward_by(rules, x, w, dy, p)
}

fn conv_backward_uncropped(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let rules = ConvRules { input_grad: full, crop: false, kernel_grad: correlate, batch_factor: mean };
    conv_backward_by(rules, x, w, dy, p)
}

fn conv_backward_kernel_convolved(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let rules = ConvRules { input_grad: full, crop: true, kernel_grad: convolve, batch_factor: mean };
    conv_backward_by(rules, x, w, dy, p)
}

fn conv_backward_summed(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let rules = ConvRules { input_grad: full, crop: true, kernel_grad: correlate, batch_factor: |_| 1.0 };
    conv_backward_by(rules, x, w, dy, p)
}

fn conv_backward_negated(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let (dx, dw, db) = conv::backward(x, w, dy, p);
    (-dx, -dw, -db)
}

#[test]
fn the_conv_backward_of_the_rules_above_passes_when_they_are_right() {
    let rules = ConvRules { input_grad: full, crop: true, kernel_grad: correlate, batch_factor: mean };
    fn right(x: &Array4<f64>, w: &Array4<f64>, dy: &Array4<f64>, p: usize) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        let rules = ConvRules { input_grad: full, crop: true, kernel_grad: correlate, batch_factor: mean };
        conv_backward_by(rules, x, w, dy, p)
    }
    let _ = rules;
    let r = check("conv_backward", &Answers { conv_backward: right, ..reference() }, 3).unwrap();
    assert!(r.passed(), "{r}");
}

#[test]
fn diagnoses_conv_backward_kernel_not_rotated() {
    assert_diagnosed(
        "conv_backward",
        Answers { conv_backward: conv_backward_not_rotated, ..reference() },
        "kernel not rotated",
    );
}

#[test]
fn diagnoses_conv_backward_without_zero_padding() {
    assert_diagnosed(
        "conv_backward",
        Answers { conv_backward: conv_backward_unpadded, ..reference() },
        "no zero padding",
    );
}

#[test]
fn diagnoses_conv_backward_padding_not_cropped() {
    // Padding 0 needs no cropping; the second case, with padding 1, does.
    assert_diagnosed(
        "conv_backward",
        Answers { conv_backward: conv_backward_uncropped, ..reference() },
        "padding not cropped",
    );
}

#[test]
fn diagnoses_conv_backward_kernel_gradient_flipped() {
    assert_diagnosed(
        "conv_backward",
        Answers { conv_backward: conv_backward_kernel_convolved, ..reference() },
        "kernel gradient flipped (a convolution instead of a correlation)",
    );
}

#[test]
fn diagnoses_conv_backward_batch_summed() {
    assert_diagnosed(
        "conv_backward",
        Answers { conv_backward: conv_backward_summed, ..reference() },
        "batch summed instead of averaged",
    );
}

/// How a student widens δ's plane before the unit-stride rules of the
/// strided backward pass.
#[derive(Clone, Copy)]
enum Widen {
    /// As it is: the stride ignored.
    AsItIs,
    /// Dilated by S − 1 zeros, not filled up to the unit-stride output.
    DilatedOnly,
    /// Dilated and filled up (right).
    Filled,
}

/// The strided layer's backward from per-plane rules, as `conv_backward_by`
/// for stride 1: δ widened by `widen`, dx from `rules.input_grad` (cropped
/// by P on every side when `rules.crop`), dw from `rules.kernel_grad` on the
/// padded input.
fn conv_backward_strided_by(
    rules: ConvRules,
    widen: Widen,
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    g: conv::Geometry,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let ((n_samples, channels, h, wd), (kernels, _, kh, kw)) = (x.dim(), w.dim());
    let p = g.padding;
    let unit = (h + 2 * p - kh + 1, wd + 2 * p - kw + 1);
    let plane = |a: &Array4<f64>, i: usize, j: usize| a.slice(s![i, j, .., ..]).to_owned();
    let mut dx: Option<Array4<f64>> = None;
    let mut dw: Option<Array4<f64>> = None;
    let mut db = Array1::zeros(kernels);
    let factor = (rules.batch_factor)(n_samples);
    for n in 0..n_samples {
        for k in 0..kernels {
            let d = plane(dy, n, k);
            db[k] += d.sum() * factor;
            let d = match widen {
                Widen::AsItIs => d,
                Widen::DilatedOnly => conv::dilate(&m(&d), g.stride).0,
                Widen::Filled => conv::dilate_to(&m(&d), g.stride, unit).0,
            };
            for c in 0..channels {
                let da = (rules.input_grad)(&d, &plane(w, k, c));
                let da = if rules.crop { conv::crop(&m(&da), p, p).0 } else { da };
                let dx = dx.get_or_insert_with(|| Array4::zeros((n_samples, channels, da.nrows(), da.ncols())));
                let mut target = dx.slice_mut(s![n, c, .., ..]);
                target += &da;
                let dw_part = (rules.kernel_grad)(&padded(&plane(x, n, c), p, p), &d) * factor;
                let dw = dw.get_or_insert_with(|| Array4::zeros((kernels, channels, dw_part.nrows(), dw_part.ncols())));
                let mut target = dw.slice_mut(s![k, c, .., ..]);
                target += &dw_part;
            }
        }
    }
    (dx.expect("at least one plane"), dw.expect("at least one plane"), db)
}

const STRIDED_RIGHT: ConvRules = ConvRules { input_grad: full, crop: true, kernel_grad: correlate, batch_factor: mean };

#[test]
fn the_strided_conv_backward_of_the_rules_above_passes_when_they_are_right() {
    fn right(
        x: &Array4<f64>,
        w: &Array4<f64>,
        dy: &Array4<f64>,
        g: conv::Geometry,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        conv_backward_strided_by(STRIDED_RIGHT, Widen::Filled, x, w, dy, g)
    }
    for seed in SEEDS {
        let r = check("conv_backward_strided", &Answers { conv_backward_strided: right, ..reference() }, seed).unwrap();
        assert!(r.passed(), "{r}");
    }
}

#[test]
fn diagnoses_conv_backward_strided_stride_ignored() {
    fn undilated(
        x: &Array4<f64>,
        w: &Array4<f64>,
        dy: &Array4<f64>,
        g: conv::Geometry,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        conv_backward_strided_by(STRIDED_RIGHT, Widen::AsItIs, x, w, dy, g)
    }
    let r = assert_diagnosed(
        "conv_backward_strided",
        Answers { conv_backward_strided: undilated, ..reference() },
        "δ not dilated (stride ignored)",
    );
    assert!(matches!(r.status, Status::WrongShape { .. }), "{r}");
}

#[test]
fn diagnoses_conv_backward_strided_unread_rows_not_filled() {
    fn dilated_only(
        x: &Array4<f64>,
        w: &Array4<f64>,
        dy: &Array4<f64>,
        g: conv::Geometry,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        conv_backward_strided_by(STRIDED_RIGHT, Widen::DilatedOnly, x, w, dy, g)
    }
    let r = assert_diagnosed(
        "conv_backward_strided",
        Answers { conv_backward_strided: dilated_only, ..reference() },
        "dilated δ not filled up to the unit-stride size",
    );
    // Only the cases whose stride does not divide n + 2P − k show it.
    assert!(r.case.as_deref().is_some_and(|c| c.contains("stride 2, padding 0") || c.contains("stride 3")), "{r}");
}

#[test]
fn diagnoses_conv_backward_strided_kernel_not_rotated() {
    fn not_rotated(
        x: &Array4<f64>,
        w: &Array4<f64>,
        dy: &Array4<f64>,
        g: conv::Geometry,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        let rules = ConvRules { input_grad: full_convolve_not_rotated, ..STRIDED_RIGHT };
        conv_backward_strided_by(rules, Widen::Filled, x, w, dy, g)
    }
    let answers = Answers { conv_backward_strided: not_rotated, ..reference() };
    assert_diagnosed("conv_backward_strided", answers, "kernel not rotated");
}

#[test]
fn diagnoses_conv_backward_strided_padding_not_cropped() {
    fn uncropped(
        x: &Array4<f64>,
        w: &Array4<f64>,
        dy: &Array4<f64>,
        g: conv::Geometry,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        conv_backward_strided_by(ConvRules { crop: false, ..STRIDED_RIGHT }, Widen::Filled, x, w, dy, g)
    }
    let answers = Answers { conv_backward_strided: uncropped, ..reference() };
    assert_diagnosed("conv_backward_strided", answers, "padding not cropped");
}

#[test]
fn diagnoses_conv_backward_strided_kernel_gradient_flipped() {
    fn flipped(
        x: &Array4<f64>,
        w: &Array4<f64>,
        dy: &Array4<f64>,
        g: conv::Geometry,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        conv_backward_strided_by(ConvRules { kernel_grad: convolve, ..STRIDED_RIGHT }, Widen::Filled, x, w, dy, g)
    }
    assert_diagnosed(
        "conv_backward_strided",
        Answers { conv_backward_strided: flipped, ..reference() },
        "kernel gradient flipped (a convolution instead of a correlation)",
    );
}

#[test]
fn diagnoses_conv_backward_strided_batch_summed() {
    fn summed(
        x: &Array4<f64>,
        w: &Array4<f64>,
        dy: &Array4<f64>,
        g: conv::Geometry,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        conv_backward_strided_by(ConvRules { batch_factor: |_| 1.0, ..STRIDED_RIGHT }, Widen::Filled, x, w, dy, g)
    }
    let answers = Answers { conv_backward_strided: summed, ..reference() };
    assert_diagnosed("conv_backward_strided", answers, "batch summed instead of averaged");
}

#[test]
fn diagnoses_conv_backward_strided_sign_flipped() {
    fn negated(
        x: &Array4<f64>,
        w: &Array4<f64>,
        dy: &Array4<f64>,
        g: conv::Geometry,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        let (dx, dw, db) = conv::backward_strided(x, w, dy, g);
        (-dx, -dw, -db)
    }
    let answers = Answers { conv_backward_strided: negated, ..reference() };
    assert_diagnosed("conv_backward_strided", answers, "sign flipped");
}

#[test]
fn diagnoses_conv_backward_sign_flipped() {
    assert_diagnosed("conv_backward", Answers { conv_backward: conv_backward_negated, ..reference() }, "sign flipped");
}

// ------------------------------------------------ pooling and ReLU mistakes

fn mean_pool_undivided(
    dy: &Array4<f64>,
    shape: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
) -> Array4<f64> {
    pool::mean_backward(dy, shape, size, stride) * (size * size) as f64
}

fn mean_pool_assigning(
    dy: &Array4<f64>,
    shape: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
) -> Array4<f64> {
    let mut dx = Array4::zeros(shape);
    for ((n, c, i, j), &g) in dy.indexed_iter() {
        let (r, q) = (i * stride, j * stride);
        dx.slice_mut(s![n, c, r..r + size, q..q + size]).fill(g / (size * size) as f64);
    }
    dx
}

fn mean_pool_negated(dy: &Array4<f64>, shape: (usize, usize, usize, usize), size: usize, stride: usize) -> Array4<f64> {
    -pool::mean_backward(dy, shape, size, stride)
}

#[test]
fn diagnoses_mean_pool_backward_not_divided_by_the_window_area() {
    assert_diagnosed(
        "mean_pool_backward",
        Answers { mean_pool_backward: mean_pool_undivided, ..reference() },
        "not divided by the window area",
    );
}

#[test]
fn diagnoses_mean_pool_backward_assignment_where_windows_overlap() {
    let r = assert_diagnosed(
        "mean_pool_backward",
        Answers { mean_pool_backward: mean_pool_assigning, ..reference() },
        "assignment instead of accumulation",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(15));
}

#[test]
fn diagnoses_mean_pool_backward_sign_flipped() {
    assert_diagnosed(
        "mean_pool_backward",
        Answers { mean_pool_backward: mean_pool_negated, ..reference() },
        "sign flipped",
    );
}

fn max_pool_negated(dy: &Array4<f64>, argmax: &Argmax) -> Array4<f64> {
    -pool::max_backward(dy, argmax)
}

#[test]
fn diagnoses_max_pool_backward_assignment_where_windows_overlap() {
    let r = assert_diagnosed(
        "max_pool_backward",
        Answers { max_pool_backward: errata::max_backward_assigning, ..reference() },
        "assignment instead of accumulation",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(15));
}

#[test]
fn diagnoses_max_pool_backward_sign_flipped() {
    assert_diagnosed(
        "max_pool_backward",
        Answers { max_pool_backward: max_pool_negated, ..reference() },
        "sign flipped",
    );
}

fn relu_ungated(da: &Array4<f64>, _z: &Array4<f64>) -> Array4<f64> {
    da.clone()
}

fn relu_of_the_gradient(da: &Array4<f64>, _z: &Array4<f64>) -> Array4<f64> {
    da.mapv(|g| g.max(0.0))
}

fn relu_negated(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    -Activation::Relu.backward(da, z)
}

#[test]
fn diagnoses_relu_backward_sigma_prime_missing() {
    assert_diagnosed("relu_backward", Answers { relu_backward: relu_ungated, ..reference() }, "σ′ missing");
}

#[test]
fn diagnoses_relu_backward_relu_applied_to_the_gradient() {
    assert_diagnosed(
        "relu_backward",
        Answers { relu_backward: relu_of_the_gradient, ..reference() },
        "ReLU applied to the gradient",
    );
}

#[test]
fn diagnoses_relu_backward_sign_flipped() {
    assert_diagnosed("relu_backward", Answers { relu_backward: relu_negated, ..reference() }, "sign flipped");
}

// ----------------------------------------------------------- loss mistakes

fn one_hot(labels: &[usize]) -> Array2<f64> {
    let mut y = Array2::zeros((10, labels.len()));
    for (n, &l) in labels.iter().enumerate() {
        y[[l, n]] = 1.0;
    }
    y
}

fn softmax_y_minus_p(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    one_hot(labels) - loss::softmax(z)
}

fn softmax_as_the_notes(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    (one_hot(labels) - loss::softmax(z)) / labels.len() as f64
}

fn softmax_averaged(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    (loss::softmax(z) - one_hot(labels)) / labels.len() as f64
}

fn softmax_of_relu(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    loss::softmax(&z.mapv(|v| v.max(0.0))) - one_hot(labels)
}

fn softmax_of_relu_gated(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    let d = softmax_of_relu(z, labels);
    Activation::Relu.backward(&d, z)
}

#[test]
fn diagnoses_softmax_cross_entropy_grad_sign_flipped() {
    assert_diagnosed(
        "softmax_cross_entropy_grad",
        Answers { softmax_cross_entropy_grad: softmax_y_minus_p, ..reference() },
        "sign flipped",
    );
}

#[test]
fn diagnoses_softmax_cross_entropy_grad_as_the_notes_write_it() {
    let r = assert_diagnosed(
        "softmax_cross_entropy_grad",
        Answers { softmax_cross_entropy_grad: softmax_as_the_notes, ..reference() },
        "the notes' δ, (y − p)/N",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(11));
}

#[test]
fn diagnoses_softmax_cross_entropy_grad_divided_by_n() {
    assert_diagnosed(
        "softmax_cross_entropy_grad",
        Answers { softmax_cross_entropy_grad: softmax_averaged, ..reference() },
        "δ divided by N",
    );
}

#[test]
fn diagnoses_softmax_cross_entropy_grad_with_relu_on_the_logits_gated_or_not() {
    for wrong in [softmax_of_relu as fn(&Array2<f64>, &[usize]) -> Array2<f64>, softmax_of_relu_gated] {
        let r = assert_diagnosed(
            "softmax_cross_entropy_grad",
            Answers { softmax_cross_entropy_grad: wrong, ..reference() },
            "ReLU on the logits",
        );
        assert_eq!(r.diagnosis.unwrap().erratum, Some(16));
    }
}

// ----------------------------------------------------------- LeNet mistakes

fn lenet_grads(arch: Arch, params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut model = LeNet::new(arch, 0);
    model.params = params.clone();
    model.trace(x, labels).grads
}

fn lenet_summed(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut g = lenet_grads(Arch::modern(), params, x, labels);
    for (_, mut t) in g.tensors_mut() {
        t *= labels.len() as f64;
    }
    g
}

fn lenet_mean_pooling(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    lenet_grads(Arch { pooling: Pooling::Mean, ..Arch::modern() }, params, x, labels)
}

fn lenet_negated(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut g = lenet_grads(Arch::modern(), params, x, labels);
    for (_, mut t) in g.tensors_mut() {
        t.mapv_inplace(|v| -v);
    }
    g
}

fn lenet_one_wrong_entry(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut g = lenet_grads(Arch::modern(), params, x, labels);
    g.fc1_w[[2, 6]] += 1.0;
    g
}

#[test]
fn diagnoses_lenet_backward_batch_summed() {
    assert_diagnosed(
        "lenet_backward",
        Answers { lenet_backward: lenet_summed, ..reference() },
        "batch summed instead of averaged",
    );
}

#[test]
fn diagnoses_lenet_backward_mean_pooling() {
    assert_diagnosed(
        "lenet_backward",
        Answers { lenet_backward: lenet_mean_pooling, ..reference() },
        "mean pooling instead of max pooling",
    );
}

#[test]
fn diagnoses_lenet_backward_sign_flipped() {
    assert_diagnosed("lenet_backward", Answers { lenet_backward: lenet_negated, ..reference() }, "sign flipped");
}

#[test]
fn lenet_backward_names_the_tensor_and_entry_that_is_wrong() {
    let r = check("lenet_backward", &Answers { lenet_backward: lenet_one_wrong_entry, ..reference() }, 5).unwrap();
    assert_eq!(r.status, Status::Wrong);
    // Counting back from the loss, fc3 and fc2 are right: fc1_w is the first wrong.
    let d = r.diagnosis.clone().expect("the first wrong tensor is named");
    assert!(d.name.starts_with("fc1_w is the first tensor wrong"), "{r}");
    assert!(d.explanation.contains("δ³ (flattened pool2)ᵀ"), "its layer's equation: {r}");
    // Two probes per tensor miss the one wrong entry: the report says so
    // rather than seem to vouch for the answer.
    assert!(r.to_string().contains("none of them the wrong ones"), "{r}");
    assert_eq!(r.worst.unwrap().index, "fc1_w (3, 7)");
}

// ------------------------------------------- general relations, any exercise

fn relu_halved(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    Activation::Relu.backward(da, z) / 2.0
}

fn relu_turned(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    let mut d = Activation::Relu.backward(da, z);
    d.invert_axis(ndarray::Axis(3));
    d.invert_axis(ndarray::Axis(2));
    d
}

fn relu_gate_too_narrow(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    ndarray::Zip::from(da).and(z).map_collect(|&g, &v| if v > 0.5 { g } else { 0.0 })
}

fn correlate_transposed(a: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
    conv::correlate_valid(&m(a), &m(k)).0.t().to_owned()
}

fn softmax_rolled(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    let d = loss::softmax_cross_entropy(z, labels).1;
    Array2::from_shape_fn(d.dim(), |(i, n)| d[[(i + d.nrows() - 1) % d.nrows(), n]])
}

fn mean_pool_twice_divided(dy: &Array4<f64>, shape: (usize, usize, usize, usize), k: usize, s: usize) -> Array4<f64> {
    pool::mean_backward(dy, shape, k, s) / (k * k) as f64
}

/// The diagnosis name on every seed of [`SEEDS`].
fn relation_names(exercise: &str, answers: Answers) -> Vec<String> {
    SEEDS
        .iter()
        .map(|&seed| {
            let r = check(exercise, &answers, seed).unwrap();
            assert!(!r.passed(), "{r}");
            r.diagnosis.map_or_else(|| format!("none: {}", r.worst.map_or(String::new(), |w| w.index)), |d| d.name)
        })
        .collect()
}

#[test]
fn a_wrong_answer_the_catalogue_lacks_is_named_by_its_relation_to_the_right_one() {
    for (exercise, answers, want) in [
        (
            "relu_backward",
            Answers { relu_backward: relu_halved, ..reference() },
            "the answer: off by a constant factor",
        ),
        ("relu_backward", Answers { relu_backward: relu_turned, ..reference() }, "the answer: turned by 180°"),
        (
            "relu_backward",
            Answers { relu_backward: relu_gate_too_narrow, ..reference() },
            "the answer: zero where it should not be",
        ),
        ("correlate_valid", Answers { correlate_valid: correlate_transposed, ..reference() }, "the answer: transposed"),
        (
            "softmax_cross_entropy_grad",
            Answers { softmax_cross_entropy_grad: softmax_rolled, ..reference() },
            "the answer: shifted by one",
        ),
    ] {
        for name in relation_names(exercise, answers) {
            assert_eq!(name, want, "{exercise}");
        }
    }
}

#[test]
fn a_constant_factor_that_is_a_size_of_the_case_is_named_by_it() {
    for seed in SEEDS {
        let answers = Answers { mean_pool_backward: mean_pool_twice_divided, ..reference() };
        let r = check("mean_pool_backward", &answers, seed).unwrap();
        let d = r.diagnosis.clone().unwrap_or_else(|| panic!("{r}"));
        assert_eq!(d.name, "the answer: off by a constant factor", "{r}");
        assert!(d.explanation.contains("times 1/"), "the factor 1/k² is named: {r}");
    }
}

// ------------------------------------------- noise, stubs, panics, shapes

fn noise2(rows: usize, cols: usize) -> Array2<f64> {
    Rng::new(99).uniform_array((rows, cols), -1.0, 1.0)
}

fn kernel_grad_noise(a: &Array2<f64>, d: &Array2<f64>) -> Array2<f64> {
    noise2(a.nrows() - d.nrows() + 1, a.ncols() - d.ncols() + 1)
}

fn full_convolve_noise(d: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
    noise2(d.nrows() + w.nrows() - 1, d.ncols() + w.ncols() - 1)
}

fn softmax_noise(z: &Array2<f64>, _labels: &[usize]) -> Array2<f64> {
    noise2(z.nrows(), z.ncols())
}

fn max_pool_noise(dy: &Array4<f64>, argmax: &Argmax) -> Array4<f64> {
    let _ = dy;
    Rng::new(5).uniform_array(argmax.input_shape, -1.0, 1.0)
}

fn conv_backward_noise(
    x: &Array4<f64>,
    w: &Array4<f64>,
    _dy: &Array4<f64>,
    _p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let mut rng = Rng::new(3);
    (
        rng.uniform_array(x.raw_dim(), -1.0, 1.0),
        rng.uniform_array(w.raw_dim(), -1.0, 1.0),
        rng.uniform_array(w.dim().0, -1.0, 1.0),
    )
}

#[test]
fn noise_is_wrong_with_no_diagnosis() {
    let answers = Answers {
        kernel_grad: kernel_grad_noise,
        full_convolve: full_convolve_noise,
        softmax_cross_entropy_grad: softmax_noise,
        max_pool_backward: max_pool_noise,
        conv_backward: conv_backward_noise,
        ..reference()
    };
    for exercise in ["kernel_grad", "full_convolve", "softmax_cross_entropy_grad", "max_pool_backward", "conv_backward"]
    {
        for seed in SEEDS {
            let r = check(exercise, &answers, seed).unwrap();
            assert_eq!(r.status, Status::Wrong, "{r}");
            assert!(r.diagnosis.is_none(), "{r}");
            assert!(r.worst.as_ref().unwrap().rel_error > 1e-3, "{r}");
            assert!(r.finite_difference.unwrap() > 1e-3, "{r}");
        }
    }
}

#[test]
fn a_nan_answer_is_wrong() {
    fn nan(w: &Array2<f64>, a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
        fc::forward(w, a, b).0.mapv(|_| f64::NAN)
    }
    let r = check("fc_forward", &Answers { fc_forward: nan, ..reference() }, 1).unwrap();
    assert_eq!(r.status, Status::Wrong);
    assert_eq!(r.worst.as_ref().unwrap().rel_error, 1.0);
    // NaN has no JSON number: serde_json writes null, and the line still parses.
    let _: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
}

// The student starter itself (`course/starter/`, which `lenet course new`
// writes), compiled into this test as it is handed out: every stub unfilled.
#[path = "../course/starter/src/lib.rs"]
mod starter;

#[test]
fn the_unfilled_starter_is_not_started() {
    let reports = check_all(&starter::answers(), 8);
    assert_eq!(reports.len(), EXERCISES.len());
    for r in &reports {
        assert_eq!(r.status, Status::NotStarted, "{r}");
        assert!(r.worst.is_none() && r.diagnosis.is_none() && r.finite_difference.is_none());
        assert!(r.to_string().contains("not started"), "{r}");
    }
}

fn correlate_out_of_bounds(a: &Array2<f64>, _w: &Array2<f64>) -> Array2<f64> {
    let row: Vec<f64> = a.row(0).to_vec();
    let beyond = row.len() + 2;
    Array2::from_elem((1, 1), row[beyond])
}

#[test]
fn an_index_error_is_panicked_with_its_message() {
    let r = check("correlate_valid", &Answers { correlate_valid: correlate_out_of_bounds, ..reference() }, 4).unwrap();
    match &r.status {
        Status::Panicked { message } => {
            assert!(message.contains("index out of bounds"), "{message}");
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    assert!(r.to_string().contains("index out of bounds"), "{r}");
}

fn fc_forward_one_by_one(_w: &Array2<f64>, _a: &Array2<f64>, _b: &Array2<f64>) -> Array2<f64> {
    Array2::zeros((1, 1))
}

#[test]
fn a_wrong_shape_names_both_shapes() {
    let seed = 6;
    let r = check("fc_forward", &Answers { fc_forward: fc_forward_one_by_one, ..reference() }, seed).unwrap();
    let Status::WrongShape { expected, got } = &r.status else { panic!("{r}") };
    assert_eq!(got, "1×1");
    let right = check("fc_forward", &reference(), seed).unwrap();
    assert!(right.passed());
    // The expected shape is out × N, at least 2×2.
    let dims: Vec<usize> = expected.split('×').map(|d| d.parse().unwrap()).collect();
    assert!(dims.len() == 2 && dims.iter().all(|&d| d >= 2), "{expected}");
    assert!(r.to_string().contains(&format!("expected shape {expected}, got 1×1")), "{r}");
}

#[test]
fn the_same_seed_gives_the_same_report_and_another_seed_other_inputs() {
    let answers = Answers { kernel_grad: kernel_grad_noise, ..reference() };
    let a = check("kernel_grad", &answers, 11).unwrap();
    let b = check("kernel_grad", &answers, 11).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.to_json(), b.to_json());
    let others: Vec<Report> = (12..16).map(|seed| check("kernel_grad", &answers, seed).unwrap()).collect();
    assert!(others.iter().any(|c| c.worst != a.worst), "inputs do not change with the seed");
}

#[test]
fn to_json_is_one_line_with_every_field() {
    let answers = Answers { kernel_grad: kernel_grad_convolved, ..reference() };
    let r = check("kernel_grad", &answers, 21).unwrap();
    let line = r.to_json();
    assert!(!line.contains('\n'), "{line}");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["exercise"], "kernel_grad");
    assert_eq!(v["seed"], 21);
    assert_eq!(v["status"], "Wrong");
    assert!(v["worst"]["rel_error"].as_f64().unwrap() > 0.0);
    assert!(v["worst"]["index"].as_str().unwrap().starts_with('('));
    assert!(v["worst"]["expected"].is_number() && v["worst"]["got"].is_number());
    assert!(v["finite_difference"].as_f64().unwrap() > 0.0);
    assert_eq!(v["diagnosis"]["erratum"], 13);
    assert_eq!(v["diagnosis"]["book"], "convolution.html#the-kernel-gradient-is-a-valid-correlation");
    assert!(v["diagnosis"]["name"].is_string() && v["diagnosis"]["explanation"].is_string());

    let stub = check("kernel_grad", &starter::answers(), 21).unwrap();
    let v: serde_json::Value = serde_json::from_str(&stub.to_json()).unwrap();
    assert_eq!(v["status"], "NotStarted");
    assert!(v["worst"].is_null() && v["diagnosis"].is_null() && v["finite_difference"].is_null());
    let panicked =
        check("correlate_valid", &Answers { correlate_valid: correlate_out_of_bounds, ..reference() }, 1).unwrap();
    let v: serde_json::Value = serde_json::from_str(&panicked.to_json()).unwrap();
    assert!(v["status"]["Panicked"]["message"].as_str().unwrap().contains("index out of bounds"));
}

// ------------------------------------------------------- the command line

fn run(answers: &Answers, args: &[&str]) -> (std::process::ExitCode, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = course::run(answers, &args, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn the_command_line_prints_a_table_or_json_lines_and_exits_by_the_verdict() {
    use std::process::ExitCode;
    let (code, out, _) = run(&reference(), &["kernel_grad", "bias_grad", "--seed", "17"]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(out.contains("kernel_grad") && out.contains("bias_grad") && !out.contains("fc_forward"), "{out}");
    assert!(out.contains("2 of 2 passed, seed 17"), "{out}");

    let wrong = Answers { kernel_grad: kernel_grad_convolved, ..reference() };
    let (code, out, _) = run(&wrong, &["--json", "--seed=17"]);
    assert_eq!(code, ExitCode::FAILURE);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), EXERCISES.len());
    for (line, name) in lines.iter().zip(EXERCISES) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["exercise"], name);
        assert_eq!(v["seed"], 17);
    }

    let (code, out, _) = run(&starter::answers(), &["fc_forward"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(out.contains("not started") && out.contains("seed "), "{out}");
}

#[test]
fn the_command_line_rejects_an_unknown_exercise_or_option_with_usage_and_code_2() {
    use std::process::ExitCode;
    for args in [&["kernel_gradient"][..], &["--seed", "x"], &["--seed"], &["--verbose"]] {
        let (code, out, err) = run(&reference(), args);
        assert_eq!(code, ExitCode::from(2), "{args:?}");
        assert!(out.is_empty());
        assert!(err.contains("usage:") && err.contains("lenet_backward"), "{err}");
    }
    let (code, out, _) = run(&reference(), &["--help"]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(out.contains("usage:"));
}

// ------------------------------------------------------------ quiet panics

const CHILD: &str = "LENET_COURSE_QUIET_CHILD";

/// Run by the test below in a child process: checks panicking answers, then
/// panics once itself, after the checks, where the usual hook must print.
#[test]
fn child_checks_panicking_answers() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let r = check_all(&starter::answers(), 1);
    assert!(r.iter().all(|r| r.status == Status::NotStarted));
    let r = check("correlate_valid", &Answers { correlate_valid: correlate_out_of_bounds, ..reference() }, 1).unwrap();
    assert!(matches!(r.status, Status::Panicked { .. }));
    let _ = std::panic::catch_unwind(|| panic!("a panic after the checks"));
}

#[test]
fn a_panicking_answer_prints_nothing_and_the_panic_hook_comes_back() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_checks_panicking_answers", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("not yet implemented"), "{stderr}");
    assert!(!stderr.contains("index out of bounds"), "{stderr}");
    // The only panic printed is the one after the checks.
    let at = stderr.find("a panic after the checks").unwrap_or_else(|| panic!("the hook was not restored: {stderr}"));
    let before = &stderr[..at];
    assert_eq!(before.matches("panicked at").count(), 1, "{stderr}");
    assert!(!before.contains("stack backtrace"), "{stderr}");
}

// ------------------------------------------------------------ book links

/// mdBook's id of a heading: lower case, spaces to hyphens, other
/// punctuation dropped.
fn heading_id(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn every_diagnosis_links_a_heading_of_the_book() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let notebooks: Vec<_> = std::fs::read_dir(root.join("notebooks/src")).unwrap().map(|e| e.unwrap().path()).collect();
    for (exercise, mistake) in CATALOGUE {
        let (page, anchor) = mistake.book.split_once(".html#").expect("page.html#anchor");
        let mut sources = vec![root.join("chapters").join(format!("{page}.md"))];
        sources.extend(
            notebooks
                .iter()
                .filter(|p| {
                    p.file_stem()
                        .and_then(|s| s.to_str())
                        .is_some_and(|s| s.split_once('-').is_some_and(|(_, rest)| rest == page))
                })
                .cloned(),
        );
        let ids: Vec<String> = sources
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            // A notebook's headings are in its jupytext text as "// ## Heading".
            .flat_map(|text| {
                text.lines()
                    .filter_map(|l| l.strip_prefix("// ").unwrap_or(l).strip_prefix("## ").map(heading_id))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(ids.iter().any(|id| id == anchor), "{exercise} / {}: #{anchor} not among {ids:?}", mistake.name);
    }
}
