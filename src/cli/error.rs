//! [`Error`]: why a subcommand failed. `main` prints it after `error: ` and
//! exits with status 1.

use super::download::DownloadError;
use std::fmt;
use std::path::PathBuf;

/// Why `lenet explain|train|eval|download` failed.
#[derive(Debug)]
pub enum Error {
    /// What the library reports: a data set, model file, setting, …
    Lenet(lenet::Error),
    /// Fetching a data set failed.
    Download(DownloadError),
    /// Options that cannot be given together; the text says which.
    Options(&'static str),
    /// Writing the output failed (a full disk, `/dev/full`, …).
    Output { stream: &'static str, source: std::io::Error },
    /// A model whose forward pass overflows on `non_finite` of `total` test
    /// images.
    Unusable { model: PathBuf, non_finite: usize, total: usize },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Lenet(e) => write!(f, "{e}"),
            Error::Download(e) => write!(f, "{e}"),
            Error::Options(problem) => f.write_str(problem),
            Error::Output { stream, source } => write!(f, "cannot write to {stream}: {source}"),
            Error::Unusable { model, non_finite, total } => write!(
                f,
                "model file {} is unusable: its forward pass overflows to NaN or infinity on {non_finite} of \
                 {total} test images (weights too large or corrupt)",
                model.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<DownloadError> for Error {
    fn from(e: DownloadError) -> Self {
        Error::Download(e)
    }
}

/// What the library's functions return converts with `?`.
macro_rules! from_lenet {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Lenet(e.into())
            }
        }
    )*};
}

from_lenet!(
    lenet::data::DataError,
    lenet::data::SourceError,
    lenet::model::file::ModelError,
    lenet::error::ConfigError
);

impl From<lenet::Error> for Error {
    fn from(e: lenet::Error) -> Self {
        Error::Lenet(e)
    }
}
