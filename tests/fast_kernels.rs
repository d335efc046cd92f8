//! Each kernel of the fast path against the layer function it stands for,
//! on LeNet's shapes: conv1 computed directly (`fast::conv1`) against
//! `conv::forward`/`conv::backward` with padding 2; conv2 as im2col + a
//! matrix product, and its input gradient through col2im (`fast::im2col`),
//! against `conv::forward`/`conv::backward`; the fused activation + 2×2
//! pooling, forward and backward, max and mean (`fast::pool`), against
//! `Activation::apply`/`backward` and `pool::*`; the activations over
//! slices and σ′ from the output (`fast::act`) against `Activation`; the
//! f32 tanh approximation against f64's tanh; and the fused slice
//! softmax cross-entropy against `loss::softmax_cross_entropy`.
//! tests/fast_vs_readable.rs checks the whole pass; this file says which
//! kernel is wrong when that one fails.
//!
//! Every comparison is made in f64 on the same inputs: the f32 kernel's
//! inputs are f32 numbers, and the layer function runs on them in f64,
//! so the difference measures the kernel's own rounding (as in
//! tests/fast_vs_readable.rs). The error is normwise per tensor,
//! max|fast − exact| / max|exact|, for the reason that file gives: an
//! entry is a sum of terms of both signs (up to 6·4·784 of them for
//! conv1's kernel gradient here) whose rounding is relative to the terms,
//! so an entry that cancels to nearly 0 has a large entry-wise relative
//! error that means nothing.
//!
//! Tolerances. f64: 1e-12. The kernels add the same terms as the layer
//! functions in another order, so they differ by rounding only: about
//! √n · 1.1e-16 of the terms' scale for n terms, 1e-14 even for n = 10⁴.
//! f32: 1e-4, the bound tests/fast_vs_readable.rs sets for the whole pass,
//! which each kernel must then meet on its own. The same estimate with
//! f32's 6e-8 gives about 6e-6 for the longest sums here, and the tanh
//! approximation adds at most 5e-7 (its own test below). Measured
//! (`cargo test --release --test fast_kernels -- --nocapture`, which prints
//! every error): worst 1.9e-15 in f64 and 5.8e-7 in f32 (conv2's kernel
//! gradient), so 1e-4 leaves room for other CPUs' summation orders (FMA or
//! not) while a wrong index or a missing σ′ gives errors of order 1.

use lenet::activation::Activation;
use lenet::fast::im2col::{ConvGeom, col2im, im2col};
use lenet::fast::{act, conv1, conv2, pool as fused};
use lenet::model::arch::{
    self, CLASSES, CONV1_CHANNELS, CONV1_PADDING, CONV1_SIDE, CONV2_CHANNELS, CONV2_PADDING, CONV2_SIDE, FC1_UNITS,
    IMAGE_SIDE, KERNEL, POOL, POOL1_SIDE,
};
use lenet::ndarray::{Array1, Array2, Array4};
use lenet::rng::Rng;
use lenet::{Real, conv, loss, pool};

/// Samples per batch: enough that the per-sample layouts interleave.
const B: usize = 3;

const ACTIVATIONS: [Activation; 3] = [Activation::Relu, Activation::Sigmoid, Activation::Tanh];

fn tolerance<F: Real>() -> f64 {
    if std::mem::size_of::<F>() == 8 { 1e-12 } else { 1e-4 }
}

/// max|fast − exact| / max|exact| over two equally long sequences.
fn normwise(fast: impl IntoIterator<Item = f64>, exact: impl IntoIterator<Item = f64>) -> f64 {
    let (mut diff, mut scale, mut len) = (0.0f64, 0.0f64, (0, 0));
    let mut fast = fast.into_iter();
    for e in exact {
        len.1 += 1;
        if let Some(f) = fast.next() {
            len.0 += 1;
            diff = diff.max((f - e).abs());
        }
        scale = scale.max(e.abs());
    }
    len.0 += fast.count();
    assert_eq!(len.0, len.1, "fast and exact differ in length");
    assert!(scale > 0.0, "the exact values are all zero: nothing is tested");
    diff / scale
}

/// Asserts the kernel's values are the exact ones to the tolerance for F.
fn check<F: Real>(what: &str, fast: &Array4<f64>, exact: &Array4<f64>) {
    assert_eq!(fast.dim(), exact.dim(), "{what}: shapes");
    let e = normwise(fast.iter().copied(), exact.iter().copied());
    let tol = tolerance::<F>();
    println!("{what} ({}): normwise error {e:e}", std::any::type_name::<F>());
    assert!(e < tol, "{what} ({}): normwise error {e:e} ≥ {tol:e}", std::any::type_name::<F>());
}

/// Random values of the given shape, rounded to F: scale · N(0, 1).
fn random<F: Real>(shape: (usize, usize, usize, usize), scale: f64, rng: &mut Rng) -> Array4<F> {
    Array4::from_shape_fn(shape, |_| F::of(scale * rng.normal()))
}

fn vector<F: Real>(len: usize, scale: f64, rng: &mut Rng) -> Array1<F> {
    Array1::from_shape_fn(len, |_| F::of(scale * rng.normal()))
}

/// The same numbers in f64 (exactly: every f32 is an f64).
fn exact<F: Real, D: lenet::ndarray::Dimension>(a: &lenet::ndarray::Array<F, D>) -> lenet::ndarray::Array<f64, D> {
    a.mapv(|v| v.f64())
}

/// N×C×H×W → the fast path's channel-major planes: plane (c, n) holds
/// channel c of sample n, H rows of `rs` ≥ W entries, the columns beyond W
/// set to `pad`.
fn to_planes<F: Real>(a: &Array4<F>, rs: usize, pad: F) -> Vec<F> {
    let (n, c, h, _) = a.dim();
    let mut out = vec![pad; c * n * h * rs];
    for ((s, ch, i, j), &v) in a.indexed_iter() {
        out[((ch * n + s) * h + i) * rs + j] = v;
    }
    out
}

/// The inverse of [`to_planes`] for a (n, c, h, w) block, in f64; also
/// returns the largest magnitude found in the padding columns.
fn from_planes<F: Real>(v: &[F], (n, c, h, w): (usize, usize, usize, usize), rs: usize) -> (Array4<f64>, f64) {
    assert!(v.len() >= c * n * h * rs, "buffer too short");
    let a = Array4::from_shape_fn((n, c, h, w), |(s, ch, i, j)| v[((ch * n + s) * h + i) * rs + j].f64());
    let mut pad = 0.0f64;
    for row in v[..c * n * h * rs].chunks_exact(rs) {
        for x in &row[w..] {
            pad = pad.max(x.f64().abs());
        }
    }
    (a, pad)
}

/// conv1 on every instruction-set path this CPU runs (`conv1::Isa`), each
/// checked against the layer function; and the two fused paths against each
/// other, bit for bit, since they run the same code at two vector widths.
fn conv1_direct_is_the_convolution<F: Real>() {
    let paths = conv1::Isa::available();
    assert!(paths.contains(&conv1::Isa::Portable) && paths.contains(&conv1::Isa::best()));
    let results: Vec<ConvRun<F>> = paths.iter().map(|&isa| conv1_on::<F>(isa)).collect();
    let fused: Vec<_> = results.iter().filter(|r| r.isa != conv1::Isa::Portable).collect();
    let same = |a: &[F], b: &[F]| a.iter().zip(b).all(|(x, y)| x.f64().to_bits() == y.f64().to_bits());
    for pair in fused.windows(2) {
        let [p, q] = [pair[0], pair[1]];
        assert!(
            same(&p.z, &q.z) && same(&p.gw, &q.gw) && same(&p.gb, &q.gb),
            "conv1's {:?} and {:?} paths differ",
            p.isa,
            q.isa
        );
    }
}

/// What conv1 (or conv2) computed on one path: z, ∂C/∂w, ∂C/∂b and (conv2
/// only; empty for conv1) ∂C/∂ at its input.
struct ConvRun<F> {
    isa: conv1::Isa,
    z: Vec<F>,
    gw: Vec<F>,
    gb: Vec<F>,
    da: Vec<F>,
}

/// A fast kernel gradient `gw` and bias gradient `gb`, summed over the
/// batch, checked against the layer function's `dw` and `db`, which average
/// over it (so they are scaled by the batch size B first).
fn check_kernel_and_bias<F: Real>(layer: &str, gw: &[F], gb: &[F], dw: &Array4<f64>, db: &Array1<f64>) {
    let n = B as f64;
    let fast_w = Array4::from_shape_vec(dw.dim(), gw.iter().map(|v| v.f64()).collect()).unwrap();
    check::<F>(&format!("{layer} kernel gradient"), &fast_w, &dw.mapv(|v| v * n));
    let bias_shape = (1, 1, 1, db.len());
    let fast_b = Array4::from_shape_vec(bias_shape, gb.iter().map(|v| v.f64()).collect()).unwrap();
    let db = db.mapv(|v| v * n).into_shape_with_order(bias_shape).unwrap();
    check::<F>(&format!("{layer} bias gradient"), &fast_b, &db);
}

/// conv1's forward pass and gradients on one path, checked against the
/// layer function.
fn conv1_on<F: Real>(isa: conv1::Isa) -> ConvRun<F> {
    let mut rng = Rng::new(1);
    let x: Array4<F> = Array4::from_shape_fn((B, 1, IMAGE_SIDE, IMAGE_SIDE), |_| F::of(rng.uniform()));
    let w: Array4<F> = random(arch::CONV1_W.into(), 0.3, &mut rng);
    let bias = vector::<F>(CONV1_CHANNELS, 0.1, &mut rng);
    let shape = (B, CONV1_CHANNELS, CONV1_SIDE, CONV1_SIDE);

    let mut padded = vec![F::zero(); B * conv1::IMAGE];
    conv1::pad_images(x.as_slice().unwrap(), B, &mut padded);
    let mut z = vec![F::zero(); CONV1_CHANNELS * B * conv1::PLANE];
    conv1::forward_on(isa, &padded, w.as_slice().unwrap(), bias.as_slice().unwrap(), B, &mut z);
    let (fast_z, _) = from_planes(&z, shape, conv1::STRIDE);
    let (x64, w64) = (exact(&x), exact(&w));
    check::<F>(&format!("conv1 forward ({isa:?})"), &fast_z, &conv::forward(&x64, &w64, &exact(&bias), CONV1_PADDING));

    // Backward: δ is 0 in the padding columns, as the fused pooling leaves it.
    let delta: Array4<F> = random(shape, 1.0, &mut rng);
    let delta_planes = to_planes(&delta, conv1::STRIDE, F::zero());
    let (mut gw, mut gb) = (vec![F::zero(); w.len()], vec![F::zero(); CONV1_CHANNELS]);
    conv1::grad_on(isa, &padded, &delta_planes, B, &mut gw, &mut gb);
    let (_, dw, db) = conv::backward(&x64, &w64, &exact(&delta), CONV1_PADDING);
    check_kernel_and_bias::<F>(&format!("conv1 ({isa:?})"), &gw, &gb, &dw, &db);
    ConvRun { isa, z, gw, gb, da: vec![] }
}

#[test]
fn conv1_direct_is_the_convolution_f64() {
    conv1_direct_is_the_convolution::<f64>();
}

#[test]
fn conv1_direct_is_the_convolution_f32() {
    conv1_direct_is_the_convolution::<f32>();
}

/// conv2's direct forward pass, kernel gradient and input gradient
/// (`fast::conv2`) on every
/// instruction-set path this CPU runs, each checked against the layer
/// function; and the fused paths against each other, bit for bit.
fn conv2_direct_is_the_convolution<F: Real>() {
    let paths = conv2::Isa::available();
    assert!(paths.contains(&conv2::Isa::Portable) && paths.contains(&conv2::Isa::best()));
    let results: Vec<ConvRun<F>> = paths.iter().map(|&isa| conv2_on::<F>(isa)).collect();
    let fused: Vec<_> = results.iter().filter(|r| r.isa != conv2::Isa::Portable).collect();
    let same = |a: &[F], b: &[F]| a.iter().zip(b).all(|(x, y)| x.f64().to_bits() == y.f64().to_bits());
    for pair in fused.windows(2) {
        let [p, q] = [pair[0], pair[1]];
        assert!(
            same(&p.z, &q.z) && same(&p.gw, &q.gw) && same(&p.gb, &q.gb) && same(&p.da, &q.da),
            "conv2's {:?} and {:?} paths differ",
            p.isa,
            q.isa
        );
    }
}

/// conv2's forward pass, kernel and bias gradients and input gradient on
/// one path, checked against the layer function. The outputs and the
/// scratch buffer start as NaN: every output must be written, and nothing
/// read from them before it is written.
fn conv2_on<F: Real>(isa: conv2::Isa) -> ConvRun<F> {
    let mut rng = Rng::new(8);
    let input = (B, CONV1_CHANNELS, POOL1_SIDE, POOL1_SIDE);
    let output = (B, CONV2_CHANNELS, CONV2_SIDE, CONV2_SIDE);
    let a: Array4<F> = random(input, 1.0, &mut rng);
    let w: Array4<F> = random(arch::CONV2_W.into(), 0.1, &mut rng);
    let bias = vector::<F>(CONV2_CHANNELS, 0.1, &mut rng);
    let planes = to_planes(&a, POOL1_SIDE, F::zero());
    let mut z = vec![F::of(f64::NAN); CONV2_CHANNELS * B * conv2::PLANE];
    conv2::forward_on(isa, &planes, w.as_slice().unwrap(), bias.as_slice().unwrap(), B, &mut z);
    let (fast_z, _) = from_planes(&z, output, CONV2_SIDE);
    let (a64, w64) = (exact(&a), exact(&w));
    check::<F>(&format!("conv2 forward ({isa:?})"), &fast_z, &conv::forward(&a64, &w64, &exact(&bias), CONV2_PADDING));

    let delta: Array4<F> = random(output, 1.0, &mut rng);
    let mut scratch = vec![F::of(f64::NAN); B * conv2::PLANE * CONV2_CHANNELS];
    let (mut gw, mut gb) = (vec![F::zero(); w.len()], vec![F::zero(); CONV2_CHANNELS]);
    let d = to_planes(&delta, CONV2_SIDE, F::zero());
    conv2::grad_on(isa, &planes, &d, B, &mut scratch, &mut gw, &mut gb);
    let (dx, dw, db) = conv::backward(&a64, &w64, &exact(&delta), CONV2_PADDING);
    check_kernel_and_bias::<F>(&format!("conv2 ({isa:?})"), &gw, &gb, &dw, &db);
    let mut da = vec![F::of(f64::NAN); input.0 * input.1 * input.2 * input.3];
    conv2::input_grad_on(isa, w.as_slice().unwrap(), &d, B, &mut da);
    let (fast_da, _) = from_planes(&da, input, POOL1_SIDE);
    check::<F>(&format!("conv2 input gradient ({isa:?})"), &fast_da, &dx);
    ConvRun { isa, z, gw, gb, da }
}

#[test]
fn conv2_direct_is_the_convolution_f64() {
    conv2_direct_is_the_convolution::<f64>();
}

#[test]
fn conv2_direct_is_the_convolution_f32() {
    conv2_direct_is_the_convolution::<f32>();
}

fn im2col_and_a_matrix_product_are_conv2<F: Real>() {
    let mut rng = Rng::new(2);
    let input = (B, CONV1_CHANNELS, POOL1_SIDE, POOL1_SIDE);
    let output = (B, CONV2_CHANNELS, CONV2_SIDE, CONV2_SIDE);
    let a: Array4<F> = random(input, 1.0, &mut rng);
    let w: Array4<F> = random(arch::CONV2_W.into(), 0.1, &mut rng);
    let bias = vector::<F>(CONV2_CHANNELS, 0.1, &mut rng);
    let g = ConvGeom {
        channels: CONV1_CHANNELS,
        batch: B,
        height: POOL1_SIDE,
        width: POOL1_SIDE,
        kernel: KERNEL,
        padding: CONV2_PADDING,
    };
    let mut cols = vec![F::zero(); g.rows() * g.cols()];
    im2col(&g, &to_planes(&a, POOL1_SIDE, F::zero()), &mut cols);
    let cols = Array2::from_shape_vec((g.rows(), g.cols()), cols).unwrap();
    let w_rows = w.to_shape((CONV2_CHANNELS, g.rows())).unwrap().to_owned();
    // z = W · cols + b, channel-major: row k is output channel k of every sample.
    let mut z = w_rows.dot(&cols);
    for (mut row, &b) in z.rows_mut().into_iter().zip(&bias) {
        row.mapv_inplace(|v| v + b);
    }
    let (fast_z, _) = from_planes(z.as_slice().unwrap(), output, CONV2_SIDE);
    let (a64, w64) = (exact(&a), exact(&w));
    check::<F>("conv2 forward (im2col + GEMM)", &fast_z, &conv::forward(&a64, &w64, &exact(&bias), CONV2_PADDING));

    // Backward: ∂C/∂W = δ colsᵀ (summed over the batch), ∂C/∂a = col2im(Wᵀ δ).
    let delta: Array4<F> = random(output, 1.0, &mut rng);
    let d = Array2::from_shape_vec((CONV2_CHANNELS, g.cols()), to_planes(&delta, CONV2_SIDE, F::zero())).unwrap();
    let (dx, dw, _) = conv::backward(&a64, &w64, &exact(&delta), CONV2_PADDING);
    let gw = d.dot(&cols.t()).into_shape_with_order(arch::CONV2_W).unwrap();
    check::<F>("conv2 kernel gradient (δ colsᵀ)", &exact(&gw), &dw.mapv(|v| v * B as f64));
    let dcols = w_rows.t().dot(&d);
    let mut da = vec![F::of(f64::NAN); input.0 * input.1 * input.2 * input.3];
    col2im(&g, dcols.as_slice().unwrap(), &mut da);
    let (fast_da, _) = from_planes(&da, input, POOL1_SIDE);
    check::<F>("conv2 input gradient (col2im)", &fast_da, &dx);
}

#[test]
fn im2col_and_a_matrix_product_are_conv2_f64() {
    im2col_and_a_matrix_product_are_conv2::<f64>();
}

#[test]
fn im2col_and_a_matrix_product_are_conv2_f32() {
    im2col_and_a_matrix_product_are_conv2::<f32>();
}

/// The fused activation + pooling on a layer's planes: `channels` maps of
/// side × side with rows `rs` apart (conv1's are padded to 32).
fn fused_pooling_is_activation_then_pooling<F: Real>(channels: usize, side: usize, rs: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    let shape = (B, channels, side, side);
    let pooled = (B, channels, side / POOL, side / POOL);
    let dims = (channels * B, side, side, rs);
    let z: Array4<F> = random(shape, 1.5, &mut rng);
    let dp: Array4<F> = random(pooled, 1.0, &mut rng);
    let (z64, dp64) = (exact(&z), exact(&dp));
    // NaN in the padding columns: the kernels must never read them.
    let z_planes = to_planes(&z, rs, F::of(f64::NAN));
    let layer = format!("{channels}×{side}×{side}, row stride {rs}");
    for f in ACTIVATIONS {
        let a64 = f.apply(&z64);
        let n_pooled = channels * B * (side / POOL) * (side / POOL);

        // Max: p = σ(max z) forward; δ = dp · σ′ at the window's maximum.
        let (mut p, mut arg) = (vec![F::zero(); n_pooled], vec![0u8; n_pooled]);
        fused::max_act_forward(f, &z_planes, dims, &mut p, &mut arg);
        let (want_p, argmax) = pool::max_forward(&a64, POOL, POOL);
        let (fast_p, _) = from_planes(&p, pooled, side / POOL);
        check::<F>(&format!("max pool forward, {f:?}, {layer}"), &fast_p, &want_p);
        let mut dp_planes = to_planes(&dp, side / POOL, F::zero());
        let mut dz = vec![F::of(f64::NAN); z_planes.len()];
        fused::max_act_backward(f, &mut dp_planes, &p, &arg, dims, &mut dz);
        let (fast_dz, pad) = from_planes(&dz, shape, rs);
        check::<F>(
            &format!("max pool backward, {f:?}, {layer}"),
            &fast_dz,
            &f.backward(&pool::max_backward(&dp64, &argmax), &z64),
        );
        assert_eq!(pad, 0.0, "max pool backward, {f:?}, {layer}: δ in the padding columns");

        // Mean: p = mean of σ(z) forward, σ(z) left in place; δ = ¼ dp · σ′.
        let mut za = z_planes.clone();
        let mut p = vec![F::zero(); n_pooled];
        fused::mean_act_forward(f, &mut za, dims, &mut p);
        let (fast_p, _) = from_planes(&p, pooled, side / POOL);
        check::<F>(&format!("mean pool forward, {f:?}, {layer}"), &fast_p, &pool::mean_forward(&a64, POOL, POOL));
        let (fast_a, _) = from_planes(&za, shape, rs);
        check::<F>(&format!("mean pool's activation, {f:?}, {layer}"), &fast_a, &a64);
        fused::mean_act_backward(f, &to_planes(&dp, side / POOL, F::zero()), &mut za, dims);
        let (fast_dz, pad) = from_planes(&za, shape, rs);
        let want = f.backward(&pool::mean_backward(&dp64, shape, POOL, POOL), &z64);
        check::<F>(&format!("mean pool backward, {f:?}, {layer}"), &fast_dz, &want);
        assert_eq!(pad, 0.0, "mean pool backward, {f:?}, {layer}: δ in the padding columns");
    }
}

#[test]
fn fused_pooling_is_activation_then_pooling_f64() {
    fused_pooling_is_activation_then_pooling::<f64>(CONV1_CHANNELS, CONV1_SIDE, conv1::STRIDE, 3);
    fused_pooling_is_activation_then_pooling::<f64>(CONV2_CHANNELS, CONV2_SIDE, CONV2_SIDE, 4);
}

#[test]
fn fused_pooling_is_activation_then_pooling_f32() {
    fused_pooling_is_activation_then_pooling::<f32>(CONV1_CHANNELS, CONV1_SIDE, conv1::STRIDE, 3);
    fused_pooling_is_activation_then_pooling::<f32>(CONV2_CHANNELS, CONV2_SIDE, CONV2_SIDE, 4);
}

/// σ over a slice and d ⊙ σ′ read off the outputs, on fc1's 120 × B.
fn slice_activations_are_the_layers<F: Real>() {
    let mut rng = Rng::new(5);
    let shape = (1, 1, FC1_UNITS, B);
    let z: Array4<F> = random(shape, 2.0, &mut rng);
    let d: Array4<F> = random(shape, 1.0, &mut rng);
    let z64 = exact(&z);
    for f in ACTIVATIONS {
        let mut a = z.as_slice().unwrap().to_vec();
        act::activate(f, &mut a);
        let fast_a = Array4::from_shape_vec(shape, a.iter().map(|v| v.f64()).collect()).unwrap();
        check::<F>(&format!("activate {f:?}"), &fast_a, &f.apply(&z64));
        let mut delta = d.as_slice().unwrap().to_vec();
        act::times_slope(f, &mut delta, &a);
        let fast_delta = Array4::from_shape_vec(shape, delta.iter().map(|v| v.f64()).collect()).unwrap();
        check::<F>(&format!("times σ′ {f:?}"), &fast_delta, &f.backward(&exact(&d), &z64));
    }
}

#[test]
fn slice_activations_are_the_layers_f64() {
    slice_activations_are_the_layers::<f64>();
}

#[test]
fn slice_activations_are_the_layers_f32() {
    slice_activations_are_the_layers::<f32>();
}

fn fused_softmax_cross_entropy_is_the_loss<F: Real>() {
    let mut rng = Rng::new(6);
    let batch = 7;
    let logits = Array2::<F>::from_shape_fn((CLASSES, batch), |_| F::of(3.0 * rng.normal()));
    let labels: Vec<usize> = (0..batch).map(|_| rng.below(CLASSES)).collect();
    let mut delta = vec![F::zero(); CLASSES * batch];
    let (sum, correct) =
        loss::softmax_cross_entropy_columns::<F, CLASSES>(logits.as_slice().unwrap(), &labels, &mut delta);
    let (mean, want_delta) = loss::softmax_cross_entropy(&exact(&logits), &labels);
    let tol = tolerance::<F>();
    let e = (sum / batch as f64 - mean).abs() / mean;
    assert!(e < tol, "loss: relative error {e:e} ≥ {tol:e}");
    assert_eq!(correct as f64, loss::accuracy(&logits, &labels) * batch as f64);
    let fast = Array4::from_shape_vec((1, 1, CLASSES, batch), delta.iter().map(|v| v.f64()).collect()).unwrap();
    check::<F>("softmax cross-entropy δ", &fast, &want_delta.into_shape_with_order((1, 1, CLASSES, batch)).unwrap());
}

#[test]
fn fused_softmax_cross_entropy_is_the_loss_f64() {
    fused_softmax_cross_entropy_is_the_loss::<f64>();
}

#[test]
fn fused_softmax_cross_entropy_is_the_loss_f32() {
    fused_softmax_cross_entropy_is_the_loss::<f32>();
}

/// conv1's planes (rows of 32) are max-pooled 16 windows at a time (on
/// fixed-size arrays, or in AVX-512 intrinsics on that path), conv2's
/// (10 × 10, rows one after the other) a pair of rows at a time in AVX-512
/// intrinsics, other strides by the general loop: all must choose the same
/// maximum and the same position in every window, ties included (the first
/// in row-major order wins, 0.0 and −0.0 tie, and a NaN is never larger).
/// Inputs from a few values make ties common; the same planes with rows one
/// entry longer go through the general loop.
#[test]
fn max_pooling_of_conv1_rows_is_the_general_loops_bit_for_bit() {
    assert_eq!(conv1::STRIDE, 32);
    pooling_paths_agree(2 * CONV1_CHANNELS, CONV1_SIDE, conv1::STRIDE, 21);
}

#[test]
fn max_pooling_of_conv2_planes_is_the_general_loops_bit_for_bit() {
    pooling_paths_agree(2 * CONV2_CHANNELS, CONV2_SIDE, CONV2_SIDE, 23);
}

/// The comparison above for `planes` planes of side × side laid out in rows
/// of `rs` (the fast layout) and of rs + 1 (the general loop's).
fn pooling_paths_agree(planes: usize, side: usize, rs: usize, seed: u64) {
    let mut r = Rng::new(seed);
    let values = [-1.0f32, -0.0, 0.0, 0.5, 1.0, f32::NAN];
    let z: Vec<f32> = (0..planes * side * side).map(|_| values[r.below(values.len())]).collect();
    let lay_out = |rs: usize| {
        let mut out = vec![f32::NAN; planes * side * rs];
        for (q, plane) in z.chunks_exact(side * side).enumerate() {
            for (i, row) in plane.chunks_exact(side).enumerate() {
                out[(q * side + i) * rs..][..side].copy_from_slice(row);
            }
        }
        out
    };
    let pool = |isa: fused::Isa, rs: usize| {
        let n = planes * (side / 2) * (side / 2);
        let (mut p, mut arg) = (vec![0.0f32; n], vec![0u8; n]);
        fused::max_act_forward_on(isa, Activation::Relu, &lay_out(rs), (planes, side, side, rs), &mut p, &mut arg);
        (p.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), arg)
    };
    // Every path this CPU runs (AVX-512 pools these rows in intrinsics),
    // against the general loop.
    let general = pool(fused::Isa::Portable, rs + 1);
    for isa in fused::Isa::available() {
        for rs in [rs, rs + 1] {
            let fast = pool(isa, rs);
            assert_eq!(fast.1, general.1, "{isa:?}, row stride {rs}: arg max positions");
            assert_eq!(fast.0, general.0, "{isa:?}, row stride {rs}: maxima");
        }
    }

    // Backward, each pair of rows of 32 is written whole; the general loop
    // places each δ. The same δ (±0 among them) must land on the same
    // entries, bit for bit, and the padding (NaN before) must be 0.
    let values = &values[..values.len() - 1];
    let n = planes * (side / 2) * (side / 2);
    let p: Vec<f32> = (0..n).map(|_| values[r.below(values.len())].abs()).collect();
    let arg: Vec<u8> = (0..n).map(|_| r.below(4) as u8).collect();
    let dp: Vec<f32> = (0..n).map(|_| values[r.below(values.len())]).collect();
    let unpool = |isa: fused::Isa, rs: usize| {
        let mut dz = vec![f32::NAN; planes * side * rs];
        fused::max_act_backward_on(isa, Activation::Relu, &mut dp.clone(), &p, &arg, (planes, side, side, rs), &mut dz);
        let mut rows = Vec::new();
        for r in dz.chunks_exact(rs) {
            assert!(r[side..].iter().all(|&v| v.to_bits() == 0), "row stride {rs}: padding not +0");
            rows.extend(r[..side].iter().map(|v| v.to_bits()));
        }
        rows
    };
    let general = unpool(fused::Isa::Portable, rs + 1);
    for isa in fused::Isa::available() {
        for rs in [rs, rs + 1] {
            assert_eq!(unpool(isa, rs), general, "{isa:?}, row stride {rs}: δ routed back to the windows' maxima");
        }
    }
}

/// conv1 and its max pooling in one pass (`fast::conv1_pool`, fused on the
/// AVX-512 path in f32), against the two layers run one after the other:
/// on every path this CPU runs, the same maxima and the same arg maxima,
/// bit for bit, and all fused paths the same. Twice: on random pixels and
/// weights, whose sums round (an operation in another order would change
/// their bits), and on pixels and weights from a few values, whose sums
/// are exact and whose windows often tie (the first entry in row-major
/// order must win; the test counts the ties). One image has NaN pixels (a
/// NaN is never larger).
#[test]
fn conv1_and_max_pooling_in_one_pass_are_the_two_layers_bit_for_bit() {
    let mut r = Rng::new(22);
    let b = 5;
    let random_values: Vec<f32> = (0..64).map(|_| r.normal() as f32).collect();
    for (case, pixels, weights) in [
        ("random", random_values.as_slice(), random_values.as_slice()),
        ("ties", &[0.0f32, 0.5, 1.0][..], &[-1.0f32, -0.5, 0.0, 0.0, 0.5, 1.0][..]),
    ] {
        let mut x: Vec<f32> = (0..b * IMAGE_SIDE * IMAGE_SIDE).map(|_| pixels[r.below(pixels.len())]).collect();
        x[2 * IMAGE_SIDE * IMAGE_SIDE + 100] = f32::NAN;
        x[2 * IMAGE_SIDE * IMAGE_SIDE + 401] = f32::NAN;
        let w: Vec<f32> = (0..CONV1_CHANNELS * 25).map(|_| weights[r.below(weights.len())]).collect();
        let bias: Vec<f32> = (0..CONV1_CHANNELS).map(|_| weights[r.below(weights.len())]).collect();
        let ties = one_pass_against_two_layers(&x, &w, &bias, b, case);
        if case == "ties" {
            assert!(ties > 100, "only {ties} tied windows");
        }
    }
}

/// The comparison above on one set of inputs; returns the number of tied
/// windows (a maximum taken by more than one entry).
fn one_pass_against_two_layers(x: &[f32], w: &[f32], bias: &[f32], b: usize, case: &str) -> usize {
    use lenet::fast::conv1_pool;
    let mut padded = vec![0.0f32; b * conv1::IMAGE];
    conv1::pad_images(x, b, &mut padded);
    let (side, n) = (CONV1_SIDE, CONV1_CHANNELS * b * (CONV1_SIDE / 2) * (CONV1_SIDE / 2));
    let planes = (CONV1_CHANNELS * b, side, side, conv1::STRIDE);
    let run = |isa: conv1::Isa, one_pass: bool| {
        let mut z = vec![f32::NAN; CONV1_CHANNELS * b * conv1::PLANE];
        let (mut p, mut arg) = (vec![f32::NAN; n], vec![u8::MAX; n]);
        if one_pass {
            conv1_pool::max_forward_on(isa, Activation::Relu, &padded, w, bias, b, &mut z, &mut p, &mut arg);
        } else {
            conv1::forward_on(isa, &padded, w, bias, b, &mut z);
            fused::max_act_forward_on(isa, Activation::Relu, &z, planes, &mut p, &mut arg);
        }
        (p.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), arg, z)
    };
    let mut one_pass = Vec::new();
    for isa in conv1::Isa::available() {
        let (fused_run, apart) = (run(isa, true), run(isa, false));
        assert_eq!(fused_run.1, apart.1, "{case}, {isa:?}: arg max positions");
        assert_eq!(fused_run.0, apart.0, "{case}, {isa:?}: pooled outputs");
        if isa != conv1::Isa::Portable {
            one_pass.push(fused_run);
        }
    }
    for pair in one_pass.windows(2) {
        assert!(pair[0].0 == pair[1].0 && pair[0].1 == pair[1].1, "{case}: the fused paths differ");
    }
    let (_, _, z) = run(conv1::Isa::Portable, false);
    let tied = |&(row, j): &(usize, usize)| {
        let at = |di: usize, dj: usize| z[(2 * row + di) * conv1::STRIDE + 2 * j + dj];
        let e = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];
        let m = e.iter().copied().fold(f32::MIN, f32::max);
        e.iter().filter(|&&v| v == m).count() > 1
    };
    (0..CONV1_CHANNELS * b * side / 2).flat_map(|row| (0..side / 2).map(move |j| (row, j))).filter(tied).count()
}
