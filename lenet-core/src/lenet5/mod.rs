//! LeNet-5 for 28×28 grey images, readable: its one table of layers and
//! shapes ([`arch`]), its ten parameter tensors ([`params`]), and its
//! forward and backward pass composed from this crate's layer functions with
//! every intermediate kept ([`trace()`], which returns a [`Trace`]). With the
//! `serde` feature, `file` reads a model file's bytes into an [`Arch`] and
//! [`Params`], checking everything.
//!
//! The pass, per sample, with σ the activation and `pool` the 2×2 pooling:
//!
//! ```text
//! forward   a⁰ = x
//!           conv1: z¹ = k¹ ⋆ pad₂(a⁰) + b¹,  a¹ = pool(σ(z¹))
//!           conv2: z² = k² ⋆ a¹ + b²,        a² = pool(σ(z²)),  flatten to 400
//!           fc1, fc2: zˡ = Wˡ aˡ⁻¹ + bˡ,     aˡ = σ(zˡ)
//!           fc3: logits z⁵ = W⁵ a⁴ + b⁵,     p = softmax(z⁵),  C = −ln p_y
//! backward  δ⁵ = p − y
//!           δˡ = (Wˡ⁺¹ᵀ δˡ⁺¹) ⊙ σ′(zˡ)        (fc2, fc1)
//!           ∂C/∂a² = W³ᵀ δ³, unflattened;    δ² = pool_back(∂C/∂a²) ⊙ σ′(z²)
//!           ∂C/∂a¹ = full(δ², rot180 k²);    δ¹ = pool_back(∂C/∂a¹) ⊙ σ′(z¹)
//!           ∂C/∂Wˡ = δˡ aˡ⁻¹ᵀ, ∂C/∂kˡ = aˡ⁻¹ ⋆ δˡ, ∂C/∂bˡ = Σ δˡ
//! ```
//!
//! (⋆ is valid cross-correlation, `full` the full convolution of
//! [`crate::conv`].) Parameter gradients are averaged over the batch: they
//! are the gradients of the mean loss. The fast implementation of the same
//! network, and the `LeNet` façade that drives it, are the `lenet` crate's;
//! `lenet::model` re-exports everything here under its old paths.

pub mod arch;
#[cfg(feature = "serde")]
pub mod file;
pub mod params;
pub mod trace;

pub use arch::{Arch, Pooling};
pub use params::{PARAM_NAMES, Params};
pub use trace::{Trace, trace};
