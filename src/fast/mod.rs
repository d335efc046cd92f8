//! The fast path: the same LeNet as the readable layers, computed on
//! channel-major buffers that are reused from batch to batch:
//!
//! - conv1 directly on padded images ([`conv1`], AVX2/FMA when the CPU has
//!   them): as a matrix product it would have only six rows;
//! - conv2 as im2col ([`im2col`]) + matrix products, and the fully connected
//!   layers as matrix products (ndarray's `general_mat_mul`, i.e. the
//!   matrixmultiply crate);
//! - activation and 2×2 pooling fused into one pass ([`pool`]);
//! - the batch split across threads.
//!
//! Measured (benches/layers.rs, batch 64, f32, one thread): a training step
//! about 40× faster than the readable path; scripts/bench-vs-torch.sh
//! compares a whole epoch with PyTorch.
//!
//! Scheduling and determinism: the batch is cut into chunks whose bounds
//! depend only on N ([`chunk_size`]). Threads take chunks one at a time
//! from a shared counter, so a thread slowed down by other work on the
//! machine takes fewer of them instead of holding up the batch. Each chunk
//! sums its per-sample gradients into its own buffer, and the buffers are
//! added in chunk order at the end. So the result depends on the
//! parameters and the batch only: any thread count, and any scheduling,
//! give bit-identical logits, loss and gradients.

pub mod act;
pub mod conv1;
pub mod im2col;
mod pass;
pub mod pool;

pub use pass::Workspace;

use crate::element::Real;
use crate::model::{LeNet, Params};
use ndarray::{s, Array2, Array4, ArrayView2};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Samples per matrix product: large enough for good GEMM shapes, small
/// enough that the buffers stay in cache and memory stays bounded whatever
/// the batch size.
pub const SUB_CHUNK: usize = 32;

/// The smallest unit of work handed to a thread.
pub const MIN_CHUNK: usize = 16;

/// At most this many chunks (so this many gradient buffers) per call.
pub const MAX_CHUNKS: usize = 64;

/// Samples per chunk for a batch of n: 16, or more for batches above
/// 16 · 64 = 1024 so that no more than 64 gradient buffers are needed.
pub fn chunk_size(n: usize) -> usize {
    MIN_CHUNK.max(n.div_ceil(MAX_CHUNKS))
}

/// Buffers kept by a [`LeNet`] between calls: one workspace per thread and
/// one gradient sum per chunk.
#[derive(Default)]
pub struct Scratch<F: Real> {
    workspaces: Vec<Workspace<F>>,
    chunk_grads: Vec<Params<F>>,
}

/// What a fast pass produced.
pub(crate) struct Output<F> {
    pub logits: Array2<F>,
    pub loss: F,
    pub correct: usize,
    pub grads: Option<Params<F>>,
}

/// One chunk's results, written by whichever thread takes the chunk.
struct Slot<'a, F> {
    grads: Option<&'a mut Params<F>>,
    logits: Array2<F>,
    loss: f64,
    correct: usize,
}

/// Checks the batch, shares its chunks among threads, and reduces in chunk
/// order.
///
/// # Panics
/// If `x` is not N×1×28×28, if `labels` has not N entries, or if a label is
/// not below 10.
pub(crate) fn run<F: Real>(
    net: &LeNet<F>,
    x: &Array4<F>,
    labels: Option<&[usize]>,
    threads: usize,
    backward: bool,
) -> Output<F> {
    let sh = x.shape();
    assert!(
        sh[1] == 1 && sh[2] == 28 && sh[3] == 28,
        "LeNet expects images N×1×28×28, got {}×{}×{}×{}",
        sh[0],
        sh[1],
        sh[2],
        sh[3]
    );
    let n = sh[0];
    if let Some(l) = labels {
        assert_eq!(l.len(), n, "{} labels for a batch of {n} images", l.len());
        if let Some((i, &y)) = l.iter().enumerate().find(|&(_, &y)| y >= 10) {
            panic!("label {y} of sample {i} is not a class 0..10");
        }
    }
    let x = x.as_standard_layout();
    let xs = x.as_slice().expect("standard layout");
    let size = chunk_size(n);
    let n_chunks = n.div_ceil(size);
    let t_count = threads.max(1).min(n_chunks.max(1));

    let mut scratch = net.take_scratch();
    let need = t_count.max(scratch.workspaces.len());
    scratch.workspaces.resize_with(need, Workspace::new);
    if backward {
        let need = n_chunks.max(scratch.chunk_grads.len());
        scratch.chunk_grads.resize_with(need, Params::lenet_zeros);
    }
    let Scratch { workspaces, chunk_grads } = &mut scratch;
    let mut grad_bufs = chunk_grads.iter_mut();
    let slots: Vec<Mutex<Slot<F>>> = (0..n_chunks)
        .map(|c| {
            let b = size.min(n - c * size);
            let grads = if backward { grad_bufs.next() } else { None };
            Mutex::new(Slot { grads, logits: Array2::zeros((10, b)), loss: 0.0, correct: 0 })
        })
        .collect();
    let next = AtomicUsize::new(0);
    let (arch, params) = (&net.arch, &net.params);
    let work = |ws: &mut Workspace<F>| loop {
        let c = next.fetch_add(1, Ordering::Relaxed);
        if c >= n_chunks {
            break;
        }
        let (lo, hi) = (c * size, ((c + 1) * size).min(n));
        let mut guard = slots[c].lock().unwrap_or_else(|e| e.into_inner());
        let slot = &mut *guard;
        if let Some(g) = slot.grads.as_deref_mut() {
            for (_, mut t) in g.tensors_mut() {
                t.fill(F::zero());
            }
        }
        let mut start = lo;
        while start < hi {
            let end = (start + SUB_CHUNK).min(hi);
            let lab = labels.map(|l| &l[start..end]);
            let xb = &xs[start * 784..end * 784];
            let (l, k) = pass::chunk_pass(arch, params, xb, lab, slot.grads.as_deref_mut(), ws);
            slot.loss += l;
            slot.correct += k;
            let z = ArrayView2::from_shape((10, end - start), &ws.z5[..10 * (end - start)]).expect("10×b");
            slot.logits.slice_mut(s![.., start - lo..end - lo]).assign(&z);
            start = end;
        }
    };
    let work = &work;
    std::thread::scope(|scope| {
        let (first, rest) = workspaces.split_at_mut(1);
        for ws in rest[..t_count - 1].iter_mut() {
            scope.spawn(move || work(ws));
        }
        work(&mut first[0]);
    });

    // Reduce in chunk order.
    let mut logits = Array2::zeros((10, n));
    let (mut loss, mut correct) = (0.0, 0);
    let mut total: Option<Params<F>> = None;
    for (c, slot) in slots.into_iter().enumerate() {
        let slot = slot.into_inner().unwrap_or_else(|e| e.into_inner());
        logits.slice_mut(s![.., c * size..c * size + slot.logits.ncols()]).assign(&slot.logits);
        loss += slot.loss;
        correct += slot.correct;
        if let Some(g) = slot.grads {
            match total.as_mut() {
                None => total = Some(g.clone()),
                Some(t) => {
                    for ((_, mut acc), (_, gi)) in t.tensors_mut().into_iter().zip(g.tensors()) {
                        acc.zip_mut_with(&gi, |a, &b| *a = *a + b);
                    }
                }
            }
        }
    }
    let inv_n = F::one() / F::of(n.max(1) as f64);
    let grads = backward.then(|| {
        let mut t = total.unwrap_or_else(Params::lenet_zeros);
        for (_, mut g) in t.tensors_mut() {
            g.mapv_inplace(|v| v * inv_n);
        }
        t
    });
    net.return_scratch(scratch);
    Output { logits, loss: F::of(loss / n.max(1) as f64), correct, grads }
}
