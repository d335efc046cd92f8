//! The softmax cross-entropy's mistakes: the notes' δ, δ divided by N,
//! ReLU on the logits.

use super::compare::one;
use super::{Mistake, Variant};
use crate::activation::Activation;
use crate::errata;
use ndarray::Array2;

/// (y − p)/N.
pub const NOTES_SOFTMAX_DELTA: Mistake = Mistake {
    name: "the notes' δ, (y − p)/N",
    explanation: "δ_n = ∂C_n/∂z_n = p_n − y_n per sample; the notes flip its sign and fold the batch's 1/N into it, \
                  which belongs in the parameter gradients.",
    erratum: Some(11),
    book: "errata.html#in-the-code",
};

/// (p − y)/N.
pub const DELTA_AVERAGED: Mistake = Mistake {
    name: "δ divided by N",
    explanation: "δ is per sample, p − y with no 1/N: the 1/N of the mean loss enters once, in the parameter gradients.",
    erratum: Some(11),
    book: "errata.html#in-the-code",
};

/// softmax(relu(z)) − y.
pub const RELU_ON_LOGITS: Mistake = Mistake {
    name: "ReLU on the logits",
    explanation: "The softmax takes the logits as they are; with ReLU in front every negative logit becomes 0 \
                  and gets no gradient (the notes' repository does this).",
    erratum: Some(16),
    book: "errata.html#in-the-code",
};

/// The softmax cross-entropy gradient as the notes and their repository have it.
pub(crate) fn softmax_cross_entropy_grad(logits: &Array2<f64>, labels: &[usize]) -> Vec<Variant> {
    let n = logits.ncols() as f64;
    let mut y = Array2::zeros(logits.raw_dim());
    for (k, &l) in labels.iter().enumerate() {
        y[[l, k]] = 1.0;
    }
    let p = crate::loss::softmax(logits);
    let relu = Activation::Relu;
    let p_relu = crate::loss::softmax(&relu.apply(logits));
    vec![
        (NOTES_SOFTMAX_DELTA, one(errata::softmax_delta_as_written(&p, &y))),
        (DELTA_AVERAGED, one((&p - &y) / n)),
        (RELU_ON_LOGITS, one(&p_relu - &y)),
        // The repository's version also gates δ by ReLU's derivative.
        (RELU_ON_LOGITS, one(relu.backward(&(&p_relu - &y), logits))),
    ]
}
