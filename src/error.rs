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
//!   last good checkpoint).
//!
//! The smaller errors ([`ShapeError`], [`ConfigError`], [`DataError`], …) are
//! what the functions of one module return; each converts into [`Error`]
//! with `?`, so a caller doing several things handles one type.

use crate::data::{DataError, SourceError};
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
    Diverged { epoch: usize, batch: usize, batches: usize, loss: f64, lr: f64, last_good: Option<(PathBuf, usize)> },
}

/// What is wrong with a split (see [`Error::Split`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitProblem {
    /// Its images are not LeNet's 28×28.
    ImageSize { rows: usize, cols: usize },
    /// It holds no image.
    Empty,
}

/// A tensor whose shape is not the one expected: `tensor` names it (e.g.
/// `fc2_w`, or `params.fc2_w` inside a file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    pub tensor: String,
    pub expected: Vec<usize>,
    pub found: Vec<usize>,
}

/// A setting whose value is out of range: `setting` names it as a person
/// would (`learning rate`), `value` is the value given, `must_be` the range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub setting: &'static str,
    pub value: String,
    pub must_be: &'static str,
}

/// `6×1×5×5`: a shape as the book writes it.
pub fn shape_text(shape: &[usize]) -> String {
    shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (expected, found) = (shape_text(&self.expected), shape_text(&self.found));
        write!(f, "tensor {}: shape {expected} expected but {found} found", self.tensor)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} must be {}, got {}", self.setting, self.must_be, self.value)
    }
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
            Error::Diverged { epoch, batch, batches, loss, lr, last_good } => {
                write!(
                    f,
                    "training diverged: the loss is {loss} at epoch {epoch}, batch {batch} of {batches} \
                     (the learning rate {lr} may be too large); "
                )?;
                match last_good {
                    Some((p, e)) => write!(f, "the last good checkpoint is {} (epoch {e})", p.display()),
                    None => write!(f, "no checkpoint was written, as no epoch finished"),
                }
            }
        }
    }
}

impl std::error::Error for ShapeError {}
impl std::error::Error for ConfigError {}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Data(e) => Some(e),
            Error::Source(e) => Some(e),
            Error::ModelFile(e) => Some(e),
            Error::Shape(e) => Some(e),
            Error::Config(e) => Some(e),
            Error::Split { .. } | Error::Diverged { .. } => None,
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
