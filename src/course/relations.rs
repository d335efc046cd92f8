//! What a wrong answer is, when the catalogue has no name for it: general
//! relations to the right answer that hold for every exercise. Each tensor
//! of the answer is compared with the reference as a constant multiple of
//! it (−1, N, 1/N, 1/r², …, named after the case's sizes when one of them
//! is the factor), turned by 180°, transposed, shifted by one along an axis,
//! and right except for entries that are zero where they should not be.
//!
//! For LeNet the report also names the first tensor that is wrong counting
//! back from the loss, with the equation of its layer: the pieces before it
//! (the later layers) are right, so the mistake is in that layer's step.

use super::compare::{Output, TOLERANCE, Tensor, same};
use super::exercises::Case;
use super::report::Diagnosis;
use super::wire::Input;
use ndarray::{ArrayD, Axis, Dimension, Slice};

/// The general relation the answer `got` bears to the reference, if any.
pub(crate) fn relation(exercise: &str, case: &Case, got: &Output) -> Option<Diagnosis> {
    let book = book_of(exercise);
    if exercise == "lenet_backward" {
        return lenet_first_wrong(&case.expected, got).map(|(name, equation)| Diagnosis {
            name: format!("{name} is the first tensor wrong, counting back from the loss"),
            explanation: format!(
                "The gradients of the layers after it are right, so look at this layer's step: {equation}."
            ),
            erratum: None,
            book: book.to_string(),
        });
    }
    // Tensor by tensor: the first one that is wrong and bears a relation.
    for (k, e) in case.expected.iter().enumerate() {
        let Some(g) = got.get(k) else { break };
        let (one_e, one_g) = (vec![e.clone()], vec![g.clone()]);
        if same(&one_e, &one_g) {
            continue;
        }
        let what = if e.name.is_empty() { "the answer".to_string() } else { e.name.to_string() };
        let found = factor(e, g, case)
            .or_else(|| turned(e, g))
            .or_else(|| transposed(e, g))
            .or_else(|| shifted(e, g))
            .or_else(|| zeroed(e, g));
        if let Some((name, explanation)) = found {
            return Some(Diagnosis {
                name: format!("{what}: {name}"),
                explanation,
                erratum: None,
                book: book.to_string(),
            });
        }
    }
    None
}

fn book_of(exercise: &str) -> &'static str {
    match exercise {
        e if e.starts_with("fc_") => "fully-connected.html",
        "mean_pool_backward" | "max_pool_backward" | "relu_backward" => "pooling-relu.html",
        "softmax_cross_entropy_grad" => "errata.html#in-the-code",
        "lenet_backward" => "lenet-by-hand.html#backward-layer-by-layer",
        "conv_backward_strided" => "convolution-stride.html",
        _ => "convolution.html",
    }
}

fn close(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
    let t = |v: &ArrayD<f64>| vec![Tensor { name: "", value: v.clone() }];
    same(&t(a), &t(b))
}

/// The sizes of the case's arguments, each with a name for the report.
fn sizes(case: &Case) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    for input in &case.inputs {
        if let Input::Tensor(t) = input {
            for (axis, &d) in t.shape.iter().enumerate() {
                if d > 1 && !out.iter().any(|(v, _): &(f64, String)| *v == d as f64) {
                    let shape = super::compare::shape_text(&t.shape);
                    out.push((d as f64, format!("{d}, axis {} of the {shape} argument", axis + 1)));
                }
            }
        }
        if let Input::Whole(d) = input
            && *d > 1
            && !out.iter().any(|(v, _)| *v == *d as f64)
        {
            out.push((*d as f64, format!("{d}, the window size or padding argument")));
        }
    }
    out
}

/// got = c × expected for one constant c ≠ 1.
fn factor(e: &Tensor, g: &Tensor, case: &Case) -> Option<(String, String)> {
    if e.value.shape() != g.value.shape() {
        return None;
    }
    let dot = |a: &ArrayD<f64>, b: &ArrayD<f64>| (a * b).sum();
    let ee = dot(&e.value, &e.value);
    if !(ee > 0.0 && ee.is_finite()) {
        return None;
    }
    let c = dot(&e.value, &g.value) / ee;
    if !c.is_finite() || (c - 1.0).abs() < 1e-9 || !close(&(&e.value * c), &g.value) {
        return None;
    }
    if c == 0.0 {
        return Some(("all zero".to_string(), "Every entry is 0, and the right answer is not.".to_string()));
    }
    let mut named = None;
    if (c + 1.0).abs() < 1e-9 {
        named = Some("−1: the sign is flipped".to_string());
    }
    for (d, what) in sizes(case) {
        for (value, text) in [
            (d, format!("{d}")),
            (1.0 / d, format!("1/{d}")),
            (d * d, format!("{d}²")),
            (1.0 / (d * d), format!("1/{d}²")),
        ] {
            if named.is_none() && ((c - value) / value).abs() < 1e-9 {
                named = Some(format!("{text}, where {what}"));
            }
        }
    }
    let which = named.unwrap_or_else(|| format!("{c:.6}"));
    Some((
        "off by a constant factor".to_string(),
        format!(
            "Every entry is the right one times {which}: a missing or extra 1/N (batch mean), N, 1/r² \
             (window area) or sign."
        ),
    ))
}

/// got = expected turned by 180° in its last two axes.
fn turned(e: &Tensor, g: &Tensor) -> Option<(String, String)> {
    let nd = e.value.ndim();
    if nd < 2 || e.value.shape() != g.value.shape() {
        return None;
    }
    let mut t = e.value.clone();
    t.invert_axis(Axis(nd - 1));
    t.invert_axis(Axis(nd - 2));
    close(&t, &g.value).then(|| {
        (
            "turned by 180°".to_string(),
            "The answer is the right one turned by 180° (rows and columns reversed): \
             a convolution where a correlation is due, or the other way round."
                .to_string(),
        )
    })
}

/// got = expected with its last two axes swapped.
fn transposed(e: &Tensor, g: &Tensor) -> Option<(String, String)> {
    let nd = e.value.ndim();
    if nd < 2 {
        return None;
    }
    let mut t = e.value.view();
    t.swap_axes(nd - 1, nd - 2);
    (t.shape() == g.value.shape() && close(&t.to_owned(), &g.value)).then(|| {
        (
            "transposed".to_string(),
            "The answer is the right one transposed (rows for columns): a missing or extra ᵀ.".to_string(),
        )
    })
}

/// got = expected shifted by one entry along one axis (where both are defined).
fn shifted(e: &Tensor, g: &Tensor) -> Option<(String, String)> {
    if e.value.shape() != g.value.shape() {
        return None;
    }
    for axis in 0..e.value.ndim() {
        let len = e.value.len_of(Axis(axis)) as isize;
        if len < 3 {
            continue;
        }
        for (from, to, word) in [(0, 1, "down"), (1, 0, "up")] {
            let a = g.value.slice_axis(Axis(axis), Slice::from(to..to + len - 1));
            let b = e.value.slice_axis(Axis(axis), Slice::from(from..from + len - 1));
            if close(&a.to_owned(), &b.to_owned()) {
                return Some((
                    "shifted by one".to_string(),
                    format!(
                        "The answer is the right one moved one entry {word} along axis {} (counted from 1): \
                         an index off by one.",
                        axis + 1
                    ),
                ));
            }
        }
    }
    None
}

/// got = expected except for entries that are 0 where expected is not.
fn zeroed(e: &Tensor, g: &Tensor) -> Option<(String, String)> {
    if e.value.shape() != g.value.shape() {
        return None;
    }
    let mut zeros = 0;
    let mut first = None;
    for ((index, &x), &y) in e.value.indexed_iter().zip(g.value.iter()) {
        let err = super::compare::entry_error(x, y);
        if err < TOLERANCE {
            continue;
        }
        if y != 0.0 {
            return None;
        }
        zeros += 1;
        first.get_or_insert_with(|| index.slice().iter().map(|i| (i + 1).to_string()).collect::<Vec<_>>().join(", "));
    }
    (zeros > 0).then(|| {
        (
            "zero where it should not be".to_string(),
            format!(
                "The answer is right except at {zeros} entries that are 0 and should not be (the first at ({})): \
                 a gate shut where it is open, a border or a window left out.",
                first.unwrap_or_default()
            ),
        )
    })
}

/// The first wrong tensor of LeNet's gradients counting back from the loss,
/// with its layer's equation.
fn lenet_first_wrong(expected: &Output, got: &Output) -> Option<(&'static str, &'static str)> {
    const BACKWARDS: [(&str, &str); 10] = [
        ("fc3_b", "δ⁵ = p − y per sample (softmax cross-entropy), ∂C/∂b⁵ = (1/N) Σ_n δ⁵_n"),
        ("fc3_w", "∂C/∂W⁵ = (1/N) δ⁵ (a⁴)ᵀ"),
        ("fc2_b", "δ⁴ = (W⁵)ᵀ δ⁵ ⊙ ReLU′(z⁴), ∂C/∂b⁴ = (1/N) Σ_n δ⁴_n"),
        ("fc2_w", "∂C/∂W⁴ = (1/N) δ⁴ (a³)ᵀ"),
        ("fc1_b", "δ³ = (W⁴)ᵀ δ⁴ ⊙ ReLU′(z³), ∂C/∂b³ = (1/N) Σ_n δ³_n"),
        ("fc1_w", "∂C/∂W³ = (1/N) δ³ (flattened pool2)ᵀ"),
        (
            "conv2_b",
            "∂C/∂pool2 = (W³)ᵀ δ³ unflattened (no activation there), routed by max_pool_backward, \
             δ² = that ⊙ ReLU′(z²), ∂C/∂b² = (1/N) Σ δ²",
        ),
        ("conv2_w", "∂C/∂w² = (1/N) Σ_n correlate_valid(pool1_n, δ²_n) per kernel and channel"),
        (
            "conv1_b",
            "∂C/∂pool1 = full convolution of δ² with w² (conv_backward's dx), routed by max_pool_backward, \
             δ¹ = that ⊙ ReLU′(z¹), ∂C/∂b¹ = (1/N) Σ δ¹",
        ),
        ("conv1_w", "∂C/∂w¹ = (1/N) Σ_n correlate_valid(x_n padded by 2, δ¹_n)"),
    ];
    for (name, equation) in BACKWARDS {
        let e = expected.iter().find(|t| t.name == name)?;
        let g = got.iter().find(|t| t.name == name)?;
        if !same(&vec![e.clone()], &vec![g.clone()]) {
            return Some((name, equation));
        }
    }
    None
}
