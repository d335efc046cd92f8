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
// # 7. Your turn: write the derivations, get them checked
//
// *Working time: an afternoon. You will:*
// - *write the backward pass of each layer yourself, one function at a time;*
// - *run the checker on it, which compares your function with the crate's on
//   fresh random inputs and with finite differences;*
// - *read what it says when you get one wrong: where the worst entry is, and,
//   when your mistake is a known one, which one it is and where the book
//   explains it.*
//
// Each exercise below is two cells: a function to write, whose body is
// `todo!()`, and a cell that checks it. The checker never crashes: a function
// that still says `todo!()` is reported *not started*, one that panics is
// reported *panicked* with its message, one that returns the wrong shape names
// both shapes. When your answer is wrong in a way students (and the notes this
// book grew from) often get it wrong, the report names the mistake.
//
// The notebook is committed with the stubs unfilled, so every report below says
// *not started*. Fill one in, run its check cell again, and watch the report
// change. The same exercises, as a cargo crate with a command-line checker for
// coursework, come from `lenet course new DIR` (see `TEACHING.md`).

// %% [markdown]
// The first cell is the set-up every notebook starts with (the book's
// introduction explains it). `Answers::reference()` holds the crate's own
// functions; each check below replaces one of them by yours
// (`Answers { kernel_grad, ..Answers::reference() }`), so the others need not be
// written yet. The seed fixes the random inputs, so the reports here are the
// same on every run; change it to test your function on other inputs.

// %%
// :dep lenet = { path = "..", default-features = false }
// :preserve_vars_on_panic 0
// :cache 500
// :opt 0
use lenet::activation::Activation;
use lenet::course::{self, Answers};
use lenet::ndarray::{Array1, Array2, Array4};
let seed: u64 = 1;

// %% [markdown]
// ## What a report looks like
//
// First a wrong answer on purpose, so you know what to expect. This kernel
// gradient turns δ by 180° before correlating, as if the layer computed a true
// convolution, the slip of the notes' code (erratum 13):

// %%
fn kernel_grad_as_a_convolution(a: &Array2<f64>, delta: &Array2<f64>) -> Array2<f64> {
    let (m, n) = delta.dim();
    let turned = Array2::from_shape_fn((m, n), |(i, j)| delta[[m - 1 - i, n - 1 - j]]);
    lenet::conv::correlate_valid(&lenet::Matrix(a.clone()), &lenet::Matrix(turned)).0
}
course::check("kernel_grad", &Answers { kernel_grad: kernel_grad_as_a_convolution, ..Answers::reference() }, seed)
    .expect("an exercise")

// %% [markdown]
// The report gives the worst entry (counted from 1, as the book counts), the
// value expected and the value got, the finite-difference check, and the
// diagnosis with the book section that explains it.
//
// ## Fully connected layers (chapter 1)
//
// **The δ recursion.** Given $W^{l+1}$, $\delta^{l+1}$ (one column per sample) and
// $z^l$, return $\delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l)$.
// `act.derivative(z)` gives $\sigma'(z)$.

// %%
fn fc_backprop_delta(w_next: &Array2<f64>, delta_next: &Array2<f64>, z: &Array2<f64>, act: Activation) -> Array2<f64> {
    todo!("δ^l from δ^(l+1)")
}
course::check("fc_backprop_delta", &Answers { fc_backprop_delta, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// **The weight gradient.** Given δ (out × N) and the previous activations
// $a^{l-1}$ (in × N), return $\partial C/\partial W = \frac1N \sum_n \delta_n a_n^\top$
// (out × in): the batch average.

// %%
fn fc_weight_grad(delta: &Array2<f64>, a_prev: &Array2<f64>) -> Array2<f64> {
    todo!("∂C/∂W, averaged over the batch")
}
course::check("fc_weight_grad", &Answers { fc_weight_grad, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// ## Convolution (chapter 2)
//
// **The input gradient.** Given δ ($m\times n$) and the kernel $w$
// ($k_h\times k_w$), return the full convolution
// $(\delta \circledast w)_{ij} = \sum_{p,q} \delta_{pq}\, w_{i-p+1,\,j-q+1}$, of shape
// $(m+k_h-1)\times(n+k_w-1)$.

// %%
fn full_convolve(delta: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
    todo!("∂C/∂a")
}
course::check("full_convolve", &Answers { full_convolve, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// **The kernel gradient.** Given the input $a$ and δ, return
// $\partial C/\partial w_{uv} = \sum_{i,j} \delta_{ij}\, a_{i+u-1,\,j+v-1}$, which has the
// kernel's shape.

// %%
fn kernel_grad(a: &Array2<f64>, delta: &Array2<f64>) -> Array2<f64> {
    todo!("∂C/∂w")
}
course::check("kernel_grad", &Answers { kernel_grad, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// **The bias gradient.** One bias is added to every output of the map.

// %%
fn bias_grad(delta: &Array2<f64>) -> f64 {
    todo!("∂C/∂b")
}
course::check("bias_grad", &Answers { bias_grad, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// ## Pooling and ReLU (chapter 3)
//
// **Max pooling, backward.** Given the gradient $\partial C/\partial a$ at the pooled
// output and the positions of the maxima recorded on the way forward
// (`argmax.position(n, c, i, j)` gives the row and column, counted from 0, in
// the input), return $\partial C/\partial x$ of shape `argmax.input_shape`. Windows
// may overlap.

// %%
fn max_pool_backward(da: &Array4<f64>, argmax: &lenet::pool::Argmax) -> Array4<f64> {
    todo!("route each ∂C/∂a to its maximum")
}
course::check("max_pool_backward", &Answers { max_pool_backward, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// **Mean pooling, backward.** Given $\partial C/\partial a$, the input's shape, the
// window size $r$ and the stride $s$, return $\partial C/\partial x$: each input gets
// $1/r^2$ of the gradient of every window it is in.

// %%
fn mean_pool_backward(da: &Array4<f64>, input: (usize, usize, usize, usize), size: usize, stride: usize) -> Array4<f64> {
    todo!("share each ∂C/∂a over its window")
}
course::check("mean_pool_backward", &Answers { mean_pool_backward, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// **ReLU, backward.** Given $\partial C/\partial a$ and $z$, return $\delta = \partial C/\partial z$.

// %%
fn relu_backward(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    todo!("the gate")
}
course::check("relu_backward", &Answers { relu_backward, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// ## The loss (chapter 4)
//
// **Softmax cross-entropy.** Given the logits (10 × N) and the labels, return
// the per-sample $\delta = p - y$ at the logits ($p$ the softmax of each column,
// $y$ the one-hot label).

// %%
fn softmax_cross_entropy_grad(logits: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    todo!("p − y")
}
course::check("softmax_cross_entropy_grad", &Answers { softmax_cross_entropy_grad, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// ## LeNet-5 (chapter 5)
//
// **The whole backward pass.** Given the parameters, a batch of images
// (N×1×28×28) and the labels, return the batch-averaged gradients of every
// parameter of the modern LeNet-5 (ReLU, max pooling), as chapter 5 assembled
// them. Build it from your own functions above where you can; the checker
// compares every tensor with `LeNet::trace`.

// %%
fn lenet_backward(params: &lenet::model::Params<f64>, x: &Array4<f64>, labels: &[usize]) -> lenet::model::Params<f64> {
    todo!("chapter 5, by hand")
}
course::check("lenet_backward", &Answers { lenet_backward, ..Answers::reference() }, seed).expect("an exercise")

// %% [markdown]
// ## All at once
//
// `check_all` runs every exercise; `Reports` shows them as one table. Here with
// the crate's own answers, which is what a finished notebook looks like:

// %%
course::Reports(course::check_all(&Answers::reference(), seed))
