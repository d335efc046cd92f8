//! The matrix view of a convolution: a valid correlation with a fixed kernel
//! is a linear map of the input, so it has a matrix M with vec(z) = M vec(a),
//! and the input gradient is Mᵀ vec(δ), the Wᵀδ of a fully connected layer.
//! Reading Mᵀ column by column shows where rot180 comes from.
//!
//! `vec` reads a matrix row by row: entry (i, j) of an `m × n` matrix is
//! entry (i−1)·n + j of vec (indices from 1, as in the rest of [`crate::conv`]).
//!
//! ```
//! use lenet_core::Matrix;
//! use lenet_core::conv::{self, matrix_of, vec_of};
//! let a = Matrix::from_rows(&[[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
//! let w = Matrix::from_rows(&[[1, 2], [3, 4]]);
//! let m = matrix_of(&w, a.shape2()); // 4 outputs × 9 inputs
//! assert_eq!(m.shape2(), (4, 9));
//! assert_eq!(m.matmul(&vec_of(&a)), vec_of(&conv::correlate_valid(&a, &w)));
//! let delta = Matrix::from_rows(&[[1, -1], [2, 0]]);
//! assert_eq!(m.transpose().matmul(&vec_of(&delta)), vec_of(&conv::full_convolve(&delta, &w)));
//! ```

use super::check_fits;
use crate::element::Element;
use crate::matrix::Matrix;

// ANCHOR: matrix_of
/// The matrix of the valid correlation with kernel `w` on an `input` =
/// (n_h, n_w) input: the (o_h·o_w) × (n_h·n_w) matrix M with
///
///   vec(correlate_valid(a, w)) = M vec(a),
///   M_{(i,j),(p,q)} = w_{p−i+1, q−j+1}  if 1 ≤ p−i+1 ≤ kh and 1 ≤ q−j+1 ≤ kw, else 0,
///
/// where o_h = n_h − kh + 1, o_w = n_w − kw + 1, row (i, j) is entry
/// (i−1)·o_w + j and column (p, q) is entry (p−1)·n_w + q.
///
/// Why: z_ij = Σ_uv a_{i+u−1, j+v−1} w_uv, so the input entry a_rs appears
/// in z_ij with the kernel entry u = p−i+1, v = q−j+1, when that entry
/// exists. Row (i, j) of M is the kernel laid on the input at (i, j) and
/// read row by row, zeros where it does not reach; most of M is zeros.
///
/// The transpose is the input gradient. z = M a is linear, so
/// ∂C/∂vec(a) = Mᵀ vec(δ), as Wᵀδ for a fully connected layer, and entry
/// (p, q) of it is Σ_ij M_{(i,j),(p,q)} δ_ij = Σ_ij δ_ij w_{p−i+1, q−j+1},
/// which is full_convolve(δ, w)_pq. Column (p, q) of M holds the kernel
/// entries that met a_rs, and as the output index (i, j) grows the kernel
/// index falls: read along the outputs, the kernel is turned by 180°.
///
/// # Panics
/// If the kernel is empty or larger than the input, e.g.
/// `matrix_of: kernel 4×4 is larger than input 3×3`.
pub fn matrix_of<T: Element>(w: &Matrix<T>, input: (usize, usize)) -> Matrix<T> {
    let (kh, kw) = w.shape2();
    let (nh, nw) = input;
    check_fits("matrix_of", "kernel", "input", (kh, kw), (nh, nw));
    let (oh, ow) = (nh - kh + 1, nw - kw + 1);
    Matrix::from_fn(oh * ow, nh * nw, |row, col| {
        let (i, j) = (row / ow, row % ow);
        let (p, q) = (col / nw, col % nw);
        // 0-based: the kernel entry (p − i, q − j), when it exists.
        let inside = (i..i + kh).contains(&p) && (j..j + kw).contains(&q);
        if inside { w[(p - i, q - j)].clone() } else { T::zero() }
    })
}
// ANCHOR_END: matrix_of

/// vec(m): the entries of an `m × n` matrix read row by row into an
/// (m·n) × 1 column, the vector that [`matrix_of`] multiplies.
pub fn vec_of<T: Clone>(m: &Matrix<T>) -> Matrix<T> {
    let (rows, cols) = m.shape2();
    Matrix::from_fn(rows * cols, 1, |k, _| m[(k / cols, k % cols)].clone())
}
