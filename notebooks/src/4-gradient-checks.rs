// -*- coding: utf-8 -*-
// ---
// jupyter:
//   jupytext:
//     text_representation:
//       extension: .rs
//       format_name: percent
//       format_version: '1.3'
//       jupytext_version: 1.19.7
//   kernelspec:
//     display_name: Rust
//     language: rust
//     name: rust
// ---

// %% [markdown]
// # 4. Checking gradients
//
// A derivation can look right and be wrong. The cure is to compare each analytic
// gradient with one computed without any calculus: nudge one input, see how the
// output moves. Chapter 1 used that check; this notebook looks at why it works and
// how to set it up, runs it on every layer of the crate, shows why the softmax
// is computed with a shift, and then turns it on the mistakes of the notes, each
// beside its fix. The check of the whole network against PyTorch waits for
// chapter 5, where LeNet-5 is assembled.
//
// *Reading time: about 30 minutes. You will:*
// - *choose the finite-difference step $h$ and read a relative error;*
// - *check every layer of the crate by finite differences, minding the batch
//   convention's factor $N$;*
// - *watch the softmax overflow on large logits, and see why subtracting the
//   largest one changes nothing but that;*
// - *run the notes' mistakes and watch each one fail the check its correction passes.*

// %% [markdown]
// The first code cell is the set-up every notebook starts with (the book's
// introduction explains it).

// %%
// :dep lenet-core = { path = "../lenet-core" }
// :preserve_vars_on_panic 0
// :cache 500
// :opt 0
use lenet_core::{conv, errata, fc, loss, pool, worked, Matrix};
use lenet_core::activation::Activation;
use lenet_core::gradcheck::{numerical_grad, rel_error};
use lenet_core::ndarray::{Array, Array1, Array2, Array4, ShapeBuilder};
use lenet_core::rng::Rng;
let mut rng = Rng::new(2024); // one seeded generator for every random value below

// %% [markdown]
// ## Finite differences
//
// For a scalar function $f$ of many variables, the **central difference**
//
// $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}$$
//
// has an error of order $h^2$ (the terms of odd order in the Taylor series cancel).
// But $f$ is computed in floating point, with a relative rounding error near
// $\varepsilon \approx 10^{-16}$, and dividing by $2h$ magnifies it to about
// $\varepsilon |f| / h$. So $h$ can be too large *and* too small. Here is the error
// for $f(x) = \sum_i \sin x_i$, whose gradient $\cos x_i$ we know exactly:

// %%
let x0 = Array1::from_vec(vec![0.3, -1.2, 2.0]);
for h in [1e-1, 1e-3, 1e-5, 1e-7, 1e-9, 1e-11] {
    let g = numerical_grad(&mut x0.clone(), h, |x| x.mapv(f64::sin).sum());
    println!("h = {h:.0e}   relative error {:.1e}", rel_error(&g, &x0.mapv(f64::cos)));
};

// %% [markdown]
// The error falls like $h^2$ down to about $h = 10^{-5}$, then rounding takes over.
// The measure, as in chapter 1, is the **relative error**, taken entry by entry and maximised,
//
// $$\max_i \frac{|x_i - y_i|}{\max(10^{-8},\, |x_i| + |y_i|)},$$
//
// so that large and small gradients are judged alike. In `f64`, a correct gradient
// gives $10^{-8}$ or less; the tests of this crate demand below $10^{-7}$. A
// wrong formula usually gives something near 1.
//
// One more trick makes a check strong: the test loss. To check a layer
// $z = g(x)$ we pick a fixed random $G$ and differentiate $L = \sum G \odot z$.
// Then $\partial L/\partial z = G$ exactly, so feeding $G$ as $\delta$ to the backward
// pass must reproduce the numerical $\partial L/\partial x$. That gradient is
// $J^\top G$, where $J$ is the **Jacobian** of the layer: the matrix of all partial
// derivatives $J_{ij} = \partial z_i/\partial x_j$, one row per output entry and one
// column per input entry. The check compares $J^\top G$, not $J$ entry by entry;
// but with a random $G$ a wrong entry of $J$ changes $J^\top G$ except by a
// coincidence of probability zero, whereas with $G$ all ones (the plain sum of
// $z$) errors can cancel.
//
// ## Every layer, checked
//
// The table below is filled one layer at a time. Each check uses a batch of two
// samples and random values from a seeded generator, so it repeats exactly. Recall
// the batch convention of the crate: δ and the input gradients are per sample,
// so they match $\partial L/\partial x$ of the summed test loss; weight and bias
// gradients are batch averages, so they match $\partial L/\partial W$ divided by $N$.

// %%
/// An error to one significant digit (exact agreement shows as 0).
fn short(err: f64) -> String {
    if err == 0.0 { "0".to_string() } else { format!("{err:.0e}") }
}
fn random<Sh: ShapeBuilder>(rng: &mut Rng, shape: Sh) -> Array<f64, Sh::Dim> {
    Array::from_shape_fn(shape, |_| rng.uniform_in(-1.0, 1.0))
}
let mut table: Vec<[String; 3]> = vec![["layer".into(), "gradient".into(), "relative error".into()]];
fn record(table: &mut Vec<[String; 3]>, layer: &str, grad: &str, err: f64) {
    table.push([layer.to_string(), grad.to_string(), short(err)]);
}

// %% [markdown]
// **Convolution** with 2 input channels, 3 kernels of 3×3 and one ring of zero
// padding. $L$ is linear in each argument, so the step can be large.

// %%
let (x, w, b) = (random(&mut rng, (2, 2, 5, 5)), random(&mut rng, (3, 2, 3, 3)), random(&mut rng, 3));
let g = random(&mut rng, (2, 3, 5, 5));
fn conv_l(x: &Array4<f64>, w: &Array4<f64>, b: &Array1<f64>, g: &Array4<f64>) -> f64 {
    (conv::forward(x, w, b, 1) * g).sum()
}
let (dx, dw, db) = conv::backward(&x, &w, &g, 1);
record(&mut table, "convolution", "∂C/∂x", rel_error(&dx, &numerical_grad(&mut x.clone(), 0.5, |v| conv_l(v, &w, &b, &g))));
record(&mut table, "convolution", "∂C/∂W", rel_error(&dw, &numerical_grad(&mut w.clone(), 0.5, |v| conv_l(&x, v, &b, &g) / 2.0)));
record(&mut table, "convolution", "∂C/∂b", rel_error(&db, &numerical_grad(&mut b.clone(), 0.5, |v| conv_l(&x, &w, v, &g) / 2.0)));

// %% [markdown]
// **Pooling**, mean and max, with separate and with overlapping windows. For max
// pooling the step must be smaller than the gap between a maximum and the
// runner-up, or the nudge would move the maximum.

// %%
let x = random(&mut rng, (2, 2, 6, 6));
for (size, stride) in [(2, 2), (3, 1)] {
    let g = random(&mut rng, pool::output_shape(x.dim(), size, stride));
    let dx = pool::mean_backward(&g, x.dim(), size, stride);
    let num = numerical_grad(&mut x.clone(), 0.5, |v| (pool::mean_forward(v, size, stride) * &g).sum());
    record(&mut table, &format!("mean pool {size}×{size}, stride {stride}"), "∂C/∂x", rel_error(&dx, &num));
    let (_, argmax) = pool::max_forward(&x, size, stride);
    let dx = pool::max_backward(&g, &argmax);
    let num = numerical_grad(&mut x.clone(), 1e-6, |v| (pool::max_forward(v, size, stride).0 * &g).sum());
    record(&mut table, &format!("max pool {size}×{size}, stride {stride}"), "∂C/∂x", rel_error(&dx, &num));
};

// %% [markdown]
// **Activations**, entry by entry. These are nonlinear, so the step is the usual
// $10^{-5}$; for ReLU no entry is within the step of the kink.

// %%
let z = random(&mut rng, (2, 3, 4, 4));
let g = random(&mut rng, (2, 3, 4, 4));
for act in [Activation::Relu, Activation::Sigmoid, Activation::Tanh] {
    let num = numerical_grad(&mut z.clone(), 1e-5, |v| (act.apply(v) * &g).sum());
    record(&mut table, act.name(), "∂C/∂z", rel_error(&act.backward(&g, &z), &num));
};

// %% [markdown]
// **Fully connected**, $z = Wa + b$ with 5 inputs, 4 outputs and 3 samples (one per
// column), then the two **losses** against their mean over the batch (the returned
// gradient is per sample, so it is $N$ times the mean's):

// %%
let (w, a, b) = (random(&mut rng, (4, 5)), random(&mut rng, (5, 3)), random(&mut rng, (4, 1)));
let g = random(&mut rng, (4, 3));
fn fc_l(w: &Array2<f64>, a: &Array2<f64>, b: &Array2<f64>, g: &Array2<f64>) -> f64 {
    (fc::forward(w, a, b).0 * g).sum()
}
record(&mut table, "fully connected", "∂C/∂W", rel_error(&fc::weight_grad(&g, &a).0, &numerical_grad(&mut w.clone(), 0.5, |v| fc_l(v, &a, &b, &g) / 3.0)));
record(&mut table, "fully connected", "∂C/∂b", rel_error(&fc::bias_grad(&g).0, &numerical_grad(&mut b.clone(), 0.5, |v| fc_l(&w, &a, v, &g) / 3.0)));
record(&mut table, "fully connected", "∂C/∂a", rel_error(&fc::input_grad(&w, &g).0, &numerical_grad(&mut a.clone(), 0.5, |v| fc_l(&w, v, &b, &g))));

// %%
let (out, target) = (random(&mut rng, (4, 3)), random(&mut rng, (4, 3)));
let num = numerical_grad(&mut out.clone(), 1e-5, |v| loss::mse(v, &target).0 * 3.0);
record(&mut table, "mean squared error", "∂C/∂a", rel_error(&loss::mse(&out, &target).1, &num));
let (logits, labels) = (random(&mut rng, (10, 3)), [3, 0, 7]);
let num = numerical_grad(&mut logits.clone(), 1e-5, |v| loss::softmax_cross_entropy(v, &labels).0 * 3.0);
record(&mut table, "softmax cross-entropy", "∂C/∂z", rel_error(&loss::softmax_cross_entropy(&logits, &labels).1, &num));
Matrix::from_rows(&table)

// %% [markdown]
// Every gradient agrees with its finite differences to better than $10^{-8}$.
// Convolution, mean pooling and the fully connected layer, which are linear in
// what is nudged, even agree to rounding level, because a large step has no
// truncation error there. Max pooling is linear too, but only between ties: its
// step must stay smaller than the gap to the runner-up, so it gets the small
// step's rounding error instead.
//
// Finite differences test a formula against its own forward pass. An
// independent check is a second implementation: chapter 5, once LeNet-5 is
// assembled from these layers, compares a whole forward and backward pass with
// PyTorch's, and shows there why PyTorch's input gradients are ours divided
// by $N$.
//
// ## Softmax without overflow
//
// The last row of the table checks the softmax, $p_j = e^{z_j} / \sum_i e^{z_i}$,
// followed by cross-entropy (the end of this chapter derives its gradient,
// $p - y$). Computed as written, the softmax breaks on large logits: $e^z$ exceeds
// the largest `f64`, about $1.8 \times 10^{308}$, once $z > 709.8$, so a logit of
// 1000 makes numerator and denominator infinite, and $\infty / \infty$ is NaN
// ("not a number"). The crate subtracts the column's largest logit $m$ first.
// That changes nothing mathematically: for any constant $c$,
//
// $$\frac{e^{z_j - c}}{\sum_i e^{z_i - c}} = \frac{e^{-c}\, e^{z_j}}{e^{-c} \sum_i e^{z_i}} = \frac{e^{z_j}}{\sum_i e^{z_i}},$$
//
// so $\mathrm{softmax}(z - c) = \mathrm{softmax}(z)$. With $c = m$ every exponent
// is at most 0 and the largest term is exactly 1, so the sum lies between 1 and
// the number of classes: nothing overflows and nothing is divided by zero. The
// loss takes the same shift inside its logarithm,
// $\ln \sum_i e^{z_i} = m + \ln \sum_i e^{z_i - m}$ (the **log-sum-exp**). The crate
// keeps the formula without the shift, `loss::softmax_unshifted`, only to show
// the difference:

// %%
let big: Array2<f64> = Array2::from_shape_vec((3, 1), vec![1000.0, 999.0, 998.0]).expect("3 logits");
let naive = loss::softmax_unshifted(&big);
println!("unshifted softmax of (1000, 999, 998): {:?}", naive.column(0).to_vec());
println!("  its loss for label 0, −ln p:         {}", -naive[[0, 0]].ln());
println!("shifted softmax of (1000, 999, 998):   {:.6}", loss::softmax(&big).column(0));
println!("  its loss for label 0:                {:.6}", loss::softmax_cross_entropy(&big, &[0]).0);
println!("softmax of (2, 1, 0):                  {:.6}", loss::softmax(&(&big - 998.0)).column(0));
println!("ln(1 + e⁻¹ + e⁻²):                     {:.6}", (1.0 + (-1f64).exp() + (-2f64).exp()).ln());

// %% [markdown]
// Without the shift every probability is NaN, and so is the loss; a NaN loss
// would reach every gradient of the backward pass and, through the update,
// every weight. With it the probabilities are those of the logits $(2, 1, 0)$,
// which differ from $(1000, 999, 998)$ by the constant 998, and the loss of
// label 0, the largest logit ($z_t = m$), is
// $m + \ln \sum_i e^{z_i - m} - z_t = \ln(1 + e^{-1} + e^{-2})$, as the log-sum-exp says.

// %% [markdown]
// ## The errata of the notes, each failing its check
//
// The notes that this project follows contain mistakes (the book's
// [appendix](errata.md) lists them all).
// The module `errata` implements the runnable ones *as written*, so the same
// checks can show each one failing next to the corrected version. A tiny helper
// prints the verdict with the threshold the tests use:

// %%
fn verdict(what: &str, err: f64) {
    let mark = if err < 1e-7 { "passes" } else { "FAILS " };
    println!("{mark}  {what:<46} relative error {}", short(err));
}

// %% [markdown]
// **Errata 1 and 2: the output error and the weight gradient.** The notes write
// $\delta^L = (a^L - y)\odot\sigma^l(z^l)$ and $\partial C/\partial W^l = \delta^L (a^{L-1})^\top$,
// mixing the layer indices. Taken literally, with a 2→2→2 sigmoid network so that
// the shapes even fit:

// %%
let sig = Activation::Sigmoid;
let (w1, b1) = (random(&mut rng, (2, 2)), random(&mut rng, (2, 1)));
let (w2, b2) = (random(&mut rng, (2, 2)), random(&mut rng, (2, 1)));
let (xin, y) = (random(&mut rng, (2, 1)), random(&mut rng, (2, 1)));
let z1 = fc::forward(&w1, &xin, &b1).0;
let a1 = sig.apply(&z1);
let z2 = fc::forward(&w2, &a1, &b2).0;
let a2 = sig.apply(&z2);
let num_dz2 = numerical_grad(&mut z2.clone(), 1e-5, |z| loss::mse(&sig.apply(z), &y).0);
verdict("δ^L with σ′(z^l) of the hidden layer (as written)", rel_error(&errata::output_delta_as_written(&a2, &y, &z1, sig).0, &num_dz2));
verdict("δ^L = (a^L − y) ⊙ σ′(z^L)", rel_error(&fc::output_delta(&(&a2 - &y), &z2, sig).0, &num_dz2));

// %%
let num_dw1 = numerical_grad(&mut w1.clone(), 1e-5, |w| {
    let a1 = sig.apply(&fc::forward(w, &xin, &b1).0);
    loss::mse(&sig.apply(&fc::forward(&w2, &a1, &b2).0), &y).0
});
let delta2 = fc::output_delta(&(&a2 - &y), &z2, sig).0;
let delta1 = fc::backprop_delta(&w2, &delta2, &z1, sig).0;
verdict("∂C/∂W¹ = δ^L (a^{L−1})ᵀ (as written)", rel_error(&errata::weight_grad_as_written(&delta2, &a1).0, &num_dw1));
verdict("∂C/∂W¹ = δ¹ (a⁰)ᵀ", rel_error(&fc::weight_grad(&delta1, &xin).0, &num_dw1));

// %% [markdown]
// **Errata 6 and 7: the kernel gradient of the worked example.** The notes' formula
// for $\partial C/\partial W_{21}$ ends in $a_{33}\delta_{22}$, and the fourth line is
// labelled $W_{12}$ again. The formulas as written, against the ones the code derives:

// %%
let derived = worked::symbols().kernel_grad();
println!("as written: ∂C/∂W₂₁ = {}", errata::kernel_grad_w21_as_written());
println!("derived:    ∂C/∂W₂₁ = {}", derived[(1, 0)]);

// %% [markdown]
// Evaluated on the numbers of the example, and compared with finite differences
// of $C = \sum \delta \odot z$ with respect to the kernel:

// %%
let ex = worked::numbers();
let (a_num, w_num, d_num) = (ex.a.map(|&v| v as f64), ex.w.map(|&v| v as f64), ex.delta.map(|&v| v as f64));
let num_dw = numerical_grad(&mut w_num.0.clone(), 0.5, |w| (conv::correlate_valid(&a_num, &Matrix(w.clone())).0 * &d_num.0).sum());
let as_labelled = errata::kernel_grad_as_labelled().map(|f| f.eval(worked::value));
verdict("∂C/∂W filled in by the notes' lines", rel_error(&as_labelled.0, &num_dw));
verdict("∂C/∂W = correlate_valid(a, δ)", rel_error(&derived.map(|f| f.eval(worked::value)).0, &num_dw));

// %% [markdown]
// **Erratum 8: the δ recursion of a convolution layer.** The notes write
// $\delta^l = \delta^{l+1} * \mathrm{rot180}(W^{l+1})$. Read as a valid correlation of the
// unpadded δ it does not even have the input's shape; with the padding but without
// the factor $\sigma'(z^l)$ it is $\partial C/\partial a^l$, not $\partial C/\partial z^l$.
// Here $a^l = \tanh(z^l)$ is 3×3 and the kernel 2×2:

// %%
let tanh = Activation::Tanh;
let (zl, kern, dnext) = (random(&mut rng, (3, 3)), random(&mut rng, (2, 2)), random(&mut rng, (2, 2)));
let num_dz = numerical_grad(&mut zl.clone(), 1e-5, |z| {
    (conv::correlate_valid(&Matrix(tanh.apply(z)), &Matrix(kern.clone())).0 * &dnext).sum()
});
let (dn, k) = (Matrix(dnext.clone()), Matrix(kern.clone()));
println!("as written: a {:?} result for a 3×3 input", errata::delta_as_written(&dn, &k).dim());
verdict("δ^l = full_convolve(δ^{l+1}, W) without σ′", rel_error(&errata::delta_without_activation(&dn, &k).0, &num_dz));
verdict("δ^l = full_convolve(δ^{l+1}, W) ⊙ σ′(z^l)", rel_error(&errata::delta_corrected(&dn, &k, &Matrix(tanh.derivative(&zl))).0, &num_dz));

// %% [markdown]
// **Errata 9 and 13: true convolution in the code.** The notes' code computes the
// forward pass with scipy's `convolve2d`, which turns the kernel, but takes the
// kernel gradient as `convolve2d(δ, a)`. For a true convolution the kernel
// gradient is the correlation turned back, $\mathrm{rot180}(a \star \delta)$:

// %%
let (a5, w3, d3) = (Matrix(random(&mut rng, (5, 5))), Matrix(random(&mut rng, (3, 3))), Matrix(random(&mut rng, (3, 3))));
let num = numerical_grad(&mut w3.0.clone(), 0.5, |w| (errata::convolve2d_valid(&a5, &Matrix(w.clone())).0 * &d3.0).sum());
verdict("convolve2d(δ, a) (as written)", rel_error(&errata::true_conv_kernel_grad_as_written(&a5, &d3).0, &num));
verdict("rot180(correlate_valid(a, δ))", rel_error(&errata::true_conv_kernel_grad(&a5, &d3).0, &num));

// %% [markdown]
// **Erratum 12: the convolution forward loop.** The notes' loop adds each 2-D
// result into the *whole* output array (numpy broadcasting) and loops over the
// kernels' channel count instead of the number of kernels. With one sample, one
// channel and one kernel that goes unnoticed; with two samples, two channels and
// three kernels it does not:

// %%
let (xb, wb) = (random(&mut rng, (1, 1, 5, 5)), random(&mut rng, (1, 1, 3, 3)));
verdict("1 sample, 1 channel, 1 kernel (as written)", rel_error(&errata::conv_forward_as_written(&xb, &wb), &errata::true_conv_forward(&xb, &wb)));
let (xb, wb) = (random(&mut rng, (2, 2, 5, 5)), random(&mut rng, (3, 2, 3, 3)));
verdict("2 samples, 2 channels, 3 kernels (as written)", rel_error(&errata::conv_forward_as_written(&xb, &wb), &errata::true_conv_forward(&xb, &wb)));

// %% [markdown]
// **Erratum 15: max pooling must add, not assign.** A backward pass that writes
// the gradient $\partial C/\partial a$ into the recorded maximum instead of adding it is right while windows do not
// overlap and wrong as soon as they do:

// %%
let xp = random(&mut rng, (1, 1, 6, 6));
for (size, stride) in [(2, 2), (2, 1)] {
    let g = random(&mut rng, pool::output_shape(xp.dim(), size, stride));
    let (_, argmax) = pool::max_forward(&xp, size, stride);
    let num = numerical_grad(&mut xp.clone(), 1e-6, |v| (pool::max_forward(v, size, stride).0 * &g).sum());
    verdict(&format!("assigning, stride {stride}"), rel_error(&errata::max_backward_assigning(&g, &argmax), &num));
    verdict(&format!("adding, stride {stride}"), rel_error(&pool::max_backward(&g, &argmax), &num));
};

// %% [markdown]
// **Erratum 11: the sign of the output error.** The notes' code trains with
// softmax cross-entropy and a "δ" of $(y - p)/N$, the *negative* of the gradient
// $\partial \bar C/\partial z_n = (p_n - y_n)/N$ of the mean loss; it then *adds* it to the
// weights. The gradient check exposes the sign at once:

// %%
let (lz, lab) = (random(&mut rng, (10, 4)), [1, 4, 4, 9]);
let onehot = Array2::from_shape_fn((10, 4), |(i, n)| if i == lab[n] { 1.0 } else { 0.0 });
let num = numerical_grad(&mut lz.clone(), 1e-5, |z| loss::softmax_cross_entropy(z, &lab).0);
verdict("(y − p)/N (as written)", rel_error(&errata::softmax_delta_as_written(&loss::softmax(&lz), &onehot), &num));
verdict("(p − y)/N", rel_error(&(loss::softmax_cross_entropy(&lz, &lab).1 / 4.0), &num));

// %% [markdown]
// The two sign slips cancel: `W += lr · δ aᵀ` with that δ is the ordinary descent
// step $W - \eta\,\partial C/\partial W$. So the code trains, but its δ is not the
// $\delta$ of the text.

// %%
let (wf, af) = (random(&mut rng, (10, 6)), random(&mut rng, (6, 4)));
let zf = fc::forward(&wf, &af, &Array2::zeros((10, 1))).0;
let delta_notes = errata::softmax_delta_as_written(&loss::softmax(&zf), &Array2::from_shape_fn((10, 4), |(i, n)| if i == lab[n] { 1.0 } else { 0.0 }));
let mut descent = wf.clone();
fc::sgd_step(&mut descent, &fc::weight_grad(&loss::softmax_cross_entropy(&zf, &lab).1, &af).0, 0.1);
verdict("W += lr·δ aᵀ equals W − lr·∂C/∂W", rel_error(&errata::fc_update_as_written(&wf, &af, &delta_notes, 0.1), &descent));

// %% [markdown]
// **Erratum 16: ReLU on the logits.** The notes' network applies ReLU to the
// logits before the softmax. For a sample whose ten logits are all negative, ReLU
// makes them all zero: the softmax is uniform, the loss is stuck at $\ln 10$, and
// the gate lets no gradient through, so nothing below can learn from that sample.

// %%
let z_out = Array2::from_shape_vec((10, 1), vec![-0.3, -1.2, -0.8, -2.0, -0.1, -0.6, -1.5, -0.4, -0.9, -0.2]).expect("10 logits");
let relu = Activation::Relu;
let (c, g) = loss::softmax_cross_entropy(&relu.apply(&z_out), &[4]);
let dz_out = relu.backward(&g, &z_out);
println!("softmax: {:?}", loss::softmax(&relu.apply(&z_out)).column(0).to_vec());
println!("loss {c:.4} (ln 10 = {:.4}); largest |∂C/∂z| reaching the logits: {}", 10f64.ln(),
         dz_out.iter().fold(0.0f64, |m, &v| m.max(f64::abs(v))));

// %% [markdown]
// > [!NOTE]
// > **Gradient checks in one box.** Central difference,
// > $\partial f/\partial x_i \approx \big(f(x + he_i) - f(x - he_i)\big)/(2h)$, error of order $h^2$ plus
// > rounding of order $\varepsilon|f|/h$: take $h \approx 10^{-5}$ in `f64`, or any $h$ for a
// > function linear in $x$. Judge by the relative error, entry by entry; below
// > $10^{-7}$ passes. Check a layer through the test loss $L = \sum G \odot z$ with a
// > random $G$: it compares $J^\top G$, in which a wrong entry of the Jacobian
// > shows almost surely. Compute the softmax of $z - \max_i z_i$: the same
// > numbers, without overflow. Mind the batch convention
// > when comparing with another library: a factor $N$ is a convention, not a bug.
//
// > [!TIP]
// > **Try it.** Re-run the step-size table with the function computed in `f32`:
// > replace the closure by `|x| x.mapv(|v| (v as f32).sin() as f64).sum()`.
// > Rounding is now about $10^{-7}$ instead of $10^{-16}$, so it takes over at a
// > much larger $h$ and the best relative error is far worse: that is why every
// > check in this book runs in `f64`.
