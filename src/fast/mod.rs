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
//! Determinism: thread t takes the contiguous samples
//! [t·N/T, (t+1)·N/T) and processes them in fixed chunks of at most
//! [`CHUNK`] samples, summing per-sample gradients; the T sums are then added
//! in thread order and divided by N. So the same parameters, batch and
//! thread count give bit-identical results.

pub mod conv1;
pub mod im2col;
mod pass;
pub mod pool;

pub use pass::Workspace;

use crate::element::Real;
use crate::model::{LeNet, Params};
use ndarray::{s, Array2, Array4};

/// Samples per matrix product: large enough for good GEMM shapes, small
/// enough that a chunk's buffers stay in cache and memory stays bounded
/// whatever the batch size.
pub const CHUNK: usize = 32;

/// What a fast pass produced.
pub(crate) struct Output<F> {
    pub logits: Array2<F>,
    pub loss: F,
    pub correct: usize,
    pub grads: Option<Params<F>>,
}

/// Checks the batch, splits it across threads, and reduces in thread order.
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
    let t_count = threads.max(1).min(n.max(1));
    let bounds: Vec<usize> = (0..=t_count).map(|t| t * n / t_count).collect();

    let mut ws = net.take_workspaces();
    ws.resize_with(t_count.max(ws.len()), Workspace::new);
    let (arch, params) = (&net.arch, &net.params);
    let work = |t: usize, w: &mut Workspace<F>| -> (Array2<F>, f64, usize) {
        let (lo, hi) = (bounds[t], bounds[t + 1]);
        if backward {
            for (_, mut g) in w.grad_sum.tensors_mut() {
                g.fill(F::zero());
            }
        }
        let mut logits = Array2::zeros((10, hi - lo));
        let (mut loss, mut correct) = (0.0, 0);
        let mut start = lo;
        while start < hi {
            let end = (start + CHUNK).min(hi);
            let lab = labels.map(|l| &l[start..end]);
            let (l, c) = pass::chunk_pass(arch, params, &xs[start * 784..end * 784], lab, backward, w);
            loss += l;
            correct += c;
            let b = end - start;
            let z = ndarray::ArrayView2::from_shape((10, b), &w.z5[..10 * b]).expect("10×b");
            logits.slice_mut(s![.., start - lo..end - lo]).assign(&z);
            start = end;
        }
        (logits, loss, correct)
    };
    let work = &work;
    let results: Vec<(Array2<F>, f64, usize)> = if t_count == 1 {
        vec![work(0, &mut ws[0])]
    } else {
        std::thread::scope(|scope| {
            let (first, rest) = ws.split_at_mut(1);
            let handles: Vec<_> = rest[..t_count - 1]
                .iter_mut()
                .enumerate()
                .map(|(i, w)| scope.spawn(move || work(i + 1, w)))
                .collect();
            let mut out = vec![work(0, &mut first[0])];
            out.extend(handles.into_iter().map(|h| h.join().expect("worker thread panicked")));
            out
        })
    };

    let mut logits = Array2::zeros((10, n));
    let (mut loss, mut correct) = (0.0, 0);
    for (t, (l, ls, c)) in results.iter().enumerate() {
        logits.slice_mut(s![.., bounds[t]..bounds[t + 1]]).assign(l);
        loss += ls;
        correct += c;
    }
    let inv_n = F::one() / F::of(n.max(1) as f64);
    let grads = backward.then(|| {
        let mut total = ws[0].grad_sum.clone();
        for w in &ws[1..t_count] {
            for ((_, mut acc), (_, g)) in total.tensors_mut().into_iter().zip(w.grad_sum.tensors()) {
                acc.zip_mut_with(&g, |a, &b| *a = *a + b);
            }
        }
        for (_, mut g) in total.tensors_mut() {
            g.mapv_inplace(|v| v * inv_n);
        }
        total
    });
    net.return_workspaces(ws);
    Output { logits, loss: F::of(loss / n.max(1) as f64), correct, grads }
}
