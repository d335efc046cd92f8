//! `lenet eval --model FILE`: accuracy, loss and confusion matrix of a saved
//! model on a data set's test split.

use super::Error;
use lenet::data::{self, Source};
use lenet::error::ConfigError;
use lenet::model::file;
use lenet::train::evaluate;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A model file (model.json) or a checkpoint (checkpoint.json).
    #[arg(long)]
    model: PathBuf,
    /// Data set: `embedded`, `mnist` or `fashion-mnist`.
    #[arg(long, default_value = "embedded")]
    dataset: String,
    /// Folder holding the test files of mnist or fashion-mnist
    /// (`t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Threads for the forward passes.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Print the result as one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Error> {
    if args.threads == 0 {
        return Err(ConfigError { setting: "threads", value: "0".into(), must_be: "at least 1" }.into());
    }
    // The model first: a bad file should be reported before data is loaded.
    let model = file::load(&args.model)?;
    let source = Source::parse(&args.dataset, args.data.clone())?;
    // Only the test split: `t10k-*` for MNIST and Fashion-MNIST.
    let test = data::load_for_eval(&source)?;
    let ev = evaluate(&model, &test, None, args.threads);
    if ev.non_finite > 0 {
        return Err(Error::Unusable { model: args.model.clone(), non_finite: ev.non_finite, total: ev.total });
    }
    if args.json {
        let v = serde_json::json!({
            "model": args.model,
            "dataset": source.name(),
            "test_images": ev.total,
            "correct": ev.correct,
            "accuracy": ev.accuracy(),
            "loss": ev.loss,
            "confusion": ev.confusion.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        });
        println!("{v}");
        return Ok(());
    }
    println!(
        "{} on {} ({}): accuracy {:.2}% ({} of {}), mean loss {:.4}",
        args.model.display(),
        test.name,
        source.name(),
        100.0 * ev.accuracy(),
        ev.correct,
        ev.total,
        ev.loss
    );
    println!("\nconfusion matrix (rows: true class, columns: predicted class)");
    let names = source.class_names();
    let w = ev.confusion.iter().map(|c| c.to_string().len()).max().unwrap_or(1).max(2);
    let lw = names.iter().map(|n| n.chars().count()).max().unwrap_or(1);
    print!("{:lw$}  ", "");
    for p in 0..names.len() {
        print!(" {p:>w$}");
    }
    println!();
    for (t, row) in ev.confusion.outer_iter().enumerate() {
        print!("{:>lw$} {t}", names[t]);
        for c in row {
            print!(" {c:>w$}");
        }
        println!();
    }
    Ok(())
}
