//! Measuring a model on a data set: mean loss, accuracy, confusion matrix,
//! each image classified as it is or, with [`TestTime::Mirror`], by the
//! mean of its logits and its mirror image's.

use crate::augment::mirror_batch;
use crate::data::Dataset;
use crate::loss;
use crate::model::LeNet;
use crate::model::arch::CLASSES;
use ndarray::{Array2, Array4, Axis};
use serde::{Deserialize, Serialize};

/// Images per forward pass when evaluating: large enough to keep both
/// threads busy, small enough that the activations stay a few megabytes.
const CHUNK: usize = 500;

/// How a held-out image is classified: test-time augmentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestTime {
    /// By the logits of the image as it is, z(x).
    #[default]
    Plain,
    /// By the mean of the logits of the image and of its mirror image x̃
    /// (left to right): z̄ = ½(z(x) + z(x̃)), and the loss is the
    /// cross-entropy of z̄. A network trained with mirrored images
    /// (`--augment mirror`) has learnt both orientations, each imperfectly;
    /// averaging the two answers cancels part of the errors that are not
    /// shared. Since x̃̃ = x and addition is commutative, z̄ is the same for
    /// an image and its mirror image, bit for bit: the classifier no longer
    /// sees left from right. That suits clothes and costs digits (a
    /// mirrored 2 is no digit): a choice to make on validation data.
    Mirror,
}

impl TestTime {
    /// Whether this is [`TestTime::Plain`] (a checkpoint leaves it out).
    pub fn is_plain(&self) -> bool {
        *self == TestTime::Plain
    }

    // ANCHOR: test_time_logits
    /// The logits of a batch N×1×28×28 as this way of testing sees them, 10×N.
    pub fn logits(self, model: &LeNet<f32>, x: &Array4<f32>, threads: usize) -> Array2<f32> {
        match self {
            TestTime::Plain => model.logits(x, threads),
            // z̄ = ½(z(x) + z(x̃)); for x̃ the same two terms, added the other
            // way round, which IEEE addition does not tell apart.
            TestTime::Mirror => {
                let mirrored = model.logits(&mirror_batch(x.view()), threads);
                (model.logits(x, threads) + mirrored) * 0.5
            }
        }
    }
    // ANCHOR_END: test_time_logits
}

impl std::fmt::Display for TestTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // pad, not write_str: a width such as {:6} is honoured.
        f.pad(match self {
            TestTime::Plain => "plain",
            TestTime::Mirror => "mirror",
        })
    }
}

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
/// forward only, in chunks, with `threads` threads, each image as it is.
pub fn evaluate(model: &LeNet<f32>, data: &Dataset, limit: Option<usize>, threads: usize) -> Evaluation {
    evaluate_with(model, data, limit, threads, TestTime::Plain)
}

/// [`evaluate`], each image classified as `test_time` says.
pub fn evaluate_with(
    model: &LeNet<f32>,
    data: &Dataset,
    limit: Option<usize>,
    threads: usize,
    test_time: TestTime,
) -> Evaluation {
    let n = limit.map_or(data.len(), |l| l.min(data.len()));
    let mut confusion = Array2::zeros((CLASSES, CLASSES));
    let mut loss_sum = 0.0;
    let mut non_finite = 0;
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(CHUNK) {
        let (x, labels) = data.batch::<f32>(chunk);
        let logits = test_time.logits(model, &x, threads);
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
