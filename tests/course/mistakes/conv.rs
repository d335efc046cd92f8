//! The convolution's mistakes (the 2-D functions and the unit-stride
//! layer), each written as a student would and diagnosed by its name; the
//! per-plane rules the strided tests reuse.

use crate::*;

/// scipy's convolve2d(a, k, 'valid'): the kernel turned by 180° first.
pub(super) fn convolve(a: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
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

pub(super) fn padded(d: &Array2<f64>, rows: usize, cols: usize) -> Array2<f64> {
    conv::pad(&m(d), rows, cols).0
}

pub(super) fn correlate(a: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
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

pub(super) fn full_convolve_not_rotated(d: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
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
pub(crate) fn kernel_grad_convolved(a: &Array2<f64>, d: &Array2<f64>) -> Array2<f64> {
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
pub(super) struct ConvRules {
    pub(super) input_grad: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    pub(super) crop: bool,
    pub(super) kernel_grad: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    pub(super) batch_factor: fn(usize) -> f64,
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

pub(super) fn full(d: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
    conv::full_convolve(&m(d), &m(k)).0
}

pub(super) fn mean(n: usize) -> f64 {
    1.0 / n as f64
}

/// The right rules, of the unit-stride and of the strided backward pass.
pub(super) const RIGHT: ConvRules =
    ConvRules { input_grad: full, crop: true, kernel_grad: correlate, batch_factor: mean };

#[test]
fn the_conv_backward_of_the_rules_above_passes_when_they_are_right() {
    let answers = Answers { conv_backward: |x, w, dy, p| conv_backward_by(RIGHT, x, w, dy, p), ..reference() };
    let r = check("conv_backward", &answers, 3).unwrap();
    assert!(r.passed(), "{r}");
}

diagnoses! {
    diagnoses_conv_backward_kernel_not_rotated: conv_backward = |x, w, dy, p| {
        conv_backward_by(ConvRules { input_grad: full_convolve_not_rotated, ..RIGHT }, x, w, dy, p)
    } => "kernel not rotated";
    diagnoses_conv_backward_without_zero_padding: conv_backward = |x, w, dy, p| {
        conv_backward_by(ConvRules { input_grad: full_convolve_unpadded, crop: false, ..RIGHT }, x, w, dy, p)
    } => "no zero padding";
    // Padding 0 needs no cropping; the second case, with padding 1, does.
    diagnoses_conv_backward_padding_not_cropped: conv_backward = |x, w, dy, p| {
        conv_backward_by(ConvRules { crop: false, ..RIGHT }, x, w, dy, p)
    } => "padding not cropped";
    diagnoses_conv_backward_kernel_gradient_flipped: conv_backward = |x, w, dy, p| {
        conv_backward_by(ConvRules { kernel_grad: convolve, ..RIGHT }, x, w, dy, p)
    } => "kernel gradient flipped (a convolution instead of a correlation)";
    diagnoses_conv_backward_batch_summed: conv_backward = |x, w, dy, p| {
        conv_backward_by(ConvRules { batch_factor: |_| 1.0, ..RIGHT }, x, w, dy, p)
    } => "batch summed instead of averaged";
    diagnoses_conv_backward_sign_flipped: conv_backward = |x, w, dy, p| {
        let (dx, dw, db) = conv::backward(x, w, dy, p);
        (-dx, -dw, -db)
    } => "sign flipped";
}
