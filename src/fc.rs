//! Fully connected layers, one column per sample.
//!
//! Layer l maps the previous activations a^{l−1} (in × N) to
//! z^l = W^l a^{l−1} + b^l and a^l = σ(z^l), with W^l out × in and b^l out × 1.
//! Backpropagation defines δ^l = ∂C/∂z^l (per sample, one column each) and
//! derives everything from it:
//!
//! - δ^L = ∂C/∂a^L ⊙ σ′(z^L) at the output ([`output_delta`]),
//! - δ^l = (W^{l+1})ᵀ δ^{l+1} ⊙ σ′(z^l) going back ([`backprop_delta`]),
//! - ∂C/∂W^l = (1/N) δ^l (a^{l−1})ᵀ ([`weight_grad`]),
//! - ∂C/∂b^l = (1/N) Σ_n δ^l_n ([`bias_grad`]).
//!
//! ```
//! use lenet::{activation::Activation, fc, loss};
//! use ndarray::array;
//! let (w, b) = (array![[0.5, -1.0]], array![[0.1]]);
//! let a0 = array![[1.0, 2.0], [0.0, 1.0]]; // 2 features × 2 samples
//! let z = fc::forward(&w, &a0, &b); // [[0.6, 0.1]]
//! let a1 = Activation::Sigmoid.apply(&z);
//! let (_, grad_a) = loss::mse(&a1, &array![[1.0, 0.0]]);
//! let delta = fc::output_delta(&grad_a, &z, Activation::Sigmoid);
//! let dw = fc::weight_grad(&delta, &a0); // (1/N) δ a0ᵀ, 1 × 2 like W
//! assert_eq!(dw.dim(), w.dim());
//! ```

use crate::activation::Activation;
use crate::element::Real;
use crate::matrix::Matrix;
use ndarray::{Array2, Axis, Zip};

fn check_same<F: Real>(what: &str, x: &Array2<F>, x_name: &str, y: &Array2<F>, y_name: &str) {
    assert_eq!(
        x.dim(),
        y.dim(),
        "{what}: {x_name} is {}×{} but {y_name} is {}×{}",
        x.nrows(),
        x.ncols(),
        y.nrows(),
        y.ncols()
    );
}

// ANCHOR: forward
/// The forward pass: z = W a + b, with `b` (out × 1) added to every column.
///
/// # Panics
/// If W's columns differ from a's rows, or b is not out × 1; the message
/// names the shapes.
pub fn forward<F: Real>(w: &Array2<F>, a: &Array2<F>, b: &Array2<F>) -> Matrix<F> {
    assert_eq!(
        w.ncols(),
        a.nrows(),
        "fc::forward: W is {}×{} but a is {}×{} (W's columns must equal a's rows)",
        w.nrows(),
        w.ncols(),
        a.nrows(),
        a.ncols()
    );
    assert_eq!(
        b.dim(),
        (w.nrows(), 1),
        "fc::forward: b is {}×{} but W is {}×{} (b must be {}×1)",
        b.nrows(),
        b.ncols(),
        w.nrows(),
        w.ncols(),
        w.nrows()
    );
    let mut z = w.dot(a);
    // The out × 1 column b is broadcast over the N columns.
    Zip::from(&mut z)
        .and_broadcast(b)
        .for_each(|zi, &bi| *zi = *zi + bi);
    Matrix(z)
}
// ANCHOR_END: forward

// ANCHOR: output_delta
/// The output layer's error: δ^L = ∂C/∂a^L ⊙ σ′(z^L), with `grad_a` the
/// per-sample loss gradient (for example a − y from [`crate::loss::mse`]).
///
/// # Panics
/// If `grad_a` and `z` differ in shape.
pub fn output_delta<F: Real>(grad_a: &Array2<F>, z: &Array2<F>, act: Activation) -> Matrix<F> {
    check_same("fc::output_delta", grad_a, "∂C/∂a", z, "z");
    Matrix(act.backward(grad_a, z))
}
// ANCHOR_END: output_delta

/// The gradient with respect to the layer's input: ∂C/∂a^{l−1} = Wᵀ δ^l,
/// per sample. This is the first half of [`backprop_delta`]; on its own it
/// is what flows back from the first fc layer into a flattened conv output.
///
/// # Panics
/// If W's rows differ from δ's rows.
pub fn input_grad<F: Real>(w: &Array2<F>, delta: &Array2<F>) -> Matrix<F> {
    assert_eq!(
        w.nrows(),
        delta.nrows(),
        "fc::input_grad: W is {}×{} but δ is {}×{} (W's rows must equal δ's rows)",
        w.nrows(),
        w.ncols(),
        delta.nrows(),
        delta.ncols()
    );
    Matrix(w.t().dot(delta))
}

// ANCHOR: backprop_delta
/// One step of the recursion: δ^l = (W^{l+1})ᵀ δ^{l+1} ⊙ σ′(z^l).
///
/// The chain rule through z^{l+1} = W^{l+1} σ(z^l) + b^{l+1}: the transpose
/// sends each output's error back along the weights that produced it, and
/// σ′(z^l) accounts for the activation in between.
///
/// # Panics
/// If the shapes do not chain: W^{l+1} must be (rows of δ^{l+1}) × (rows of z^l)
/// and δ^{l+1}, z^l must have the same number of columns.
pub fn backprop_delta<F: Real>(
    w_next: &Array2<F>,
    delta_next: &Array2<F>,
    z: &Array2<F>,
    act: Activation,
) -> Matrix<F> {
    assert!(
        w_next.nrows() == delta_next.nrows()
            && w_next.ncols() == z.nrows()
            && delta_next.ncols() == z.ncols(),
        "fc::backprop_delta: W^(l+1) is {}×{}, δ^(l+1) is {}×{} and z^l is {}×{}; \
         need W^(l+1) to be (rows of δ^(l+1))×(rows of z^l) and equal column counts",
        w_next.nrows(),
        w_next.ncols(),
        delta_next.nrows(),
        delta_next.ncols(),
        z.nrows(),
        z.ncols()
    );
    let back = w_next.t().dot(delta_next);
    Matrix(act.backward(&back, z))
}
// ANCHOR_END: backprop_delta

// ANCHOR: weight_grad
/// The weight gradient, averaged over the batch:
/// ∂C/∂W = (1/N) Σ_n δ_n a_nᵀ = (1/N) δ aᵀ, with `a_prev` the layer's input.
///
/// # Panics
/// If δ and a have different column counts (N), or N is zero.
pub fn weight_grad<F: Real>(delta: &Array2<F>, a_prev: &Array2<F>) -> Matrix<F> {
    assert!(
        delta.ncols() == a_prev.ncols() && delta.ncols() > 0,
        "fc::weight_grad: δ is {}×{} but a is {}×{} (need the same, positive, number of columns)",
        delta.nrows(),
        delta.ncols(),
        a_prev.nrows(),
        a_prev.ncols()
    );
    let n = F::of(delta.ncols() as f64);
    let mut g = delta.dot(&a_prev.t());
    g.mapv_inplace(|v| v / n);
    Matrix(g)
}
// ANCHOR_END: weight_grad

// ANCHOR: bias_grad
/// The bias gradient, averaged over the batch: ∂C/∂b = (1/N) Σ_n δ_n, an
/// out × 1 column.
///
/// # Panics
/// If δ has no columns.
pub fn bias_grad<F: Real>(delta: &Array2<F>) -> Matrix<F> {
    assert!(
        delta.ncols() > 0,
        "fc::bias_grad: δ is {}×0 (an empty batch)",
        delta.nrows()
    );
    let n = F::of(delta.ncols() as f64);
    let mean = delta.sum_axis(Axis(1)).mapv(|s| s / n);
    Matrix(mean.insert_axis(Axis(1)))
}
// ANCHOR_END: bias_grad

// ANCHOR: sgd_step
/// Stochastic gradient descent in place: W ← W − η ∂C/∂W. Works for any
/// parameter matrix (weights or the bias column).
///
/// # Panics
/// If `w` and `grad` differ in shape.
pub fn sgd_step<F: Real>(w: &mut Array2<F>, grad: &Array2<F>, lr: F) {
    check_same("fc::sgd_step", w, "the parameter", grad, "its gradient");
    Zip::from(w).and(grad).for_each(|p, &g| *p = *p - lr * g);
}
// ANCHOR_END: sgd_step

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn forward_broadcasts_the_bias() {
        let w = array![[1.0, 2.0], [0.0, -1.0]];
        let a = array![[1.0, 0.0], [1.0, 2.0]];
        let b = array![[10.0], [20.0]];
        assert_eq!(forward(&w, &a, &b).0, array![[13.0, 14.0], [19.0, 18.0]]);
    }

    #[test]
    #[should_panic(expected = "W is 2×3 but a is 2×1")]
    fn forward_names_both_shapes() {
        let _ = forward(
            &Array2::<f64>::zeros((2, 3)),
            &Array2::zeros((2, 1)),
            &Array2::zeros((2, 1)),
        );
    }

    #[test]
    fn gradients_average_over_the_batch() {
        let delta = array![[1.0, 3.0]];
        let a = array![[2.0, 4.0]];
        assert_eq!(weight_grad(&delta, &a).0, array![[7.0]]); // (1·2 + 3·4)/2
        assert_eq!(bias_grad(&delta).0, array![[2.0]]);
        let mut w = array![[1.0_f64]];
        sgd_step(&mut w, &array![[7.0]], 0.1);
        assert!((w[[0, 0]] - 0.3).abs() < 1e-15);
    }
}
