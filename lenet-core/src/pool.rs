//! Mean and max pooling on NCHW batches, and how each routes the gradient
//! back.
//!
//! A pooling layer slides a `size × size` window over every plane (one
//! sample, one channel) with step `stride`; output entry (i, j) summarises the
//! window whose top-left corner is ((i−1)·stride + 1, (j−1)·stride + 1).
//! Positions in these formulas count from 1, as in the book (row 1, column 1
//! is the top-left entry); Rust's array indices, as in the example below and
//! in [`Argmax`], are one less. Along each axis the output length is
//! (H − size)/stride + 1, and the window must fit exactly.
//!
//! Pooling has no parameters: its backward pass only sends the gradient
//! ∂C/∂a of each output entry a_ij to the inputs that produced it. (It is not
//! called δ: δ is ∂C/∂z, and a pooling output is no pre-activation.) When
//! `stride < size` the windows overlap, an input belongs to several windows,
//! and its gradient is the *sum* of what each window sends it — so every
//! backward here accumulates (`+=`), never assigns.
//!
//! ```
//! use lenet_core::pool;
//! use ndarray::array;
//! // One sample, one channel, 3×3; windows 2×2 with stride 1 overlap.
//! let x = array![[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]];
//! let (a, argmax) = pool::max_forward(&x, 2, 1);
//! assert_eq!(a, array![[[[9.0, 9.0], [9.0, 9.0]]]]);
//! // The 9 (row 2, column 2) is the maximum of all four windows, so it
//! // collects all four gradients.
//! let dx = pool::max_backward(&array![[[[1.0, 1.0], [1.0, 1.0]]]], &argmax);
//! assert_eq!(dx[[0, 0, 1, 1]], 4.0);
//! ```

use crate::element::Real;
use ndarray::Array4;
use std::borrow::Cow;

/// The output length of a window of `size` sliding with step `stride` along
/// an axis of length `len`: (len − size)/stride + 1.
///
/// # Panics
/// If `size` or `stride` is zero, if the window is longer than the axis, or
/// if the windows do not tile the axis exactly; the message names the lengths.
pub fn output_len(len: usize, size: usize, stride: usize) -> usize {
    assert!(size > 0 && stride > 0, "pooling window {size} with stride {stride}: both must be positive");
    assert!(size <= len, "pooling window {size}×{size} is larger than the input length {len}");
    assert!(
        (len - size).is_multiple_of(stride),
        "pooling window {size} with stride {stride} does not tile an input of length {len}: \
         ({len} − {size}) is not a multiple of {stride}"
    );
    (len - size) / stride + 1
}

/// The output shape (N, C, H', W') of pooling an input of `shape`.
///
/// # Panics
/// As [`output_len`]; the message names the input shape.
pub fn output_shape(shape: (usize, usize, usize, usize), size: usize, stride: usize) -> (usize, usize, usize, usize) {
    let (n, c, h, w) = shape;
    let fits = |len: usize| size > 0 && stride > 0 && size <= len && (len - size).is_multiple_of(stride);
    assert!(
        fits(h) && fits(w),
        "pooling window {size}×{size} with stride {stride} does not fit input {n}×{c}×{h}×{w}: \
         need size ≤ H, W and (H − size), (W − size) multiples of the stride"
    );
    (n, c, output_len(h, size, stride), output_len(w, size, stride))
}

/// The entries of `x` in row-major (NCHW) order, copying only if `x` is not
/// already laid out that way.
fn standard<T: Copy>(x: &Array4<T>) -> Cow<'_, [T]> {
    match x.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.iter().copied().collect()),
    }
}

/// Mean pooling: a_ij = (1/r²) Σ_uv x_{(i−1)s+u, (j−1)s+v}, 1 ≤ u, v ≤ r,
/// for window size r and stride s, on every plane of the batch.
///
/// # Panics
/// If the window does not fit the input (see [`output_shape`]).
pub fn mean_forward<F: Real>(x: &Array4<F>, size: usize, stride: usize) -> Array4<F> {
    let shape = x.dim();
    let (n, c, oh, ow) = output_shape(shape, size, stride);
    let (h, w) = (shape.2, shape.3);
    let xs = standard(x);
    let scale = F::one() / F::of((size * size) as f64);
    let mut out = Vec::with_capacity(n * c * oh * ow);
    for plane in xs.chunks_exact(h * w) {
        for i in 0..oh {
            for j in 0..ow {
                let mut sum = F::zero();
                for p in 0..size {
                    let row = (i * stride + p) * w + j * stride;
                    for &v in &plane[row..row + size] {
                        sum = sum + v;
                    }
                }
                out.push(sum * scale);
            }
        }
    }
    Array4::from_shape_vec((n, c, oh, ow), out).expect("one value per output entry")
}

// ANCHOR: mean_backward
/// The backward pass of mean pooling, with `da` = ∂C/∂a. Each output entry
/// spreads its gradient evenly over its r² inputs (∂a_ij/∂x_pq = 1/r² inside
/// the window), and an input collects from every window containing it:
///
/// ∂C/∂x_pq = Σ over windows (i, j) containing (p, q) of (∂C/∂a_ij) / r².
///
/// With non-overlapping windows (stride = r) that is the notes' "repeat the
/// gradient / r² over each block" (an upsampling by an r × r block of ones,
/// scaled).
///
/// # Panics
/// If the window does not fit `input_shape`, or if `da` does not have the
/// pooled shape of `input_shape`; the message names both shapes.
pub fn mean_backward<F: Real>(
    da: &Array4<F>,
    input_shape: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
) -> Array4<F> {
    let out_shape = output_shape(input_shape, size, stride);
    check_da(da.dim(), out_shape, input_shape, size, stride);
    let (_, _, oh, ow) = out_shape;
    let (h, w) = (input_shape.2, input_shape.3);
    let ds = standard(da);
    let scale = F::one() / F::of((size * size) as f64);
    let mut dx = Array4::<F>::zeros(input_shape);
    let dxs = dx.as_slice_mut().expect("a fresh array is contiguous");
    for (dplane, xplane) in ds.chunks_exact(oh * ow).zip(dxs.chunks_exact_mut(h * w)) {
        for i in 0..oh {
            for j in 0..ow {
                let g = dplane[i * ow + j] * scale;
                for p in 0..size {
                    let row = (i * stride + p) * w + j * stride;
                    for v in &mut xplane[row..row + size] {
                        *v = *v + g;
                    }
                }
            }
        }
    }
    dx
}
// ANCHOR_END: mean_backward

fn check_da(
    da: (usize, usize, usize, usize),
    expected: (usize, usize, usize, usize),
    input: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
) {
    assert_eq!(
        da, expected,
        "pooling backward: ∂C/∂a has shape {da:?} but pooling input {input:?} with window {size} \
         and stride {stride} gives output {expected:?}"
    );
}

/// Where max pooling found each maximum, recorded by [`max_forward`] for
/// [`max_backward`].
///
/// `index[[n, c, i, j]]` is the flat position `row · W + col` *within the
/// input plane* (n, c) of the largest entry of output window (i, j); the
/// array has the output's shape. [`Argmax::position`] turns it back into
/// (row, col). These are Rust's array indices, counted from 0: the book's
/// position (counted from 1) of the same entry is (row + 1, col + 1).
///
/// Ties: the window is scanned row by row, left to right, and a later entry
/// replaces the current maximum only if it is strictly larger, so the
/// **first maximum in row-major order wins**. (At a tie max is not
/// differentiable; this picks one subgradient.)
#[derive(Clone, Debug, PartialEq)]
pub struct Argmax {
    /// The shape (N, C, H, W) of the pooled input.
    pub input_shape: (usize, usize, usize, usize),
    /// Flat in-plane index `row · W + col` of each window's maximum.
    pub index: Array4<usize>,
}

impl Argmax {
    /// The (row, col) in its input plane of the maximum of output entry
    /// (n, c, i, j), all as Rust's array indices (from 0).
    pub fn position(&self, n: usize, c: usize, i: usize, j: usize) -> (usize, usize) {
        let k = self.index[[n, c, i, j]];
        (k / self.input_shape.3, k % self.input_shape.3)
    }
}

// ANCHOR: max_forward
/// Max pooling: a_ij = max_uv x_{(i−1)s+u, (j−1)s+v}, 1 ≤ u, v ≤ r, for
/// window size r and stride s, returning also where each maximum was (first
/// maximum in row-major order on ties; see [`Argmax`]).
///
/// # Panics
/// If the window does not fit the input (see [`output_shape`]).
pub fn max_forward<F: Real>(x: &Array4<F>, size: usize, stride: usize) -> (Array4<F>, Argmax) {
    let shape = x.dim();
    let (n, c, oh, ow) = output_shape(shape, size, stride);
    let (h, w) = (shape.2, shape.3);
    let xs = standard(x);
    let mut out = Vec::with_capacity(n * c * oh * ow);
    let mut index = Vec::with_capacity(n * c * oh * ow);
    for plane in xs.chunks_exact(h * w) {
        for i in 0..oh {
            for j in 0..ow {
                let mut best_k = (i * stride) * w + j * stride;
                let mut best = plane[best_k];
                for p in 0..size {
                    let row = (i * stride + p) * w + j * stride;
                    for (q, &v) in plane[row..row + size].iter().enumerate() {
                        // Strictly greater: the first maximum stays the winner.
                        if v > best {
                            best = v;
                            best_k = row + q;
                        }
                    }
                }
                out.push(best);
                index.push(best_k);
            }
        }
    }
    let y = Array4::from_shape_vec((n, c, oh, ow), out).expect("one value per output entry");
    let index = Array4::from_shape_vec((n, c, oh, ow), index).expect("one index per output entry");
    (y, Argmax { input_shape: shape, index })
}
// ANCHOR_END: max_forward

// ANCHOR: max_backward
/// The backward pass of max pooling, with `da` = ∂C/∂a. Within a window only
/// the maximum affects the output (∂a_ij/∂x_pq = 1 at the recorded argmax, 0
/// elsewhere), so
///
/// ∂C/∂x_pq = Σ over windows (i, j) whose recorded maximum is (p, q) of ∂C/∂a_ij.
///
/// An input that is the maximum of several overlapping windows collects the
/// gradients of all of them (`+=`); assigning instead would keep only the
/// last one.
///
/// # Panics
/// If `da` does not have the shape of `argmax.index`; the message names both.
pub fn max_backward<F: Real>(da: &Array4<F>, argmax: &Argmax) -> Array4<F> {
    assert_eq!(
        da.dim(),
        argmax.index.dim(),
        "max_backward: ∂C/∂a has shape {:?} but the pooled output had shape {:?}",
        da.dim(),
        argmax.index.dim()
    );
    let (_, _, oh, ow) = argmax.index.dim();
    let (h, w) = (argmax.input_shape.2, argmax.input_shape.3);
    let ds = standard(da);
    let idx = standard(&argmax.index);
    let mut dx = Array4::<F>::zeros(argmax.input_shape);
    let dxs = dx.as_slice_mut().expect("a fresh array is contiguous");
    for ((dplane, iplane), xplane) in
        ds.chunks_exact(oh * ow).zip(idx.chunks_exact(oh * ow)).zip(dxs.chunks_exact_mut(h * w))
    {
        for (&g, &k) in dplane.iter().zip(iplane) {
            xplane[k] = xplane[k] + g;
        }
    }
    dx
}
// ANCHOR_END: max_backward

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn mean_and_max_of_a_4x4_plane() {
        let x: Array4<f64> =
            array![[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]]]];
        let m = mean_forward(&x, 2, 2);
        assert_eq!(m, array![[[[3.5, 5.5], [11.5, 13.5]]]]);
        let (y, arg) = max_forward(&x, 2, 2);
        assert_eq!(y, array![[[[6.0, 8.0], [14.0, 16.0]]]]);
        assert_eq!(arg.position(0, 0, 1, 0), (3, 1));
        let dx = max_backward(&array![[[[1.0, 2.0], [3.0, 4.0]]]], &arg);
        assert_eq!(dx[[0, 0, 1, 1]], 1.0);
        assert_eq!(dx[[0, 0, 3, 3]], 4.0);
        assert_eq!(dx.sum(), 10.0);
        let dm = mean_backward(&array![[[[4.0, 8.0], [0.0, 0.0]]]], x.dim(), 2, 2);
        assert_eq!(dm[[0, 0, 0, 0]], 1.0);
        assert_eq!(dm[[0, 0, 1, 3]], 2.0);
        assert_eq!(dm.sum(), 12.0);
    }

    #[test]
    #[should_panic(expected = "does not fit input 1×1×5×5")]
    fn window_that_does_not_tile_panics() {
        let _ = mean_forward(&Array4::<f64>::zeros((1, 1, 5, 5)), 2, 2);
    }
}
