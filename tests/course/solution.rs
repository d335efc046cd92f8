//! A correct answer to every exercise, written as a student must: with
//! ndarray, the forward passes and the types `lenet-course-api` offers, and
//! none of lenet's backward functions. Each body replaces its stub's
//! `todo!("NAME")` (see `placeholder.rs`); `lenet_backward` is assembled
//! from the crate's own functions, as its stub asks.

/// The body of exercise `name`'s function.
pub fn body(name: &str) -> &'static str {
    match name {
        "fc_forward" => "w.dot(a) + b",
        "fc_backprop_delta" => "w_next.t().dot(delta_next) * act.derivative(z)",
        "fc_weight_grad" => "delta.dot(&a_prev.t()) / delta.ncols() as f64",
        "fc_bias_grad" => {
            "delta.sum_axis(lenet::ndarray::Axis(1)).insert_axis(lenet::ndarray::Axis(1)) / delta.ncols() as f64"
        }
        "correlate_valid" => {
            "{
            let (kh, kw) = w.dim();
            Array2::from_shape_fn((a.nrows() - kh + 1, a.ncols() - kw + 1), |(i, j)| {
                (a.slice(lenet::ndarray::s![i..i + kh, j..j + kw]).to_owned() * w).sum()
            })
        }"
        }
        "full_convolve" => {
            "{
            let (m, n) = delta.dim();
            let (kh, kw) = w.dim();
            let mut da = Array2::zeros((m + kh - 1, n + kw - 1));
            for ((i, j), &d) in delta.indexed_iter() {
                let mut window = da.slice_mut(lenet::ndarray::s![i..i + kh, j..j + kw]);
                window.scaled_add(d, w);
            }
            da
        }"
        }
        "kernel_grad" => "correlate_valid(a, delta)",
        "bias_grad" => "delta.sum()",
        "conv_backward" => {
            "{
            use lenet::ndarray::s;
            let (n_samples, channels, h, wd) = x.dim();
            let kernels = w.dim().0;
            let p = padding;
            let mut dx = Array4::zeros(x.raw_dim());
            let mut dw = Array4::zeros(w.raw_dim());
            let mut db = Array1::zeros(kernels);
            for n in 0..n_samples {
                for c in 0..channels {
                    let mut xp = Array2::zeros((h + 2 * p, wd + 2 * p));
                    xp.slice_mut(s![p..p + h, p..p + wd]).assign(&x.slice(s![n, c, .., ..]));
                    for k in 0..kernels {
                        let d = dy.slice(s![n, k, .., ..]).to_owned();
                        let full = full_convolve(&d, &w.slice(s![k, c, .., ..]).to_owned());
                        let mut target = dx.slice_mut(s![n, c, .., ..]);
                        target += &full.slice(s![p..p + h, p..p + wd]);
                        let mut g = dw.slice_mut(s![k, c, .., ..]);
                        g += &(kernel_grad(&xp, &d) / n_samples as f64);
                    }
                }
                for k in 0..kernels {
                    db[k] += bias_grad(&dy.slice(s![n, k, .., ..]).to_owned()) / n_samples as f64;
                }
            }
            (dx, dw, db)
        }"
        }
        "conv_backward_strided" => {
            "{
            use lenet::ndarray::s;
            let (n_samples, channels, h, wd) = x.dim();
            let (kernels, _, kh, kw) = w.dim();
            let (st, p) = (g.stride, g.padding);
            let mut dx = Array4::zeros(x.raw_dim());
            let mut dw = Array4::zeros(w.raw_dim());
            let mut db = Array1::zeros(kernels);
            for n in 0..n_samples {
                for k in 0..kernels {
                    let d = dy.slice(s![n, k, .., ..]).to_owned();
                    // δ dilated by S − 1 zeros and filled up to the unit-stride output.
                    let mut wide = Array2::zeros((h + 2 * p - kh + 1, wd + 2 * p - kw + 1));
                    wide.slice_mut(s![..;st, ..;st]).assign(&d);
                    db[k] += bias_grad(&d) / n_samples as f64;
                    for c in 0..channels {
                        let full = full_convolve(&wide, &w.slice(s![k, c, .., ..]).to_owned());
                        let mut target = dx.slice_mut(s![n, c, .., ..]);
                        target += &full.slice(s![p..p + h, p..p + wd]);
                        let mut xp = Array2::zeros((h + 2 * p, wd + 2 * p));
                        xp.slice_mut(s![p..p + h, p..p + wd]).assign(&x.slice(s![n, c, .., ..]));
                        let mut gw = dw.slice_mut(s![k, c, .., ..]);
                        gw += &(kernel_grad(&xp, &wide) / n_samples as f64);
                    }
                }
            }
            (dx, dw, db)
        }"
        }
        "mean_pool_backward" => {
            "{
            let mut dx = Array4::zeros(input_shape);
            let share = 1.0 / (size * size) as f64;
            for ((n, c, i, j), &g) in da.indexed_iter() {
                let mut window = dx.slice_mut(lenet::ndarray::s![n, c, i * stride..i * stride + size, j * stride..j * stride + size]);
                window += g * share;
            }
            dx
        }"
        }
        "max_pool_backward" => {
            "{
            let mut dx = Array4::zeros(argmax.input_shape);
            for ((n, c, i, j), &g) in da.indexed_iter() {
                let (r, q) = argmax.position(n, c, i, j);
                dx[[n, c, r, q]] += g;
            }
            dx
        }"
        }
        "relu_backward" => {
            "lenet::ndarray::Zip::from(grad_a).and(z).map_collect(|&g, &v| if v > 0.0 { g } else { 0.0 })"
        }
        "softmax_cross_entropy_grad" => {
            "{
            let mut delta = logits.clone();
            for (n, mut col) in delta.columns_mut().into_iter().enumerate() {
                let m = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                col.mapv_inplace(|z| (z - m).exp());
                let s = col.sum();
                col.mapv_inplace(|e| e / s);
                col[labels[n]] -= 1.0;
            }
            delta
        }"
        }
        "lenet_backward" => ASSEMBLED,
        other => panic!("{other} is not an exercise"),
    }
}

/// `lenet_backward` as its stub asks: LeNet-5 (ReLU, max pooling) assembled
/// from the crate's own functions, lenet's forward passes and ndarray.
const ASSEMBLED: &str = "{
    use crate::{activation::relu_backward, conv::conv_backward, fc, loss, pool::max_pool_backward};
    use lenet::activation::Activation::Relu;
    use lenet::ndarray::{Array1, Array2, Axis};
    let n = x.dim().0;
    let column = |b: &Array1<f64>| b.view().insert_axis(Axis(1)).to_owned();
    let bias = |g: Array2<f64>| g.column(0).to_owned();
    // Forward, keeping what the backward pass needs.
    let z1 = lenet::conv::forward(x, &params.conv1_w, &params.conv1_b, 2);
    let (p1, arg1) = lenet::pool::max_forward(&Relu.apply(&z1), 2, 2);
    let z2 = lenet::conv::forward(&p1, &params.conv2_w, &params.conv2_b, 0);
    let (p2, arg2) = lenet::pool::max_forward(&Relu.apply(&z2), 2, 2);
    let rows = p2.as_standard_layout().into_owned().into_shape_with_order((n, 400)).unwrap();
    let flat = rows.t().to_owned();
    let z3 = fc::fc_forward(&params.fc1_w, &flat, &column(&params.fc1_b));
    let a3 = Relu.apply(&z3);
    let z4 = fc::fc_forward(&params.fc2_w, &a3, &column(&params.fc2_b));
    let a4 = Relu.apply(&z4);
    let z5 = fc::fc_forward(&params.fc3_w, &a4, &column(&params.fc3_b));
    // Backward: δ per sample, parameter gradients averaged.
    let d5 = loss::softmax_cross_entropy_grad(&z5, labels);
    let d4 = fc::fc_backprop_delta(&params.fc3_w, &d5, &z4, Relu);
    let d3 = fc::fc_backprop_delta(&params.fc2_w, &d4, &z3, Relu);
    let grad_flat = params.fc1_w.t().dot(&d3); // no activation between pool2 and fc1
    let grad_p2 = grad_flat.t().as_standard_layout().into_owned().into_shape_with_order((n, 16, 5, 5)).unwrap();
    let d2 = relu_backward(&max_pool_backward(&grad_p2, &arg2), &z2);
    let (grad_p1, conv2_w, conv2_b) = conv_backward(&p1, &params.conv2_w, &d2, 0);
    let d1 = relu_backward(&max_pool_backward(&grad_p1, &arg1), &z1);
    let (_, conv1_w, conv1_b) = conv_backward(x, &params.conv1_w, &d1, 2);
    Params {
        conv1_w,
        conv1_b,
        conv2_w,
        conv2_b,
        fc1_w: fc::fc_weight_grad(&d3, &flat),
        fc1_b: bias(fc::fc_bias_grad(&d3)),
        fc2_w: fc::fc_weight_grad(&d4, &a3),
        fc2_b: bias(fc::fc_bias_grad(&d4)),
        fc3_w: fc::fc_weight_grad(&d5, &a4),
        fc3_b: bias(fc::fc_bias_grad(&d5)),
    }
}";
