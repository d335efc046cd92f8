//! LeNet's ten parameter tensors, their initialisation and shape checks.

// LeNet's expected shape of each tensor, in [`PARAM_NAMES`] order, and
// `6×1×5×5`-style text for a shape, both from the one table.
use super::arch::{self, Arch, PARAM_SHAPES as SHAPES};
use crate::activation::Activation;
use crate::element::Real;
use crate::rng::Rng;
use ndarray::{Array1, Array2, Array4, ArrayViewD, ArrayViewMutD};

/// The names of the tensors, in the order of [`Params::tensors`].
pub const PARAM_NAMES: [&str; 10] =
    ["conv1_w", "conv1_b", "conv2_w", "conv2_b", "fc1_w", "fc1_b", "fc2_w", "fc2_b", "fc3_w", "fc3_b"];

/// The weights and biases of LeNet. Kernels are out×in×5×5; fully connected
/// weights are out×in (one column per input feature) and biases have one
/// entry per output.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Params<F> {
    pub conv1_w: Array4<F>,
    pub conv1_b: Array1<F>,
    pub conv2_w: Array4<F>,
    pub conv2_b: Array1<F>,
    pub fc1_w: Array2<F>,
    pub fc1_b: Array1<F>,
    pub fc2_w: Array2<F>,
    pub fc2_b: Array1<F>,
    pub fc3_w: Array2<F>,
    pub fc3_b: Array1<F>,
}

/// The fans of a weight tensor of shape `out × in` (fully connected) or
/// `out × in × k × k` (kernel): fan_in = in · k² inputs reach one output
/// unit, fan_out = out · k² outputs read one input.
///
/// # Panics
/// If `shape` has fewer than two dimensions (a bias has no fans).
pub fn fans(shape: &[usize]) -> (usize, usize) {
    assert!(shape.len() >= 2, "a weight tensor has at least two dimensions, got shape {shape:?}");
    let receptive: usize = shape[2..].iter().product();
    (shape[1] * receptive, shape[0] * receptive)
}

impl<F: Real> Params<F> {
    /// Random initial weights and zero biases, reproducible from `seed`.
    ///
    /// For ReLU, He initialisation: W ~ N(0, 2/fan_in), which keeps the
    /// variance of activations constant through layers that zero half their
    /// inputs. For tanh and sigmoid, Xavier (Glorot) uniform:
    /// W ~ U(−r, r) with r = √(6/(fan_in + fan_out)), which balances the
    /// variances of the forward signal and of δ. The fans are [`fans`].
    pub fn init(arch: &Arch, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut p = Self::lenet_zeros();
        for (_, mut t) in p.tensors_mut() {
            if t.ndim() == 1 {
                continue; // biases start at zero
            }
            let (fan_in, fan_out) = fans(t.shape());
            let (fan_in, fan_out) = (fan_in as f64, fan_out as f64);
            match arch.activation {
                Activation::Relu => {
                    let sd = (2.0 / fan_in).sqrt();
                    t.iter_mut().for_each(|w| *w = F::of(sd * rng.normal()));
                }
                Activation::Tanh | Activation::Sigmoid => {
                    let r = (6.0 / (fan_in + fan_out)).sqrt();
                    t.iter_mut().for_each(|w| *w = F::of(rng.uniform_in(-r, r)));
                }
            }
        }
        p
    }

    /// LeNet-shaped tensors, all zero.
    pub fn lenet_zeros() -> Self {
        Params {
            conv1_w: Array4::zeros(arch::CONV1_W),
            conv1_b: Array1::zeros(arch::CONV1_CHANNELS),
            conv2_w: Array4::zeros(arch::CONV2_W),
            conv2_b: Array1::zeros(arch::CONV2_CHANNELS),
            fc1_w: Array2::zeros(arch::FC1_W),
            fc1_b: Array1::zeros(arch::FC1_UNITS),
            fc2_w: Array2::zeros(arch::FC2_W),
            fc2_b: Array1::zeros(arch::FC2_UNITS),
            fc3_w: Array2::zeros(arch::FC3_W),
            fc3_b: Array1::zeros(arch::CLASSES),
        }
    }

    /// Zeros of the same shapes as `self` (a gradient accumulator, say).
    pub fn zeros_like(&self) -> Self {
        Params {
            conv1_w: Array4::zeros(self.conv1_w.raw_dim()),
            conv1_b: Array1::zeros(self.conv1_b.raw_dim()),
            conv2_w: Array4::zeros(self.conv2_w.raw_dim()),
            conv2_b: Array1::zeros(self.conv2_b.raw_dim()),
            fc1_w: Array2::zeros(self.fc1_w.raw_dim()),
            fc1_b: Array1::zeros(self.fc1_b.raw_dim()),
            fc2_w: Array2::zeros(self.fc2_w.raw_dim()),
            fc2_b: Array1::zeros(self.fc2_b.raw_dim()),
            fc3_w: Array2::zeros(self.fc3_w.raw_dim()),
            fc3_b: Array1::zeros(self.fc3_b.raw_dim()),
        }
    }

    /// The ten tensors with their names, in [`PARAM_NAMES`] order.
    pub fn tensors(&self) -> [(&'static str, ArrayViewD<'_, F>); 10] {
        [
            (PARAM_NAMES[0], self.conv1_w.view().into_dyn()),
            (PARAM_NAMES[1], self.conv1_b.view().into_dyn()),
            (PARAM_NAMES[2], self.conv2_w.view().into_dyn()),
            (PARAM_NAMES[3], self.conv2_b.view().into_dyn()),
            (PARAM_NAMES[4], self.fc1_w.view().into_dyn()),
            (PARAM_NAMES[5], self.fc1_b.view().into_dyn()),
            (PARAM_NAMES[6], self.fc2_w.view().into_dyn()),
            (PARAM_NAMES[7], self.fc2_b.view().into_dyn()),
            (PARAM_NAMES[8], self.fc3_w.view().into_dyn()),
            (PARAM_NAMES[9], self.fc3_b.view().into_dyn()),
        ]
    }

    /// The ten tensors, mutable, in [`PARAM_NAMES`] order.
    pub fn tensors_mut(&mut self) -> [(&'static str, ArrayViewMutD<'_, F>); 10] {
        [
            (PARAM_NAMES[0], self.conv1_w.view_mut().into_dyn()),
            (PARAM_NAMES[1], self.conv1_b.view_mut().into_dyn()),
            (PARAM_NAMES[2], self.conv2_w.view_mut().into_dyn()),
            (PARAM_NAMES[3], self.conv2_b.view_mut().into_dyn()),
            (PARAM_NAMES[4], self.fc1_w.view_mut().into_dyn()),
            (PARAM_NAMES[5], self.fc1_b.view_mut().into_dyn()),
            (PARAM_NAMES[6], self.fc2_w.view_mut().into_dyn()),
            (PARAM_NAMES[7], self.fc2_b.view_mut().into_dyn()),
            (PARAM_NAMES[8], self.fc3_w.view_mut().into_dyn()),
            (PARAM_NAMES[9], self.fc3_b.view_mut().into_dyn()),
        ]
    }

    /// The number of scalars in all tensors (61,706 for LeNet).
    pub fn len(&self) -> usize {
        self.tensors().iter().map(|(_, t)| t.len()).sum()
    }

    /// Whether there are no scalars at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `Ok` if every tensor of `other` has the shape of the same tensor in
    /// `self`; otherwise a [`ShapeError`](crate::invalid::ShapeError) naming
    /// the first tensor that does not, with `self`'s shape as the expected
    /// one.
    pub fn shapes_match(&self, other: &Self) -> Result<(), crate::invalid::ShapeError> {
        for ((name, a), (_, b)) in self.tensors().iter().zip(other.tensors().iter()) {
            if a.shape() != b.shape() {
                let (expected, found) = (a.shape().to_vec(), b.shape().to_vec());
                return Err(crate::invalid::ShapeError { tensor: name.to_string(), expected, found });
            }
        }
        Ok(())
    }

    /// `Ok` if every tensor has LeNet's shape; otherwise a
    /// [`ShapeError`](crate::invalid::ShapeError) naming the tensor, the shape
    /// LeNet needs and the one found.
    pub fn check_lenet_shapes(&self) -> Result<(), crate::invalid::ShapeError> {
        for ((name, t), want) in self.tensors().iter().zip(SHAPES) {
            if t.shape() != want {
                let (expected, found) = (want.to_vec(), t.shape().to_vec());
                return Err(crate::invalid::ShapeError { tensor: name.to_string(), expected, found });
            }
        }
        Ok(())
    }

    /// Whether every entry is finite (no NaN or ±∞): a diverged step shows
    /// up here first.
    pub fn all_finite(&self) -> bool {
        self.tensors().iter().all(|(_, t)| t.iter().all(|v| v.is_finite()))
    }
}
