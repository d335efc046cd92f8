//! Measuring a model on a data set: mean loss, accuracy, confusion matrix.

use crate::data::Dataset;
use crate::loss;
use crate::model::LeNet;
use crate::model::arch::CLASSES;
use ndarray::{Array2, Axis};

/// Images per forward pass when evaluating: large enough to keep both
/// threads busy, small enough that the activations stay a few megabytes.
const CHUNK: usize = 500;

/// Loss, accuracy and confusion matrix of a model on a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean softmax cross-entropy, C = log Σⱼ e^{zⱼ} − z_y, averaged in f64.
    pub loss: f64,
    /// Images classified correctly.
    pub correct: usize,
    /// Images evaluated.
    pub total: usize,
    /// Entry (t, p): images of true class t predicted as p.
    pub confusion: Array2<usize>,
    /// Images whose logits hold a NaN or an infinity: the model's forward
    /// pass overflows on them, and `loss` is then NaN or infinite. A model
    /// with any such image is unusable.
    pub non_finite: usize,
}

impl Evaluation {
    /// correct / total (0 for an empty set).
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.correct as f64 / self.total as f64 }
    }
}

/// Evaluates `model` on the first `limit` images of `data` (all if `None`),
/// forward only, in chunks, with `threads` threads.
pub fn evaluate(model: &LeNet<f32>, data: &Dataset, limit: Option<usize>, threads: usize) -> Evaluation {
    let n = limit.map_or(data.len(), |l| l.min(data.len()));
    let mut confusion = Array2::zeros((CLASSES, CLASSES));
    let mut loss_sum = 0.0;
    let mut non_finite = 0;
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(CHUNK) {
        let (x, labels) = data.batch::<f32>(chunk);
        let logits = model.logits(&x, threads);
        for (col, &y) in logits.axis_iter(Axis(1)).zip(&labels) {
            if col.iter().any(|z| !z.is_finite()) {
                non_finite += 1;
            }
            let col = col.to_vec();
            loss_sum += loss::sample_cross_entropy(&col, y);
            confusion[(y, loss::argmax(col.iter().copied()))] += 1;
        }
    }
    let correct = (0..CLASSES).map(|k| confusion[(k, k)]).sum();
    Evaluation { loss: if n > 0 { loss_sum / n as f64 } else { 0.0 }, correct, total: n, confusion, non_finite }
}
