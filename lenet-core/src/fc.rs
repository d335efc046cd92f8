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
//! A conv layer's N×C×H×W output enters as columns through [`flatten`], and
//! ∂C/∂a goes back through [`unflatten`].
//!
//! ```
//! use lenet_core::{activation::Activation, fc, loss};
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
//!
//! Everything but σ and σ′ only adds and multiplies, so [`forward`],
//! [`input_grad`], [`backprop_delta_given`], [`weight_grad`] and
//! [`bias_grad`] are generic over [`Element`]: the code that computes the
//! numbers also prints the formulas, from a [`Sym`] for every entry.
//!
//! ```
//! use lenet_core::{Sym, fc};
//! let w = Sym::matrix("w", 2, 2);
//! let delta = Sym::matrix("δ", 2, 1); // δ^{l+1}, one sample
//! let sigma_prime = Sym::matrix("σ′", 2, 1); // σ′(z^l)
//! let delta_l = fc::backprop_delta_given(&w, &delta, &sigma_prime);
//! assert_eq!(delta_l[(0, 0)].to_string(), "δ₁₁·σ′₁₁·w₁₁ + δ₂₁·σ′₁₁·w₂₁");
//! ```

use crate::activation::Activation;
use crate::element::{Element, Real};
use crate::matrix::Matrix;
use crate::symbolic::Sym;
use ndarray::{Array2, Array4, ArrayView2, Axis, LinalgScalar, Zip};
use std::any::Any;

fn check_same<T>(what: &str, x: &Array2<T>, x_name: &str, y: &Array2<T>, y_name: &str) {
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

/// A factor of [`product`] as stored or transposed.
#[derive(Clone, Copy)]
enum Side {
    AsIs,
    Transposed,
}

fn oriented<T>(m: &Array2<T>, side: Side) -> ArrayView2<'_, T> {
    match side {
        Side::AsIs => m.view(),
        Side::Transposed => m.t(),
    }
}

/// The matrix product (x y)_ij = Σ_k x_ik y_kj, either factor optionally
/// transposed (a view, not a copy). The caller has checked the shapes.
///
/// `f64` and `f32` go through ndarray's `dot`, a blocked, vectorised product:
/// the arithmetic fc used before it was generic, so trained weights do not
/// move by a bit. `dot` needs `Copy` entries, which a [`Sym`] is not, so any
/// other element goes through the sum of products written out.
fn product<T: Element + 'static>(x: &Array2<T>, x_side: Side, y: &Array2<T>, y_side: Side) -> Array2<T> {
    if let Some(xy) = numeric_product::<f64, T>(x, x_side, y, y_side) {
        return xy;
    }
    if let Some(xy) = numeric_product::<f32, T>(x, x_side, y, y_side) {
        return xy;
    }
    let (x, y) = (oriented(x, x_side), oriented(y, y_side));
    Array2::from_shape_fn((x.nrows(), y.ncols()), |(i, j)| {
        (0..x.ncols()).fold(T::zero(), |s, k| s + x[[i, k]].clone() * y[[k, j]].clone())
    })
}

/// `Some(x y)` by ndarray's `dot` if `T` is the number type `U`, else `None`
/// (the same test on the type that ndarray makes inside `dot`).
fn numeric_product<U: LinalgScalar, T: 'static>(
    x: &Array2<T>,
    x_side: Side,
    y: &Array2<T>,
    y_side: Side,
) -> Option<Array2<T>> {
    let x = (x as &dyn Any).downcast_ref::<Array2<U>>()?;
    let y = (y as &dyn Any).downcast_ref::<Array2<U>>()?;
    let xy: Box<dyn Any> = Box::new(oriented(x, x_side).dot(&oriented(y, y_side)));
    Some(*xy.downcast::<Array2<T>>().expect("T is U, tested above"))
}

/// What averaging over a batch of N samples needs of an entry: division by N.
///
/// Numbers ([`Real`]) divide. A [`Sym`] has integer coefficients, so it can
/// only be averaged over one sample: the formulas of a single sample, which
/// is what `lenet explain fc` prints.
pub trait BatchMean: Element + 'static {
    /// The entry divided by the batch size `n`.
    ///
    /// # Panics
    /// For a [`Sym`] with `n` other than 1.
    fn divided_by(self, n: usize) -> Self;
}

impl<F: Real> BatchMean for F {
    fn divided_by(self, n: usize) -> F {
        self / F::of(n as f64)
    }
}

impl BatchMean for Sym {
    fn divided_by(self, n: usize) -> Sym {
        assert!(
            n == 1,
            "fc: a Sym has integer coefficients and cannot be divided by the batch size N = {n}; \
             take one sample (δ and a with one column)"
        );
        self
    }
}

// ANCHOR: forward
/// The forward pass: z = W a + b, with `b` (out × 1) added to every column.
///
/// # Panics
/// If W's columns differ from a's rows, or b is not out × 1; the message
/// names the shapes.
pub fn forward<T: Element + 'static>(w: &Array2<T>, a: &Array2<T>, b: &Array2<T>) -> Matrix<T> {
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
    let mut z = product(w, Side::AsIs, a, Side::AsIs);
    // The out × 1 column b is broadcast over the N columns.
    Zip::from(&mut z).and_broadcast(b).for_each(|zi, bi| *zi = zi.clone() + bi.clone());
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
pub fn input_grad<T: Element + 'static>(w: &Array2<T>, delta: &Array2<T>) -> Matrix<T> {
    assert_eq!(
        w.nrows(),
        delta.nrows(),
        "fc::input_grad: W is {}×{} but δ is {}×{} (W's rows must equal δ's rows)",
        w.nrows(),
        w.ncols(),
        delta.nrows(),
        delta.ncols()
    );
    Matrix(product(w, Side::Transposed, delta, Side::AsIs))
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
    check_chain("fc::backprop_delta", w_next, delta_next, z, "z^l");
    backprop_delta_given(w_next, delta_next, &act.derivative(z))
}

/// The same step with σ′(z^l) given as a matrix, so that it runs on any
/// [`Element`]: on symbols σ′ᵢⱼ it prints the formula of every entry,
///
///   δ^l_jn = Σ_i w^{l+1}_ij δ^{l+1}_in σ′(z^l_jn).
///
/// # Panics
/// If the shapes do not chain: W^{l+1} must be (rows of δ^{l+1}) × (rows of
/// σ′(z^l)) and δ^{l+1}, σ′(z^l) must have the same number of columns.
pub fn backprop_delta_given<T: Element + 'static>(
    w_next: &Array2<T>,
    delta_next: &Array2<T>,
    sigma_prime: &Array2<T>,
) -> Matrix<T> {
    check_chain("fc::backprop_delta_given", w_next, delta_next, sigma_prime, "σ′(z^l)");
    let mut delta = input_grad(w_next, delta_next).0;
    Zip::from(&mut delta).and(sigma_prime).for_each(|d, s| *d = d.clone() * s.clone());
    Matrix(delta)
}
// ANCHOR_END: backprop_delta

/// Panics unless W^{l+1}, δ^{l+1} and z^l (or σ′(z^l)) chain.
fn check_chain<T>(what: &str, w_next: &Array2<T>, delta_next: &Array2<T>, z: &Array2<T>, z_name: &str) {
    assert!(
        w_next.nrows() == delta_next.nrows() && w_next.ncols() == z.nrows() && delta_next.ncols() == z.ncols(),
        "{what}: W^(l+1) is {}×{}, δ^(l+1) is {}×{} and {z_name} is {}×{}; \
         need W^(l+1) to be (rows of δ^(l+1))×(rows of {z_name}) and equal column counts",
        w_next.nrows(),
        w_next.ncols(),
        delta_next.nrows(),
        delta_next.ncols(),
        z.nrows(),
        z.ncols()
    );
}

// ANCHOR: weight_grad
/// The weight gradient, averaged over the batch:
/// ∂C/∂W = (1/N) Σ_n δ_n a_nᵀ = (1/N) δ aᵀ, with `a_prev` the layer's input.
///
/// # Panics
/// If δ and a have different column counts (N), or N is zero; for a [`Sym`],
/// if N is not 1 (see [`BatchMean`]).
pub fn weight_grad<T: BatchMean>(delta: &Array2<T>, a_prev: &Array2<T>) -> Matrix<T> {
    assert!(
        delta.ncols() == a_prev.ncols() && delta.ncols() > 0,
        "fc::weight_grad: δ is {}×{} but a is {}×{} (need the same, positive, number of columns)",
        delta.nrows(),
        delta.ncols(),
        a_prev.nrows(),
        a_prev.ncols()
    );
    let n = delta.ncols();
    let g = product(delta, Side::AsIs, a_prev, Side::Transposed);
    Matrix(g.mapv(|v| v.divided_by(n)))
}
// ANCHOR_END: weight_grad

// ANCHOR: bias_grad
/// The bias gradient, averaged over the batch: ∂C/∂b = (1/N) Σ_n δ_n, an
/// out × 1 column.
///
/// # Panics
/// If δ has no columns; for a [`Sym`], if it has more than one (see
/// [`BatchMean`]).
pub fn bias_grad<T: BatchMean>(delta: &Array2<T>) -> Matrix<T> {
    assert!(delta.ncols() > 0, "fc::bias_grad: δ is {}×0 (an empty batch)", delta.nrows());
    let n = delta.ncols();
    let mean = delta.sum_axis(Axis(1)).mapv(|s| s.divided_by(n));
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

// ANCHOR: flatten
/// A batch of N conv outputs, N×C×H×W, as the (C·H·W) × N columns an fc
/// layer takes: sample n's C×H×W block, read in NCHW order (channel, then
/// row, then column), becomes column n. Counting from 1, entry (c, i, j)
/// lands in row (c−1)·H·W + (i−1)·W + j. This is the transpose of x
/// reshaped to N × (C·H·W), PyTorch's `x.reshape(N, -1)`.
pub fn flatten<T: Clone>(x: &Array4<T>) -> Array2<T> {
    let (n, c, h, w) = x.dim();
    let rows = x.to_shape((n, c * h * w)).expect("N×C×H×W has N·C·H·W entries");
    rows.t().to_owned()
}
// ANCHOR_END: flatten

// ANCHOR: unflatten
/// The inverse of [`flatten`]: (C·H·W) × N columns back to N×C×H×W, with
/// (C, H, W) given as `chw`. A gradient flows back through a reshape
/// unchanged, entry for entry, so ∂C/∂a of the flattened columns becomes
/// ∂C/∂a of the conv output this way.
///
/// # Panics
/// If the columns do not have C·H·W rows; the message names both shapes.
pub fn unflatten<T: Clone>(cols: &Array2<T>, chw: (usize, usize, usize)) -> Array4<T> {
    let (c, h, w) = chw;
    assert_eq!(
        cols.nrows(),
        c * h * w,
        "fc::unflatten: the columns are {}×{} but C×H×W = {c}×{h}×{w} needs {} rows",
        cols.nrows(),
        cols.ncols(),
        c * h * w
    );
    cols.t()
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((cols.ncols(), c, h, w))
        .expect("C·H·W rows, checked above")
}
// ANCHOR_END: unflatten

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
        let _ = forward(&Array2::<f64>::zeros((2, 3)), &Array2::zeros((2, 1)), &Array2::zeros((2, 1)));
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

    #[test]
    fn the_product_is_the_same_for_numbers_and_for_any_element() {
        // Integers take the written-out sum of products, f64 ndarray's dot;
        // each factor stored as is or transposed gives the same x y.
        let x = array![[1_i64, -2, 3], [4, 5, -6]];
        let y = array![[7_i64, 8], [-9, 10], [11, 12]];
        let xy = array![[58_i64, 24], [-83, 10]];
        let stored = |m: &Array2<i64>, side| match side {
            Side::AsIs => m.clone(),
            Side::Transposed => m.t().to_owned(),
        };
        let as_f64 = |m: &Array2<i64>| m.mapv(|v| v as f64);
        for xs in [Side::AsIs, Side::Transposed] {
            for ys in [Side::AsIs, Side::Transposed] {
                let (sx, sy) = (stored(&x, xs), stored(&y, ys));
                assert_eq!(product(&sx, xs, &sy, ys), xy);
                assert_eq!(product(&as_f64(&sx), xs, &as_f64(&sy), ys), as_f64(&xy));
            }
        }
    }

    #[test]
    fn flatten_puts_each_sample_in_a_column_in_nchw_order() {
        // 2 samples × 2 channels × 1 × 2: entry value = 1000n + 100c + 10i + j.
        let x = Array4::from_shape_fn((2, 2, 1, 2), |(n, c, i, j)| 1000 * n + 100 * c + 10 * i + j);
        let cols = flatten(&x);
        assert_eq!(cols, array![[0, 1000], [1, 1001], [100, 1100], [101, 1101]]);
        assert_eq!(unflatten(&cols, (2, 1, 2)), x);
    }

    #[test]
    #[should_panic(expected = "the columns are 4×2 but C×H×W = 3×1×1 needs 3 rows")]
    fn unflatten_names_both_shapes() {
        let _ = unflatten(&Array2::<f64>::zeros((4, 2)), (3, 1, 1));
    }
}
