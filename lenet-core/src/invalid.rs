//! The parts of an error that LeNet's code shares: a tensor of the wrong
//! shape ([`ShapeError`]), a setting out of range ([`ConfigError`]), and how
//! a shape and a number are written ([`shape_text`], [`number_text`]).
//!
//! They live here, in the core crate, because [`crate::lenet5`] returns them
//! (a parameter tensor of the wrong shape, a model file's bad setting) and
//! `lenet`'s modules above it do too; `lenet::invalid` is this module, and
//! `lenet::error::Error` wraps them. This module imports nothing of the crate.

use std::fmt;

/// A tensor whose shape is not the one expected: `tensor` names it (e.g.
/// `fc2_w`, or `params.fc2_w` inside a file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    pub tensor: String,
    pub expected: Vec<usize>,
    pub found: Vec<usize>,
}

/// A setting whose value is out of range: `setting` names it as a person
/// would (`learning rate`), `value` is the value given, `must_be` the range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub setting: &'static str,
    pub value: String,
    pub must_be: &'static str,
}

/// `6×1×5×5`: a shape as the book writes it.
pub fn shape_text(shape: &[usize]) -> String {
    shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (expected, found) = (shape_text(&self.expected), shape_text(&self.found));
        write!(f, "tensor {}: shape {expected} expected but {found} found", self.tensor)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} must be {}, got {}", self.setting, self.must_be, self.value)
    }
}

/// A number as a person reads it: `0.02`, `1000000000`, but `1e308` and
/// `1e-50` rather than hundreds of digits (f64's `Display` writes every digit
/// of 1e308).
pub fn number_text(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-6..1e16).contains(&a) { format!("{x:e}") } else { x.to_string() }
}

impl std::error::Error for ShapeError {}
impl std::error::Error for ConfigError {}
