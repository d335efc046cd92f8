//! The whole network. Book: chapter "LeNet by hand".

use lenet::model::Params;
use lenet::ndarray::Array4;

/// **Exercise `lenet_backward`.** LeNet-5's whole backward pass, assembled
/// from **your own functions** of the other files: it passes only when every
/// piece it uses is right, and it is checked against `LeNet::trace` (the
/// book's readable network) with ReLU and max pooling (`Arch::modern()`).
///
/// The network, per sample (`x` is N × 1 × 28 × 28, `labels` one class per
/// sample, from 0):
///
/// | layer | forward | output |
/// |---|---|---|
/// | conv1 | 6 kernels 1×5×5 (`conv1_w`, `conv1_b`), padding 2, then ReLU | 6×28×28 |
/// | pool1 | max, 2×2, stride 2 | 6×14×14 |
/// | conv2 | 16 kernels 6×5×5 (`conv2_w`, `conv2_b`), no padding, then ReLU | 16×10×10 |
/// | pool2 | max, 2×2, stride 2 | 16×5×5 |
/// | flatten | one column per sample, entry c·25 + i·5 + j (from 0) | 400 |
/// | fc1 | W 120×400 (`fc1_w`, `fc1_b`), then ReLU | 120 |
/// | fc2 | W 84×120, then ReLU | 84 |
/// | fc3 | W 10×84: the logits, no activation | 10 |
///
/// and C is the mean over the batch of the softmax cross-entropy of the
/// logits. Returns ∂C/∂θ for every parameter θ of `params`, each shaped like
/// θ (biases are vectors here, where your `fc_bias_grad` gives a column):
/// the gradients of the mean loss.
///
/// For the forward pass use lenet's (`lenet::conv::forward`,
/// `lenet::pool::max_forward`, `Activation::Relu.apply`) or your
/// `fc_forward`; keep what the backward pass needs. For the backward pass
/// use your functions: `softmax_cross_entropy_grad`, `fc_backprop_delta`,
/// `fc_weight_grad`, `fc_bias_grad`, `max_pool_backward`, `relu_backward`,
/// `conv_backward`, and ndarray for the rest (Wᵀ is `w.t()`, reshaping is
/// `into_shape_with_order`). Where the δ recursion meets a layer with no
/// activation of its own, think about which factor is missing.
pub fn lenet_backward(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    todo!("lenet_backward")
}
