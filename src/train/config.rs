//! The training settings: [`TrainConfig`], every choice a training run makes
//! (saved in checkpoints), and [`TrainConfig::validate`], which says which
//! setting is out of range.
//!
//! Every number has a range, checked in the type it is used in (the rates
//! are `f64` here but `f32` in training, so they are checked as `f32`):
//!
//! | setting | range |
//! |---|---|
//! | epochs | 0 ..= [`MAX_EPOCHS`] |
//! | batch size | 1 ..= the training images used (checked by `train`, which knows them) |
//! | learning rate η | > 0 and finite as `f32`, and η·γ^(E−1) of the last epoch still > 0 as `f32` |
//! | learning-rate decay γ | (0, 1], > 0 as `f32` (checked, but unused by the cosine schedule) |
//! | momentum μ | [0, 1), < 1 as `f32` |
//! | weight decay λ | ≥ 0 and finite as `f32` (at most 3.4e38) |
//! | threads | 1 ..= [`max_threads`] ([`THREADS_PER_CPU`] per CPU) |
//! | limit | ≥ 1 |
//! | seed | any `u64` |
//! | augmentation | as [`Augment::validate`] says (shift ≤ 28 px, rotation ≤ 180°, scales > 0, σ > 0, α ≥ 0) |

use super::eval::TestTime;
use crate::augment::Augment;
use crate::error::{ConfigError, number_text};
use crate::model::Arch;
use serde::{Deserialize, Serialize, Serializer};
use std::path::{Path, PathBuf};

/// Hyperparameters and bookkeeping of one training run.
///
/// The defaults are what `lenet train` uses; they were tuned so that the
/// embedded 8,000 digits train to over 97% validation accuracy in well under a
/// minute on two cores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Images per minibatch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// η, the learning rate of SGD.
    pub lr: f64,
    /// With the exponential schedule (the default), each epoch multiplies
    /// the learning rate by this: epoch e uses η·γ^(e−1). Large steps early make fast progress; smaller ones later
    /// settle into a minimum instead of bouncing around it.
    #[serde(default = "no_decay")]
    pub lr_decay: f64,
    /// How the learning rate changes from epoch to epoch: exponentially by
    /// `lr_decay` (the default, and what a checkpoint without this field
    /// used), or along a cosine (see [`LrSchedule`]).
    #[serde(default, skip_serializing_if = "LrSchedule::is_exponential")]
    pub lr_schedule: LrSchedule,
    /// μ, the momentum of SGD.
    pub momentum: f64,
    /// λ, the L2 weight decay.
    pub weight_decay: f64,
    /// Threads that share each batch. The result does not depend on it: a
    /// batch is cut into chunks by its size alone and their sums are added
    /// in chunk order (see `crate::fast`), so a seed gives the same run, bit
    /// for bit, whatever the thread count (tests/model.rs checks it).
    pub threads: usize,
    /// Seeds the initial weights, the shuffle of every epoch and the
    /// augmentation of every image.
    pub seed: u64,
    /// How training images are distorted each time they are seen (none by
    /// default, and in checkpoints written before augmentation existed).
    #[serde(default, skip_serializing_if = "Augment::is_none")]
    pub augment: Augment,
    /// How the held-out images are classified, after every epoch and at
    /// the end: each as it is (the default, and in checkpoints written
    /// before this existed), or by the mean logits of the image and its
    /// mirror image ([`TestTime`]). Training does not depend on it.
    #[serde(default, skip_serializing_if = "TestTime::is_plain")]
    pub test_time: TestTime,
    /// Activation and pooling.
    pub arch: Arch,
    /// Where history, checkpoints, the model and the plots go. Any path (it
    /// need not be UTF-8); a checkpoint records it lossily, for people only
    /// (resuming uses the checkpoint's folder, or `--out`).
    #[serde(serialize_with = "lossy_path")]
    pub out_dir: PathBuf,
    /// Train on only the first this many training images and test on only the
    /// first this many test images (for quick tests); `None` uses all.
    #[serde(default)]
    pub limit: Option<usize>,
    /// What the run trains on, filled in by `train` from its data (whatever
    /// the caller put here): resuming on other data is refused. `None` in
    /// checkpoints written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataRecord>,
}

/// The learning rate of each epoch, from η = [`TrainConfig::lr`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrSchedule {
    /// Epoch e uses η·γ^(e−1), γ = [`TrainConfig::lr_decay`].
    #[default]
    Exponential,
    /// Epoch e of E uses η·½(1 + cos(π(e−1)/E)), the same for every batch
    /// of the epoch (Loshchilov and Hutter's SGDR without restarts, stepped
    /// per epoch so that a resumed run needs only its epoch to know its
    /// rate). It starts at η, stays near it for the first epochs while the
    /// weights are far from a minimum, and falls smoothly to
    /// η·½(1 − cos(π/E)) ≈ η·(π/2E)² in the last, without a decay factor to
    /// tune; γ is not used. E is the run's total of epochs, so resuming to
    /// a larger total stretches the rest of the curve.
    Cosine,
}

impl LrSchedule {
    fn is_exponential(&self) -> bool {
        *self == LrSchedule::Exponential
    }
}

/// The data a run trains and is measured on, as a checkpoint records it:
/// each split's name, image count and a checksum of its pixels and labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRecord {
    /// The training split's name, e.g. `fashion-mnist-train`.
    pub train: String,
    pub train_images: usize,
    /// FNV-1a (64 bit, hex) of the training images' pixels, then labels.
    pub train_checksum: String,
    /// The test split's name, e.g. `fashion-mnist-test`.
    pub test: String,
    pub test_images: usize,
    pub test_checksum: String,
}

impl DataRecord {
    /// The record of `split`.
    pub fn of(split: &crate::data::Split) -> DataRecord {
        DataRecord {
            train: split.train.name.clone(),
            train_images: split.train.len(),
            train_checksum: checksum(&split.train),
            test: split.test.name.clone(),
            test_images: split.test.len(),
            test_checksum: checksum(&split.test),
        }
    }

    /// `fashion-mnist-train and fashion-mnist-test (60000 and 10000 images,
    /// checksums … and …)`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} and {} ({} and {} images, checksums {} and {})",
            self.train, self.test, self.train_images, self.test_images, self.train_checksum, self.test_checksum
        )
    }
}

/// FNV-1a over the pixels, then the labels, then the shape: fast (47 MB in
/// well under a second) and enough to tell two data sets apart.
fn checksum(d: &crate::data::Dataset) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let shape = [d.rows as u64, d.cols as u64, d.len() as u64];
    for b in d.images.iter().chain(&d.labels).copied().chain(shape.iter().flat_map(|x| x.to_le_bytes())) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn lossy_path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// The most epochs a run may have.
pub const MAX_EPOCHS: usize = 100_000;
/// Threads per CPU at most: more only cost memory and switching.
pub const THREADS_PER_CPU: usize = 8;

/// The most threads a run may use: [`THREADS_PER_CPU`] per CPU of this
/// machine (at least 16, when the count is unknown or small).
pub fn max_threads() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    (THREADS_PER_CPU * cpus).max(16)
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: DEFAULT_EPOCHS,
            batch_size: 64,
            lr: DEFAULT_LR,
            lr_decay: DEFAULT_LR_DECAY,
            lr_schedule: LrSchedule::Exponential,
            momentum: 0.9,
            weight_decay: 5e-4,
            threads: 2,
            seed: 1,
            augment: Augment::none(),
            test_time: TestTime::Plain,
            arch: Arch::modern(),
            out_dir: PathBuf::from("runs/default"),
            limit: None,
            data: None,
        }
    }
}

fn no_decay() -> f64 {
    1.0
}

/// Per-epoch learning-rate factor of the default run.
pub const DEFAULT_LR_DECAY: f64 = 0.8;

/// Epochs of the default run.
pub const DEFAULT_EPOCHS: usize = 10;
/// Learning rate of the default run.
pub const DEFAULT_LR: f64 = 0.02;

/// Epochs of [`TrainConfig::best`].
pub const BEST_EPOCHS: usize = 60;
/// The augmentations of [`TrainConfig::best`], as `--augment` takes them.
pub const BEST_AUGMENT: &str = "elastic";

impl TrainConfig {
    /// The best settings this project has found for the 8,000 embedded
    /// digits (`lenet train --preset best`): the defaults, with
    /// [`BEST_EPOCHS`] epochs, the cosine schedule and [`BEST_AUGMENT`]
    /// augmentation. Why: without augmentation the network learns the
    /// training set (100% training accuracy by epoch ~10) and validation
    /// accuracy stops rising (97.35%); distorting every image anew each
    /// epoch gives it more different digits than it can memorise, so it
    /// keeps learning what varies between digits rather than the images, and
    /// the longer run with a rate that falls smoothly to 0 lets it settle. The
    /// README gives the validation accuracy over three seeds and the command
    /// that measures it; chapter 6.1 shows what each technique adds.
    pub fn best() -> Self {
        TrainConfig {
            epochs: BEST_EPOCHS,
            lr_schedule: LrSchedule::Cosine,
            augment: Augment::parse(BEST_AUGMENT).expect("BEST_AUGMENT names augmentations"),
            ..TrainConfig::default()
        }
    }

    /// `Ok` if the numbers make sense.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first setting out of range, its value
    /// and the range it must be in.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |setting, value: String, must_be| Err(ConfigError { setting, value, must_be });
        let num = |x: f64| number_text(x);
        // The rates are used as f32: a value that is fine as f64 may be 0,
        // infinite or 1 there.
        let f32_ok = |x: f64| (x as f32).is_finite();
        if self.epochs > MAX_EPOCHS {
            return bad("epochs", self.epochs.to_string(), "at most 100000");
        }
        if self.batch_size == 0 {
            return bad("batch size", "0".into(), "at least 1");
        }
        let max = max_threads();
        if !(1..=max).contains(&self.threads) {
            return bad(
                "threads",
                format!("{} (this machine allows 1 to {max})", self.threads),
                "at least 1 and at most 8 per CPU",
            );
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("learning rate", num(self.lr), "a positive number");
        }
        if !(f32_ok(self.lr) && self.lr as f32 > 0.0) {
            return bad("learning rate", num(self.lr), "a positive number that f32 holds (1e-45 to 3.4e38)");
        }
        if !(self.lr_decay > 0.0 && self.lr_decay <= 1.0 && self.lr_decay as f32 > 0.0) {
            return bad("learning-rate decay", num(self.lr_decay), "in (0, 1] and above 0 as f32");
        }
        let last = self.lr_at(self.epochs.max(1));
        let last_positive = (last as f32) > 0.0;
        if !last_positive {
            return bad(
                "learning rate",
                format!("{} with {}: {} in epoch {}", num(self.lr), self.schedule_text(), num(last), self.epochs),
                "still above 0 as f32 in the last epoch",
            );
        }
        if !((0.0..1.0).contains(&self.momentum) && (self.momentum as f32) < 1.0) {
            return bad("momentum", num(self.momentum), "in [0, 1), and below 1 as f32 (at most 0.99999994)");
        }
        if !(self.weight_decay >= 0.0 && f32_ok(self.weight_decay)) {
            return bad("weight decay", num(self.weight_decay), "≥ 0 and finite as f32 (at most 3.4e38)");
        }
        if self.limit == Some(0) {
            return bad("limit", "0".into(), "at least 1");
        }
        self.augment.validate()
    }

    /// The training images a run on a training set of `available` images
    /// uses: all of them, or the first [`TrainConfig::limit`].
    pub fn images_used(&self, available: usize) -> usize {
        self.limit.map_or(available, |l| l.min(available))
    }

    /// `Ok` if a batch fits in the `images` training images used.
    ///
    /// # Errors
    /// A [`ConfigError`] for the batch size.
    pub fn check_batch_size(&self, images: usize) -> Result<(), ConfigError> {
        if self.batch_size > images {
            return Err(ConfigError {
                setting: "batch size",
                value: format!("{} (the run trains on {images} images)", self.batch_size),
                must_be: "at most the number of training images",
            });
        }
        Ok(())
    }

    /// `decay 0.8` or `the cosine schedule`, for messages.
    fn schedule_text(&self) -> String {
        match self.lr_schedule {
            LrSchedule::Exponential => format!("decay {}", number_text(self.lr_decay)),
            LrSchedule::Cosine => "the cosine schedule".to_string(),
        }
    }

    /// The learning rate of epoch `epoch` (from 1): η·γ^(e−1), or
    /// η·½(1 + cos(π(e−1)/E)) with the cosine schedule.
    pub fn lr_at(&self, epoch: usize) -> f64 {
        let done = epoch.saturating_sub(1);
        match self.lr_schedule {
            LrSchedule::Exponential => self.lr * self.lr_decay.powi(done as i32),
            LrSchedule::Cosine => {
                let total = self.epochs.max(1) as f64;
                self.lr * 0.5 * (1.0 + (std::f64::consts::PI * done as f64 / total).cos())
            }
        }
    }
}
