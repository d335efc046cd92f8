//! The losses: mean squared error and softmax cross-entropy.
//!
//! Activations hold one column per sample. Each loss returns the mean loss
//! over the batch's N columns and the **per-sample** gradient: column n is
//! ∂C_n/∂(column n), with no 1/N (the batch convention of CONTRIBUTING.md;
//! the 1/N enters once, in the parameter gradients).
//!
//! ```
//! use lenet_core::loss::softmax_cross_entropy;
//! use ndarray::array;
//! // Two classes, two samples (columns) with labels 0 and 1.
//! let logits = array![[2.0, 0.0], [0.0, 0.0]];
//! let (c, delta) = softmax_cross_entropy(&logits, &[0, 1]);
//! let p = 1.0 / (1.0 + (-2.0_f64).exp()); // softmax of (2, 0), first entry
//! assert!((c - (-p.ln() + 2.0_f64.ln()) / 2.0).abs() < 1e-15);
//! assert!((delta[[0, 0]] - (p - 1.0)).abs() < 1e-15); // p − y, per sample
//! assert!((delta[[1, 1]] - (0.5 - 1.0)).abs() < 1e-15);
//! ```

use crate::element::Real;
use ndarray::{Array2, Axis};

/// Mean squared error with targets `y`: C_n = ½ ‖a_n − y_n‖², and the
/// returned loss is (1/N) Σ_n C_n over the N columns. The per-sample
/// gradient is ∂C_n/∂a_n = a_n − y_n (the ½ cancels the 2 of the square).
///
/// # Panics
/// If `a` and `y` differ in shape, or have no columns; the message names the shapes.
pub fn mse<F: Real>(a: &Array2<F>, y: &Array2<F>) -> (F, Array2<F>) {
    assert_eq!(a.dim(), y.dim(), "mse: output has shape {:?} but target has shape {:?}", a.dim(), y.dim());
    let n = a.ncols();
    assert!(n > 0, "mse: the batch is empty (shape {:?})", a.dim());
    let grad = a - y;
    let sum_sq: F = grad.iter().map(|&d| d * d).sum();
    let loss = sum_sq / F::of(2.0 * n as f64);
    (loss, grad)
}

/// The softmax of each column: p_i = e^(z_i − m) / Σ_j e^(z_j − m).
///
/// Subtracting the column's maximum m changes nothing mathematically (it
/// cancels between numerator and denominator) but keeps every exponent ≤ 0,
/// so nothing overflows.
pub fn softmax<F: Real>(logits: &Array2<F>) -> Array2<F> {
    let mut p = logits.to_owned();
    for mut col in p.axis_iter_mut(Axis(1)) {
        let m = col.iter().copied().fold(F::neg_infinity(), F::max);
        col.mapv_inplace(|z| (z - m).exp());
        let s: F = col.iter().copied().sum();
        col.mapv_inplace(|e| e / s);
    }
    p
}

/// **The wrong way, kept for contrast:** the softmax straight from its
/// definition, p_i = e^(z_i) / Σ_j e^(z_j), without subtracting the maximum.
/// Nothing in the crate calls it; chapter 4 runs it beside [`softmax`].
///
/// Mathematically it is [`softmax`]: for any constant c,
/// e^(z_i − c) / Σ_j e^(z_j − c) = e^(−c) e^(z_i) / (e^(−c) Σ_j e^(z_j)), and
/// the factor e^(−c) cancels. Numerically it is not: e^z overflows to
/// infinity above z ≈ 709.8 in f64 (88.7 in f32), and a column with a logit
/// of 1000 gives ∞/∞ = NaN; logits all below about −745 underflow to 0/0 = NaN
/// the same way. The shift by the maximum keeps every exponent ≤ 0 and the
/// largest term exactly 1, so the sum lies between 1 and the number of rows.
pub fn softmax_unshifted<F: Real>(logits: &Array2<F>) -> Array2<F> {
    let mut p = logits.mapv(F::exp);
    for mut col in p.axis_iter_mut(Axis(1)) {
        let s: F = col.iter().copied().sum();
        col.mapv_inplace(|e| e / s);
    }
    p
}

// ANCHOR: softmax_cross_entropy
/// Softmax cross-entropy of `logits` (classes × N) with class `labels`
/// (one per column): C_n = −log p_{y_n, n} = log Σ_j e^(z_jn) − z_{y_n n},
/// computed as m + log Σ_j e^(z_jn − m) with m the column maximum
/// (log-sum-exp), so large logits neither overflow nor lose the loss to
/// log(0). Returns (1/N) Σ_n C_n and the per-sample gradient
///
/// ∂C_n/∂z_n = p_n − e_{y_n},
///
/// the softmax minus the one-hot label: the softmax's Jacobian and the log's
/// 1/p cancel to this simple form.
///
/// # Panics
/// If the number of labels is not the number of columns, the batch is empty,
/// or a label is not below the number of classes; the message names the value.
pub fn softmax_cross_entropy<F: Real>(logits: &Array2<F>, labels: &[usize]) -> (F, Array2<F>) {
    let (classes, n) = logits.dim();
    assert_eq!(
        labels.len(),
        n,
        "softmax_cross_entropy: {} labels for logits of shape {classes}×{n} (one label per column)",
        labels.len()
    );
    assert!(n > 0, "softmax_cross_entropy: the batch is empty (logits {classes}×{n})");
    if let Some((k, &bad)) = labels.iter().enumerate().find(|&(_, &l)| l >= classes) {
        panic!("softmax_cross_entropy: label {bad} (sample {k}) is out of range 0..{classes}");
    }
    let mut total = F::zero();
    let mut grad = softmax(logits);
    for (k, (col, &label)) in logits.axis_iter(Axis(1)).zip(labels).enumerate() {
        let m = col.iter().copied().fold(F::neg_infinity(), F::max);
        let log_sum: F = col.iter().map(|&z| (z - m).exp()).sum::<F>().ln();
        total = total + (m + log_sum - col[label]);
        grad[[label, k]] = grad[[label, k]] - F::one();
    }
    (total / F::of(n as f64), grad)
}
// ANCHOR_END: softmax_cross_entropy

/// The fraction of columns whose largest logit is at the label (first
/// maximum wins on ties).
///
/// # Panics
/// If the number of labels is not the number of columns.
pub fn accuracy<F: Real>(logits: &Array2<F>, labels: &[usize]) -> f64 {
    assert_eq!(
        labels.len(),
        logits.ncols(),
        "accuracy: {} labels for logits of shape {:?}",
        labels.len(),
        logits.dim()
    );
    let hits = logits.axis_iter(Axis(1)).zip(labels).filter(|(col, l)| argmax(col.iter().copied()) == **l).count();
    hits as f64 / labels.len().max(1) as f64
}

/// The index of the largest value, the first one on ties: the predicted
/// class of a column of logits. A NaN is never the largest; if every value
/// is NaN (or there are none) the answer is 0.
pub fn argmax<F: Real>(values: impl IntoIterator<Item = F>) -> usize {
    let mut best = (0, F::neg_infinity());
    for (i, v) in values.into_iter().enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// One sample's softmax cross-entropy, C = log Σ_j e^(z_j) − z_y, from its
/// column of logits, in f64 whatever the logits' type (the formula of
/// [`softmax_cross_entropy`], without the gradient): what evaluating a model
/// sums over a data set, where rounding in f32 would blur the mean of many
/// thousand terms. Computed as m + log Σ_j e^(z_j − m) − z_y with m the
/// maximum, so no exponential overflows.
///
/// # Panics
/// If `label` is not an index of `logits`.
pub fn sample_cross_entropy<F: Real>(logits: &[F], label: usize) -> f64 {
    let m = logits.iter().fold(f64::NEG_INFINITY, |a, &z| a.max(z.f64()));
    let log_sum = logits.iter().map(|&z| (z.f64() - m).exp()).sum::<f64>().ln();
    m + log_sum - logits[label].f64()
}

/// [`softmax_cross_entropy`] over a row-major `CLASSES × b` slice of logits
/// (one column per sample), the form the fast path keeps them in. The same
/// formula: with m = max_j z_j, C_n = log Σ_j e^(z_j − m) − (z_y − m) and
/// δ = p − e_y with p_j = e^(z_j − m) / Σ_k e^(z_k − m), written into `delta`
/// (same layout). It differs only in how the work is arranged: one pass per
/// sample with the exponentials kept on the stack, the loss *summed* (in
/// f64, not divided by b) so that chunks of a batch can be added in order,
/// and the arg max taken on the way. Returns (Σ_n C_n, number of samples
/// whose arg max is the label).
///
/// # Panics
/// If `logits` or `delta` is shorter than `CLASSES × labels.len()`, or a
/// label is not below `CLASSES` (index out of bounds; callers check labels
/// first, as `LeNet` does).
pub fn softmax_cross_entropy_columns<F: Real, const CLASSES: usize>(
    logits: &[F],
    labels: &[usize],
    delta: &mut [F],
) -> (f64, usize) {
    let b = labels.len();
    let (mut loss, mut correct) = (0.0, 0);
    for (s, &y) in labels.iter().enumerate() {
        let z: [F; CLASSES] = std::array::from_fn(|k| logits[k * b + s]);
        let best = argmax(z);
        let m = z[best];
        let e: [F; CLASSES] = std::array::from_fn(|k| (z[k] - m).exp());
        let sum: F = e.iter().copied().sum();
        loss += (sum.ln() - (z[y] - m)).f64();
        correct += usize::from(best == y);
        for k in 0..CLASSES {
            let onehot = if k == y { F::one() } else { F::zero() };
            delta[k * b + s] = e[k] / sum - onehot;
        }
    }
    (loss, correct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn uniform_logits_cost_log_classes() {
        let z = Array2::<f64>::zeros((10, 3));
        let (c, g) = softmax_cross_entropy(&z, &[0, 4, 9]);
        assert!((c - 10f64.ln()).abs() < 1e-14);
        assert!((g[[4, 1]] - (0.1 - 1.0)).abs() < 1e-15);
        assert!((g[[0, 1]] - 0.1).abs() < 1e-15);
    }

    #[test]
    fn huge_logits_do_not_overflow() {
        let z = array![[1000.0_f64], [0.0]];
        let (c, _) = softmax_cross_entropy(&z, &[1]);
        assert!((c - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn the_unshifted_softmax_agrees_on_small_logits_and_fails_on_large_ones() {
        // Small logits: the shift changes nothing, so both give the same numbers.
        let small = array![[0.5_f64, -2.0], [1.5, 0.0], [-1.0, 3.0]];
        for (a, b) in softmax_unshifted(&small).iter().zip(softmax(&small).iter()) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
        // Logits near 1000: e^1000 overflows, so the unshifted one divides ∞ by ∞ ...
        let large = array![[1000.0_f64], [999.0], [998.0]];
        assert!(softmax_unshifted(&large).iter().all(|p| p.is_nan()));
        // ... while the shifted one gives the softmax of (2, 1, 0), as it must.
        let shifted = softmax(&large);
        let expected = softmax(&array![[2.0_f64], [1.0], [0.0]]);
        for (a, b) in shifted.iter().zip(expected.iter()) {
            assert!(a.is_finite() && (a - b).abs() < 1e-15, "{a} vs {b}");
        }
    }

    #[test]
    #[should_panic(expected = "label 10 (sample 1) is out of range 0..10")]
    fn label_out_of_range_panics() {
        let _ = softmax_cross_entropy(&Array2::<f64>::zeros((10, 2)), &[3, 10]);
    }

    #[test]
    fn the_column_slice_form_is_the_same_loss() {
        // 3 classes × 2 samples, row-major.
        let logits = array![[2.0_f64, -1.0], [0.5, 3.0], [-0.25, 0.0]];
        let (c, g) = softmax_cross_entropy(&logits, &[0, 2]);
        let mut delta = [0.0; 6];
        let flat: Vec<f64> = logits.iter().copied().collect();
        let (sum, correct) = softmax_cross_entropy_columns::<f64, 3>(&flat, &[0, 2], &mut delta);
        assert!((sum / 2.0 - c).abs() < 1e-15);
        assert_eq!(correct, 1);
        for (a, b) in delta.iter().zip(g.iter()) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn argmax_takes_the_first_maximum_and_skips_nan() {
        assert_eq!(argmax([1.0, 3.0, 3.0, -1.0]), 1);
        assert_eq!(argmax([f64::NAN, 2.0, 1.0]), 1);
        assert_eq!(argmax(Vec::<f64>::new()), 0);
    }

    #[test]
    fn mse_halves_and_averages() {
        let (c, g) = mse(&array![[3.0_f64, 1.0]], &array![[1.0, 1.0]]);
        assert_eq!(c, 1.0); // ½·2² / 2 samples
        assert_eq!(g, array![[2.0, 0.0]]);
    }
}
