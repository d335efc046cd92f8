//! The training loop: for each epoch, `train_epoch` (shuffled minibatches,
//! one SGD step each) → [`evaluate_with`] on the held-out split (validation or
//! test set, see [`crate::data::HeldOut`]; each image as `config.test_time` says) → save the checkpoint
//! and the history, with a stop and a clear message when the loss stops
//! being a number.

use super::checkpoint::Checkpoint;
use super::eval::{Evaluation, evaluate_with};
use super::lock::RunLock;
use super::run_folder::RunFolder;
use super::{DataRecord, EpochStats, History, TrainConfig};
use crate::data::{Dataset, LENET_IMAGE_SIZE, Split};
use crate::error::{Error, SplitProblem};
use crate::model::{LeNet, Optimise};
use crate::optim::Sgd;
use crate::rng::Rng;
use std::path::{Path, PathBuf};
use std::time::Instant;

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

/// What a finished run leaves: the model, its history and the evaluation of
/// the final model on the held-out split.
#[derive(Debug)]
pub struct Outcome {
    pub model: LeNet<f32>,
    pub history: History,
    /// The final model on the data's held-out split (`Split::test`): the
    /// validation or the test set, as `history.held_out` says.
    pub test: Evaluation,
    /// Where the last checkpoint was written.
    pub checkpoint: PathBuf,
    /// The run folder's lock, held while the outcome lives, so that the
    /// final files are written before another run may take the folder.
    pub lock: RunLock,
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

/// The generator that augments training image `index` (its place in the
/// training set, from 0) in epoch `epoch` (from 1) of a run seeded `seed`.
/// It depends on nothing else: not on the batch the image falls in, the
/// thread count or whether the run was resumed, so an augmented run stays
/// bit-identical across all three, as a plain one is.
pub fn augment_rng(seed: u64, epoch: usize, index: usize) -> Rng {
    // The SplitMix64 finaliser is a bijection of u64 that mixes every input
    // bit into every output bit, so chaining it with XOR gives distinct
    // states for distinct (epoch, index) of one seed, unrelated to the
    // shuffle's `seed ^ epoch·φ` (the constant keeps the streams apart).
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    const AUGMENT: u64 = 0x6175_676D_656E_7421; // "augment!"
    Rng::new(mix(mix(mix(seed ^ AUGMENT) ^ epoch as u64) ^ index as u64))
}

/// Trains a fresh model as `config` says, writing the history and the
/// checkpoint into `config.out_dir` after every epoch.
///
/// # Errors
/// [`Error::Config`] for a setting out of range, [`Error::Split`] for data
/// LeNet cannot take, [`Error::Diverged`] (the last good checkpoint stays as
/// it was), or the error of a file that could not be written.
pub fn train(config: &TrainConfig, data: &Split, progress: &mut dyn Progress) -> Result<Outcome, Error> {
    train_from(config, LeNet::new(config.arch, config.seed), data, progress)
}

/// As [`train`], but starting from `model` instead of the default
/// initialisation (to compare initial scales, say, with [`crate::init`]):
/// `config.seed` still orders the minibatches, so two runs that differ only
/// in `model` see the same batches in the same order. The model's own
/// architecture is trained; `config.arch` is replaced by it.
///
/// # Errors
/// As [`train`].
pub fn train_from(
    config: &TrainConfig,
    model: LeNet<f32>,
    data: &Split,
    progress: &mut dyn Progress,
) -> Result<Outcome, Error> {
    let config = &TrainConfig { arch: model.arch, ..config.clone() };
    let velocity = model.params.zeros_like();
    let history = History::new(data.held_out);
    run(config, Start { model, velocity, epoch: 0, history, last_good: None }, data, progress)
}

/// Continues the run saved in the checkpoint at `path` up to `epochs` epochs
/// in total (the checkpoint's own setting if `None`), writing into `out_dir`
/// (the checkpoint's folder if `None`). With the same data the result equals
/// that of an uninterrupted run, bit for bit. As [`resume_with`] with the
/// other options at their defaults: other data than the checkpoint's is
/// refused.
///
/// # Errors
/// As [`resume_with`].
pub fn resume(
    path: &Path,
    epochs: Option<usize>,
    out_dir: Option<PathBuf>,
    data: &Split,
    progress: &mut dyn Progress,
) -> Result<Outcome, Error> {
    resume_with(path, &ResumeOptions { epochs, out_dir, other_data: false }, data, progress)
}

/// How [`resume_with`] continues a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResumeOptions {
    /// The new total of epochs (the checkpoint's own setting if `None`); at
    /// least the checkpoint's finished epochs.
    pub epochs: Option<usize>,
    /// Where to write (the checkpoint's folder if `None`).
    pub out_dir: Option<PathBuf>,
    /// Continue on `data` even if it is not what the checkpoint's run
    /// trained on (the checkpoint then records the new data).
    pub other_data: bool,
}

/// Continues the run saved in the checkpoint at `path` as `options` say.
///
/// # Errors
/// As [`train`]; [`Error::ModelFile`] if the checkpoint is bad;
/// [`Error::EpochsBelow`] if `options.epochs` is below the checkpoint's
/// finished epochs; [`Error::OtherData`] if `data` is not the data the
/// checkpoint records and `options.other_data` is not set.
pub fn resume_with(
    path: &Path,
    options: &ResumeOptions,
    data: &Split,
    progress: &mut dyn Progress,
) -> Result<Outcome, Error> {
    let Checkpoint { model, velocity, epoch, mut config, history } = Checkpoint::load(path)?;
    if let Some(e) = options.epochs {
        if e < epoch {
            return Err(Error::EpochsBelow { checkpoint: path.to_path_buf(), epochs: e, done: epoch });
        }
        config.epochs = e;
    }
    if let Some(recorded) = &config.data
        && !options.other_data
    {
        let given = DataRecord::of(data);
        if *recorded != given {
            return Err(Error::OtherData {
                checkpoint: path.to_path_buf(),
                recorded: recorded.describe(),
                given: given.describe(),
            });
        }
    }
    config.out_dir = options.out_dir.clone().unwrap_or_else(|| RunFolder::of_checkpoint(path).dir);
    // Until the first resumed epoch is saved, the file resumed from is the
    // last good checkpoint (the new folder may not hold one yet).
    let last_good = (epoch > 0).then(|| (path.to_path_buf(), epoch));
    run(&config, Start { model, velocity, epoch, history, last_good }, data, progress)
}

/// Where a run starts: after `epoch` finished epochs (0 for a fresh run).
struct Start {
    model: LeNet<f32>,
    velocity: crate::model::Params<f32>,
    epoch: usize,
    history: History,
    /// The checkpoint to fall back on, and its epoch.
    last_good: Option<(PathBuf, usize)>,
}

/// The loop shared by [`train`] and [`resume`]: epochs `start.epoch + 1 ..=
/// config.epochs`, each trained, evaluated and saved.
fn run(config: &TrainConfig, start: Start, data: &Split, progress: &mut dyn Progress) -> Result<Outcome, Error> {
    config.validate()?;
    check_split(&data.train)?;
    check_split(&data.test)?;
    let n = config.images_used(data.train.len());
    config.check_batch_size(n)?;
    // The checkpoint records what the run trains on, for resume to check.
    let config = &TrainConfig { data: Some(DataRecord::of(data)), ..config.clone() };
    let Start { mut model, velocity, epoch: done, mut history, mut last_good } = start;
    // What the epochs from here on are measured on (a resumed run's history
    // may be older than the name, or, with `other_data`, of other data).
    history.held_out = data.held_out;
    let folder = RunFolder::new(&config.out_dir);
    // Before the first epoch: the folder is this run's alone, and every file
    // the run writes can be written.
    folder.create()?;
    let lock = RunLock::acquire(&folder.dir)?;
    folder.check_writable()?;
    let mut sgd = Sgd::new(&model.params, config.lr as f32, config.momentum as f32, config.weight_decay as f32);
    sgd.set_velocity(velocity)?;
    let save = |model: &LeNet<f32>, sgd: &Sgd<f32>, epoch, history: &History| {
        let velocity = sgd.velocity().clone();
        let c = Checkpoint { model: model.clone(), velocity, epoch, config: config.clone(), history: history.clone() };
        folder.write_checkpoint(&c)
    };

    for epoch in done + 1..=config.epochs {
        let trained = train_epoch(&mut model, &mut sgd, config, epoch, &data.train, n, progress)
            .map_err(|at| at.error(config, epoch, last_good.take()))?;
        let held_out = evaluate_with(&model, &data.test, config.limit, config.threads, config.test_time);
        if !held_out.loss.is_finite() {
            // Weights that are finite but so large that the held-out logits
            // overflow: diverged too. Reported as an overflow in the last
            // step is (at the epoch's last batch), before a checkpoint whose
            // history could not be read back (JSON has no NaN) is written.
            let batches = n.div_ceil(config.batch_size);
            let at = NotFinite { batch: batches, batches, loss: held_out.loss };
            return Err(at.error(config, epoch, last_good.take()));
        }
        let stats = trained.stats(epoch, &held_out);
        history.epochs.push(stats.clone());
        let path = save(&model, &sgd, epoch, &history)?;
        folder.write_history(&history)?;
        last_good = Some((path, epoch));
        progress.epoch_end(&stats);
    }
    if done >= config.epochs {
        // Nothing was trained (zero epochs, or resumed at the last epoch):
        // still leave a checkpoint in the run folder.
        save(&model, &sgd, done, &history)?;
    }
    let test = evaluate_with(&model, &data.test, config.limit, config.threads, config.test_time);
    Ok(Outcome { model, history, test, checkpoint: folder.checkpoint(), lock })
}

/// LeNet takes 28×28 images, and a split with no image can neither train nor
/// be measured: refused here, naming the split, for a library caller that
/// built its `Split` without `data::load_for_training` (which checks both
/// from the files' headers).
fn check_split(set: &Dataset) -> Result<(), Error> {
    let problem = if (set.rows, set.cols) != LENET_IMAGE_SIZE {
        SplitProblem::ImageSize { rows: set.rows, cols: set.cols }
    } else if set.is_empty() {
        SplitProblem::Empty
    } else {
        return Ok(());
    };
    Err(Error::Split { split: set.name.clone(), problem })
}

/// What one epoch of training measured.
struct Trained {
    loss_sum: f64,
    correct: usize,
    seen: usize,
    seconds: f64,
}

impl Trained {
    fn stats(&self, epoch: usize, held_out: &Evaluation) -> EpochStats {
        let seen = self.seen.max(1) as f64;
        EpochStats {
            epoch,
            train_loss: self.loss_sum / seen,
            train_accuracy: self.correct as f64 / seen,
            held_out_loss: held_out.loss,
            held_out_accuracy: held_out.accuracy(),
            seconds: self.seconds,
            images_per_second: self.seen as f64 / self.seconds,
        }
    }
}

/// Where the loss stopped being a number: batch `batch` of `batches`.
struct NotFinite {
    batch: usize,
    batches: usize,
    loss: f64,
}

impl NotFinite {
    /// The [`Error::Diverged`] of this batch of epoch `epoch`.
    fn error(self, config: &TrainConfig, epoch: usize, last_good: Option<(PathBuf, usize)>) -> Error {
        let NotFinite { batch, batches, loss } = self;
        let (lr, weight_decay) = (config.lr_at(epoch), config.weight_decay);
        Error::Diverged { epoch, batch, batches, loss, lr, weight_decay, last_good }
    }
}

/// One epoch: the first `n` images of `train` in the epoch's shuffled order,
/// in minibatches (each image augmented as `config.augment` says), one SGD
/// step on each. Stops at the first batch whose loss
/// is not finite (or after the last, if its step overflowed the weights).
fn train_epoch(
    model: &mut LeNet<f32>,
    sgd: &mut Sgd<f32>,
    config: &TrainConfig,
    epoch: usize,
    train: &Dataset,
    n: usize,
    progress: &mut dyn Progress,
) -> Result<Trained, NotFinite> {
    let batches = n.div_ceil(config.batch_size);
    progress.epoch_start(epoch, config.epochs, batches);
    sgd.lr = config.lr_at(epoch) as f32;
    let order = epoch_order(config.seed, epoch, n);
    let t0 = Instant::now();
    let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
    let idx_of = |b: usize| &order[b * config.batch_size..((b + 1) * config.batch_size).min(n)];
    let mut next = Some(train.batch::<f32>(idx_of(0)));
    for b in 0..batches {
        let idx = idx_of(b);
        let (mut x, labels) = next.take().expect("built before its step");
        // Each image distorted by its own generator (a no-op without augmentation).
        config.augment.apply_to_batch(&mut x, config.threads, |n| augment_rng(config.seed, epoch, idx[n]));
        // Sgd::step on the mean gradient, each thread updating the entries
        // it summed (bit for bit `loss_and_grads` then `sgd.step`); with a
        // loss that is not a number, nothing is updated. The next batch is
        // built while the other threads finish their chunks.
        let rule = sgd.rule();
        let update = |w: &mut [f32], v: &mut [f32], g: &[f32]| rule.update(w, v, g);
        let mut meanwhile = || {
            if b + 1 < batches {
                next = Some(train.batch::<f32>(idx_of(b + 1)));
            }
        };
        let opt = Optimise { state: sgd.velocity_mut(), update: &update, meanwhile: &mut meanwhile };
        let (loss, step_correct) = model.train_step(&x, &labels, config.threads, opt);
        let loss = loss as f64;
        if !loss.is_finite() {
            return Err(NotFinite { batch: b + 1, batches, loss });
        }
        loss_sum += loss * idx.len() as f64;
        correct += step_correct;
        seen += idx.len();
        let secs = t0.elapsed().as_secs_f64();
        progress.batch_end(b + 1, loss_sum / seen as f64, correct as f64 / seen as f64, seen as f64 / secs);
    }
    let seconds = t0.elapsed().as_secs_f64();
    if !model.params.all_finite() {
        // The last step overflowed; the loss of the next batch would say so.
        return Err(NotFinite { batch: batches, batches, loss: f64::NAN });
    }
    Ok(Trained { loss_sum, correct, seen, seconds })
}
