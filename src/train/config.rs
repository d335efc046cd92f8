//! The training settings: [`TrainConfig`], every choice a training run makes
//! (saved in checkpoints), and [`TrainConfig::validate`], which says which
//! setting is out of range.

use crate::error::ConfigError;
use crate::model::Arch;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Hyperparameters and bookkeeping of one training run.
///
/// The defaults are what `lenet train` uses; they were tuned so that the
/// embedded 8,000 digits train to over 97% validation accuracy in well under a
/// minute on two cores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Images per minibatch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// η, the learning rate of SGD.
    pub lr: f64,
    /// Each epoch multiplies the learning rate by this: epoch e uses
    /// η·γ^(e−1). Large steps early make fast progress; smaller ones later
    /// settle into a minimum instead of bouncing around it.
    #[serde(default = "no_decay")]
    pub lr_decay: f64,
    /// μ, the momentum of SGD.
    pub momentum: f64,
    /// λ, the L2 weight decay.
    pub weight_decay: f64,
    /// Threads that share each batch. The result does not depend on it: a
    /// batch is cut into chunks by its size alone and their sums are added
    /// in chunk order (see `crate::fast`), so a seed gives the same run, bit
    /// for bit, whatever the thread count (tests/model.rs checks it).
    pub threads: usize,
    /// Seeds the initial weights and the shuffle of every epoch.
    pub seed: u64,
    /// Activation and pooling.
    pub arch: Arch,
    /// Where history, checkpoints, the model and the plots go.
    pub out_dir: PathBuf,
    /// Train on only the first this many training images and test on only the
    /// first this many test images (for quick tests); `None` uses all.
    #[serde(default)]
    pub limit: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: DEFAULT_EPOCHS,
            batch_size: 64,
            lr: DEFAULT_LR,
            lr_decay: DEFAULT_LR_DECAY,
            momentum: 0.9,
            weight_decay: 5e-4,
            threads: 2,
            seed: 1,
            arch: Arch::modern(),
            out_dir: PathBuf::from("runs/default"),
            limit: None,
        }
    }
}

fn no_decay() -> f64 {
    1.0
}

/// Per-epoch learning-rate factor of the default run.
pub const DEFAULT_LR_DECAY: f64 = 0.8;

/// Epochs of the default run.
pub const DEFAULT_EPOCHS: usize = 10;
/// Learning rate of the default run.
pub const DEFAULT_LR: f64 = 0.02;

impl TrainConfig {
    /// `Ok` if the numbers make sense.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first setting out of range, its value
    /// and the range it must be in.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |setting, value: &dyn std::fmt::Display, must_be| {
            Err(ConfigError { setting, value: value.to_string(), must_be })
        };
        if self.batch_size == 0 {
            return bad("batch size", &self.batch_size, "at least 1");
        }
        if self.threads == 0 {
            return bad("threads", &self.threads, "at least 1");
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("learning rate", &self.lr, "a positive number");
        }
        if !(self.lr_decay > 0.0 && self.lr_decay <= 1.0) {
            return bad("learning-rate decay", &self.lr_decay, "in (0, 1]");
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad("momentum", &self.momentum, "in [0, 1)");
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad("weight decay", &self.weight_decay, "≥ 0");
        }
        if self.limit == Some(0) {
            return bad("limit", &0, "at least 1");
        }
        Ok(())
    }

    /// The learning rate of epoch `epoch` (from 1): η·γ^(e−1).
    pub fn lr_at(&self, epoch: usize) -> f64 {
        self.lr * self.lr_decay.powi(epoch.saturating_sub(1) as i32)
    }
}
