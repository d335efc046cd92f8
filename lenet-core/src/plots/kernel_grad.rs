//! The kernel gradient of a convolution, ∂C/∂w = correlate_valid(a, δ), one
//! entry at a time: δ laid over the input a like a kernel, and the products
//! a_ij·δ_pq that meet there.

use super::Svg;
use super::window::{self, Slide, Step, number, term};
use crate::conv;
use crate::matrix::Matrix;
use crate::symbolic::Sym;

/// The kernel gradient as δ sliding over the layer input `a`: one panel per
/// entry ∂C/∂w_uv, laid out in a grid of the kernel's shape (2×2 panels for
/// the worked example's 3×3 a and 2×2 δ). Each panel shows a with δ
/// (orange, each cell naming the δ entry lying there) over the window at
/// (u, v), the products that meet (`a₁₁·δ₁₁ = 1·1 = 1`, in the order of the
/// notebook's symbolic formulas) and their sum ∂C/∂w_uv: the entry w_uv
/// multiplied a_{i+u−1, j+v−1} in output z_ij, so it collects that input
/// times δ_ij. No padding and no turn, unlike ∂C/∂a.
///
/// The values come from [`conv::kernel_grad`], the function the notebooks
/// call, so the panels show the numbers the cells print.
///
/// # Panics
/// If δ is empty or larger than a.
pub fn kernel_grad_panels(a: &Matrix<f64>, delta: &Matrix<f64>) -> Svg {
    let grad = conv::kernel_grad(a, delta);
    let (h, w) = a.shape2();
    let (m, n) = delta.shape2();
    let a_names = Sym::matrix("a", h, w);
    let delta_names = Sym::matrix("δ", m, n);
    let steps = grad
        .indexed_iter()
        .map(|((p, q), &g)| {
            let mut terms = Vec::new();
            for i in 0..m {
                for j in 0..n {
                    let (x, d) = (a_names[(p + i, q + j)].to_string(), delta_names[(i, j)].to_string());
                    terms.push(term(&x, &d, a[(p + i, q + j)], delta[(i, j)]));
                }
            }
            let entry = format!("∂C/∂{}", Sym::var("w", p + 1, q + 1));
            Step { result: format!("{entry} = {}", number(g)), title: entry, at: (p, q), terms }
        })
        .collect();
    window::draw(&Slide {
        heading: vec![
            "∂C/∂w = correlate_valid(a, δ): δ (orange) slides over a,".to_string(),
            "no padding, no turn; the products add up.".to_string(),
        ],
        grid: a.0.clone(),
        data: ndarray::Array2::from_elem((h, w), true),
        window: delta_names.map(|s| s.to_string()).0,
        steps,
        shape: grad.shape2(),
    })
}
