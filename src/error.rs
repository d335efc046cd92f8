//! [`Error`]: what can go wrong in the crate's fallible public functions,
//! one variant per kind, each naming the file or the value and the problem.
//!
//! - [`Error::Io`]: a run folder's file could not be written (the path, the
//!   action, the OS error);
//! - [`Error::Data`]: an IDX file is missing or bad ([`DataError`]: the file
//!   and its problem);
//! - [`Error::Source`]: [`Source::parse`](crate::data::Source::parse) was
//!   given no data set's name ([`SourceError`]);
//! - [`Error::Split`]: a split LeNet cannot train on (its name and problem);
//! - [`Error::ModelFile`]: a model file or checkpoint is bad
//!   ([`ModelError`]: the file and its problem);
//! - [`Error::Shape`]: parameters of the wrong shape ([`ShapeError`]: the
//!   tensor, the expected and the found shape);
//! - [`Error::Config`]: a training setting out of range ([`ConfigError`]:
//!   the setting, its value, its range);
//! - [`Error::Diverged`]: the loss stopped being a number (where, and the
//!   last good checkpoint);
//! - [`Error::InUse`]: another process is training into the run folder
//!   (the folder and that process's id);
//! - [`Error::OtherData`]: `resume` was given other data than the
//!   checkpoint's run trained on (both named);
//! - [`Error::EpochsBelow`]: `resume` was asked for fewer epochs than the
//!   checkpoint has finished.
//!
//! The smaller errors ([`ShapeError`], [`ConfigError`], [`DataError`], …) are
//! what the functions of one module return; each converts into [`Error`]
//! with `?`, so a caller doing several things handles one type.
//!
//! `Error` is the sum of every module's error, so this module sits above
//! `data` and `model`; the parts those modules share ([`ShapeError`],
//! [`ConfigError`], [`shape_text`]) live in [`crate::invalid`], below them,
//! and are re-exported here.

use crate::data::{DataError, SourceError};
pub use crate::invalid::{ConfigError, ShapeError, number_text, shape_text};
use crate::model::file::ModelError;
use std::fmt;
use std::path::PathBuf;

/// Every error of the crate's fallible public functions.
#[derive(Debug)]
pub enum Error {
    /// A file or folder could not be written or created.
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    /// A data set file is missing or not a valid IDX file.
    Data(DataError),
    /// A data set name (or folder) that names no data set.
    Source(SourceError),
    /// A split (in memory) that LeNet cannot train on or be measured with.
    Split { split: String, problem: SplitProblem },
    /// A model file or checkpoint could not be read or written.
    ModelFile(ModelError),
    /// A tensor of the wrong shape.
    Shape(ShapeError),
    /// A setting out of range.
    Config(ConfigError),
    /// The loss became NaN or infinite at batch `batch` (of `batches`) of
    /// epoch `epoch`, with learning rate `lr`. `last_good` is the checkpoint
    /// of the last finished epoch and that epoch, if one was written.
    /// `weight_decay` is the run's λ: a huge one, not the learning rate, is
    /// then named as the cause.
    Diverged {
        epoch: usize,
        batch: usize,
        batches: usize,
        loss: f64,
        lr: f64,
        weight_decay: f64,
        last_good: Option<(PathBuf, usize)>,
    },
    /// The run folder `dir` is locked by another run (through the lock file
    /// `lock`): process `pid`, when the lock file says.
    InUse { dir: PathBuf, lock: PathBuf, pid: Option<u32> },
    /// The checkpoint's run trained on `recorded`, but `resume` was given
    /// `given` (each described by name, size and checksum).
    OtherData { checkpoint: PathBuf, recorded: String, given: String },
    /// `resume` was asked for `epochs` epochs in all, but the checkpoint has
    /// finished `done`.
    EpochsBelow { checkpoint: PathBuf, epochs: usize, done: usize },
}

/// What is wrong with a split (see [`Error::Split`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitProblem {
    /// Its images are not LeNet's 28×28.
    ImageSize { rows: usize, cols: usize },
    /// It holds no image.
    Empty,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, action, source } => write!(f, "cannot {action} {}: {source}", path.display()),
            Error::Data(e) => write!(f, "{e}"),
            Error::Source(e) => write!(f, "{e}"),
            Error::Split { split, problem: SplitProblem::ImageSize { rows, cols } } => {
                write!(
                    f,
                    "{split} holds {rows}×{cols} images, but LeNet takes {side}×{side} images only",
                    side = crate::model::arch::IMAGE_SIDE
                )
            }
            Error::Split { split, problem: SplitProblem::Empty } => {
                write!(f, "{split} holds no samples; a data set needs at least one")
            }
            Error::ModelFile(e) => write!(f, "{e}"),
            Error::Shape(e) => write!(f, "{e}"),
            Error::Config(e) => write!(f, "{e}"),
            Error::Diverged { epoch, batch, batches, loss, lr, weight_decay, last_good } => {
                write!(f, "training diverged: the loss is {loss} at epoch {epoch}, batch {batch} of {batches} ")?;
                let (lr_text, wd_text) = (number_text(*lr), number_text(*weight_decay));
                if *weight_decay >= 1.0 && lr * weight_decay >= 1.0 {
                    // Each step scales the weights by 1 − ηλ: beyond 2 in size they grow without bound.
                    write!(
                        f,
                        "(the weight decay {wd_text} is too large: with the learning rate {lr_text} each step \
                         scales the weights by 1 − ηλ = {}); ",
                        number_text(1.0 - lr * weight_decay)
                    )?;
                } else {
                    write!(f, "(the learning rate {lr_text} may be too large); ")?;
                }
                match last_good {
                    Some((p, e)) => write!(f, "the last good checkpoint is {} (epoch {e})", p.display()),
                    None => write!(f, "no checkpoint was written, as no epoch finished"),
                }
            }
            Error::InUse { dir, lock, pid } => {
                let who = pid.map_or_else(|| "another lenet process".to_string(), |p| format!("lenet process {p}"));
                write!(
                    f,
                    "run folder {} is in use by {who} (it holds {}); wait for that run to end, or choose another --out",
                    dir.display(),
                    lock.display()
                )
            }
            Error::OtherData { checkpoint, recorded, given } => write!(
                f,
                "checkpoint {} was trained on {recorded}, but this run's data is {given}; give the same --dataset \
                 (and --data), or --other-data to continue the run on this data anyway",
                checkpoint.display()
            ),
            Error::EpochsBelow { checkpoint, epochs, done } => write!(
                f,
                "--epochs {epochs} is below the {done} epochs checkpoint {} has finished; --epochs is the new \
                 total, so give at least {done}",
                checkpoint.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Data(e) => Some(e),
            Error::Source(e) => Some(e),
            Error::ModelFile(e) => Some(e),
            Error::Shape(e) => Some(e),
            Error::Config(e) => Some(e),
            Error::Split { .. }
            | Error::Diverged { .. }
            | Error::InUse { .. }
            | Error::OtherData { .. }
            | Error::EpochsBelow { .. } => None,
        }
    }
}

impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::Data(e)
    }
}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Self {
        Error::Source(e)
    }
}

impl From<ModelError> for Error {
    fn from(e: ModelError) -> Self {
        Error::ModelFile(e)
    }
}

impl From<ShapeError> for Error {
    fn from(e: ShapeError) -> Self {
        Error::Shape(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}
