//! Activation functions applied entry by entry: a = σ(z). Book: chapter
//! "Pooling and ReLU".

use lenet::ndarray::Array4;

/// **Exercise `relu_backward`.** The backward pass of a = ReLU(z) = max(0, z),
/// entry by entry:
///
/// ```text
/// δ = ∂C/∂z    given    ∂C/∂a
/// ```
///
/// `grad_a` is ∂C/∂a and `z` the pre-activation, both N × C × H × W. Take
/// ReLU′(0) = 0. Returns δ, shaped like z.
pub fn relu_backward(grad_a: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    todo!("relu_backward")
}
