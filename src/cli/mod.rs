//! One file per subcommand; each has `Args` (clap) and `run`. A `run` that
//! can fail returns an [`Error`].

pub mod course;
pub mod download;
pub mod error;
pub mod eval;
pub mod explain;
pub mod output;
pub mod train;

pub use error::Error;
