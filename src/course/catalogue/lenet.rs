//! LeNet's mistakes: the gradients summed over the batch, or those of
//! LeNet with mean pooling.

use super::compare::{Output, params_output};
use super::{BATCH_SUMMED, Mistake, Variant, scaled};
use crate::model::{Arch, LeNet, Params, Pooling};
use ndarray::Array4;

/// LeNet with mean pooling.
pub const MEAN_POOLING_IN_LENET: Mistake = Mistake {
    name: "mean pooling instead of max pooling",
    explanation: "These are the gradients of LeNet with mean pooling; the modern LeNet pools with max, \
                  which routes each gradient to the window's maximum only.",
    erratum: None,
    book: "lenet-by-hand.html#backward-layer-by-layer",
};

/// LeNet's gradients summed over the batch, or with mean pooling.
pub(crate) fn lenet_backward(
    params: &Params<f64>,
    x: &Array4<f64>,
    labels: &[usize],
    reference: &Output,
) -> Vec<Variant> {
    let mut model = LeNet::new(Arch { pooling: Pooling::Mean, ..Arch::modern() }, 0);
    model.params = params.clone();
    let mean = params_output(&model.trace(x, labels).grads);
    vec![(BATCH_SUMMED, scaled(reference, x.dim().0 as f64)), (MEAN_POOLING_IN_LENET, mean)]
}
