//! Output into a pipe whose reader has gone (`lenet eval … | head -1`,
//! `lenet explain | true`): the command stops quietly, as Unix tools do,
//! instead of panicking with "failed printing to stdout: Broken pipe".

use lenet::model::file;
use lenet::model::{Arch, LeNet};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `lenet args…` with stdout a pipe whose read end is already closed,
/// so the first write fails with EPIPE; gives up after 120 s.
fn lenet_into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_lenet"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lenet binary runs");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("lenet {args:?} did not stop within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Exit status 0, or death by SIGPIPE (the shell's 141): both are quiet.
fn assert_quiet(args: &[&str], out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    #[cfg(unix)]
    let by_sigpipe = std::os::unix::process::ExitStatusExt::signal(&out.status) == Some(13);
    #[cfg(not(unix))]
    let by_sigpipe = false;
    assert!(
        out.status.success() || by_sigpipe,
        "lenet {args:?} into a closed pipe: {:?}, stderr: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "lenet {args:?}: {stderr}");
}

#[test]
fn explain_into_a_closed_pipe_stops_quietly() {
    let args = ["explain"];
    let out = lenet_into_closed_pipe(&args);
    assert_quiet(&args, &out);
}

#[test]
fn eval_into_a_closed_pipe_stops_quietly() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-pipe-eval");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("model.json");
    file::save(&model, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    for json in [false, true] {
        let mut args = vec!["eval", "--model", model.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let out = lenet_into_closed_pipe(&args);
        assert_quiet(&args, &out);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
