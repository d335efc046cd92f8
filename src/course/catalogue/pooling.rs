//! Pooling's mistakes: the window's area left out, and assignment where
//! overlapping windows must accumulate.

use super::compare::{Output, one};
use super::{Mistake, Variant, scaled};
use crate::errata;
use crate::pool::Argmax;
use ndarray::{Array4, s};

/// ∂C/∂a spread without the 1/r².
pub const MEAN_NOT_DIVIDED: Mistake = Mistake {
    name: "not divided by the window area",
    explanation: "Each of a window's r² inputs moves the mean by 1/r² of its own change, \
                  so each receives ∂C/∂a / r², not ∂C/∂a.",
    erratum: None,
    book: "pooling-relu.html#mean-pooling-spreads-the-gradient-evenly",
};

/// `dx[window] = …` instead of `+=`.
pub const ASSIGNED_NOT_ACCUMULATED: Mistake = Mistake {
    name: "assignment instead of accumulation",
    explanation: "Where windows overlap an input belongs to several of them and receives the sum of what each \
                  sends it (+=); assignment (=) keeps only the last window's share.",
    erratum: Some(15),
    book: "pooling-relu.html#overlapping-windows",
};

/// Mean-pool backward without the 1/r², and assigning window by window.
pub(crate) fn mean_pool_backward(
    dy: &Array4<f64>,
    input_shape: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
    reference: &Output,
) -> Vec<Variant> {
    let area = (size * size) as f64;
    let mut assigned = Array4::zeros(input_shape);
    for ((n, c, i, j), &g) in dy.indexed_iter() {
        let (r, q) = (i * stride, j * stride);
        assigned.slice_mut(s![n, c, r..r + size, q..q + size]).fill(g / area);
    }
    vec![(MEAN_NOT_DIVIDED, scaled(reference, area)), (ASSIGNED_NOT_ACCUMULATED, one(assigned))]
}

/// Max-pool backward assigning instead of accumulating (erratum 15).
pub(crate) fn max_pool_backward(dy: &Array4<f64>, argmax: &Argmax) -> Vec<Variant> {
    vec![(ASSIGNED_NOT_ACCUMULATED, one(errata::max_backward_assigning(dy, argmax)))]
}
