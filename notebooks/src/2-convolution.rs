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
// # 2. Convolution: forward, backward, and the formulas behind them
//
// A convolution layer slides a small kernel $w$ over its input $a$ and, at each
// position, multiplies the overlapping entries and adds them up. What deep-learning
// libraries call *convolution* is, strictly, a **valid cross-correlation**: the
// kernel is not flipped, and only positions where it fits entirely are kept.
//
// $$z_{ij} = \sum_{u=1}^{k_h}\sum_{v=1}^{k_w} a_{i+u-1,\,j+v-1}\, w_{uv}$$
//
// Indices start at 1, as in the notes' worked example: $z_{11}$ uses the kernel
// laid on the top-left corner of $a$. For an $n_h\times n_w$ input and a
// $k_h\times k_w$ kernel the output is $(n_h-k_h+1)\times(n_w-k_w+1)$.
//
// This notebook follows the 3×3 input / 2×2 kernel example of the notes: first
// with numbers, then with symbols, so that the formulas of the notes come out of
// the very functions that compute the numbers. Every result is a `Matrix`, which
// the notebook shows as a table.
//
// *Reading time: about 45 minutes. You will:*
// - *warm up in one dimension, on 5 numbers and 3 weights: the forward pass, the
//   input gradient as a full convolution with the flipped kernel, and the kernel
//   gradient as a valid correlation;*
// - *derive the input gradient of a convolution as a full convolution (padded δ,
//   kernel turned by 180°) and the kernel gradient as a valid correlation;*
// - *watch the crate's functions print the nine formulas of $\partial C/\partial a$
//   and the four of $\partial C/\partial w$ from symbols;*
// - *put the pieces together into the δ recursion of a convolution layer, with
//   several channels and the activation's $\sigma'$, and check it.*
//
// *Padding, stride and the matrix view of convolution have a section of their
// own, [2.1](convolution-stride.md), which builds on this one.*

// %% [markdown]
// The first code cell is the set-up every notebook starts with (the book's
// introduction explains it).

// %%
// :dep lenet-core = { path = "../lenet-core" }
// :preserve_vars_on_panic 0
// :cache 500
// :opt 0
use lenet_core::{Matrix, Sym};
use lenet_core::conv::{bias_grad, correlate_valid, full_convolve, input_grad, kernel_grad, one_d, pad, rot180};
use lenet_core::gradcheck::{numerical_grad, rel_error};
use lenet_core::worked;
let ex = worked::numbers(); // the notes' example with small integers

// %% [markdown]
// ## Warm-up: convolution in one dimension
//
// The three operations of this chapter with one index instead of two. An input of
// 5 numbers $a_1, \dots, a_5$ and a kernel of 3 weights $w_1, w_2, w_3$ give 3
// outputs, one per position where the kernel fits:
//
// $$z_i = \sum_{u=1}^{3} a_{i+u-1}\, w_u, \qquad i = 1, 2, 3.$$

// %%
let ex1 = worked::one_d_numbers();
println!("a = {:?}, w = {:?}", ex1.a, ex1.w);
println!("z = {:?}", ex1.forward());

// %% [markdown]
// Backward, with the error $\delta = \partial C/\partial z$ of the three outputs
// given. **The input gradient.** $a_j$ appears in $z_i$ where $i + u - 1 = j$,
// multiplied by the weight $w_{j-i+1}$. By the chain rule it collects $\delta_i$
// times that weight from every output it took part in:
//
// $$\frac{\partial C}{\partial a_j} = \sum_i \delta_i\, w_{j-i+1},$$
//
// over the $i$ for which $1 \le j-i+1 \le 3$. Along the sum, as the δ index $i$
// rises, the weight index $j-i+1$ falls: δ meets the kernel **flipped**,
// $(w_3, w_2, w_1)$. So $\partial C/\partial a$ is the flipped kernel slid over δ
// padded with 2 zeros on each side, which lets it reach $a_1$ and $a_5$ too. That
// is the **full convolution**.
//
// **The kernel gradient.** $w_u$ multiplied $a_{i+u-1}$ in every output $z_i$, so
//
// $$\frac{\partial C}{\partial w_u} = \sum_i \delta_i\, a_{i+u-1}:$$
//
// δ slides over $a$ as if it were the kernel, a **valid correlation**, with no
// padding and no flip.

// %%
println!("δ = {:?}", ex1.delta);
println!("∂C/∂a = {:?}", ex1.input_grad());
println!("∂C/∂w = {:?}", ex1.kernel_grad());

// %% [markdown]
// The same functions on symbols print the formulas (the `Sym` type, explained
// below, is a number that remembers how it was computed):

// %%
let s1 = worked::one_d_symbols();
for (j, f) in s1.input_grad().iter().enumerate() {
    println!("∂C/∂{} = {f}", Sym::indexed("a", &[j + 1]));
}
for (p, f) in s1.kernel_grad().iter().enumerate() {
    println!("∂C/∂{} = {f}", Sym::indexed("w", &[p + 1]));
};

// %% [markdown]
// Both agree with finite differences of $C = \sum_i \delta_i z_i$, a loss whose
// gradient at $z$ is exactly δ (this check is explained with the 2-D example
// below):

// %%
let n1 = ex1.to_f64();
fn c1(a: &[f64], w: &[f64], delta: &[f64]) -> f64 {
    one_d::correlate_valid(a, w).iter().zip(delta).map(|(z, d)| z * d).sum()
}
let da1 = numerical_grad(&mut lenet_core::ndarray::Array1::from(n1.a.clone()), 0.5, |a| c1(a.as_slice().unwrap(), &n1.w, &n1.delta));
let dw1 = numerical_grad(&mut lenet_core::ndarray::Array1::from(n1.w.clone()), 0.5, |w| c1(&n1.a, w.as_slice().unwrap(), &n1.delta));
println!("∂C/∂a: relative error {:.0e}", rel_error(&da1, &lenet_core::ndarray::Array1::from(one_d::input_grad(&n1.delta, &n1.w))));
println!("∂C/∂w: relative error {:.0e}", rel_error(&dw1, &lenet_core::ndarray::Array1::from(one_d::kernel_grad(&n1.a, &n1.delta))));

// %% [markdown]
// The three operations on one picture: the row under the sliding one (padding
// zeros in grey), the sliding row at each position (orange), and what it gives.

// %%
lenet_core::plots::one_d_convolution(&n1.a, &n1.w, &n1.delta)

// %% [markdown]
// In two dimensions each index becomes a pair, the flip becomes a turn by 180°,
// and the rest of this notebook takes the same three steps.

// %% [markdown]
// ## The forward pass on numbers
//
// The example of the notes, with small integers so that every product can be
// checked by hand: a 3×3 input $a$, a 2×2 kernel $w$, and the 2×2 error
// $\delta = \partial C/\partial z$ at its output. The next layer sends back
// $\partial C/\partial a$, the gradient of its input; the activation turns that
// into $\delta$ (chapter 3). Here $\delta$ is simply given.

// %%
ex.a

// %%
ex.w

// %% [markdown]
// The output is 2×2. Its top-left entry uses the top-left 2×2 block of $a$:
// $z_{11} = a_{11}w_{11} + a_{12}w_{12} + a_{21}w_{21} + a_{22}w_{22}
// = 1\cdot1 + 2\cdot2 + 4\cdot3 + 5\cdot4 = 37$.

// %%
let z = correlate_valid(&ex.a, &ex.w);
z

// %% [markdown]
// ## Two helpers of the backward pass: rot180 and zero padding
//
// `rot180` turns the kernel by half a turn, $\mathrm{rot180}(w)_{uv} = w_{k_h+1-u,\,k_w+1-v}$:

// %%
rot180(&ex.w)

// %% [markdown]
// `pad(m, 1, 1)` puts a border of zeros, one row above and below and one column
// left and right, around a matrix. Here is the error $\delta$ with its border:

// %%
ex.delta

// %%
pad(&ex.delta, 1, 1)

// %% [markdown]
// ## The input gradient is a full convolution
//
// Each $a_{ij}$ took part in every output $z_{pq}$ whose window covered it, where it
// met the kernel entry $w_{i-p+1,\,j-q+1}$ (from $z_{pq} = \sum_{uv} a_{p+u-1,\,q+v-1} w_{uv}$,
// $a_{ij}$ appears where $u = i-p+1$, $v = j-q+1$). By the chain rule it collects
// $\delta_{pq}$ times that entry from each of them:
//
// $$\frac{\partial C}{\partial a_{ij}} = \sum_{p,q} \delta_{pq}\, w_{i-p+1,\,j-q+1},$$
//
// summing over the $p, q$ for which the kernel entry exists: $1 \le i-p+1 \le k_h$ and $1 \le j-q+1 \le k_w$.
//
// That sum is a **full convolution**: pad $\delta$ with $k_h-1$ rows and $k_w-1$
// columns of zeros and correlate it with the turned kernel. The zeros matter: the
// corner $a_{11}$ took part in one output only, and the padding is what lets the
// turned kernel reach it.

// %%
let da = input_grad(&ex.delta, &ex.w);
da

// %%
correlate_valid(&pad(&ex.delta, 1, 1), &rot180(&ex.w)) == full_convolve(&ex.delta, &ex.w)

// %% [markdown]
// One picture per entry of $\partial C/\partial a$: the padded $\delta$ (grey
// border: the zeros), the turned kernel laid over it at that entry's position,
// and the products that meet. The corners see one product, the centre all four.

// %%
lenet_core::plots::full_convolution_panels(&ex.delta.map(|&v| v as f64), &ex.w.map(|&v| v as f64))

// %% [markdown]
// Is it right? Take the scalar $C = \sum_{ij} \delta_{ij} z_{ij}$, whose
// $\partial C/\partial z$ is exactly $\delta$, and differentiate it numerically, in
// floating point: $\partial C/\partial a_{ij} \approx \big(C(a + h e_{ij}) - C(a - h e_{ij})\big)/(2h)$.
// $C$ is linear in $a$, so even a large step $h$ has no truncation error.

// %%
let (a, w, delta) = (ex.a.map(|&v| v as f64), ex.w.map(|&v| v as f64), ex.delta.map(|&v| v as f64));
fn loss(a: &Matrix<f64>, w: &Matrix<f64>, delta: &Matrix<f64>) -> f64 {
    (&correlate_valid(a, w).0 * &delta.0).sum()
}
let da_numeric = numerical_grad(&mut a.0.clone(), 0.5, |x| loss(&Matrix(x.clone()), &w, &delta));
Matrix(da_numeric.clone())

// %%
rel_error(&da_numeric, &input_grad(&delta, &w).0)

// %% [markdown]
// ## The kernel gradient is a valid correlation
//
// The kernel entry $w_{uv}$ multiplied $a_{i+u-1,\,j+v-1}$ in every output $z_{ij}$, so
//
// $$\frac{\partial C}{\partial w_{uv}} = \sum_{i,j} \delta_{ij}\, a_{i+u-1,\,j+v-1},$$
//
// which is the valid correlation of the input with $\delta$: $\delta$ plays the
// kernel. The result has the kernel's shape.

// %%
kernel_grad(&ex.a, &ex.delta)

// %% [markdown]
// As pictures: for each $w_{uv}$, $\delta$ laid over $a$ with its corner at
// $(u, v)$, and the four products that meet.

// %%
lenet_core::plots::kernel_grad_panels(&ex.a.map(|&v| v as f64), &ex.delta.map(|&v| v as f64))

// %%
let dw_numeric = numerical_grad(&mut w.0.clone(), 0.5, |v| loss(&a, &Matrix(v.clone()), &delta));
rel_error(&dw_numeric, &kernel_grad(&a, &delta).0)

// %% [markdown]
// ## The bias gradient
//
// One bias $b$ is added to every output, $z_{ij} = \dots + b$, so each output passes
// its $\delta_{ij}$ on to it: $\partial C/\partial b = \sum_{ij} \delta_{ij}$.

// %%
bias_grad(&ex.delta)

// %% [markdown]
// ## All of it again, on symbols
//
// The functions above only add, multiply and pad with zeros, so they also run on
// `Sym`, a symbolic scalar. Fill the input with $a_{ij}$ and the kernel with
// $w_{ij}$, and the forward pass prints its own formulas:

// %%
let sym = worked::symbols();
let (a_s, w_s, delta_s) = (sym.a.clone(), sym.w.clone(), sym.delta.clone());
let z_s = correlate_valid(&a_s, &w_s);
z_s

// %% [markdown]
// A small helper shows a symbolic matrix as a list of equations typeset in LaTeX
// (a value with an `evcxr_display` method chooses how the notebook shows it):

// %%
struct Equations(String);
impl Equations {
    fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/markdown\n{}\nEVCXR_END_CONTENT", self.0);
    }
}
fn equations(lhs: &str, m: &Matrix<Sym>) -> Equations {
    let lines: Vec<String> = m
        .indexed_iter()
        .map(|((i, j), e)| format!("{lhs}_{{{}{}}} &= {}", i + 1, j + 1, e.to_latex()))
        .collect();
    Equations(format!("$$\\begin{{aligned}}\n{}\n\\end{{aligned}}$$", lines.join(" \\\\\n")))
}
equations("z", &z_s)

// %% [markdown]
// The input gradient from a symbolic $\delta$ gives the nine formulas of the notes
// for $\partial C/\partial a$, including the corners that see a single
// term:

// %%
equations("\\partial C/\\partial a", &input_grad(&delta_s, &w_s))

// %% [markdown]
// Substituting the numbers of the example into these nine formulas gives back the
// numeric gradient computed earlier:

// %%
input_grad(&delta_s, &w_s).map(|f| f.eval(worked::value)) == da.map(|&v| v as f64)

// %% [markdown]
// The same nine formulas come out of the padded δ correlated with the turned
// kernel, which is how the notes write the result:

// %%
pad(&delta_s, 1, 1)

// %%
rot180(&w_s)

// %%
correlate_valid(&pad(&delta_s, 1, 1), &rot180(&w_s)) == input_grad(&delta_s, &w_s)

// %% [markdown]
// The kernel gradient, four formulas. The third one ends in $a_{32}\delta_{22}$
// (the notes print $a_{33}\delta_{22}$ there, and label the fourth line $W_{12}$
// where $W_{22}$ is meant):

// %%
equations("\\partial C/\\partial w", &kernel_grad(&a_s, &delta_s))

// %%
println!("∂C/∂b = {}", bias_grad(&delta_s));

// %% [markdown]
// ## Several channels and several kernels
//
// A real layer reads several input channels $a_c$ and has several kernels, kernel
// $k$ holding one 2-D slice $w_{k,c}$ per input channel. Output channel $k$ sums the correlations over the input
// channels and adds its bias:
//
// $$z_k = b_k + \sum_c a_c \star w_{k,c}$$
//
// Going back, input channel $c$ fed every output channel, so its gradient sums the
// full convolutions over $k$, while each slice $w_{k,c}$ gets its own valid
// correlation (writing $\star$ for the valid correlation and $\circledast$ for the
// full convolution):
//
// $$\frac{\partial C}{\partial a_c} = \sum_k \delta_k \circledast w_{k,c},
// \qquad \frac{\partial C}{\partial w_{k,c}} = a_c \star \delta_k,
// \qquad \frac{\partial C}{\partial b_k} = \sum_{ij} (\delta_k)_{ij}$$
//
// `conv::forward` and `conv::backward` do this on a batch in NCHW order
// (sample, channel, row, column). One sample, two input channels, three kernels,
// with seeded random values:

// %%
use lenet_core::ndarray::{Array1, Array4, s};
use lenet_core::rng::Rng;
let mut rng = Rng::new(7);
let x = Array4::from_shape_fn((1, 2, 4, 4), |_| rng.uniform_in(-1.0, 1.0));
let wk = Array4::from_shape_fn((3, 2, 2, 2), |_| rng.uniform_in(-1.0, 1.0));
let b = Array1::from_shape_fn(3, |_| rng.uniform_in(-1.0, 1.0));
let zk = lenet_core::conv::forward(&x, &wk, &b, 0);
zk.dim()

// %% [markdown]
// Output channel 1 (index 0) is the sum of two 2-D correlations plus its bias:

// %%
fn channel(t: &Array4<f64>, n: usize, c: usize) -> Matrix<f64> {
    Matrix::from_view(t.slice(s![n, c, .., ..]))
}
let by_hand = correlate_valid(&channel(&x, 0, 0), &channel(&wk, 0, 0)).0
    + &correlate_valid(&channel(&x, 0, 1), &channel(&wk, 0, 1)).0
    + b[0];
rel_error(&by_hand, &zk.slice(s![0, 0, .., ..]))

// %% [markdown]
// The backward pass, checked entry by entry against finite differences of
// $C = \sum \delta \odot z$ for all three gradients:

// %%
let dz = Array4::from_shape_fn(zk.raw_dim(), |_| rng.uniform_in(-1.0, 1.0));
let (dx, dwk, db) = lenet_core::conv::backward(&x, &wk, &dz, 0);
fn c_of(x: &Array4<f64>, w: &Array4<f64>, b: &Array1<f64>, dz: &Array4<f64>) -> f64 {
    (lenet_core::conv::forward(x, w, b, 0) * dz).sum()
}
let dx_num = numerical_grad(&mut x.clone(), 0.5, |v| c_of(v, &wk, &b, &dz));
let dw_num = numerical_grad(&mut wk.clone(), 0.5, |v| c_of(&x, v, &b, &dz));
let db_num = numerical_grad(&mut b.clone(), 0.5, |v| c_of(&x, &wk, v, &dz));
(rel_error(&dx_num, &dx), rel_error(&dw_num, &dwk), rel_error(&db_num, &db))

// %% [markdown]
// Errors of order $10^{-15}$, the level of rounding, mean the formulas are right. The
// gradient of input channel 2 (index 1) is the sum over the three kernels of full
// convolutions, just as the formula says:

// %%
let dx1: Matrix<f64> = Matrix((0..3).fold(lenet_core::ndarray::Array2::zeros((4, 4)), |acc, k| {
    acc + &full_convolve(&channel(&dz, 0, k), &channel(&wk, k, 1)).0
}));
rel_error(&dx1, &dx.slice(s![0, 1, .., ..]))

// %% [markdown]
// ## The δ recursion of a convolution layer
//
// Everything so far produced $\partial C/\partial a$, the gradient with respect
// to the layer's *input*. Backpropagation needs one more step to hand the next
// layer down its own error $\delta^l = \partial C/\partial z^l$. The input
// $a^l = \sigma(z^l)$ is the previous layer's activation, so by the chain rule,
// entry by entry,
//
// $$\delta^l_{ij} = \frac{\partial C}{\partial a^l_{ij}}\, \sigma'(z^l_{ij}).$$
//
// Put together with the multi-channel input gradient, this is the result that
// the whole backward pass of a CNN rests on:
//
// > [!IMPORTANT]
// > **The δ recursion of a convolution layer.** Input channel $c$ of layer $l$
// > fed every kernel $k$ of layer $l+1$, so its error sums a full convolution per kernel:
// >
// > $$\delta^l_c = \Big(\sum_{k} \delta^{l+1}_k \circledast w^{l+1}_{k,c}\Big) \odot \sigma'(z^l_c), \qquad \delta \circledast w = \mathrm{pad}_{k_h-1,\,k_w-1}(\delta) \star \mathrm{rot180}(w).$$
// >
// > Entry by entry: $(\delta \circledast w)_{ij} = \sum_{p,q} \delta_{pq}\, w_{i-p+1,\,j-q+1}$.
// > Three things are easy to lose: the zero padding ($k_h-1$ rows and $k_w-1$
// > columns on each side, for a $k_h\times k_w$ kernel), which gives the result the
// > shape of $z^l$; the sum over the kernels $k$; and $\sigma'(z^l)$.
//
// On the worked example, in numbers small enough to check by hand. Layer
// $l+1$ gets a second kernel: kernel 1 is the example's $w$ with its error
// $\delta^{l+1}_1 = \delta$, kernel 2 is $w_2$ with its error $\delta^{l+1}_2$. Layer
// $l$ has one channel, with ReLU and a pre-activation $z^l$ that is negative in
// three places, so $\sigma'(z^l)$ is 0 there and 1 elsewhere:

// %%
use lenet_core::activation::Activation;
let relu = Activation::Relu;
let z_l = Matrix::from_rows(&[[1.0, -2.0, 3.0], [4.0, 5.0, -6.0], [-7.0, 8.0, 9.0]]);
let (w1, d1) = (ex.w.map(|&v| v as f64), ex.delta.map(|&v| v as f64));
let w2 = Matrix::from_rows(&[[0.0, 1.0], [-1.0, 2.0]]);
let d2 = Matrix::from_rows(&[[2.0, 0.0], [1.0, -1.0]]);
z_l

// %% [markdown]
// By hand, term by term: one full convolution per kernel (the first is the
// $\partial C/\partial a$ computed at the start of this chapter), their sum, and the
// gate $\sigma'(z^l)$:

// %%
full_convolve(&d1, &w1)

// %%
full_convolve(&d2, &w2)

// %%
let sum_over_k = Matrix(full_convolve(&d1, &w1).0 + &full_convolve(&d2, &w2).0);
sum_over_k

// %%
Matrix(relu.derivative(&z_l.0))

// %%
// (adding 0.0 shows a −0, from −3 · 0, as 0)
let delta_by_hand = Matrix(&sum_over_k.0 * &relu.derivative(&z_l.0)).map(|&v| v + 0.0);
delta_by_hand

// %% [markdown]
// The crate does it in two calls: `conv::backward` on the layer's input
// $a^l = \sigma(z^l)$ gives $\partial C/\partial a^l$, summed over the kernels,
// and the activation's `backward` multiplies by $\sigma'(z^l)$. The batch
// functions take 4-D arrays, so the example goes in as one sample with one
// channel, two kernels and two channels of $\delta^{l+1}$:

// %%
let z4 = z_l.0.clone().into_shape_with_order((1, 1, 3, 3)).expect("3×3");
let w_next = Array4::from_shape_fn((2, 1, 2, 2), |(k, _, i, j)| if k == 0 { w1[(i, j)] } else { w2[(i, j)] });
let delta_next = Array4::from_shape_fn((1, 2, 2, 2), |(_, k, i, j)| if k == 0 { d1[(i, j)] } else { d2[(i, j)] });
let (grad_a_l, _, _) = lenet_core::conv::backward(&relu.apply(&z4), &w_next, &delta_next, 0);
let delta_l = relu.backward(&grad_a_l, &z4);
(channel(&delta_l, 0, 0) == delta_by_hand, channel(&grad_a_l, 0, 0) == sum_over_k)

// %% [markdown]
// And against finite differences of $C = \sum \delta^{l+1} \odot z^{l+1}$, with
// $z^{l+1}$ computed from $z^l$ through ReLU and the convolution (no entry of
// $z^l$ is within the step of ReLU's kink at 0):

// %%
let b_next = Array1::zeros(2);
let delta_l_num = numerical_grad(&mut z4.clone(), 1e-5, |z| {
    (lenet_core::conv::forward(&relu.apply(z), &w_next, &b_next, 0) * &delta_next).sum()
});
rel_error(&delta_l_num, &delta_l)

// %% [markdown]
// > [!WARNING]
// > **Erratum 8 of the notes.** The notes write $\delta^l = \delta^{l+1} * \mathrm{rot180}(W^{l+1})$:
// > no padding and no $\sigma'$. Without the padding, the 2×2 δ correlated with
// > the turned 2×2 kernel is 1×1, not the 3×3 of $z^l$; with the padding but
// > without $\sigma'(z^l)$ the result is $\partial C/\partial a^l$, not $\delta^l$, and
// > the three entries behind ReLU's closed gate come out wrong. Both versions
// > run here on kernel 1 alone, against the finite differences of that
// > one-kernel layer:

// %%
let one_kernel = numerical_grad(&mut z_l.0.clone(), 1e-5, |z| {
    (correlate_valid(&Matrix(relu.apply(z)), &w1).0 * &d1.0).sum()
});
println!("as written, no padding: shape {:?} for a 3×3 z", lenet_core::errata::delta_as_written(&d1, &w1).shape2());
println!("padded, without σ′:    relative error {:.1e}", rel_error(&lenet_core::errata::delta_without_activation(&d1, &w1).0, &one_kernel));
println!("padded, with σ′:       relative error {:.1e}", rel_error(&lenet_core::errata::delta_corrected(&d1, &w1, &Matrix(relu.derivative(&z_l.0))).0, &one_kernel));

// %% [markdown]
// > [!WARNING]
// > **Erratum 9 of the notes.** The notes' text says, rightly, that a CNN layer
// > computes a cross-correlation, as every formula here does; their code then
// > calls scipy's `convolve2d`, a *true* convolution that turns the kernel
// > first. The two differ by a 180° turn of the kernel, and so do their
// > gradient formulas: mixing them (erratum 13) gives a kernel gradient that
// > fails its check. [Chapter 4](gradient-checks.md) runs that mistake beside
// > its correction.

// %% [markdown]
// > [!NOTE]
// > **Convolution in one box.** Forward, $z = a \star w + b$ (valid correlation,
// > $z_{ij} = \sum_{u,v} a_{i+u-1,\,j+v-1} w_{uv} + b$). Backward:
// >
// > - input gradient, a full convolution: $\partial C/\partial a = \delta \circledast w = \mathrm{pad}_{k_h-1,\,k_w-1}(\delta) \star \mathrm{rot180}(w)$;
// > - kernel gradient, a valid correlation: $\partial C/\partial w = a \star \delta$;
// > - bias gradient: $\partial C/\partial b = \sum_{ij} \delta_{ij}$;
// > - the error of the layer below: $\delta^l_c = \big(\sum_k \delta^{l+1}_k \circledast w^{l+1}_{k,c}\big) \odot \sigma'(z^l_c)$.
// >
// > Stride, padding and the matrix $M$ of the convolution follow in
// > [section 2.1](convolution-stride.md).
//
// > [!TIP]
// > **Try it.** In the finite-difference check of the input gradient, replace
// > `input_grad(&delta, &w)` by `correlate_valid(&pad(&delta, 1, 1), &w)`: the
// > kernel is no longer turned, and the relative error jumps from rounding level
// > to order 1. Or make the kernel 3×3 (`Matrix::from_rows(&[[1, 0, 2], [0, 1, 0], [3, 0, 1]])`)
// > with a 1×1 δ (a 3×3 kernel fits a 3×3 input once), and see how much padding
// > the full convolution then needs.
