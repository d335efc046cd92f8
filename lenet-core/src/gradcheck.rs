//! Checking an analytic gradient against central finite differences.

use ndarray::{Array, ArrayBase, Data, Dimension};

// ANCHOR: numerical_grad
/// The numerical gradient of a scalar function `f` at `x` by central
/// differences: ∂f/∂xᵢ ≈ (f(x + h eᵢ) − f(x − h eᵢ)) / 2h.
///
/// The error is O(h²) from truncation plus about ε·|f|/h from rounding, so
/// the step is a trade: 1e-5 suits smooth functions in f64; for a function
/// that is linear in `x` (a convolution in its input, say) truncation is
/// zero and a larger step shrinks the rounding error.
/// Every entry of `x` is restored, so `x` is unchanged on return.
pub fn numerical_grad<D: Dimension>(
    x: &mut Array<f64, D>,
    h: f64,
    mut f: impl FnMut(&Array<f64, D>) -> f64,
) -> Array<f64, D> {
    // `map` keeps the memory layout of a contiguous array, so entry k in
    // memory order of `x` is entry k of `grad`.
    let mut grad = x.map(|_| 0.0);
    let n = x.len();
    for k in 0..n {
        let orig = slice(x)[k];
        slice(x)[k] = orig + h;
        let plus = f(x);
        slice(x)[k] = orig - h;
        let minus = f(x);
        slice(x)[k] = orig;
        slice(&mut grad)[k] = (plus - minus) / (2.0 * h);
    }
    grad
}
// ANCHOR_END: numerical_grad

fn slice<D: Dimension>(a: &mut Array<f64, D>) -> &mut [f64] {
    a.as_slice_memory_order_mut().expect("an owned array is contiguous")
}

// ANCHOR: rel_error
/// The relative error of two arrays of equal shape, entry by entry and
/// maximised: max over i of |xᵢ − yᵢ| / max(1e-8, |xᵢ| + |yᵢ|).
///
/// # Panics
/// If the shapes differ; the message names both.
pub fn rel_error<S1, S2, D>(x: &ArrayBase<S1, D>, y: &ArrayBase<S2, D>) -> f64
where
    S1: Data<Elem = f64>,
    S2: Data<Elem = f64>,
    D: Dimension,
{
    assert_eq!(x.shape(), y.shape(), "rel_error: shapes differ: {:?} vs {:?}", x.shape(), y.shape());
    x.iter().zip(y.iter()).map(|(a, b)| (a - b).abs() / (a.abs() + b.abs()).max(1e-8)).fold(0.0, f64::max)
}
// ANCHOR_END: rel_error
