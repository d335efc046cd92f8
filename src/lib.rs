//! # lenet: backpropagation through LeNet, derived, checked and run
//!
//! Each layer of LeNet is a forward function and a backward function whose
//! doc comment states the equation it implements. The 2-D derivations are
//! generic over the element type, so they run on numbers and on symbols.
//! Those derivations are the small crate `lenet-core`; this crate builds
//! LeNet-5, its fast path, training, data and coursework on them and
//! re-exports every module of it, so `lenet::conv` is `lenet_core::conv`.
//!
//! | module | what it derives or does |
//! |---|---|
//! | [`fc`] (core) | z = W a + b, the δ recursion, ∂C/∂W = δ aᵀ |
//! | [`conv`] (core) | valid correlation, rot180, full convolution, kernel gradient |
//! | [`pool`] (core) | mean and max pooling and how they route the gradient back |
//! | [`activation`] (core) | ReLU, sigmoid, tanh and their derivatives |
//! | [`loss`] (core) | mean squared error, softmax cross-entropy |
//! | [`symbolic`] (core) | a symbolic scalar that prints the formulas of the notes |
//! | [`gradcheck`] (core) | central finite differences and the relative error |
//! | [`worked`] (core) | the notes' 3×3 input / 2×2 kernel example |
//! | [`errata`] (core, plus erratum 16's training step) | the wrong formulas of the notes, runnable, to fail their checks |
//! | [`course`] | coursework: checks a student's functions and names the mistake, many of them [`errata`] |
//! | [`model`] | LeNet-5 composed from these layers, with every δ kept ([`model::Trace`], core's `lenet5`), and the façade [`model::LeNet`] over it and the fast path |
//! | [`fast`] | the same network, fast: direct convolutions, fused pooling, GEMM for fc, threads |
//! | [`init`] | initial weights at a chosen scale: N(0, σ²), Xavier, He |
//! | [`diagnostics`] | per-layer output spread, δ and gradient sizes, σ′ and dead ReLUs on a batch |
//! | [`optim`] | SGD with momentum and weight decay |
//! | [`rng`] (core) | a seeded xoshiro256** generator: uniform, normal, shuffle |
//! | [`augment`] | training images shifted, rotated and scaled, elastically distorted (Simard et al. 2003), seeded |
//! | [`data`], [`io`] | IDX files, the embedded digits, MNIST and Fashion-MNIST; atomic writes |
//! | [`train`], [`plots`] | the training loop, its settings, checkpoints and run folder; SVG plots (the derivations' pictures from core) |
//! | [`model::file`] | the versioned model file: save and a bounded, checked load |
//! | [`error`], [`invalid`] (core) | [`Error`]: every fallible function's error, naming the file or value and the problem; the shape and setting errors it shares with the modules below it |
//! | [`explain`] | the text `lenet explain` prints |
//! | [`matrix`], [`element`] (core) | the [`Matrix`] type and what its entries must support |

pub use lenet_core::{
    activation, conv, element, fc, gradcheck, graph, invalid, loss, matrix, pool, rng, symbolic, worked,
};

pub mod augment;
pub mod course;
pub mod data;
pub mod diagnostics;
pub mod errata;
pub mod error;
pub mod explain;
pub mod init;
pub mod io;
pub mod model;
pub mod optim;
pub mod plots;
pub mod train;

pub use error::Error;
/// The array crate the layers use, so a notebook needs only `:dep lenet`.
pub use lenet_core::ndarray;
pub use lenet_core::{Element, Matrix, Real, Sym};
/// `lenet::fast`: the fast path lives inside `model` (it reads `model::arch`
/// and `model::params`, and only `LeNet` drives it), re-exported here.
pub use model::fast;
