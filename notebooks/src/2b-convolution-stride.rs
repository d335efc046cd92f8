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
// # 2.1 Stride, padding and the matrix view of convolution
//
// [Chapter 2](convolution.md) slid the kernel one entry at a time over an input
// it never left, and derived the backward pass of that valid correlation: a full
// convolution with the turned kernel for the input, a valid correlation for the
// kernel. This section changes the two settings every convolution layer of a
// library has, padding and stride, and shows that the same rules still hold once
// δ is spread back to where its outputs came from. Then it writes the
// convolution as one matrix $M$, which is where the 180° turn of the kernel
// comes from, and how fast code (im2col) computes all three gradients as matrix
// products.
//
// *Reading time: about 20 minutes. You will:*
// - *add padding and stride: the output size $\lfloor (n_h + 2P - k_h)/S \rfloor + 1$,
//   and the backward pass through the dilated δ, on a 5×5 example;*
// - *write the convolution as a matrix $M$ and see that $M^\top\delta$ is the full
//   convolution, which is why the kernel turns by 180°; then how im2col computes
//   all three gradients as matrix products.*

// %% [markdown]
// The first code cell is the set-up every notebook starts with (the book's
// introduction explains it).

// %%
// :dep lenet-core = { path = "../lenet-core" }
// :preserve_vars_on_panic 0
// :cache 500
// :opt 0
use lenet_core::Matrix;
use lenet_core::conv::{correlate_valid, full_convolve, input_grad, kernel_grad, pad};
use lenet_core::gradcheck::{numerical_grad, rel_error};
use lenet_core::worked;
let ex = worked::numbers(); // chapter 2's example with small integers

// %% [markdown]
// ## Padding and stride
//
// LeNet's kernels move one entry at a time over an input they never leave.
// Two settings change that. **Padding** $P$ frames the input with $P$ rings of
// zeros before the kernel slides, $\widetilde{a} = \mathrm{pad}(a, P, P)$, so that the
// border entries are read as often as the others and the output need not
// shrink. **Stride** $S$ moves the kernel $S$ entries per output step, which
// shrinks the output about $S$ times along each axis:
//
// $$z_{ij} = \sum_{u=1}^{k_h}\sum_{v=1}^{k_w} \widetilde{a}_{S(i-1)+u,\,S(j-1)+v}\, w_{uv}.$$
//
// Output $z_{ij}$ lays the kernel's corner $w_{11}$ on $\widetilde{a}_{S(i-1)+1,\,S(j-1)+1}$.
// Along the rows the corner visits padded positions $1, 1+S, 1+2S, \dots$ as
// long as the whole kernel still fits in the $n_h + 2P$ padded rows, which gives
//
// $$o_h = \left\lfloor \frac{n_h + 2P - k_h}{S} \right\rfloor + 1$$
//
// output rows, and $o_w$ likewise. When $S$ does not divide $n_h + 2P - k_h$ the
// quotient is rounded down, as PyTorch does: the last $(n_h + 2P - k_h) \bmod S$
// padded rows are read by no output. With $S = 1$, $P = 0$ this is the
// $n_h - k_h + 1$ of the valid correlation.
//
// The worked example: a 5×5 input holding $1, 2, \dots, 25$, a 3×3 kernel, stride
// 2 and padding 1, so $\lfloor (5 + 2 - 3)/2 \rfloor + 1 = 3$ outputs per axis.
// The crate's `Geometry` holds $S$ and $P$ and computes the shape:

// %%
use lenet_core::conv::{Geometry, correlate_strided, crop, dilate, dilate_to, input_grad_strided, kernel_grad_strided};
let g = Geometry::new(2, 1); // stride 2, padding 1
let a5 = Matrix::from_fn(5, 5, |i, j| (5 * i + j + 1) as f64);
let w3 = Matrix::from_rows(&[[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, 1.0, 2.0]]);
println!("output shape: {:?}", g.output_shape(a5.shape2(), w3.shape2()));
w3

// %% [markdown]
// The padded input $\widetilde{a}$, 7×7:

// %%
pad(&a5, 1, 1)

// %% [markdown]
// The forward pass. $z_{11}$ lays the kernel on rows and columns 1–3 of
// $\widetilde{a}$, whose first row and column are padding, so only the kernel's
// lower-right 2×2 block meets the input:
// $z_{11} = w_{22}a_{11} + w_{23}a_{12} + w_{32}a_{21} + w_{33}a_{22} = 1\cdot1 + 0\cdot2 + 1\cdot6 + 2\cdot7 = 21$.
// The next output to the right, $z_{12}$, starts two columns further.

// %%
let z_s = correlate_strided(&a5, &w3, g);
z_s

// %% [markdown]
// A strided output is a unit-stride output with entries left out. Call
// $\hat z = \widetilde{a} \star w$ the valid correlation of the padded input,
// here 5×5; $z$ keeps every $S$-th entry of it,
// $z_{pq} = \hat z_{S(p-1)+1,\,S(q-1)+1}$:

// %%
let z_hat = correlate_valid(&pad(&a5, 1, 1), &w3);
println!("z is every second entry of ẑ: {}", Matrix::from_fn(3, 3, |p, q| z_hat[(2 * p, 2 * q)]) == z_s);
z_hat

// %% [markdown]
// That observation carries the whole backward pass. The cost depends on $\hat z$
// only through the entries that $z$ kept, so $\partial C/\partial \hat z$ is $\delta$
// put back where each entry was taken from, with zeros everywhere else: the
// **dilated** $\delta$, with $S - 1$ zeros between neighbouring entries,
//
// $$\hat\delta_{S(p-1)+1,\,S(q-1)+1} = \delta_{pq}, \qquad \text{every other entry of } \hat\delta \text{ is } 0,$$
//
// of the shape of $\hat z$. A 3×3 $\delta$ dilated by 2 is $(3-1)\cdot 2 + 1 = 5$
// entries a side, which here is exactly $\hat z$'s 5×5. When the rounding down
// leaves rows unread, $\hat z$ is larger, and `dilate_to` fills the difference
// with zeros at the bottom and right. From $\hat\delta$ on, the unit-stride rules
// of [chapter 2](convolution.md) apply unchanged to $\widetilde{a}$ and $\hat z$:
//
// - the input gradient is the full convolution $\hat\delta \circledast w$
//   (pad $\hat\delta$ with $k_h - 1$ rows and $k_w - 1$ columns of zeros, correlate
//   with $\mathrm{rot180}(w)$), which is $\partial C/\partial \widetilde{a}$, of the padded
//   input's shape $(n_h + 2P)\times(n_w + 2P)$. Since $a_{ij} = \widetilde{a}_{i+P,\,j+P}$ and
//   the padded zeros are constants, not inputs, cropping the $P$ border gives
//   $\partial C/\partial a = \mathrm{crop}_P(\hat\delta \circledast w)$;
// - the kernel gradient is the valid correlation $\widetilde{a} \star \hat\delta$, entry by
//   entry $\partial C/\partial w_{uv} = \sum_{p,q} \delta_{pq}\, \widetilde{a}_{S(p-1)+u,\,S(q-1)+v}$:
//   $w_{uv}$ met that entry of $\widetilde{a}$ in output $z_{pq}$;
// - the bias gradient is still $\sum_{pq} \delta_{pq}$: the zeros of $\hat\delta$ add nothing.
//
// The error at the output of the example, and its dilation:

// %%
let delta3 = Matrix::from_rows(&[[1.0, -1.0, 2.0], [0.0, 1.0, -1.0], [2.0, 0.0, 1.0]]);
let d_hat = dilate(&delta3, 2);
println!("dilate_to gives the same 5×5 here: {}", dilate_to(&delta3, 2, z_hat.shape2()) == d_hat);
d_hat

// %% [markdown]
// As pictures, on one colour scale: each $\delta_{pq}$ lands on the position of
// $\hat z$ that $z_{pq}$ came from, with a row and a column of zeros between.

// %%
lenet_core::plots::heatmap_grid(
    "δ (3×3) and the dilated δ̂ (5×5)",
    &[lenet_core::plots::Panel::new("δ", delta3.0.view()), lenet_core::plots::Panel::new("δ̂ = dilate(δ, 2)", d_hat.0.view())],
    2,
)

// %% [markdown]
// The input gradient in its three steps: the full convolution of $\hat\delta$ with
// $w$ (7×7, the gradient of the padded input), then the crop of its border, which
// is what `input_grad_strided` returns:

// %%
let d_padded = full_convolve(&d_hat, &w3);
d_padded

// %%
let da5 = input_grad_strided(&delta3, &w3, a5.shape2(), g);
println!("crop(δ̂ ⊛ w, 1, 1) == input_grad_strided: {}", crop(&d_padded, 1, 1) == da5);
da5

// %% [markdown]
// The kernel gradient, $\widetilde{a} \star \hat\delta$, computed both ways:

// %%
let dw3 = kernel_grad_strided(&a5, &delta3, w3.shape2(), g);
println!("ã ⋆ δ̂ == kernel_grad_strided: {}", correlate_valid(&pad(&a5, 1, 1), &d_hat) == dw3);
dw3

// %% [markdown]
// And both against central finite differences of $C = \sum_{pq} \delta_{pq} z_{pq}$,
// in `f64`. $C$ is linear in $a$ and in $w$, so a large step has no truncation error:

// %%
fn loss_strided(a: &Matrix<f64>, w: &Matrix<f64>, delta: &Matrix<f64>, g: Geometry) -> f64 {
    (&correlate_strided(a, w, g).0 * &delta.0).sum()
}
let da5_num = numerical_grad(&mut a5.0.clone(), 0.5, |x| loss_strided(&Matrix(x.clone()), &w3, &delta3, g));
let dw3_num = numerical_grad(&mut w3.0.clone(), 0.5, |v| loss_strided(&a5, &Matrix(v.clone()), &delta3, g));
println!("∂C/∂a: relative error {:.0e}", rel_error(&da5_num, &da5.0));
println!("∂C/∂w: relative error {:.0e}", rel_error(&dw3_num, &dw3.0));
assert!(rel_error(&da5_num, &da5.0) < 1e-7 && rel_error(&dw3_num, &dw3.0) < 1e-7);

// %% [markdown]
// The layer with channels and a batch takes the same geometry:
// `conv::forward_strided` and `conv::backward_strided` sum these 2-D functions
// over channels and samples exactly as `forward` and `backward` do, and
// `forward(x, w, b, P)` is `forward_strided` with stride 1.

// %% [markdown]
// ## The matrix view of convolution
//
// With the kernel fixed, the valid correlation is linear in its input, so it has
// a matrix. Read the 3×3 input of chapter 2's worked example row by row into a column
// $\mathrm{vec}(a)$ of 9 entries, and the 2×2 output into $\mathrm{vec}(z)$ of 4;
// then $\mathrm{vec}(z) = M\,\mathrm{vec}(a)$ for a 4×9 matrix $M$ with
//
// $$M_{(i,j),(p,q)} = w_{p-i+1,\,q-j+1} \quad\text{if that kernel entry exists, else } 0,$$
//
// because $a_{pq}$ appears in $z_{ij}$ with the kernel entry $u = p-i+1$, $v = q-j+1$.
// Row $(i,j)$ of $M$ is the kernel laid on the input at output $(i,j)$ and read
// row by row; the rest of the row is zeros. `conv::matrix_of` builds it:

// %%
use lenet_core::conv::{matrix_of, vec_of};
let m = matrix_of(&ex.w, ex.a.shape2());
m

// %%
m.matmul(&vec_of(&ex.a)) == vec_of(&correlate_valid(&ex.a, &ex.w))

// %% [markdown]
// Chapter 1 showed that a layer $z = Wa$ sends back $\partial C/\partial a = W^\top\delta$.
// The same holds here, with $M$ for $W$: $\partial C/\partial\,\mathrm{vec}(a) = M^\top \mathrm{vec}(\delta)$.
// Entry $(p,q)$ of it is
//
// $$\big(M^\top \mathrm{vec}(\delta)\big)_{pq} = \sum_{i,j} M_{(i,j),(p,q)}\,\delta_{ij} = \sum_{i,j} \delta_{ij}\, w_{p-i+1,\,q-j+1},$$
//
// which is the full convolution of chapter 2, entry for entry. This is where
// rot180 comes from. Column $(p,q)$ of $M$ holds the kernel entries that met
// $a_{pq}$, one per output, and as the output index $(i,j)$ grows the kernel
// index $(p-i+1,\,q-j+1)$ falls: read along the outputs, the kernel runs
// backwards in both directions. The padding comes from the zeros of $M$: a
// corner such as $a_{11}$ has a single nonzero entry in its column. On symbols,
// $M$ and $M^\top\mathrm{vec}(\delta)$ print the formulas:

// %%
let sx = worked::symbols();
let m_sym = matrix_of(&sx.w, sx.a.shape2());
m_sym

// %%
let grad_via_m = m_sym.transpose().matmul(&vec_of(&sx.delta));
grad_via_m

// %%
let same_formulas = grad_via_m.map(|f| f.to_string()) == vec_of(&full_convolve(&sx.delta, &sx.w)).map(|f| f.to_string());
let same_numbers = m.transpose().matmul(&vec_of(&ex.delta)) == vec_of(&input_grad(&ex.delta, &ex.w));
(same_formulas, same_numbers)

// %% [markdown]
// Nobody computes a convolution with $M$: it is mostly zeros (here 20 of 36
// entries; for LeNet's second convolution, 14×14 inputs and 5×5 kernels, about
// 87% of each row). Fast code turns the idea around (the crate's version is
// `src/model/fast/im2col.rs`): instead of laying the kernel into a matrix, it
// copies every window of the input into a column. **im2col** ("image to
// columns") builds, for $C$ input channels, $k_h\times k_w$ kernels and a batch of $B$,
//
// $$\mathrm{cols}_{(c,u,v),\,(b,i,j)} = x_{b,c,\,i+u-1,\,j+v-1} \quad (0 \text{ on the padding}),$$
//
// a $(C k_h k_w)\times(B\,o_h o_w)$ matrix whose column $(b,i,j)$ is the patch
// under the kernel at output $(i,j)$ of sample $b$. With the $K$ kernels as the
// rows of $W$, $K\times(C k_h k_w)$, the forward pass of the whole batch is one
// matrix product, $Z = W\,\mathrm{cols}$ plus $b_k$ on row $k$. With $\Delta$ the
// $K\times(B\,o_h o_w)$ matrix of the δ's, the three gradients are matrix
// products too (`tests/fast_kernels.rs` checks all three against conv2's
// layer functions):
//
// - kernels: $\partial C/\partial W = \Delta\,\mathrm{cols}^\top$, each weight collecting δ
//   times the patch entry it met, over every position and sample: the valid
//   correlation $a \star \delta$;
// - input: $\partial C/\partial\,\mathrm{cols} = W^\top \Delta$, then `col2im` adds each
//   entry back onto the pixel it was copied from (it is the transpose of
//   im2col); the two steps together are the full convolution;
// - bias: $\partial C/\partial b_k$ is the sum of row $k$ of $\Delta$.
//
// On the worked example (one sample, one channel, one kernel) cols is 4×4,
// and $W$ is the kernel as a single row:

// %%
let cols = Matrix::from_fn(4, 4, |uv, ij| ex.a[(ij / 2 + uv / 2, ij % 2 + uv % 2)]);
let w_row = vec_of(&ex.w).transpose();
let delta_row = vec_of(&ex.delta).transpose();
println!("W·cols  == vec(z)ᵀ:     {}", w_row.matmul(&cols) == vec_of(&correlate_valid(&ex.a, &ex.w)).transpose());
println!("Δ·colsᵀ == vec(∂C/∂w)ᵀ: {}", delta_row.matmul(&cols.transpose()) == vec_of(&kernel_grad(&ex.a, &ex.delta)).transpose());
cols

// %% [markdown]
// > [!NOTE]
// > **Stride, padding and the matrix view in one box.**
// >
// > - with stride $S$ and padding $P$: $o_h = \lfloor (n_h + 2P - k_h)/S \rfloor + 1$; backward, dilate $\delta$ by $S-1$ zeros to $\hat\delta$ (filled up with zeros to the unit-stride output's shape), then $\partial C/\partial a = \mathrm{crop}_P(\hat\delta \circledast w)$, $\partial C/\partial w = \mathrm{pad}_P(a) \star \hat\delta$ and $\partial C/\partial b = \sum_{pq} \delta_{pq}$;
// > - as a matrix: $\mathrm{vec}(z) = M\,\mathrm{vec}(a)$, and the input gradient $M^\top\mathrm{vec}(\delta)$ is the full convolution;
// > - with im2col: $Z = W\,\mathrm{cols}$, $\partial C/\partial W = \Delta\,\mathrm{cols}^\top$, $\partial C/\partial a = \mathrm{col2im}(W^\top\Delta)$.
