//! Training LeNet with minibatch SGD: the loop, its history and checkpoints.
//!
//! Each epoch visits the training images in a fresh shuffled order (seeded
//! by the run's seed and the epoch), in minibatches; each batch takes one SGD
//! step on the gradient of its mean loss. After each epoch the model is
//! measured on the held-out split (the validation set of the embedded
//! digits, the test set of MNIST and Fashion-MNIST), and the history and a checkpoint are written to
//! the run folder, so an interrupted run can be resumed exactly.
//!
//! | file | its one job |
//! |---|---|
//! | [`config`] | the settings of a run and their validation |
//! | [`run`] | the loop: train an epoch → evaluate → save |
//! | [`eval`] | loss, accuracy and confusion matrix of a model on a data set |
//! | [`history`] | what each epoch measured |
//! | [`run_folder`] | the run folder: every file name in it, and their writing |
//! | [`checkpoint`] | the checkpoint format: what it holds, its read and write |
//! | [`lock`] | one run per folder: the run folder's lock |
//! | [`report`] | looking into a trained model: feature maps, one image's pass, mistakes |

pub mod checkpoint;
pub mod config;
pub mod eval;
pub mod history;
pub mod lock;
pub mod report;
pub mod run;
pub mod run_folder;

pub use checkpoint::Checkpoint;
pub use config::{DataRecord, LrSchedule, TrainConfig};
pub use eval::{Evaluation, TestTime, evaluate, evaluate_with};
pub use history::{EpochStats, EpochTable, History};
pub use lock::RunLock;
pub use run::{
    Outcome, Progress, ResumeOptions, Silent, augment_rng, epoch_order, resume, resume_with, train, train_from,
};
pub use run_folder::{CHECKPOINT_FILE, HISTORY_FILE, LOCK_FILE, MODEL_FILE, RunFolder};
