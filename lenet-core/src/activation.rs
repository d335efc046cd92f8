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

/// Which σ a layer applies: used by the layer functions, by LeNet's
/// `lenet::model::Arch` (its serialised names `"Relu"`, `"Sigmoid"`,
/// `"Tanh"` are those of model files), by the fast path and by the pictures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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

    /// σ′(z) written in terms of the output a = σ(z), which is what a
    /// backward pass that keeps only the outputs has (the fast path does):
    /// ReLU 𝟙(a > 0), sigmoid a (1 − a), tanh 1 − a². The same numbers as
    /// [`Activation::prime`], since each σ′ above is a function of σ(z)
    /// (ReLU: a > 0 exactly when z > 0).
    #[inline(always)]
    pub fn prime_from_output<F: Real>(self, a: F) -> F {
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

    /// The name as prose and figures write it: "ReLU", "sigmoid", "tanh".
    pub fn title(self) -> &'static str {
        match self {
            Activation::Relu => "ReLU",
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

    #[test]
    fn slope_from_the_output_is_the_slope() {
        for f in [Activation::Relu, Activation::Sigmoid, Activation::Tanh] {
            for z in [-3.0_f64, -0.5, 0.0, 0.25, 2.0] {
                let (from_a, from_z) = (f.prime_from_output(f.value(z)), f.prime(z));
                assert!((from_a - from_z).abs() < 1e-15, "{f:?} at {z}: {from_a} vs {from_z}");
            }
        }
    }
}
