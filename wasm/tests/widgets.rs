//! The conv, pool and fc widgets' Rust side, natively: what they answer for
//! the book's examples, and a clear error (never a panic) for anything the
//! page might send that a layer cannot take. The browser test
//! (scripts/check-widgets.py) checks the same functions in WebAssembly.
//!
//!     cd wasm && CARGO_TARGET_DIR=../target/wasm cargo test --release --test widgets

use lenet_widgets::{conv, fc, pool};
use serde_json::Value;

/// A matrix the widget sent (rows of numbers) as its entries, row by row.
fn flat(rows: &Value) -> Vec<f64> {
    rows.as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap())).collect()
}

fn parse(s: String) -> Value {
    serde_json::from_str(&s).expect("the widgets answer JSON")
}

fn error(v: &Value) -> &str {
    v["error"].as_str().unwrap_or_else(|| panic!("expected an error, got {v}"))
}

#[test]
fn conv_default_example_gives_the_notes_formula_for_da22() {
    let d = parse(conv::conv_defaults(3, 2));
    let flat = |key: &str| flat(&d[key]);
    let r = parse(conv::conv_backward(&flat("a"), 3, &flat("w"), 2, &flat("delta"), "da", 1, 1));
    assert_eq!(r["pick"]["correct"]["formula"], "δ₁₁·w₂₂ + δ₁₂·w₂₁ + δ₂₁·w₁₂ + δ₂₂·w₁₁");
    // δ = [[1, −1], [2, 1]], w = [[1, 2], [3, 4]]: 1·4 − 1·3 + 2·2 + 1·1.
    assert_eq!(r["pick"]["correct"]["value"], 6.0);
    assert_eq!(r["da"][1][1], 6.0);
    // Erratum 8 keeps the interior only: a 1×1 result, the same value.
    assert_eq!(r["written"]["da"], serde_json::json!([[6.0]]));
    // A corner of ∂C/∂a has no entry in the notes' version.
    let corner = parse(conv::conv_backward(&flat("a"), 3, &flat("w"), 2, &flat("delta"), "da", 0, 0));
    assert!(corner["pick"]["written"].is_null());
}

#[test]
fn conv_refuses_bad_input_with_a_message() {
    let a = [0.0; 9];
    let w = [0.0; 4];
    let d = [0.0; 4];
    assert!(error(&parse(conv::conv_backward(&a, 3, &w, 2, &d[..3], "da", 0, 0))).contains("δ should be 2×2"));
    assert!(error(&parse(conv::conv_backward(&a, 3, &w, 2, &d, "da", 3, 0))).contains("outside the 3×3"));
    assert!(error(&parse(conv::conv_backward(&a, 3, &w, 2, &d, "dz", 0, 0))).contains("dz"));
    assert!(error(&parse(conv::conv_backward(&a, 7, &w, 2, &d, "da", 0, 0))).contains("3×3 up to 6×6"));
    let nan = [f64::NAN, 0.0, 0.0, 0.0];
    assert!(error(&parse(conv::conv_backward(&a, 3, &nan, 2, &d, "da", 0, 0))).contains("the kernel w: entry (1, 1)"));
    assert!(error(&parse(conv::conv_defaults(3, 4))).contains("2×2 or 3×3"));
}

#[test]
fn pool_overlapping_max_accumulates_and_the_erratum_loses_gradient() {
    let d = parse(pool::pool_defaults(4, 2, 1, 0));
    let flat = |key: &str| flat(&d[key]);
    let dy = vec![1.0; 9];
    let r = parse(pool::pool_routing(&flat("x"), 4, 2, 1, true, &dy));
    // Chapter 3's 8 at row 2, column 3 is the maximum of four windows.
    assert_eq!(r["dx"][1][2], 4.0);
    assert_eq!(r["dx_assigning"][1][2], 1.0);
    let mean = parse(pool::pool_routing(&flat("x"), 4, 2, 1, false, &dy));
    assert!(mean["dx_assigning"].is_null());
    assert_eq!(mean["routes"][0][0]["to"].as_array().unwrap().len(), 4);
}

#[test]
fn pool_refuses_a_window_that_does_not_tile() {
    let x = [0.0; 16];
    let e = parse(pool::pool_routing(&x, 4, 3, 2, true, &[0.0; 1]));
    assert!(error(&e).contains("does not tile a 4×4 input"), "{e}");
    assert!(error(&parse(pool::pool_defaults(4, 3, 2, 0))).contains("not a multiple of 2"));
}

#[test]
fn fc_defaults_pass_the_gradient_check() {
    let d = parse(fc::fc_defaults());
    let values: Vec<f64> = d["values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert_eq!(values.len(), 21);
    let r = parse(fc::fc_network(&values));
    for block in ["W1", "b1", "W2", "b2"] {
        let e = r["grads"][block]["rel_error"].as_f64().unwrap();
        assert!(e < 1e-7, "{block}: relative error {e}");
    }
    assert!(error(&parse(fc::fc_network(&values[..20]))).contains("needs 21 numbers"));
}
