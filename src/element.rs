//! The element types that the 2-D derivations accept.
//!
//! A derivation like `full_convolve` only adds and multiplies its entries and
//! pads with zeros, so it needs nothing more than [`Element`]. Numbers (`f64`,
//! `f32`, `i64`) satisfy it, and so does the symbolic scalar
//! [`crate::symbolic::Sym`], which is how the same code prints the formulas of
//! the notes.

use num_traits::Zero;
use std::fmt::Display;
use std::ops::{Add, Mul};

/// What a derivation needs of a matrix entry: a zero to pad with, `+`, `*`,
/// and a way to print it.
pub trait Element: Clone + Zero + Add<Output = Self> + Mul<Output = Self> + Display {}

impl<T: Clone + Zero + Add<Output = T> + Mul<Output = T> + Display> Element for T {}
