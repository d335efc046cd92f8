//! Stride and padding: the 2-D convolution whose kernel moves `S` entries
//! per output step over an input framed by `P` rings of zeros, and its
//! gradients.
//!
//! The whole backward pass rests on one observation. Pad the input,
//! ã = pad(a, P, P), and let ẑ = correlate_valid(ã, w) be the unit-stride
//! output. The strided output keeps every S-th entry of it,
//!
//!   z_ij = ẑ_{S(i−1)+1, S(j−1)+1},
//!
//! and the cost depends on ẑ only through those entries. So ∂C/∂ẑ is δ put
//! back where it was taken from, with zeros in between and after: the
//! dilated δ, [`dilate_to`]. From there the unit-stride rules apply
//! unchanged ([`super::input_grad`], [`super::kernel_grad`]), and cropping
//! the P border off ∂C/∂ã gives ∂C/∂a, since the padded zeros are
//! constants, not inputs. The bias gradient is still Σ_ij δ_ij
//! ([`super::bias_grad`]): the zeros added by dilation add nothing.
//!
//! Indices in formulas count from 1, as in the rest of [`crate::conv`].
//!
//! ```
//! use lenet_core::Matrix;
//! use lenet_core::conv::{self, Geometry};
//! // A 5×5 input, a 3×3 kernel, stride 2, padding 1: ⌊(5 + 2 − 3)/2⌋ + 1 = 3.
//! let g = Geometry::new(2, 1);
//! assert_eq!(g.output_shape((5, 5), (3, 3)), Ok((3, 3)));
//! let a = Matrix::from_fn(5, 5, |i, j| (5 * i + j + 1) as f64); // 1, 2, …, 25
//! let w = Matrix::from_fn(3, 3, |_, _| 1.0);
//! let z = conv::correlate_strided(&a, &w, g);
//! // The first window lies half on the padding: z₁₁ = a₁₁ + a₁₂ + a₂₁ + a₂₂.
//! assert_eq!(z[(0, 0)], 1.0 + 2.0 + 6.0 + 7.0);
//! // Back: the 3×3 δ dilated by 2 is 5×5; with δ and w all ones, each input
//! // collects one per window that read it. Rows 2 and 4 lie in two windows.
//! let delta = Matrix::from_fn(3, 3, |_, _| 1.0);
//! assert_eq!(conv::dilate(&delta, 2).shape2(), (5, 5));
//! let da = conv::input_grad_strided(&delta, &w, (5, 5), g);
//! let windows = [1.0, 2.0, 1.0, 2.0, 1.0];
//! assert_eq!(da, Matrix::from_fn(5, 5, |i, j| windows[i] * windows[j]));
//! ```

use super::{correlate_valid, full_convolve, pad};
use crate::element::Element;
use crate::matrix::Matrix;
use std::fmt;

/// How a kernel moves over its input: `stride` entries per output step,
/// over the input framed by `padding` rings of zeros.
/// `Geometry::default()` is stride 1, padding 0: the valid correlation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Geometry {
    /// S, the step between two outputs, in input entries (≥ 1).
    pub stride: usize,
    /// P, the rings of zeros around the input.
    pub padding: usize,
}

impl Default for Geometry {
    fn default() -> Self {
        Geometry { stride: 1, padding: 0 }
    }
}

/// Why a kernel does not fit an input under a [`Geometry`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeometryError {
    /// The stride is 0: the kernel would never move.
    ZeroStride,
    /// The kernel has no rows or no columns.
    EmptyKernel,
    /// The kernel is longer than the padded input (`len + 2·padding`).
    KernelTooLarge {
        /// The kernel's length along the axis.
        kernel: usize,
        /// The input's length along the axis, before padding.
        len: usize,
        /// The padding on each side.
        padding: usize,
    },
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeometryError::ZeroStride => write!(f, "the stride is 0; it must be at least 1"),
            GeometryError::EmptyKernel => write!(f, "the kernel is empty"),
            GeometryError::KernelTooLarge { kernel, len, padding } => write!(
                f,
                "a kernel of length {kernel} is longer than an input of length {len} padded by {padding} ({})",
                len + 2 * padding
            ),
        }
    }
}

impl std::error::Error for GeometryError {}

// ANCHOR: output_len
impl Geometry {
    /// Stride `stride`, padding `padding`.
    pub const fn new(stride: usize, padding: usize) -> Self {
        Geometry { stride, padding }
    }

    /// The number of outputs along an axis of length `len` for a kernel of
    /// length `kernel`:
    ///
    ///   ⌊(len + 2P − kernel)/S⌋ + 1.
    ///
    /// The kernel's first entry sits on padded positions 1, 1 + S, 1 + 2S, …
    /// as long as the kernel still fits, that is while 1 + (o−1)S + kernel − 1
    /// ≤ len + 2P. When S does not divide len + 2P − kernel the quotient is
    /// rounded down, as PyTorch does: the last (len + 2P − kernel) mod S
    /// padded positions are read by no output.
    ///
    /// # Errors
    /// [`GeometryError`] if the stride is 0, the kernel is empty, or the
    /// kernel is longer than the padded axis.
    pub fn output_len(self, len: usize, kernel: usize) -> Result<usize, GeometryError> {
        if self.stride == 0 {
            return Err(GeometryError::ZeroStride);
        }
        if kernel == 0 {
            return Err(GeometryError::EmptyKernel);
        }
        let padded = len + 2 * self.padding;
        if kernel > padded {
            return Err(GeometryError::KernelTooLarge { kernel, len, padding: self.padding });
        }
        Ok((padded - kernel) / self.stride + 1)
    }

    /// [`Geometry::output_len`] along both axes: the output shape of an
    /// `input` (rows, columns) under a `kernel` (rows, columns).
    ///
    /// # Errors
    /// As [`Geometry::output_len`], for either axis.
    pub fn output_shape(self, input: (usize, usize), kernel: (usize, usize)) -> Result<(usize, usize), GeometryError> {
        Ok((self.output_len(input.0, kernel.0)?, self.output_len(input.1, kernel.1)?))
    }
}
// ANCHOR_END: output_len

/// The output shape, or a panic naming the function, the shapes and the geometry.
fn output_shape_or_panic(what: &str, g: Geometry, input: (usize, usize), kernel: (usize, usize)) -> (usize, usize) {
    g.output_shape(input, kernel).unwrap_or_else(|e| {
        panic!(
            "{what}: kernel {}×{} does not fit input {}×{} with stride {} and padding {}: {e}",
            kernel.0, kernel.1, input.0, input.1, g.stride, g.padding
        )
    })
}

// ANCHOR: correlate_strided
/// Strided, padded cross-correlation, the forward pass of a convolution
/// layer with stride S and padding P:
///
///   z_ij = Σ_uv ã_{S(i−1)+u, S(j−1)+v} w_uv,  ã = pad(a, P, P),
///
/// for an `h × w` input `a` and a `kh × kw` kernel: output (i, j) lays the
/// kernel's corner w₁₁ on ã_{S(i−1)+1, S(j−1)+1}, S entries further for each
/// step. The output is `oh × ow` with oh = ⌊(n_h + 2P − kh)/S⌋ + 1 and ow
/// likewise ([`Geometry::output_len`]). With S = 1, P = 0 this is
/// [`correlate_valid`](super::correlate_valid), entry for entry.
///
/// # Panics
/// If the stride is 0, the kernel is empty, or the kernel is larger than the
/// padded input, e.g. `kernel 4×4 does not fit input 2×2 with stride 1 and
/// padding 0`.
pub fn correlate_strided<T: Element>(a: &Matrix<T>, w: &Matrix<T>, g: Geometry) -> Matrix<T> {
    let (kh, kw) = w.shape2();
    let (oh, ow) = output_shape_or_panic("correlate_strided", g, a.shape2(), (kh, kw));
    let ap = pad(a, g.padding, g.padding);
    let s = g.stride;
    Matrix::from_fn(oh, ow, |i, j| {
        let mut z = T::zero();
        for p in 0..kh {
            for q in 0..kw {
                z = z + ap[(s * i + p, s * j + q)].clone() * w[(p, q)].clone();
            }
        }
        z
    })
}
// ANCHOR_END: correlate_strided

// ANCHOR: dilate
/// δ dilated by stride `s`: s − 1 zeros between neighbouring entries,
///
///   dilate(δ, s)_{s(i−1)+1, s(j−1)+1} = δ_ij,  every other entry 0,
///
/// so an `m × n` δ becomes `((m−1)s + 1) × ((n−1)s + 1)`. Each δ_ij lands on
/// the position of the unit-stride output that the strided output z_ij
/// kept; s = 1 leaves δ as it is.
///
/// # Panics
/// If `s` is 0.
pub fn dilate<T: Element>(delta: &Matrix<T>, s: usize) -> Matrix<T> {
    let (m, n) = delta.shape2();
    let len = |k: usize| if k == 0 { 0 } else { (k - 1) * s + 1 };
    dilate_to(delta, s, (len(m), len(n)))
}
// ANCHOR_END: dilate

// ANCHOR: dilate_to
/// δ dilated by stride `s` and filled up with zeros at the bottom and right
/// to `shape`, the shape of the unit-stride output ẑ = correlate_valid(ã, w):
///
///   δ̂_{s(i−1)+1, s(j−1)+1} = δ_ij,  every other entry 0.
///
/// This is ∂C/∂ẑ when z keeps every s-th entry of ẑ: an entry of ẑ that z
/// kept passes its δ through, one it dropped has no effect on C. The rows
/// after the last kept one are the (n_h + 2P − kh) mod s that the rounding
/// down in [`Geometry::output_len`] leaves unread.
///
/// # Panics
/// If `s` is 0 or `shape` is smaller than [`dilate`]`(δ, s)`, e.g.
/// `dilate_to: δ 3×3 dilated by 2 is 5×5, larger than 4×4`.
pub fn dilate_to<T: Element>(delta: &Matrix<T>, s: usize, shape: (usize, usize)) -> Matrix<T> {
    assert!(s > 0, "dilate_to: the stride is 0; it must be at least 1");
    let (m, n) = delta.shape2();
    let len = |k: usize| if k == 0 { 0 } else { (k - 1) * s + 1 };
    assert!(
        len(m) <= shape.0 && len(n) <= shape.1,
        "dilate_to: δ {m}×{n} dilated by {s} is {}×{}, larger than {}×{}",
        len(m),
        len(n),
        shape.0,
        shape.1
    );
    Matrix::from_fn(shape.0, shape.1, |i, j| {
        let kept = i % s == 0 && j % s == 0 && i / s < m && j / s < n;
        if kept { delta[(i / s, j / s)].clone() } else { T::zero() }
    })
}
// ANCHOR_END: dilate_to

// ANCHOR: crop
/// The inverse of [`pad`](super::pad): removes `rows` rows at the top and at
/// the bottom and `cols` columns at the left and at the right.
///
/// # Panics
/// If the matrix has fewer than 2·`rows` rows or 2·`cols` columns.
pub fn crop<T: Element>(m: &Matrix<T>, rows: usize, cols: usize) -> Matrix<T> {
    let (h, w) = m.shape2();
    assert!(
        2 * rows <= h && 2 * cols <= w,
        "crop: cannot remove {rows} rows and {cols} columns from each side of {h}×{w}"
    );
    Matrix::from_fn(h - 2 * rows, w - 2 * cols, |i, j| m[(i + rows, j + cols)].clone())
}
// ANCHOR_END: crop

/// Checks δ against the output shape of `input` under `kernel` and `g`, and
/// returns the shape of the unit-stride output ẑ = correlate_valid(ã, w).
fn unit_stride_shape(
    what: &str,
    delta: (usize, usize),
    input: (usize, usize),
    kernel: (usize, usize),
    g: Geometry,
) -> (usize, usize) {
    let out = output_shape_or_panic(what, g, input, kernel);
    assert_eq!(
        delta, out,
        "{what}: δ {}×{} should be {}×{} for input {}×{}, kernel {}×{}, stride {} and padding {}",
        delta.0, delta.1, out.0, out.1, input.0, input.1, kernel.0, kernel.1, g.stride, g.padding
    );
    let p2 = 2 * g.padding;
    (input.0 + p2 - kernel.0 + 1, input.1 + p2 - kernel.1 + 1)
}

// ANCHOR: input_grad_strided
/// The gradient with respect to the layer input, ∂C/∂a for
/// z = correlate_strided(a, w, (S, P)) on an `input` = (n_h, n_w) input:
///
///   ∂C/∂a = crop_P(full_convolve(δ̂, w)),  δ̂ = dilate_to(δ, S, (n_h + 2P − kh + 1, n_w + 2P − kw + 1)),
///
/// which written out is
///
///   ∂C/∂a_ij = Σ_pq δ_pq w_{i+P−S(p−1), j+P−S(q−1)},
///
/// summed over the outputs (p, q) whose window contains padded position
/// (i + P, j + P), i.e. 1 ≤ i + P − S(p−1) ≤ kh and likewise for columns.
///
/// Why: z keeps every S-th entry of ẑ = correlate_valid(ã, w), so ∂C/∂ẑ = δ̂
/// (see [`dilate_to`]); the unit-stride rule [`super::input_grad`] gives
/// ∂C/∂ã = full_convolve(δ̂, w), of shape (n_h + 2P) × (n_w + 2P); and a_ij is
/// ã_{i+P, j+P}, so cropping the P border gives ∂C/∂a. An input entry that
/// no window covers (a gap when S > kh, or a last row left over by the
/// rounding down) gets exactly 0.
///
/// # Panics
/// If the kernel does not fit the input under the geometry (as
/// [`correlate_strided`]), or δ is not the output shape, e.g.
/// `input_grad_strided: δ 2×2 should be 3×3 for input 5×5, kernel 3×3,
/// stride 2 and padding 1`.
pub fn input_grad_strided<T: Element>(
    delta: &Matrix<T>,
    w: &Matrix<T>,
    input: (usize, usize),
    g: Geometry,
) -> Matrix<T> {
    let u_shape = unit_stride_shape("input_grad_strided", delta.shape2(), input, w.shape2(), g);
    let d_padded = full_convolve(&dilate_to(delta, g.stride, u_shape), w);
    crop(&d_padded, g.padding, g.padding)
}
// ANCHOR_END: input_grad_strided

// ANCHOR: kernel_grad_strided
/// The gradient with respect to a `kernel` = (kh, kw) kernel, ∂C/∂W for
/// z = correlate_strided(a, w, (S, P)):
///
///   ∂C/∂w_uv = Σ_ij δ_ij ã_{S(i−1)+u, S(j−1)+v} = correlate_valid(ã, δ̂)_uv,
///
/// with ã = pad(a, P, P) and δ̂ = dilate_to(δ, S, (n_h + 2P − kh + 1, n_w + 2P − kw + 1)).
///
/// Why: w_uv multiplied ã_{S(i−1)+u, S(j−1)+v} in output z_ij, so it
/// collects δ_ij times that entry from every output; the zeros of δ̂ drop
/// the unit-stride outputs that z did not keep. The kernel shape is an
/// argument because rounding down makes it ambiguous: with S = 2 a 3- and a
/// 4-row kernel give the same number of outputs on a 6-row input.
///
/// # Panics
/// If the kernel does not fit the input under the geometry, or δ is not the
/// output shape (as [`input_grad_strided`]).
pub fn kernel_grad_strided<T: Element>(
    a: &Matrix<T>,
    delta: &Matrix<T>,
    kernel: (usize, usize),
    g: Geometry,
) -> Matrix<T> {
    let u_shape = unit_stride_shape("kernel_grad_strided", delta.shape2(), a.shape2(), kernel, g);
    correlate_valid(&pad(a, g.padding, g.padding), &dilate_to(delta, g.stride, u_shape))
}
// ANCHOR_END: kernel_grad_strided
