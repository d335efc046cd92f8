//! Initial weights at a chosen scale: N(0, σ²) with a fixed σ, Xavier
//! (Glorot) or He, for comparing how the scale of the initial weights
//! shapes the first forward and backward passes and the training that
//! follows. ([`Params::init`] is the crate's default, which picks He for
//! ReLU and Xavier uniform for tanh and the sigmoid.)
//!
//! Why the scale matters. A unit of a layer sums `fan_in` products w·a. With
//! independent zero-mean weights of variance s² and inputs of second moment
//! E(a²), Var(z) = fan_in · s² · E(a²). If fan_in · s² is far above 1, z
//! grows layer after layer (tanh and the sigmoid saturate, σ′ ≈ 0; ReLU
//! blows up); far below 1, it shrinks towards zero, and so does δ on the
//! way back, since δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l) multiplies by the
//! same weights. Xavier and He choose s² to keep these variances level.

use crate::element::Real;
use crate::model::Params;
use crate::rng::Rng;

/// How the weights are drawn; every weight is normal with zero mean, and
/// every bias starts at zero. Only the standard deviation differs
/// ([`Init::std`]), so a comparison between them is about scale alone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// W ~ N(0, σ²) whatever the layer's size: `Normal(1.0)` is N(0, 1),
    /// `Normal(0.01)` is 0.01·N(0, 1).
    Normal(f64),
    /// Xavier (Glorot) normal: Var(W) = 2 / (fan_in + fan_out), the
    /// compromise between keeping the forward variance (fan_in · Var(W) = 1)
    /// and the backward one (fan_out · Var(W) = 1) for units with σ′(0) = 1,
    /// like tanh.
    Xavier,
    /// He (Kaiming) normal: Var(W) = 2 / fan_in. ReLU zeroes about half of
    /// its inputs, halving E(a²); the factor 2 makes up for it.
    He,
}

impl Init {
    /// The four scales the book compares, in its order.
    pub const COMPARED: [Init; 4] = [Init::Normal(1.0), Init::Normal(0.01), Init::Xavier, Init::He];

    /// The standard deviation of a weight of a layer with these fans.
    pub fn std(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            Init::Normal(sigma) => sigma,
            Init::Xavier => (2.0 / (fan_in + fan_out) as f64).sqrt(),
            Init::He => (2.0 / fan_in as f64).sqrt(),
        }
    }

    /// A short name for tables and legends: `N(0,1)`, `0.01·N(0,1)`,
    /// `Xavier`, `He`.
    pub fn name(self) -> String {
        match self {
            Init::Normal(1.0) => "N(0,1)".into(),
            Init::Normal(sigma) => format!("{sigma}·N(0,1)"),
            Init::Xavier => "Xavier".into(),
            Init::He => "He".into(),
        }
    }
}

/// The fans of a weight tensor, shared with the default initialisation
/// ([`Params::init`]).
pub use crate::model::params::fans;

/// LeNet's parameters drawn as `init` says, reproducibly from `seed`: the
/// same seed gives the same parameters. The shapes are LeNet's whatever the
/// [`Arch`](crate::model::Arch), so no architecture is needed; the tensors
/// are filled in [`PARAM_NAMES`](crate::model::PARAM_NAMES) order from one
/// generator.
pub fn params<F: Real>(init: Init, seed: u64) -> Params<F> {
    let mut rng = Rng::new(seed);
    let mut p = Params::lenet_zeros();
    for (_, mut t) in p.tensors_mut() {
        if t.ndim() == 1 {
            continue; // biases start at zero
        }
        let (fan_in, fan_out) = fans(t.shape());
        let sd = init.std(fan_in, fan_out);
        t.iter_mut().for_each(|w| *w = F::of(sd * rng.normal()));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fans_of_lenets_tensors() {
        assert_eq!(fans(&[6, 1, 5, 5]), (25, 150));
        assert_eq!(fans(&[16, 6, 5, 5]), (150, 400));
        assert_eq!(fans(&[120, 400]), (400, 120));
    }

    #[test]
    fn names() {
        let names: Vec<String> = Init::COMPARED.iter().map(|i| i.name()).collect();
        assert_eq!(names, ["N(0,1)", "0.01·N(0,1)", "Xavier", "He"]);
    }

    /// The sample mean and variance of every weight tensor, pooled over 20
    /// seeds, match N(0, std²) with std from the formula and the tensor's fans.
    ///
    /// The bound: for n independent N(0, s²) draws the sample mean has
    /// standard deviation s/√n and the sample variance v has relative
    /// standard deviation √(2/(n−1)). We allow 6 of these standard errors
    /// (a chance failure has probability below 1e-8 per check for a normal
    /// statistic). The smallest tensor, conv1's 150 weights, gives n = 3000
    /// draws, so its variance is pinned to within 6·√(2/2999) ≈ 15%; the
    /// larger tensors much more tightly. A wrong fan (fan_out for fan_in, or
    /// the kernel area left out) changes conv1's variance by a factor of 6
    /// or 25, far outside the bound.
    #[test]
    fn weights_have_the_formulas_variance() {
        let seeds = 20;
        for init in Init::COMPARED {
            let drawn: Vec<Params<f64>> = (0..seeds).map(|s| params(init, s)).collect();
            for k in 0..10 {
                let (name, first) = &drawn[0].tensors()[k];
                if first.ndim() == 1 {
                    assert!(drawn.iter().all(|p| p.tensors()[k].1.iter().all(|&b| b == 0.0)), "{name}: bias not 0");
                    continue;
                }
                let (fan_in, fan_out) = fans(first.shape());
                let s = init.std(fan_in, fan_out);
                let values: Vec<f64> =
                    drawn.iter().flat_map(|p| p.tensors()[k].1.iter().copied().collect::<Vec<_>>()).collect();
                let n = values.len() as f64;
                let mean = values.iter().sum::<f64>() / n;
                let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
                assert!(mean.abs() < 6.0 * s / n.sqrt(), "{} {name}: mean {mean} for std {s}", init.name());
                let rel = (var / (s * s) - 1.0).abs();
                assert!(
                    rel < 6.0 * (2.0 / (n - 1.0)).sqrt(),
                    "{} {name}: variance {var}, formula {}",
                    init.name(),
                    s * s
                );
            }
        }
    }

    #[test]
    fn the_formulas() {
        // conv2: fan_in 150, fan_out 400.
        assert!((Init::Xavier.std(150, 400) - (2.0f64 / 550.0).sqrt()).abs() < 1e-15);
        assert!((Init::He.std(150, 400) - (2.0f64 / 150.0).sqrt()).abs() < 1e-15);
        assert_eq!(Init::Normal(0.01).std(150, 400), 0.01);
    }

    #[test]
    fn same_seed_same_params_other_seed_other_params() {
        for init in Init::COMPARED {
            assert_eq!(params::<f32>(init, 7), params::<f32>(init, 7));
            assert_ne!(params::<f32>(init, 7), params::<f32>(init, 8));
        }
        // The shapes are LeNet's.
        assert!(params::<f32>(Init::He, 1).check_lenet_shapes().is_ok());
    }

    #[test]
    #[should_panic(expected = "at least two dimensions")]
    fn a_bias_has_no_fans() {
        fans(&[6]);
    }
}
