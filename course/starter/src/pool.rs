//! Pooling layers on N × C × H × W batches. A `size × size` window (r × r)
//! slides over every plane with step `stride` (s); output entry a_ij
//! summarises the window whose top-left corner is ((i−1)s + 1, (j−1)s + 1).
//! Pooling has no parameters: its backward pass only sends ∂C/∂a back to the
//! inputs that produced each a. Book: chapter "Pooling and ReLU".

use lenet::ndarray::Array4;
use lenet::pool::Argmax;

/// **Exercise `mean_pool_backward`.** The backward pass of mean pooling,
/// whose forward pass (`lenet::pool::mean_forward`) is
///
/// ```text
/// a_ij = (1/r²) Σ_{u=1..r} Σ_{v=1..r} x_{(i−1)s+u, (j−1)s+v}
/// ```
///
/// `da` is ∂C/∂a (N × C × H′ × W′), `input_shape` is (N, C, H, W) of x,
/// `size` is r and `stride` is s; any r and s whose windows tile the input,
/// including s < r, where windows overlap. Returns ∂C/∂x, shaped like x.
pub fn mean_pool_backward(
    da: &Array4<f64>,
    input_shape: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
) -> Array4<f64> {
    todo!("mean_pool_backward")
}

/// **Exercise `max_pool_backward`.** The backward pass of max pooling,
/// whose forward pass (`lenet::pool::max_forward`) is
///
/// ```text
/// a_ij = max_{u,v} x_{(i−1)s+u, (j−1)s+v}
/// ```
///
/// and records in `argmax` where each maximum was: `argmax.input_shape` is
/// (N, C, H, W) of x and `argmax.position(n, c, i, j)` the (row, col) of the
/// maximum of output entry (n, c, i, j) in its input plane (Rust indices,
/// from 0). `da` is ∂C/∂a, shaped like the output. Windows may overlap.
/// Returns ∂C/∂x, shaped like x.
pub fn max_pool_backward(da: &Array4<f64>, argmax: &Argmax) -> Array4<f64> {
    todo!("max_pool_backward")
}
