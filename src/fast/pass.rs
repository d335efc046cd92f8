//! One forward (and optionally backward) pass over a chunk of samples on
//! channel-major buffers.
//!
//! Layouts for a chunk of B samples (row-major matrices): padded images
//! B × 33 × 32, z1 6 × B × 28 × 32 (rows padded to 32), p1 6 × B·196,
//! conv2 cols 150 × B·100, z2 16 × B·100, p2 16 × B·25, then one column
//! per sample:
//! a0 400 × B (row c·25 + i·5 + j, the NCHW flattening), a3 120 × B,
//! a4 84 × B, logits 10 × B. δ buffers have the same layouts.

use super::conv1;
use super::im2col::{col2im, im2col, ConvGeom};
use super::act::{activate, times_slope};
use super::pool::{max_act_backward, max_act_forward, mean_act_backward, mean_act_forward};
use crate::element::Real;
use crate::model::{Arch, Params, Pooling};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// One thread's reusable buffers, for chunks of up to `cap` samples.
pub struct Workspace<F: Real> {
    cap: usize,
    xpad: Vec<F>,
    z1: Vec<F>,
    p1: Vec<F>,
    arg1: Vec<u8>,
    cols2: Vec<F>,
    z2: Vec<F>,
    p2: Vec<F>,
    arg2: Vec<u8>,
    a0: Vec<F>,
    a3: Vec<F>,
    a4: Vec<F>,
    pub(super) z5: Vec<F>,
    d5: Vec<F>,
    d4: Vec<F>,
    d3: Vec<F>,
    da0: Vec<F>,
    dp2: Vec<F>,
    dp1: Vec<F>,
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
            xpad: vec![],
            z1: vec![],
            p1: vec![],
            arg1: vec![],
            cols2: vec![],
            z2: vec![],
            p2: vec![],
            arg2: vec![],
            a0: vec![],
            a3: vec![],
            a4: vec![],
            z5: vec![],
            d5: vec![],
            d4: vec![],
            d3: vec![],
            da0: vec![],
            dp2: vec![],
            dp1: vec![],
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
            (&mut self.xpad, conv1::IMAGE),
            (&mut self.z1, 6 * conv1::PLANE),
            (&mut self.p1, 6 * 196),
            (&mut self.cols2, 150 * 100),
            (&mut self.z2, 16 * 100),
            (&mut self.p2, 16 * 25),
            (&mut self.a0, 400),
            (&mut self.a3, 120),
            (&mut self.a4, 84),
            (&mut self.z5, 10),
            (&mut self.d5, 10),
            (&mut self.d4, 84),
            (&mut self.d3, 120),
            (&mut self.da0, 400),
            (&mut self.dp2, 16 * 25),
            (&mut self.dp1, 6 * 196),
        ] {
            buf.resize(b * per_sample, z);
        }
        self.arg1.resize(b * 6 * 196, 0);
        self.arg2.resize(b * 16 * 25, 0);
    }
}

fn mat<F>(s: &[F], rows: usize, cols: usize) -> ArrayView2<'_, F> {
    ArrayView2::from_shape((rows, cols), &s[..rows * cols]).expect("buffer sized by reserve")
}

fn mat_mut<F>(s: &mut [F], rows: usize, cols: usize) -> ArrayViewMut2<'_, F> {
    ArrayViewMut2::from_shape((rows, cols), &mut s[..rows * cols]).expect("buffer sized by reserve")
}

/// c ← a·b + β c, with `c` a row-major rows(a) × cols(b) buffer.
fn gemm<F: Real>(a: ArrayView2<F>, b: ArrayView2<F>, beta: F, c: &mut [F]) {
    let (m, n) = (a.nrows(), b.ncols());
    general_mat_mul(F::one(), &a, &b, beta, &mut mat_mut(c, m, n));
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

/// Softmax cross-entropy over the columns of the 10 × b `logits`: writes
/// δ = p − y into `delta` and returns (Σ losses, number correct). Each loss
/// is log Σ exp(z − m) − (z_y − m) with m = max z, which cannot overflow.
fn softmax_xent<F: Real>(logits: &[F], labels: &[usize], delta: &mut [F], b: usize) -> (f64, usize) {
    let (mut loss, mut correct) = (0.0, 0);
    for (s, &y) in labels.iter().enumerate() {
        let z: [F; 10] = std::array::from_fn(|k| logits[k * b + s]);
        let best = crate::model::argmax(z.iter().copied());
        let m = z[best];
        let e: [F; 10] = std::array::from_fn(|k| (z[k] - m).exp());
        let sum: F = e.iter().copied().sum();
        loss += (sum.ln() - (z[y] - m)).f64();
        correct += usize::from(best == y);
        for k in 0..10 {
            let onehot = if k == y { F::one() } else { F::zero() };
            delta[k * b + s] = e[k] / sum - onehot;
        }
    }
    (loss, correct)
}

/// Runs the forward pass for `b` samples `x` (b × 784, row-major) and leaves
/// the logits in `ws.z5` (10 × b). With `labels`, returns (Σ loss, correct);
/// with `grads` too, adds this chunk's per-sample gradients to them.
pub fn chunk_pass<F: Real>(
    arch: &Arch,
    w: &Params<F>,
    x: &[F],
    labels: Option<&[usize]>,
    grads: Option<&mut Params<F>>,
    ws: &mut Workspace<F>,
) -> (f64, usize) {
    let b = x.len() / 784;
    ws.reserve(b);
    let f = arch.activation;
    let g2 = ConvGeom { channels: 6, batch: b, height: 14, width: 14, kernel: 5, padding: 0 };
    let (n1, n2) = (b * conv1::PLANE, g2.cols()); // b·896, b·100
    let w1 = w.conv1_w.as_slice().expect("standard layout");
    let w2 = w.conv2_w.as_slice().expect("standard layout");

    // conv1 → f → pool1
    conv1::pad_images(x, b, &mut ws.xpad);
    conv1::forward(&ws.xpad, w1, w.conv1_b.as_slice().unwrap(), b, &mut ws.z1);
    let planes1 = (6 * b, 28, 28, conv1::STRIDE);
    match arch.pooling {
        Pooling::Max => max_act_forward(f, &ws.z1, planes1, &mut ws.p1, &mut ws.arg1),
        Pooling::Mean => mean_act_forward(f, &mut ws.z1[..6 * n1], planes1, &mut ws.p1),
    }
    // conv2 → f → pool2
    im2col(&g2, &ws.p1[..6 * b * 196], &mut ws.cols2[..150 * n2]);
    gemm(mat(w2, 16, 150), mat(&ws.cols2, 150, n2), F::zero(), &mut ws.z2);
    add_bias(&mut ws.z2[..16 * n2], w.conv2_b.as_slice().unwrap(), n2);
    let planes2 = (16 * b, 10, 10, 10);
    match arch.pooling {
        Pooling::Max => max_act_forward(f, &ws.z2, planes2, &mut ws.p2, &mut ws.arg2),
        Pooling::Mean => mean_act_forward(f, &mut ws.z2[..16 * n2], planes2, &mut ws.p2),
    }
    // flatten: a0[c·25 + q, s] = p2[c, s, q]
    for c in 0..16 {
        for s in 0..b {
            for q in 0..25 {
                ws.a0[(c * 25 + q) * b + s] = ws.p2[(c * b + s) * 25 + q];
            }
        }
    }
    // fc1, fc2, fc3
    gemm(w.fc1_w.view(), mat(&ws.a0, 400, b), F::zero(), &mut ws.a3);
    add_bias(&mut ws.a3[..120 * b], w.fc1_b.as_slice().unwrap(), b);
    activate(f, &mut ws.a3[..120 * b]);
    gemm(w.fc2_w.view(), mat(&ws.a3, 120, b), F::zero(), &mut ws.a4);
    add_bias(&mut ws.a4[..84 * b], w.fc2_b.as_slice().unwrap(), b);
    activate(f, &mut ws.a4[..84 * b]);
    gemm(w.fc3_w.view(), mat(&ws.a4, 84, b), F::zero(), &mut ws.z5);
    add_bias(&mut ws.z5[..10 * b], w.fc3_b.as_slice().unwrap(), b);

    let Some(labels) = labels else { return (0.0, 0) };
    let (loss, correct) = softmax_xent(&ws.z5, labels, &mut ws.d5, b);
    let Some(g) = grads else { return (loss, correct) };
    let one = F::one();
    // fc3: ∂W += δ5 a4ᵀ, ∂b += Σ δ5; δ4 = (W3ᵀ δ5) ⊙ σ′
    gemm(mat(&ws.d5, 10, b), mat(&ws.a4, 84, b).t(), one, g.fc3_w.as_slice_mut().unwrap());
    add_row_sums(g.fc3_b.as_slice_mut().unwrap(), &ws.d5, b);
    gemm(w.fc3_w.t(), mat(&ws.d5, 10, b), F::zero(), &mut ws.d4);
    times_slope(f, &mut ws.d4[..84 * b], &ws.a4);
    // fc2
    gemm(mat(&ws.d4, 84, b), mat(&ws.a3, 120, b).t(), one, g.fc2_w.as_slice_mut().unwrap());
    add_row_sums(g.fc2_b.as_slice_mut().unwrap(), &ws.d4, b);
    gemm(w.fc2_w.t(), mat(&ws.d4, 84, b), F::zero(), &mut ws.d3);
    times_slope(f, &mut ws.d3[..120 * b], &ws.a3);
    // fc1; its input a0 is the pooled output, already activated, so no σ′ here
    gemm(mat(&ws.d3, 120, b), mat(&ws.a0, 400, b).t(), one, g.fc1_w.as_slice_mut().unwrap());
    add_row_sums(g.fc1_b.as_slice_mut().unwrap(), &ws.d3, b);
    gemm(w.fc1_w.t(), mat(&ws.d3, 120, b), F::zero(), &mut ws.da0);
    // unflatten ∂C/∂a into the pool2 layout
    for c in 0..16 {
        for s in 0..b {
            for q in 0..25 {
                ws.dp2[(c * b + s) * 25 + q] = ws.da0[(c * 25 + q) * b + s];
            }
        }
    }
    // pool2 and σ′ back to ∂C/∂z2, written over z2
    match arch.pooling {
        Pooling::Max => max_act_backward(f, &mut ws.dp2, &ws.p2, &ws.arg2, planes2, &mut ws.z2[..16 * n2]),
        Pooling::Mean => mean_act_backward(f, &ws.dp2, &mut ws.z2[..16 * n2], planes2),
    }
    // conv2: ∂K += δ colsᵀ; ∂C/∂a at its input = col2im(Kᵀ δ), via the cols buffer
    let gw2 = g.conv2_w.as_slice_mut().unwrap();
    gemm(mat(&ws.z2, 16, n2), mat(&ws.cols2, 150, n2).t(), one, gw2);
    add_row_sums(g.conv2_b.as_slice_mut().unwrap(), &ws.z2, n2);
    gemm(mat(w2, 16, 150).t(), mat(&ws.z2, 16, n2), F::zero(), &mut ws.cols2);
    col2im(&g2, &ws.cols2[..150 * n2], &mut ws.dp1[..6 * b * 196]);
    // pool1 and σ′ back to ∂C/∂z1, written over z1
    match arch.pooling {
        Pooling::Max => max_act_backward(f, &mut ws.dp1, &ws.p1, &ws.arg1, planes1, &mut ws.z1[..6 * n1]),
        Pooling::Mean => mean_act_backward(f, &ws.dp1, &mut ws.z1[..6 * n1], planes1),
    }
    // conv1: only the kernel and bias gradients; nothing needs ∂C/∂x
    let (gw1, gb1) = (g.conv1_w.as_slice_mut().unwrap(), g.conv1_b.as_slice_mut().unwrap());
    conv1::grad(&ws.xpad, &ws.z1, b, gw1, gb1);
    (loss, correct)
}
