//! # The part of lenet a graded submission may use
//!
//! `lenet course check` and `lenet course grade` build a student's `src/`
//! against this crate, named `lenet` there, so the stubs' paths
//! (`lenet::ndarray`, `lenet::activation::Activation`, `lenet::pool::Argmax`,
//! `lenet::model::Params`, `lenet::course::Answers`) mean the same as in the
//! student's own crate. What is here is what the stubs allow: the forward
//! passes, the types and ndarray. The backward functions are not: a
//! submission that calls one fails to build, and the grader says why.
//!
//! [`Activation`](activation::Activation) is this crate's own type, not
//! lenet-core's re-exported, because a re-exported type brings every method
//! with it, `backward` included. [`Params`](model::Params) is lenet-core's,
//! re-exported, because none of its methods is a backward pass, and so is
//! [`Geometry`](conv::Geometry) (stride and padding, and the output size
//! they give).

/// The array crate of the exercises.
pub use lenet_core::ndarray;

/// σ and σ′, without the backward pass.
pub mod activation {
    use lenet_core::activation::Activation as Core;
    use lenet_core::ndarray::{Array, Dimension};

    /// The activation of a layer: ReLU, the logistic sigmoid or tanh.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Activation {
        /// max(0, z)
        Relu,
        /// 1 / (1 + e^(−z))
        Sigmoid,
        /// tanh z
        Tanh,
    }

    impl Activation {
        fn core(self) -> Core {
            match self {
                Activation::Relu => Core::Relu,
                Activation::Sigmoid => Core::Sigmoid,
                Activation::Tanh => Core::Tanh,
            }
        }

        /// σ of a single number.
        pub fn value(self, z: f64) -> f64 {
            self.core().value(z)
        }

        /// σ′ of a single number (ReLU′(0) = 0).
        pub fn prime(self, z: f64) -> f64 {
            self.core().prime(z)
        }

        /// a = σ(z), entry by entry.
        pub fn apply<D: Dimension>(self, z: &Array<f64, D>) -> Array<f64, D> {
            self.core().apply(z)
        }

        /// σ′(z), entry by entry.
        pub fn derivative<D: Dimension>(self, z: &Array<f64, D>) -> Array<f64, D> {
            self.core().derivative(z)
        }

        /// "relu", "sigmoid" or "tanh".
        pub fn name(self) -> &'static str {
            self.core().name()
        }
    }
}

/// The convolution layer's forward passes, and how a kernel moves.
pub mod conv {
    use lenet_core::ndarray::{Array1, Array4};

    /// lenet-core's own type, re-exported: none of its methods computes a
    /// gradient (`new`, `output_len`, `output_shape`, `default`). The
    /// strided backward pass is the free function `conv::backward_strided`,
    /// which is not here.
    pub use lenet_core::conv::Geometry;

    /// z = the valid correlation of each sample's zero-padded channels with
    /// each kernel, plus the kernel's bias: x N×C×H×W, w K×C×kh×kw, b K.
    pub fn forward(x: &Array4<f64>, w: &Array4<f64>, b: &Array1<f64>, padding: usize) -> Array4<f64> {
        lenet_core::conv::forward(x, w, b, padding)
    }

    /// z with stride S and padding P (`g`): each output lays the kernel on
    /// the padded input S entries further than the one before; output
    /// ⌊(H + 2P − kh)/S⌋ + 1 × ⌊(W + 2P − kw)/S⌋ + 1.
    pub fn forward_strided(x: &Array4<f64>, w: &Array4<f64>, b: &Array1<f64>, g: Geometry) -> Array4<f64> {
        lenet_core::conv::forward_strided(x, w, b, g)
    }
}

/// The pooling layers' forward passes and where max pooling found each maximum.
pub mod pool {
    use lenet_core::ndarray::Array4;
    pub use lenet_core::pool::Argmax;

    /// The output shape of pooling `shape` with windows `size` and step `stride`.
    pub fn output_shape(
        shape: (usize, usize, usize, usize),
        size: usize,
        stride: usize,
    ) -> (usize, usize, usize, usize) {
        lenet_core::pool::output_shape(shape, size, stride)
    }

    /// Mean pooling.
    pub fn mean_forward(x: &Array4<f64>, size: usize, stride: usize) -> Array4<f64> {
        lenet_core::pool::mean_forward(x, size, stride)
    }

    /// Max pooling, and where each maximum was (the first in row-major
    /// order on ties).
    pub fn max_forward(x: &Array4<f64>, size: usize, stride: usize) -> (Array4<f64>, Argmax) {
        lenet_core::pool::max_forward(x, size, stride)
    }
}

/// LeNet's parameters, as the `lenet_backward` exercise takes and returns them.
pub mod model {
    /// lenet-core's own type, re-exported: none of its methods computes a
    /// gradient (they build, list, count and check tensors: `init`,
    /// `lenet_zeros`, `zeros_like`, `tensors`, `tensors_mut`, `len`,
    /// `is_empty`, `shapes_match`, `check_lenet_shapes`, `all_finite`). The
    /// readable backward pass is the free function `lenet5::trace`, which a
    /// submission cannot name.
    pub use lenet_core::lenet5::Params;
}

/// The student's answers, in the form the grader's runner takes them.
pub mod course {
    use crate::activation::Activation;
    use crate::conv::Geometry;
    use crate::model::Params;
    use crate::pool::Argmax;
    use lenet_core::ndarray::{Array1, Array2, Array4};

    /// One function per exercise, with the signatures of lenet's
    /// `course::Answers`.
    #[derive(Clone, Copy, Debug)]
    #[allow(clippy::type_complexity, reason = "each signature is spelt out as the stubs have it")]
    pub struct Answers {
        pub fc_forward: fn(&Array2<f64>, &Array2<f64>, &Array2<f64>) -> Array2<f64>,
        pub fc_backprop_delta: fn(&Array2<f64>, &Array2<f64>, &Array2<f64>, Activation) -> Array2<f64>,
        pub fc_weight_grad: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
        pub fc_bias_grad: fn(&Array2<f64>) -> Array2<f64>,
        pub correlate_valid: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
        pub full_convolve: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
        pub kernel_grad: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
        pub bias_grad: fn(&Array2<f64>) -> f64,
        pub conv_backward:
            fn(&Array4<f64>, &Array4<f64>, &Array4<f64>, usize) -> (Array4<f64>, Array4<f64>, Array1<f64>),
        pub conv_backward_strided:
            fn(&Array4<f64>, &Array4<f64>, &Array4<f64>, Geometry) -> (Array4<f64>, Array4<f64>, Array1<f64>),
        pub mean_pool_backward: fn(&Array4<f64>, (usize, usize, usize, usize), usize, usize) -> Array4<f64>,
        pub max_pool_backward: fn(&Array4<f64>, &Argmax) -> Array4<f64>,
        pub relu_backward: fn(&Array4<f64>, &Array4<f64>) -> Array4<f64>,
        pub softmax_cross_entropy_grad: fn(&Array2<f64>, &[usize]) -> Array2<f64>,
        pub lenet_backward: fn(&Params<f64>, &Array4<f64>, &[usize]) -> Params<f64>,
    }
}
