//! One forward (and optionally backward) pass over a chunk of samples on
//! channel-major buffers.
//!
//! Layouts for a chunk of B samples (row-major matrices): padded images
//! B × 33 × 32, conv1 6 × B × 28 × 32 (rows padded to 32), pool1 6 × B·196,
//! conv2 16 × B·100, pool2 16 × B·25, then one column per sample: flat
//! 400 × B (row c·25 + i·5 + j, the NCHW flattening), fc1 120 × B, fc2
//! 84 × B, logits 10 × B. The gradient buffers have the layouts of the
//! values they belong to, except δ at conv2, which the backward pass also
//! turns position-major (B·100 × 16) for conv2's kernel gradient. conv2 no
//! longer needs an im2col matrix (150 × B·100, the largest buffer before),
//! in either direction. All these sizes come from [`crate::model::arch`];
//! the numbers here are LeNet's.

use super::act::{activate, times_slope};
use super::aligned::Aligned;
use super::conv1;
use super::conv1_pool;
use super::conv2;
use super::dense::{Strided, product, transpose};
use super::pool::{max_act_backward, max_act_forward, mean_act_backward, mean_act_forward};
use crate::element::Real;
use crate::loss::softmax_cross_entropy_columns;
use crate::model::arch::{self, Arch, CLASSES, FC1_UNITS, FC2_UNITS, FLAT, Pooling};
use crate::model::params::Params;

/// Entries of one input image: 784.
const IMAGE: usize = arch::INPUT.len();
/// conv1's output channels (6) and conv2's (16).
const C1: usize = arch::CONV1_CHANNELS;
const C2: usize = arch::CONV2_CHANNELS;
/// Entries of one pool1 plane (14·14 = 196) and one conv2 plane (10·10 = 100).
const POOL1_PLANE: usize = arch::POOL1_SIDE * arch::POOL1_SIDE;
const CONV2_PLANE: usize = arch::CONV2_SIDE * arch::CONV2_SIDE;
/// Entries of one pool2 plane: 5·5 = 25.
const POOL2_PLANE: usize = arch::POOL2_SIDE * arch::POOL2_SIDE;

/// One thread's reusable buffers, for chunks of up to `cap` samples, named
/// as in the readable [`Trace`](crate::model::Trace). Several are
/// overwritten by the backward pass with the gradient of the same shape,
/// as their comments say.
pub struct Workspace<F: Real> {
    cap: usize,
    /// The images padded by 2, B × 33 × 32 ([`conv1::IMAGE`] each).
    x_padded: Aligned<F>,
    /// conv1's pre-activation, 6 × B planes of 28 × 32 ([`conv1::PLANE`];
    /// columns 28..32 padding). Mean pooling turns it into the activation
    /// conv1_a in place; max pooling on AVX-512 in f32 never writes it
    /// ([`conv1_pool`]); the backward pass overwrites it with delta_conv1.
    conv1_z: Aligned<F>,
    /// pool1's output, 6 × B·196.
    pool1: Aligned<F>,
    /// For max pooling, the window position (0..4, row-major) of each
    /// pool1 output's maximum, 6 × B·196.
    pool1_argmax: Vec<u8>,
    /// Backward only: δ at conv2 position-major, B·100 × 16, for its
    /// kernel gradient ([`conv2::grad`]).
    delta_conv2_t: Aligned<F>,
    /// conv2's pre-activation, 16 × B·100 (the activation, for mean
    /// pooling); backward, delta_conv2.
    conv2_z: Aligned<F>,
    /// pool2's output, 16 × B·25, and its max positions.
    pool2: Aligned<F>,
    pool2_argmax: Vec<u8>,
    /// pool2 flattened, 400 × B (row c·25 + i·5 + j, column = sample).
    flat: Aligned<F>,
    /// fc1's and fc2's activations, 120 × B and 84 × B (pre-activations
    /// until activated in place).
    fc1_a: Aligned<F>,
    fc2_a: Aligned<F>,
    /// fc3's output, 10 × B.
    pub(super) logits: Aligned<F>,
    /// δ = p − y at the logits (10 × B), at fc2 (84 × B) and fc1 (120 × B).
    delta_fc3: Aligned<F>,
    delta_fc2: Aligned<F>,
    delta_fc1: Aligned<F>,
    /// ∂C/∂a at the flattened pool2 output, 400 × B.
    dcost_dflat: Aligned<F>,
    /// Backward only: a layer's input transposed (B × 400 at most), the
    /// B of its weight gradient's product ([`dense`](super::dense)).
    act_t: Aligned<F>,
    /// ∂C/∂a at pool2's output (16 × B·25) and pool1's (6 × B·196).
    dcost_dpool2: Aligned<F>,
    dcost_dpool1: Aligned<F>,
}

impl<F: Real> Default for Workspace<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Real> Workspace<F> {
    /// Empty buffers; they grow to the first chunk's size.
    pub fn new() -> Self {
        Workspace {
            cap: 0,
            x_padded: Aligned::default(),
            conv1_z: Aligned::default(),
            pool1: Aligned::default(),
            pool1_argmax: vec![],
            delta_conv2_t: Aligned::default(),
            conv2_z: Aligned::default(),
            pool2: Aligned::default(),
            pool2_argmax: vec![],
            flat: Aligned::default(),
            fc1_a: Aligned::default(),
            fc2_a: Aligned::default(),
            logits: Aligned::default(),
            delta_fc3: Aligned::default(),
            delta_fc2: Aligned::default(),
            delta_fc1: Aligned::default(),
            dcost_dflat: Aligned::default(),
            act_t: Aligned::default(),
            dcost_dpool2: Aligned::default(),
            dcost_dpool1: Aligned::default(),
        }
    }

    /// Grows the buffers to hold `b` samples (never shrinks them).
    fn reserve(&mut self, b: usize) {
        if b <= self.cap {
            return;
        }
        self.cap = b;
        let z = F::zero();
        for (buf, per_sample) in [
            (&mut self.x_padded, conv1::IMAGE),
            (&mut self.conv1_z, C1 * conv1::PLANE),
            (&mut self.pool1, C1 * POOL1_PLANE),
            (&mut self.delta_conv2_t, C2 * CONV2_PLANE),
            (&mut self.conv2_z, C2 * CONV2_PLANE),
            (&mut self.pool2, C2 * POOL2_PLANE),
            (&mut self.flat, FLAT),
            (&mut self.fc1_a, FC1_UNITS),
            (&mut self.fc2_a, FC2_UNITS),
            (&mut self.logits, CLASSES),
            (&mut self.delta_fc3, CLASSES),
            (&mut self.delta_fc2, FC2_UNITS),
            (&mut self.delta_fc1, FC1_UNITS),
            (&mut self.dcost_dflat, FLAT),
            (&mut self.act_t, FLAT),
            (&mut self.dcost_dpool2, C2 * POOL2_PLANE),
            (&mut self.dcost_dpool1, C1 * POOL1_PLANE),
        ] {
            *buf = Aligned::filled(b * per_sample, z);
        }
        self.pool1_argmax.resize(b * C1 * POOL1_PLANE, 0);
        self.pool2_argmax.resize(b * C2 * POOL2_PLANE, 0);
    }
}

/// A parameter matrix's entries, row-major.
fn slice<F>(p: &ndarray::Array2<F>) -> &[F] {
    p.as_slice().expect("standard layout")
}

fn slice_mut<F>(p: &mut ndarray::Array2<F>) -> &mut [F] {
    p.as_slice_mut().expect("standard layout")
}

/// Adds b[r] to every entry of row r of the rows × n buffer `z`.
fn add_bias<F: Real>(z: &mut [F], b: &[F], n: usize) {
    for (row, &br) in z.chunks_exact_mut(n).zip(b) {
        row.iter_mut().for_each(|v| *v = *v + br);
    }
}

/// g[r] += Σ_col d[r, col]: a bias gradient summed over samples and
/// positions. Eight interleaved partial sums break the chain of dependent
/// additions, so the sum runs at the adder's throughput, not its latency.
fn add_row_sums<F: Real>(g: &mut [F], d: &[F], n: usize) {
    for (gr, row) in g.iter_mut().zip(d.chunks_exact(n)) {
        let mut part = [F::zero(); 8];
        let mut chunks = row.chunks_exact(8);
        for c in &mut chunks {
            for l in 0..8 {
                part[l] = part[l] + c[l];
            }
        }
        let tail: F = chunks.remainder().iter().copied().sum();
        *gr = *gr + part.iter().copied().sum::<F>() + tail;
    }
}

/// A chunk's gradient sums, for [`chunk_pass`] to add a sub-chunk's
/// gradients to. With `first` (the chunk's first sub-chunk), what the
/// buffer holds is not a sum yet: the pass sets every entry to 0 but the
/// fully connected weights' (59,000 of the 62,000), which its products
/// write instead of adding to zeros, saving a memset of them twice per
/// step. Writing s gives the bits that 0 + s gives: the products write
/// acc + 0 and add C + acc ([`dense`](super::dense)), and +0 + acc and
/// acc + (+0) are the same float, −0 included (both +0).
pub struct Sums<'a, F> {
    pub g: &'a mut Params<F>,
    pub first: bool,
}

/// Runs the forward pass for `b` samples `x` (b × 784, row-major) and leaves
/// the logits in `ws.logits` (10 × b). With `labels`, returns (Σ loss, correct);
/// with `grads` too, adds this chunk's per-sample gradients to them.
pub fn chunk_pass<F: Real>(
    arch: &Arch,
    w: &Params<F>,
    x: &[F],
    labels: Option<&[usize]>,
    grads: Option<Sums<F>>,
    ws: &mut Workspace<F>,
) -> (f64, usize) {
    #[cfg(target_arch = "x86_64")]
    if conv1::Isa::best() == conv1::Isa::Avx512 {
        // SAFETY: the CPU has AVX-512F (Isa::best checked it).
        return unsafe { chunk_pass_avx512(arch, w, x, labels, grads, ws) };
    }
    chunk_pass_body(arch, w, x, labels, grads, ws)
}

/// [`chunk_pass`] with its own loops (flattening, biases, activations of
/// the dense layers, the loss) compiled for AVX-512: the same operations
/// on wider registers, so the same results. The kernels choose their own
/// paths either way.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn chunk_pass_avx512<F: Real>(
    arch: &Arch,
    w: &Params<F>,
    x: &[F],
    labels: Option<&[usize]>,
    grads: Option<Sums<F>>,
    ws: &mut Workspace<F>,
) -> (f64, usize) {
    chunk_pass_body(arch, w, x, labels, grads, ws)
}

#[inline(always)]
fn chunk_pass_body<F: Real>(
    arch: &Arch,
    w: &Params<F>,
    x: &[F],
    labels: Option<&[usize]>,
    grads: Option<Sums<F>>,
    ws: &mut Workspace<F>,
) -> (f64, usize) {
    let b = x.len() / IMAGE;
    ws.reserve(b);
    let f = arch.activation;
    let (n1, n2) = (b * conv1::PLANE, b * conv2::PLANE); // b·896, b·100
    let w1 = w.conv1_w.as_slice().expect("standard layout");
    let w2 = w.conv2_w.as_slice().expect("standard layout");

    // conv1 → f → pool1
    conv1::pad_images(x, b, &mut ws.x_padded);
    let b1 = w.conv1_b.as_slice().unwrap();
    let planes1 = (C1 * b, arch::CONV1_SIDE, arch::CONV1_SIDE, conv1::STRIDE);
    match arch.pooling {
        Pooling::Max => {
            let (z, p, arg) = (&mut ws.conv1_z, &mut ws.pool1, &mut ws.pool1_argmax);
            conv1_pool::max_forward(f, &ws.x_padded, w1, b1, b, z, p, arg)
        }
        Pooling::Mean => {
            conv1::forward(&ws.x_padded, w1, b1, b, &mut ws.conv1_z);
            mean_act_forward(f, &mut ws.conv1_z[..C1 * n1], planes1, &mut ws.pool1)
        }
    }
    // conv2 → f → pool2
    conv2::forward(&ws.pool1, w2, w.conv2_b.as_slice().unwrap(), b, &mut ws.conv2_z);
    let planes2 = (C2 * b, arch::CONV2_SIDE, arch::CONV2_SIDE, arch::CONV2_SIDE);
    match arch.pooling {
        Pooling::Max => max_act_forward(f, &ws.conv2_z, planes2, &mut ws.pool2, &mut ws.pool2_argmax),
        Pooling::Mean => mean_act_forward(f, &mut ws.conv2_z[..C2 * n2], planes2, &mut ws.pool2),
    }
    // flatten: flat[c·25 + q, s] = pool2[c, s, q]
    for c in 0..C2 {
        for s in 0..b {
            for q in 0..POOL2_PLANE {
                ws.flat[(c * POOL2_PLANE + q) * b + s] = ws.pool2[(c * b + s) * POOL2_PLANE + q];
            }
        }
    }
    // fc1, fc2, fc3
    product(Strided::rows_of(slice(&w.fc1_w), FC1_UNITS, FLAT), &ws.flat, b, false, &mut ws.fc1_a);
    add_bias(&mut ws.fc1_a[..FC1_UNITS * b], w.fc1_b.as_slice().unwrap(), b);
    activate(f, &mut ws.fc1_a[..FC1_UNITS * b]);
    product(Strided::rows_of(slice(&w.fc2_w), FC2_UNITS, FC1_UNITS), &ws.fc1_a, b, false, &mut ws.fc2_a);
    add_bias(&mut ws.fc2_a[..FC2_UNITS * b], w.fc2_b.as_slice().unwrap(), b);
    activate(f, &mut ws.fc2_a[..FC2_UNITS * b]);
    product(Strided::rows_of(slice(&w.fc3_w), CLASSES, FC2_UNITS), &ws.fc2_a, b, false, &mut ws.logits);
    add_bias(&mut ws.logits[..CLASSES * b], w.fc3_b.as_slice().unwrap(), b);

    let Some(labels) = labels else { return (0.0, 0) };
    let (loss, correct) = softmax_cross_entropy_columns::<F, CLASSES>(&ws.logits, labels, &mut ws.delta_fc3);
    let Some(Sums { g, first }) = grads else { return (loss, correct) };
    if first {
        for t in [&mut g.conv1_b, &mut g.conv2_b, &mut g.fc1_b, &mut g.fc2_b, &mut g.fc3_b] {
            t.fill(F::zero());
        }
        g.conv1_w.fill(F::zero());
        g.conv2_w.fill(F::zero());
    }
    let add = !first;
    // fc3: ∂W += δ a₂ᵀ, ∂b += Σ δ; delta_fc2 = (W₃ᵀ δ) ⊙ σ′
    transpose(&ws.fc2_a, FC2_UNITS, b, &mut ws.act_t);
    product(Strided::rows_of(&ws.delta_fc3, CLASSES, b), &ws.act_t, FC2_UNITS, add, slice_mut(&mut g.fc3_w));
    add_row_sums(g.fc3_b.as_slice_mut().unwrap(), &ws.delta_fc3, b);
    product(Strided::transpose_of(slice(&w.fc3_w), FC2_UNITS, CLASSES), &ws.delta_fc3, b, false, &mut ws.delta_fc2);
    times_slope(f, &mut ws.delta_fc2[..FC2_UNITS * b], &ws.fc2_a);
    // fc2
    transpose(&ws.fc1_a, FC1_UNITS, b, &mut ws.act_t);
    product(Strided::rows_of(&ws.delta_fc2, FC2_UNITS, b), &ws.act_t, FC1_UNITS, add, slice_mut(&mut g.fc2_w));
    add_row_sums(g.fc2_b.as_slice_mut().unwrap(), &ws.delta_fc2, b);
    product(Strided::transpose_of(slice(&w.fc2_w), FC1_UNITS, FC2_UNITS), &ws.delta_fc2, b, false, &mut ws.delta_fc1);
    times_slope(f, &mut ws.delta_fc1[..FC1_UNITS * b], &ws.fc1_a);
    // fc1; its input `flat` is the pooled output, already activated, so no σ′ here
    transpose(&ws.flat, FLAT, b, &mut ws.act_t);
    product(Strided::rows_of(&ws.delta_fc1, FC1_UNITS, b), &ws.act_t, FLAT, add, slice_mut(&mut g.fc1_w));
    add_row_sums(g.fc1_b.as_slice_mut().unwrap(), &ws.delta_fc1, b);
    product(Strided::transpose_of(slice(&w.fc1_w), FLAT, FC1_UNITS), &ws.delta_fc1, b, false, &mut ws.dcost_dflat);
    // unflatten ∂C/∂a into the pool2 layout
    for c in 0..C2 {
        for s in 0..b {
            for q in 0..POOL2_PLANE {
                ws.dcost_dpool2[(c * b + s) * POOL2_PLANE + q] = ws.dcost_dflat[(c * POOL2_PLANE + q) * b + s];
            }
        }
    }
    // pool2 and σ′ back to δ at conv2, written over conv2_z
    let delta_conv2 = &mut ws.conv2_z[..C2 * n2];
    match arch.pooling {
        Pooling::Max => max_act_backward(f, &mut ws.dcost_dpool2, &ws.pool2, &ws.pool2_argmax, planes2, delta_conv2),
        Pooling::Mean => mean_act_backward(f, &ws.dcost_dpool2, delta_conv2, planes2),
    }
    // conv2: ∂K, ∂b and ∂C/∂a at its input, all directly
    let (gw2, gb2) = (g.conv2_w.as_slice_mut().unwrap(), g.conv2_b.as_slice_mut().unwrap());
    conv2::grad(&ws.pool1, &ws.conv2_z, b, &mut ws.delta_conv2_t, gw2, gb2);
    conv2::input_grad(w2, &ws.conv2_z, b, &mut ws.dcost_dpool1);
    // pool1 and σ′ back to δ at conv1, written over conv1_z
    let delta_conv1 = &mut ws.conv1_z[..C1 * n1];
    match arch.pooling {
        Pooling::Max => max_act_backward(f, &mut ws.dcost_dpool1, &ws.pool1, &ws.pool1_argmax, planes1, delta_conv1),
        Pooling::Mean => mean_act_backward(f, &ws.dcost_dpool1, delta_conv1, planes1),
    }
    // conv1: only the kernel and bias gradients; nothing needs ∂C/∂x
    let (gw1, gb1) = (g.conv1_w.as_slice_mut().unwrap(), g.conv1_b.as_slice_mut().unwrap());
    conv1::grad(&ws.x_padded, &ws.conv1_z, b, gw1, gb1);
    (loss, correct)
}
