//! The input gradient of a convolution, ∂C/∂a = full_convolve(δ, w), one
//! entry at a time: δ padded with zeros, the kernel turned by 180° laid over
//! it at the entry's position, and the products δ_pq·w_rs that meet there.

use super::Svg;
use super::window::{self, Slide, Step, number, term};
use crate::conv;
use crate::matrix::Matrix;
use crate::symbolic::Sym;

/// The full convolution of `delta` (δ = ∂C/∂z) with the kernel `w` as a
/// sequence of small panels, one per entry of ∂C/∂a and laid out in a grid of
/// ∂C/∂a's shape (3×3 panels for the worked example's 2×2 δ and 2×2 w; a grid
/// too wide for the book's column wraps row by row). Each panel shows δ
/// padded with kh−1 rows and kw−1 columns of zeros, rot180(w) at the position
/// of ∂C/∂a_ij with each cell naming the kernel entry lying there, the
/// products that meet (`δ₁₁·w₂₂ = 1·4 = 4`, in the order of the notebook's
/// symbolic formulas) and their sum, ∂C/∂a_ij. It shows why the padding is
/// needed: a corner of a takes part in one output only, and only the padding
/// lets the turned kernel reach it.
///
/// The padded δ, the turned kernel and the values come from
/// [`conv::pad`], [`conv::rot180`] and [`conv::input_grad`], the functions
/// the notebooks call, so the panels show the numbers the cells print.
///
/// # Panics
/// If δ or the kernel is empty.
pub fn full_convolution_panels(delta: &Matrix<f64>, w: &Matrix<f64>) -> Svg {
    let (m, n) = delta.shape2();
    let (kh, kw) = w.shape2();
    assert!(
        m > 0 && n > 0 && kh > 0 && kw > 0,
        "full_convolution_panels: δ is {m}×{n} and w is {kh}×{kw}; neither may be empty"
    );
    let grad = conv::input_grad(delta, w);
    let padded = conv::pad(delta, kh - 1, kw - 1);
    let turned = conv::rot180(w);
    // The same steps on symbols name each entry: zero where δ is padding.
    let padded_names = conv::pad(&Sym::matrix("δ", m, n), kh - 1, kw - 1);
    let turned_names = conv::rot180(&Sym::matrix("w", kh, kw));
    let zero = Sym::int(0);
    let steps = grad
        .indexed_iter()
        .map(|((i, j), &g)| {
            let mut terms = Vec::new();
            for p in 0..kh {
                for q in 0..kw {
                    let (r, c) = (i + p, j + q);
                    if padded_names[(r, c)] != zero {
                        let (d, k) = (padded_names[(r, c)].to_string(), turned_names[(p, q)].to_string());
                        terms.push(term(&d, &k, padded[(r, c)], turned[(p, q)]));
                    }
                }
            }
            let entry = format!("∂C/∂{}", Sym::var("a", i + 1, j + 1));
            Step { result: format!("{entry} = {}", number(g)), title: entry, at: (i, j), terms }
        })
        .collect();
    window::draw(&Slide {
        heading: vec![
            "∂C/∂a = full_convolve(δ, w): δ padded with zeros (grey),".to_string(),
            "w turned 180° (orange) over it; the products add up.".to_string(),
        ],
        data: padded_names.map(|s| *s != zero).0,
        grid: padded.0,
        window: turned_names.map(|s| s.to_string()).0,
        steps,
        shape: grad.shape2(),
    })
}
