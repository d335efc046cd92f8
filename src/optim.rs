//! Stochastic gradient descent with momentum and weight decay.
//!
//! For every parameter tensor W with gradient g (of the mean batch loss):
//!
//! v ← μ v + (g + λ W)
//! W ← W − η v
//!
//! with learning rate η, momentum μ and weight decay λ. The term λ W is the
//! gradient of the penalty (λ/2)‖W‖², which pulls weights towards zero.
//! With μ = 0 this is plain SGD, W ← W − η (g + λ W); with μ > 0, v is an
//! exponentially weighted sum of past gradients, so steps along directions
//! the gradients agree on grow up to 1/(1 − μ) times, while oscillating
//! components cancel. This is the form PyTorch's `torch.optim.SGD` uses
//! (with dampening 0 and no Nesterov), so the two train identically.
//! Biases are decayed like weights, as in PyTorch's default.

use crate::element::Real;
use crate::error::ShapeError;
use crate::model::Params;

/// SGD with momentum μ and weight decay λ; `velocity` is v above.
#[derive(Clone, Debug)]
pub struct Sgd<F> {
    /// η, the learning rate.
    pub lr: F,
    /// μ, the momentum coefficient in [0, 1).
    pub momentum: F,
    /// λ, the L2 weight decay coefficient.
    pub weight_decay: F,
    velocity: Params<F>,
}

impl<F: Real> Sgd<F> {
    /// An optimiser for parameters shaped like `params`, with v = 0.
    pub fn new(params: &Params<F>, lr: F, momentum: F, weight_decay: F) -> Self {
        Sgd { lr, momentum, weight_decay, velocity: params.zeros_like() }
    }

    /// The velocity v (for checkpoints, or to plot it).
    pub fn velocity(&self) -> &Params<F> {
        &self.velocity
    }

    /// Replaces the velocity, e.g. when resuming from a checkpoint.
    ///
    /// # Errors
    /// A [`ShapeError`] naming the first tensor of `v` whose shape differs
    /// from the current velocity's; the velocity is then left as it was.
    pub fn set_velocity(&mut self, v: Params<F>) -> Result<(), ShapeError> {
        self.velocity.shapes_match(&v)?;
        self.velocity = v;
        Ok(())
    }

    /// One update: v ← μ v + (g + λ W), then W ← W − η v, for every tensor.
    ///
    /// # Panics
    /// If `params` or `grads` are not shaped like the velocity; the message
    /// names the tensor.
    pub fn step(&mut self, params: &mut Params<F>, grads: &Params<F>) {
        if let Err(e) = self.velocity.shapes_match(params).and(self.velocity.shapes_match(grads)) {
            panic!("Sgd::step: {e}");
        }
        let rule = self.rule();
        let vs = self.velocity.tensors_mut();
        let ws = params.tensors_mut();
        let gs = grads.tensors();
        for (((_, mut v), (_, mut w)), (_, g)) in vs.into_iter().zip(ws).zip(gs) {
            // Contiguous tensors (always, for Params built by this crate) as
            // plain slices: a loop the compiler vectorises, where a Zip over
            // dynamic-dimensional views steps index by index.
            match (v.as_slice_mut(), w.as_slice_mut(), g.as_slice()) {
                (Some(v), Some(w), Some(g)) => rule.update(w, v, g),
                _ => ndarray::Zip::from(&mut v).and(&mut w).and(&g).for_each(|v, w, &g| rule.update_one(w, v, g)),
            }
        }
    }

    /// The update with this optimiser's settings, apart from its velocity:
    /// for [`LeNet::train_step`](crate::model::LeNet::train_step), which
    /// applies it piece by piece to the velocity ([`Sgd::velocity_mut`]).
    pub fn rule(&self) -> SgdRule<F> {
        SgdRule { lr: self.lr, momentum: self.momentum, weight_decay: self.weight_decay }
    }

    /// The velocity, to be updated by [`SgdRule::update`] in pieces.
    pub fn velocity_mut(&mut self) -> &mut Params<F> {
        &mut self.velocity
    }
}

/// η, μ and λ of an [`Sgd`]: the update entry by entry, without the
/// velocity it updates. [`Sgd::step`] is this on every tensor.
#[derive(Clone, Copy, Debug)]
pub struct SgdRule<F> {
    pub lr: F,
    pub momentum: F,
    pub weight_decay: F,
}

impl<F: Real> SgdRule<F> {
    /// v ← μ v + g + λ w, then w ← w − η v, for one entry.
    #[inline(always)]
    pub fn update_one(&self, w: &mut F, v: &mut F, g: F) {
        *v = self.momentum * *v + g + self.weight_decay * *w;
        *w = *w - self.lr * *v;
    }

    /// [`SgdRule::update_one`] on every entry of a stretch of one tensor: its
    /// parameters `w`, their velocity `v` and the mean gradient `g`.
    ///
    /// # Panics
    /// If the three are not the same length.
    pub fn update(&self, w: &mut [F], v: &mut [F], g: &[F]) {
        assert!(
            w.len() == v.len() && v.len() == g.len(),
            "SgdRule::update: {} parameters, {} velocities, {} gradients",
            w.len(),
            v.len(),
            g.len()
        );
        w.iter_mut().zip(v.iter_mut()).zip(g).for_each(|((w, v), &g)| self.update_one(w, v, g));
    }
}
