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
// # 1. Fully connected layers: backpropagation on a network that fits on screen
//
// A fully connected layer $l$ takes the previous layer's output $a^{l-1}$ (a
// column, one entry per neuron), multiplies it by a weight matrix, adds a bias and
// applies an activation function $\sigma$ entry by entry:
//
// $$z^l = W^l a^{l-1} + b^l, \qquad a^l = \sigma(z^l).$$
//
// If $a^{l-1}$ has $m$ entries and $a^l$ has $n$, then $W^l$ is $n\times m$ and $b^l$
// is $n\times 1$. We measure the network's mistake with the squared error
// $C = \tfrac12\lVert a^L - y\rVert^2$ against the target $y$.
//
// This notebook first shows backpropagation on a graph of three numbers, then
// runs every step of it on a network with 2 inputs, 3 hidden neurons and 2
// outputs, small enough to read every number.
//
// *Reading time: about 35 minutes. You will:*
// - *backpropagate through a small graph of scalars: upstream gradient times local
//   gradient, sums where a value forks, and what add, multiply and max gates do
//   with the gradient;*
// - *derive the output error $\delta^L$, the δ recursion and the two parameter
//   gradients $\partial C/\partial W = \delta a^\top$ and $\partial C/\partial b = \delta$;*
// - *compute each with the crate, see them on the network's graph, and compare
//   them with a computation by hand;*
// - *check them all by finite differences, and take gradient-descent steps that
//   make the loss fall.*

// %% [markdown]
// The first code cell is the set-up every notebook starts with: it builds the
// `lenet-core` crate (about 20 s the first time) and imports what the notebook
// uses. The lines starting with a colon are commands to the Rust kernel; the
// book's introduction explains them.

// %%
// :dep lenet-core = { path = "../lenet-core" }
// :preserve_vars_on_panic 0
// :cache 500
// :opt 0
use lenet_core::{fc, graph, loss, Matrix};
use lenet_core::activation::Activation;
use lenet_core::gradcheck::{numerical_grad, rel_error};
let act = Activation::Sigmoid; // σ of both layers
/// A matrix with its entries rounded to 4 decimals, for display.
fn show(m: &Matrix<f64>) -> Matrix<String> {
    m.map(|v| format!("{v:.4}"))
}

// %% [markdown]
// ## Backpropagation on a graph of scalars
//
// First the idea behind every layer, on three numbers. A computation can be
// drawn as a **computational graph**: one node per value, each computed from
// earlier values by a small operation, a *gate*. Take
//
// $$f = (x + y)\cdot\max(y, z) \qquad\text{at } x = 1,\ y = 3,\ z = 2,$$
//
// as three gates: $s = x + y$, $m = \max(y, z)$ and $f = s\cdot m$. The forward
// pass computes them in order: $s = 4$, $m = 3$, $f = 12$. `graph::example()`
// builds this graph with the crate's `Graph`, which computes each value as the
// node is added.

// %%
let (mut g, [gx, gy, gz, f]) = graph::example();
for node in &g.nodes {
    println!("{} = {}", node.name, node.value);
};

// %% [markdown]
// The backward pass wants $\partial f/\partial v$ for every node $v$. It starts
// from $\partial f/\partial f = 1$ and walks the graph backwards with the chain
// rule: a gate with output $o$ and input $u$ sends back
//
// $$\frac{\partial f}{\partial o}\cdot\frac{\partial o}{\partial u},$$
//
// the **upstream** gradient (what has arrived at $o$) times the gate's **local**
// gradient. The local gradient depends on the gate alone:
//
// - add, $o = u + v$: both local gradients are 1, so the gate *copies* the
//   upstream gradient to both inputs;
// - multiply, $o = u\cdot v$: $\partial o/\partial u = v$ and $\partial o/\partial v = u$,
//   so each input gets the upstream gradient times *the other* input;
// - max, $o = \max(u, v)$: 1 for the larger input and 0 for the other, so the gate
//   *routes* the whole gradient to the winner (max pooling does the same in
//   chapter 3).
//
// Here $f = s\cdot m$ sends $m = 3$ to $s$ and $s = 4$ to $m$. The add passes
// $3 \times 1$ to $x$ and to $y$; the max passes $4 \times 1$ to $y$, which won
// ($3 > 2$), and $4 \times 0$ to $z$.
//
// One more rule. $y$ **forks**: it feeds both the add and the max, so a nudge of
// $y$ moves $f$ along both paths, and its gradient is the **sum** of what comes
// back along each, $\partial f/\partial y = 3 + 4 = 7$. (This is the chain rule
// for a function of several paths. Keeping only the last term instead of adding
// is a classic bug in a hand-written backward pass.) `Graph::backward` does
// exactly this: from the last node to the first, each node sends upstream ×
// local to its inputs, which add it to what they already have.

// %%
g.backward(f);
for node in &g.nodes {
    println!("∂f/∂{} = {}", node.name, node.grad);
};

// %% [markdown]
// A check that needs no derivation: nudge each input by $\pm h$, recompute $f$,
// and divide the change by $2h$ (the *central difference*, explained at the end
// of this notebook). The relative error, defined further down, is at the level
// of rounding:

// %%
let numeric = numerical_grad(&mut lenet_core::ndarray::array![1.0, 3.0, 2.0], 1e-5, |p| {
    let (g, [.., f]) = graph::example_at(p[0], p[1], p[2]);
    g.value(f)
});
let analytic = lenet_core::ndarray::array![g.grad(gx), g.grad(gy), g.grad(gz)];
println!("numerical {numeric:.6}, relative error {:.0e}", rel_error(&analytic, &numeric));

// %% [markdown]
// The whole pass on one picture: each node with its value (black) and its
// gradient (red); each edge with the gate's local gradient and what travels back
// along it, upstream × local. The two red numbers leaving $y$ add up to $y$'s
// gradient. This is how *micrograd*, Andrej Karpathy's autograd library of about a
// hundred lines, draws a computation (its `draw_dot`); `plots::computational_graph`
// draws the crate's `Graph` the same way.

// %%
lenet_core::plots::computational_graph(&g, f)

// %% [markdown]
// A fully connected layer is the same graph with vectors. $z = Wa + b$ is made of
// multiply and add gates, and every input $a_j$ forks into every neuron of the
// layer, so its gradient will be a sum over the neurons: that sum is the
// $W^\top\delta$ below.

// %% [markdown]
// ## The network and one sample
//
// One sample is one column: $x = (0.5, -1)^\top$ with target $y = (1, 0)^\top$. The
// weights are fixed numbers, chosen by hand. Every `Matrix` shows itself as a
// table; `show` rounds its entries to 4 decimals first. Here is $W^1$:

// %%
// The numbers live in the crate (`lenet_core::worked`), so `lenet explain fc` uses the same ones.
let lenet_core::worked::FcNetwork { x, y, w1, b1, w2, b2 } = lenet_core::worked::fc_network();
show(&w1)

// %% [markdown]
// ## The forward pass
//
// Layer 1: $z^1 = W^1 x + b^1$, then $a^1 = \sigma(z^1)$ with the sigmoid
// $\sigma(z) = 1/(1+e^{-z})$.

// %%
let z1 = fc::forward(&w1, &x, &b1);
show(&z1)

// %%
let a1 = Matrix(act.apply(&z1.0));
show(&a1)

// %% [markdown]
// Layer 2, the output layer, and the loss:

// %%
let z2 = fc::forward(&w2, &a1, &b2);
let a2 = Matrix(act.apply(&z2.0));
show(&a2)

// %%
let (cost, grad_a2) = loss::mse(&a2, &y);
println!("C = {cost:.6}");

// %% [markdown]
// ## The output error $\delta^L$
//
// Backpropagation is organised around one quantity per layer, the **error**
// $\delta^l = \partial C/\partial z^l$: how the loss moves when the layer's
// pre-activation moves. At the output, the chain rule through $a^L = \sigma(z^L)$
// gives
//
// $$\delta^L = \frac{\partial C}{\partial a^L} \odot \sigma'(z^L) = (a^L - y) \odot \sigma'(z^L),$$
//
// where $\odot$ multiplies entry by entry. (The notes write $\sigma^l(z^l)$ here;
// it is the *derivative* $\sigma'$ at the *output* layer $L$.) For the sigmoid,
// $\sigma'(z) = \sigma(z)(1-\sigma(z))$.

// %%
show(&Matrix(grad_a2.clone()))

// %%
let delta2 = fc::output_delta(&grad_a2, &z2, act);
show(&delta2)

// %% [markdown]
// Is it right? Here is the same formula written out by hand with ndarray. Two
// computations of the same numbers rarely agree to the last bit, so we compare
// them by their **relative error**, entry by entry, keeping the worst:
//
// $$\operatorname{rel\_error}(x, y) = \max_i \frac{|x_i - y_i|}{\max(10^{-8},\, |x_i| + |y_i|)}.$$
//
// Dividing by the size of the entries judges large and small gradients alike.
// Two correct computations in `f64` differ only by rounding, so the relative
// error is tiny (the cell below prints it); a wrong formula usually gives
// something near 1. (`rel_error` is in `lenet_core::gradcheck`;
// chapter 4 returns to it.)

// %%
let by_hand = (&a2.0 - &y.0) * &a2.0.mapv(|s| s * (1.0 - s));
rel_error(&by_hand, &delta2.0)

// %% [markdown]
// ## The δ recursion
//
// $z^{l+1} = W^{l+1}\sigma(z^l) + b^{l+1}$, so a change of $z^l_j$ reaches every
// $z^{l+1}_i$ through the weight $W^{l+1}_{ij}$, scaled by $\sigma'(z^l_j)$. Summing
// over $i$ is a product with the **transpose**:
//
// $$\delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l).$$
//
// The transpose sends each output's error back along the weights that produced it.

// %%
let delta1 = fc::backprop_delta(&w2, &delta2, &z1, act);
show(&delta1)

// %%
let by_hand = w2.t().dot(&delta2.0) * &a1.0.mapv(|s| s * (1.0 - s));
rel_error(&by_hand, &delta1.0)

// %% [markdown]
// ## The parameter gradients
//
// $z^l_i = \sum_j W^l_{ij} a^{l-1}_j + b^l_i$, so $\partial z^l_i/\partial W^l_{ij} = a^{l-1}_j$ and
// $\partial z^l_i/\partial b^l_i = 1$:
//
// $$\frac{\partial C}{\partial W^l} = \delta^l (a^{l-1})^\top, \qquad
// \frac{\partial C}{\partial b^l} = \delta^l.$$
//
// An outer product: one row per neuron of layer $l$, one column per input.
// (For a batch these become averages over the samples; here there is one.)

// %%
let dw2 = fc::weight_grad(&delta2, &a1);
show(&dw2)

// %%
let dw1 = fc::weight_grad(&delta1, &x);
show(&dw1)

// %%
let (db1, db2) = (fc::bias_grad(&delta1), fc::bias_grad(&delta2));
show(&db1)

// %% [markdown]
// ## The whole pass on one picture
//
// The network as a computational graph, drawn like the graph of scalars at the
// start of this notebook: each neuron shows its value on the way forward ($z$ and
// $a = \sigma(z)$) and on the way back ($\partial C/\partial a$ and
// $\delta = \partial C/\partial z$), each weight its value and its gradient.
// `plots::fc_graph` computes them with the same functions as the cells above.

// %%
lenet_core::plots::fc_graph(&x, &y, &w1, &b1, &w2, &b2, act)

// %% [markdown]
// > [!NOTE]
// > **Fully connected layers in one box.** The four equations of backpropagation:
// >
// > 1. at the output, $\delta^L = \partial C/\partial a^L \odot \sigma'(z^L)$;
// > 2. one layer down, $\delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l)$;
// > 3. $\partial C/\partial W^l = \delta^l (a^{l-1})^\top$;
// > 4. $\partial C/\partial b^l = \delta^l$.
// >
// > For a batch, δ stays per sample and the parameter gradients are averaged over it.
//
// ## Do the formulas agree with finite differences?
//
// Comparing with a second formula only shows that two derivations agree. A check
// that needs no derivation at all: nudge one parameter $\theta_i$ up and down by
// a small $h$, run the network again, and see how the cost moves. The
// **central difference**
//
// $$\frac{\partial C}{\partial \theta_i} \approx \frac{C(\theta + h e_i) - C(\theta - h e_i)}{2h}$$
//
// ($e_i$ is 1 in entry $i$ and 0 elsewhere) is off by a term of order $h^2$,
// small for $h = 10^{-5}$ (chapter 4 shows how to choose $h$, and why not
// smaller). The crate's tests demand a relative error below $10^{-7}$. `numerical_grad(θ, h, f)` does
// this for every entry of $\theta$ in turn. First the whole network as one
// function of its parameters:

// %%
fn network_cost(w1: &Matrix<f64>, b1: &Matrix<f64>, w2: &Matrix<f64>, b2: &Matrix<f64>,
                x: &Matrix<f64>, y: &Matrix<f64>) -> f64 {
    let act = Activation::Sigmoid;
    let a1 = act.apply(&fc::forward(w1, x, b1).0);
    let a2 = act.apply(&fc::forward(w2, &a1, b2).0);
    loss::mse(&a2, y).0
}
network_cost(&w1, &b1, &w2, &b2, &x, &y) == cost

// %%
let dw1_num = numerical_grad(&mut w1.0.clone(), 1e-5, |w| network_cost(&Matrix(w.clone()), &b1, &w2, &b2, &x, &y));
let dw2_num = numerical_grad(&mut w2.0.clone(), 1e-5, |w| network_cost(&w1, &b1, &Matrix(w.clone()), &b2, &x, &y));
let db1_num = numerical_grad(&mut b1.0.clone(), 1e-5, |b| network_cost(&w1, &Matrix(b.clone()), &w2, &b2, &x, &y));
let db2_num = numerical_grad(&mut b2.0.clone(), 1e-5, |b| network_cost(&w1, &b1, &w2, &Matrix(b.clone()), &x, &y));
for (name, num, ana) in [("W1", &dw1_num, &dw1), ("b1", &db1_num, &db1), ("W2", &dw2_num, &dw2), ("b2", &db2_num, &db2)] {
    println!("{name}: relative error {:.0e}", rel_error(num, &ana.0));
};

// %% [markdown]
// ## One step of gradient descent
//
// Move every parameter a little against its gradient, $W \leftarrow W - \eta\,\partial C/\partial W$,
// with learning rate $\eta$. For a small enough step the loss must go down.

// %%
let eta = 0.5;
let (mut w1s, mut b1s, mut w2s, mut b2s) = (w1.clone(), b1.clone(), w2.clone(), b2.clone());
fc::sgd_step(&mut w1s, &dw1, eta);
fc::sgd_step(&mut b1s, &db1, eta);
fc::sgd_step(&mut w2s, &dw2, eta);
fc::sgd_step(&mut b2s, &db2, eta);
println!("loss before the step {cost:.6}, after {:.6}", network_cost(&w1s, &b1s, &w2s, &b2s, &x, &y));

// %% [markdown]
// Repeating the step drives the loss towards zero: the network learns to map
// this $x$ to this $y$.

// %%
for step in 1..=40 {
    let a1 = Matrix(act.apply(&fc::forward(&w1s, &x, &b1s).0));
    let z2 = fc::forward(&w2s, &a1, &b2s);
    let a2 = act.apply(&z2.0);
    let (c, g) = loss::mse(&a2, &y);
    let d2 = fc::output_delta(&g, &z2, act);
    let z1 = fc::forward(&w1s, &x, &b1s);
    let d1 = fc::backprop_delta(&w2s, &d2, &z1, act);
    fc::sgd_step(&mut w2s, &fc::weight_grad(&d2, &a1), eta);
    fc::sgd_step(&mut b2s, &fc::bias_grad(&d2), eta);
    fc::sgd_step(&mut w1s, &fc::weight_grad(&d1, &x), eta);
    fc::sgd_step(&mut b1s, &fc::bias_grad(&d1), eta);
    if step % 8 == 0 {
        println!("step {step:2}: loss {c:.6}");
    }
};

// %% [markdown]
// > [!TIP]
// > **Try it.** Multiply the first layer's weights by 100 (`w1.map(|v| 100.0 * v)`)
// > and run the forward and backward cells again. The hidden sigmoids saturate:
// > $z^1 = (25, -9.8, -45.1)$, so every $a^1$ is within $10^{-4}$ of 0 or 1,
// > $\sigma'(z^1) = a^1(1 - a^1)$ is below $10^{-4}$ in every entry, and $\delta^1$
// > shrinks by that factor: the first layer barely learns. That is the *vanishing gradient*,
// > and one reason LeNet now uses ReLU (chapter 3).
