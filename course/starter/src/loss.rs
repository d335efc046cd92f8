//! The cost at the output of a classifier. Book: chapters "Fully connected
//! layers" and "LeNet by hand".

use lenet::ndarray::Array2;

/// **Exercise `softmax_cross_entropy_grad`.** The gradient of softmax
/// cross-entropy with respect to the logits. For sample n with logits z_n
/// (one column) and label y_n:
///
/// ```text
/// p_n = softmax(z_n),   p_in = e^{z_in} / Σ_j e^{z_jn}
/// C_n = −ln p_{y_n, n}
/// δ_n = ∂C_n/∂z_n = ?
/// ```
///
/// `logits` is classes × N (one column per sample, the raw outputs of the last
/// layer, before any activation), `labels` holds one class per column
/// (counted from 0, as Rust does). Returns δ, classes × N, per sample (no 1/N).
/// Keep it finite for large logits.
pub fn softmax_cross_entropy_grad(logits: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    todo!("softmax_cross_entropy_grad")
}
