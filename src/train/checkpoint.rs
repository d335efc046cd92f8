//! The checkpoint format: what a training checkpoint holds, and its read and
//! write.
//!
//! A checkpoint is a model file ([`crate::model::file`]) with `"format":
//! "lenet-checkpoint"` and what resuming needs besides the weights: the SGD
//! velocity (laid out as `params`), the number of finished epochs, the run's
//! settings (including the seed, from which every epoch's shuffle is derived)
//! and the history so far:
//!
//! ```text
//! { "format": "lenet-checkpoint", "version": 1, "arch": {…}, "dtype": "f32",
//!   "params": {…}, "velocity": {…}, "epoch": 3, "config": {…}, "history": {…} }
//! ```
//!
//! It is read with the model file's bounded reader, so the same limits and
//! checks apply, and every error is a [`ModelError`] naming the file.

use super::{History, TrainConfig};
use crate::data::{HeldOut, embedded};
use crate::model::file::{self, ModelError, Problem, err};
use crate::model::{LeNet, Params};
use serde_json::{Value, json};
use std::path::Path;

pub use crate::model::file::CHECKPOINT_FORMAT;

/// Everything needed to continue a run exactly where it stopped.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The weights after `epoch` epochs.
    pub model: LeNet<f32>,
    /// The SGD velocity after `epoch` epochs.
    pub velocity: Params<f32>,
    /// Finished epochs.
    pub epoch: usize,
    /// The run's configuration (its seed determines every epoch's shuffle).
    pub config: TrainConfig,
    /// One entry per finished epoch.
    pub history: History,
}

impl Checkpoint {
    /// Saves the checkpoint to `path`, atomically.
    ///
    /// # Errors
    /// As [`file::save`]: a weight or a velocity entry that is not finite
    /// (nothing is written), or a file that cannot be written (the previous
    /// one, if any, is left as it was).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        file::check_finite(&self.model.params).map_err(|p| err(path, p))?;
        file::check_finite(&self.velocity).map_err(|p| {
            let p = match p {
                Problem::NotFinite { tensor, index } => {
                    Problem::NotFinite { tensor: format!("velocity.{tensor}"), index }
                }
                other => other,
            };
            err(path, p)
        })?;
        let mut v = file::model_json(&self.model);
        v["format"] = json!(CHECKPOINT_FORMAT);
        v["velocity"] = json!(self.velocity);
        v["epoch"] = json!(self.epoch);
        v["config"] = json!(self.config);
        v["history"] = json!(self.history);
        file::write_json(path, &v)
    }

    /// Loads a checkpoint written by [`Checkpoint::save`]; its settings must
    /// pass [`TrainConfig::validate`] and its history must have one entry per
    /// finished epoch.
    ///
    /// # Errors
    /// A [`ModelError`] naming the file and the first problem found.
    pub fn load(path: impl AsRef<Path>) -> Result<Checkpoint, ModelError> {
        let path = path.as_ref();
        let v = file::read_json(path)?;
        file::check_header(path, &v, &[CHECKPOINT_FORMAT])?;
        let arch = file::read_arch(path, &v)?;
        let params = file::read_params(path, &v, "params")?;
        let velocity = file::read_params(path, &v, "velocity")?;
        let field = |name: &str, expected| err(path, Problem::Field { field: name.to_string(), expected });
        let epoch = v.get("epoch").and_then(Value::as_u64).ok_or_else(|| field("epoch", "a whole number"))? as usize;
        let config: TrainConfig = serde_json::from_value(v.get("config").cloned().unwrap_or(Value::Null))
            .map_err(|e| err(path, Problem::Json(format!("config: {e}"))))?;
        config.validate().map_err(|e| err(path, Problem::Setting(e)))?;
        let mut history: History = serde_json::from_value(v.get("history").cloned().unwrap_or(Value::Null))
            .map_err(|e| err(path, Problem::Json(format!("history: {e}"))))?;
        if v["history"].get("held_out").is_none() {
            history.held_out = held_out_of_old(&config);
        }
        if history.epochs.len() != epoch {
            return Err(field("history", "one entry per finished epoch"));
        }
        Ok(Checkpoint { model: file::model_from(path, arch, params)?, velocity, epoch, config, history })
    }
}

/// The held-out split of a checkpoint written before its history named it:
/// the validation set when the data it records held out the embedded
/// digits' validation split ([`embedded::VALIDATION_NAME`]), else the test set, which is what
/// such a checkpoint called it (and so does one older still, with no data
/// record).
fn held_out_of_old(config: &TrainConfig) -> HeldOut {
    match &config.data {
        Some(d) if d.test == embedded::VALIDATION_NAME => HeldOut::Validation,
        _ => HeldOut::Test,
    }
}
