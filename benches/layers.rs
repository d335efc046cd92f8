//! Each LeNet layer, forward and backward, readable against fast, on
//! LeNet's shapes with a batch of 64 in f32; then the whole network.
//!
//! cargo bench --bench layers
//!
//! "readable" calls the crate's layer functions (conv, pool, activation,
//! fc); "fast" calls the kernels of `lenet::fast` the model runs: conv1
//! directly on padded images, conv2 directly on pool1's planes (forward,
//! kernel and input gradients), ReLU fused into max pooling, fc as GEMM
//! into reused buffers. Each other instruction-set path the CPU runs is
//! timed beside "fast", and so is conv2's former im2col + GEMM path ("im2col
//! + GEMM", "2 GEMMs + col2im").
//!
//! Last, "f32 FMA peak, one core": what one core can compute at best,
//! measured, so that scripts/bench-layers.py can say what fraction of it
//! each layer reaches.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lenet::activation::Activation;
use lenet::fast::aligned::Aligned;
use lenet::fast::dense::{self, Strided};
use lenet::fast::{conv1, conv1_pool, conv2, im2col, pool};
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
    // Training with max pooling pools conv1's rows while they are still in
    // registers (conv1_pool, AVX-512 in f32); apart, conv1 writes its
    // output and pooling reads it back.
    let (mut p, mut arg) = (vec![0.0f32; 6 * N * 196], vec![0u8; 6 * N * 196]);
    let (ws, bs) = (w.as_slice().unwrap(), b.as_slice().unwrap());
    let planes = (6 * N, 28, 28, conv1::STRIDE);
    let mut g = c.benchmark_group("conv1 + ReLU + max pool 1 forward (64×1×28×28)");
    g.bench_function("fast (one pass)", |bch| {
        bch.iter(|| {
            conv1::pad_images(black_box(xs), N, &mut padded);
            conv1_pool::max_forward(Activation::Relu, &padded, ws, bs, N, &mut z, &mut p, &mut arg);
        })
    });
    g.bench_function("fast, the two layers apart", |bch| {
        bch.iter(|| {
            conv1::pad_images(black_box(xs), N, &mut padded);
            conv1::forward(&padded, ws, bs, N, &mut z);
            pool::max_act_forward(Activation::Relu, &z, planes, &mut p, &mut arg);
        })
    });
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
    let (mut gw, mut gb) = (vec![0.0f32; 16 * 150], vec![0.0f32; 16]);
    let mut dx = vec![0.0f32; xcs.len()];

    let mut g = c.benchmark_group("conv2 forward (64×6×14×14, 16 kernels 6×5×5)");
    g.bench_function("readable", |bch| bch.iter(|| conv::forward(black_box(&x), &w, &b, 0)));
    // "fast" is the path training takes (direct, the widest ISA this CPU
    // runs); the other paths, and im2col + GEMM as it was, beside it.
    for isa in conv2::Isa::available() {
        let name = if isa == conv2::Isa::best() { "fast".to_string() } else { format!("fast, {isa:?} path") };
        g.bench_function(name, |bch| {
            bch.iter(|| conv2::forward_on(isa, black_box(xcs), w.as_slice().unwrap(), b.as_slice().unwrap(), N, &mut z))
        });
    }
    g.bench_function("im2col + GEMM", |bch| {
        bch.iter(|| {
            im2col::im2col(&geom, black_box(xcs), &mut cols);
            gemm(w2, ArrayView2::from_shape((150, ncols), &cols[..]).unwrap(), &mut z);
        })
    });
    g.finish();
    let mut g = c.benchmark_group("conv2 backward");
    g.bench_function("readable", |bch| bch.iter(|| conv::backward(black_box(&x), &w, &dy, 0)));
    let dzv = ArrayView2::from_shape((16, ncols), &dz[..]).unwrap();
    // The training path: kernel, bias and input gradients, all direct.
    let mut delta_t = vec![0.0f32; 16 * ncols];
    for isa in conv2::Isa::available() {
        let name = if isa == conv2::Isa::best() { "fast".to_string() } else { format!("fast, {isa:?} path") };
        g.bench_function(name, |bch| {
            bch.iter(|| {
                conv2::grad_on(isa, black_box(xcs), &dz, N, &mut delta_t, &mut gw, &mut gb);
                conv2::input_grad_on(isa, w.as_slice().unwrap(), &dz, N, &mut dx);
            })
        });
    }
    g.bench_function("2 GEMMs + col2im", |bch| {
        bch.iter(|| {
            gemm(dzv, ArrayView2::from_shape((150, ncols), &cols[..]).unwrap().t(), &mut gw);
            gemm(w2.t(), dzv, &mut cols);
            im2col::col2im(&geom, &cols, &mut dx);
        })
    });
    g.finish();
    // The backward pass's two halves apart (not in scripts/bench-layers.py's table).
    let mut g = c.benchmark_group("conv2 backward parts");
    g.bench_function("kernel and bias gradient, direct", |bch| {
        bch.iter(|| conv2::grad(black_box(xcs), &dz, N, &mut delta_t, &mut gw, &mut gb))
    });
    g.bench_function("kernel gradient, GEMM on im2col", |bch| {
        bch.iter(|| gemm(dzv, ArrayView2::from_shape((150, ncols), black_box(&cols[..])).unwrap().t(), &mut gw))
    });
    g.bench_function("input gradient, direct", |bch| {
        bch.iter(|| conv2::input_grad(w.as_slice().unwrap(), black_box(&dz), N, &mut dx))
    });
    g.bench_function("input gradient, GEMM + col2im", |bch| {
        bch.iter(|| {
            gemm(w2.t(), black_box(dzv), &mut cols);
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

    // The fast path's way: the batch in chunks of 16 samples, each a
    // 400 × 16 block, the products by fast::dense (as in the pass).
    const CHUNK: usize = 16;
    let chunks: Vec<Vec<f32>> = (0..N / CHUNK)
        .map(|q| (0..400).flat_map(|i| (0..CHUNK).map(move |j| (i, j))).map(|(i, j)| a[[i, q * CHUNK + j]]).collect())
        .collect();
    let deltas: Vec<Vec<f32>> = (0..N / CHUNK)
        .map(|q| {
            (0..120).flat_map(|i| (0..CHUNK).map(move |j| (i, j))).map(|(i, j)| delta[[i, q * CHUNK + j]]).collect()
        })
        .collect();
    let ws = w.as_slice().unwrap();
    let mut act_t = vec![0.0f32; 400 * CHUNK];

    let mut g = c.benchmark_group("fc1 forward (120×400, 64 columns)");
    g.bench_function("readable", |bch| bch.iter(|| fc::forward(&w, black_box(&a), &b)));
    g.bench_function("fast", |bch| {
        bch.iter(|| {
            for (x, out) in chunks.iter().zip(z.chunks_exact_mut(120 * CHUNK)) {
                dense::product(Strided::rows_of(ws, 120, 400), black_box(x), CHUNK, false, out);
            }
        })
    });
    g.bench_function("fast, matrixmultiply on 64 columns (before)", |bch| {
        bch.iter(|| gemm(w.view(), black_box(a.view()), &mut z))
    });
    g.finish();
    let mut g = c.benchmark_group("fc1 backward (weight gradient and Wᵀδ)");
    g.bench_function("readable", |bch| {
        bch.iter(|| (fc::weight_grad(black_box(&delta), &a), fc::input_grad(&w, &delta)))
    });
    g.bench_function("fast", |bch| {
        bch.iter(|| {
            for ((x, d), out) in chunks.iter().zip(&deltas).zip(da.chunks_exact_mut(400 * CHUNK)) {
                dense::transpose(black_box(x), 400, CHUNK, &mut act_t);
                dense::product(Strided::rows_of(d, 120, CHUNK), &act_t, 400, true, &mut gw);
                dense::product(Strided::transpose_of(ws, 400, 120), d, CHUNK, false, out);
            }
        })
    });
    g.bench_function("fast, matrixmultiply on 64 columns (before)", |bch| {
        bch.iter(|| {
            gemm(black_box(delta.view()), a.t(), &mut gw);
            gemm(w.t(), delta.view(), &mut da);
        })
    });
    g.finish();
}

/// conv1's kernel gradient on a chunk of 16 samples (as training computes
/// it) with its buffers starting at a multiple of 64 bytes, as the fast
/// path's workspace allocates them (`fast::aligned`), and 16 bytes past
/// one, where the allocator puts a large `Vec`: the same operations, only
/// the addresses differ.
fn alignment_benches(c: &mut Criterion, r: &mut Rng) {
    const CHUNK: usize = 16;
    let x: Vec<f32> = (0..CHUNK * 784).map(|_| r.uniform() as f32).collect();
    let dz: Vec<f32> = (0..6 * CHUNK * conv1::PLANE).map(|_| r.normal() as f32).collect();
    let (mut gw, mut gb) = (vec![0.0f32; 150], vec![0.0f32; 6]);
    let mut g = c.benchmark_group("conv1 kernel gradient, 16 samples: buffer alignment");
    for (name, shift) in [("aligned to 64 bytes", 0), ("16 bytes past 64", 4)] {
        let mut padded = Aligned::filled(CHUNK * conv1::IMAGE + shift, 0.0f32);
        let mut delta = Aligned::filled(dz.len() + shift, 0.0f32);
        conv1::pad_images(&x, CHUNK, &mut padded[shift..]);
        delta[shift..].copy_from_slice(&dz);
        g.bench_function(name, |bch| {
            bch.iter(|| conv1::grad(black_box(&padded[shift..]), &delta[shift..], CHUNK, &mut gw, &mut gb))
        });
    }
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

/// Independent accumulator chains of the peak benchmark. An FMA's result is
/// ready only after its latency (4 cycles on current x86 cores) and a core
/// starts up to two per cycle, so at least 8 chains must be in flight to
/// keep both units busy; 12 leave room for a longer latency and still fit
/// the 16 YMM registers of AVX2 beside the two constant operands (16 would
/// spill). AVX-512 has 32 ZMM registers, so it takes 16.
const CHAINS_AVX2: usize = 12;
const CHAINS_AVX512: usize = 16;
/// Multiply-adds per chain per iteration: enough that the loop overhead and
/// criterion's timing are negligible (≈ 10–50 µs per iteration).
const STEPS: usize = 4096;

/// x ← x·a + b on `CHAINS` independent 16-lane registers, `STEPS` times.
/// With a = 1 − 2⁻²⁰ and b small the values converge to b/(1 − a) and stay
/// normal (no denormal slow path, no overflow). The compiler may not fuse
/// or reorder the chains (no fast-math), and the caller black_boxes a, b
/// and the result, so every FMA runs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fma_chains_avx512<const CHAINS: usize>(a: f32, b: f32, x0: f32) -> f32 {
    use std::arch::x86_64::*;
    let (va, vb) = (_mm512_set1_ps(a), _mm512_set1_ps(b));
    let mut acc = [_mm512_set1_ps(x0); CHAINS];
    for _ in 0..STEPS {
        for x in acc.iter_mut() {
            *x = _mm512_fmadd_ps(*x, va, vb);
        }
    }
    let sum = acc.iter().fold(_mm512_setzero_ps(), |s, &x| _mm512_add_ps(s, x));
    _mm512_reduce_add_ps(sum)
}

/// As [`fma_chains_avx512`] on 8-lane AVX2 registers with FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fma_chains_avx2<const CHAINS: usize>(a: f32, b: f32, x0: f32) -> f32 {
    use std::arch::x86_64::*;
    let (va, vb) = (_mm256_set1_ps(a), _mm256_set1_ps(b));
    let mut acc = [_mm256_set1_ps(x0); CHAINS];
    for _ in 0..STEPS {
        for x in acc.iter_mut() {
            *x = _mm256_fmadd_ps(*x, va, vb);
        }
    }
    let sum = acc.iter().fold(_mm256_setzero_ps(), |s, &x| _mm256_add_ps(s, x));
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds the 8 floats the unaligned store writes.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
    lanes.iter().sum()
}

/// Without vector FMA: a multiply and an add per step (2 flops, as an FMA
/// counts), on scalars; `mul_add` would call a software fma there. (The
/// compiler may still pack the chains into whatever vectors it has.)
fn fma_chains_scalar<const CHAINS: usize>(a: f32, b: f32, x0: f32) -> f32 {
    let mut acc = [x0; CHAINS];
    for _ in 0..STEPS {
        for x in acc.iter_mut() {
            *x = *x * a + b;
        }
    }
    acc.iter().sum()
}

/// One core's f32 peak: each vector width this CPU runs (AVX2 and, where
/// the CPU has it, AVX-512: on some cores the wider one is no faster),
/// named after its instruction, with the flops of one iteration (chains ×
/// lanes × 2 × steps) as criterion's throughput, so the count is written
/// beside the time in `benchmark.json` and scripts/bench-layers.py reads it
/// from there instead of repeating these constants. The fastest is the peak.
fn fma_peak_benches(c: &mut Criterion) {
    let (a, b, x0) = (1.0 - 2f32.powi(-20), 1e-7f32, 1.0f32);
    let flop = |chains: usize, lanes: usize| (chains * lanes * 2 * STEPS) as u64;
    let mut g = c.benchmark_group("f32 FMA peak, one core");
    #[cfg(target_arch = "x86_64")]
    let (avx2, avx512) = {
        use std::is_x86_feature_detected as has;
        (has!("avx2") && has!("fma"), has!("avx512f"))
    };
    #[cfg(not(target_arch = "x86_64"))]
    let (avx2, avx512) = (false, false);
    #[cfg(target_arch = "x86_64")]
    {
        if avx2 {
            g.throughput(Throughput::Elements(flop(CHAINS_AVX2, 8)));
            // SAFETY: the CPU has AVX2 and FMA (detected above).
            g.bench_function("AVX2 _mm256_fmadd_ps", |bch| {
                bch.iter(|| unsafe { fma_chains_avx2::<CHAINS_AVX2>(black_box(a), black_box(b), black_box(x0)) })
            });
        }
        if avx512 {
            g.throughput(Throughput::Elements(flop(CHAINS_AVX512, 16)));
            // SAFETY: the CPU has AVX-512F (detected above).
            g.bench_function("AVX-512 _mm512_fmadd_ps", |bch| {
                bch.iter(|| unsafe { fma_chains_avx512::<CHAINS_AVX512>(black_box(a), black_box(b), black_box(x0)) })
            });
        }
    }
    // Scalars only where there is no vector FMA: beside one, they would
    // say nothing about the peak.
    if !avx2 && !avx512 {
        g.throughput(Throughput::Elements(flop(CHAINS_AVX2, 1)));
        g.bench_function("scalar mul + add", |bch| {
            bch.iter(|| fma_chains_scalar::<CHAINS_AVX2>(black_box(a), black_box(b), black_box(x0)))
        });
    }
    g.finish();
}

fn layers(c: &mut Criterion) {
    let mut r = Rng::new(7);
    conv1_benches(c, &mut r);
    conv2_benches(c, &mut r);
    pool_benches(c, &mut r);
    fc_benches(c, &mut r);
    alignment_benches(c, &mut r);
    network_benches(c, &mut r);
    fma_peak_benches(c);
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
