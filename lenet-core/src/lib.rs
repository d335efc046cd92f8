//! # lenet-core: the derivations of backpropagation through LeNet
//!
//! Each layer is a forward function and a backward function whose doc
//! comment states the equation it implements, why it holds, and the shapes
//! it takes. The 2-D derivations are generic over the element type, so they
//! run on numbers and on symbols ([`Sym`]), which print the formulas.
//! [`lenet5`] composes them into LeNet-5, readable. The crate `lenet` builds
//! the fast path, training, data and the coursework on these functions and
//! re-exports every module here.
//!
//! | module | what it derives or does |
//! |---|---|
//! | [`graph`] | backprop on a graph of scalars: upstream × local gradient, sums where a value forks |
//! | [`fc`] | z = W a + b, the δ recursion, ∂C/∂W = δ aᵀ |
//! | [`conv`] | valid correlation, rot180, full convolution, kernel gradient (and [`conv::one_d`], in 1-D) |
//! | [`pool`] | mean and max pooling and how they route the gradient back |
//! | [`activation`] | ReLU, sigmoid, tanh and their derivatives |
//! | [`loss`] | mean squared error, softmax cross-entropy |
//! | [`symbolic`] | a symbolic scalar that prints the formulas of the notes |
//! | [`gradcheck`] | central finite differences and the relative error |
//! | [`worked`] | the notes' 3×3 input / 2×2 kernel example |
//! | [`errata`] | the notes' wrong formulas, runnable, to fail their checks |
//! | [`lenet5`] | LeNet-5, readable: its table of shapes, its parameters, its forward and backward pass with every δ kept ([`lenet5::trace()`]); with `serde`, the checked reader of a model file's bytes |
//! | [`invalid`] | a tensor of the wrong shape, a setting out of range: the errors LeNet's code returns |
//! | [`plots`] | the derivations as pictures: the graph of a small network, the two convolutions of the backward pass, heat maps |
//! | [`rng`] | a seeded generator for test inputs and initial weights |
//! | [`matrix`], [`element`] | the [`Matrix`] type and what its entries must support |

pub mod activation;
pub mod conv;
pub mod element;
pub mod errata;
pub mod fc;
pub mod gradcheck;
pub mod graph;
pub mod invalid;
pub mod lenet5;
pub mod loss;
pub mod matrix;
pub mod plots;
pub mod pool;
pub mod rng;
pub mod symbolic;
pub mod worked;

pub use element::{Element, Real};
pub use matrix::Matrix;
/// The array crate the layers use, so a notebook needs only `:dep lenet-core`.
pub use ndarray;
pub use symbolic::Sym;
