//! Running a command that may hang (a FIFO that blocks its reader, a reader
//! that never ends) without hanging the test: killed, and the test failed,
//! past a deadline. Included by `#[path]`, like `temp_dir.rs`.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The output of `cmd` (stdin closed, stdout and stderr captured), or a
/// panic naming `what` if it has not stopped within `limit`.
pub fn output_within(mut cmd: Command, limit: Duration, what: &str) -> Output {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}
