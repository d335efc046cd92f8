//! Fully connected layers, one column per sample: layer l maps a^{l−1}
//! (in × N) to z^l = W^l a^{l−1} + b^l (out × N) and a^l = σ(z^l), with W^l
//! out × in and b^l out × 1. Book: chapter "Fully connected layers".

use lenet::activation::Activation;
use lenet::ndarray::Array2;

/// **Exercise `fc_forward`.** The forward pass of a fully connected layer:
///
/// ```text
/// z = W a + b,    z_in = Σ_j W_ij a_jn + b_i
/// ```
///
/// `w` is out × in, `a` is in × N (one column per sample), `b` is out × 1 and
/// is added to every column. Returns z, out × N.
pub fn fc_forward(w: &Array2<f64>, a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    todo!("fc_forward")
}

/// **Exercise `fc_backprop_delta`.** One step of the δ recursion, from layer
/// l+1 back to layer l:
///
/// ```text
/// δ^l = ∂C/∂z^l    given    δ^{l+1} = ∂C/∂z^{l+1},  z^{l+1} = W^{l+1} σ(z^l) + b^{l+1}
/// ```
///
/// `w_next` is W^{l+1} (out × in), `delta_next` is δ^{l+1} (out × N), `z` is
/// z^l (in × N) and `act` is the σ of layer l (`act.derivative(z)` gives
/// σ′(z) entry by entry). Returns δ^l, in × N, per sample (no 1/N).
pub fn fc_backprop_delta(
    w_next: &Array2<f64>,
    delta_next: &Array2<f64>,
    z: &Array2<f64>,
    act: Activation,
) -> Array2<f64> {
    todo!("fc_backprop_delta")
}

/// **Exercise `fc_weight_grad`.** The weight gradient ∂C/∂W of a layer
/// z = W a + b, where C is the mean of the N per-sample costs:
///
/// ```text
/// ∂C/∂W_ij = ?     in terms of δ (out × N, per sample) and a (in × N)
/// ```
///
/// `delta` is the layer's δ, `a_prev` its input a^{l−1}. Returns an out × in
/// matrix, shaped like W, averaged over the batch.
pub fn fc_weight_grad(delta: &Array2<f64>, a_prev: &Array2<f64>) -> Array2<f64> {
    todo!("fc_weight_grad")
}

/// **Exercise `fc_bias_grad`.** The bias gradient ∂C/∂b of a layer
/// z = W a + b, where C is the mean of the N per-sample costs. `delta` is
/// the layer's δ (out × N, per sample). Returns an out × 1 column, shaped
/// like b, averaged over the batch.
pub fn fc_bias_grad(delta: &Array2<f64>) -> Array2<f64> {
    todo!("fc_bias_grad")
}
