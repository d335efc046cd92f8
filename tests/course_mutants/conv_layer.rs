//! A student's convolution layer written from per-plane rules, with one
//! rule or the widening of δ wrong at a time, and the gradients (dx, dw,
//! db) scaled as a batch summed twice or a flipped sign makes them.

use crate::*;

/// A layer's gradients (dx, dw, db).
pub(crate) type Grads = (Array4<f64>, Array4<f64>, Array1<f64>);

/// The gradients (dx, dw, db) times `[for dx, for dw, for db]`: a batch
/// summed or averaged once too often, or the sign flipped.
pub(crate) fn times((dx, dw, db): Grads, [by_dx, by_dw, by_db]: [f64; 3]) -> Grads {
    (dx * by_dx, dw * by_dw, db * by_db)
}

/// N, the samples of an NCHW batch, as a factor.
pub(crate) fn samples(x: &Array4<f64>) -> f64 {
    x.dim().0 as f64
}

/// A convolution layer's dx from a rule per (δ plane, kernel plane), summed
/// over kernels, then cropped to `h × w` starting at `offset`.
pub(crate) fn conv_dx(
    dy: &Array4<f64>,
    w: &Array4<f64>,
    (h, wd): (usize, usize),
    offset: usize,
    rule: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
) -> Array4<f64> {
    let (n_samples, kernels, _, _) = dy.dim();
    let channels = w.dim().1;
    let mut dx = Array4::zeros((n_samples, channels, h, wd));
    for n in 0..n_samples {
        for k in 0..kernels {
            for c in 0..channels {
                let part = rule(&dy.slice(s![n, k, .., ..]).to_owned(), &w.slice(s![k, c, .., ..]).to_owned());
                let mut target = dx.slice_mut(s![n, c, .., ..]);
                target += &part.slice(s![offset..offset + h, offset..offset + wd]);
            }
        }
    }
    dx
}

/// How a student widens δ's plane before the unit-stride rules of the
/// strided backward pass.
#[derive(Clone, Copy)]
pub(crate) enum Widen {
    /// As it is: the stride ignored.
    AsItIs,
    /// Dilated by S − 1 zeros, not filled up to the unit-stride output.
    DilatedOnly,
    /// Dilated, and the zeros of the unread rows put first (top, left).
    FilledAtTheStart,
    /// Dilated and filled up at the bottom and right (right).
    Filled,
}

/// The strided layer's backward written from per-plane rules: δ widened
/// by `widen`; dx from `dx_rule` (the widened δ plane, the kernel plane)
/// with `crop` rows and columns removed on every side; dw from `dw_rule`
/// (the padded input plane, the widened δ plane) as a batch mean; db the
/// reference's. Shapes are whatever the rules give.
pub(crate) fn strided_by(
    (x, w, dy, g): (&Array4<f64>, &Array4<f64>, &Array4<f64>, conv::Geometry),
    widen: Widen,
    dx_rule: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    crop: usize,
    dw_rule: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
) -> Grads {
    let ((n_samples, channels, h, wd), (kernels, _, kh, kw)) = (x.dim(), w.dim());
    let p = g.padding;
    let unit = (h + 2 * p - kh + 1, wd + 2 * p - kw + 1);
    let mut dx: Option<Array4<f64>> = None;
    let mut dw: Option<Array4<f64>> = None;
    for n in 0..n_samples {
        for k in 0..kernels {
            let d = dy.slice(s![n, k, .., ..]).to_owned();
            let d = match widen {
                Widen::AsItIs => d,
                Widen::DilatedOnly => conv::dilate(&m(&d), g.stride).0,
                Widen::FilledAtTheStart => {
                    let short = conv::dilate(&m(&d), g.stride).0;
                    let mut out = Array2::zeros(unit);
                    out.slice_mut(s![unit.0 - short.nrows().., unit.1 - short.ncols()..]).assign(&short);
                    out
                }
                Widen::Filled => conv::dilate_to(&m(&d), g.stride, unit).0,
            };
            for c in 0..channels {
                let part = conv::crop(&m(&dx_rule(&d, &w.slice(s![k, c, .., ..]).to_owned())), crop, crop).0;
                let sum = dx.get_or_insert_with(|| Array4::zeros((n_samples, channels, part.nrows(), part.ncols())));
                let mut target = sum.slice_mut(s![n, c, .., ..]);
                target += &part;
                let a = padded(&x.slice(s![n, c, .., ..]).to_owned(), p, p);
                let part = dw_rule(&a, &d) / n_samples as f64;
                let sum = dw.get_or_insert_with(|| Array4::zeros((kernels, channels, part.nrows(), part.ncols())));
                let mut target = sum.slice_mut(s![k, c, .., ..]);
                target += &part;
            }
        }
    }
    let (_, _, db) = conv::backward_strided(x, w, dy, g);
    (dx.expect("a plane"), dw.expect("a plane"), db)
}
