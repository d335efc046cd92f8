//! Convolution layers and their gradients.
//!
//! What deep-learning libraries call a convolution is a valid
//! cross-correlation: the kernel slides over the input without being flipped,
//!
//!   z_ij = Σ_uv a_{i+u−1, j+v−1} w_uv.
//!
//! Indices in these formulas count from 1, as the book and the notes' worked
//! example do (a₁₁ is the top-left entry); Rust's array indices are one less.
//!
//! Its backward pass needs two more operations: the gradient with respect to
//! the input is a *full* convolution of δ with the kernel (δ padded with
//! kh−1 rows and kw−1 columns of zeros, correlated with the kernel turned by
//! 180°), and the gradient with respect to the kernel is the valid
//! correlation of the input with δ.
//!
//! The 2-D functions here are generic over [`Element`], so they run on
//! numbers and on [`crate::Sym`] (which prints the formulas). The batched
//! layer in NCHW layout, [`forward`] and [`backward`], is written on top of
//! them. [`one_d`] is the same in one dimension, the warm-up of chapter 2.
//!
//! Stride S and padding P ([`Geometry`]) are in the `strided` functions:
//! [`correlate_strided`] moves the kernel S entries per output over the
//! input framed by P rings of zeros, and its gradients go back through the
//! unit-stride ones above by [`dilate`]-ing δ with S − 1 zeros
//! ([`input_grad_strided`], [`kernel_grad_strided`]); [`forward_strided`]
//! and [`backward_strided`] are the NCHW layer with a geometry. The
//! functions without a geometry are these with S = 1.
//!
//! [`matrix_of`] writes the valid correlation as a matrix M, vec(z) = M vec(a),
//! whose transpose is the full convolution: the input gradient as Mᵀδ.

mod batch;
mod matrix_view;
pub mod one_d;
mod strided;

pub use batch::{backward, backward_strided, forward, forward_strided};
pub use matrix_view::{matrix_of, vec_of};
pub use strided::{
    Geometry, GeometryError, correlate_strided, crop, dilate, dilate_to, input_grad_strided, kernel_grad_strided,
};

use crate::element::Element;
use crate::matrix::Matrix;

/// Panics unless a `kh × kw` kernel fits inside an `h × w` input.
fn check_fits(what: &str, kernel: &str, input: &str, k: (usize, usize), x: (usize, usize)) {
    assert!(k.0 > 0 && k.1 > 0, "{what}: {kernel} {}×{} is empty", k.0, k.1);
    assert!(k.0 <= x.0 && k.1 <= x.1, "{what}: {kernel} {}×{} is larger than {input} {}×{}", k.0, k.1, x.0, x.1);
}

// ANCHOR: correlate_valid
/// Valid cross-correlation, the forward pass of a convolution layer:
///
///   z_ij = Σ_uv a_{i+u−1, j+v−1} w_uv,  1 ≤ u ≤ kh, 1 ≤ v ≤ kw,
///
/// for an `n_h × n_w` input `a` and a `kh × kw` kernel `w`: the kernel's
/// corner w₁₁ lies on a_ij. The output is `(n_h − kh + 1) × (n_w − kw + 1)`
/// (only positions where the kernel fits).
///
/// # Panics
/// If the kernel is empty or larger than the input in either dimension,
/// e.g. `kernel 3×3 is larger than input 2×2`.
pub fn correlate_valid<T: Element>(a: &Matrix<T>, w: &Matrix<T>) -> Matrix<T> {
    correlate_named("correlate_valid", "kernel", "input", a, w)
}
// ANCHOR_END: correlate_valid

fn correlate_named<T: Element>(what: &str, kernel: &str, input: &str, a: &Matrix<T>, w: &Matrix<T>) -> Matrix<T> {
    let (h, wd) = a.shape2();
    let (kh, kw) = w.shape2();
    check_fits(what, kernel, input, (kh, kw), (h, wd));
    Matrix::from_fn(h - kh + 1, wd - kw + 1, |i, j| {
        let mut z = T::zero();
        for p in 0..kh {
            for q in 0..kw {
                z = z + a[(i + p, j + q)].clone() * w[(p, q)].clone();
            }
        }
        z
    })
}

// ANCHOR: rot180
/// The kernel turned by 180°: rot180(w)_uv = w_{kh+1−u, kw+1−v}, so the
/// first entry changes places with the last.
pub fn rot180<T: Element>(w: &Matrix<T>) -> Matrix<T> {
    let (kh, kw) = w.shape2();
    Matrix::from_fn(kh, kw, |p, q| w[(kh - 1 - p, kw - 1 - q)].clone())
}
// ANCHOR_END: rot180

// ANCHOR: pad
/// A zero border: `rows` rows of zeros above and below, `cols` columns of
/// zeros left and right, so an `h × w` matrix becomes
/// `(h + 2·rows) × (w + 2·cols)`.
pub fn pad<T: Element>(m: &Matrix<T>, rows: usize, cols: usize) -> Matrix<T> {
    let (h, w) = m.shape2();
    Matrix::from_fn(h + 2 * rows, w + 2 * cols, |i, j| {
        let inside = (rows..rows + h).contains(&i) && (cols..cols + w).contains(&j);
        if inside { m[(i - rows, j - cols)].clone() } else { T::zero() }
    })
}
// ANCHOR_END: pad

// ANCHOR: full_convolve
/// Full convolution of δ with the kernel `w`:
///
///   full_convolve(δ, w) = correlate_valid(pad(δ, kh−1, kw−1), rot180(w)),
///
/// which written out is
///
///   (δ ⊛ w)_ij = Σ_pq δ_pq w_{i−p+1, j−q+1},
///
/// summed over the entries δ_pq for which w_{i−p+1, j−q+1} exists
/// (1 ≤ i−p+1 ≤ kh, 1 ≤ j−q+1 ≤ kw).
///
/// The padding lets every input position see every output it contributed to,
/// including the corners, which only one output touches. An `m × n` δ gives
/// an `(m + kh − 1) × (n + kw − 1)` result.
///
/// # Panics
/// If the kernel is empty.
pub fn full_convolve<T: Element>(delta: &Matrix<T>, w: &Matrix<T>) -> Matrix<T> {
    let (kh, kw) = w.shape2();
    assert!(kh > 0 && kw > 0, "full_convolve: kernel {kh}×{kw} is empty");
    correlate_valid(&pad(delta, kh - 1, kw - 1), &rot180(w))
}
// ANCHOR_END: full_convolve

// ANCHOR: input_grad
/// The gradient with respect to the layer input, ∂C/∂a for z = correlate_valid(a, w):
///
///   ∂C/∂a_ij = Σ_pq δ_pq w_{i−p+1, j−q+1} = full_convolve(δ, w)_ij.
///
/// In output z_pq = Σ_uv a_{p+u−1, q+v−1} w_uv the input a_ij meets the
/// kernel entry w_uv with u = i−p+1, v = j−q+1, so a_ij collects δ_pq times
/// w_{i−p+1, j−q+1} from every output it took part in; a corner input, such
/// as a₁₁, took part in one output only.
///
/// # Panics
/// If the kernel is empty.
pub fn input_grad<T: Element>(delta: &Matrix<T>, w: &Matrix<T>) -> Matrix<T> {
    full_convolve(delta, w)
}
// ANCHOR_END: input_grad

// ANCHOR: kernel_grad
/// The gradient with respect to the kernel, ∂C/∂w for z = correlate_valid(a, w):
///
///   ∂C/∂w_uv = Σ_ij δ_ij a_{i+u−1, j+v−1} = correlate_valid(a, δ)_uv.
///
/// w_uv multiplied a_{i+u−1, j+v−1} in every output z_ij, so it collects δ_ij
/// times that input from every output. The result has the kernel's shape,
/// `(n_h − d_h + 1) × (n_w − d_w + 1)` for an `n_h × n_w` input and a
/// `d_h × d_w` δ.
///
/// # Panics
/// If δ is empty or larger than the input, e.g. `δ 3×3 is larger than input 2×2`.
pub fn kernel_grad<T: Element>(a: &Matrix<T>, delta: &Matrix<T>) -> Matrix<T> {
    correlate_named("kernel_grad", "δ", "input", a, delta)
}
// ANCHOR_END: kernel_grad

// ANCHOR: bias_grad
/// The gradient with respect to the bias, which is added to every output:
///
///   ∂C/∂b = Σ_ij δ_ij.
pub fn bias_grad<T: Element>(delta: &Matrix<T>) -> T {
    delta.iter().cloned().fold(T::zero(), |s, d| s + d)
}
// ANCHOR_END: bias_grad
