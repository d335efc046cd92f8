//! ReLU's mistakes: the gate left out, or applied to the gradient.

use super::compare::one;
use super::{Mistake, Variant};
use crate::activation::Activation;
use ndarray::Array4;

/// ∂C/∂a passed through ReLU unchanged.
pub const RELU_GATE_MISSING: Mistake = Mistake {
    name: "σ′ missing",
    explanation: "∂C/∂a came back unchanged; δ = ∂C/∂a ⊙ σ′(z) keeps it where z > 0 and is 0 where ReLU is flat.",
    erratum: None,
    book: "pooling-relu.html#relus-gate",
};

/// relu(∂C/∂a).
pub const RELU_OF_GRADIENT: Mistake = Mistake {
    name: "ReLU applied to the gradient",
    explanation: "The gate depends on z, not on the gradient: δ = ∂C/∂a where z > 0 and 0 elsewhere, \
                  whatever the sign of ∂C/∂a.",
    erratum: None,
    book: "pooling-relu.html#relus-gate",
};

/// ReLU backward without the gate, or with the gate on the gradient.
pub(crate) fn relu_backward(da: &Array4<f64>) -> Vec<Variant> {
    vec![(RELU_GATE_MISSING, one(da.clone())), (RELU_OF_GRADIENT, one(Activation::Relu.apply(da)))]
}
