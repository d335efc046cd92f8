//! Each LeNet layer, forward and backward, readable against fast, on
//! LeNet's shapes with a batch of 64 in f32; then the whole network.
//!
//! cargo bench --bench layers
//!
//! "readable" calls the crate's layer functions (conv, pool, activation,
//! fc); "fast" calls the kernels of `lenet::fast` the model runs: conv1
//! directly on padded images, conv2 as im2col + GEMM, ReLU fused into max
//! pooling, fc as GEMM into reused buffers.

use criterion::{Criterion, criterion_group, criterion_main};
use lenet::activation::Activation;
use lenet::fast::{conv1, im2col, pool};
use lenet::model::{Arch, LeNet};
use lenet::ndarray::linalg::general_mat_mul;
use lenet::ndarray::{Array1, Array2, Array4, ArrayView2, ArrayViewMut2};
use lenet::rng::Rng;
use lenet::{conv, fc};
use std::hint::black_box;
use std::time::Duration;

const N: usize = 64;

fn rand4(shape: (usize, usize, usize, usize), r: &mut Rng) -> Array4<f32> {
    Array4::from_shape_fn(shape, |_| r.normal() as f32)
}

fn gemm(a: ArrayView2<f32>, b: ArrayView2<f32>, c: &mut [f32]) {
    let (m, n) = (a.nrows(), b.ncols());
    general_mat_mul(1.0, &a, &b, 0.0, &mut ArrayViewMut2::from_shape((m, n), &mut c[..m * n]).unwrap());
}

fn conv1_benches(c: &mut Criterion, r: &mut Rng) {
    let x = Array4::from_shape_fn((N, 1, 28, 28), |_| r.uniform() as f32);
    let w = rand4((6, 1, 5, 5), r);
    let b = Array1::from_shape_fn(6, |_| r.normal() as f32);
    let dy = rand4((N, 6, 28, 28), r);
    let xs = x.as_slice().unwrap();
    let mut padded = vec![0.0f32; N * conv1::IMAGE];
    let mut z = vec![0.0f32; 6 * N * conv1::PLANE];
    let dz = vec![0.5f32; 6 * N * conv1::PLANE];
    let (mut gw, mut gb) = (vec![0.0f32; 150], vec![0.0f32; 6]);

    let mut g = c.benchmark_group("conv1 forward (64×1×28×28, 6 kernels 5×5, pad 2)");
    g.bench_function("readable", |bch| bch.iter(|| conv::forward(black_box(&x), &w, &b, 2)));
    // "fast" is the path training takes (the widest this CPU runs); each
    // other path the CPU runs is timed beside it.
    for isa in conv1::Isa::available() {
        let name = if isa == conv1::Isa::best() { "fast".to_string() } else { format!("fast, {isa:?} path") };
        g.bench_function(name, |bch| {
            bch.iter(|| {
                conv1::pad_images(black_box(xs), N, &mut padded);
                conv1::forward_on(isa, &padded, w.as_slice().unwrap(), b.as_slice().unwrap(), N, &mut z);
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("conv1 backward");
    g.bench_function("readable", |bch| bch.iter(|| conv::backward(black_box(&x), &w, &dy, 2)));
    for isa in conv1::Isa::available() {
        let name = if isa == conv1::Isa::best() {
            "fast (kernel and bias only)".to_string()
        } else {
            format!("fast (kernel and bias only), {isa:?} path")
        };
        g.bench_function(name, |bch| bch.iter(|| conv1::grad_on(isa, black_box(&padded), &dz, N, &mut gw, &mut gb)));
    }
    g.finish();
}

fn conv2_benches(c: &mut Criterion, r: &mut Rng) {
    let x = rand4((N, 6, 14, 14), r);
    let w = rand4((16, 6, 5, 5), r);
    let b = Array1::from_shape_fn(16, |_| r.normal() as f32);
    let dy = rand4((N, 16, 10, 10), r);
    let geom = im2col::ConvGeom { channels: 6, batch: N, height: 14, width: 14, kernel: 5, padding: 0 };
    // The fast path keeps images channel-major (C × N × H × W).
    let xc = x.view().permuted_axes([1, 0, 2, 3]).as_standard_layout().into_owned();
    let xcs = xc.as_slice().unwrap();
    let w2 = ArrayView2::from_shape((16, 150), w.as_slice().unwrap()).unwrap();
    let ncols = geom.cols();
    let mut cols = vec![0.0f32; 150 * ncols];
    let mut z = vec![0.0f32; 16 * ncols];
    let dz = vec![0.5f32; 16 * ncols];
    let mut gw = vec![0.0f32; 16 * 150];
    let mut dx = vec![0.0f32; xcs.len()];

    let mut g = c.benchmark_group("conv2 forward (64×6×14×14, 16 kernels 6×5×5)");
    g.bench_function("readable", |bch| bch.iter(|| conv::forward(black_box(&x), &w, &b, 0)));
    g.bench_function("fast (im2col + GEMM)", |bch| {
        bch.iter(|| {
            im2col::im2col(&geom, black_box(xcs), &mut cols);
            gemm(w2, ArrayView2::from_shape((150, ncols), &cols[..]).unwrap(), &mut z);
        })
    });
    g.finish();
    let mut g = c.benchmark_group("conv2 backward");
    g.bench_function("readable", |bch| bch.iter(|| conv::backward(black_box(&x), &w, &dy, 0)));
    g.bench_function("fast (2 GEMMs + col2im)", |bch| {
        bch.iter(|| {
            let dzv = ArrayView2::from_shape((16, ncols), &dz[..]).unwrap();
            gemm(dzv, ArrayView2::from_shape((150, ncols), &cols[..]).unwrap().t(), &mut gw);
            gemm(w2.t(), dzv, &mut cols);
            im2col::col2im(&geom, &cols, &mut dx);
        })
    });
    g.finish();
}

fn pool_benches(c: &mut Criterion, r: &mut Rng) {
    let z = rand4((N, 6, 28, 28), r);
    let relu = Activation::Relu;
    let zs = z.as_slice().unwrap();
    let planes = (6 * N, 28, 28, 28);
    let mut p = vec![0.0f32; 6 * N * 196];
    let mut arg = vec![0u8; 6 * N * 196];
    let mut dp = vec![0.5f32; 6 * N * 196];
    let mut dz = vec![0.0f32; zs.len()];
    let dy = rand4((N, 6, 14, 14), r);

    let mut g = c.benchmark_group("ReLU + max pool forward (64×6×28×28)");
    g.bench_function("readable", |bch| bch.iter(|| lenet::pool::max_forward(&relu.apply(black_box(&z)), 2, 2)));
    g.bench_function("fast (fused)", |bch| {
        bch.iter(|| pool::max_act_forward(Activation::Relu, black_box(zs), planes, &mut p, &mut arg))
    });
    g.finish();
    let (_, argmax) = lenet::pool::max_forward(&relu.apply(&z), 2, 2);
    let mut g = c.benchmark_group("ReLU + max pool backward");
    g.bench_function("readable", |bch| {
        bch.iter(|| relu.backward(&lenet::pool::max_backward(black_box(&dy), &argmax), &z))
    });
    g.bench_function("fast (fused)", |bch| {
        bch.iter(|| pool::max_act_backward(Activation::Relu, black_box(&mut dp), &p, &arg, planes, &mut dz))
    });
    g.finish();
}

fn fc_benches(c: &mut Criterion, r: &mut Rng) {
    let w = Array2::from_shape_fn((120, 400), |_| r.normal() as f32);
    let b = Array2::from_shape_fn((120, 1), |_| r.normal() as f32);
    let a = Array2::from_shape_fn((400, N), |_| r.normal() as f32);
    let delta = Array2::from_shape_fn((120, N), |_| r.normal() as f32);
    let mut z = vec![0.0f32; 120 * N];
    let mut gw = vec![0.0f32; 120 * 400];
    let mut da = vec![0.0f32; 400 * N];

    let mut g = c.benchmark_group("fc1 forward (120×400, 64 columns)");
    g.bench_function("readable", |bch| bch.iter(|| fc::forward(&w, black_box(&a), &b)));
    g.bench_function("fast (GEMM into a buffer)", |bch| bch.iter(|| gemm(w.view(), black_box(a.view()), &mut z)));
    g.finish();
    let mut g = c.benchmark_group("fc1 backward (weight gradient and Wᵀδ)");
    g.bench_function("readable", |bch| {
        bch.iter(|| (fc::weight_grad(black_box(&delta), &a), fc::input_grad(&w, &delta)))
    });
    g.bench_function("fast (GEMMs into buffers)", |bch| {
        bch.iter(|| {
            gemm(black_box(delta.view()), a.t(), &mut gw);
            gemm(w.t(), delta.view(), &mut da);
        })
    });
    g.finish();
}

fn network_benches(c: &mut Criterion, r: &mut Rng) {
    let x = Array4::from_shape_fn((N, 1, 28, 28), |_| r.uniform() as f32);
    let y: Vec<usize> = (0..N).map(|_| r.below(10)).collect();
    let net = LeNet::<f32>::new(Arch::modern(), 1);
    let mut g = c.benchmark_group("LeNet loss and gradients, batch 64");
    g.bench_function("readable", |bch| bch.iter(|| net.readable_loss_and_grads(black_box(&x), &y)));
    for t in [1, 2] {
        g.bench_function(format!("fast, {t} thread(s)"), |bch| bch.iter(|| net.loss_and_grads(black_box(&x), &y, t)));
    }
    g.finish();
}

fn layers(c: &mut Criterion) {
    let mut r = Rng::new(7);
    conv1_benches(c, &mut r);
    conv2_benches(c, &mut r);
    pool_benches(c, &mut r);
    fc_benches(c, &mut r);
    network_benches(c, &mut r);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = layers
}
criterion_main!(benches);
