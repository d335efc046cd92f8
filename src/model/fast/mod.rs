//! The fast path: the same LeNet as the readable layers, computed on
//! channel-major buffers that are reused from batch to batch:
//!
//! - conv1 directly on padded images ([`conv1`], AVX-512 or AVX2/FMA when
//!   the CPU has them): as a matrix product it would have only six rows;
//! - conv2 directly on pool1's planes too ([`conv2`], the same instruction
//!   sets), forward, kernel gradient and input gradient: as matrix products
//!   it needs a 150 × B·100 im2col matrix written, packed and (col2im) read
//!   back, which cost it as much as the products themselves ([`im2col`]
//!   stays as the readable reference the tests and benches compare with);
//! - the fully connected layers as matrix products sixteen samples wide
//!   ([`dense`], AVX-512 in f32, with the matrixmultiply crate's arithmetic;
//!   matrixmultiply itself elsewhere);
//! - activation and 2×2 pooling fused into one pass ([`pool`]);
//! - the batch split across threads, which are started once and kept
//!   parked between batches ([`workers`]).
//!
//! How fast: the README's "Measured" section, one place for the figures
//! (`scripts/bench-layers.py` per layer and per step, against the readable
//! path; `scripts/bench-vs-torch.sh` a whole epoch against PyTorch).
//!
//! Scheduling and determinism: the batch is cut into chunks whose bounds
//! depend only on N ([`chunk_size`]). Threads take chunks one at a time
//! from a shared counter, so a thread slowed down by other work on the
//! machine takes fewer of them instead of holding up the batch. Each chunk
//! sums its per-sample gradients into its own buffer, and the buffers are
//! added in chunk order at the end. So the result depends on the
//! parameters and the batch only: any thread count, and any scheduling,
//! give bit-identical logits, loss and gradients.
//!
//! [`Engine`] owns the buffers (a [`Workspace`] per thread, a gradient sum
//! per chunk) and the worker threads, and runs a pass given an [`Arch`] and [`Params`]; it knows
//! the network only through `model::arch` (the shapes) and `model::params`,
//! never through the [`LeNet`](crate::model::LeNet) façade, which holds an
//! engine and calls it.

pub mod act;
pub mod aligned;
mod as_f32;
pub mod conv1;
pub mod conv1_pool;
pub mod conv2;
pub mod dense;
pub mod im2col;
mod pass;
pub mod pool;
pub mod workers;

pub use pass::Workspace;
pub use workers::Workers;

use crate::element::Real;
use crate::model::arch::{Arch, CLASSES, IMAGE_CHANNELS, IMAGE_SIDE, INPUT};
use crate::model::params::Params;
use ndarray::{Array2, Array4, ArrayView2, s};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// The fast path's engine: the buffers it reuses from batch to batch (one
/// [`Workspace`] per thread, one gradient sum per chunk), the worker
/// threads, and the passes over a batch that use them. It holds no
/// network: each call is given the architecture and the parameters.
/// [`crate::model::LeNet`] keeps one.
#[derive(Default)]
pub struct Engine<F: Real> {
    /// One per party of [`Workers::run`]; party p locks only its own, so
    /// the locks are never contended.
    workspaces: Vec<Mutex<Workspace<F>>>,
    chunk_grads: Vec<Params<F>>,
    workers: Workers,
}

/// What a forward pass over a batch of N produced.
#[derive(Clone, Debug)]
pub struct Forward<F> {
    /// The logits, 10×N, one column per sample.
    pub logits: Array2<F>,
    /// Mean softmax cross-entropy (0 without labels).
    pub loss: F,
    /// How many samples the logits classify correctly (0 without labels).
    pub correct: usize,
}

/// One chunk's results, written by whichever thread takes the chunk.
struct Slot<'a, F> {
    grads: Option<&'a mut Params<F>>,
    logits: Array2<F>,
    loss: f64,
    correct: usize,
}

impl<F: Real> Engine<F> {
    /// An engine with no buffers yet; they grow to the first batch's needs.
    pub fn new() -> Self {
        Engine { workspaces: Vec::new(), chunk_grads: Vec::new(), workers: Workers::new() }
    }

    /// The forward pass over a batch `x` (N×1×28×28) on up to `threads`
    /// threads: the logits and, given `labels`, the mean loss and the number
    /// correct.
    ///
    /// # Panics
    /// If `x` is not N×1×28×28, if `labels` has not N entries, or if a label
    /// is not below 10.
    pub fn forward(
        &mut self,
        arch: &Arch,
        params: &Params<F>,
        x: &Array4<F>,
        labels: Option<&[usize]>,
        threads: usize,
    ) -> Forward<F> {
        self.run(arch, params, x, labels, threads, false).0
    }

    /// The forward and backward pass: as [`Engine::forward`], and the
    /// gradients of the mean loss. Bit-for-bit the same for any `threads`
    /// (see the module documentation).
    ///
    /// # Panics
    /// As [`Engine::forward`].
    pub fn forward_backward(
        &mut self,
        arch: &Arch,
        params: &Params<F>,
        x: &Array4<F>,
        labels: &[usize],
        threads: usize,
    ) -> (Forward<F>, Params<F>) {
        let (out, grads) = self.run(arch, params, x, Some(labels), threads, true);
        (out, grads.expect("gradients were requested"))
    }

    /// One training step: [`Engine::forward_backward`], then `opt.update`
    /// applied to every entry of `params` and of the optimiser's `opt.state`
    /// with the mean gradient, and `opt.meanwhile` run on the calling thread
    /// while the other threads finish their chunks. Bit for bit the same as computing the gradients and
    /// then calling `update` on each whole tensor (see [`Update`]), for any
    /// `threads`; but the mean gradient is never stored whole: each thread
    /// updates the entries whose mean it has just computed, while they are
    /// still in its core's cache, and the update runs on every thread
    /// instead of after the step on one. If the loss is not finite, nothing
    /// is updated.
    ///
    /// # Panics
    /// As [`Engine::forward`], and if `state` is not shaped like `params`
    /// (the message names the tensor).
    pub fn train_step(
        &mut self,
        arch: &Arch,
        params: &mut Params<F>,
        x: &Array4<F>,
        labels: &[usize],
        threads: usize,
        opt: Optimise<F>,
    ) -> Forward<F> {
        let Optimise { state, update, meanwhile } = opt;
        if let Err(e) = state.shapes_match(params) {
            panic!("Engine::train_step: the optimiser's state: {e}");
        }
        let Engine { workspaces, chunk_grads, workers } = self;
        let (out, slots, threads) =
            Self::passes(workspaces, chunk_grads, workers, arch, params, x, Some(labels), threads, true, meanwhile);
        if out.loss.is_finite() {
            mean_of_sums(&slots, workers, threads, Then::Update { params, state, update });
        }
        out
    }

    /// Checks the batch, runs its chunks on threads, and reduces them in
    /// chunk order.
    fn run(
        &mut self,
        arch: &Arch,
        params: &Params<F>,
        x: &Array4<F>,
        labels: Option<&[usize]>,
        threads: usize,
        backward: bool,
    ) -> (Forward<F>, Option<Params<F>>) {
        let Engine { workspaces, chunk_grads, workers } = self;
        let (out, slots, threads) =
            Self::passes(workspaces, chunk_grads, workers, arch, params, x, labels, threads, backward, &mut || {});
        let grads = backward.then(|| {
            let mut total = Params::lenet_zeros();
            mean_of_sums(&slots, workers, threads, Then::Store(&mut total));
            total
        });
        (out, grads)
    }

    /// Checks the batch and runs its chunks on threads: the logits, loss and
    /// count put together in chunk order, the chunks' slots (holding their
    /// gradient sums, when `backward`), and how many threads took part
    /// (no more than there are chunks).
    #[allow(clippy::too_many_arguments)]
    fn passes<'g>(
        workspaces: &mut Vec<Mutex<Workspace<F>>>,
        chunk_grads: &'g mut Vec<Params<F>>,
        workers: &mut Workers,
        arch: &Arch,
        params: &Params<F>,
        x: &Array4<F>,
        labels: Option<&[usize]>,
        threads: usize,
        backward: bool,
        meanwhile: &mut dyn FnMut(),
    ) -> (Forward<F>, Vec<Slot<'g, F>>, usize) {
        let n = check_batch(x, labels);
        let x = x.as_standard_layout();
        let xs = x.as_slice().expect("standard layout");
        let size = chunk_size(n);
        let n_chunks = n.div_ceil(size);
        let threads = threads.max(1).min(n_chunks.max(1));
        reserve(workspaces, chunk_grads, threads, if backward { n_chunks } else { 0 });
        let mut grad_bufs = chunk_grads.iter_mut();
        let slots: Vec<Mutex<Slot<F>>> = (0..n_chunks)
            .map(|c| {
                let b = size.min(n - c * size);
                let grads = if backward { grad_bufs.next() } else { None };
                Mutex::new(Slot { grads, logits: Array2::zeros((CLASSES, b)), loss: 0.0, correct: 0 })
            })
            .collect();
        let chunks = Chunks { arch, params, xs, labels, size, n };
        run_chunks(&chunks, &slots, &workspaces[..threads], workers, meanwhile);
        let slots: Vec<Slot<F>> =
            slots.into_iter().map(|s| s.into_inner().unwrap_or_else(|e| e.into_inner())).collect();
        (gather_in_order(&slots, n, size), slots, threads)
    }
}

/// Grows the buffers to `threads` workspaces and `chunks` gradient sums
/// (never shrinks them).
fn reserve<F: Real>(
    workspaces: &mut Vec<Mutex<Workspace<F>>>,
    chunk_grads: &mut Vec<Params<F>>,
    threads: usize,
    chunks: usize,
) {
    let need = threads.max(workspaces.len());
    workspaces.resize_with(need, || Mutex::new(Workspace::new()));
    let need = chunks.max(chunk_grads.len());
    chunk_grads.resize_with(need, Params::lenet_zeros);
}

/// Checks that `x` is N×1×28×28 and that `labels`, if given, are N classes;
/// returns N.
///
/// # Panics
/// If not, with a message naming the shape, the count or the label.
fn check_batch<F>(x: &Array4<F>, labels: Option<&[usize]>) -> usize {
    let sh = x.shape();
    assert!(
        sh[1] == IMAGE_CHANNELS && sh[2] == IMAGE_SIDE && sh[3] == IMAGE_SIDE,
        "LeNet expects images N×{}, got {}×{}×{}×{}",
        INPUT.text(),
        sh[0],
        sh[1],
        sh[2],
        sh[3]
    );
    let n = sh[0];
    if let Some(l) = labels {
        assert_eq!(l.len(), n, "{} labels for a batch of {n} images", l.len());
        if let Some((i, &y)) = l.iter().enumerate().find(|&(_, &y)| y >= CLASSES) {
            panic!("label {y} of sample {i} is not a class 0..{CLASSES}");
        }
    }
    n
}

/// A checked batch cut into chunks of `size` samples (the last may be
/// shorter), with what each pass over a chunk reads.
struct Chunks<'a, F: Real> {
    arch: &'a Arch,
    params: &'a Params<F>,
    /// The images, N × 784 row-major.
    xs: &'a [F],
    labels: Option<&'a [usize]>,
    size: usize,
    n: usize,
}

impl<F: Real> Chunks<'_, F> {
    /// Runs chunk `c` with the workspace `ws`, sub-chunk by sub-chunk,
    /// into its slot: logits, loss and correct count, and (if the slot has a
    /// gradient buffer) the sum of its samples' gradients.
    fn run(&self, c: usize, ws: &mut Workspace<F>, slot: &mut Slot<F>) {
        let (lo, hi) = (c * self.size, ((c + 1) * self.size).min(self.n));
        let mut start = lo;
        while start < hi {
            let end = (start + SUB_CHUNK).min(hi);
            let labels = self.labels.map(|l| &l[start..end]);
            let x = &self.xs[start * INPUT.len()..end * INPUT.len()];
            let grads = slot.grads.as_deref_mut().map(|g| pass::Sums { g, first: start == lo });
            let (loss, correct) = pass::chunk_pass(self.arch, self.params, x, labels, grads, ws);
            slot.loss += loss;
            slot.correct += correct;
            let b = end - start;
            let logits = ArrayView2::from_shape((CLASSES, b), &ws.logits[..CLASSES * b]).expect("10×b");
            slot.logits.slice_mut(s![.., start - lo..end - lo]).assign(&logits);
            start = end;
        }
    }
}

/// Runs every chunk, one party of `workers` per workspace (the calling
/// thread is party 0): parties take chunks one at a time from a shared
/// counter; then `meanwhile` on the calling thread.
fn run_chunks<F: Real>(
    chunks: &Chunks<F>,
    slots: &[Mutex<Slot<F>>],
    workspaces: &[Mutex<Workspace<F>>],
    workers: &mut Workers,
    meanwhile: &mut dyn FnMut(),
) {
    let next = AtomicUsize::new(0);
    let work = |party: usize| {
        let mut ws = workspaces[party].lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= slots.len() {
                break;
            }
            let mut slot = slots[c].lock().unwrap_or_else(|e| e.into_inner());
            chunks.run(c, &mut ws, &mut slot);
        }
    };
    workers.run_then(workspaces.len(), &work, meanwhile);
}

/// The chunks' logits, loss and count put together in chunk order,
/// whatever order they were computed in, so the sums (and the rounding) are
/// the same for any number of threads; the loss divided by N.
fn gather_in_order<F: Real>(slots: &[Slot<F>], n: usize, size: usize) -> Forward<F> {
    let mut logits = Array2::zeros((CLASSES, n));
    let (mut loss, mut correct) = (0.0, 0);
    for (c, slot) in slots.iter().enumerate() {
        logits.slice_mut(s![.., c * size..c * size + slot.logits.ncols()]).assign(&slot.logits);
        loss += slot.loss;
        correct += slot.correct;
    }
    Forward { logits, loss: F::of(loss / n.max(1) as f64), correct }
}

/// An optimiser's update of a stretch of entries of one tensor: the
/// parameters `w`, the optimiser's own `state` for them (one entry per
/// parameter, e.g. SGD's velocity) and the mean gradient `g`. Called on
/// pieces of each tensor, in any order and on any thread, so it must treat
/// each entry on its own, as an elementwise rule does.
pub type Update<'a, F> = &'a (dyn Fn(&mut [F], &mut [F], &[F]) + Sync);

/// What [`Engine::train_step`] does besides the passes: the optimiser's
/// `state` and elementwise `update`, and `meanwhile`, work for the calling
/// thread once it has no chunk left to take, while the other threads
/// finish theirs (the training loop builds the next batch there).
pub struct Optimise<'a, F> {
    pub state: &'a mut Params<F>,
    pub update: Update<'a, F>,
    pub meanwhile: &'a mut dyn FnMut(),
}

/// What [`mean_of_sums`] does with each block of the mean gradient.
enum Then<'a, F> {
    /// Stores it in the gradient tensors.
    Store(&'a mut Params<F>),
    /// Applies `update` with it to the same entries of `params` and `state`.
    Update { params: &'a mut Params<F>, state: &'a mut Params<F>, update: Update<'a, F> },
}

/// Entries of the gradient per block of [`mean_of_sums`]: small enough that
/// a block of each chunk's sum and of the output stay in L1 together.
const BLOCK: usize = 256;

/// Entries a party of [`mean_of_sums`] takes at a time: 16 blocks, so that
/// taking one (an atomic increment and an uncontended lock) costs little
/// beside adding it up, and the 62,000 entries still make 16 of them.
const PIECE: usize = 16 * BLOCK;

/// (g₀ + g₁ + … + g_{k−1}) / N entry by entry, with g_c the gradient sum
/// of chunk c and N the samples of all `slots`, the sum taken left to
/// right, then stored or used to update the parameters ([`Then`]). One pass
/// over blocks small enough to stay in L1, instead of a copy, k − 1
/// whole-array additions and a scaling, each of which would stream the
/// 62,000 parameters through memory again; the operations, and so the
/// rounding, are the same. The entries are cut into pieces that the
/// parties take one at a time: each entry is computed by exactly the same
/// operations whichever party takes its piece, so the split changes
/// nothing in the result, only how much of it runs in parallel.
fn mean_of_sums<F: Real>(slots: &[Slot<F>], workers: &mut Workers, parties: usize, then: Then<F>) {
    let n: usize = slots.iter().map(|s| s.logits.ncols()).sum();
    let inv_n = F::one() / F::of(n.max(1) as f64);
    let chunk_grads: Vec<&Params<F>> = slots.iter().filter_map(|s| s.grads.as_deref()).collect();
    let Some((first, rest)) = chunk_grads.split_first() else { return };
    let first = first.tensors();
    let rest: Vec<_> = rest.iter().map(|g| g.tensors()).collect();
    // Each piece: its tensor, its first entry, and the entries it writes:
    // the mean gradient's, or the parameters' and the state's.
    type Piece<'a, F> = (usize, usize, &'a mut [F], Option<&'a mut [F]>);
    let (outs, states, update) = match then {
        Then::Store(total) => (total.tensors_mut(), None, None),
        Then::Update { params, state, update } => (params.tensors_mut(), Some(state.tensors_mut()), Some(update)),
    };
    let mut pieces: Vec<Mutex<Piece<F>>> = Vec::new();
    let mut states = states.map(|s| s.into_iter());
    for (t, (_, out)) in outs.into_iter().enumerate() {
        let out = out.into_slice().expect("standard layout");
        let state = states.as_mut().map(|s| s.next().expect("ten tensors").1.into_slice().expect("standard layout"));
        let mut state_pieces = state.map(|s| s.chunks_mut(PIECE));
        for (i, piece) in out.chunks_mut(PIECE).enumerate() {
            let sp = state_pieces.as_mut().map(|it| it.next().expect("state shaped like the parameters"));
            pieces.push(Mutex::new((t, i * PIECE, piece, sp)));
        }
    }
    let next = AtomicUsize::new(0);
    workers.run(parties.min(pieces.len()), &|_| {
        let mut mean = [F::zero(); BLOCK];
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= pieces.len() {
                break;
            }
            let mut piece = pieces[i].lock().unwrap_or_else(|e| e.into_inner());
            let (t, at, ref mut out, ref mut state) = *piece;
            let g0 = first[t].1.as_slice().expect("standard layout");
            for (k, start) in (at..at + out.len()).step_by(BLOCK).enumerate() {
                let end = (start + BLOCK).min(at + out.len());
                let block = &mut mean[..end - start];
                block.copy_from_slice(&g0[start..end]);
                for g in &rest {
                    let g = g[t].1.as_slice().expect("standard layout");
                    block.iter_mut().zip(&g[start..end]).for_each(|(a, &b)| *a = *a + b);
                }
                block.iter_mut().for_each(|a| *a = *a * inv_n);
                let mine = k * BLOCK..k * BLOCK + block.len();
                match (update, state.as_deref_mut()) {
                    (Some(update), Some(state)) => update(&mut out[mine.clone()], &mut state[mine], block),
                    _ => out[mine].copy_from_slice(block),
                }
            }
        }
    });
}
