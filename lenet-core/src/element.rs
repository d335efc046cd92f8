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

/// A floating-point element, `f32` or `f64`: what the batched layers, the
/// losses and the models compute with. Training runs in `f32`; every
/// gradient check runs in `f64`.
pub trait Real:
    num_traits::Float + Element + std::fmt::Debug + std::iter::Sum + Default + Send + Sync + 'static
{
    /// Converts from `f64` (constants, initial weights, fixture values).
    fn of(x: f64) -> Self;
    /// Converts to `f64` (reports, comparisons).
    fn f64(self) -> f64;
}

impl Real for f64 {
    fn of(x: f64) -> Self {
        x
    }
    fn f64(self) -> f64 {
        self
    }
}

impl Real for f32 {
    fn of(x: f64) -> Self {
        x as f32
    }
    fn f64(self) -> f64 {
        self as f64
    }
}
