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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Explain(args) => cli::explain::run(args),
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
