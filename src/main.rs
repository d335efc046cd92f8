//! The `lenet` command line: `explain`, `train`, `eval`, `download`, `course`.

mod cli;

use clap::{Parser, Subcommand};
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
    Train(cli::train::Args),
    /// Measure a saved model: accuracy and confusion matrix.
    Eval(cli::eval::Args),
    /// Coursework: write the student starter, check a student's answers.
    Course(cli::course::Args),
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Explain(args) => {
            cli::explain::run(args);
            Ok(())
        }
        Command::Download(args) => cli::download::run(args),
        Command::Train(args) => cli::train::run(args),
        Command::Eval(args) => cli::eval::run(args),
        Command::Course(args) => return cli::course::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

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
