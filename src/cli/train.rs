//! `lenet train`: trains LeNet, draws progress bars, and leaves a run folder
//! with the history, checkpoints, the model and plots.

use super::Error;
use super::eval::TestTimeName;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use lenet::augment::Augment;
use lenet::data::{self, HeldOut, Source};
use lenet::model::Arch;
use lenet::train::{self, EpochStats, LrSchedule, Outcome, Progress, ResumeOptions, RunFolder, TestTime, TrainConfig};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ArchName {
    /// ReLU and max pooling.
    Modern,
    /// tanh and mean pooling (LeCun's and the notes' choice).
    Classic,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ScheduleName {
    /// Epoch e uses η·γ^(e−1) (γ from --lr-decay).
    Exponential,
    /// Epoch e of E uses η·½(1 + cos(π(e−1)/E)), the same for all its
    /// batches; --lr-decay is not used.
    Cosine,
}

/// `--augment`'s value, read by the library, so that a bad name is clap's
/// error naming the value (exit status 2), not a panic.
fn parse_augment(text: &str) -> Result<Augment, String> {
    Augment::parse(text).map_err(|e| e.to_string())
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PresetName {
    /// The defaults listed with each option.
    Default,
    /// The project's best settings for the embedded digits: the defaults
    /// with more epochs, the cosine schedule and elastic distortions
    /// (`TrainConfig::best`; the README gives their accuracy).
    Best,
}

#[derive(clap::Args)]
pub struct Args {
    /// Where the settings not given start from: `default`, or `best` (more
    /// epochs, the cosine schedule and augmentation; options given still
    /// override it) [default: default].
    #[arg(long, value_enum)]
    preset: Option<PresetName>,
    /// Data set: `embedded` (8,000 training and 2,000 validation digits
    /// compiled in), `mnist` or `fashion-mnist`.
    #[arg(long, default_value = "embedded")]
    dataset: String,
    /// Folder holding the four IDX files of mnist or fashion-mnist.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Passes over the training set, 0 to 100000 [default: 10].
    #[arg(long)]
    epochs: Option<usize>,
    /// Images per minibatch, 1 to the number of training images [default: 64].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate η, positive and above 0 as f32 (1e-45 to 3.4e38), also
    /// in the last epoch [default: 0.02].
    #[arg(long)]
    lr: Option<f64>,
    /// Learning-rate factor per epoch γ, in (0, 1]: epoch e uses η·γ^(e−1)
    /// [default: 0.8].
    #[arg(long)]
    lr_decay: Option<f64>,
    /// How the learning rate changes per epoch [default: exponential].
    #[arg(long, value_enum)]
    lr_schedule: Option<ScheduleName>,
    /// Momentum μ, in [0, 1) and below 1 as f32 [default: 0.9].
    #[arg(long)]
    momentum: Option<f64>,
    /// L2 weight decay λ, 0 to 3.4e38 [default: 0.0005].
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Threads per batch, 1 to 8 per CPU [default: 2]. Same seed, same run,
    /// whatever the threads.
    #[arg(long)]
    threads: Option<usize>,
    /// Seed of the initial weights and the shuffles [default: 1].
    #[arg(long)]
    seed: Option<u64>,
    /// Distort each training image anew every epoch, seeded by --seed, the
    /// epoch and the image: a comma-separated list of `shift` (±2 pixels),
    /// `affine` (rotation ±10°, scale 0.9 to 1.1), `elastic` (Simard et
    /// al.'s, σ = 4, α = 34) and `mirror` (left to right, half the images:
    /// for clothes, not digits), or `none` [default: none].
    #[arg(long, value_name = "LIST", value_parser = parse_augment)]
    augment: Option<Augment>,
    /// How held-out images are classified (test-time augmentation): `plain`,
    /// each as it is, or `mirror`, by the mean of the logits of the image
    /// and its mirror image (for clothes, not digits) [default: plain].
    #[arg(long, value_enum)]
    test_time: Option<TestTimeName>,
    /// Activation and pooling [default: modern].
    #[arg(long, value_enum)]
    arch: Option<ArchName>,
    /// Run folder [default: runs/<UTC date and time>, relative to the current
    /// folder, with `-2`, `-3`, … added when that folder exists]. One run at a
    /// time may write into a folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run saved in this checkpoint (its settings and data set
    /// are kept; `--epochs` sets the new total, at least the epochs done,
    /// `--out` a new folder).
    #[arg(long)]
    resume: Option<PathBuf>,
    /// With --resume: continue on the data given (--dataset, --data) even if
    /// the checkpoint's run trained on other data.
    #[arg(long)]
    other_data: bool,
    /// Print only the final metrics, as one JSON object, on stdout. The
    /// held-out split's keys carry its name: `held_out` is `"validation"`
    /// (embedded digits) or `"test"` (mnist, fashion-mnist), and the final
    /// model's loss, accuracy and image count on it are
    /// `validation_loss`, `validation_accuracy`, `validation_images` or
    /// `test_loss`, `test_accuracy`, `test_images`.
    #[arg(long)]
    json: bool,
    /// Use only the first N training and N held-out images (for quick tests).
    #[arg(long, hide = true)]
    limit: Option<usize>,
}

/// Draws one indicatif bar per epoch on stderr (hidden when stderr is not a
/// terminal).
struct Bars {
    bar: Option<ProgressBar>,
    /// The held-out split's name, for the end of each epoch's bar.
    held_out: HeldOut,
}

impl Progress for Bars {
    fn epoch_start(&mut self, epoch: usize, epochs: usize, batches: usize) {
        let bar = ProgressBar::new(batches as u64);
        let style = ProgressStyle::with_template("{prefix} [{bar:30.cyan/blue}] {pos:>4}/{len} {msg}")
            .expect("the template is valid")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(format!("epoch {epoch:>2}/{epochs}"));
        self.bar = Some(bar);
    }

    fn batch_end(&mut self, batch: usize, loss: f64, accuracy: f64, ips: f64) {
        if let Some(bar) = &self.bar {
            bar.set_position(batch as u64);
            if batch.is_multiple_of(10) {
                bar.set_message(format!("loss {loss:.4}  acc {:.2}%  {ips:.0} images/s", 100.0 * accuracy));
            }
        }
    }

    fn epoch_end(&mut self, s: &EpochStats) {
        if let Some(bar) = self.bar.take() {
            bar.finish_with_message(format!(
                "loss {:.4}  acc {:.2}%  {} {:.2}%  {:.1} s  {:.0} images/s",
                s.train_loss,
                100.0 * s.train_accuracy,
                self.held_out,
                100.0 * s.held_out_accuracy,
                s.seconds,
                s.images_per_second
            ));
        }
    }
}

/// `YYYY-MM-DDTHH-MM-SS` in UTC, for the default run folder name.
fn utc_stamp() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}-{:02}-{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A fresh `runs/<stamp>` folder, created here so that two runs started in
/// the same second cannot share it: the second gets `<stamp>-2`, and so on.
fn claim_default_folder() -> Result<PathBuf, Error> {
    let runs = Path::new("runs");
    let io = |path: &Path, source| lenet::Error::Io { path: path.to_path_buf(), action: "create", source };
    std::fs::create_dir_all(runs).map_err(|e| io(runs, e))?;
    let stamp = utc_stamp();
    for k in 1..=1000 {
        let dir = runs.join(if k == 1 { stamp.clone() } else { format!("{stamp}-{k}") });
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(&dir, e).into()),
        }
    }
    Err(Error::Options("runs/ holds 1000 folders of this second already; pass --out"))
}

fn config_from(args: &Args) -> TrainConfig {
    let d = match args.preset {
        Some(PresetName::Best) => TrainConfig::best(),
        Some(PresetName::Default) | None => TrainConfig::default(),
    };
    TrainConfig {
        epochs: args.epochs.unwrap_or(d.epochs),
        batch_size: args.batch_size.unwrap_or(d.batch_size),
        lr: args.lr.unwrap_or(d.lr),
        lr_decay: args.lr_decay.unwrap_or(d.lr_decay),
        lr_schedule: match args.lr_schedule {
            Some(ScheduleName::Cosine) => LrSchedule::Cosine,
            Some(ScheduleName::Exponential) => LrSchedule::Exponential,
            None => d.lr_schedule,
        },
        momentum: args.momentum.unwrap_or(d.momentum),
        weight_decay: args.weight_decay.unwrap_or(d.weight_decay),
        threads: args.threads.unwrap_or(d.threads),
        seed: args.seed.unwrap_or(d.seed),
        augment: args.augment.unwrap_or(d.augment),
        test_time: args.test_time.map_or(d.test_time, TestTime::from),
        arch: match args.arch {
            Some(ArchName::Classic) => Arch::classic(),
            _ => Arch::modern(),
        },
        out_dir: args.out.clone().unwrap_or_default(),
        limit: args.limit,
        data: None,
    }
}

pub fn run(args: Args) -> Result<(), Error> {
    let source = Source::parse(&args.dataset, args.data.clone())?;
    // Both splits, 28×28 images, neither empty: checked before training.
    let split = data::load_for_training(&source)?;
    let mut bars = Bars { bar: None, held_out: split.held_out };
    let wall = Instant::now();
    let outcome: Outcome = match &args.resume {
        Some(path) => {
            let given = [
                args.batch_size.is_some(),
                args.lr.is_some() || args.lr_decay.is_some() || args.lr_schedule.is_some(),
                args.momentum.is_some(),
                args.weight_decay.is_some(),
            ];
            let given = given.iter().any(|&g| g)
                || args.threads.is_some()
                || args.seed.is_some()
                || args.arch.is_some()
                || args.augment.is_some()
                || args.test_time.is_some()
                || args.preset.is_some()
                || args.limit.is_some();
            if given {
                return Err(Error::Options(
                    "--resume continues with the checkpoint's settings; only --epochs and --out may be given \
                     (and --other-data, to continue on other data)",
                ));
            }
            let options = ResumeOptions { epochs: args.epochs, out_dir: args.out.clone(), other_data: args.other_data };
            train::resume_with(path, &options, &split, &mut bars)
        }
        None if args.other_data => return Err(Error::Options("--other-data goes with --resume only")),
        None if args.lr_decay.is_some() && config_from(&args).lr_schedule == LrSchedule::Cosine => {
            return Err(Error::Options(
                "--lr-decay sets the exponential schedule's factor; the cosine schedule (--lr-schedule cosine, \
                 or --preset best) has none",
            ));
        }
        None => {
            let mut config = config_from(&args);
            // Settings first, so that a bad one leaves no folder behind.
            config.validate()?;
            let claimed = args.out.is_none();
            if claimed {
                config.out_dir = claim_default_folder()?;
            }
            let result = train::train(&config, &split, &mut bars);
            if result.is_err() && claimed {
                let _ = std::fs::remove_dir(&config.out_dir); // only if still empty
            }
            result
        }
    }?;
    let wall_seconds = wall.elapsed().as_secs_f64();
    let folder = RunFolder::of_checkpoint(&outcome.checkpoint);
    let names: Vec<&str> = source.class_names().to_vec();
    let files = folder.write_results(&outcome.model, &outcome.history, &split.test, &outcome.test, &names)?;

    let h = &outcome.history;
    let images: f64 = h.epochs.iter().map(|e| e.images_per_second * e.seconds).sum();
    let train_seconds = h.total_seconds();
    let last = h.last().cloned().unwrap_or_default();
    // What the held-out split is, from the data trained on (a resumed
    // run's history says the same: `train` sets it from the data).
    let held_out = split.held_out;
    if args.json {
        let name = held_out.name();
        let v = serde_json::json!({
            "dataset": source.name(),
            "epochs": h.epochs.len(),
            "train_loss": last.train_loss,
            "train_accuracy": last.train_accuracy,
            "held_out": name,
            format!("{name}_loss"): outcome.test.loss,
            format!("{name}_accuracy"): outcome.test.accuracy(),
            format!("{name}_images"): outcome.test.total,
            "train_seconds": train_seconds,
            "wall_seconds": wall_seconds,
            "images_per_second": if train_seconds > 0.0 { images / train_seconds } else { 0.0 },
            "run_dir": folder.dir.to_string_lossy(),
            "model": folder.model().to_string_lossy(),
        });
        super::output::print(&format!("{v}\n"))?;
    } else {
        let mut text = h.timed_table().to_string();
        let _ = writeln!(
            text,
            "{held_out} accuracy {:.2}% ({} of {}) on {}; {:.1} s training, {:.1} s in all",
            100.0 * outcome.test.accuracy(),
            outcome.test.correct,
            outcome.test.total,
            split.test.name,
            train_seconds,
            wall_seconds
        );
        let _ = writeln!(text, "run folder {}:", folder.dir.display());
        for f in files {
            let _ =
                writeln!(text, "  {}", f.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()));
        }
        let _ = writeln!(text, "  {}", train::CHECKPOINT_FILE);
        super::output::print(&text)?;
    }
    Ok(())
}
