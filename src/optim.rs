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
        let (lr, mu, wd) = (self.lr, self.momentum, self.weight_decay);
        let vs = self.velocity.tensors_mut();
        let ws = params.tensors_mut();
        let gs = grads.tensors();
        let update = |v: &mut F, w: &mut F, g: F| {
            *v = mu * *v + g + wd * *w;
            *w = *w - lr * *v;
        };
        for (((_, mut v), (_, mut w)), (_, g)) in vs.into_iter().zip(ws).zip(gs) {
            // Contiguous tensors (always, for Params built by this crate) as
            // plain slices: a loop the compiler vectorises, where a Zip over
            // dynamic-dimensional views steps index by index.
            match (v.as_slice_mut(), w.as_slice_mut(), g.as_slice()) {
                (Some(v), Some(w), Some(g)) => {
                    v.iter_mut().zip(w.iter_mut()).zip(g).for_each(|((v, w), &g)| update(v, w, g));
                }
                _ => ndarray::Zip::from(&mut v).and(&mut w).and(&g).for_each(|v, w, &g| update(v, w, g)),
            }
        }
    }
}
