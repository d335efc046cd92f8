//! The softmax cross-entropy exercise's cases: N ≠ 10 samples, and logits
//! of ±1000 where an unshifted e^z overflows.

use super::*;

/// The softmax cross-entropy gradient on N ≠ 10 samples; with `extreme`,
/// logits of ±1000, where e^z overflows unless the column's maximum is
/// subtracted first (the stub asks for a finite answer).
pub(super) fn softmax_cross_entropy_grad(rng: &mut Rng, extreme: bool) -> Case {
    let n = between(rng, 2, 6);
    let mut logits = rng.uniform_array((10, n), -3.0, 3.0);
    if extreme {
        // One column far above, one far below, and one with both: every
        // unshifted e^z overflows to ∞ or underflows to a sum of 0.
        for (k, mut col) in logits.columns_mut().into_iter().enumerate() {
            match k % 3 {
                0 => col.mapv_inplace(|v| v + 1000.0),
                1 => col.mapv_inplace(|v| v - 1000.0),
                _ => {
                    col[0] = 1000.0;
                    col[9] = -1000.0;
                }
            }
        }
    }
    let labels: Vec<usize> = (0..n).map(|_| rng.below(10)).collect();
    let expected = one(loss::softmax_cross_entropy(&logits, &labels).1);
    // δ is per sample: the gradient of Σ_n C_n = N × the mean loss. At
    // ±1000 a step of 10⁻⁵ is lost to rounding: no differences there.
    let numerical =
        (!extreme).then(|| one(fd(&logits, SMOOTH_STEP, |z| loss::softmax_cross_entropy(z, &labels).0 * n as f64)));
    Case::new(
        expected,
        vec![t(&logits), Input::Labels(labels.clone())],
        (logits, labels),
        |s, (logits, labels)| one((s.softmax_cross_entropy_grad)(logits, labels)),
        |(logits, labels)| catalogue::softmax_cross_entropy_grad(logits, labels),
    )
    .with_numerical(numerical)
    .with_note(extreme.then_some("logits of ±1000"))
}
