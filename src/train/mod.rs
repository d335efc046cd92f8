//! Training LeNet with minibatch SGD: the loop, its history and checkpoints.

pub mod history;

pub use history::{EpochStats, History};
