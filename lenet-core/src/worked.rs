//! The notes' worked example: a 3×3 input `a`, a 2×2 kernel `w`, and the
//! 2×2 error δ = ∂C/∂z that comes back from the next layer.
//!
//! It exists twice: with small integers a reader can check by hand
//! ([`numbers`]) and with symbols `a₁₁ … a₃₃`, `w₁₁ … w₂₂`, `δ₁₁ … δ₂₂`
//! ([`symbols`]). Both go through the same functions of [`crate::conv`], so
//! the symbolic formulas are the ones that produce the numbers.
//!
//! ```
//! let ex = lenet_core::worked::symbols();
//! assert_eq!(ex.input_grad()[(1, 1)].to_string(), "δ₁₁·w₂₂ + δ₁₂·w₂₁ + δ₂₁·w₁₂ + δ₂₂·w₁₁");
//! ```

use crate::conv;
use crate::element::Element;
use crate::matrix::Matrix;
use crate::symbolic::Sym;

/// The three matrices of the example.
#[derive(Clone, Debug, PartialEq)]
pub struct Example<T> {
    /// The 3×3 input of the convolution layer, a^l.
    pub a: Matrix<T>,
    /// The 2×2 kernel, W^{l+1}.
    pub w: Matrix<T>,
    /// The 2×2 error of the output, δ^{l+1} = ∂C/∂z^{l+1}.
    pub delta: Matrix<T>,
}

/// The example with numbers: a = 1…9 row by row, w = [[1, 2], [3, 4]],
/// δ = [[1, −1], [2, 1]] (a negative entry so that signs show up).
pub fn numbers() -> Example<i64> {
    Example {
        a: Matrix::from_rows(&[[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        w: Matrix::from_rows(&[[1, 2], [3, 4]]),
        delta: Matrix::from_rows(&[[1, -1], [2, 1]]),
    }
}

/// The example with symbols `a₁₁ … a₃₃`, `w₁₁ … w₂₂`, `δ₁₁ … δ₂₂`.
pub fn symbols() -> Example<Sym> {
    Example { a: Sym::matrix("a", 3, 3), w: Sym::matrix("w", 2, 2), delta: Sym::matrix("δ", 2, 2) }
}

impl<T: Element> Example<T> {
    /// The forward output z = correlate_valid(a, w) (2×2):
    /// z_ij = Σ_pq a_{i+p−1, j+q−1} w_pq (indices from 1, as the book counts).
    pub fn forward(&self) -> Matrix<T> {
        conv::correlate_valid(&self.a, &self.w)
    }

    /// ∂C/∂a = full_convolve(δ, w) (3×3): δ padded with one ring of zeros,
    /// correlated with rot180(w).
    pub fn input_grad(&self) -> Matrix<T> {
        conv::input_grad(&self.delta, &self.w)
    }

    /// The padded δ of the full convolution (4×4), for showing the step.
    pub fn padded_delta(&self) -> Matrix<T> {
        let (kh, kw) = self.w.shape2();
        conv::pad(&self.delta, kh - 1, kw - 1)
    }

    /// rot180(w), for showing the step.
    pub fn rotated_kernel(&self) -> Matrix<T> {
        conv::rot180(&self.w)
    }

    /// ∂C/∂W = correlate_valid(a, δ) (2×2): ∂C/∂w_pq = Σ_ij a_{i+p−1, j+q−1} δ_ij.
    pub fn kernel_grad(&self) -> Matrix<T> {
        conv::kernel_grad(&self.a, &self.delta)
    }

    /// ∂C/∂b = Σ_ij δ_ij.
    pub fn bias_grad(&self) -> T {
        conv::bias_grad(&self.delta)
    }
}

/// The value of each symbol of [`symbols`] in [`numbers`], so a formula can
/// be evaluated on the example: `f.eval(worked::value)`.
///
/// # Panics
/// On a symbol that is not one of `a`, `w`, `δ` with subscripts inside the
/// example.
pub fn value(v: &crate::symbolic::Var) -> f64 {
    let ex = numbers();
    let m = match v.name.as_str() {
        "a" => &ex.a,
        "w" => &ex.w,
        "δ" => &ex.delta,
        other => panic!("worked::value: the example has no symbol named {other}"),
    };
    let (rows, cols) = m.shape2();
    match v.index[..] {
        [i, j] if (1..=rows).contains(&i) && (1..=cols).contains(&j) => m[(i - 1, j - 1)] as f64,
        _ => panic!("worked::value: {v} is outside the {rows}×{cols} matrix {}", v.name),
    }
}

/// The small fully connected network of chapter 1 and `lenet explain fc`:
/// 2 inputs, 3 hidden sigmoid neurons, 2 sigmoid outputs, one sample, squared
/// error against `y`. Each sample is a column; `W¹` is 3×2, `W²` is 2×3.
#[derive(Clone, Debug, PartialEq)]
pub struct FcNetwork {
    /// The input a⁰ = x (2×1) and the target y (2×1).
    pub x: Matrix<f64>,
    pub y: Matrix<f64>,
    /// Layer 1: W¹ (3×2), b¹ (3×1).
    pub w1: Matrix<f64>,
    pub b1: Matrix<f64>,
    /// Layer 2: W² (2×3), b² (2×1).
    pub w2: Matrix<f64>,
    pub b2: Matrix<f64>,
}

/// The network's numbers, chosen by hand so every value is easy to read.
pub fn fc_network() -> FcNetwork {
    FcNetwork {
        x: Matrix::from_rows(&[[0.5], [-1.0]]),
        y: Matrix::from_rows(&[[1.0], [0.0]]),
        w1: Matrix::from_rows(&[[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]),
        b1: Matrix::from_rows(&[[0.0], [0.2], [-0.1]]),
        w2: Matrix::from_rows(&[[0.3, -0.1, 0.2], [-0.4, 0.5, 0.1]]),
        b2: Matrix::from_rows(&[[0.05], [-0.05]]),
    }
}

/// The 4×4 plane that chapter 3 and `lenet explain pool` pool (one sample,
/// one channel): its 2×2 windows have distinct maxima, and the 8 at (2, 3)
/// is the maximum of four overlapping 2×2 windows of stride 1.
pub fn pool_input() -> ndarray::Array4<f64> {
    ndarray::array![[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 1.0], [0.0, 2.0, 6.0, 7.0], [9.0, 1.0, 3.0, 5.0],]]]
}

/// The gradient ∂C/∂a that arrives at the 2×2 output of [`pool_input`]'s
/// 2×2, stride-2 pooling, with both signs and a multiple of 4 in every entry
/// (so mean pooling's quarters are whole numbers).
pub fn pool_output_grad() -> ndarray::Array4<f64> {
    ndarray::array![[[[4.0, -8.0], [2.0, 12.0]]]]
}

/// The 1-D warm-up of chapter 2: an input of 5 numbers, a kernel of 3
/// weights and the error δ = ∂C/∂z of the 3 outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct OneD<T> {
    /// The input a₁ … a₅.
    pub a: Vec<T>,
    /// The kernel w₁ … w₃.
    pub w: Vec<T>,
    /// δ₁ … δ₃ = ∂C/∂z₁ … ∂C/∂z₃.
    pub delta: Vec<T>,
}

/// The 1-D example with small integers: a = (2, 1, 0, 3, 1),
/// w = (1, 2, −1), δ = (1, −1, 2).
pub fn one_d_numbers() -> OneD<i64> {
    OneD { a: vec![2, 1, 0, 3, 1], w: vec![1, 2, -1], delta: vec![1, -1, 2] }
}

/// The 1-D example with symbols a₁ … a₅, w₁ … w₃, δ₁ … δ₃.
pub fn one_d_symbols() -> OneD<Sym> {
    let v = |name: &str, n: usize| (1..=n).map(|i| Sym::indexed(name, &[i])).collect();
    OneD { a: v("a", 5), w: v("w", 3), delta: v("δ", 3) }
}

impl<T: Element> OneD<T> {
    /// z = correlate_valid(a, w): z_i = Σ_p a_{i+p−1} w_p.
    pub fn forward(&self) -> Vec<T> {
        conv::one_d::correlate_valid(&self.a, &self.w)
    }

    /// ∂C/∂a = correlate_valid(pad(δ, 2), flip(w)): ∂C/∂a_j = Σ_i δ_i w_{j−i+1}.
    pub fn input_grad(&self) -> Vec<T> {
        conv::one_d::input_grad(&self.delta, &self.w)
    }

    /// ∂C/∂w = correlate_valid(a, δ): ∂C/∂w_p = Σ_i δ_i a_{i+p−1}.
    pub fn kernel_grad(&self) -> Vec<T> {
        conv::one_d::kernel_grad(&self.a, &self.delta)
    }
}

impl OneD<i64> {
    /// The numbers as `f64`, for the picture and finite differences.
    pub fn to_f64(&self) -> OneD<f64> {
        let f = |v: &[i64]| v.iter().map(|&x| x as f64).collect();
        OneD { a: f(&self.a), w: f(&self.w), delta: f(&self.delta) }
    }
}
