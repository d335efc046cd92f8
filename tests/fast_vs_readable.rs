//! The fast path (im2col + GEMM, fused activation and pooling, threads)
//! computes the same logits, loss and gradients as the readable path
//! composed from the layer functions.
//!
//! f64: fast f64 against readable f64, rel_error < 1e-10 on every entry.
//! f32: fast f32 against readable **f64** run on the very same (f32-valued)
//! parameters and images. Comparing with f64 measures the fast path's own
//! f32 rounding against the (nearly) exact answer, rather than against
//! another f32 computation whose rounding differs. Logits and loss must
//! agree entry by entry to rel_error < 1e-4. Gradients are compared per
//! tensor in the max norm, max|fast − exact| / max|exact| < 1e-4: a
//! gradient entry is a sum of many terms of both signs, and f32 rounding is
//! relative to those terms, not to their sum, so an entry that cancels to
//! 1e-8 of its tensor's scale carries an error of 1e-7 of the scale, which
//! is a large *entry-wise* relative error but a harmless one. (Measured:
//! normwise errors 6e-8 … 3e-6; entry-wise worst 1e-2 on such entries.)

use lenet::gradcheck::rel_error;
use lenet::model::{Activation, Arch, LeNet, Params, Pooling};
use lenet::ndarray::{Array4, ArrayD, ShapeBuilder};
use lenet::rng::Rng;

/// A batch of n images and labels; the images look like real ones (pixels in
/// [0, 1), about a third of them exactly 0 like a dark background).
fn batch(n: usize, seed: u64) -> (Array4<f64>, Vec<usize>) {
    let mut r = Rng::new(seed);
    let x = Array4::from_shape_fn((n, 1, 28, 28), |_| {
        let u = r.uniform();
        if u < 0.33 { 0.0 } else { u }
    });
    (x, (0..n).map(|_| r.below(10)).collect())
}

/// The network with non-zero biases, so bias gradients and offsets are
/// exercised too.
fn net<F: lenet::Real>(arch: Arch, seed: u64) -> LeNet<F> {
    let mut net = LeNet::<F>::new(arch, seed);
    let mut r = Rng::new(seed + 100);
    for (_, mut t) in net.params.tensors_mut() {
        if t.ndim() == 1 {
            t.mapv_inplace(|_| F::of(0.1 * r.normal()));
        }
    }
    net
}

fn to_f64(p: &Params<f32>) -> Params<f64> {
    let c = |a: &ArrayD<f32>| a.mapv(|v| v as f64);
    let mut out = Params::<f64>::lenet_zeros();
    for ((_, mut dst), (_, src)) in out.tensors_mut().into_iter().zip(p.tensors()) {
        dst.assign(&c(&src.to_owned()));
    }
    out
}

fn assert_close(what: &str, a: &ArrayD<f64>, b: &ArrayD<f64>, tol: f64) {
    let e = rel_error(a, b);
    assert!(e < tol, "{what}: rel_error {e:e} ≥ {tol:e}");
}

/// Every activation with every pooling (modern and classic among them).
fn all_archs() -> Vec<Arch> {
    let acts = [Activation::Relu, Activation::Tanh, Activation::Sigmoid];
    acts.iter()
        .flat_map(|&activation| [Pooling::Max, Pooling::Mean].map(|pooling| Arch { activation, pooling }))
        .collect()
}

#[test]
fn f64_fast_equals_readable() {
    for arch in all_archs() {
        let net = net::<f64>(arch, 1);
        let (x, y) = batch(9, 2);
        let slow = net.readable_loss_and_grads(&x, &y);
        let trace = net.trace(&x, &y);
        for threads in [1, 2] {
            let tag = format!("{arch:?}, {threads} threads");
            let logits = net.logits(&x, threads);
            assert_close(&format!("{tag} logits"), &logits.into_dyn(), &trace.logits.clone().into_dyn(), 1e-10);
            let fast = net.loss_and_grads(&x, &y, threads);
            assert!((fast.loss - slow.loss).abs() / slow.loss < 1e-12, "{tag}: loss {} vs {}", fast.loss, slow.loss);
            assert_eq!(fast.correct, slow.correct, "{tag}: correct");
            for ((name, a), (_, b)) in fast.grads.tensors().iter().zip(slow.grads.tensors().iter()) {
                assert_close(&format!("{tag} {name}"), &a.to_owned(), &b.to_owned(), 1e-10);
            }
        }
    }
}

#[test]
fn f32_fast_equals_readable_f64_on_the_same_values() {
    for arch in [Arch::modern(), Arch::classic()] {
        let net32 = net::<f32>(arch, 3);
        let (x, y) = batch(9, 4);
        let x32 = x.mapv(|v| v as f32);
        let exact = LeNet::from_params(arch, to_f64(&net32.params)).unwrap();
        let slow = exact.readable_loss_and_grads(&x32.mapv(|v| v as f64), &y);
        let logits = exact.trace(&x32.mapv(|v| v as f64), &y).logits;
        for threads in [1, 2] {
            let tag = format!("{arch:?}, f32, {threads} threads");
            let fast_logits = net32.logits(&x32, threads).mapv(|v| v as f64);
            assert_close(&format!("{tag} logits"), &fast_logits.into_dyn(), &logits.clone().into_dyn(), 1e-4);
            let fast = net32.loss_and_grads(&x32, &y, threads);
            let rel = (fast.loss as f64 - slow.loss).abs() / slow.loss;
            assert!(rel < 1e-5, "{tag}: loss {} vs {}", fast.loss, slow.loss);
            let fast_grads = to_f64(&fast.grads);
            for ((name, a), (_, b)) in fast_grads.tensors().iter().zip(slow.grads.tensors().iter()) {
                let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let diff = a.iter().zip(b.iter()).fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
                assert!(scale > 0.0, "{tag} {name}: the exact gradient is all zero");
                let e = diff / scale;
                assert!(e < 1e-4, "{tag} {name}: max-norm relative error {e:e} ≥ 1e-4");
            }
        }
    }
}

#[test]
fn trace_shapes_and_delta_relations() {
    let net = net::<f64>(Arch::modern(), 5);
    let (x, y) = batch(4, 6);
    let t = net.trace(&x, &y);
    assert_eq!(t.conv1_z.dim(), (4, 6, 28, 28));
    assert_eq!(t.pool1.dim(), (4, 6, 14, 14));
    assert_eq!(t.conv2_a.dim(), (4, 16, 10, 10));
    assert_eq!(t.flat.dim(), (400, 4));
    assert_eq!(t.delta_conv1.dim(), (4, 6, 28, 28));
    assert_eq!(t.dcost_dpool2.dim(), (4, 16, 5, 5));
    // δ at the logits is p − y: each column sums to 0.
    for col in t.delta_fc3.columns() {
        assert!(col.sum().abs() < 1e-12);
    }
    // The flattening is c·25 + i·5 + j for sample n.
    assert_eq!(t.flat[[2 * 25 + 3 * 5 + 4, 1]], t.pool2[[1, 2, 3, 4]]);
    assert_eq!(t.dcost_dflat[[7 * 25 + 6, 3]], t.dcost_dpool2[[3, 7, 1, 1]]);
    // Max pooling sends δ to one entry per window: at most a quarter of
    // conv2's δ is non-zero.
    let nonzero = t.delta_conv2.iter().filter(|v| **v != 0.0).count();
    assert!(nonzero * 4 <= t.delta_conv2.len());
    // The bias gradient of conv1 is the batch mean of δ summed over positions.
    let mean_k0: f64 = (0..4).map(|n| t.delta_conv1.slice(lenet::ndarray::s![n, 0, .., ..]).sum()).sum::<f64>() / 4.0;
    assert!((t.grads.conv1_b[0] - mean_k0).abs() < 1e-12);
}

#[test]
fn any_memory_layout_of_the_batch_gives_the_same_result() {
    let net = net::<f64>(Arch::modern(), 7);
    let (x, y) = batch(5, 8);
    let mut fortran = Array4::zeros((5, 1, 28, 28).f());
    fortran.assign(&x);
    assert!(!fortran.is_standard_layout());
    assert_eq!(net.logits(&fortran, 2), net.logits(&x, 2));
    assert_eq!(net.loss_and_grads(&fortran, &y, 1).grads, net.loss_and_grads(&x, &y, 1).grads);
}

/// A batch above 2,048 samples is cut into chunks of more than 32, each run
/// as sub-chunks of at most 32 whose gradients are added to the chunk's
/// sums (the first sub-chunk writes the fully connected weights' sums, the
/// others add to them). Their mean must be the mean of the same samples'
/// gradients taken 30 at a time (chunks of 16 and 14, one sub-chunk each):
/// a sub-chunk written over or left out would be far off.
#[test]
fn sub_chunks_of_a_large_batch_are_all_summed() {
    let n = 2100; // chunks of 33: a sub-chunk of 32 and one of 1
    let (x, y) = batch(n, 77);
    let net = net::<f64>(Arch::modern(), 7);
    let whole = net.loss_and_grads(&x, &y, 2);
    let mut sum = Params::<f64>::lenet_zeros();
    for start in (0..n).step_by(30) {
        let piece = x.slice(lenet::ndarray::s![start..start + 30, .., .., ..]).to_owned();
        let g = net.loss_and_grads(&piece, &y[start..start + 30], 2).grads;
        for ((_, mut s), (_, t)) in sum.tensors_mut().into_iter().zip(g.tensors()) {
            s.zip_mut_with(&t, |s, &t| *s += t * 30.0 / n as f64);
        }
    }
    for ((name, a), (_, b)) in whole.grads.tensors().into_iter().zip(sum.tensors()) {
        assert_close(name, &a.to_owned(), &b.to_owned(), 1e-10);
    }
}
