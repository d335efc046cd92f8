//! [`History`]: what each epoch of training measured, saved as `history.json`.

use crate::plots::{self, Svg};
use serde::{Deserialize, Serialize};

/// The measurements of one epoch.
///
/// `train_loss` and `train_accuracy` are averaged over the epoch's minibatches
/// as they were trained on (each with the weights of that moment), which costs
/// nothing extra; `test_loss` and `test_accuracy` are measured on the whole
/// test set with the weights at the end of the epoch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Epoch number, counting from 1.
    pub epoch: usize,
    /// Mean softmax cross-entropy over the epoch's training images.
    pub train_loss: f64,
    /// Fraction of training images classified correctly during the epoch.
    pub train_accuracy: f64,
    /// Mean softmax cross-entropy over the test set.
    pub test_loss: f64,
    /// Fraction of test images classified correctly.
    pub test_accuracy: f64,
    /// Wall-clock seconds spent training the epoch (evaluation excluded).
    pub seconds: f64,
    /// Training images per second of the epoch.
    pub images_per_second: f64,
}

/// One [`EpochStats`] per finished epoch, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub epochs: Vec<EpochStats>,
}

impl History {
    /// The last finished epoch, if any.
    pub fn last(&self) -> Option<&EpochStats> {
        self.epochs.last()
    }

    /// Total training seconds over all epochs; 0 (not −0) when there are
    /// none: `Sum` for `f64` starts from −0.0, which prints as "-0.0 s".
    pub fn total_seconds(&self) -> f64 {
        self.epochs.iter().fold(0.0, |sum, e| sum + e.seconds)
    }

    /// The history as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("History has only numbers")
    }

    /// Training and test loss per epoch, drawn ([`plots::loss_curves`]).
    pub fn loss_curves(&self) -> Svg {
        let (train, test): (Vec<f64>, Vec<f64>) = self.epochs.iter().map(|e| (e.train_loss, e.test_loss)).unzip();
        plots::loss_curves(&train, &test)
    }

    /// Training and test accuracy per epoch, drawn in percent
    /// ([`plots::accuracy_curves`]).
    pub fn accuracy_curves(&self) -> Svg {
        let (train, test): (Vec<f64>, Vec<f64>) =
            self.epochs.iter().map(|e| (e.train_accuracy, e.test_accuracy)).unzip();
        plots::accuracy_curves(&train, &test)
    }

    /// The summary table the command line prints after training.
    pub fn table(&self) -> String {
        let mut s = String::from("epoch  train loss  train acc  test loss  test acc  seconds  images/s\n");
        for e in &self.epochs {
            s.push_str(&format!(
                "{:>5}  {:>10.4}  {:>8.2}%  {:>9.4}  {:>7.2}%  {:>7.2}  {:>8.0}\n",
                e.epoch,
                e.train_loss,
                100.0 * e.train_accuracy,
                e.test_loss,
                100.0 * e.test_accuracy,
                e.seconds,
                e.images_per_second
            ));
        }
        s
    }
}
