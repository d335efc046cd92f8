//! `lenet eval --model FILE`: accuracy, loss and confusion matrix of a saved
//! model on a data set's test split.

use super::Error;
use lenet::data::{self, Source};
use lenet::error::ConfigError;
use lenet::model::file;
use lenet::train::{MODEL_FILE, TestTime, evaluate_with};
use std::fmt::Write;
use std::path::PathBuf;

/// `--test-time`'s values, as the library's [`TestTime`] has them.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TestTimeName {
    /// Each image as it is.
    Plain,
    /// The mean of the logits of the image and its mirror image.
    Mirror,
}

impl From<TestTimeName> for TestTime {
    fn from(name: TestTimeName) -> TestTime {
        match name {
            TestTimeName::Plain => TestTime::Plain,
            TestTimeName::Mirror => TestTime::Mirror,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// A model file (model.json), a checkpoint (checkpoint.json), or a run
    /// folder of `lenet train` holding a model.json.
    #[arg(long)]
    model: PathBuf,
    /// Data set: `embedded`, `mnist` or `fashion-mnist`.
    #[arg(long, default_value = "embedded")]
    dataset: String,
    /// Folder holding the test files of mnist or fashion-mnist
    /// (`t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Threads for the forward passes, 1 to 8 per CPU.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// How each image is classified (test-time augmentation): `plain`, as it
    /// is, or `mirror`, by the mean of the logits of the image and its
    /// mirror image (for clothes, not digits).
    #[arg(long, value_enum, default_value = "plain")]
    test_time: TestTimeName,
    /// Print the result as one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Error> {
    let max = lenet::train::config::max_threads();
    if !(1..=max).contains(&args.threads) {
        let value = format!("{} (this machine allows 1 to {max})", args.threads);
        return Err(ConfigError { setting: "threads", value, must_be: "at least 1 and at most 8 per CPU" }.into());
    }
    // A run folder stands for the model in it. Path::join, so that
    // `runs/X/` gives `runs/X/model.json`, not `runs/X//model.json`. A
    // folder without one is passed on, and refused as a folder by name.
    let in_folder = args.model.join(MODEL_FILE);
    let model_path = if args.model.is_dir() && in_folder.is_file() { in_folder } else { args.model.clone() };
    // The model first: a bad file should be reported before data is loaded.
    let model = file::load(&model_path)?;
    let source = Source::parse(&args.dataset, args.data.clone())?;
    // Only the held-out split: `t10k-*` for MNIST and Fashion-MNIST (a test
    // set, or a validation set where the folder's `held-out` file says so),
    // the validation digits for the embedded data set.
    let (test, held_out) = data::load_held_out(&source)?;
    let test_time = TestTime::from(args.test_time);
    let ev = evaluate_with(&model, &test, None, args.threads, test_time);
    if ev.non_finite > 0 {
        return Err(Error::Unusable { model: model_path.clone(), non_finite: ev.non_finite, total: ev.total });
    }
    if args.json {
        let v = serde_json::json!({
            "model": model_path.to_string_lossy(),
            "dataset": source.name(),
            "held_out": held_out.name(),
            format!("{held_out}_images"): ev.total,
            "test_time": test_time.to_string(),
            "correct": ev.correct,
            "accuracy": ev.accuracy(),
            "loss": ev.loss,
            "confusion": ev.confusion.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        });
        return super::output::print(&format!("{v}\n"));
    }
    // Written as a whole, so a failed write is one error, not a panic.
    let mut text = String::new();
    let mut out = |line: std::fmt::Arguments| {
        let _ = text.write_fmt(line);
    };
    out(format_args!(
        "{} on {} ({}){}: accuracy {:.2}% ({} of {}), mean loss {:.4}",
        model_path.display(),
        test.name,
        source.name(),
        if test_time.is_plain() { "" } else { ", each image averaged with its mirror image" },
        100.0 * ev.accuracy(),
        ev.correct,
        ev.total,
        ev.loss
    ));
    out(format_args!("\n\nconfusion matrix (rows: true class, columns: predicted class)\n"));
    let names = source.class_names();
    // A row is labelled by its class name and the index the columns use; a
    // digit's name is its index, so it is printed once ("0", not "0 0").
    let labels: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(t, name)| if *name == t.to_string() { name.to_string() } else { format!("{name} {t}") })
        .collect();
    let w = ev.confusion.iter().map(|c| c.to_string().len()).max().unwrap_or(1).max(2);
    let lw = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
    out(format_args!("{:lw$}", ""));
    for p in 0..names.len() {
        out(format_args!(" {p:>w$}"));
    }
    out(format_args!("\n"));
    for (label, row) in labels.iter().zip(ev.confusion.outer_iter()) {
        out(format_args!("{label:>lw$}"));
        for c in row {
            out(format_args!(" {c:>w$}"));
        }
        out(format_args!("\n"));
    }
    super::output::print(&text)
}
