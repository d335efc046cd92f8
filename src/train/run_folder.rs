//! The run folder: every file a training run leaves, named here and only
//! here.
//!
//! | file | written | holds |
//! |---|---|---|
//! | [`CHECKPOINT_FILE`] | after every epoch | what resuming needs ([`Checkpoint`]) |
//! | [`HISTORY_FILE`] | after every epoch, and at the end | one [`EpochStats`](super::EpochStats) per epoch |
//! | [`MODEL_FILE`] | at the end | the trained model ([`crate::model::file`]) |
//! | [`LOSS_PLOT`], [`ACCURACY_PLOT`] | at the end | training and held-out (validation or test) curves |
//! | [`KERNELS_PLOT`] | at the end | conv1's six 5×5 kernels |
//! | [`CONFUSION_PLOT`] | at the end | the held-out split's confusion matrix |
//! | [`FEATURE_MAPS_PLOT`] | at the end | the held-out split's first image through conv1 and conv2 |
//! | [`LOCK_FILE`] | while a run writes the folder (removed at its end) | the id of the process that holds the folder ([`RunLock`](super::RunLock)) |

use super::checkpoint::Checkpoint;
use super::report::feature_maps_of;
use super::{Evaluation, History};
use crate::data::Dataset;
use crate::error::Error;
use crate::model::LeNet;
use crate::model::file;
use crate::plots;
use std::path::{Path, PathBuf};

/// The run folder's lock: held (`flock`) by the run writing the folder, and
/// holding its process id.
pub const LOCK_FILE: &str = ".lenet-lock";
/// The latest checkpoint.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";
/// The history of the finished epochs.
pub const HISTORY_FILE: &str = "history.json";
/// The final model.
pub const MODEL_FILE: &str = "model.json";
/// Training and held-out (validation or test) loss per epoch.
pub const LOSS_PLOT: &str = "loss.svg";
/// Training and held-out (validation or test) accuracy per epoch.
pub const ACCURACY_PLOT: &str = "accuracy.svg";
/// The kernels of conv1.
pub const KERNELS_PLOT: &str = "kernels.svg";
/// The confusion matrix on the held-out split.
pub const CONFUSION_PLOT: &str = "confusion.svg";
/// The feature maps of the held-out split's first image.
pub const FEATURE_MAPS_PLOT: &str = "feature_maps.svg";

/// The folder of one training run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFolder {
    pub dir: PathBuf,
}

impl RunFolder {
    /// The run folder `dir` (nothing is created yet).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        RunFolder { dir: dir.into() }
    }

    /// The folder holding the checkpoint `path`.
    pub fn of_checkpoint(path: &Path) -> Self {
        RunFolder::new(path.parent().map(Path::to_path_buf).unwrap_or_default())
    }

    /// Where the checkpoint is.
    pub fn checkpoint(&self) -> PathBuf {
        self.dir.join(CHECKPOINT_FILE)
    }

    /// Where the history is.
    pub fn history(&self) -> PathBuf {
        self.dir.join(HISTORY_FILE)
    }

    /// Where the final model is.
    pub fn model(&self) -> PathBuf {
        self.dir.join(MODEL_FILE)
    }

    /// Creates the folder (and its parents) if it is not there.
    ///
    /// # Errors
    /// [`Error::Io`] naming the folder.
    pub fn create(&self) -> Result<(), Error> {
        std::fs::create_dir_all(&self.dir).map_err(|source| io_error(&self.dir, "create", source))
    }

    /// Every file a run writes into the folder.
    pub fn files(&self) -> Vec<PathBuf> {
        [
            CHECKPOINT_FILE,
            HISTORY_FILE,
            MODEL_FILE,
            LOSS_PLOT,
            ACCURACY_PLOT,
            KERNELS_PLOT,
            CONFUSION_PLOT,
            FEATURE_MAPS_PLOT,
        ]
        .iter()
        .map(|name| self.dir.join(name))
        .collect()
    }

    /// Checks, before any training, that the run's files can be written:
    /// none of them is a directory (or another non-file), and a file can be
    /// created in the folder (not read-only, not a read-only file system).
    ///
    /// # Errors
    /// [`Error::Io`] naming the file or the folder.
    pub fn check_writable(&self) -> Result<(), Error> {
        for path in self.files() {
            if let Ok(meta) = std::fs::symlink_metadata(&path) {
                let what = if meta.is_dir() {
                    Some("it is a directory")
                } else if meta.is_file() || meta.file_type().is_symlink() {
                    None
                } else {
                    Some("it is not a regular file")
                };
                if let Some(what) = what {
                    let source = std::io::Error::new(std::io::ErrorKind::IsADirectory, what);
                    return Err(io_error(&path, "write", source));
                }
            }
        }
        crate::io::check_writable(&self.dir).map_err(|source| io_error(&self.dir, "write into", source))
    }

    /// Writes the checkpoint, atomically; returns its path.
    ///
    /// # Errors
    /// [`Error::ModelFile`] naming the file; the previous checkpoint is then
    /// left as it was.
    pub fn write_checkpoint(&self, c: &Checkpoint) -> Result<PathBuf, Error> {
        let path = self.checkpoint();
        c.save(&path)?;
        Ok(path)
    }

    /// Writes the history as JSON, atomically.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file.
    pub fn write_history(&self, history: &History) -> Result<(), Error> {
        let path = self.history();
        crate::io::write_atomic(&path, history.to_json().as_bytes()).map_err(|source| io_error(&path, "write", source))
    }

    /// Writes what a finished run leaves besides its checkpoint: the model,
    /// the history and the five pictures (the feature maps only when the test
    /// set has an image); returns the paths written.
    ///
    /// # Errors
    /// [`Error::ModelFile`] or [`Error::Io`] naming the file that could not
    /// be written.
    pub fn write_results(
        &self,
        model: &LeNet<f32>,
        history: &History,
        test_set: &Dataset,
        test: &Evaluation,
        class_names: &[&str],
    ) -> Result<Vec<PathBuf>, Error> {
        let model_path = self.model();
        file::save(&model_path, model)?;
        self.write_history(history)?;
        let mut written = vec![model_path, self.history()];
        let mut pictures = vec![
            (LOSS_PLOT, history.loss_curves()),
            (ACCURACY_PLOT, history.accuracy_curves()),
            (KERNELS_PLOT, plots::kernels(model.params.conv1_w.view())),
            (CONFUSION_PLOT, plots::confusion(&test.confusion, class_names)),
        ];
        if !test_set.is_empty() {
            pictures.push((FEATURE_MAPS_PLOT, feature_maps_of(model, test_set, 0)));
        }
        for (name, svg) in pictures {
            let path = self.dir.join(name);
            plots::save_svg(&path, &svg).map_err(|source| io_error(&path, "write", source))?;
            written.push(path);
        }
        Ok(written)
    }
}

fn io_error(path: &Path, action: &'static str, source: std::io::Error) -> Error {
    Error::Io { path: path.to_path_buf(), action, source }
}
