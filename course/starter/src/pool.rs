//! Pooling layers on N × C × H × W batches. A `size × size` window (k × k)
//! slides over every plane with step `stride` (s); output entry y_ij
//! summarises the window whose top-left corner is ((i−1)s + 1, (j−1)s + 1).
//! Pooling has no parameters: its backward pass only sends ∂C/∂y back to the
//! inputs that produced each y. Book: chapter "Pooling and ReLU".

use lenet::ndarray::Array4;
use lenet::pool::Argmax;

/// **Exercise `mean_pool_backward`.** The backward pass of mean pooling,
/// whose forward pass (`lenet::pool::mean_forward`) is
///
/// ```text
/// y_ij = (1/k²) Σ_{p=1..k} Σ_{q=1..k} x_{(i−1)s+p, (j−1)s+q}
/// ```
///
/// `dy` is ∂C/∂y (N × C × H′ × W′), `input_shape` is (N, C, H, W) of x,
/// `size` is k and `stride` is s; any k and s whose windows tile the input,
/// including s < k, where windows overlap. Returns ∂C/∂x, shaped like x.
pub fn mean_pool_backward(
    dy: &Array4<f64>,
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
/// y_ij = max_{p,q} x_{(i−1)s+p, (j−1)s+q}
/// ```
///
/// and records in `argmax` where each maximum was: `argmax.input_shape` is
/// (N, C, H, W) of x and `argmax.position(n, c, i, j)` the (row, col) of the
/// maximum of output entry (n, c, i, j) in its input plane (Rust indices,
/// from 0). `dy` is ∂C/∂y, shaped like the output. Windows may overlap.
/// Returns ∂C/∂x, shaped like x.
pub fn max_pool_backward(dy: &Array4<f64>, argmax: &Argmax) -> Array4<f64> {
    todo!("max_pool_backward")
}
