//! What lenet's grader and the runner built from a student's crate send each
//! other: the inputs of one exercise's cases, and per case the student's
//! output or the panic that stopped it. Numbers travel as the bits of their
//! f64, so NaN and ±∞ (a softmax without its shift) arrive as they left.
//!
//! This file is compiled into both: lenet (`src/course/runner.rs`) and the
//! runner (`course/runner/main.rs`), which holds no reference and prints no
//! verdict.

use serde::{Deserialize, Serialize};

/// An array of f64: its shape and its entries in row-major order, as bits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub bits: Vec<u64>,
}

impl Tensor {
    /// A tensor from a shape and its entries in row-major order.
    pub fn new(shape: &[usize], values: impl IntoIterator<Item = f64>) -> Tensor {
        Tensor { shape: shape.to_vec(), bits: values.into_iter().map(f64::to_bits).collect() }
    }

    /// The entries in row-major order.
    pub fn values(&self) -> Vec<f64> {
        self.bits.iter().map(|&b| f64::from_bits(b)).collect()
    }
}

/// One argument of a student's function.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Input {
    Tensor(Tensor),
    Whole(usize),
    /// `conv::Geometry`: the stride S and the padding P.
    Geometry {
        stride: usize,
        padding: usize,
    },
    Shape4([usize; 4]),
    Labels(Vec<usize>),
    /// "relu", "sigmoid" or "tanh".
    Activation(String),
    /// `Argmax`: the input shape, and the output-shaped flat in-plane indices.
    Argmax {
        input_shape: [usize; 4],
        index_shape: [usize; 4],
        index: Vec<usize>,
    },
    /// LeNet's ten parameter tensors, in `PARAM_NAMES` order.
    Params(Vec<Tensor>),
}

/// What lenet asks the runner: one exercise, on several cases.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Request {
    pub exercise: String,
    pub cases: Vec<Vec<Input>>,
}

/// The runner's answer on one case.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Answer {
    /// What the student's function returned, tensor by tensor.
    Output(Vec<Tensor>),
    /// The function panicked: its message and, when known, where
    /// (`src/conv.rs:42:17`).
    Panicked { message: String, location: Option<String> },
}
