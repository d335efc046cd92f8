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
// # 5. LeNet by hand: one digit forward and backward
//
// *Reading time: about 30 minutes. You will:*
// - *assemble LeNet-5 from the layer functions of chapters 1–3 and push one real
//   digit through it, watching the shape at every step;*
// - *run the whole backward pass yourself, one rule per line: softmax
//   cross-entropy, the fully connected δ recursion, un-flattening, max-pool
//   routing, ReLU's gate and the convolution's full convolution;*
// - *check every tensor against the crate's readable network `LeNet::trace`
//   (exact equality), and the whole pass against PyTorch, where a factor $N$
//   appears;*
// - *measure why backpropagation beats finite differences.*
//
// Nothing here is new mathematics: LeNet-5 is the layers of the earlier chapters
// in a row. What is new is the bookkeeping, and doing it once by hand is what
// makes the training code of chapter 6 readable.
//
// | layer | computation | output per image |
// |---|---|---|
// | input | one grey-level image | 1×28×28 |
// | conv1 | 6 kernels 1×5×5, zero padding 2, ReLU | 6×28×28 |
// | pool1 | max over 2×2 windows, stride 2 | 6×14×14 |
// | conv2 | 16 kernels 6×5×5, no padding, ReLU | 16×10×10 |
// | pool2 | max over 2×2 windows, stride 2 | 16×5×5 |
// | flatten | the 16×5×5 maps as one column | 400 |
// | fc1, fc2 | $z = Wa + b$, ReLU | 120, then 84 |
// | fc3 | $z = Wa + b$: the logits, then softmax cross-entropy | 10 |
//
// This is LeNet-5 as it is usually built today, not exactly the network of
// LeCun, Bottou, Bengio and Haffner (1998). It keeps that network's plan: two
// convolutions with 6 and then 16 kernels of 5×5, each followed by 2×2
// subsampling, then 120, 84 and 10 units; the padding of 2 gives the 28×28
// digits the 32×32 frame the original took as input. It drops four things. In
// 1998 each of the 16 maps of the second convolution read only 3, 4 or 6 of the
// 6 maps before it, not all of them; each subsampling unit multiplied the sum of
// its window by a trainable coefficient and added a trainable bias before a
// squashing function; the squashing function was a scaled tanh,
// $1.7159\tanh(2x/3)$; and the 10 outputs were radial basis function units, each
// measuring the squared distance of the 84 values of the layer before to a fixed
// pattern, instead of logits and a softmax. The crate's "classic" network
// (`Arch::classic()`) brings back only the tanh (unscaled) and the averaging of
// each window; the "modern" one used here has ReLU and max pooling. Both are
// fully connected between maps and end in softmax cross-entropy.

// %% [markdown]
// The first cell is the set-up every notebook starts with (the book's
// introduction explains its lines), plus `serde_json` to read the PyTorch
// reference values. The network's weights are the seeded random
// start of training, so nothing here depends on chapter 6: backpropagation works
// the same on a network that knows nothing yet.

// %%
// :dep lenet = { path = "..", default-features = false }
// :preserve_vars_on_panic 0
// :cache 500
// :opt 0
// :dep serde_json = "1"
use lenet::{conv, fc, loss, pool};
use lenet::activation::Activation;
use lenet::data::{self, Source};
use lenet::gradcheck::rel_error;
use lenet::model::{Arch, LeNet, Params};
use lenet::ndarray::{Array1, Array2, Array4, ArrayD, Axis, IxDyn};
let split = data::load(&Source::Embedded).expect("the embedded digits");
let net = LeNet::<f64>::new(Arch::modern(), 1); // seeded He initialisation, untrained
let p: Params<f64> = net.params.clone();
let (x, labels) = split.test.batch::<f64>(&[0]); // the first test digit, as a batch of one
/// A shape without its batch axis, as the table above writes it.
fn shape(dims: &[usize]) -> String {
    let per_sample = if dims.len() == 4 { &dims[1..] } else { &dims[..1] };
    per_sample.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")
}
/// A bias vector as the one-column matrix the fc functions add.
fn column(b: &Array1<f64>) -> Array2<f64> {
    b.clone().insert_axis(Axis(1))
}
println!("the digit: {} (label {})", shape(x.shape()), labels[0]);

// %% [markdown]
// ## Forward, layer by layer
//
// Every line is one function from an earlier chapter: `conv::forward` (chapter 2:
// a valid correlation per kernel, summed over input channels, plus the bias),
// `Activation::apply` (chapter 3), `pool::max_forward`, which also records where
// each maximum was (chapter 3), and `fc::forward` (chapter 1). Between the last
// pooling and the first fully connected layer, *flatten* reads the 16×5×5 maps
// as one column of 400 numbers, channel by channel, row by row.

// %%
let relu = Activation::Relu;
let conv1_z = conv::forward(&x, &p.conv1_w, &p.conv1_b, 2);
let conv1_a = relu.apply(&conv1_z);
let (pool1, argmax1) = pool::max_forward(&conv1_a, 2, 2);
let conv2_z = conv::forward(&pool1, &p.conv2_w, &p.conv2_b, 0);
let conv2_a = relu.apply(&conv2_z);
let (pool2, argmax2) = pool::max_forward(&conv2_a, 2, 2);
let flat: Array2<f64> = pool2.clone().into_shape_with_order((1, 400)).expect("16×5×5 = 400").t().to_owned();
let fc1_z = fc::forward(&p.fc1_w, &flat, &column(&p.fc1_b)).0;
let fc1_a = relu.apply(&fc1_z);
let fc2_z = fc::forward(&p.fc2_w, &fc1_a, &column(&p.fc2_b)).0;
let fc2_a = relu.apply(&fc2_z);
let logits = fc::forward(&p.fc3_w, &fc2_a, &column(&p.fc3_b)).0;
/// A two-column table: name and shape per sample.
fn shapes(rows: &[(&str, &[usize])]) -> lenet::Matrix<String> {
    lenet::Matrix::from_fn(rows.len(), 2, |r, c| if c == 0 { rows[r].0.to_string() } else { shape(rows[r].1) })
}
shapes(&[
    ("input x", x.shape()), ("conv1 z, a", conv1_z.shape()), ("pool1", pool1.shape()),
    ("conv2 z, a", conv2_z.shape()), ("pool2", pool2.shape()), ("flatten", flat.shape()),
    ("fc1 z, a", fc1_z.shape()), ("fc2 z, a", fc2_z.shape()), ("fc3 (logits)", logits.shape()),
])

// %% [markdown]
// The loss: softmax turns the ten logits into probabilities $p$, and the
// cross-entropy is $C = -\log p_{\text{label}}$. The untrained network's
// probabilities are arbitrary, far from the one-hot label, so the backward pass
// has plenty to correct.

// %%
let (cost, delta_fc3) = loss::softmax_cross_entropy(&logits, &labels);
println!("C = {cost:.4}");
println!("p = {:.2}", loss::softmax(&logits).column(0));

// %% [markdown]
// ## Backward, layer by layer
//
// `softmax_cross_entropy` already returned the first δ: at the logits
// $\delta = p - y$ ([chapter 4](gradient-checks.md#the-gradient-of-softmax-cross-entropy) derives it). From there each line undoes one
// line of the forward pass, in reverse order:
//
// | forward step | backward step | rule |
// |---|---|---|
// | $z = Wa + b$, then ReLU | `fc::backprop_delta` | $\delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l)$ |
// | flatten | `fc::input_grad`, then reshape | $\partial C/\partial a = W^\top \delta$ (no $\sigma'$: pooling has no activation) |
// | max pool | `pool::max_backward` | each $\partial C/\partial a$ of the pooled map goes to its window's recorded maximum |
// | ReLU | `Activation::backward` | $\delta = \partial C/\partial a \odot \sigma'(z)$: the gate |
// | convolution | `conv::backward` | $\partial C/\partial a^{l}_c = \sum_k \delta_k \circledast w_{k,c}$; $\partial C/\partial w_{k,c} = a_c \star \delta_k$ |
//
// Names follow the book's notation: `delta_*` is $\delta = \partial C/\partial z$,
// `dcost_d*` is $\partial C/\partial a$ at a layer's output (the names of `LeNet::trace`), `dc_d*` a parameter gradient.

// %%
let delta_fc2 = fc::backprop_delta(&p.fc3_w, &delta_fc3, &fc2_z, relu).0;
let delta_fc1 = fc::backprop_delta(&p.fc2_w, &delta_fc2, &fc1_z, relu).0;
let dcost_dflat = fc::input_grad(&p.fc1_w, &delta_fc1).0;
let dcost_dpool2: Array4<f64> = dcost_dflat.t().as_standard_layout().into_owned()
    .into_shape_with_order((1, 16, 5, 5)).expect("400 = 16×5×5");
let dcost_dconv2_a = pool::max_backward(&dcost_dpool2, &argmax2);
let delta_conv2 = relu.backward(&dcost_dconv2_a, &conv2_z);
let (dcost_dpool1, dc_dconv2_w, dc_dconv2_b) = conv::backward(&pool1, &p.conv2_w, &delta_conv2, 0);
let dcost_dconv1_a = pool::max_backward(&dcost_dpool1, &argmax1);
let delta_conv1 = relu.backward(&dcost_dconv1_a, &conv1_z);
let (_, dc_dconv1_w, dc_dconv1_b) = conv::backward(&x, &p.conv1_w, &delta_conv1, 2);
let (dc_dfc1_w, dc_dfc2_w, dc_dfc3_w) = (fc::weight_grad(&delta_fc1, &flat).0,
    fc::weight_grad(&delta_fc2, &fc1_a).0, fc::weight_grad(&delta_fc3, &fc2_a).0);
let (dc_dfc1_b, dc_dfc2_b, dc_dfc3_b) = (fc::bias_grad(&delta_fc1).0.column(0).to_owned(),
    fc::bias_grad(&delta_fc2).0.column(0).to_owned(), fc::bias_grad(&delta_fc3).0.column(0).to_owned());
shapes(&[
    ("δ fc3", delta_fc3.shape()), ("δ fc2", delta_fc2.shape()), ("δ fc1", delta_fc1.shape()),
    ("∂C/∂ flatten", dcost_dflat.shape()), ("∂C/∂ pool2", dcost_dpool2.shape()), ("δ conv2", delta_conv2.shape()),
    ("∂C/∂ pool1", dcost_dpool1.shape()), ("δ conv1", delta_conv1.shape()),
])

// %% [markdown]
// Each δ has the shape of the $z$ it belongs to, and each parameter gradient the
// shape of its parameter (the check below compares every one with the crate's).
// ## The same numbers as the crate's network
//
// `LeNet::trace` is the crate's readable network: the same forward and backward
// pass in one function (its code closes this chapter of the book), keeping every intermediate
// value. Done by hand with the same functions in the same order, every tensor
// must be *equal*, not merely close:

// %%
let t = net.trace(&x, &labels);
let checks = [
    ("conv1 z", conv1_z == t.conv1_z), ("conv1 a", conv1_a == t.conv1_a), ("pool1", pool1 == t.pool1),
    ("conv2 z", conv2_z == t.conv2_z), ("conv2 a", conv2_a == t.conv2_a), ("pool2", pool2 == t.pool2),
    ("flatten", flat == t.flat), ("fc1 z", fc1_z == t.fc1_z), ("fc1 a", fc1_a == t.fc1_a),
    ("fc2 z", fc2_z == t.fc2_z), ("fc2 a", fc2_a == t.fc2_a), ("logits", logits == t.logits),
    ("δ fc3", delta_fc3 == t.delta_fc3), ("δ fc2", delta_fc2 == t.delta_fc2), ("δ fc1", delta_fc1 == t.delta_fc1),
    ("∂C/∂ pool2", dcost_dpool2 == t.dcost_dpool2), ("δ conv2", delta_conv2 == t.delta_conv2),
    ("∂C/∂ pool1", dcost_dpool1 == t.dcost_dpool1), ("δ conv1", delta_conv1 == t.delta_conv1),
    ("∂C/∂ conv1 w", dc_dconv1_w == t.grads.conv1_w), ("∂C/∂ conv1 b", dc_dconv1_b == t.grads.conv1_b),
    ("∂C/∂ conv2 w", dc_dconv2_w == t.grads.conv2_w), ("∂C/∂ conv2 b", dc_dconv2_b == t.grads.conv2_b),
    ("∂C/∂ fc1 W", dc_dfc1_w == t.grads.fc1_w), ("∂C/∂ fc1 b", dc_dfc1_b == t.grads.fc1_b),
    ("∂C/∂ fc2 W", dc_dfc2_w == t.grads.fc2_w), ("∂C/∂ fc2 b", dc_dfc2_b == t.grads.fc2_b),
    ("∂C/∂ fc3 W", dc_dfc3_w == t.grads.fc3_w), ("∂C/∂ fc3 b", dc_dfc3_b == t.grads.fc3_b),
    ("C", cost == t.loss),
];
println!("all {} equal: {}", checks.len(), checks.iter().all(|(_, e)| *e));
lenet::Matrix::from_fn(checks.len(), 2, |r, c| {
    if c == 0 { checks[r].0.to_string() } else if checks[r].1 { "equal".to_string() } else { "DIFFERENT".to_string() }
})

// %% [markdown]
// ## The same numbers as PyTorch's
//
// Equality with `LeNet::trace` checks the bookkeeping, not the mathematics: the
// cells and the crate call the same functions, so they would share a wrong
// formula. Chapter 4 checked each of those functions by finite differences,
// which test a formula against its own forward pass. An independent check is a
// second implementation: `tools/torch_reference.py` ran a whole LeNet-5 forward
// and backward pass in PyTorch, in `float64`, on a batch of three random images
// with random labels, and saved inputs, parameters, outputs and gradients in
// `tests/fixtures/torch_reference.json` (with a case for every kind of layer,
// which the crate's tests compare too). Here we load the LeNet case and run it
// through the crate's network.

// %%
let fixture: serde_json::Value = serde_json::from_str(
    &std::fs::read_to_string("../tests/fixtures/torch_reference.json").expect("fixture file"),
).expect("fixture JSON");
fn tensor(v: &serde_json::Value) -> ArrayD<f64> {
    let shape: Vec<usize> = serde_json::from_value(v["shape"].clone()).expect("shape");
    let data: Vec<f64> = serde_json::from_value(v["data"].clone()).expect("data");
    ArrayD::from_shape_vec(IxDyn(&shape), data).expect("data fills shape")
}
let case = fixture["lenet"].clone();
let torch_x: Array4<f64> = tensor(&case["x"]).into_dimensionality().expect("x is 4-D");
let torch_labels: Vec<usize> = serde_json::from_value(case["labels"].clone()).expect("labels");
(torch_x.dim(), torch_labels.clone())

// %% [markdown]
// PyTorch names the tensors `conv1.weight`, `conv1.bias`, …; the crate calls them
// `conv1_w`, `conv1_b`, …, with the same shapes and layouts. The reference network
// uses ReLU and max pooling, the crate's `Arch::modern()`, as here.

// %%
fn torch_name(ours: &str) -> String {
    ours.replace("_w", ".weight").replace("_b", ".bias")
}
/// An error to one significant digit (exact agreement shows as 0).
fn short(err: f64) -> String {
    if err == 0.0 { "0".to_string() } else { format!("{err:.0e}") }
}
let mut torch_params = Params::<f64>::lenet_zeros();
for (name, mut t) in torch_params.tensors_mut() {
    t.assign(&tensor(&case["params"][torch_name(name)]));
};
let torch_net = LeNet::from_params(Arch::modern(), torch_params).expect("LeNet shapes");
let step = torch_net.readable_loss_and_grads(&torch_x, &torch_labels);
println!("loss: ours {:.12}, PyTorch {:.12}", step.loss, case["loss"].as_f64().expect("loss"));

// %%
let mut torch_table = vec![["tensor".to_string(), "relative error to PyTorch".to_string()]];
for (name, grad) in step.grads.tensors() {
    let err = rel_error(&grad, &tensor(&case["grads"][torch_name(name)]));
    torch_table.push([format!("∂C/∂{name}"), short(err)]);
};
lenet::Matrix::from_rows(&torch_table)

// %% [markdown]
// All ten gradients of a whole LeNet-5 pass, computed by composing the layer
// functions of chapters 1–3, agree with PyTorch to better than $10^{-10}$: two
// independent implementations, one set of numbers.
//
// ### One batch convention, and PyTorch's
//
// This book keeps δ **per sample**: $\delta_n = \partial C_n/\partial z_n$ for each
// sample's own loss $C_n$, and the gradient of a sample's input is per sample
// too. Only parameter gradients, which every sample shares, are **averaged** over
// the batch: $\partial \bar C/\partial W = \frac1N \sum_n \delta_n a_n^\top$. PyTorch
// differentiates the mean loss $\bar C = \frac1N\sum_n C_n$ instead, so every gradient it
// returns carries the $\frac1N$: for the parameters that is the same average, for
// the input images it is our per-sample gradient divided by $N$. With the
// reference batch of $N = 3$ images, the input gradient is one more
// `conv::backward` from δ at conv1, the step the cells above skipped:

// %%
let torch_trace = torch_net.trace(&torch_x, &torch_labels);
let (dx_ours, _, _) = conv::backward(&torch_x, &torch_net.params.conv1_w, &torch_trace.delta_conv1, 2);
let dx_torch: Array4<f64> = tensor(&case["dx"]).into_dimensionality().expect("dx is 4-D");
println!("∂C/∂x, ours against PyTorch:     relative error {}", short(rel_error(&dx_ours, &dx_torch)));
println!("∂C/∂x, ours / N against PyTorch: relative error {}", short(rel_error(&(&dx_ours / 3.0), &dx_torch)));

// %% [markdown]
// ## Why backpropagation: what it costs
//
// A finite-difference check needs two forward passes per parameter (a nudge up
// and a nudge down). LeNet-5 has $P$ = 61,706 parameters, so checking all of
// them costs $2P$ forward passes, while one backward pass gives all $P$ gradients
// for about the price of a few forward passes. Timed here on this digit (the
// numbers change from run to run and machine to machine; the notebook tests do
// not compare them):

// %% tags=["nbval-ignore-output"]
fn cost_of(p: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> f64 {
    let relu = Activation::Relu;
    let (s1, _) = pool::max_forward(&relu.apply(&conv::forward(x, &p.conv1_w, &p.conv1_b, 2)), 2, 2);
    let (s2, _) = pool::max_forward(&relu.apply(&conv::forward(&s1, &p.conv2_w, &p.conv2_b, 0)), 2, 2);
    let flat = s2.into_shape_with_order((1, 400)).expect("16×5×5 = 400").t().to_owned();
    let a1 = relu.apply(&fc::forward(&p.fc1_w, &flat, &column(&p.fc1_b)).0);
    let a2 = relu.apply(&fc::forward(&p.fc2_w, &a1, &column(&p.fc2_b)).0);
    loss::softmax_cross_entropy(&fc::forward(&p.fc3_w, &a2, &column(&p.fc3_b)).0, labels).0
}
let runs = 4;
let start = std::time::Instant::now();
for _ in 0..runs { cost_of(&p, &x, &labels); }
let forward = start.elapsed().as_secs_f64() / runs as f64;
let start = std::time::Instant::now();
for _ in 0..runs { net.trace(&x, &labels); }
let backprop = start.elapsed().as_secs_f64() / runs as f64;
let params = p.len();
println!("P = {params} parameters");
println!("one forward pass: {:.1} ms; forward + backward (all P gradients): {:.1} ms, {:.1} forward passes' worth",
         1e3 * forward, 1e3 * backprop, backprop / forward);
println!("finite differences for all P: 2P forward passes = {:.0} s, {:.0} times as long",
         2.0 * params as f64 * forward, 2.0 * params as f64 * forward / backprop);

// %% [markdown]
// The two agree where they should: a central difference of `cost_of` for one
// weight of conv1 and one of fc3 gives the entries backpropagation found.

// %%
fn nudged(p: &Params<f64>, x: &Array4<f64>, labels: &[usize], which: usize, at: usize, h: f64) -> f64 {
    let mut q = p.clone();
    let (_, mut t) = q.tensors_mut().into_iter().nth(which).expect("a tensor");
    *t.iter_mut().nth(at).expect("an entry") += h; // entry `at` in row-major order
    cost_of(&q, x, labels)
}
for (which, name, at, analytic) in [(0, "conv1_w", 7, dc_dconv1_w.iter().nth(7).copied().expect("entry 7")),
                                    (8, "fc3_w", 100, dc_dfc3_w.iter().nth(100).copied().expect("entry 100"))] {
    let h = 1e-5;
    let numeric = (nudged(&p, &x, &labels, which, at, h) - nudged(&p, &x, &labels, which, at, -h)) / (2.0 * h);
    println!("{name}[{at}]: backprop {analytic:.6e}, finite difference {numeric:.6e}, relative error {:.0e}",
             (analytic - numeric).abs() / (analytic.abs() + numeric.abs()));
};

// %% [markdown]
// > [!NOTE]
// > **LeNet's backward pass in one box.** At the logits $\delta = p - y$. Through
// > a fully connected layer $\delta^l = \big((W^{l+1})^\top\delta^{l+1}\big) \odot \sigma'(z^l)$,
// > with $\partial C/\partial W^l = \delta^l (a^{l-1})^\top$ and $\partial C/\partial b^l = \delta^l$.
// > Flatten and un-flatten only reshape. Max pooling sends each $\partial C/\partial a$ of its output
// > to its window's maximum, adding where windows overlap. ReLU multiplies by
// > $\sigma'(z) \in \{0, 1\}$. A convolution sends back $\sum_k \delta_k \circledast w_{k,c}$
// > and reads $\partial C/\partial w_{k,c} = a_c \star \delta_k$, $\partial C/\partial b_k = \sum \delta_k$.
//
// > [!TIP]
// > **Try it.** Make one mistake in the backward pass and let the check find it:
// > compute `delta_fc2` with `fc::input_grad(&p.fc3_w, &delta_fc3).0` instead of
// > `fc::backprop_delta` (forgetting $\sigma'$), and every tensor from δ fc2 down is
// > reported as different. Then swap in the classic LeNet: build the network with
// > `LeNet::<f64>::new(Arch::classic(), 1)`, which uses tanh and mean pooling, and
// > replace `relu` by `Activation::Tanh`, `pool::max_forward(&a, 2, 2)` by
// > `pool::mean_forward(&a, 2, 2)` and `pool::max_backward(&g, &argmax)` by
// > `pool::mean_backward(&g, a.dim(), 2, 2)`: the equality check must hold again.
