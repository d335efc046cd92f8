//! The convolution layer on a batch in NCHW layout, written plainly in terms
//! of the 2-D derivations so that each line can be matched with an equation.
//! Every channel slice is copied into a [`Matrix`]: this favours readability
//! over speed.

use super::strided::{Geometry, correlate_strided, input_grad_strided, kernel_grad_strided};
use crate::element::Real;
use crate::matrix::Matrix;
use ndarray::{Array1, Array4, ArrayView2, ArrayViewMut2, s};

fn shape4<F>(a: &Array4<F>) -> String {
    let (n, c, h, w) = a.dim();
    format!("{n}×{c}×{h}×{w}")
}

/// `acc += m`, entry by entry (`Real` has `+` but not `+=`).
fn add_into<F: Real>(mut acc: ArrayViewMut2<F>, m: ArrayView2<F>) {
    acc.zip_mut_with(&m, |s, &v| *s = *s + v);
}

/// Checks x (N×C×H×W) against w (K×C×kh×kw) and returns the output size
/// (⌊(H + 2P − kh)/S⌋ + 1, ⌊(W + 2P − kw)/S⌋ + 1) ([`Geometry::output_len`]).
fn output_size<F: Real>(what: &str, x: &Array4<F>, w: &Array4<F>, g: Geometry) -> (usize, usize) {
    let (_, c, h, wd) = x.dim();
    let (_, kc, kh, kw) = w.dim();
    assert_eq!(c, kc, "conv::{what}: input x {} has {c} channels but kernels w {} have {kc}", shape4(x), shape4(w));
    assert!(g.stride > 0, "conv::{what}: the stride is 0; it must be at least 1");
    let (hp, wp) = (h + 2 * g.padding, wd + 2 * g.padding);
    g.output_shape((h, wd), (kh, kw)).unwrap_or_else(|_| {
        panic!(
            "conv::{what}: kernels w {} do not fit the input x {} padded by {} ({hp}×{wp})",
            shape4(w),
            shape4(x),
            g.padding
        )
    })
}

/// The forward pass of a convolution layer with `K` kernels over `C` input
/// channels, stride 1 and `padding` zeros on every side: [`forward_strided`]
/// with `Geometry { stride: 1, padding }`,
///
///   z[n, k] = b_k + Σ_c correlate_valid(pad(x[n, c], p), w[k, c]),
///
/// with `x` of shape N×C×H×W, `w` of shape K×C×kh×kw, `b` of length K.
/// The output is N×K×(H + 2p − kh + 1)×(W + 2p − kw + 1).
///
/// # Panics
/// If the channel counts of `x` and `w` differ, if `b` does not have one
/// entry per kernel, or if a kernel is larger than the padded input; the
/// message names the shapes.
pub fn forward<F: Real>(x: &Array4<F>, w: &Array4<F>, b: &Array1<F>, padding: usize) -> Array4<F> {
    forward_in("forward", x, w, b, Geometry { stride: 1, padding })
}

// ANCHOR: forward_strided
/// The forward pass of a convolution layer with stride S and padding P
/// (`g`), for every sample `n` and kernel `k`:
///
///   z[n, k] = b_k + Σ_c correlate_strided(x[n, c], w[k, c], (S, P)),
///
/// that is z[n, k]_ij = b_k + Σ_c Σ_uv x̃[n, c]_{S(i−1)+u, S(j−1)+v} w[k, c]_uv
/// with x̃ the input padded by P. The output is N×K×oh×ow with
/// oh = ⌊(H + 2P − kh)/S⌋ + 1 and ow likewise: when S does not divide
/// H + 2P − kh the size is rounded down, as PyTorch's `conv2d` does, and the
/// last rows (columns) of the padded input are read by no output.
///
/// # Panics
/// If the channel counts of `x` and `w` differ, if `b` does not have one
/// entry per kernel, if the stride is 0, or if a kernel is larger than the
/// padded input; the message names the shapes.
pub fn forward_strided<F: Real>(x: &Array4<F>, w: &Array4<F>, b: &Array1<F>, g: Geometry) -> Array4<F> {
    forward_in("forward_strided", x, w, b, g)
}
// ANCHOR_END: forward_strided

fn forward_in<F: Real>(what: &str, x: &Array4<F>, w: &Array4<F>, b: &Array1<F>, g: Geometry) -> Array4<F> {
    let (oh, ow) = output_size(what, x, w, g);
    let (n_samples, n_channels, _, _) = x.dim();
    let n_kernels = w.dim().0;
    assert_eq!(
        b.len(),
        n_kernels,
        "conv::{what}: bias b has {} entries but kernels w {} number {n_kernels}",
        b.len(),
        shape4(w)
    );
    let mut z = Array4::zeros((n_samples, n_kernels, oh, ow));
    for n in 0..n_samples {
        for k in 0..n_kernels {
            let mut zk = Matrix(ndarray::Array2::from_elem((oh, ow), b[k]));
            for c in 0..n_channels {
                let a = Matrix::from_view(x.slice(s![n, c, .., ..]));
                let wkc = Matrix::from_view(w.slice(s![k, c, .., ..]));
                add_into(zk.view_mut(), correlate_strided(&a, &wkc, g).view());
            }
            z.slice_mut(s![n, k, .., ..]).assign(&zk.0);
        }
    }
    z
}

// ANCHOR: backward
/// The backward pass of [`forward`]: [`backward_strided`] with stride 1.
/// Given `dy` = δ, the per-sample gradient ∂C_n/∂z[n, k] (N×K×oh×ow),
/// returns `(dx, dw, db)`:
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
    backward_in("backward", x, w, dy, Geometry { stride: 1, padding })
}
// ANCHOR_END: backward

// ANCHOR: backward_strided
/// The backward pass of [`forward_strided`] with stride S and padding P
/// (`g`). Given `dy` = δ, the per-sample gradient ∂C_n/∂z[n, k]
/// (N×K×oh×ow), returns `(dx, dw, db)`:
///
/// ```text
/// dx[n, c] = Σ_k input_grad_strided(δ[n, k], w[k, c])   = Σ_k crop_P(full_convolve(δ̂[n, k], w[k, c]))
/// dw[k, c] = (1/N) Σ_n kernel_grad_strided(x[n, c], δ[n, k]) = (1/N) Σ_n correlate_valid(pad(x[n, c], P), δ̂[n, k])
/// db[k]    = (1/N) Σ_n Σ_ij δ[n, k]_ij
/// ```
///
/// with δ̂ = dilate_to(δ, S, (H + 2P − kh + 1, W + 2P − kw + 1)): δ dilated
/// by S − 1 zeros and filled up with zeros to the unit-stride output shape
/// (see [`super::dilate_to`] for why that is ∂C/∂ẑ of the unit-stride
/// output). Each line is the 2-D rule summed over what the layer sums: dx
/// over the kernels that read channel c, dw and db over the batch. dx is per
/// sample like δ; dw and db are batch means (CONTRIBUTING.md). Input entries
/// that no window reads get a gradient of exactly 0.
///
/// # Panics
/// If the shapes of `x` and `w` disagree as in [`forward_strided`], or if
/// `dy` is not N×K×oh×ow for the output size of the forward pass.
pub fn backward_strided<F: Real>(
    x: &Array4<F>,
    w: &Array4<F>,
    dy: &Array4<F>,
    g: Geometry,
) -> (Array4<F>, Array4<F>, Array1<F>) {
    backward_in("backward_strided", x, w, dy, g)
}
// ANCHOR_END: backward_strided

fn backward_in<F: Real>(
    what: &str,
    x: &Array4<F>,
    w: &Array4<F>,
    dy: &Array4<F>,
    g: Geometry,
) -> (Array4<F>, Array4<F>, Array1<F>) {
    let (oh, ow) = output_size(what, x, w, g);
    let (n_samples, n_channels, h, wd) = x.dim();
    let (n_kernels, _, kh, kw) = w.dim();
    assert_eq!(
        dy.dim(),
        (n_samples, n_kernels, oh, ow),
        "conv::{what}: dy {} should be {n_samples}×{n_kernels}×{oh}×{ow} for x {} and w {} with stride {} and padding {}",
        shape4(dy),
        shape4(x),
        shape4(w),
        g.stride,
        g.padding
    );
    let mut dx = Array4::zeros(x.raw_dim());
    let mut dw = Array4::zeros(w.raw_dim());
    let mut db = Array1::zeros(n_kernels);
    for n in 0..n_samples {
        for k in 0..n_kernels {
            let delta = Matrix::from_view(dy.slice(s![n, k, .., ..]));
            db[k] = db[k] + delta.sum();
            for c in 0..n_channels {
                let a = Matrix::from_view(x.slice(s![n, c, .., ..]));
                let wkc = Matrix::from_view(w.slice(s![k, c, .., ..]));
                add_into(dx.slice_mut(s![n, c, .., ..]), input_grad_strided(&delta, &wkc, (h, wd), g).view());
                add_into(dw.slice_mut(s![k, c, .., ..]), kernel_grad_strided(&a, &delta, (kh, kw), g).view());
            }
        }
    }
    let inv_n = F::of(1.0 / n_samples.max(1) as f64);
    dw.mapv_inplace(|v| v * inv_n);
    db.mapv_inplace(|v| v * inv_n);
    (dx, dw, db)
}
