//! The activation functions σ and their derivatives σ′.
//!
//! A layer computes a = σ(z) entry by entry, so its backward pass is an
//! entry-wise product: ∂C/∂z = ∂C/∂a ⊙ σ′(z). That product is the
//! "⊙ σ′(z^l)" factor of every δ in the derivation.

use crate::element::Real;
use ndarray::{Array, Dimension, Zip};

/// ReLU: σ(z) = max(0, z).
pub fn relu<F: Real>(z: F) -> F {
    if z > F::zero() { z } else { F::zero() }
}

/// ReLU's derivative: σ′(z) = 1 for z > 0, 0 for z < 0. At the kink z = 0
/// ReLU has no derivative; we use 0 there (as PyTorch does).
pub fn relu_prime<F: Real>(z: F) -> F {
    if z > F::zero() { F::one() } else { F::zero() }
}

/// The logistic sigmoid: σ(z) = 1 / (1 + e^(−z)).
///
/// For z < 0 it is computed as e^z / (1 + e^z), the same value, so that
/// e^(−z) never overflows.
pub fn sigmoid<F: Real>(z: F) -> F {
    if z >= F::zero() {
        F::one() / (F::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (F::one() + e)
    }
}

/// The sigmoid's derivative: σ′(z) = σ(z) (1 − σ(z)).
pub fn sigmoid_prime<F: Real>(z: F) -> F {
    let s = sigmoid(z);
    s * (F::one() - s)
}

/// The hyperbolic tangent: σ(z) = (e^z − e^(−z)) / (e^z + e^(−z)).
pub fn tanh<F: Real>(z: F) -> F {
    z.tanh()
}

/// The derivative of tanh: σ′(z) = 1 − tanh²(z).
pub fn tanh_prime<F: Real>(z: F) -> F {
    let t = z.tanh();
    F::one() - t * t
}

/// Which σ a layer applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// max(0, z)
    Relu,
    /// 1 / (1 + e^(−z))
    Sigmoid,
    /// tanh z
    Tanh,
}

impl Activation {
    /// σ of a single number.
    pub fn value<F: Real>(self, z: F) -> F {
        match self {
            Activation::Relu => relu(z),
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => tanh(z),
        }
    }

    /// σ′ of a single number.
    pub fn prime<F: Real>(self, z: F) -> F {
        match self {
            Activation::Relu => relu_prime(z),
            Activation::Sigmoid => sigmoid_prime(z),
            Activation::Tanh => tanh_prime(z),
        }
    }

    /// a = σ(z), entry by entry, for an array of any dimension.
    pub fn apply<F: Real, D: Dimension>(self, z: &Array<F, D>) -> Array<F, D> {
        z.mapv(|v| self.value(v))
    }

    /// σ′(z), entry by entry.
    pub fn derivative<F: Real, D: Dimension>(self, z: &Array<F, D>) -> Array<F, D> {
        z.mapv(|v| self.prime(v))
    }

    // ANCHOR: backward
    /// The backward pass: ∂C/∂z = ∂C/∂a ⊙ σ′(z), with `dy` = ∂C/∂a.
    ///
    /// # Panics
    /// If `dy` and `z` differ in shape; the message names both.
    pub fn backward<F: Real, D: Dimension>(self, dy: &Array<F, D>, z: &Array<F, D>) -> Array<F, D> {
        assert_eq!(
            dy.shape(),
            z.shape(),
            "activation backward: ∂C/∂a has shape {:?} but z has shape {:?}",
            dy.shape(),
            z.shape()
        );
        Zip::from(dy).and(z).map_collect(|&g, &v| g * self.prime(v))
    }
    // ANCHOR_END: backward

    /// The name used in reports and notebooks: "relu", "sigmoid", "tanh".
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(relu(-2.0), 0.0);
        assert_eq!(relu(3.0), 3.0);
        assert_eq!(relu_prime(0.0), 0.0);
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid_prime(0.0), 0.25);
        assert_eq!(tanh_prime(0.0), 1.0);
        // No overflow far out in either tail.
        assert_eq!(sigmoid(-1000.0_f64), 0.0);
        assert_eq!(sigmoid(1000.0_f64), 1.0);
        assert!((sigmoid(-3.0_f64) + sigmoid(3.0) - 1.0).abs() < 1e-15);
    }
}
