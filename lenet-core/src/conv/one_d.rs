//! Convolution in one dimension, the warm-up for the 2-D case: an input of
//! n numbers a₁ … aₙ, a kernel of k weights w₁ … w_k, and the same three
//! operations as in 2-D with one index instead of two.
//!
//! Indices count from 1, as in the book. The functions are generic over
//! [`Element`], so on [`crate::Sym`] they print their formulas. They take
//! and return plain slices and vectors; on a 1×n [`crate::Matrix`] the 2-D
//! functions of [`crate::conv`] compute the same numbers.

use crate::element::Element;

/// Panics unless a kernel of `k` entries fits inside an input of `n`.
fn check_fits(what: &str, kernel: &str, k: usize, n: usize) {
    assert!(k > 0, "{what}: {kernel} of length 0 is empty");
    assert!(k <= n, "{what}: {kernel} of length {k} is longer than input of length {n}");
}

/// Σ_{u=1..k} a_{i+u−1} w_u for i = 1 … n−k+1, shared by the forward pass and
/// the kernel gradient.
fn correlate_named<T: Element>(what: &str, kernel: &str, a: &[T], w: &[T]) -> Vec<T> {
    check_fits(what, kernel, w.len(), a.len());
    (0..=a.len() - w.len())
        .map(|i| w.iter().enumerate().fold(T::zero(), |z, (p, wp)| z + a[i + p].clone() * wp.clone()))
        .collect()
}

// ANCHOR: correlate_valid
/// Valid cross-correlation in 1-D, the forward pass:
///
///   z_i = Σ_{u=1..k} a_{i+u−1} w_u,  i = 1 … n − k + 1.
///
/// The kernel's first weight w₁ lies on a_i; only positions where the whole
/// kernel fits are kept, so 5 inputs and 3 weights give 3 outputs.
///
/// # Panics
/// If the kernel is empty or longer than the input, e.g.
/// `kernel of length 3 is longer than input of length 2`.
pub fn correlate_valid<T: Element>(a: &[T], w: &[T]) -> Vec<T> {
    correlate_named("one_d::correlate_valid", "kernel", a, w)
}
// ANCHOR_END: correlate_valid

/// The kernel reversed, flip(w)_u = w_{k+1−u}: the 1-D rot180.
pub fn flip<T: Element>(w: &[T]) -> Vec<T> {
    w.iter().rev().cloned().collect()
}

/// `r` zeros before and after: n entries become n + 2r.
pub fn pad<T: Element>(m: &[T], r: usize) -> Vec<T> {
    let zeros = || std::iter::repeat_n(T::zero(), r);
    zeros().chain(m.iter().cloned()).chain(zeros()).collect()
}

// ANCHOR: input_grad
/// The gradient with respect to the input, for z = correlate_valid(a, w):
///
///   ∂C/∂a_j = Σ_i δ_i w_{j−i+1},
///
/// summed over the outputs i for which w_{j−i+1} exists (1 ≤ j−i+1 ≤ k).
/// Why: a_j appears in z_i = Σ_u a_{i+u−1} w_u where i + u − 1 = j, that is
/// with weight w_{j−i+1}, so ∂z_i/∂a_j = w_{j−i+1}, and by the chain rule
/// a_j collects δ_i = ∂C/∂z_i times that from every output it took part in
/// (a₁ took part in z₁ alone; a middle input in k outputs).
///
/// Written as an operation, that is the **full convolution**
///
///   ∂C/∂a = correlate_valid(pad(δ, k − 1), flip(w)),
///
/// since entry j of the right side is Σ_u pad(δ)_{j+u−1} w_{k+1−u}
/// = Σ_i δ_i w_{j−i+1} with i = j + u − k. The k − 1 zeros let the flipped
/// kernel reach the first and last inputs. m = n − k + 1 entries of δ give
/// m + k − 1 = n entries.
///
/// # Panics
/// If the kernel is empty.
pub fn input_grad<T: Element>(delta: &[T], w: &[T]) -> Vec<T> {
    assert!(!w.is_empty(), "one_d::input_grad: kernel of length 0 is empty");
    correlate_valid(&pad(delta, w.len() - 1), &flip(w))
}
// ANCHOR_END: input_grad

// ANCHOR: kernel_grad
/// The gradient with respect to the kernel, for z = correlate_valid(a, w):
///
///   ∂C/∂w_u = Σ_i δ_i a_{i+u−1} = correlate_valid(a, δ)_u.
///
/// Why: w_u multiplied a_{i+u−1} in every output z_i, so ∂z_i/∂w_u =
/// a_{i+u−1}, and the chain rule sums δ_i times that over the outputs. It
/// is δ sliding over a as if it were the kernel: no padding, no flip. An
/// input of n and a δ of m = n − k + 1 give k entries, the kernel's length.
///
/// # Panics
/// If δ is empty or longer than the input, e.g.
/// `δ of length 4 is longer than input of length 3`.
pub fn kernel_grad<T: Element>(a: &[T], delta: &[T]) -> Vec<T> {
    correlate_named("one_d::kernel_grad", "δ", a, delta)
}
// ANCHOR_END: kernel_grad
