//! Comparing an answer with the reference, entry by entry.
//!
//! Every answer is turned into an [`Output`]: one or more named tensors
//! (`dx`, `dw`, `db` for a convolution layer, the ten parameters of LeNet),
//! so one comparison serves every exercise.

use super::report::Worst;
use crate::model::Params;
use ndarray::{ArrayD, Dimension, IntoDimension};

/// Answers within this relative error of the reference pass (the book's
/// threshold for a gradient check).
pub const TOLERANCE: f64 = 1e-7;

/// One tensor of an answer; `name` is empty when the answer has one only.
#[derive(Clone, Debug)]
pub(crate) struct Tensor {
    pub name: &'static str,
    pub value: ArrayD<f64>,
}

impl Tensor {
    /// The tensor as the runner sends it.
    pub fn wire(&self) -> super::wire::Tensor {
        super::wire::Tensor::new(self.value.shape(), self.value.iter().copied())
    }
}

/// An exercise's answer as named tensors.
pub(crate) type Output = Vec<Tensor>;

/// LeNet's ten gradients (or parameters) as an [`Output`], named as
/// [`Params::tensors`] names them: how the LeNet exercise and its catalogue
/// of mistakes both compare a whole network's answer.
pub(crate) fn params_output(p: &Params<f64>) -> Output {
    p.tensors().into_iter().map(|(name, t)| Tensor { name, value: t.to_owned() }).collect()
}

/// A single unnamed tensor.
pub(crate) fn one<D: Dimension>(a: ndarray::Array<f64, D>) -> Output {
    vec![Tensor { name: "", value: a.into_dyn() }]
}

/// A named tensor.
pub(crate) fn named<D: Dimension>(name: &'static str, a: ndarray::Array<f64, D>) -> Tensor {
    Tensor { name, value: a.into_dyn() }
}

/// `3×3`-style text for a shape; `scalar` for none.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "scalar".to_string();
    }
    crate::error::shape_text(shape)
}

fn with_name(name: &str, text: String) -> String {
    if name.is_empty() { text } else { format!("{name} {text}") }
}

/// The first tensor whose shape differs, as (expected, got) texts.
pub(crate) fn shape_mismatch(expected: &Output, got: &Output) -> Option<(String, String)> {
    if expected.len() != got.len() {
        return Some((format!("{} tensors", expected.len()), format!("{} tensors", got.len())));
    }
    expected
        .iter()
        .zip(got)
        .find(|(e, g)| e.value.shape() != g.value.shape())
        .map(|(e, g)| (with_name(e.name, shape_text(e.value.shape())), with_name(g.name, shape_text(g.value.shape()))))
}

/// The relative error of one entry, as [`crate::gradcheck::rel_error`]
/// computes it, except that a NaN or infinite answer counts as 1 (the
/// largest relative error two finite numbers can have), so it never passes.
pub(crate) fn entry_error(expected: f64, got: f64) -> f64 {
    if !got.is_finite() || !expected.is_finite() {
        return 1.0;
    }
    (expected - got).abs() / (expected.abs() + got.abs()).max(1e-8)
}

/// An index counted from 1, as the book writes it: `(2, 3)`.
fn book_index(index: &[usize]) -> String {
    let parts: Vec<String> = index.iter().map(|i| (i + 1).to_string()).collect();
    format!("({})", parts.join(", "))
}

/// The entry furthest from the reference, over every tensor, skipping
/// entries where `expected` is NaN (not probed). Shapes must agree.
pub(crate) fn worst(expected: &Output, got: &Output) -> Option<Worst> {
    let mut best: Option<Worst> = None;
    for (e, g) in expected.iter().zip(got) {
        for ((index, &x), &y) in e.value.indexed_iter().zip(g.value.iter()) {
            if x.is_nan() {
                continue;
            }
            let err = entry_error(x, y);
            if best.as_ref().is_none_or(|b| err > b.rel_error) {
                let at = book_index(index.into_dimension().slice());
                best = Some(Worst { rel_error: err, index: with_name(e.name, at), expected: x, got: y });
            }
        }
    }
    best
}

/// Whether two outputs have the same shapes and agree within [`TOLERANCE`].
pub(crate) fn same(a: &Output, b: &Output) -> bool {
    shape_mismatch(a, b).is_none() && worst(a, b).is_none_or(|w| w.rel_error < TOLERANCE)
}
