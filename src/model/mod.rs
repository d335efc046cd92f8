//! LeNet-5 for 28×28 grey images, as one network with two implementations:
//! a readable one composed from this crate's layer functions (one column per
//! sample, every intermediate kept), and a fast one (`crate::fast`) that
//! computes the same numbers with im2col + matrix products over a batch split
//! across threads.
//!
//! The network (shapes per sample):
//!
//! | layer | computation | output |
//! |---|---|---|
//! | conv1 | 6 kernels 5×5, padding 2, then activation | 6×28×28 |
//! | pool1 | 2×2, stride 2 | 6×14×14 |
//! | conv2 | 16 kernels 6×5×5, no padding, then activation | 16×10×10 |
//! | pool2 | 2×2, stride 2 | 16×5×5 = 400 |
//! | fc1 | z = W a + b, W 120×400, then activation | 120 |
//! | fc2 | W 84×120, then activation | 84 |
//! | fc3 | W 10×84 (the logits) | 10 |
//!
//! followed by softmax cross-entropy. Parameter gradients follow the crate's
//! batch convention: they are batch averages of per-sample terms, i.e. the
//! gradients of the mean loss.

pub mod file;
mod params;
mod readable;

pub use params::{Params, PARAM_NAMES};
pub use readable::Trace;

use crate::element::Real;
use ndarray::{Array2, Array4, Axis};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// The pointwise nonlinearity after conv1, conv2, fc1 and fc2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// max(0, z); derivative 1 for z > 0, else 0.
    Relu,
    /// σ(z) = 1/(1 + e⁻ᶻ); derivative σ(1 − σ).
    Sigmoid,
    /// tanh z; derivative 1 − tanh² z.
    Tanh,
}

impl Activation {
    /// a = σ(z).
    pub fn apply<F: Real>(self, z: F) -> F {
        match self {
            Activation::Relu => z.max(F::zero()),
            Activation::Sigmoid => F::one() / (F::one() + (-z).exp()),
            Activation::Tanh => z.tanh(),
        }
    }

    /// σ′(z) written in terms of the output a = σ(z), which is what the
    /// backward pass has stored: ReLU 𝟙(a > 0), sigmoid a(1 − a), tanh 1 − a².
    pub fn slope_from_output<F: Real>(self, a: F) -> F {
        match self {
            Activation::Relu => {
                if a > F::zero() {
                    F::one()
                } else {
                    F::zero()
                }
            }
            Activation::Sigmoid => a * (F::one() - a),
            Activation::Tanh => F::one() - a * a,
        }
    }
}

/// How the two subsampling layers reduce each 2×2 window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pooling {
    /// The largest entry; the gradient flows back only to it.
    Max,
    /// The average; a quarter of the gradient flows back to each of the four entries.
    Mean,
}

/// The choices that distinguish LeNet variants; the shapes never change.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arch {
    pub activation: Activation,
    pub pooling: Pooling,
}

impl Arch {
    /// ReLU and max pooling: what trains fastest today.
    pub fn modern() -> Self {
        Arch { activation: Activation::Relu, pooling: Pooling::Max }
    }

    /// tanh and mean pooling: close to LeCun's original and to the notes,
    /// whose saturating units make the vanishing of δ visible.
    pub fn classic() -> Self {
        Arch { activation: Activation::Tanh, pooling: Pooling::Mean }
    }
}

/// The result of one forward and backward pass over a batch.
#[derive(Clone, Debug)]
pub struct Step<F> {
    /// Mean softmax cross-entropy over the batch.
    pub loss: F,
    /// How many samples the logits classify correctly (arg max = label).
    pub correct: usize,
    /// Gradients of the mean loss, shaped like the parameters.
    pub grads: Params<F>,
}

/// Loss and accuracy of a forward pass without gradients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eval<F> {
    /// Mean softmax cross-entropy over the samples.
    pub loss: F,
    /// How many samples are classified correctly.
    pub correct: usize,
}

/// LeNet-5: its architecture, its parameters, and (privately) reusable
/// buffers for the fast path, so training does not allocate per batch.
/// Build it with [`LeNet::new`] or [`LeNet::from_params`].
pub struct LeNet<F: Real> {
    pub arch: Arch,
    pub params: Params<F>,
    scratch: Mutex<crate::fast::Scratch<F>>,
}

impl<F: Real> Clone for LeNet<F> {
    fn clone(&self) -> Self {
        LeNet::from_parts(self.arch, self.params.clone())
    }
}

impl<F: Real> std::fmt::Debug for LeNet<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeNet").field("arch", &self.arch).field("params", &self.params).finish()
    }
}

impl<F: Real> LeNet<F> {
    /// A freshly initialised network (see [`Params::init`]).
    pub fn new(arch: Arch, seed: u64) -> Self {
        Self::from_parts(arch, Params::init(&arch, seed))
    }

    /// A network with the given parameters, after checking that every tensor
    /// has LeNet's shape (the error names the first tensor that does not).
    pub fn from_params(arch: Arch, params: Params<F>) -> Result<Self, crate::error::ShapeError> {
        params.check_lenet_shapes()?;
        Ok(Self::from_parts(arch, params))
    }

    fn from_parts(arch: Arch, params: Params<F>) -> Self {
        LeNet { arch, params, scratch: Mutex::new(Default::default()) }
    }

    /// The logits (10×N, one column per sample) of a batch `x` (N×1×28×28),
    /// by the fast path with the batch split across `threads` threads.
    ///
    /// # Panics
    /// If `x` is not N×1×28×28.
    pub fn logits(&self, x: &Array4<F>, threads: usize) -> Array2<F> {
        crate::fast::run(self, x, None, threads, false).logits
    }

    /// Class predictions (arg max of the logits) for each sample of `x`.
    pub fn predict(&self, x: &Array4<F>, threads: usize) -> Vec<usize> {
        let logits = self.logits(x, threads);
        logits.axis_iter(Axis(1)).map(|col| argmax(col.iter().copied())).collect()
    }

    /// Mean loss and number correct, forward only (for evaluation).
    ///
    /// # Panics
    /// If `x` is not N×1×28×28, `labels` has not N entries, or a label is ≥ 10.
    pub fn evaluate(&self, x: &Array4<F>, labels: &[usize], threads: usize) -> Eval<F> {
        let out = crate::fast::run(self, x, Some(labels), threads, false);
        Eval { loss: out.loss, correct: out.correct }
    }

    /// Mean loss, number correct and the gradients of the mean loss, by the
    /// fast path. The result is bit-for-bit reproducible and independent of
    /// `threads`: the batch is cut into chunks that depend only on its size,
    /// and their gradient sums are added in chunk order (see `crate::fast`).
    ///
    /// # Panics
    /// As [`LeNet::evaluate`].
    pub fn loss_and_grads(&self, x: &Array4<F>, labels: &[usize], threads: usize) -> Step<F> {
        let out = crate::fast::run(self, x, Some(labels), threads, true);
        Step {
            loss: out.loss,
            correct: out.correct,
            grads: out.grads.expect("gradients were requested"),
        }
    }

    /// The same loss and gradients as [`LeNet::loss_and_grads`], composed
    /// from the crate's readable layer functions (see [`LeNet::trace`]).
    pub fn readable_loss_and_grads(&self, x: &Array4<F>, labels: &[usize]) -> Step<F> {
        let t = self.trace(x, labels);
        Step { loss: t.loss, correct: t.correct, grads: t.grads }
    }

    /// Every intermediate of the readable forward pass and every δ of its
    /// backward pass (see [`Trace`]).
    pub fn trace(&self, x: &Array4<F>, labels: &[usize]) -> Trace<F> {
        readable::trace(&self.arch, &self.params, x, labels)
    }

    /// Takes the fast path's reusable buffers (empty ones if another call
    /// holds them).
    pub(crate) fn take_scratch(&self) -> crate::fast::Scratch<F> {
        std::mem::take(&mut *self.scratch.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Keeps buffers for the next call.
    pub(crate) fn return_scratch(&self, s: crate::fast::Scratch<F>) {
        *self.scratch.lock().unwrap_or_else(|e| e.into_inner()) = s;
    }
}

/// Index of the largest value (the first, on ties).
pub(crate) fn argmax<F: Real>(values: impl Iterator<Item = F>) -> usize {
    let mut best = (0, F::neg_infinity());
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}
