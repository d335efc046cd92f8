//! The strided convolution's mistakes, each written as a student would:
//! `conv_backward_strided_by` with one rule or the widening of δ changed.

use super::conv::{ConvRules, RIGHT, convolve, full_convolve_not_rotated, padded};
use crate::*;

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

#[test]
fn the_strided_conv_backward_of_the_rules_above_passes_when_they_are_right() {
    let answers = Answers {
        conv_backward_strided: |x, w, dy, g| conv_backward_strided_by(RIGHT, Widen::Filled, x, w, dy, g),
        ..reference()
    };
    for seed in SEEDS {
        let r = check("conv_backward_strided", &answers, seed).unwrap();
        assert!(r.passed(), "{r}");
    }
}

// Each mistake below is `conv_backward_strided_by` with one rule or the
// widening changed, written as a closure in a test of its own.

#[test]
fn diagnoses_conv_backward_strided_stride_ignored() {
    let answers = Answers {
        conv_backward_strided: |x, w, dy, g| conv_backward_strided_by(RIGHT, Widen::AsItIs, x, w, dy, g),
        ..reference()
    };
    let r = assert_diagnosed("conv_backward_strided", answers, "δ not dilated (stride ignored)");
    assert!(matches!(r.status, Status::WrongShape { .. }), "{r}");
}

#[test]
fn diagnoses_conv_backward_strided_unread_rows_not_filled() {
    let answers = Answers {
        conv_backward_strided: |x, w, dy, g| conv_backward_strided_by(RIGHT, Widen::DilatedOnly, x, w, dy, g),
        ..reference()
    };
    let r = assert_diagnosed("conv_backward_strided", answers, "dilated δ not filled up to the unit-stride size");
    // Only the cases whose stride does not divide n + 2P − k show it.
    assert!(r.case.as_deref().is_some_and(|c| c.contains("stride 2, padding 0") || c.contains("stride 3")), "{r}");
}

diagnoses! {
    diagnoses_conv_backward_strided_kernel_not_rotated: conv_backward_strided = |x, w, dy, g| {
        let rules = ConvRules { input_grad: full_convolve_not_rotated, ..RIGHT };
        conv_backward_strided_by(rules, Widen::Filled, x, w, dy, g)
    } => "kernel not rotated";
    diagnoses_conv_backward_strided_padding_not_cropped: conv_backward_strided = |x, w, dy, g| {
        conv_backward_strided_by(ConvRules { crop: false, ..RIGHT }, Widen::Filled, x, w, dy, g)
    } => "padding not cropped";
    diagnoses_conv_backward_strided_kernel_gradient_flipped: conv_backward_strided = |x, w, dy, g| {
        conv_backward_strided_by(ConvRules { kernel_grad: convolve, ..RIGHT }, Widen::Filled, x, w, dy, g)
    } => "kernel gradient flipped (a convolution instead of a correlation)";
    diagnoses_conv_backward_strided_batch_summed: conv_backward_strided = |x, w, dy, g| {
        conv_backward_strided_by(ConvRules { batch_factor: |_| 1.0, ..RIGHT }, Widen::Filled, x, w, dy, g)
    } => "batch summed instead of averaged";
    diagnoses_conv_backward_strided_sign_flipped: conv_backward_strided = |x, w, dy, g| {
        let (dx, dw, db) = conv::backward_strided(x, w, dy, g);
        (-dx, -dw, -db)
    } => "sign flipped";
}
