//! The text that `lenet explain fc|conv|pool` prints: each backward pass
//! step by step, first on small numbers a reader can check by hand, then on
//! symbols, every matrix as an aligned grid.
//!
//! Everything shown is computed by the library's own functions while the
//! text is built, so the explanation cannot drift from the code. Every index
//! and position it prints counts from 1, as the book does; δ is always
//! ∂C/∂z, and gradients with respect to anything else are written ∂C/∂….

use crate::activation::Activation;
use crate::gradcheck::{numerical_grad, rel_error};
use crate::matrix::Matrix;
use crate::symbolic::{Sym, Var};
use crate::{fc, loss, pool, worked};
use ndarray::{Array2, Array4, s};
use std::fmt::{Display, Write};

/// Collects the explanation text.
struct Text(String);

impl Text {
    fn heading(&mut self, title: &str) {
        let _ = writeln!(self.0, "\n{title}\n{}", "─".repeat(title.chars().count()));
    }

    fn line(&mut self, s: &str) {
        self.0.push_str(s);
        self.0.push('\n');
    }

    /// `name =` followed by the matrix as a grid (four decimals for floats).
    fn matrix<T: Display>(&mut self, name: &str, m: &Matrix<T>, decimals: Option<usize>) {
        let grid = match decimals {
            Some(d) => format!("{m:.d$}"),
            None => format!("{m}"),
        };
        let _ = write!(self.0, "{name} =\n{grid}");
    }

    /// Every entry of a symbolic matrix as its own line `name_ij = formula`.
    fn formulas(&mut self, name: &str, m: &Matrix<Sym>) {
        for ((i, j), f) in m.indexed_iter() {
            let _ = writeln!(self.0, "  {name}{}{} = {f}", sub(i + 1), sub(j + 1));
        }
    }
}

/// A 1-based index as subscript digits.
fn sub(i: usize) -> String {
    Sym::indexed("", &[i]).to_string()
}

/// A formula with the example's numbers put in: `1·4 + (−1)·3 + …`.
fn substituted(f: &Sym) -> String {
    let num = |v: &Var| {
        let x = worked::value(v);
        if x < 0.0 { format!("({x})") } else { format!("{x}") }
    };
    let terms: Vec<String> = f
        .terms()
        .map(|(c, factors)| {
            let mut parts: Vec<String> = factors.iter().map(num).collect();
            if c != 1 {
                parts.insert(0, c.to_string());
            }
            parts.join("·")
        })
        .collect();
    terms.join(" + ")
}

/// The convolution layer on the notes' 3×3 input and 2×2 kernel.
pub fn conv() -> String {
    let mut t = Text(String::new());
    t.heading("Convolution layer: the 3×3 input, 2×2 kernel example");
    let ex = worked::numbers();
    t.line("Forward: the kernel slides over the input without being flipped (a valid");
    t.line("cross-correlation): z_ij = Σ_pq a_{i+p−1, j+q−1} w_pq, all indices counted");
    t.line("from 1, so the kernel's corner w₁₁ lies on a_ij.");
    t.matrix("a", &ex.a, None);
    t.matrix("w", &ex.w, None);
    t.matrix("z = correlate_valid(a, w)", &ex.forward(), None);
    t.line("\nBackward: the next layer hands back δ = ∂C/∂z.");
    t.matrix("δ", &ex.delta, None);
    t.line("\n∂C/∂a: every a_ij collects δ_pq · w_{i−p+1, j−q+1} from each output z_pq it fed.");
    t.line("That is a full convolution: pad δ with kh−1 = 1 ring of zeros, turn w by 180°,");
    t.line("and correlate. The padding lets the corner inputs, which fed one output only,");
    t.line("still meet their δ.");
    t.matrix("pad(δ, 1, 1)", &ex.padded_delta(), None);
    t.matrix("rot180(w)", &ex.rotated_kernel(), None);
    t.matrix("∂C/∂a = full_convolve(δ, w)", &ex.input_grad(), None);
    t.line("\n∂C/∂W: w_pq multiplied a_{i+p−1, j+q−1} in every output z_ij, so");
    t.line("∂C/∂w_pq = Σ_ij a_{i+p−1, j+q−1} δ_ij, the valid correlation of a with δ.");
    t.matrix("∂C/∂W = correlate_valid(a, δ)", &ex.kernel_grad(), None);
    let _ = writeln!(t.0, "∂C/∂b = Σ δ = {}", ex.bias_grad());
    let centre = worked::symbols().input_grad()[(1, 1)].clone();
    let _ = writeln!(
        t.0,
        "By hand, the centre entry: ∂C/∂a₂₂ = {centre} = {} = {}",
        substituted(&centre),
        ex.input_grad()[(1, 1)]
    );

    t.heading("The same steps on symbols");
    let sym = worked::symbols();
    t.matrix("a", &sym.a, None);
    t.matrix("w", &sym.w, None);
    t.matrix("δ", &sym.delta, None);
    t.line("z = correlate_valid(a, w):");
    t.formulas("z", &sym.forward());
    t.matrix("pad(δ, 1, 1)", &sym.padded_delta(), None);
    t.matrix("rot180(w)", &sym.rotated_kernel(), None);
    t.line("∂C/∂a = full_convolve(δ, w) (a zero of the padding contributes no term):");
    t.formulas("∂C/∂a", &sym.input_grad());
    t.line("∂C/∂W = correlate_valid(a, δ):");
    t.formulas("∂C/∂W", &sym.kernel_grad());
    let _ = writeln!(t.0, "  ∂C/∂b = {}", sym.bias_grad());
    t.line("\nAs a grid, ∂C/∂a =");
    t.0.push_str(&sym.input_grad().to_string());
    t.0
}

/// Chapter 1's 2 → 3 → 2 sigmoid network ([`worked::fc_network`]) with mean
/// squared error on one sample.
pub fn fc() -> String {
    let mut t = Text(String::new());
    t.heading("Fully connected layers: chapter 1's 2 → 3 → 2 sigmoid network, MSE, one sample");
    let worked::FcNetwork { x, y, w1, b1, w2, b2 } = worked::fc_network();
    let act = Activation::Sigmoid;
    let d = Some(4);
    t.line("Forward: z^l = W^l a^{l−1} + b^l, a^l = σ(z^l), σ(z) = 1/(1 + e^(−z)).");
    t.matrix("x = a⁰", &x, d);
    t.matrix("W¹", &w1, d);
    t.matrix("b¹", &b1, d);
    let z1 = fc::forward(&w1, &x, &b1);
    let a1 = Matrix(act.apply(&z1.0));
    t.matrix("z¹ = W¹x + b¹", &z1, d);
    t.matrix("a¹ = σ(z¹)", &a1, d);
    t.matrix("W²", &w2, d);
    t.matrix("b²", &b2, d);
    let z2 = fc::forward(&w2, &a1, &b2);
    let a2 = Matrix(act.apply(&z2.0));
    t.matrix("z² = W²a¹ + b²", &z2, d);
    t.matrix("a² = σ(z²)", &a2, d);
    t.matrix("y", &y, d);
    let (c, grad_a) = loss::mse(&a2, &y);
    let _ = writeln!(t.0, "C = ½‖a² − y‖² = {c:.6}");

    t.line("\nBackward. δ^l = ∂C/∂z^l. At the output the chain rule goes through a² = σ(z²):");
    let delta2 = fc::output_delta(&grad_a, &z2, act);
    t.matrix("δ² = (a² − y) ⊙ σ′(z²)", &delta2, d);
    t.line("Going back, the transpose sends each error along the weights that produced it:");
    let delta1 = fc::backprop_delta(&w2, &delta2, &z1, act);
    t.matrix("δ¹ = (W²)ᵀ δ² ⊙ σ′(z¹)", &delta1, d);
    t.line("Each weight w_ij multiplied a_j into z_i, so ∂C/∂w_ij = δ_i a_j:");
    t.matrix("∂C/∂W² = δ² (a¹)ᵀ", &fc::weight_grad(&delta2, &a1), d);
    t.matrix("∂C/∂b² = δ²", &fc::bias_grad(&delta2), d);
    let gw1 = fc::weight_grad(&delta1, &x);
    t.matrix("∂C/∂W¹ = δ¹ xᵀ", &gw1, d);
    t.matrix("∂C/∂b¹ = δ¹", &fc::bias_grad(&delta1), d);

    // Check ∂C/∂W¹ against finite differences right here.
    let mut w = w1.0.clone();
    let cost = |w: &Array2<f64>| {
        let a1 = act.apply(&fc::forward(w, &x, &b1).0);
        loss::mse(&act.apply(&fc::forward(&w2, &a1, &b2).0), &y.0).0
    };
    let num = numerical_grad(&mut w, 1e-5, cost);
    let _ = writeln!(
        t.0,
        "Check: central differences (h = 1e-5) give ∂C/∂W¹ with relative error {:.1e}.",
        rel_error(&gw1.0, &num)
    );

    t.heading("The same steps on symbols (last layer, one sample)");
    t.line("The same fc functions, run on symbols instead of numbers. Write W = W² (2×3),");
    t.line("b = b², a = a¹ = (a₁, a₂, a₃), δ = δ² = (δ₁, δ₂) and σ′ᵢ = σ′(z¹ᵢ).");
    let column = |name: &str, rows: usize| Matrix::from_fn(rows, 1, |i, _| Sym::indexed(name, &[i + 1]));
    let (w, b, a) = (Sym::matrix("w", 2, 3), column("b", 2), column("a", 3));
    let (delta, sigma_prime) = (column("δ", 2), column("σ′", 3));
    t.matrix("W", &w, None);
    t.matrix("z² = W a + b", &fc::forward(&w, &a, &b), None);
    t.matrix("∂C/∂a¹ = Wᵀ δ", &fc::input_grad(&w, &delta), None);
    let delta_prev = fc::backprop_delta_given(&w, &delta, &sigma_prime);
    t.matrix("δ¹ = Wᵀ δ ⊙ σ′", &delta_prev, None);
    let grad_w = fc::weight_grad(&delta, &a);
    t.matrix("∂C/∂W = δ aᵀ", &grad_w, None);
    t.matrix("∂C/∂b = δ", &fc::bias_grad(&delta), None);

    t.line("\nPutting in the numbers above (W = W², a = a¹, δ = δ², σ′ᵢ = σ′(z¹ᵢ)) gives them back:");
    let sigma_prime1 = act.derivative(&z1.0);
    let value = |v: &Var| {
        let i = v.index[0] - 1;
        match v.name.as_str() {
            "w" => w2[(i, v.index[1] - 1)],
            "b" => b2[(i, 0)],
            "a" => a1[(i, 0)],
            "δ" => delta2[(i, 0)],
            "σ′" => sigma_prime1[[i, 0]],
            other => unreachable!("the symbolic fc layer has no symbol {other}"),
        }
    };
    t.matrix("δ¹", &delta_prev.map(|f| f.eval(value)), d);
    t.matrix("∂C/∂W²", &grad_w.map(|f| f.eval(value)), d);
    t.line("For a batch, δ has one column per sample and ∂C/∂W, ∂C/∂b are averaged over it.");
    t.0
}

/// Mean and max pooling of chapter 3's 4×4 plane ([`worked::pool_input`])
/// with 2×2 windows, and an overlapping max pool (2×2 windows, stride 1) in
/// which one input collects the gradients of several windows.
pub fn pool() -> String {
    let mut t = Text(String::new());
    t.heading("Pooling: how the gradient is routed back");
    let x = worked::pool_input();
    let plane = |t4: &Array4<f64>| Matrix::from_view(t4.slice(s![0, 0, .., ..]));
    let da = worked::pool_output_grad();
    let d = None;
    t.line("A pooling layer has no weights and its output a is no pre-activation, so what");
    t.line("comes back from the next layer is written ∂C/∂a, not δ (δ is ∂C/∂z).");
    t.line("Positions count from 1: x₁₁ is row 1, column 1.");
    t.matrix("x", &plane(&x), d);
    t.matrix("∂C/∂a (from the next layer)", &plane(&da), d);

    t.line("\nMean pooling, 2×2 windows, stride 2: each output is the mean of its window,");
    t.line("so each of the 4 inputs gets ¼ of the window's ∂C/∂a.");
    t.matrix("a = mean_forward(x)", &plane(&pool::mean_forward(&x, 2, 2)), d);
    t.matrix("∂C/∂x = mean_backward(∂C/∂a)", &plane(&pool::mean_backward(&da, x.dim(), 2, 2)), d);

    t.line("\nMax pooling, 2×2 windows, stride 2: only the largest input of a window");
    t.line("affects the output, so it alone receives the window's ∂C/∂a; the forward pass");
    t.line("records where each maximum was.");
    let (a, argmax) = pool::max_forward(&x, 2, 2);
    t.matrix("a = max_forward(x)", &plane(&a), d);
    maxima(&mut t, &x, &argmax);
    t.matrix("∂C/∂x = max_backward(∂C/∂a)", &plane(&pool::max_backward(&da, &argmax)), d);

    let (a3, argmax3) = pool::max_forward(&x, 2, 1);
    let ones = Array4::ones(a3.raw_dim());
    let dx3 = pool::max_backward(&ones, &argmax3);
    // The input that the most windows chose.
    // Of equal counts the first, row by row, is kept.
    let ((_, _, r, c), &count) = dx3
        .indexed_iter()
        .reduce(|best, next| if next.1 > best.1 { next } else { best })
        .expect("the plane is not empty");
    t.line("\nOverlapping windows (2×2, stride 1): an input can be the maximum of several");
    t.line("windows, and then it collects the sum of their ∂C/∂a. Accumulate, never assign.");
    t.matrix("a = max_forward(x, 2, 1)", &plane(&a3), d);
    maxima(&mut t, &x, &argmax3);
    t.line("With ∂C/∂a = 1 at every output, ∂C/∂x counts the windows that chose each input:");
    t.matrix("∂C/∂x = max_backward(1)", &plane(&dx3), d);
    let _ = writeln!(
        t.0,
        "The {} at x{}{} (row {}, column {}) is the maximum of {} windows.",
        x[[0, 0, r, c]],
        sub(r + 1),
        sub(c + 1),
        r + 1,
        c + 1,
        count
    );

    t.heading("The same routing on symbols");
    t.line("Write g_ij = ∂C/∂a_ij for the gradient arriving at output (i, j).");
    let quarter = Matrix::from_fn(4, 4, |i, j| Sym::var("g", i / 2 + 1, j / 2 + 1));
    t.matrix("mean pooling: 4 · ∂C/∂x", &quarter, None);
    t.matrix("max pooling 2×2: ∂C/∂x", &routed(&argmax), None);
    t.matrix("max pooling 2×2, stride 1: ∂C/∂x", &routed(&argmax3), None);
    t.0
}

/// One line per output window: where its maximum was, counted from 1.
fn maxima(t: &mut Text, x: &Array4<f64>, argmax: &pool::Argmax) {
    let (_, _, oh, ow) = argmax.index.dim();
    let found: Vec<String> = (0..oh)
        .flat_map(|i| (0..ow).map(move |j| (i, j)))
        .map(|(i, j)| {
            let (r, c) = argmax.position(0, 0, i, j);
            format!("a{}{} ← x{}{} = {}", sub(i + 1), sub(j + 1), sub(r + 1), sub(c + 1), x[[0, 0, r, c]])
        })
        .collect();
    t.line(&format!("Maxima recorded: {}", found.join(", ")));
}

/// g_ij = ∂C/∂a_ij placed at the recorded maximum of window (i, j), summed
/// where windows share a maximum.
fn routed(argmax: &pool::Argmax) -> Matrix<Sym> {
    let (_, _, h, w) = argmax.input_shape;
    let mut m = Matrix::<Sym>::zeros(h, w);
    let (_, _, oh, ow) = argmax.index.dim();
    for i in 0..oh {
        for j in 0..ow {
            let (r, c) = argmax.position(0, 0, i, j);
            m[(r, c)] = m[(r, c)].clone() + Sym::var("g", i + 1, j + 1);
        }
    }
    m
}

/// All three explanations: fc, conv, pool.
pub fn all() -> String {
    [fc(), conv(), pool()].join("\n")
}
