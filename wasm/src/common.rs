//! What every widget module shares: reading the flat arrays JavaScript
//! passes into matrices (with a clear error instead of a panic), and writing
//! results as the JSON text each widget's script parses.

use lenet_core::{Matrix, Sym};
use serde_json::{Value, json};

/// An `rows × cols` matrix from the row-major `values` the page sent, or an
/// error naming `what` and both sizes.
pub fn matrix(what: &str, values: &[f64], rows: usize, cols: usize) -> Result<Matrix<f64>, String> {
    if rows == 0 || cols == 0 {
        return Err(format!("{what} is {rows}×{cols}: it must have at least one entry"));
    }
    if values.len() != rows * cols {
        return Err(format!(
            "{what} should be {rows}×{cols} ({} numbers) but the page sent {}",
            rows * cols,
            values.len()
        ));
    }
    if let Some(k) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!("{what}: entry ({}, {}) is {}, not a number", k / cols + 1, k % cols + 1, values[k]));
    }
    Ok(Matrix::from_fn(rows, cols, |i, j| values[i * cols + j]))
}

/// A matrix of numbers as rows of numbers.
pub fn numbers(m: &Matrix<f64>) -> Value {
    json!(m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

/// A matrix of formulas as rows of strings (the notes' notation, `δ₁₁·w₂₂`).
pub fn formulas(m: &Matrix<Sym>) -> Value {
    json!(m.rows().into_iter().map(|r| r.iter().map(Sym::to_string).collect::<Vec<_>>()).collect::<Vec<_>>())
}

/// The JSON text of a result, or of `{"error": message}`.
pub fn answer(result: Result<Value, String>) -> String {
    match result {
        Ok(v) => v.to_string(),
        Err(e) => json!({ "error": e }).to_string(),
    }
}
