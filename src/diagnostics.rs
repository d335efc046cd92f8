//! Per-layer health of a network on one batch, read off the readable pass
//! ([`Trace`]): how spread out each layer's output is, how large δ and the
//! weight gradient are, how much σ′ lets through, and how many ReLU units
//! are dead. These are the numbers that show a bad initial scale (outputs
//! that explode or vanish) and the vanishing gradient of saturating units.

use crate::activation::Activation;
use crate::element::Real;
use crate::model::{Arch, Trace};
use ndarray::{ArrayViewD, Axis};

/// One layer with weights (conv1, conv2, fc1, fc2, fc3) on one batch.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerStats {
    /// `conv1`, `conv2`, `fc1`, `fc2` or `fc3`.
    pub layer: &'static str,
    /// The standard deviation of the layer's output a^l = σ(z^l) over every
    /// entry of every sample (the logits for fc3, which has no σ).
    pub output_std: f64,
    /// The size of δ^l = ∂C_n/∂z^l per sample: √(mean over the samples n of
    /// ‖δ^l_n‖²), with ‖·‖ the Euclidean norm over all of the layer's
    /// entries. How much error signal reaches the layer; unlike a mean over
    /// entries, it does not shrink just because a layer has more entries.
    pub delta_norm: f64,
    /// ‖∂C/∂W^l‖, the Frobenius norm of the gradient of the mean loss with
    /// respect to the layer's weights (what SGD steps by, times η).
    pub weight_grad_norm: f64,
    /// The mean of σ′(z^l) over every entry of every sample: the average
    /// factor by which `⊙ σ′(z^l)` scales ∂C/∂a into δ. At most 1/4 for
    /// the sigmoid, 1 for tanh; for ReLU the share of open gates. `None`
    /// for fc3, which applies no σ.
    pub mean_slope: Option<f64>,
    /// For ReLU layers, the share of units (entries of one sample's z^l)
    /// with z ≤ 0 for every sample of the batch: dead on this batch, since
    /// σ′ = 0 there for all of them, so no gradient reaches their inputs.
    /// `None` for other activations and for fc3.
    pub dead_fraction: Option<f64>,
}

/// The standard deviation of all entries (dividing by their count): the
/// spread of a layer's outputs. 0 for no entries.
pub fn spread<F: Real>(values: ArrayViewD<'_, F>) -> f64 {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|v| v.f64()).sum::<f64>() / n;
    (values.iter().map(|v| (v.f64() - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// The Frobenius norm √(Σ v²) of all entries.
///
/// With `samples` samples stacked in `values`, `norm(values) / √samples`
/// is the root mean square over the samples of each one's norm.
pub fn norm<F: Real>(values: ArrayViewD<'_, F>) -> f64 {
    values.iter().map(|v| v.f64().powi(2)).sum::<f64>().sqrt()
}

/// The share of units whose pre-activation is ≤ 0 for every sample, where
/// `samples` is the axis of `z` that runs over the batch (0 for N×C×H×W
/// maps, 1 for the units × N columns of a fully connected layer) and a unit
/// is one position along the other axes. 0 for no units.
///
/// # Panics
/// If `samples` is not an axis of `z`.
pub fn dead_fraction<F: Real>(z: ArrayViewD<'_, F>, samples: usize) -> f64 {
    assert!(samples < z.ndim(), "the sample axis {samples} is not an axis of a {}-dimensional array", z.ndim());
    // The largest z of each unit over the batch: the unit is dead iff it is ≤ 0.
    let units = z.len() / z.len_of(Axis(samples)).max(1);
    if units == 0 {
        return 0.0;
    }
    let first = z.index_axis(Axis(samples), 0).to_owned();
    let max = z.axis_iter(Axis(samples)).fold(first, |mut m, s| {
        m.zip_mut_with(&s, |a, &b| {
            if b > *a {
                *a = b
            }
        });
        m
    });
    max.iter().filter(|&&v| v <= F::zero()).count() as f64 / units as f64
}

/// The statistics of conv1, conv2, fc1, fc2 and fc3, in that order, from a
/// trace of `arch` over a batch (see [`LayerStats`]).
pub fn layer_stats<F: Real>(arch: &Arch, t: &Trace<F>) -> Vec<LayerStats> {
    let f = arch.activation;
    let samples_in_batch = t.x.dim().0.max(1);
    let slope = |z: ArrayViewD<'_, F>| {
        let n = z.len().max(1) as f64;
        z.iter().map(|&v| f.prime(v).f64()).sum::<f64>() / n
    };
    let dead = |z: ArrayViewD<'_, F>, samples| (f == Activation::Relu).then(|| dead_fraction(z, samples));
    let hidden =
        |layer, a: ArrayViewD<'_, F>, z: ArrayViewD<'_, F>, delta: ArrayViewD<'_, F>, gw, samples| LayerStats {
            layer,
            output_std: spread(a),
            delta_norm: norm(delta) / (samples_in_batch as f64).sqrt(),
            weight_grad_norm: norm(gw),
            mean_slope: Some(slope(z.view())),
            dead_fraction: dead(z, samples),
        };
    let g = &t.grads;
    vec![
        hidden(
            "conv1",
            t.conv1_a.view().into_dyn(),
            t.conv1_z.view().into_dyn(),
            t.delta_conv1.view().into_dyn(),
            g.conv1_w.view().into_dyn(),
            0,
        ),
        hidden(
            "conv2",
            t.conv2_a.view().into_dyn(),
            t.conv2_z.view().into_dyn(),
            t.delta_conv2.view().into_dyn(),
            g.conv2_w.view().into_dyn(),
            0,
        ),
        hidden(
            "fc1",
            t.fc1_a.view().into_dyn(),
            t.fc1_z.view().into_dyn(),
            t.delta_fc1.view().into_dyn(),
            g.fc1_w.view().into_dyn(),
            1,
        ),
        hidden(
            "fc2",
            t.fc2_a.view().into_dyn(),
            t.fc2_z.view().into_dyn(),
            t.delta_fc2.view().into_dyn(),
            g.fc2_w.view().into_dyn(),
            1,
        ),
        LayerStats {
            layer: "fc3",
            output_std: spread(t.logits.view().into_dyn()),
            delta_norm: norm(t.delta_fc3.view().into_dyn()) / (samples_in_batch as f64).sqrt(),
            weight_grad_norm: norm(g.fc3_w.view().into_dyn()),
            mean_slope: None,
            dead_fraction: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{self, Init};
    use crate::model::LeNet;
    use ndarray::{Array4, array};

    #[test]
    fn spread_and_norm_of_a_tiny_case() {
        // Entries 1, 2, 3, 6: mean 3, squared deviations 4, 1, 0, 9.
        let v = array![[1.0, 2.0], [3.0, 6.0]];
        assert!((spread(v.view().into_dyn()) - (14.0f64 / 4.0).sqrt()).abs() < 1e-15);
        assert!((norm(v.view().into_dyn()) - 50.0f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn dead_units_are_nonpositive_for_every_sample() {
        // Three units (rows) × two samples (columns): unit 0 is positive for
        // sample 1, unit 1 is 0 and negative (dead), unit 2 negative (dead).
        let z = array![[-1.0, 0.5], [0.0, -2.0], [-3.0, -0.1]];
        assert!((dead_fraction(z.view().into_dyn(), 1) - 2.0 / 3.0).abs() < 1e-15);
        // Read with the samples along axis 0, the units are the two columns:
        // column 0 (−1, 0, −3) is dead, column 1 has 0.5.
        assert_eq!(dead_fraction(z.view().into_dyn(), 0), 1.0 / 2.0);
    }

    #[test]
    #[should_panic(expected = "not an axis")]
    fn a_missing_sample_axis_is_refused() {
        dead_fraction(array![1.0, 2.0].view().into_dyn(), 1);
    }

    /// On a real LeNet over three random images, every statistic equals the
    /// same quantity computed directly from the trace with loops.
    #[test]
    fn layer_stats_agree_with_a_direct_computation() {
        // Three made-up images with values in [0, 1].
        let x =
            Array4::from_shape_fn((3, 1, 28, 28), |(n, _, i, j)| 0.5 + 0.5 * ((n * 7 + i * 3 + j) as f64 * 0.37).sin());
        let labels = [1, 7, 3];
        let arch = Arch::modern();
        let net = LeNet::from_params(arch, init::params(Init::He, 5)).unwrap();
        let t = net.trace(&x, &labels);
        let stats = layer_stats(&arch, &t);
        let names: Vec<&str> = stats.iter().map(|s| s.layer).collect();
        assert_eq!(names, ["conv1", "conv2", "fc1", "fc2", "fc3"]);
        let fc1 = &stats[2];
        // fc1: 120 units × 3 samples.
        let (units, n) = t.fc1_z.dim();
        let a: Vec<f64> = t.fc1_a.iter().copied().collect();
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        let sd = (a.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / a.len() as f64).sqrt();
        assert!((fc1.output_std - sd).abs() < 1e-12);
        let dead = (0..units).filter(|&i| (0..n).all(|s| t.fc1_z[(i, s)] <= 0.0)).count();
        assert_eq!(fc1.dead_fraction, Some(dead as f64 / units as f64));
        let open = t.fc1_z.iter().filter(|&&z| z > 0.0).count();
        assert_eq!(fc1.mean_slope, Some(open as f64 / (units * n) as f64));
        let gw: f64 = t.grads.fc1_w.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((fc1.weight_grad_norm - gw).abs() < 1e-12 * gw.max(1.0));
        // √(mean over the 3 samples of ‖δ_n‖²), one column at a time.
        let per_sample: Vec<f64> = (0..n).map(|s| (0..units).map(|i| t.delta_fc1[(i, s)].powi(2)).sum()).collect();
        let d = (per_sample.iter().sum::<f64>() / n as f64).sqrt();
        assert!((fc1.delta_norm - d).abs() < 1e-12 * d.max(1.0));
        // conv2: a unit is (channel, row, column), samples on axis 0.
        let (_, c, h, w) = t.conv2_z.dim();
        let mut dead = 0;
        for k in 0..c {
            for i in 0..h {
                for j in 0..w {
                    dead += usize::from((0..3).all(|s| t.conv2_z[(s, k, i, j)] <= 0.0));
                }
            }
        }
        assert_eq!(stats[1].dead_fraction, Some(dead as f64 / (c * h * w) as f64));
        assert_eq!(stats[4].dead_fraction, None);
        assert_eq!(stats[4].mean_slope, None);
    }

    /// tanh's σ′ is at most 1 and the sigmoid's at most 1/4, so the mean
    /// slope of every hidden layer stays below those bounds; neither has
    /// dead units.
    #[test]
    fn mean_slope_respects_the_bounds_of_sigma_prime() {
        let x =
            Array4::from_shape_fn((2, 1, 28, 28), |(n, _, i, j)| 0.5 + 0.5 * ((n * 5 + i + 2 * j) as f64 * 0.61).cos());
        for (activation, bound) in [(Activation::Tanh, 1.0), (Activation::Sigmoid, 0.25)] {
            let arch = Arch { activation, pooling: crate::model::Pooling::Mean };
            let t = LeNet::from_params(arch, init::params(Init::Xavier, 1)).unwrap().trace(&x, &[0, 9]);
            for s in &layer_stats(&arch, &t)[..4] {
                let m = s.mean_slope.unwrap();
                assert!(m > 0.0 && m <= bound, "{activation:?} {}: mean σ′ {m}", s.layer);
                assert_eq!(s.dead_fraction, None);
            }
        }
    }
}
