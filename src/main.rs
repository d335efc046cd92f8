//! The `lenet` command line: `explain`, `train`, `eval`, `download`, `course`.

mod cli;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "lenet", version, about = "Backpropagation through LeNet, derived, checked and run")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the derivations step by step: numbers, then symbols.
    Explain(cli::explain::Args),
    /// Fetch MNIST or Fashion-MNIST, SHA-256 checked, into the cache folder.
    Download(cli::download::Args),
    /// Train LeNet; writes history, checkpoints, the model and plots to a run folder.
    // Boxed: its many options make it the largest variant by far (clippy's
    // large_enum_variant).
    Train(Box<cli::train::Args>),
    /// Measure a saved model: accuracy and confusion matrix.
    Eval(cli::eval::Args),
    /// Coursework: write the student starter, check a student's answers.
    Course(cli::course::Args),
}

fn main() -> ExitCode {
    // The closed-pipe hook (on systems without SIGPIPE) wraps the other.
    output_errors_are_errors();
    quiet_on_closed_pipe();
    file_size_limit_is_an_error();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Explain(args) => cli::explain::run(args),
        Command::Download(args) => cli::download::run(args),
        Command::Train(args) => cli::train::run(*args),
        Command::Eval(args) => cli::eval::run(args),
        Command::Course(args) => return cli::course::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Not eprintln!, which panics when stderr cannot be written: the
            // exit status still says it failed.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The status of a command whose output could not be written.
const OUTPUT_FAILED: i32 = 1;

/// Makes a failed write to stdout or stderr through `print!`/`eprint!`
/// (anywhere: a progress line, a subcommand that prints as it goes) end the
/// program with a message and status 1, not a panic (status 101). The
/// commands' results are written through `cli::output`, which returns the
/// error; this catches the rest.
fn output_errors_are_errors() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(rest) = msg.strip_prefix("failed printing to ") {
            // "stdout: No space left on device (os error 28)"
            let _ = writeln!(std::io::stderr(), "error: cannot write to {rest}");
            std::process::exit(OUTPUT_FAILED);
        }
        previous(info);
    }));
}

/// Makes a write beyond the file-size limit (`ulimit -f`) an I/O error
/// ("File too large") that names the file, instead of SIGXFSZ killing the
/// process silently (status 153): the signal is ignored, so the write
/// returns EFBIG.
#[cfg(unix)]
fn file_size_limit_is_an_error() {
    unsafe extern "C" {
        fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
    }
    // 25 on Linux, macOS and the BSDs.
    const SIGXFSZ: std::ffi::c_int = 25;
    const SIG_IGN: usize = 1;
    // SAFETY: first thing in main, before any thread; SIG_IGN runs no code.
    unsafe {
        signal(SIGXFSZ, SIG_IGN);
    }
}

#[cfg(not(unix))]
fn file_size_limit_is_an_error() {}

/// Makes a write into a pipe whose reader has gone (`lenet eval … | head -1`)
/// end the process quietly, as it does for other Unix tools.
///
/// Rust starts programs with SIGPIPE ignored, so such a write returns EPIPE
/// and `println!` panics ("failed printing to stdout: Broken pipe", exit
/// 101). Restoring the default action lets the kernel end the process at that
/// write, silently; the shell reports status 141. Sockets are not affected:
/// std sends with MSG_NOSIGNAL (Linux) or sets SO_NOSIGPIPE (macOS), so a
/// download's closed connection is still an error that names the URL.
#[cfg(unix)]
fn quiet_on_closed_pipe() {
    // `signal` is in every Unix C library, which std already links.
    unsafe extern "C" {
        fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
    }
    const SIGPIPE: std::ffi::c_int = 13; // the same number on Linux, macOS and the BSDs
    const SIG_DFL: usize = 0;
    // SAFETY: called first thing in main, before any thread is started;
    // SIG_DFL installs no handler code.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

/// Elsewhere a closed pipe is an error from the write: end quietly when it
/// is one of stdout (std's `println!` panics with this message).
#[cfg(not(unix))]
fn quiet_on_closed_pipe() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout")
            && (msg.contains("os error 232") || msg.contains("os error 109"))
        {
            std::process::exit(0);
        }
        previous(info);
    }));
}
