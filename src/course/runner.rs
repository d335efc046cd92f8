//! Grading a submission so that the grader, not the submission, decides.
//!
//! The student's `src/` is built, with lenet's small runner
//! (`course/runner/main.rs`), against a `Cargo.toml` this module writes: its
//! only lenet dependency is `lenet-course-api` (`course/api`), renamed
//! `lenet`, which offers the forward passes, the types and ndarray and none
//! of the backward functions. Nothing in that build graph depends on the
//! crate `lenet`, so no feature unification can bring the reference in.
//!
//! Each exercise then runs in a runner process of its own: this process
//! draws the cases, sends their inputs on the runner's stdin, and reads the
//! student's outputs from a file the runner writes at the end. The runner
//! holds no reference and prints no verdict; whatever it prints is the
//! student's, kept apart. It runs under a wall-clock limit (killed when it
//! passes: "timed out") and a memory limit (RLIMIT_AS: a huge allocation
//! fails, and Rust aborts: "crashed (signal 6, SIGABRT)"), in this
//! process's group, and dies with this process (PR_SET_PDEATHSIG on Linux).

use super::exercises::{self, Case};
use super::report::{Report, Status};
use super::wire::{Answer, Request};
use super::{EXERCISES, Failure, verdict_on};
use crate::rng::Rng;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long and how much memory one exercise's runner may take.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Wall-clock time per exercise.
    pub timeout: Duration,
    /// Address space per runner, in bytes.
    pub memory: u64,
}

impl Default for Limits {
    /// 10 s per exercise (LeNet's backward pass of a plain student loop
    /// takes well under one) and 2 GiB.
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(10), memory: 2 << 30 }
    }
}

/// The most of a runner's stdout or stderr kept for the report.
const PRINTED_KEPT: usize = 16 * 1024;

/// One exercise graded in a runner: the report, and what the student's
/// code printed (stdout, then stderr), to show apart from the reports.
#[derive(Clone, Debug)]
pub struct Graded {
    pub report: Report,
    pub printed: String,
}

/// Why a submission did not build: cargo's output (the compiler's errors,
/// naming the student's files) and a sentence on what the grader allows.
#[derive(Clone, Debug)]
pub struct BuildFailure {
    pub log: String,
    pub status: Option<i32>,
}

/// What a submission may use, said when it does not build.
pub const ALLOWED: &str = "The grader builds your src/ against lenet-course-api (course/api of lenet), \
named `lenet` there: it has the forward passes (lenet::conv::forward, lenet::pool::mean_forward, \
lenet::pool::max_forward, Activation's apply, derivative, value and prime), the types \
(Activation, Argmax, Params, course::Answers) and lenet::ndarray, and none of lenet's backward \
functions or reference answers. Code that calls one builds in your own crate but not here: \
write that part yourself.";

/// The folder of the lenet checkout that holds `course/api` and
/// `course/runner`, checked.
pub fn checkout_parts(checkout: &Path) -> Result<(), String> {
    for part in ["course/api/Cargo.toml", "course/runner/main.rs", "course/runner/wire.rs"] {
        if !checkout.join(part).is_file() {
            return Err(format!(
                "{} is missing: the grader needs a lenet checkout with course/api and course/runner \
                 (give one with --lenet PATH)",
                checkout.join(part).display()
            ));
        }
    }
    Ok(())
}

/// A TOML basic string holding `s`, every character that TOML would read
/// otherwise escaped.
pub fn toml_string(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A name cargo accepts, unique to `student`: so that submissions sharing
/// one target folder are never taken for one another.
fn package_name(student: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    student.hash(&mut h);
    format!("lenet-runner-{:016x}", h.finish())
}

/// Writes the runner crate for `student` (a crate with `src/lib.rs`) into
/// `work` and builds it with cargo in `target_dir`, shared by every
/// submission graded; returns the runner's path. cargo's output is
/// captured, or passed through to stderr with `show_build`.
pub fn build(
    student: &Path,
    checkout: &Path,
    work: &Path,
    target_dir: &Path,
    show_build: bool,
) -> Result<PathBuf, BuildFailure> {
    let fail = |log: String| BuildFailure { log, status: None };
    let student = std::fs::canonicalize(student).map_err(|e| fail(format!("{}: {e}", student.display())))?;
    let lib = student.join("src").join("lib.rs");
    if !lib.is_file() {
        return Err(fail(format!("{} not found: a submission is a crate with src/lib.rs", lib.display())));
    }
    let name = package_name(&student);
    let path = |p: &Path| toml_string(&p.to_string_lossy());
    let manifest = format!(
        "# Written by lenet's grader: the student's src/ and lenet's runner, against\n\
         # lenet-course-api (no backward functions). Not the student's Cargo.toml.\n\
         [package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [lib]\nname = \"backprop_homework\"\npath = {lib}\n\n\
         [[bin]]\nname = \"{name}\"\npath = {main}\n\n\
         [dependencies]\nlenet = {{ package = \"lenet-course-api\", path = {api} }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n\
         [workspace]\n\n# Line tables: a panic is reported at the student's line.\n\
         [profile.release]\ndebug = \"line-tables-only\"\n",
        lib = path(&lib),
        main = path(&checkout.join("course/runner/main.rs")),
        api = path(&checkout.join("course/api")),
    );
    let written =
        std::fs::create_dir_all(work).and_then(|()| std::fs::write(work.join("Cargo.toml"), manifest)).and_then(|()| {
            // lenet's lock file: the versions lenet was tested with, already
            // downloaded; cargo drops what the runner does not use.
            let lock = checkout.join("Cargo.lock");
            if lock.is_file() && !work.join("Cargo.lock").is_file() {
                std::fs::copy(lock, work.join("Cargo.lock"))?;
            }
            Ok(())
        });
    written.map_err(|e| fail(format!("cannot write the runner crate in {}: {e}", work.display())))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(work.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let (status, log) = if show_build {
        let status = cmd.status().map_err(|e| fail(format!("cannot run cargo: {e}")))?;
        (status, String::new())
    } else {
        let out = cmd.output().map_err(|e| fail(format!("cannot run cargo: {e}")))?;
        (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    if !status.success() {
        return Err(BuildFailure { log, status: status.code() });
    }
    Ok(target_dir.join("release").join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs `exercise` of the runner at `runner` on the cases drawn from
/// `seed`, within `limits`; `None` for an unknown exercise.
pub fn run_exercise(runner: &Path, exercise: &str, seed: u64, limits: Limits) -> Option<Graded> {
    let name = EXERCISES.iter().find(|&&e| e == exercise)?;
    let cases = exercises::cases(name, &mut Rng::new(seed))?;
    let request = Request { exercise: name.to_string(), cases: cases.iter().map(|c| c.inputs.clone()).collect() };
    let (outcome, printed) = spawn(runner, &request, limits);
    let report = match outcome {
        Ok(answers) if answers.len() == cases.len() => {
            let mut answers = answers.into_iter();
            verdict_on(name, seed, &cases, |_, case| from_answer(answers.next().expect("one per case"), case))
        }
        Ok(answers) => Report::new(
            name,
            seed,
            Status::Crashed { reason: format!("the runner sent {} answers for {} cases", answers.len(), cases.len()) },
        ),
        Err(status) => Report::new(name, seed, status),
    };
    Some(Graded { report, printed })
}

/// The student's output on a case, named as the reference's tensors.
fn from_answer(answer: Answer, case: &Case) -> Result<super::compare::Output, Failure> {
    match answer {
        Answer::Output(tensors) => Ok(tensors
            .into_iter()
            .enumerate()
            .map(|(k, t)| {
                let name = case.expected.get(k).map_or("", |e| e.name);
                let value = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&t.shape), t.values())
                    .unwrap_or_else(|_| ndarray::ArrayD::from_elem(ndarray::IxDyn(&[0]), f64::NAN));
                super::compare::Tensor { name, value }
            })
            .collect()),
        Answer::Panicked { message, location } => Err((super::quiet::status_of_panic(message), location)),
    }
}

/// Reads all of `from` in a thread, keeping the first [`PRINTED_KEPT`] bytes.
fn drain(mut from: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            let room = PRINTED_KEPT.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
        }
        kept
    })
}

/// Runs the runner on `request`: its answers, or the status that stopped
/// it; and what it printed.
fn spawn(runner: &Path, request: &Request, limits: Limits) -> (Result<Vec<Answer>, Status>, String) {
    let crashed = |reason: String| Status::Crashed { reason };
    let reply_dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return (Err(crashed(format!("no temporary folder for the reply: {e}"))), String::new()),
    };
    let reply = reply_dir.path().join("reply.json");
    let mut cmd = Command::new(runner);
    // In a folder of its own: what the code writes lands there, and the
    // paths of its backtrace stay absolute.
    cmd.arg(&reply).current_dir(reply_dir.path()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    limit(&mut cmd, limits.memory);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return (Err(crashed(format!("cannot start {}: {e}", runner.display()))), String::new()),
    };
    let stdout = drain(child.stdout.take().expect("piped"));
    let stderr = drain(child.stderr.take().expect("piped"));
    let text = serde_json::to_vec(request).expect("inputs are numbers and strings");
    let mut stdin = child.stdin.take().expect("piped");
    // A runner that never reads must not block this process: write from a thread.
    let writer = thread::spawn(move || {
        let _ = stdin.write_all(&text);
    });
    let deadline = Instant::now() + limits.timeout;
    let status: Option<ExitStatus> = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(_) => {
                let _ = child.kill();
                break child.wait().ok();
            }
        }
    };
    let _ = writer.join();
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    let printed = printed_text(&out, &err);
    let Some(status) = status else {
        return (Err(Status::TimedOut { seconds: limits.timeout.as_secs_f64() }), printed);
    };
    let answers = std::fs::read_to_string(&reply).ok().and_then(|t| serde_json::from_str::<Vec<Answer>>(&t).ok());
    match answers {
        Some(a) if status.success() => (Ok(a), printed),
        _ => (Err(crashed(ended(status, &String::from_utf8_lossy(&err), limits.memory))), printed),
    }
}

fn printed_text(out: &[u8], err: &[u8]) -> String {
    let mut text = String::new();
    for (what, bytes) in [("stdout", out), ("stderr", err)] {
        if !bytes.is_empty() {
            text.push_str(&format!("[{what}]\n{}", String::from_utf8_lossy(bytes)));
            if !text.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    text
}

/// How a runner ended without answering, in words.
fn ended(status: ExitStatus, stderr: &str, memory: u64) -> String {
    let why = if stderr.contains("has overflowed its stack") {
        ": a stack overflow (endless recursion?)".to_string()
    } else if stderr.contains("memory allocation of") {
        format!(": an allocation beyond the memory limit of {} MiB failed", memory >> 20)
    } else {
        String::new()
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal {signal} ({}){why}", signal_name(signal));
        }
    }
    match status.code() {
        Some(0) => "it exited with status 0 before answering (std::process::exit in the code?)".to_string(),
        Some(code) => format!("it exited with status {code} before answering{why}"),
        None => format!("it ended without answering{why}"),
    }
}

#[cfg(unix)]
fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// The runner's limits, set in the child between fork and exec: its
/// address space, and a SIGKILL when this process dies (Linux), so that
/// killing the grader, alone or with its process group, kills the runners.
#[cfg(unix)]
fn limit(cmd: &mut Command, memory: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only async-signal-safe calls are made
    // (setrlimit, prctl, getppid), with no allocation.
    unsafe {
        cmd.pre_exec(move || {
            let cap = libc::rlimit { rlim_cur: memory as libc::rlim_t, rlim_max: memory as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_AS, &cap) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            #[cfg(target_os = "linux")]
            {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died before prctl took effect.
                if libc::getppid() == 1 {
                    libc::_exit(1);
                }
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn limit(_cmd: &mut Command, _memory: u64) {}
