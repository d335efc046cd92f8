//! Training LeNet with minibatch SGD: the loop, its history and checkpoints.
//!
//! Each epoch visits the training images in a fresh shuffled order (seeded
//! by the run's seed and the epoch), in minibatches; each batch takes one SGD
//! step on the gradient of its mean loss. After each epoch the model is
//! measured on the test set, and the history and a checkpoint are written to
//! the run folder, so an interrupted run can be resumed exactly.

pub mod config;
pub mod eval;
pub mod history;
pub mod report;
pub mod run;

pub use config::TrainConfig;
pub use eval::{evaluate, Evaluation};
pub use history::{EpochStats, History};
pub use run::{epoch_order, resume, train, Outcome, Progress, Silent, TrainError, CHECKPOINT_FILE, HISTORY_FILE};
