//! Writing to stdout so that any failure is an error, not a panic: `println!`
//! panics when the write fails ("failed printing to stdout: No space left on
//! device", exit 101), e.g. into `/dev/full` or a full disk. A closed pipe
//! never gets here: SIGPIPE ends the process first (see `main.rs`).

use super::Error;
use std::io::Write;

/// Writes `text` to stdout and flushes it.
///
/// # Errors
/// [`Error::Output`] with the OS error.
pub fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| Error::Output { stream: "stdout", source })
}
