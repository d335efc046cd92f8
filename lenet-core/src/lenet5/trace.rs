//! The readable LeNet's pass: each layer is one call to the crate's layer
//! functions ([`crate::conv`], [`crate::pool`], [`crate::activation`],
//! [`crate::fc`], [`crate::loss`]), and every intermediate is kept in a
//! [`Trace`], so a notebook or a widget can show δ flowing backwards layer
//! by layer. The equations are in [`super`].

use super::Params;
use super::arch::{Arch, CONV1_PADDING, CONV2_PADDING, POOL, Pooling};
use crate::element::Real;
use crate::pool::Argmax;
use crate::{conv, fc, loss, pool};
use ndarray::{Array1, Array2, Array4, Axis};

/// Every value of one readable forward and backward pass over a batch of N.
///
/// Forward, z is a pre-activation and a = σ(z). Backward, every gradient
/// is per sample (no 1/N, CONTRIBUTING.md). The book writes δ for ∂C/∂z
/// only: `delta_conv1`, `delta_conv2` and `delta_fc*` are such δ, while
/// `dcost_dflat`, `dcost_dpool2` and `dcost_dpool1` hold ∂C_n/∂a at a
/// pooling output (or its flattening), which has no pre-activation of its
/// own. `grads` holds the batch-averaged parameter gradients. The shapes
/// are those of [`super::arch`].
#[derive(Clone, Debug)]
pub struct Trace<F> {
    /// Input images, N×1×28×28.
    pub x: Array4<F>,
    /// conv1 pre-activation and activation, N×6×28×28.
    pub conv1_z: Array4<F>,
    pub conv1_a: Array4<F>,
    /// Pooled conv1 activations, N×6×14×14.
    pub pool1: Array4<F>,
    /// conv2 pre-activation and activation, N×16×10×10.
    pub conv2_z: Array4<F>,
    pub conv2_a: Array4<F>,
    /// Pooled conv2 activations, N×16×5×5.
    pub pool2: Array4<F>,
    /// pool2 flattened per sample (c·25 + i·5 + j), one column per sample:
    /// 400×N.
    pub flat: Array2<F>,
    /// fc1: 120×N; fc2: 84×N.
    pub fc1_z: Array2<F>,
    pub fc1_a: Array2<F>,
    pub fc2_z: Array2<F>,
    pub fc2_a: Array2<F>,
    /// fc3's output, 10×N, and its softmax.
    pub logits: Array2<F>,
    pub probs: Array2<F>,
    /// Mean cross-entropy and the number of correct arg max predictions.
    pub loss: F,
    pub correct: usize,
    /// δ = p − y at the logits, 10×N.
    pub delta_fc3: Array2<F>,
    /// δ at fc2 (84×N) and fc1 (120×N) pre-activations.
    pub delta_fc2: Array2<F>,
    pub delta_fc1: Array2<F>,
    /// ∂C/∂a at the flattened pool2 output, 400×N (not a δ: pool2 has no
    /// pre-activation).
    pub dcost_dflat: Array2<F>,
    /// ∂C/∂a at pool2's output: `dcost_dflat` reshaped to N×16×5×5.
    pub dcost_dpool2: Array4<F>,
    /// δ at conv2's pre-activation, N×16×10×10.
    pub delta_conv2: Array4<F>,
    /// ∂C/∂a at pool1's output (conv2's input), N×6×14×14.
    pub dcost_dpool1: Array4<F>,
    /// δ at conv1's pre-activation, N×6×28×28.
    pub delta_conv1: Array4<F>,
    /// Gradients of the mean loss.
    pub grads: Params<F>,
}

/// A 2×2, stride-2 pooling forward ([`POOL`]), keeping what its backward needs.
fn pool_forward<F: Real>(p: Pooling, a: &Array4<F>) -> (Array4<F>, Option<Argmax>) {
    match p {
        Pooling::Max => {
            let (y, arg) = pool::max_forward(a, POOL, POOL);
            (y, Some(arg))
        }
        Pooling::Mean => (pool::mean_forward(a, POOL, POOL), None),
    }
}

fn pool_backward<F: Real>(dy: &Array4<F>, input: &Array4<F>, arg: &Option<Argmax>) -> Array4<F> {
    match arg {
        Some(arg) => pool::max_backward(dy, arg),
        None => pool::mean_backward(dy, input.dim(), POOL, POOL),
    }
}

/// A bias vector as the out × 1 column the fc functions take.
fn column<F: Real>(b: &Array1<F>) -> Array2<F> {
    b.view().insert_axis(Axis(1)).to_owned()
}

// ANCHOR: trace
/// The forward and backward pass of the network `arch` with parameters
/// `w` over the images `x` and their `labels`, layer by layer (the
/// equations of [`super`]), with every intermediate kept.
///
/// # Panics
/// If `x` is not N×1×28×28 or a label is out of range (from the layers).
pub fn trace<F: Real>(arch: &Arch, w: &Params<F>, x: &Array4<F>, labels: &[usize]) -> Trace<F> {
    let f = arch.activation;
    // Forward.
    let conv1_z = conv::forward(x, &w.conv1_w, &w.conv1_b, CONV1_PADDING);
    let conv1_a = f.apply(&conv1_z);
    let (pool1, arg1) = pool_forward(arch.pooling, &conv1_a);
    let conv2_z = conv::forward(&pool1, &w.conv2_w, &w.conv2_b, CONV2_PADDING);
    let conv2_a = f.apply(&conv2_z);
    let (pool2, arg2) = pool_forward(arch.pooling, &conv2_a);
    // Flatten each sample to a column: (C·H·W) × N.
    let flat = fc::flatten(&pool2);
    let fc1_z = fc::forward(&w.fc1_w, &flat, &column(&w.fc1_b)).0;
    let fc1_a = f.apply(&fc1_z);
    let fc2_z = fc::forward(&w.fc2_w, &fc1_a, &column(&w.fc2_b)).0;
    let fc2_a = f.apply(&fc2_z);
    let logits = fc::forward(&w.fc3_w, &fc2_a, &column(&w.fc3_b)).0;
    let probs = loss::softmax(&logits);
    let correct =
        logits.axis_iter(Axis(1)).zip(labels).filter(|(col, y)| loss::argmax(col.iter().copied()) == **y).count();

    // Backward: δ at the logits, then the δ recursion through fc3 → fc1.
    let (loss, delta_fc3) = loss::softmax_cross_entropy(&logits, labels);
    let delta_fc2 = fc::backprop_delta(&w.fc3_w, &delta_fc3, &fc2_z, f).0;
    let delta_fc1 = fc::backprop_delta(&w.fc2_w, &delta_fc2, &fc1_z, f).0;
    // Into the flattened pool2 output: no activation there (it was applied
    // before pooling), so only Wᵀ δ.
    let dcost_dflat = fc::input_grad(&w.fc1_w, &delta_fc1).0;
    let (_, channels, rows, cols) = pool2.dim();
    let dcost_dpool2 = fc::unflatten(&dcost_dflat, (channels, rows, cols));
    // Pooling routes ∂C/∂a back to the conv activations, then σ′(z) turns
    // ∂C/∂a into δ = ∂C/∂z.
    let dcost_dconv2_a = pool_backward(&dcost_dpool2, &conv2_a, &arg2);
    let delta_conv2 = f.backward(&dcost_dconv2_a, &conv2_z);
    let (dcost_dpool1, conv2_w, conv2_b) = conv::backward(&pool1, &w.conv2_w, &delta_conv2, CONV2_PADDING);
    let dcost_dconv1_a = pool_backward(&dcost_dpool1, &conv1_a, &arg1);
    let delta_conv1 = f.backward(&dcost_dconv1_a, &conv1_z);
    // conv1's dx (the gradient for the image) is computed but not needed.
    let (_, conv1_w, conv1_b) = conv::backward(x, &w.conv1_w, &delta_conv1, CONV1_PADDING);

    let bias = |m: crate::Matrix<F>| m.0.column(0).to_owned();
    let grads = Params {
        conv1_w,
        conv1_b,
        conv2_w,
        conv2_b,
        fc1_w: fc::weight_grad(&delta_fc1, &flat).0,
        fc1_b: bias(fc::bias_grad(&delta_fc1)),
        fc2_w: fc::weight_grad(&delta_fc2, &fc1_a).0,
        fc2_b: bias(fc::bias_grad(&delta_fc2)),
        fc3_w: fc::weight_grad(&delta_fc3, &fc2_a).0,
        fc3_b: bias(fc::bias_grad(&delta_fc3)),
    };
    Trace {
        x: x.clone(),
        conv1_z,
        conv1_a,
        pool1,
        conv2_z,
        conv2_a,
        pool2,
        flat,
        fc1_z,
        fc1_a,
        fc2_z,
        fc2_a,
        logits,
        probs,
        loss,
        correct,
        delta_fc3,
        delta_fc2,
        delta_fc1,
        dcost_dflat,
        dcost_dpool2,
        delta_conv2,
        dcost_dpool1,
        delta_conv1,
        grads,
    }
}
// ANCHOR_END: trace
