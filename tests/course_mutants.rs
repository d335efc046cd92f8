//! The mutation test of the coursework checker: wrong answers a student
//! might write, spread over all 15 exercises, each of which the checker
//! must reject on every one of 100 seeds, while the crate's own answers
//! pass on 300. They include the six that passed on some seeds before the
//! checker drew many cases of separating sizes (issue 18), and the stubs'
//! stated requirements (ReLU′(0) = 0, a softmax finite at ±1000).
//!
//! Add a variant whenever a new kind of wrong answer is found. The test
//! runs in-process, drawing each seed's cases once for all the variants of
//! an exercise (`course::check_each`), and prints its running time.

use lenet::activation::Activation;
use lenet::course::{Answers, EXERCISES, check_each};
use lenet::model::{Arch, LeNet, Params, Pooling};
use lenet::pool::Argmax;
use lenet::{Matrix, conv, errata, loss, pool};
use ndarray::{Array1, Array2, Array4, Axis, Zip, s};
use std::time::Instant;

fn m(a: &Array2<f64>) -> Matrix<f64> {
    Matrix(a.clone())
}

fn r() -> Answers {
    Answers::reference()
}

// ------------------------------------------------------------ helpers

#[path = "course_mutants/conv_layer.rs"]
mod conv_layer;
use conv_layer::{Grads, Widen, conv_dx, samples, strided_by, times};

fn correlate(a: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
    conv::correlate_valid(&m(a), &m(k)).0
}

fn rot180(a: &Array2<f64>) -> Array2<f64> {
    conv::rot180(&m(a)).0
}

fn padded(a: &Array2<f64>, rows: usize, cols: usize) -> Array2<f64> {
    conv::pad(&m(a), rows, cols).0
}

/// A valid correlation written with its sizes given, as a student who
/// hard-codes or confuses them would: output `oh × ow`, kernel `kh × kw`
/// read from `k`.
fn correlate_sized(
    a: &Array2<f64>,
    k: &Array2<f64>,
    (oh, ow): (usize, usize),
    (kh, kw): (usize, usize),
) -> Array2<f64> {
    Array2::from_shape_fn((oh, ow), |(i, j)| {
        let mut z = 0.0;
        for p in 0..kh {
            for q in 0..kw {
                z += a[[i + p, j + q]] * k[[p, q]];
            }
        }
        z
    })
}

fn full_convolve(d: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
    conv::full_convolve(&m(d), &m(k)).0
}

/// Mean-pool backward with the window's share `g · scale`, the windows
/// stepping by `step` (not necessarily the stride), written with `=` when
/// `assign`.
fn mean_back(
    dy: &Array4<f64>,
    shape: (usize, usize, usize, usize),
    size: usize,
    step: usize,
    scale: f64,
    assign: bool,
) -> Array4<f64> {
    let mut dx = Array4::zeros(shape);
    for ((n, c, i, j), &g) in dy.indexed_iter() {
        let (r0, c0) = (i * step, j * step);
        let mut window = dx.slice_mut(s![n, c, r0..r0 + size, c0..c0 + size]);
        if assign {
            window.fill(g * scale);
        } else {
            window += g * scale;
        }
    }
    dx
}

fn one_hot(labels: &[usize], n: usize) -> Array2<f64> {
    let mut y = Array2::zeros((10, n));
    for (k, &l) in labels.iter().enumerate() {
        y[[l, k]] = 1.0;
    }
    y
}

fn lenet_grads(arch: Arch, params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut model = LeNet::new(arch, 0);
    model.params = params.clone();
    model.trace(x, labels).grads
}

fn lenet_reference(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    lenet_grads(Arch::modern(), params, x, labels)
}

/// Every one of LeNet's gradient tensors times `factor`.
fn lenet_scaled(mut g: Params<f64>, factor: f64) -> Params<f64> {
    for (_, mut t) in g.tensors_mut() {
        t *= factor;
    }
    g
}

fn relu_gate(z: &Array2<f64>) -> Array2<f64> {
    z.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 })
}

// ------------------------------------------------------------ the variants

/// Every wrong variant: its exercise, what is wrong, and the answers with
/// only that exercise replaced.
#[allow(clippy::type_complexity, reason = "each exercise's signature is spelt out where its variants are")]
fn mutants() -> Vec<(&'static str, &'static str, Answers)> {
    let fc_forward = |name, f: fn(&Array2<f64>, &Array2<f64>, &Array2<f64>) -> Array2<f64>| {
        ("fc_forward", name, Answers { fc_forward: f, ..r() })
    };
    let delta = |name, f: fn(&Array2<f64>, &Array2<f64>, &Array2<f64>, Activation) -> Array2<f64>| {
        ("fc_backprop_delta", name, Answers { fc_backprop_delta: f, ..r() })
    };
    let weight = |name, f: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>| {
        ("fc_weight_grad", name, Answers { fc_weight_grad: f, ..r() })
    };
    let bias = |name, f: fn(&Array2<f64>) -> Array2<f64>| ("fc_bias_grad", name, Answers { fc_bias_grad: f, ..r() });
    let corr = |name, f: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>| {
        ("correlate_valid", name, Answers { correlate_valid: f, ..r() })
    };
    let full = |name, f: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>| {
        ("full_convolve", name, Answers { full_convolve: f, ..r() })
    };
    let kgrad = |name, f: fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>| {
        ("kernel_grad", name, Answers { kernel_grad: f, ..r() })
    };
    let bgrad = |name, f: fn(&Array2<f64>) -> f64| ("bias_grad", name, Answers { bias_grad: f, ..r() });
    type ConvBackward = fn(&Array4<f64>, &Array4<f64>, &Array4<f64>, usize) -> Grads;
    let cb = |name, f: ConvBackward| ("conv_backward", name, Answers { conv_backward: f, ..r() });
    type ConvStrided = fn(&Array4<f64>, &Array4<f64>, &Array4<f64>, conv::Geometry) -> Grads;
    let cbs = |name, f: ConvStrided| ("conv_backward_strided", name, Answers { conv_backward_strided: f, ..r() });
    type MeanPool = fn(&Array4<f64>, (usize, usize, usize, usize), usize, usize) -> Array4<f64>;
    let mean = |name, f: MeanPool| ("mean_pool_backward", name, Answers { mean_pool_backward: f, ..r() });
    let max = |name, f: fn(&Array4<f64>, &Argmax) -> Array4<f64>| {
        ("max_pool_backward", name, Answers { max_pool_backward: f, ..r() })
    };
    let relu = |name, f: fn(&Array4<f64>, &Array4<f64>) -> Array4<f64>| {
        ("relu_backward", name, Answers { relu_backward: f, ..r() })
    };
    let soft = |name, f: fn(&Array2<f64>, &[usize]) -> Array2<f64>| {
        ("softmax_cross_entropy_grad", name, Answers { softmax_cross_entropy_grad: f, ..r() })
    };
    let net = |name, f: fn(&Params<f64>, &Array4<f64>, &[usize]) -> Params<f64>| {
        ("lenet_backward", name, Answers { lenet_backward: f, ..r() })
    };

    vec![
        // fc_forward
        fc_forward("bias missing", |w, a, _| w.dot(a)),
        fc_forward("bias's first entry added everywhere", |w, a, b| w.dot(a) + b[[0, 0]]),
        fc_forward("bias subtracted", |w, a, b| w.dot(a) - b),
        fc_forward("first sample only", |w, a, b| w.dot(&a.slice(s![.., 0..1])) + b),
        fc_forward("Wᵀ a", |w, a, b| w.t().dot(a) + b),
        fc_forward("bias added per sample, by column index", |w, a, b| {
            let z = w.dot(a);
            Array2::from_shape_fn(z.dim(), |(i, n)| z[[i, n]] + b[[n % b.nrows(), 0]])
        }),
        // fc_backprop_delta
        delta("σ′ missing", |w, d, _, _| w.t().dot(d)),
        delta("σ instead of σ′", |w, d, z, act| w.t().dot(d) * act.apply(z)),
        delta("transpose missing", |w, d, z, act| act.backward(&w.dot(d), z)),
        delta("σ′ on the layer above", |w, d, z, act| w.t().dot(&act.backward(d, z))),
        delta("σ′ of the wrong argument, σ′(σ(z))", |w, d, z, act| w.t().dot(d) * act.derivative(&act.apply(z))),
        delta("σ′ from the output formula applied to z", |w, d, z, act| {
            w.t().dot(d) * z.mapv(|v| act.prime_from_output(v))
        }),
        delta("kink convention ReLU′(0) = 1", |w, d, z, act| {
            let back = w.t().dot(d);
            match act {
                Activation::Relu => back * z.mapv(|v| if v >= 0.0 { 1.0 } else { 0.0 }),
                _ => back * act.derivative(z),
            }
        }),
        delta("ReLU′ whatever σ is", |w, d, z, _| w.t().dot(d) * relu_gate(z)),
        delta("sign flipped", |w, d, z, act| -(w.t().dot(d) * act.derivative(z))),
        delta("divided by N", |w, d, z, act| w.t().dot(d) * act.derivative(z) / d.ncols() as f64),
        // fc_weight_grad
        weight("batch summed", |d, a| d.dot(&a.t())),
        weight("transposed, a δᵀ", |d, a| a.dot(&d.t()) / d.ncols() as f64),
        weight("divided by out (δ's rows)", |d, a| d.dot(&a.t()) / d.nrows() as f64),
        weight("divided by in (a's rows)", |d, a| d.dot(&a.t()) / a.nrows() as f64),
        weight("first sample only", |d, a| d.slice(s![.., 0..1]).dot(&a.slice(s![.., 0..1]).t())),
        weight("sign flipped", |d, a| -d.dot(&a.t()) / d.ncols() as f64),
        // fc_bias_grad
        bias("batch summed", |d| d.sum_axis(Axis(1)).insert_axis(Axis(1))),
        bias("divided by δ's rows, not N", |d| d.sum_axis(Axis(1)).insert_axis(Axis(1)) / d.nrows() as f64),
        bias("averaged over the wrong axis", |d| d.mean_axis(Axis(0)).expect("rows").insert_axis(Axis(1))),
        bias("first sample only", |d| d.slice(s![.., 0..1]).to_owned()),
        bias("a row, not a column", |d| d.mean_axis(Axis(1)).expect("columns").insert_axis(Axis(0))),
        bias("sign flipped", |d| -d.mean_axis(Axis(1)).expect("columns").insert_axis(Axis(1))),
        // correlate_valid
        corr("kernel turned (a convolution)", |a, k| correlate(a, &rot180(k))),
        corr("square kernel assumed (kh for both)", |a, k| {
            let kh = k.nrows().min(k.ncols());
            correlate_sized(a, k, (a.nrows() - kh + 1, a.ncols() - kh + 1), (kh, kh))
        }),
        corr("output transposed", |a, k| correlate(a, k).t().to_owned()),
        corr("output one short (no + 1)", |a, k| {
            let (kh, kw) = k.dim();
            correlate_sized(a, k, (a.nrows() - kh, a.ncols() - kw), (kh, kw))
        }),
        corr("hard-coded 2×2 kernel", |a, k| correlate_sized(a, k, (a.nrows() - 1, a.ncols() - 1), (2, 2))),
        corr("kernel transposed", |a, k| correlate(a, &k.t().to_owned())),
        // full_convolve
        full("kernel not rotated", |d, w| correlate(&padded(d, w.nrows() - 1, w.ncols() - 1), w)),
        full("no zero padding", |d, w| errata::delta_as_written(&m(d), &m(w)).0),
        full("kh − 1 padding on both axes", |d, w| {
            let p = w.nrows() - 1;
            correlate(&padded(d, p, p), &rot180(w))
        }),
        full("padded one too many", |d, w| correlate(&padded(d, w.nrows(), w.ncols()), &rot180(w))),
        full("kernel transposed", |d, w| conv::full_convolve(&m(d), &m(&w.t().to_owned())).0),
        full("sign flipped", |d, w| -conv::full_convolve(&m(d), &m(w)).0),
        // kernel_grad
        kgrad("convolve2d(δ, a) (erratum 13)", |a, d| errata::true_conv_kernel_grad_as_written(&m(a), &m(d)).0),
        kgrad("turned by 180°", |a, d| rot180(&correlate(a, d))),
        kgrad("averaged over δ's entries", |a, d| correlate(a, d) / d.len() as f64),
        kgrad("transposed", |a, d| correlate(a, d).t().to_owned()),
        kgrad("sign flipped", |a, d| -correlate(a, d)),
        // bias_grad
        bgrad("averaged", |d| d.mean().expect("entries")),
        bgrad("first row only", |d| d.row(0).sum()),
        bgrad("first column only", |d| d.column(0).sum()),
        bgrad("last row and column left out", |d| d.slice(s![..-1, ..-1]).sum()),
        bgrad("sign flipped", |d| -d.sum()),
        // conv_backward
        cb("dx: kernel not rotated", |x, w, dy, p| {
            let (_, dw, db) = conv::backward(x, w, dy, p);
            fn not_rotated(d: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
                let (kh, kw) = k.dim();
                correlate(&padded(d, kh - 1, kw - 1), k)
            }
            (conv_dx(dy, w, (x.dim().2, x.dim().3), p, not_rotated), dw, db)
        }),
        cb("dx: padding not cropped", |x, w, dy, p| {
            let (_, dw, db) = conv::backward(x, w, dy, p);
            let shape = (x.dim().2 + 2 * p, x.dim().3 + 2 * p);
            (conv_dx(dy, w, shape, 0, |d, k| conv::full_convolve(&m(d), &m(k)).0), dw, db)
        }),
        cb("dx: cropped at the top-left corner", |x, w, dy, p| {
            let (_, dw, db) = conv::backward(x, w, dy, p);
            (conv_dx(dy, w, (x.dim().2, x.dim().3), 0, |d, k| conv::full_convolve(&m(d), &m(k)).0), dw, db)
        }),
        cb("dx: channel ignored (kernel plane 1 for every channel)", |x, w, dy, p| {
            let (_, dw, db) = conv::backward(x, w, dy, p);
            let mut first = w.clone();
            for c in 1..w.dim().1 {
                let plane = w.slice(s![.., 0, .., ..]).to_owned();
                first.slice_mut(s![.., c, .., ..]).assign(&plane);
            }
            (conv_dx(dy, &first, (x.dim().2, x.dim().3), p, |d, k| conv::full_convolve(&m(d), &m(k)).0), dw, db)
        }),
        cb("dx divided by N", |x, w, dy, p| times(conv::backward(x, w, dy, p), [1.0 / samples(x), 1.0, 1.0])),
        cb("dw, db summed over the batch", |x, w, dy, p| {
            times(conv::backward(x, w, dy, p), [1.0, samples(x), samples(x)])
        }),
        cb("dw, db averaged over channels, not samples", |x, w, dy, p| {
            let by = samples(x) / x.dim().1 as f64;
            times(conv::backward(x, w, dy, p), [1.0, by, by])
        }),
        cb("db summed over the batch", |x, w, dy, p| times(conv::backward(x, w, dy, p), [1.0, 1.0, samples(x)])),
        cb("dw: convolve2d(δ, a) (erratum 13)", |x, w, dy, p| {
            let (dx, _, db) = conv::backward(x, w, dy, p);
            let mut dw = Array4::zeros(w.raw_dim());
            let (n_samples, channels, _, _) = x.dim();
            for n in 0..n_samples {
                for k in 0..w.dim().0 {
                    for c in 0..channels {
                        let a = padded(&x.slice(s![n, c, .., ..]).to_owned(), p, p);
                        let d = dy.slice(s![n, k, .., ..]).to_owned();
                        let part = errata::true_conv_kernel_grad_as_written(&m(&a), &m(&d)).0;
                        let mut target = dw.slice_mut(s![k, c, .., ..]);
                        target += &(part / n_samples as f64);
                    }
                }
            }
            (dx, dw, db)
        }),
        cb("sign flipped", |x, w, dy, p| times(conv::backward(x, w, dy, p), [-1.0; 3])),
        // conv_backward_strided
        cbs("δ not dilated (stride ignored)", |x, w, dy, g| {
            strided_by((x, w, dy, g), Widen::AsItIs, full_convolve, g.padding, correlate)
        }),
        cbs("dx: δ not dilated", |x, w, dy, g| {
            let (_, dw, db) = conv::backward_strided(x, w, dy, g);
            (strided_by((x, w, dy, g), Widen::AsItIs, full_convolve, g.padding, correlate).0, dw, db)
        }),
        cbs("dilated δ not filled up (the unread rows dropped)", |x, w, dy, g| {
            strided_by((x, w, dy, g), Widen::DilatedOnly, full_convolve, g.padding, correlate)
        }),
        cbs("zeros of the unread rows put at the top and left", |x, w, dy, g| {
            strided_by((x, w, dy, g), Widen::FilledAtTheStart, full_convolve, g.padding, correlate)
        }),
        cbs("dx: kernel not rotated", |x, w, dy, g| {
            fn not_rotated(d: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
                correlate(&padded(d, k.nrows() - 1, k.ncols() - 1), k)
            }
            strided_by((x, w, dy, g), Widen::Filled, not_rotated, g.padding, correlate)
        }),
        cbs("dx: padding not cropped", |x, w, dy, g| {
            strided_by((x, w, dy, g), Widen::Filled, full_convolve, 0, correlate)
        }),
        cbs("dx: cropped at the top-left corner", |x, w, dy, g| {
            let (full, dw, db) = strided_by((x, w, dy, g), Widen::Filled, full_convolve, 0, correlate);
            (full.slice(s![.., .., ..x.dim().2, ..x.dim().3]).to_owned(), dw, db)
        }),
        cbs("dw: convolve2d(δ̂, x̃) (erratum 13)", |x, w, dy, g| {
            fn flipped(a: &Array2<f64>, d: &Array2<f64>) -> Array2<f64> {
                errata::true_conv_kernel_grad_as_written(&m(a), &m(d)).0
            }
            strided_by((x, w, dy, g), Widen::Filled, full_convolve, g.padding, flipped)
        }),
        cbs("dx divided by N", |x, w, dy, g| times(conv::backward_strided(x, w, dy, g), [1.0 / samples(x), 1.0, 1.0])),
        cbs("dw, db summed over the batch", |x, w, dy, g| {
            times(conv::backward_strided(x, w, dy, g), [1.0, samples(x), samples(x)])
        }),
        cbs("db averaged over δ's entries too", |x, w, dy, g| {
            let entries = (dy.dim().2 * dy.dim().3) as f64;
            times(conv::backward_strided(x, w, dy, g), [1.0, 1.0, 1.0 / entries])
        }),
        cbs("sign flipped", |x, w, dy, g| times(conv::backward_strided(x, w, dy, g), [-1.0; 3])),
        // mean_pool_backward
        mean("not divided by k²", |dy, shape, k, s| mean_back(dy, shape, k, s, 1.0, false)),
        mean("divided by k, not k²", |dy, shape, k, s| mean_back(dy, shape, k, s, 1.0 / k as f64, false)),
        mean("assignment instead of +=", |dy, shape, k, s| mean_back(dy, shape, k, s, 1.0 / (k * k) as f64, true)),
        mean("stride ignored (windows assumed apart)", |dy, shape, k, _| {
            let mut dx = Array4::zeros(shape);
            for ((n, c, i, j), &g) in dy.indexed_iter() {
                let (r0, c0) = (i * k, j * k);
                for p in 0..k {
                    for q in 0..k {
                        if let Some(v) = dx.get_mut([n, c, r0 + p, c0 + q]) {
                            *v += g / (k * k) as f64;
                        }
                    }
                }
            }
            dx
        }),
        mean("stride-1-only code", |dy, shape, k, _| {
            let mut dx = Array4::zeros(shape);
            for ((n, c, i, j), &g) in dy.indexed_iter() {
                dx.slice_mut(s![n, c, i..i + k, j..j + k]).mapv_inplace(|v: f64| v + g / (k * k) as f64);
            }
            dx
        }),
        mean("hard-coded 2×2 windows", |dy, shape, _, s| mean_back(dy, shape, 2, s, 0.25, false)),
        mean("sign flipped", |dy, shape, k, s| -pool::mean_backward(dy, shape, k, s)),
        // max_pool_backward
        max("assignment instead of += (erratum 15)", errata::max_backward_assigning),
        max("row and column from H, not W", |dy, am| {
            let (_, _, h, w) = am.input_shape;
            let mut dx = Array4::zeros(am.input_shape);
            for ((n, c, i, j), &g) in dy.indexed_iter() {
                let k = am.index[[n, c, i, j]];
                let (r0, c0) = (k / h, k % h);
                if r0 < h && c0 < w {
                    dx[[n, c, r0, c0]] += g;
                }
            }
            dx
        }),
        max("row and column swapped", |dy, am| {
            let (_, _, h, w) = am.input_shape;
            let mut dx = Array4::zeros(am.input_shape);
            for ((n, c, i, j), &g) in dy.indexed_iter() {
                let (row, col) = am.position(n, c, i, j);
                if col < h && row < w {
                    dx[[n, c, col, row]] += g;
                }
            }
            dx
        }),
        max("sign flipped", |dy, am| -pool::max_backward(dy, am)),
        // relu_backward
        relu("gate missing", |da, _| da.clone()),
        relu("ReLU applied to the gradient", |da, _| da.mapv(|g| g.max(0.0))),
        relu("kink convention ReLU′(0) = 1", |da, z| {
            Zip::from(da).and(z).map_collect(|&g, &v| if v >= 0.0 { g } else { 0.0 })
        }),
        relu("ReLU′(0) = ½", |da, z| {
            Zip::from(da).and(z).map_collect(|&g, &v| {
                g * if v > 0.0 {
                    1.0
                } else if v == 0.0 {
                    0.5
                } else {
                    0.0
                }
            })
        }),
        relu("σ instead of σ′ (∂C/∂a ⊙ relu(z))", |da, z| da * &z.mapv(|v| v.max(0.0))),
        relu("sign flipped", |da, z| -Activation::Relu.backward(da, z)),
        // softmax_cross_entropy_grad
        soft("no stability shift", |z, labels| {
            let e = z.mapv(f64::exp);
            let p = &e / &e.sum_axis(Axis(0)).insert_axis(Axis(0));
            p - one_hot(labels, z.ncols())
        }),
        soft("sign flipped", |z, labels| one_hot(labels, z.ncols()) - loss::softmax(z)),
        soft("the notes' (y − p)/N", |z, labels| (one_hot(labels, z.ncols()) - loss::softmax(z)) / z.ncols() as f64),
        soft("divided by N", |z, labels| (loss::softmax(z) - one_hot(labels, z.ncols())) / z.ncols() as f64),
        soft("ReLU on the logits", |z, labels| loss::softmax(&z.mapv(|v| v.max(0.0))) - one_hot(labels, z.ncols())),
        soft("softmax over the samples, not the classes", |z, labels| {
            let t = z.t().to_owned();
            loss::softmax(&t).t().to_owned() - one_hot(labels, z.ncols())
        }),
        soft("y forgotten", |z, _| loss::softmax(z)),
        soft("label shifted by one", |z, labels| {
            let shifted: Vec<usize> = labels.iter().map(|&l| (l + 1) % 10).collect();
            loss::softmax(z) - one_hot(&shifted, z.ncols())
        }),
        // lenet_backward
        net("batch summed", |p, x, l| lenet_scaled(lenet_reference(p, x, l), samples(x))),
        net("mean pooling", |p, x, l| lenet_grads(Arch { pooling: Pooling::Mean, ..Arch::modern() }, p, x, l)),
        net("tanh for ReLU", |p, x, l| lenet_grads(Arch { activation: Activation::Tanh, ..Arch::modern() }, p, x, l)),
        net("bias gradients left at zero", |p, x, l| {
            let mut g = lenet_reference(p, x, l);
            for b in [&mut g.conv1_b, &mut g.conv2_b, &mut g.fc1_b, &mut g.fc2_b, &mut g.fc3_b] {
                b.fill(0.0);
            }
            g
        }),
        net("fully connected gradients averaged twice", |p, x, l| {
            let mut g = lenet_reference(p, x, l);
            let n = x.dim().0 as f64;
            for w in [&mut g.fc1_w, &mut g.fc2_w, &mut g.fc3_w] {
                *w /= n;
            }
            g
        }),
        net("conv1 left at zero", |p, x, l| {
            let mut g = lenet_reference(p, x, l);
            g.conv1_w.fill(0.0);
            g
        }),
        net("sign flipped", |p, x, l| lenet_scaled(lenet_reference(p, x, l), -1.0)),
    ]
}

/// Checks every variant of `exercises` on seeds 0..100 and the reference
/// on 0..300; returns the escapes (a variant that passed) and prints the
/// counts and the time.
fn run_mutants(exercises: &[&str]) -> Vec<String> {
    let start = Instant::now();
    let mutants = mutants();
    let mut escaped = Vec::new();
    let mut count = 0;
    for &exercise in exercises {
        let ours: Vec<&(&str, &str, Answers)> = mutants.iter().filter(|(e, _, _)| *e == exercise).collect();
        count += ours.len();
        let mut answers: Vec<Answers> = ours.iter().map(|(_, _, a)| *a).collect();
        answers.push(r());
        for seed in 0..300u64 {
            // The variants on 100 seeds, the reference on all 300.
            let set = if seed < 100 { &answers[..] } else { &answers[answers.len() - 1..] };
            let reports = check_each(exercise, set, seed).expect("a known exercise");
            let (reference, variants) = reports.split_last().expect("the reference's report");
            assert!(reference.passed(), "the reference fails at seed {seed}:\n{reference}");
            for ((_, name, _), report) in ours.iter().zip(variants) {
                if report.passed() {
                    escaped.push(format!("{exercise}: {name} passes at seed {seed}"));
                }
            }
        }
    }
    println!(
        "{count} wrong variants of {} exercises, each on 100 seeds, the reference on 300: {} escapes, {:.1} s",
        exercises.len(),
        escaped.len(),
        start.elapsed().as_secs_f64()
    );
    escaped
}

#[test]
fn there_are_at_least_60_variants_spread_over_every_exercise() {
    let mutants = mutants();
    assert!(mutants.len() >= 60, "only {} variants", mutants.len());
    for exercise in EXERCISES {
        let count = mutants.iter().filter(|(e, _, _)| *e == exercise).count();
        assert!(count >= 3, "{exercise} has {count} wrong variants, fewer than 3");
    }
}

// Two tests, so that the test harness runs LeNet's (the slowest) beside
// the others.
#[test]
fn every_wrong_layer_variant_fails_on_every_seed_and_the_reference_passes() {
    let layers: Vec<&str> = EXERCISES.into_iter().filter(|&e| e != "lenet_backward").collect();
    let escaped = run_mutants(&layers);
    assert!(escaped.is_empty(), "{} escapes:\n{}", escaped.len(), escaped.join("\n"));
}

#[test]
fn every_wrong_lenet_variant_fails_on_every_seed_and_the_reference_passes() {
    let escaped = run_mutants(&["lenet_backward"]);
    assert!(escaped.is_empty(), "{} escapes:\n{}", escaped.len(), escaped.join("\n"));
}
