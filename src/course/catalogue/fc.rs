//! The fully connected layer's mistakes: the bias left out, σ′ missing,
//! misplaced or replaced by σ, a transpose missing.

use super::compare::one;
use super::{BATCH_SUMMED, Mistake, Variant};
use crate::activation::Activation;
use ndarray::{Array2, Axis};

// ANCHOR: first
/// z = W a, no bias.
pub const BIAS_MISSING: Mistake = Mistake {
    name: "bias missing",
    explanation: "This is W a; the layer computes z = W a + b, with the column b added to every sample \
                  (the notes' repository leaves all biases out too).",
    erratum: Some(16),
    book: "fully-connected.html#the-forward-pass",
};

// ANCHOR_END: first

/// Wᵀδ without σ′(z).
pub const SIGMA_PRIME_MISSING: Mistake = Mistake {
    name: "σ′ missing",
    explanation: "This is (W^(l+1))ᵀ δ^(l+1) = ∂C/∂a^l; δ^l = ∂C/∂z^l must still pass back through \
                  a^l = σ(z^l), i.e. be multiplied by σ′(z^l) entry by entry.",
    erratum: None,
    book: "fully-connected.html#the-δ-recursion",
};

/// Wᵀδ ⊙ σ(z).
pub const SIGMA_NOT_PRIME: Mistake = Mistake {
    name: "σ instead of σ′",
    explanation: "The chain rule through a^l = σ(z^l) multiplies by the derivative σ′(z^l), not by σ(z^l) itself.",
    erratum: None,
    book: "fully-connected.html#the-δ-recursion",
};

/// W δ instead of Wᵀ δ.
pub const TRANSPOSE_MISSING: Mistake = Mistake {
    name: "transpose missing",
    explanation: "W^(l+1) δ^(l+1) sends the error forward along the weights; going back each input \
                  collects from the outputs it fed, which is (W^(l+1))ᵀ δ^(l+1).",
    erratum: None,
    book: "fully-connected.html#the-δ-recursion",
};

/// Wᵀ (δ ⊙ σ′(z)).
pub const SIGMA_PRIME_WRONG_LAYER: Mistake = Mistake {
    name: "σ′ on the wrong layer",
    explanation: "σ′(z^l) belongs to layer l: it multiplies (W^(l+1))ᵀ δ^(l+1) after the transpose, \
                  not δ^(l+1) of the layer above before it (the notes' erratum 1 takes σ′ at the wrong layer too).",
    erratum: Some(1),
    book: "fully-connected.html#the-δ-recursion",
};

/// a δᵀ instead of δ aᵀ.
pub const WEIGHT_GRAD_TRANSPOSED: Mistake = Mistake {
    name: "transpose missing",
    explanation: "This is (δ aᵀ)ᵀ = a δᵀ, in × out; ∂C/∂W = (1/N) δ aᵀ has W's shape, out × in \
                  (the notes' weight update drops a transpose in the same product).",
    erratum: Some(11),
    book: "fully-connected.html#the-parameter-gradients",
};

/// fc forward: W a without the bias.
pub(crate) fn fc_forward(w: &Array2<f64>, a: &Array2<f64>) -> Vec<Variant> {
    vec![(BIAS_MISSING, one(w.dot(a)))]
}

/// The δ recursion's mistakes; the two that need W square only then.
pub(crate) fn fc_backprop_delta(
    w: &Array2<f64>,
    delta: &Array2<f64>,
    z: &Array2<f64>,
    act: Activation,
) -> Vec<Variant> {
    let back = w.t().dot(delta);
    let mut v = vec![(SIGMA_PRIME_MISSING, one(back.clone())), (SIGMA_NOT_PRIME, one(&back * &act.apply(z)))];
    if w.is_square() {
        v.push((TRANSPOSE_MISSING, one(act.backward(&w.dot(delta), z))));
        v.push((SIGMA_PRIME_WRONG_LAYER, one(w.t().dot(&act.backward(delta, z)))));
    }
    v
}

/// ∂C/∂W summed over the batch, or transposed.
pub(crate) fn fc_weight_grad(delta: &Array2<f64>, a: &Array2<f64>) -> Vec<Variant> {
    let n = delta.ncols() as f64;
    vec![(BATCH_SUMMED, one(delta.dot(&a.t()))), (WEIGHT_GRAD_TRANSPOSED, one(a.dot(&delta.t()) / n))]
}

/// ∂C/∂b summed over the batch.
pub(crate) fn fc_bias_grad(delta: &Array2<f64>) -> Vec<Variant> {
    vec![(BATCH_SUMMED, one(delta.sum_axis(Axis(1)).insert_axis(Axis(1))))]
}
