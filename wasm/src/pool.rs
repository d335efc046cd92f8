//! Chapter 3's widget: where pooling sends the gradient. One n×n plane is
//! pooled with a size×size window and step `stride` (overlapping windows
//! when stride < size), max ([`lenet_core::pool::max_forward`]) or mean
//! ([`lenet_core::pool::mean_forward`]); the gradient ∂C/∂a at the output goes
//! back through the matching backward function. Each output entry's route is
//! that backward function applied to ∂C/∂a with every other entry zeroed, so
//! the picture is drawn from the same code as the totals. For max pooling the
//! notes' backward that assigns instead of accumulating (erratum 15,
//! [`lenet_core::errata::max_backward_assigning`]) is returned beside it.

use crate::common::{answer, matrix};
use lenet_core::ndarray::{Array4, Ix4};
use lenet_core::{errata, pool, rng::Rng};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

/// The input sizes, window sizes and strides the widget offers.
pub const INPUT_SIZES: std::ops::RangeInclusive<usize> = 4..=7;
pub const WINDOWS: std::ops::RangeInclusive<usize> = 2..=3;
pub const STRIDES: std::ops::RangeInclusive<usize> = 1..=3;

/// A pooling layer's backward pass: ∂C/∂a to ∂C/∂x.
type Backward = Box<dyn Fn(&Array4<f64>) -> Array4<f64>>;

fn plane(m: &lenet_core::Matrix<f64>) -> Array4<f64> {
    let (r, c) = m.shape2();
    m.0.clone().into_shape_with_order((1, 1, r, c)).expect("one plane").into_dimensionality::<Ix4>().expect("4-D")
}

fn rows(x: &Array4<f64>) -> Value {
    let (_, _, h, w) = x.dim();
    json!((0..h).map(|i| (0..w).map(|j| x[[0, 0, i, j]]).collect::<Vec<_>>()).collect::<Vec<_>>())
}

/// The output side for an n×n input, or why the window does not tile it.
fn output_side(n: usize, size: usize, stride: usize) -> Result<usize, String> {
    if !INPUT_SIZES.contains(&n) {
        return Err(format!("the input is {n}×{n}; the widget takes 4×4 up to 7×7"));
    }
    if !WINDOWS.contains(&size) || !STRIDES.contains(&stride) {
        return Err(format!("window {size} and stride {stride}: the widget takes windows 2–3 and strides 1–3"));
    }
    if !(n - size).is_multiple_of(stride) {
        return Err(format!(
            "a {size}×{size} window with stride {stride} does not tile a {n}×{n} input: \
             {n} − {size} = {} is not a multiple of {stride}",
            n - size
        ));
    }
    Ok(pool::output_len(n, size, stride))
}

/// Starting numbers for an n×n input: chapter 3's plane
/// ([`lenet_core::worked::pool_input`]) for 4×4, else whole numbers 0–9 drawn
/// from a generator seeded with `seed`; and a ∂C/∂a for the output size m
/// (chapter 3's for 2×2, else multiples of 4 with both signs).
pub fn defaults(n: usize, size: usize, stride: usize, seed: u64) -> Result<Value, String> {
    let m = output_side(n, size, stride)?;
    let x = if n == 4 && seed == 0 {
        lenet_core::worked::pool_input()
    } else {
        let mut rng = Rng::new(seed);
        Array4::from_shape_fn((1, 1, n, n), |_| rng.below(10) as f64)
    };
    let dy = if m == 2 {
        lenet_core::worked::pool_output_grad()
    } else {
        const CYCLE: [f64; 5] = [4.0, -8.0, 2.0, 12.0, -4.0];
        Array4::from_shape_fn((1, 1, m, m), |(_, _, i, j)| CYCLE[(i * m + j) % CYCLE.len()])
    };
    Ok(json!({ "x": rows(&x), "dy": rows(&dy) }))
}

/// Forward, backward and each output's route for an n×n input `x` and an
/// m×m gradient `dy`, row-major; `max` picks max pooling, else mean.
pub fn routing(x: &[f64], n: usize, size: usize, stride: usize, max: bool, dy: &[f64]) -> Result<Value, String> {
    let m = output_side(n, size, stride)?;
    let x = plane(&matrix("the input x", x, n, n)?);
    let dy = plane(&matrix("∂C/∂a", dy, m, m)?);
    let (y, backward): (Array4<f64>, Backward) = if max {
        let (y, argmax) = pool::max_forward(&x, size, stride);
        (y, Box::new(move |g| pool::max_backward(g, &argmax)))
    } else {
        let y = pool::mean_forward(&x, size, stride);
        let shape = x.dim();
        (y, Box::new(move |g| pool::mean_backward(g, shape, size, stride)))
    };
    let dx = backward(&dy);
    let routes: Vec<Vec<Value>> = (0..m)
        .map(|i| {
            (0..m)
                .map(|j| {
                    // Where a unit gradient goes says which inputs receive
                    // (also when this entry's ∂C/∂a is 0); the entry itself
                    // says how much.
                    let mut unit = Array4::zeros(dy.dim());
                    unit[[0, 0, i, j]] = 1.0;
                    let reached = backward(&unit);
                    unit[[0, 0, i, j]] = dy[[0, 0, i, j]];
                    let part = backward(&unit);
                    let to: Vec<Value> = reached
                        .indexed_iter()
                        .filter(|(_, v)| **v != 0.0)
                        .map(|((_, _, r, c), _)| json!([r, c, part[[0, 0, r, c]]]))
                        .collect();
                    json!({ "window": [i * stride, j * stride], "to": to })
                })
                .collect()
        })
        .collect();
    let assigning = if max {
        let (_, argmax) = pool::max_forward(&x, size, stride);
        Some(rows(&errata::max_backward_assigning(&dy, &argmax)))
    } else {
        None
    };
    Ok(json!({ "y": rows(&y), "dx": rows(&dx), "routes": routes, "dx_assigning": assigning }))
}

/// [`defaults`] as JSON text for the page.
#[wasm_bindgen]
pub fn pool_defaults(n: usize, size: usize, stride: usize, seed: u32) -> String {
    answer(defaults(n, size, stride, seed as u64))
}

/// [`routing`] as JSON text for the page.
#[wasm_bindgen]
pub fn pool_routing(x: &[f64], n: usize, size: usize, stride: usize, max: bool, dy: &[f64]) -> String {
    answer(routing(x, n, size, stride, max, dy))
}
