//! The training loop: shuffled minibatches, SGD, an evaluation and a
//! checkpoint per epoch, and a stop with a clear message when the loss stops
//! being a number.

use super::eval::{evaluate, Evaluation};
use super::{EpochStats, History, TrainConfig};
use crate::checkpoint::{self, Checkpoint, ModelError};
use crate::data::Split;
use crate::model::LeNet;
use crate::optim::Sgd;
use crate::rng::Rng;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// File name of the latest checkpoint inside the run folder.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";
/// File name of the history inside the run folder.
pub const HISTORY_FILE: &str = "history.json";

/// Receives progress reports, so a caller can draw progress bars (the
/// command line does, with indicatif) without the library depending on a
/// terminal crate. Every method has an empty default.
pub trait Progress {
    /// Epoch `epoch` (from 1) of `epochs` starts; it has `batches` batches.
    fn epoch_start(&mut self, _epoch: usize, _epochs: usize, _batches: usize) {}
    /// A batch finished: running mean loss and accuracy of the epoch so far,
    /// and training images per second so far.
    fn batch_end(&mut self, _batch: usize, _loss: f64, _accuracy: f64, _images_per_second: f64) {}
    /// The epoch finished and was evaluated.
    fn epoch_end(&mut self, _stats: &EpochStats) {}
}

/// Reports nothing.
pub struct Silent;
impl Progress for Silent {}

/// Why training stopped early.
#[derive(Debug)]
pub enum TrainError {
    /// A setting makes no sense (message names it).
    Config(String),
    /// The loss became NaN or infinite. `last_good` is the checkpoint of the
    /// last finished epoch, if one was written.
    Diverged { epoch: usize, batch: usize, batches: usize, loss: f64, lr: f64, last_good: Option<(PathBuf, usize)> },
    /// A checkpoint could not be read or written.
    Checkpoint(ModelError),
    /// Another file of the run folder could not be written.
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Config(m) => write!(f, "{m}"),
            TrainError::Diverged { epoch, batch, batches, loss, lr, last_good } => {
                write!(
                    f,
                    "training diverged: the loss is {loss} at epoch {epoch}, batch {batch} of {batches} \
                     (the learning rate {lr} may be too large); "
                )?;
                match last_good {
                    Some((p, e)) => write!(f, "the last good checkpoint is {} (epoch {e})", p.display()),
                    None => write!(f, "no checkpoint was written, as no epoch finished"),
                }
            }
            TrainError::Checkpoint(e) => write!(f, "{e}"),
            TrainError::Io(p, e) => write!(f, "cannot write {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for TrainError {}

/// What a finished run leaves: the model, its history and the evaluation of
/// the final model on the test set.
#[derive(Debug)]
pub struct Outcome {
    pub model: LeNet<f32>,
    pub history: History,
    pub test: Evaluation,
    /// Where the last checkpoint was written.
    pub checkpoint: PathBuf,
}

/// The order of the training images in epoch `epoch` (from 1): a shuffle
/// seeded by the run's seed and the epoch alone, so a resumed run draws the
/// same batches as an uninterrupted one without storing generator state.
pub fn epoch_order(seed: u64, epoch: usize, n: usize) -> Vec<usize> {
    // Multiplying by an odd constant spreads consecutive epochs far apart in
    // seed space before SplitMix64 expands them.
    let mut rng = Rng::new(seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    order
}

/// Trains a fresh model as `config` says, writing `history.json` and
/// `checkpoint.json` into `config.out_dir` after every epoch.
///
/// # Errors
/// See [`TrainError`]; on divergence the last good checkpoint stays as it was.
pub fn train(config: &TrainConfig, data: &Split, progress: &mut dyn Progress) -> Result<Outcome, TrainError> {
    config.validate().map_err(TrainError::Config)?;
    let model = LeNet::new(config.arch, config.seed);
    let velocity = model.params.zeros_like();
    let start = Checkpoint { model, velocity, epoch: 0, config: config.clone(), history: History::default() };
    run(start, None, data, progress)
}

/// Continues the run saved in the checkpoint at `path` up to `epochs` epochs
/// in total (the checkpoint's own setting if `None`), writing into `out_dir`
/// (the checkpoint's folder if `None`). With the same data and threads the
/// result equals that of an uninterrupted run, bit for bit.
///
/// # Errors
/// As [`train`], or a [`ModelError`] if the checkpoint is bad.
pub fn resume(
    path: &Path,
    epochs: Option<usize>,
    out_dir: Option<PathBuf>,
    data: &Split,
    progress: &mut dyn Progress,
) -> Result<Outcome, TrainError> {
    let mut c = checkpoint::load_checkpoint(path).map_err(TrainError::Checkpoint)?;
    if let Some(e) = epochs {
        c.config.epochs = e;
    }
    c.config.out_dir = out_dir.unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
    c.config.validate().map_err(TrainError::Config)?;
    // Until the first resumed epoch is saved, the file resumed from is the
    // last good checkpoint (the new folder may not hold one yet).
    let last_good = (c.epoch > 0).then(|| (path.to_path_buf(), c.epoch));
    run(c, last_good, data, progress)
}

/// LeNet takes 28×28 images, and a split with no image can neither train nor
/// be measured: refused here, naming the split, for a library caller that
/// built its `Split` without `data::load_for_training` (which checks both
/// from the files' headers).
fn check_data(data: &Split) -> Result<(), TrainError> {
    for set in [&data.train, &data.test] {
        if (set.rows, set.cols) != crate::data::LENET_IMAGE_SIZE {
            return Err(TrainError::Config(format!(
                "{} holds {}×{} images, but LeNet takes 28×28 images only",
                set.name, set.rows, set.cols
            )));
        }
        if set.is_empty() {
            return Err(TrainError::Config(format!("{} holds no samples; a data set needs at least one", set.name)));
        }
    }
    Ok(())
}

/// The loop shared by [`train`] and [`resume`]: epochs `state.epoch + 1 ..=
/// config.epochs`.
fn run(
    state: Checkpoint,
    mut last_good: Option<(PathBuf, usize)>,
    data: &Split,
    progress: &mut dyn Progress,
) -> Result<Outcome, TrainError> {
    check_data(data)?;
    let Checkpoint { mut model, velocity, epoch: done, config, mut history } = state;
    let cfg = &config;
    std::fs::create_dir_all(&cfg.out_dir).map_err(|e| TrainError::Io(cfg.out_dir.clone(), e))?;
    let ckpt_path = cfg.out_dir.join(CHECKPOINT_FILE);
    let mut sgd = Sgd::new(&model.params, cfg.lr as f32, cfg.momentum as f32, cfg.weight_decay as f32);
    sgd.set_velocity(velocity).map_err(TrainError::Config)?;

    let n = cfg.limit.map_or(data.train.len(), |l| l.min(data.train.len()));
    let batches = n.div_ceil(cfg.batch_size);
    for epoch in done + 1..=cfg.epochs {
        progress.epoch_start(epoch, cfg.epochs, batches);
        sgd.lr = cfg.lr_at(epoch) as f32;
        let order = epoch_order(cfg.seed, epoch, n);
        let t0 = Instant::now();
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        for (b, idx) in order.chunks(cfg.batch_size).enumerate() {
            let (x, labels) = data.train.batch::<f32>(idx);
            let step = model.loss_and_grads(&x, &labels, cfg.threads);
            let loss = step.loss as f64;
            if !loss.is_finite() {
                return Err(TrainError::Diverged { epoch, batch: b + 1, batches, loss, lr: cfg.lr_at(epoch), last_good });
            }
            sgd.step(&mut model.params, &step.grads);
            loss_sum += loss * idx.len() as f64;
            correct += step.correct;
            seen += idx.len();
            let secs = t0.elapsed().as_secs_f64();
            progress.batch_end(b + 1, loss_sum / seen as f64, correct as f64 / seen as f64, seen as f64 / secs);
        }
        let seconds = t0.elapsed().as_secs_f64();
        if !model.params.all_finite() {
            // The last step overflowed; the loss of the next batch would say so.
            let loss = f64::NAN;
            return Err(TrainError::Diverged { epoch, batch: batches, batches, loss, lr: cfg.lr_at(epoch), last_good });
        }
        let test = evaluate(&model, &data.test, cfg.limit, cfg.threads);
        let stats = EpochStats {
            epoch,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            test_loss: test.loss,
            test_accuracy: test.accuracy(),
            seconds,
            images_per_second: seen as f64 / seconds,
        };
        history.epochs.push(stats.clone());
        let c = Checkpoint {
            model: model.clone(),
            velocity: sgd.velocity().clone(),
            epoch,
            config: config.clone(),
            history: history.clone(),
        };
        checkpoint::save_checkpoint(&ckpt_path, &c).map_err(TrainError::Checkpoint)?;
        write_history(&cfg.out_dir, &history)?;
        last_good = Some((ckpt_path.clone(), epoch));
        progress.epoch_end(&stats);
    }
    let test = evaluate(&model, &data.test, cfg.limit, cfg.threads);
    if done >= cfg.epochs {
        // Nothing was trained (zero epochs, or resumed at the last epoch):
        // still leave a checkpoint in the run folder.
        let c = Checkpoint { model: model.clone(), velocity: sgd.velocity().clone(), epoch: done, config: config.clone(), history: history.clone() };
        checkpoint::save_checkpoint(&ckpt_path, &c).map_err(TrainError::Checkpoint)?;
    }
    Ok(Outcome { model, history, test, checkpoint: ckpt_path })
}

/// Writes `history.json` into `dir`, atomically.
pub fn write_history(dir: &Path, history: &History) -> Result<(), TrainError> {
    let p = dir.join(HISTORY_FILE);
    crate::io::write_atomic(&p, history.to_json().as_bytes()).map_err(|e| TrainError::Io(p, e))
}
