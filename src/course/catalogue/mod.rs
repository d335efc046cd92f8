//! The catalogue of known mistakes: each one a name, one sentence, the
//! erratum of the notes that makes it (if any), a section of the book, and
//! a function that computes the wrong answer on the check's own inputs.
//!
//! A wrong answer that equals one of these variants (relative error below
//! 10⁻⁷, with the variant's shape) is diagnosed by the variant's name. The
//! variants reuse [`crate::errata`] where the notes' wrong version exists
//! as code. One file per layer (`fc`, `conv`, `pooling`, `relu`, `softmax`,
//! `lenet`) holds its mistakes and the exercises' variant functions; this
//! one the [`Mistake`] type, the mistakes several layers share and the
//! [`CATALOGUE`]. To add a mistake: add a [`Mistake`] constant in the
//! layer's file (re-exported here), a row to [`CATALOGUE`], a line to the
//! exercise's variant function, and a test in `tests/course/mistakes/` that
//! implements the mistake and is diagnosed.
//!
//! Every gradient exercise is also compared with [`SIGN_FLIPPED`], the
//! reference negated, which needs no function of its own.

use super::compare::{self, Output, Tensor};
use super::report::Diagnosis;

mod conv;
mod fc;
mod lenet;
mod pooling;
mod relu;
mod softmax;
pub use conv::{
    BIAS_AVERAGED, CONVOLUTION_NOT_CORRELATION, KERNEL_GRAD_FLIPPED, KERNEL_GRAD_TURNED, NO_ZERO_PADDING,
    PADDING_NOT_CROPPED, ROT180_MISSING, STRIDE_IGNORED, UNREAD_NOT_FILLED,
};
pub(crate) use conv::{
    bias_grad, conv_backward, conv_backward_strided, correlate_valid_variants, full_convolve, kernel_grad,
};
pub use fc::{
    BIAS_MISSING, SIGMA_NOT_PRIME, SIGMA_PRIME_MISSING, SIGMA_PRIME_WRONG_LAYER, TRANSPOSE_MISSING,
    WEIGHT_GRAD_TRANSPOSED,
};
pub(crate) use fc::{fc_backprop_delta, fc_bias_grad, fc_forward, fc_weight_grad};
pub use lenet::MEAN_POOLING_IN_LENET;
pub(crate) use lenet::lenet_backward;
pub use pooling::{ASSIGNED_NOT_ACCUMULATED, MEAN_NOT_DIVIDED};
pub(crate) use pooling::{max_pool_backward, mean_pool_backward};
pub(crate) use relu::relu_backward;
pub use relu::{RELU_GATE_MISSING, RELU_OF_GRADIENT};
pub(crate) use softmax::softmax_cross_entropy_grad;
pub use softmax::{DELTA_AVERAGED, NOTES_SOFTMAX_DELTA, RELU_ON_LOGITS};

// ANCHOR: mistakes
/// A known mistake, as the catalogue states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mistake {
    /// Its short name, which the report shows.
    pub name: &'static str,
    /// One sentence: what was computed instead, and what is right.
    pub explanation: &'static str,
    /// The notes' erratum with the same mistake, numbered as in the book's appendix.
    pub erratum: Option<u32>,
    /// The book section that explains the right version, relative to the built book.
    pub book: &'static str,
}

impl Mistake {
    /// The mistake as a report's diagnosis.
    pub fn diagnosis(&self) -> Diagnosis {
        Diagnosis {
            name: self.name.to_string(),
            explanation: self.explanation.to_string(),
            erratum: self.erratum,
            book: self.book.to_string(),
        }
    }
}

// ANCHOR_END: mistakes

/// −∂C/∂·.
pub const SIGN_FLIPPED: Mistake = Mistake {
    name: "sign flipped",
    explanation: "Every entry has the opposite sign: this is the negative gradient, the direction in which \
                  the loss grows fastest (the notes' δ of erratum 11 has this sign).",
    erratum: Some(11),
    book: "errata.html#in-the-code",
};

/// Σ_n instead of (1/N) Σ_n.
pub const BATCH_SUMMED: Mistake = Mistake {
    name: "batch summed instead of averaged",
    explanation: "The gradient of the mean loss is the sum over the N samples divided by N; this is N times too large.",
    erratum: None,
    book: "fully-connected.html#the-parameter-gradients",
};

/// Every catalogued mistake with the exercise it is checked for, in
/// [`super::EXERCISES`] order.
pub const CATALOGUE: &[(&str, Mistake)] = &[
    ("fc_forward", BIAS_MISSING),
    ("fc_backprop_delta", SIGMA_PRIME_MISSING),
    ("fc_backprop_delta", SIGMA_NOT_PRIME),
    ("fc_backprop_delta", TRANSPOSE_MISSING),
    ("fc_backprop_delta", SIGMA_PRIME_WRONG_LAYER),
    ("fc_backprop_delta", SIGN_FLIPPED),
    ("fc_weight_grad", BATCH_SUMMED),
    ("fc_weight_grad", WEIGHT_GRAD_TRANSPOSED),
    ("fc_weight_grad", SIGN_FLIPPED),
    ("fc_bias_grad", BATCH_SUMMED),
    ("fc_bias_grad", SIGN_FLIPPED),
    ("correlate_valid", CONVOLUTION_NOT_CORRELATION),
    ("full_convolve", ROT180_MISSING),
    ("full_convolve", NO_ZERO_PADDING),
    ("full_convolve", SIGN_FLIPPED),
    ("kernel_grad", KERNEL_GRAD_FLIPPED),
    ("kernel_grad", KERNEL_GRAD_TURNED),
    ("kernel_grad", SIGN_FLIPPED),
    ("bias_grad", BIAS_AVERAGED),
    ("bias_grad", SIGN_FLIPPED),
    ("conv_backward", ROT180_MISSING),
    ("conv_backward", NO_ZERO_PADDING),
    ("conv_backward", PADDING_NOT_CROPPED),
    ("conv_backward", KERNEL_GRAD_FLIPPED),
    ("conv_backward", BATCH_SUMMED),
    ("conv_backward", SIGN_FLIPPED),
    ("conv_backward_strided", STRIDE_IGNORED),
    ("conv_backward_strided", UNREAD_NOT_FILLED),
    ("conv_backward_strided", ROT180_MISSING),
    ("conv_backward_strided", PADDING_NOT_CROPPED),
    ("conv_backward_strided", KERNEL_GRAD_FLIPPED),
    ("conv_backward_strided", BATCH_SUMMED),
    ("conv_backward_strided", SIGN_FLIPPED),
    ("mean_pool_backward", MEAN_NOT_DIVIDED),
    ("mean_pool_backward", ASSIGNED_NOT_ACCUMULATED),
    ("mean_pool_backward", SIGN_FLIPPED),
    ("max_pool_backward", ASSIGNED_NOT_ACCUMULATED),
    ("max_pool_backward", SIGN_FLIPPED),
    ("relu_backward", RELU_GATE_MISSING),
    ("relu_backward", RELU_OF_GRADIENT),
    ("relu_backward", SIGN_FLIPPED),
    ("softmax_cross_entropy_grad", SIGN_FLIPPED),
    ("softmax_cross_entropy_grad", NOTES_SOFTMAX_DELTA),
    ("softmax_cross_entropy_grad", DELTA_AVERAGED),
    ("softmax_cross_entropy_grad", RELU_ON_LOGITS),
    ("lenet_backward", BATCH_SUMMED),
    ("lenet_backward", MEAN_POOLING_IN_LENET),
    ("lenet_backward", SIGN_FLIPPED),
];

/// A variant: the mistake and the wrong answer it gives.
pub(crate) type Variant = (Mistake, Output);

/// Every tensor of `out` times `factor`.
pub(crate) fn scaled(out: &Output, factor: f64) -> Output {
    out.iter().map(|t| Tensor { name: t.name, value: &t.value * factor }).collect()
}
