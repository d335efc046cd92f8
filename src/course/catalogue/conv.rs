//! The convolution's mistakes: a convolution for a correlation, the
//! kernel not rotated, δ not padded or the padding not cropped, the kernel
//! gradient flipped, and for a stride, δ not dilated or not filled up.

use super::compare::{Output, named, one};
use super::{BATCH_SUMMED, Mistake, Variant};
use crate::conv::{Geometry, correlate_valid, crop, dilate, dilate_to, pad, rot180};
use crate::errata;
use crate::matrix::Matrix;
use ndarray::{Array1, Array2, Array4, s};

/// correlate_valid(a, rot180(w)).
pub const CONVOLUTION_NOT_CORRELATION: Mistake = Mistake {
    name: "kernel flipped (a convolution instead of a correlation)",
    explanation: "This turns the kernel by 180° before sliding it, a true convolution like scipy's convolve2d; \
                  the layer's forward is the valid correlation z_ij = Σ_pq a_(i+p−1, j+q−1) w_pq, kernel unturned.",
    erratum: Some(9),
    book: "convolution.html#the-forward-pass-on-numbers",
};

/// correlate_valid(pad(δ), w).
pub const ROT180_MISSING: Mistake = Mistake {
    name: "kernel not rotated",
    explanation: "The padded δ was correlated with w itself; input a_ij met w_(i−p+1, j−q+1) in output z_pq, \
                  so ∂C/∂a is the padded δ correlated with rot180(w), the full convolution.",
    erratum: Some(9),
    book: "convolution.html#the-input-gradient-is-a-full-convolution",
};

/// correlate_valid(δ, rot180(w)) without padding.
pub const NO_ZERO_PADDING: Mistake = Mistake {
    name: "no zero padding",
    explanation: "δ was correlated with rot180(w) without its border of kh − 1 rows and kw − 1 columns of zeros, \
                  so the result is smaller than the input and the border inputs lose their gradient.",
    erratum: Some(8),
    book: "convolution.html#the-input-gradient-is-a-full-convolution",
};

/// convolve2d(δ, a).
pub const KERNEL_GRAD_FLIPPED: Mistake = Mistake {
    name: "kernel gradient flipped (a convolution instead of a correlation)",
    explanation: "convolve2d(δ, a) turns δ by 180° before sliding it; w_pq multiplied a_(i+p−1, j+q−1) in output z_ij, \
                  so ∂C/∂w is the valid correlation of the input with δ, unturned.",
    erratum: Some(13),
    book: "convolution.html#the-kernel-gradient-is-a-valid-correlation",
};

/// rot180(correlate_valid(a, δ)).
pub const KERNEL_GRAD_TURNED: Mistake = Mistake {
    name: "kernel gradient turned by 180°",
    explanation: "rot180(correlate_valid(a, δ)) is the kernel gradient of a true-convolution forward; \
                  for the correlation forward it is correlate_valid(a, δ) as it is.",
    erratum: Some(9),
    book: "convolution.html#the-kernel-gradient-is-a-valid-correlation",
};

/// The mean of δ instead of its sum.
pub const BIAS_AVERAGED: Mistake = Mistake {
    name: "averaged instead of summed",
    explanation: "The bias is added to every output, so it collects δ from all of them: ∂C/∂b = Σ_ij δ_ij, \
                  the sum of δ's entries, not their mean.",
    erratum: None,
    book: "convolution.html#the-bias-gradient",
};

/// dx still as large as the padded input.
pub const PADDING_NOT_CROPPED: Mistake = Mistake {
    name: "padding not cropped",
    explanation: "The full convolution is as large as the padded input; the p rows and columns of padding are \
                  constants, not inputs, so their gradient is dropped and dx has the input's shape.",
    erratum: None,
    book: "convolution.html#several-channels-and-several-kernels",
};

/// δ used as it is, not dilated by the stride.
pub const STRIDE_IGNORED: Mistake = Mistake {
    name: "δ not dilated (stride ignored)",
    explanation: "With stride S the output z_ij is the unit-stride output at (S(i−1)+1, S(j−1)+1), so ∂C/∂ẑ is δ \
                  with S − 1 zeros between neighbouring entries; the unit-stride rules (full convolution for dx, \
                  valid correlation for dw) take that dilated δ, not δ itself.",
    erratum: None,
    book: "convolution-stride.html#padding-and-stride",
};

/// dilate(δ, S) not filled up to the unit-stride output's shape.
pub const UNREAD_NOT_FILLED: Mistake = Mistake {
    name: "dilated δ not filled up to the unit-stride size",
    explanation: "When S does not divide n + 2P − k, the last (n + 2P − k) mod S rows (or columns) of the padded \
                  input are read by no output; the dilated δ must be filled up with that many zeros at the bottom \
                  (right) to the unit-stride output's (n + 2P − k + 1) rows, so that dx keeps the input's shape \
                  with 0 on the unread rows and dw the kernel's shape.",
    erratum: None,
    book: "convolution-stride.html#padding-and-stride",
};

/// A rule computing one plane of ∂C/∂a from one plane of δ and one kernel.
type PlaneRule<'a> = &'a dyn Fn(&Matrix<f64>, &Matrix<f64>) -> Matrix<f64>;

fn m(a: &Array2<f64>) -> Matrix<f64> {
    Matrix(a.clone())
}

/// A true convolution in place of the correlation.
pub(crate) fn correlate_valid_variants(a: &Array2<f64>, w: &Array2<f64>) -> Vec<Variant> {
    vec![(CONVOLUTION_NOT_CORRELATION, one(correlate_valid(&m(a), &rot180(&m(w))).0))]
}

/// The full convolution without rot180, and without padding (erratum 8).
pub(crate) fn full_convolve(delta: &Array2<f64>, w: &Array2<f64>) -> Vec<Variant> {
    let (kh, kw) = w.dim();
    let mut v = vec![(ROT180_MISSING, one(correlate_valid(&pad(&m(delta), kh - 1, kw - 1), &m(w)).0))];
    if delta.nrows() >= kh && delta.ncols() >= kw {
        v.push((NO_ZERO_PADDING, one(errata::delta_as_written(&m(delta), &m(w)).0)));
    }
    v
}

/// The kernel gradient as convolve2d(δ, a) (erratum 13) and turned by 180°.
pub(crate) fn kernel_grad(a: &Array2<f64>, delta: &Array2<f64>) -> Vec<Variant> {
    vec![
        (KERNEL_GRAD_FLIPPED, one(errata::true_conv_kernel_grad_as_written(&m(a), &m(delta)).0)),
        (KERNEL_GRAD_TURNED, one(errata::true_conv_kernel_grad(&m(a), &m(delta)).0)),
    ]
}

/// The mean of δ's entries.
pub(crate) fn bias_grad(delta: &Array2<f64>) -> Vec<Variant> {
    let mean = delta.sum() / delta.len() as f64;
    vec![(BIAS_AVERAGED, one(Array1::from_elem(1, mean)))]
}

/// The layer's backward with one mistake at a time in dx or in dw and db.
pub(crate) fn conv_backward(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    padding: usize,
    reference: &Output,
) -> Vec<Variant> {
    let ((n_samples, channels, h, wd), (kernels, _, kh, kw)) = (x.dim(), w.dim());
    let (_, _, oh, ow) = dy.dim();
    let plane = |a: &Array4<f64>, i: usize, j: usize| Matrix::from_view(a.slice(s![i, j, .., ..]));
    // dx from a per-(δ, kernel) rule, cropped by `crop` on every side.
    let dx_with = |rule: PlaneRule, out: (usize, usize), crop: usize| {
        let mut dx = Array4::zeros((n_samples, channels, out.0, out.1));
        for n in 0..n_samples {
            for k in 0..kernels {
                for c in 0..channels {
                    let part = rule(&plane(dy, n, k), &plane(w, k, c));
                    let inner = part.slice(s![crop..crop + out.0, crop..crop + out.1]);
                    let mut target = dx.slice_mut(s![n, c, .., ..]);
                    target += &inner;
                }
            }
        }
        dx
    };
    let with_dx = |dx: Array4<f64>| -> Output {
        let mut out = reference.clone();
        out[0] = named("dx", dx);
        out
    };
    let not_rotated = |d: &Matrix<f64>, k: &Matrix<f64>| correlate_valid(&pad(d, kh - 1, kw - 1), k);
    let full = |d: &Matrix<f64>, k: &Matrix<f64>| crate::conv::full_convolve(d, k);
    let mut v = vec![(ROT180_MISSING, with_dx(dx_with(&not_rotated, (h, wd), padding)))];
    if oh >= kh && ow >= kw {
        let unpadded = |d: &Matrix<f64>, k: &Matrix<f64>| errata::delta_as_written(d, k);
        v.push((NO_ZERO_PADDING, with_dx(dx_with(&unpadded, (oh - kh + 1, ow - kw + 1), 0))));
    }
    if padding > 0 {
        v.push((PADDING_NOT_CROPPED, with_dx(dx_with(&full, (h + 2 * padding, wd + 2 * padding), 0))));
    }
    let mut dw = Array4::zeros(w.raw_dim());
    for n in 0..n_samples {
        for k in 0..kernels {
            for c in 0..channels {
                let a = pad(&plane(x, n, c), padding, padding);
                let part = errata::true_conv_kernel_grad_as_written(&a, &plane(dy, n, k));
                let mut target = dw.slice_mut(s![k, c, .., ..]);
                target += &(&part.0 / n_samples as f64);
            }
        }
    }
    let mut flipped = reference.clone();
    flipped[1] = named("dw", dw);
    v.push((KERNEL_GRAD_FLIPPED, flipped));
    v.push((BATCH_SUMMED, batch_summed(reference, n_samples)));
    v
}

/// The layer's gradients with dw and db summed over the `n` samples
/// instead of averaged (dx is per sample either way).
fn batch_summed(reference: &Output, n: usize) -> Output {
    let mut summed = reference.clone();
    for t in &mut summed[1..] {
        t.value *= n as f64;
    }
    summed
}

/// How δ's plane is widened before the unit-stride rules: as it is
/// (stride ignored), dilated only, or dilated and filled up to the
/// unit-stride output's shape (right).
#[derive(Clone, Copy)]
enum Widened {
    AsItIs,
    DilatedOnly,
    Filled,
}

/// The strided layer's backward with one mistake at a time: in dx, in dw,
/// or (for the ones a student makes once and uses twice) in both.
pub(crate) fn conv_backward_strided(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    g: Geometry,
    reference: &Output,
) -> Vec<Variant> {
    let ((n_samples, channels, h, wd), (kernels, _, kh, kw)) = (x.dim(), w.dim());
    let p = g.padding;
    let unit = (h + 2 * p - kh + 1, wd + 2 * p - kw + 1);
    let plane = |a: &Array4<f64>, i: usize, j: usize| Matrix::from_view(a.slice(s![i, j, .., ..]));
    let widen = |d: &Matrix<f64>, how: Widened| match how {
        Widened::AsItIs => d.clone(),
        Widened::DilatedOnly => dilate(d, g.stride),
        Widened::Filled => dilate_to(d, g.stride, unit),
    };
    // dx from a rule per (widened δ plane, kernel plane), `crop` removed
    // from every side; None when that leaves nothing.
    let dx_with = |how: Widened, rule: PlaneRule, crop_by: usize| -> Option<Array4<f64>> {
        let mut dx: Option<Array4<f64>> = None;
        for n in 0..n_samples {
            for k in 0..kernels {
                let d = widen(&plane(dy, n, k), how);
                for c in 0..channels {
                    let part = rule(&d, &plane(w, k, c));
                    let (ph, pw) = part.shape2();
                    if ph < 2 * crop_by + 1 || pw < 2 * crop_by + 1 {
                        return None;
                    }
                    let inner = crop(&part, crop_by, crop_by);
                    let sum =
                        dx.get_or_insert_with(|| Array4::zeros((n_samples, channels, inner.nrows(), inner.ncols())));
                    let mut target = sum.slice_mut(s![n, c, .., ..]);
                    target += &inner.0;
                }
            }
        }
        dx
    };
    // dw from a rule per (padded input plane, widened δ plane), batch mean;
    // None when the widened δ is larger than the padded input.
    let dw_with = |how: Widened, rule: PlaneRule| -> Option<Array4<f64>> {
        let mut dw: Option<Array4<f64>> = None;
        for n in 0..n_samples {
            for k in 0..kernels {
                let d = widen(&plane(dy, n, k), how);
                if d.nrows() > h + 2 * p || d.ncols() > wd + 2 * p {
                    return None;
                }
                for c in 0..channels {
                    let part = rule(&pad(&plane(x, n, c), p, p), &d);
                    let sum = dw.get_or_insert_with(|| Array4::zeros((kernels, channels, part.nrows(), part.ncols())));
                    let mut target = sum.slice_mut(s![k, c, .., ..]);
                    target += &(&part.0 / n_samples as f64);
                }
            }
        }
        dw
    };
    let with = |dx: Option<Array4<f64>>, dw: Option<Array4<f64>>| -> Output {
        let mut out = reference.clone();
        if let Some(dx) = dx {
            out[0] = named("dx", dx);
        }
        if let Some(dw) = dw {
            out[1] = named("dw", dw);
        }
        out
    };
    let full = |d: &Matrix<f64>, k: &Matrix<f64>| crate::conv::full_convolve(d, k);
    let corr = |a: &Matrix<f64>, d: &Matrix<f64>| correlate_valid(a, d);
    let not_rotated = |d: &Matrix<f64>, k: &Matrix<f64>| correlate_valid(&pad(d, kh - 1, kw - 1), k);
    let flipped = |a: &Matrix<f64>, d: &Matrix<f64>| errata::true_conv_kernel_grad_as_written(a, d);
    let mut v = Vec::new();
    // Each widening mistake in dx alone, in dw alone, and in both.
    for (how, mistake) in [(Widened::AsItIs, STRIDE_IGNORED), (Widened::DilatedOnly, UNREAD_NOT_FILLED)] {
        let dx = dx_with(how, &full, p);
        let dw = dw_with(how, &corr);
        if dx.is_some() {
            v.push((mistake, with(dx.clone(), None)));
        }
        if dw.is_some() {
            v.push((mistake, with(None, dw.clone())));
        }
        if dx.is_some() && dw.is_some() {
            v.push((mistake, with(dx, dw)));
        }
    }
    if let Some(dx) = dx_with(Widened::Filled, &not_rotated, p) {
        v.push((ROT180_MISSING, with(Some(dx), None)));
    }
    if p > 0
        && let Some(dx) = dx_with(Widened::Filled, &full, 0)
    {
        v.push((PADDING_NOT_CROPPED, with(Some(dx), None)));
    }
    if let Some(dw) = dw_with(Widened::Filled, &flipped) {
        v.push((KERNEL_GRAD_FLIPPED, with(None, Some(dw))));
    }
    v.push((BATCH_SUMMED, batch_summed(reference, n_samples)));
    v
}
