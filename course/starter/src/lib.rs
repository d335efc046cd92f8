//! # Backpropagation homework
//!
//! One function per exercise. Each stub states what to compute in the book's
//! notation and ends in `todo!()`; replace that with your answer, then run
//! `lenet course check` (or `cargo test --release`) to see whether it is
//! right, and if not, what went wrong.
//!
//! The notation is the book's:
//!
//! - indices count from 1 in the formulas (a₁₁ is the top-left entry); Rust's
//!   array indices are one less, so `a[[0, 0]]` is a₁₁;
//! - z = W a + b is a layer's pre-activation, a = σ(z) its output, σ′ the
//!   derivative of σ, ⊙ the entry-wise product, ᵀ the transpose;
//! - **δ always means ∂C/∂z**; a gradient with respect to anything else is
//!   written out (∂C/∂a for any layer's output, pooling's too, ∂C/∂W);
//! - a batch of N samples is one sample per column (fully connected layers)
//!   or an N × channels × H × W array (images). **δ is per sample; parameter
//!   gradients are averaged over the batch** (the gradient of the mean loss).
//!
//! | file | exercises |
//! |---|---|
//! | `src/fc.rs` | `fc_forward`, `fc_backprop_delta`, `fc_weight_grad`, `fc_bias_grad` |
//! | `src/conv.rs` | `correlate_valid`, `full_convolve`, `kernel_grad`, `bias_grad`, `conv_backward`, `conv_backward_strided` |
//! | `src/pool.rs` | `mean_pool_backward`, `max_pool_backward` |
//! | `src/activation.rs` | `relu_backward` |
//! | `src/loss.rs` | `softmax_cross_entropy_grad` |
//! | `src/network.rs` | `lenet_backward`, assembled from your own functions |
//!
//! You may use the forward passes (`lenet::conv::forward`, `forward_strided`
//! and its `Geometry`, `lenet::pool::mean_forward` and `max_forward`),
//! `Activation::apply`, `derivative`, `value` and `prime`, `Argmax`, `Params`
//! and ndarray (`dot`, `t()`, slicing). `lenet course check` builds your `src/` against a lenet
//! that has only these: an answer that calls one of lenet's backward
//! functions builds here but fails to build there.

// The stubs do not use their parameters yet. Delete this line once every
// exercise is filled in: an unused parameter is often the mistake itself (a δ
// recursion that never reads z has forgotten σ′).
#![allow(unused_variables)]

pub mod activation;
pub mod conv;
pub mod fc;
pub mod loss;
pub mod network;
pub mod pool;

/// Your functions, in the form the checker takes them. Leave this as it is.
pub fn answers() -> lenet::course::Answers {
    lenet::course::Answers {
        fc_forward: fc::fc_forward,
        fc_backprop_delta: fc::fc_backprop_delta,
        fc_weight_grad: fc::fc_weight_grad,
        fc_bias_grad: fc::fc_bias_grad,
        correlate_valid: conv::correlate_valid,
        full_convolve: conv::full_convolve,
        kernel_grad: conv::kernel_grad,
        bias_grad: conv::bias_grad,
        conv_backward: conv::conv_backward,
        conv_backward_strided: conv::conv_backward_strided,
        mean_pool_backward: pool::mean_pool_backward,
        max_pool_backward: pool::max_pool_backward,
        relu_backward: activation::relu_backward,
        softmax_cross_entropy_grad: loss::softmax_cross_entropy_grad,
        lenet_backward: network::lenet_backward,
    }
}
