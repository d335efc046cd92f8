//! One file per subcommand; each has `Args` (clap) and `run`.

pub mod course;
pub mod download;
pub mod explain;
pub mod eval;
pub mod train;
