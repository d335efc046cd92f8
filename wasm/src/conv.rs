//! Chapter 2's widget: the backward pass of a convolution layer, entry by
//! entry. For z = correlate_valid(a, w) with a h×h input, a k×k kernel and
//! the error δ = ∂C/∂z ((h−k+1)×(h−k+1)) it returns
//!
//! - ∂C/∂a = full_convolve(δ, w): δ padded with k−1 rings of zeros,
//!   correlated with rot180(w) ([`lenet_core::conv::input_grad`]);
//! - ∂C/∂W = correlate_valid(a, δ): δ sliding over a ([`lenet_core::conv::kernel_grad`]);
//! - each entry's formula, from the same functions run on [`Sym`], with its
//!   terms and its value on the page's numbers;
//! - the notes' versions ([`lenet_core::errata`]): erratum 8, δ^{l+1} correlated
//!   with rot180(W) without padding (only the interior of ∂C/∂a survives),
//!   and erratum 13, convolve2d(δ, a) for the kernel gradient (δ turned by
//!   180° before it slides).

use crate::common::{answer, matrix, numbers};
use lenet_core::symbolic::Var;
use lenet_core::{Matrix, Sym, conv, errata, worked};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

/// The input sizes and kernel sizes the widget offers.
pub const INPUT_SIZES: std::ops::RangeInclusive<usize> = 3..=6;
pub const KERNEL_SIZES: std::ops::RangeInclusive<usize> = 2..=3;

fn check_sizes(h: usize, k: usize) -> Result<usize, String> {
    if !INPUT_SIZES.contains(&h) {
        return Err(format!("the input a is {h}×{h}; the widget takes 3×3 up to 6×6"));
    }
    if !KERNEL_SIZES.contains(&k) {
        return Err(format!("the kernel w is {k}×{k}; the widget takes 2×2 or 3×3"));
    }
    if k > h {
        return Err(format!("the kernel w {k}×{k} is larger than the input a {h}×{h}"));
    }
    Ok(h - k + 1)
}

/// Starting numbers for an h×h input and a k×k kernel: the notes' worked
/// example ([`worked::numbers`]) for 3×3 and 2×2; otherwise a = 1, 2, … row by
/// row, w = 1, 2, … and δ cycling through 1, −1, 2, 1 (a negative entry so
/// that signs show).
pub fn defaults(h: usize, k: usize) -> Result<Value, String> {
    let m = check_sizes(h, k)?;
    if (h, k) == (3, 2) {
        let ex = worked::numbers();
        let f = |x: &Matrix<i64>| numbers(&x.map(|&v| v as f64));
        return Ok(json!({ "a": f(&ex.a), "w": f(&ex.w), "delta": f(&ex.delta) }));
    }
    let count = |n: usize| Matrix::from_fn(n, n, |i, j| (i * n + j + 1) as f64);
    const CYCLE: [f64; 4] = [1.0, -1.0, 2.0, 1.0];
    let delta = Matrix::from_fn(m, m, |i, j| CYCLE[(i * m + j) % CYCLE.len()]);
    Ok(json!({ "a": numbers(&count(h)), "w": numbers(&count(k)), "delta": numbers(&delta) }))
}

/// The page's value of a symbol of the formulas: a_ij, w_ij or δ_ij.
fn value_of<'m>(a: &'m Matrix<f64>, w: &'m Matrix<f64>, d: &'m Matrix<f64>) -> impl Fn(&Var) -> f64 + 'm {
    move |v: &Var| {
        let m = match v.name.as_str() {
            "a" => a,
            "w" => w,
            _ => d,
        };
        m[(v.index[0] - 1, v.index[1] - 1)]
    }
}

/// One formula: its text, its terms (each with its factors' values and
/// product) and its value on the page's numbers.
fn entry(s: &Sym, value: &impl Fn(&Var) -> f64) -> Value {
    let terms: Vec<Value> = s
        .terms()
        .map(|(c, factors)| {
            let values: Vec<f64> = factors.iter().map(value).collect();
            json!({
                "coefficient": c,
                "factors": factors.iter().map(Var::to_string).collect::<Vec<_>>(),
                "values": values,
                "product": values.iter().fold(c as f64, |p, v| p * v),
            })
        })
        .collect();
    json!({ "formula": s.to_string(), "terms": terms, "value": s.eval(value) })
}

/// The formulas of every entry for one pair of sizes: they depend on the
/// shapes only, so each is derived once (on [`Sym`], by the same functions)
/// and kept while the reader edits numbers.
struct Formulas {
    h: usize,
    k: usize,
    /// ∂C/∂a = full_convolve(δ, w) and ∂C/∂W = correlate_valid(a, δ).
    da: Matrix<Sym>,
    dw: Matrix<Sym>,
    /// The notes' versions: δ ⋆ rot180(w) unpadded (None when δ is smaller
    /// than the kernel, so it has no entry), and convolve2d(δ, a).
    da_written: Option<Matrix<Sym>>,
    dw_written: Matrix<Sym>,
}

impl Formulas {
    fn derive(h: usize, k: usize) -> Formulas {
        let m = h - k + 1;
        let (sa, sw, sd) = (Sym::matrix("a", h, h), Sym::matrix("w", k, k), Sym::matrix("δ", m, m));
        Formulas {
            h,
            k,
            da: conv::input_grad(&sd, &sw),
            dw: conv::kernel_grad(&sa, &sd),
            da_written: (m >= k).then(|| errata::delta_as_written(&sd, &sw)),
            dw_written: errata::true_conv_kernel_grad_as_written(&sa, &sd),
        }
    }
}

thread_local! {
    static FORMULAS: std::cell::RefCell<Option<Formulas>> = const { std::cell::RefCell::new(None) };
}

/// Everything the widget draws for input `a` (h×h), kernel `w` (k×k) and
/// δ ((h−k+1)×(h−k+1)), all row-major, with the formula of the picked entry
/// (i, j) (from 0) of ∂C/∂a (`of` = "da") or ∂C/∂W ("dw"), correct and as
/// the notes wrote it (null where their version has no such entry).
#[allow(clippy::too_many_arguments)]
pub fn backward(
    a: &[f64],
    h: usize,
    w: &[f64],
    k: usize,
    delta: &[f64],
    of: &str,
    i: usize,
    j: usize,
) -> Result<Value, String> {
    let m = check_sizes(h, k)?;
    let a = matrix("the input a", a, h, h)?;
    let w = matrix("the kernel w", w, k, k)?;
    let d = matrix("δ", delta, m, m)?;
    let side = match of {
        "da" => h,
        "dw" => k,
        _ => {
            return Err(format!("the picked entry is of {of:?}; the widget has \"da\" (∂C/∂a) and \"dw\" (∂C/∂W)"));
        }
    };
    if i >= side || j >= side {
        return Err(format!("the picked entry ({}, {}) is outside the {side}×{side} gradient", i + 1, j + 1));
    }
    let value = value_of(&a, &w, &d);
    let o = k - 1;
    let pick = FORMULAS.with(|cell| {
        let mut cache = cell.borrow_mut();
        if cache.as_ref().is_none_or(|f| (f.h, f.k) != (h, k)) {
            *cache = Some(Formulas::derive(h, k));
        }
        let f = cache.as_ref().expect("derived above");
        let (correct, written) = if of == "da" {
            let written = f.da_written.as_ref().and_then(|g| {
                let (r, c) = g.shape2();
                (i >= o && j >= o && i - o < r && j - o < c).then(|| entry(&g[(i - o, j - o)], &value))
            });
            (entry(&f.da[(i, j)], &value), written)
        } else {
            (entry(&f.dw[(i, j)], &value), Some(entry(&f.dw_written[(i, j)], &value)))
        };
        json!({ "correct": correct, "written": written })
    });
    // Erratum 8 needs δ at least as large as the kernel; smaller, the notes'
    // valid correlation has no entry at all.
    let written_da = (m >= k).then(|| numbers(&errata::delta_as_written(&d, &w)));
    Ok(json!({
        "z": numbers(&conv::correlate_valid(&a, &w)),
        "da": numbers(&conv::input_grad(&d, &w)),
        "dw": numbers(&conv::kernel_grad(&a, &d)),
        "padded": numbers(&conv::pad(&d, k - 1, k - 1)),
        "rot": numbers(&conv::rot180(&w)),
        "rot_delta": numbers(&conv::rot180(&d)),
        "pick": pick,
        "written": {
            // ∂C/∂a as the notes wrote it: its entry (i, j) stands for a's
            // entry (i + k − 1, j + k − 1); the border has none.
            "da": written_da,
            "da_offset": o,
            "dw": numbers(&errata::true_conv_kernel_grad_as_written(&a, &d)),
        },
    }))
}

/// [`defaults`] as JSON text for the page.
#[wasm_bindgen]
pub fn conv_defaults(h: usize, k: usize) -> String {
    answer(defaults(h, k))
}

/// [`backward`] as JSON text for the page.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn conv_backward(a: &[f64], h: usize, w: &[f64], k: usize, delta: &[f64], of: &str, i: usize, j: usize) -> String {
    answer(backward(a, h, w, k, delta, of, i, j))
}
