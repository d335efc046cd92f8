//! LeNet-5 for 28×28 grey images, as one network with two implementations:
//! a readable one composed from this crate's layer functions (one column per
//! sample, every intermediate kept), and a fast one ([`fast`]) that
//! computes the same numbers with direct convolution kernels and matrix
//! products over a batch split across threads.
//!
//! The network, its shapes and the choices between LeNets ([`Arch`]) are
//! in [`arch`]; its parameters in [`Params`]; the readable pass in
//! [`trace()`]. Those three are `lenet_core::lenet5`'s, re-exported here
//! under the paths LeNet code has always used. The loss is softmax
//! cross-entropy. Parameter gradients follow the crate's
//! batch convention: they are batch averages of per-sample terms, i.e. the
//! gradients of the mean loss.
//!
//! Only this façade, [`LeNet`], uses the fast path: it holds a
//! [`fast::Engine`] (the fast path's buffers) and hands it
//! its architecture and parameters at each call.

pub mod fast;
pub mod file;
pub use lenet_core::lenet5::{arch, params, trace};

/// The one activation enum, [`crate::activation::Activation`], under the
/// path LeNet code has always used.
pub use crate::activation::Activation;
pub use arch::{Arch, Pooling};
pub use lenet_core::lenet5::Trace;
pub use params::{PARAM_NAMES, Params};

use crate::element::Real;
use crate::loss::argmax;
use fast::Engine;
pub use fast::Optimise;
use ndarray::{Array2, Array4, Axis};
use std::sync::Mutex;

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

/// LeNet-5: its architecture, its parameters, and (privately) the fast
/// path's engine with its reusable buffers, so training does not allocate
/// per batch. Build it with [`LeNet::new`] or [`LeNet::from_params`].
pub struct LeNet<F: Real> {
    pub arch: Arch,
    pub params: Params<F>,
    engine: Mutex<Engine<F>>,
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
    pub fn from_params(arch: Arch, params: Params<F>) -> Result<Self, crate::invalid::ShapeError> {
        params.check_lenet_shapes()?;
        Ok(Self::from_parts(arch, params))
    }

    fn from_parts(arch: Arch, params: Params<F>) -> Self {
        LeNet { arch, params, engine: Mutex::new(Engine::new()) }
    }

    /// The logits (10×N, one column per sample) of a batch `x` (N×1×28×28),
    /// by the fast path with the batch split across `threads` threads.
    ///
    /// # Panics
    /// If `x` is not N×1×28×28.
    pub fn logits(&self, x: &Array4<F>, threads: usize) -> Array2<F> {
        self.with_engine(|e, arch, params| e.forward(arch, params, x, None, threads)).logits
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
        let out = self.with_engine(|e, arch, params| e.forward(arch, params, x, Some(labels), threads));
        Eval { loss: out.loss, correct: out.correct }
    }

    /// Mean loss, number correct and the gradients of the mean loss, by the
    /// fast path. The result is bit-for-bit reproducible and independent of
    /// `threads`: the batch is cut into chunks that depend only on its size,
    /// and their gradient sums are added in chunk order (see [`fast`]).
    ///
    /// # Panics
    /// As [`LeNet::evaluate`].
    pub fn loss_and_grads(&self, x: &Array4<F>, labels: &[usize], threads: usize) -> Step<F> {
        let (out, grads) = self.with_engine(|e, arch, params| e.forward_backward(arch, params, x, labels, threads));
        Step { loss: out.loss, correct: out.correct, grads }
    }

    /// One training step on the fast path: the loss and gradients of
    /// [`LeNet::loss_and_grads`], then `opt.update` applied to every entry of
    /// the parameters and of the optimiser's `opt.state` with the mean
    /// gradient ([`fast::Optimise`]), bit for bit as `loss_and_grads`
    /// followed by the optimiser's step (e.g.
    /// [`Sgd::step`](crate::optim::Sgd::step)), for any `threads`; faster,
    /// because each thread updates the entries whose mean gradient it
    /// computed ([`Engine::train_step`]), and `opt.meanwhile` runs while the
    /// calling thread would wait for the others. With a loss that is not
    /// finite, the parameters are left as they were. Returns the loss and
    /// the number correct; the gradients are not kept.
    ///
    /// # Panics
    /// As [`LeNet::evaluate`], and if `opt.state` is not shaped like the
    /// parameters.
    pub fn train_step(
        &mut self,
        x: &Array4<F>,
        labels: &[usize],
        threads: usize,
        opt: fast::Optimise<F>,
    ) -> (F, usize) {
        // `&mut self`: the engine is this call's alone, no lock to take.
        let engine = self.engine.get_mut().unwrap_or_else(|e| e.into_inner());
        let out = engine.train_step(&self.arch, &mut self.params, x, labels, threads, opt);
        (out.loss, out.correct)
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
        trace(&self.arch, &self.params, x, labels)
    }

    /// Runs `f` with the fast path's engine, taken out of its mutex for the
    /// call so that the lock is not held while it runs: a second call at the
    /// same time (from another thread sharing `&self`) gets a fresh engine
    /// instead of waiting, and whichever finishes last keeps its buffers.
    fn with_engine<R>(&self, f: impl FnOnce(&mut Engine<F>, &Arch, &Params<F>) -> R) -> R {
        let lock = || self.engine.lock().unwrap_or_else(|e| e.into_inner());
        let mut engine = std::mem::take(&mut *lock());
        let out = f(&mut engine, &self.arch, &self.params);
        *lock() = engine;
        out
    }
}
