//! The convolution layer on a batch in NCHW layout, written plainly in terms
//! of the 2-D derivations so that each line can be matched with an equation.
//! Every channel slice is copied into a [`Matrix`]: this favours readability
//! over speed.

use super::{correlate_valid, input_grad, kernel_grad, pad};
use crate::element::Real;
use crate::matrix::Matrix;
use ndarray::{Array1, Array4, ArrayView2, ArrayViewMut2, s};

fn shape4<F>(a: &Array4<F>) -> String {
    let (n, c, h, w) = a.dim();
    format!("{n}×{c}×{h}×{w}")
}

/// One channel of one sample as a matrix, zero-padded by `padding` on every side.
fn channel<F: Real>(x: ArrayView2<F>, padding: usize) -> Matrix<F> {
    pad(&Matrix::from_view(x), padding, padding)
}

/// `acc += m`, entry by entry (`Real` has `+` but not `+=`).
fn add_into<F: Real>(mut acc: ArrayViewMut2<F>, m: ArrayView2<F>) {
    acc.zip_mut_with(&m, |s, &v| *s = *s + v);
}

/// Checks x (N×C×H×W) against w (K×C×kh×kw) and returns the output size
/// (H + 2p − kh + 1, W + 2p − kw + 1).
fn output_size<F: Real>(what: &str, x: &Array4<F>, w: &Array4<F>, padding: usize) -> (usize, usize) {
    let (_, c, h, wd) = x.dim();
    let (_, kc, kh, kw) = w.dim();
    assert_eq!(c, kc, "conv::{what}: input x {} has {c} channels but kernels w {} have {kc}", shape4(x), shape4(w));
    let (hp, wp) = (h + 2 * padding, wd + 2 * padding);
    assert!(
        kh > 0 && kw > 0 && kh <= hp && kw <= wp,
        "conv::{what}: kernels w {} do not fit the input x {} padded by {padding} ({hp}×{wp})",
        shape4(w),
        shape4(x)
    );
    (hp - kh + 1, wp - kw + 1)
}

/// The forward pass of a convolution layer with `K` kernels over `C` input
/// channels, for every sample `n` and kernel `k`:
///
///   z[n, k] = b_k + Σ_c correlate_valid(pad(x[n, c], p), w[k, c]),
///
/// with `x` of shape N×C×H×W, `w` of shape K×C×kh×kw, `b` of length K and
/// `p = padding` zeros on every side. The output is
/// N×K×(H + 2p − kh + 1)×(W + 2p − kw + 1).
///
/// # Panics
/// If the channel counts of `x` and `w` differ, if `b` does not have one
/// entry per kernel, or if a kernel is larger than the padded input; the
/// message names the shapes.
pub fn forward<F: Real>(x: &Array4<F>, w: &Array4<F>, b: &Array1<F>, padding: usize) -> Array4<F> {
    let (oh, ow) = output_size("forward", x, w, padding);
    let (n_samples, n_channels, _, _) = x.dim();
    let n_kernels = w.dim().0;
    assert_eq!(
        b.len(),
        n_kernels,
        "conv::forward: bias b has {} entries but kernels w {} number {n_kernels}",
        b.len(),
        shape4(w)
    );
    let mut z = Array4::zeros((n_samples, n_kernels, oh, ow));
    for n in 0..n_samples {
        for k in 0..n_kernels {
            let mut zk = Matrix(ndarray::Array2::from_elem((oh, ow), b[k]));
            for c in 0..n_channels {
                let a = channel(x.slice(s![n, c, .., ..]), padding);
                let wkc = Matrix::from_view(w.slice(s![k, c, .., ..]));
                add_into(zk.view_mut(), correlate_valid(&a, &wkc).view());
            }
            z.slice_mut(s![n, k, .., ..]).assign(&zk.0);
        }
    }
    z
}

// ANCHOR: backward
/// The backward pass of [`forward`]. Given `dy` = δ, the per-sample
/// gradient ∂C_n/∂z[n, k] (N×K×oh×ow), returns `(dx, dw, db)`:
///
/// ```text
/// dx[n, c] = Σ_k crop_p(full_convolve(δ[n, k], w[k, c]))      (per sample)
/// dw[k, c] = (1/N) Σ_n kernel_grad(pad(x[n, c], p), δ[n, k])  (batch mean)
/// db[k]    = (1/N) Σ_n Σ_ij δ[n, k]_ij                         (batch mean)
/// ```
///
/// where crop_p removes the `p = padding` border again: the padded zeros
/// are constants, not inputs, so their gradient is dropped. dx is per
/// sample like δ; dw and db are averaged over the batch (CONTRIBUTING.md).
///
/// # Panics
/// If the shapes of `x` and `w` disagree as in [`forward`], or if `dy` is
/// not N×K×oh×ow for the output size of the forward pass.
pub fn backward<F: Real>(
    x: &Array4<F>,
    w: &Array4<F>,
    dy: &Array4<F>,
    padding: usize,
) -> (Array4<F>, Array4<F>, Array1<F>) {
    let (oh, ow) = output_size("backward", x, w, padding);
    let (n_samples, n_channels, h, wd) = x.dim();
    let n_kernels = w.dim().0;
    assert_eq!(
        dy.dim(),
        (n_samples, n_kernels, oh, ow),
        "conv::backward: dy {} should be {n_samples}×{n_kernels}×{oh}×{ow} for x {} and w {} with padding {padding}",
        shape4(dy),
        shape4(x),
        shape4(w)
    );
    let mut dx = Array4::zeros(x.raw_dim());
    let mut dw = Array4::zeros(w.raw_dim());
    let mut db = Array1::zeros(n_kernels);
    for n in 0..n_samples {
        for k in 0..n_kernels {
            let delta = Matrix::from_view(dy.slice(s![n, k, .., ..]));
            db[k] = db[k] + delta.sum();
            for c in 0..n_channels {
                let a = channel(x.slice(s![n, c, .., ..]), padding);
                let wkc = Matrix::from_view(w.slice(s![k, c, .., ..]));
                let da = input_grad(&delta, &wkc);
                let inner = da.slice(s![padding..padding + h, padding..padding + wd]);
                add_into(dx.slice_mut(s![n, c, .., ..]), inner);
                add_into(dw.slice_mut(s![k, c, .., ..]), kernel_grad(&a, &delta).view());
            }
        }
    }
    let inv_n = F::of(1.0 / n_samples.max(1) as f64);
    dw.mapv_inplace(|v| v * inv_n);
    db.mapv_inplace(|v| v * inv_n);
    (dx, dw, db)
}
// ANCHOR_END: backward
