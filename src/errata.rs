//! The notes' wrong formulas, runnable: every one of `lenet_core::errata`
//! (re-exported here), plus the one that needs a whole network and its
//! optimiser, erratum 16's progress report.

pub use lenet_core::errata::*;

use crate::element::Real;
use crate::model::LeNet;
use crate::optim::Sgd;
use ndarray::Array4;

/// **Erratum 16**, the repository's progress report, one training step as
/// its loop runs it: a forward pass over the batch, the accuracy *of that
/// batch* (what it prints every 50 iterations), then the backward pass and
/// the update with the same batch. Returns the accuracy before the update.
///
/// Wrong as a measure: the printed figure is the accuracy on training data,
/// which a network can fit while doing worse on digits it has never seen,
/// and the repository never evaluates held-out data. `lenet train` reports
/// the accuracy on the held-out validation digits
/// ([`crate::train::evaluate`]).
///
/// # Panics
/// As [`LeNet::loss_and_grads`].
pub fn train_step_reporting_batch_accuracy<F: Real>(
    model: &mut LeNet<F>,
    sgd: &mut Sgd<F>,
    x: &Array4<F>,
    labels: &[usize],
) -> f64 {
    let step = model.loss_and_grads(x, labels, 1);
    sgd.step(&mut model.params, &step.grads);
    step.correct as f64 / labels.len() as f64
}
