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
// # 3. Pooling and ReLU: layers without weights that route the gradient
//
// Pooling and ReLU learn nothing: they have no parameters to update. Their whole
// backward pass is to decide **where the gradient goes**. Pooling shrinks a
// feature map, so each output's gradient has to be shared out among several
// inputs; ReLU keeps the shape, and lets the gradient through or stops it.
//
// Neither layer has a pre-activation of its own, so what flows through them is a
// gradient with respect to their output, $\partial C/\partial a$ (the book writes
// $a$ for a layer's output, pooling's too, and keeps $y$ for the one-hot
// label); ReLU's backward pass is what turns $\partial C/\partial a$ into
// $\delta = \partial C/\partial z$.
//
// *Reading time: about 25 minutes. You will:*
// - *derive the backward pass of mean and max pooling, with separate and with
//   overlapping windows, and see where each gradient lands;*
// - *see why max pooling must record its maxima, and why overlapping windows
//   must add rather than assign;*
// - *derive ReLU's backward pass, a gate, and check everything by finite differences.*
//
// Batches are 4-D arrays in NCHW order (sample, channel, row, column). Here a
// batch of one sample with one channel, so one plane, which `plane` turns into a
// `Matrix` for display.

// %% [markdown]
// The first code cell is the set-up every notebook starts with (the book's
// introduction explains it).

// %%
// :dep lenet-core = { path = "../lenet-core" }
// :preserve_vars_on_panic 0
// :cache 500
// :opt 0
use lenet_core::Matrix;
use lenet_core::gradcheck::{numerical_grad, rel_error};
use lenet_core::ndarray::{array, s, Array4};
use lenet_core::plots::{heatmap_grid, Panel};
use lenet_core::pool;
/// Plane (0, 0) of a batch as a matrix (adding 0.0 shows a −0 as 0).
fn plane(t: &Array4<f64>) -> Matrix<f64> {
    Matrix::from_view(t.slice(s![0, 0, .., ..])).map(|&v| v + 0.0)
}
// The 4×4 input used throughout: one sample, one channel (the same as `lenet explain pool`).
let x: Array4<f64> = lenet_core::worked::pool_input();

// %%
plane(&x)

// %% [markdown]
// ## Mean pooling spreads the gradient evenly
//
// An $r\times r$ window moving in steps of $s$ (here $r = s = 2$) replaces each block by
// its mean (indices from 1, as everywhere in the book; $u, v$ are offsets inside the window):
//
// $$a_{ij} = \frac{1}{r^2} \sum_{u=1}^{r}\sum_{v=1}^{r} x_{(i-1)s+u,\; (j-1)s+v}$$

// %%
let a_mean = pool::mean_forward(&x, 2, 2);
plane(&a_mean)

// %% [markdown]
// Every input of a window moves the mean by $1/r^2$ of its own change, so
// $\partial a_{ij}/\partial x_{pq} = 1/r^2$ inside the window and $0$ outside. Going
// back, each output hands **a quarter of its gradient** $g_{ij} = \partial C/\partial a_{ij}$
// to each of its four inputs:
//
// $$\frac{\partial C}{\partial x_{pq}} = \sum_{\text{windows } (i,j) \ni (p,q)} \frac{g_{ij}}{r^2}$$
//
// The gradient arriving from the layer above, $g$ (`da` in the code):

// %%
let da: Array4<f64> = lenet_core::worked::pool_output_grad();
let dx_mean = pool::mean_backward(&da, x.dim(), 2, 2);
plane(&dx_mean)

// %% [markdown]
// The total is kept: what reaches the inputs adds up to what left the outputs.

// %%
(da.sum(), dx_mean.sum())

// %% [markdown]
// A check by finite differences of $C = \sum_{ij} g_{ij} a_{ij}$ (linear in
// $x$, so a big step is exact up to rounding):

// %%
let dx_num = numerical_grad(&mut x.clone(), 0.5, |v| (pool::mean_forward(v, 2, 2) * &da).sum());
rel_error(&dx_num, &dx_mean)

// %% [markdown]
// ## Max pooling routes the gradient to the recorded maxima
//
// Max pooling keeps the largest entry of each window. Inside a window only that
// entry moves the output (a small change of any other entry changes nothing), so
// its derivative is $1$ there and $0$ everywhere else. The backward pass must know
// **where** each maximum was, so the forward pass records it (`Argmax`).
// When two entries tie for the maximum, the output has no derivative there
// (nudged up, either one moves the output; nudged down, neither does); the crate breaks the tie by giving
// the whole gradient to the first maximum in row-major order, one valid choice
// among the subgradients. Chapter 4's finite differences keep their step
// smaller than the gap to the runner-up, so that no nudge crosses a tie.

// %%
let (a_max, argmax) = pool::max_forward(&x, 2, 2);
plane(&a_max)

// %% [markdown]
// Where each maximum was, as (row, column) of $x$ counted from 1 like the
// formulas (`Argmax::position` counts from 0, as Rust indexes):

// %%
for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
    let (r, c) = argmax.position(0, 0, i, j);
    println!("window ({}, {}): maximum {} at x({}, {})", i + 1, j + 1, a_max[[0, 0, i, j]], r + 1, c + 1);
};

// %% [markdown]
// Each $g_{ij}$ goes, whole, to the position of its window's maximum; the other
// three inputs of the window get nothing.

// %%
let dx_max = pool::max_backward(&da, &argmax);
plane(&dx_max)

// %% [markdown]
// As pictures: the input (the maxima are the darkest square of each 2×2 block),
// the gradient $g$ arriving at the pooled output, and where it lands. Red is positive, blue
// negative, white zero.

// %%
heatmap_grid(
    "Max pooling, 2×2 windows, stride 2",
    &[
        Panel::new("input x", x.slice(s![0, 0, .., ..])),
        Panel::new("∂C/∂a arriving", da.slice(s![0, 0, .., ..])),
        Panel::new("∂C/∂x routed back", dx_max.slice(s![0, 0, .., ..])),
    ],
    3,
)

// %%
let dx_num = numerical_grad(&mut x.clone(), 1e-3, |v| (pool::max_forward(v, 2, 2).0 * &da).sum());
rel_error(&dx_num, &dx_max)

// %% [markdown]
// (The finite-difference step must stay smaller than the gap between a maximum and
// the runner-up of its window, or the perturbation would move the maximum.)
//
// ## Overlapping windows
//
// With a stride smaller than the window, windows overlap and one input can be the
// maximum of several of them. Then it receives the gradient of **each** of those
// windows, their sum. Here 2×2 windows move by 1 over the 4×4 input, giving 3×3
// outputs, and every output sends back a gradient of 1:

// %%
let (a_overlap, arg_overlap) = pool::max_forward(&x, 2, 1);
plane(&a_overlap)

// %%
let ones = Array4::<f64>::ones(a_overlap.raw_dim());
let dx_overlap = pool::max_backward(&ones, &arg_overlap);
plane(&dx_overlap)

// %% [markdown]
// The 8 at $x(2, 3)$ is the maximum of four windows, so it collects four gradients.
// A backward pass that *assigned* the gradient to the maximum instead of *adding* it would
// write 1 there and lose three of them; that slip is invisible with
// non-overlapping windows, where every input belongs to one window only. The
// finite-difference check catches it:

// %%
let dx_num = numerical_grad(&mut x.clone(), 1e-3, |v| (pool::max_forward(v, 2, 1).0 * &ones).sum());
rel_error(&dx_num, &dx_overlap)

// %%
heatmap_grid(
    "Overlapping max pooling, 2×2 windows, stride 1",
    &[
        Panel::new("input x", x.slice(s![0, 0, .., ..])),
        Panel::new("how many windows chose it", dx_overlap.slice(s![0, 0, .., ..])),
    ],
    2,
)

// %% [markdown]
// ## ReLU's gate
//
// ReLU keeps positive numbers and replaces negative ones by zero,
// $\sigma(z) = \max(0, z)$. Its derivative is $1$ where $z > 0$ and $0$ where $z < 0$
// (at the kink $z = 0$ there is none; like PyTorch we use $0$). So its backward pass
// $\delta = \partial C/\partial z = \partial C/\partial a \odot \sigma'(z)$ is a **gate**: the
// gradient passes unchanged where the input was positive and is stopped where it was not.

// %%
use lenet_core::activation::Activation;
let z: Array4<f64> = array![[[
    [0.5, -1.0, 2.0, -0.3],
    [-2.0, 1.5, -0.5, 0.8],
    [1.0, -0.7, 0.2, -1.2],
    [-0.1, 0.9, -1.5, 3.0],
]]];
let relu = Activation::Relu;
plane(&relu.apply(&z))

// %%
plane(&relu.derivative(&z))

// %% [markdown]
// A gradient $\partial C/\partial a$ arriving from above, and what gets through the gate, δ:

// %%
let da: Array4<f64> = array![[[
    [1.0, 2.0, -1.0, 0.5],
    [-0.5, 1.0, 2.0, -2.0],
    [0.3, 1.5, -1.0, 1.0],
    [2.0, -1.0, 0.5, -0.5],
]]];
let dz = relu.backward(&da, &z);
plane(&dz)

// %%
heatmap_grid(
    "ReLU lets the gradient through where z > 0",
    &[
        Panel::new("z", z.slice(s![0, 0, .., ..])),
        Panel::new("∂C/∂a arriving", da.slice(s![0, 0, .., ..])),
        Panel::new("δ = ∂C/∂z passed on", dz.slice(s![0, 0, .., ..])),
    ],
    3,
)

// %% [markdown]
// The check by finite differences works as long as the step does not carry an
// entry across the kink (the smallest $|z|$ here is 0.1):

// %%
let dz_num = numerical_grad(&mut z.clone(), 1e-3, |v| (relu.apply(v) * &da).sum());
rel_error(&dz_num, &dz)

// %% [markdown]
// The gate is closed where $z \le 0$, whatever the signs of the neuron's inputs:
// there no gradient passes to the weights before it. A neuron whose $z$ is at
// or below zero for every sample gets no gradient at all. That is why the notes' network,
// which puts a ReLU on the logits (the last layer's outputs, one score per
// class, before softmax turns them into probabilities) before the softmax, can
// stop learning: a sample
// whose logits are all negative gives a uniform softmax and a zero gradient.

// %% [markdown]
// > [!NOTE]
// > **Pooling and ReLU in one box.** Neither has parameters; each only routes the gradient.
// >
// > - Mean pooling: every input of a window gets $g_{ij}/r^2$ of that window's gradient.
// > - Max pooling: each window's gradient goes whole to the maximum recorded on the
// >   way forward; the others get 0.
// > - Where windows overlap, an input *adds* the gradients of all its windows.
// > - ReLU: $\delta = \partial C/\partial a \odot \sigma'(z)$ with $\sigma'(z) = 1$ for $z > 0$, else 0.
//
// > [!TIP]
// > **Try it.** Use 3×3 windows with stride 1 (`pool::max_forward(&x, 3, 1)`) and
// > count how many windows each entry wins. Then write the *assigning* backward
// > pass yourself (set, do not add, the gradient at each maximum) and watch the
// > finite-difference check fail: it is erratum 15 of the notes, run in chapter 4.
