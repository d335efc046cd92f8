//! `lenet explain`: runs the built binary.

use std::process::{Command, Output};

fn lenet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lenet"))
        .args(args)
        .output()
        .expect("the lenet binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

#[test]
fn explain_conv_prints_the_worked_example_and_its_formulas() {
    let o = lenet(&["explain", "conv"]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    // The numbers: z = correlate_valid(a, w) and ∂C/∂W of the example.
    assert!(
        text.contains("┌ 37  47 ┐\n└ 67  77 ┘"),
        "forward output missing:\n{text}"
    );
    assert!(
        text.contains("┌ 12  15 ┐\n└ 21  24 ┘"),
        "kernel gradient missing:\n{text}"
    );
    // The symbols.
    assert!(
        text.contains("∂C/∂a₂₂ = δ₁₁·w₂₂ + δ₁₂·w₂₁ + δ₂₁·w₁₂ + δ₂₂·w₁₁"),
        "{text}"
    );
    assert!(
        text.contains("∂C/∂W₂₁ = a₂₁·δ₁₁ + a₂₂·δ₁₂ + a₃₁·δ₂₁ + a₃₂·δ₂₂"),
        "{text}"
    );
    assert!(text.contains("1·4 + (-1)·3 + 2·2 + 1·1 = 6"), "{text}");
    assert!(
        !text.contains("Pooling"),
        "only the conv topic was asked for"
    );
}

#[test]
fn explain_fc_and_pool_print_their_steps() {
    let fc = stdout(&lenet(&["explain", "fc"]));
    assert!(fc.contains("δ¹ = (W²)ᵀ δ² ⊙ σ'(z¹)"), "{fc}");
    assert!(fc.contains("δ₁·σ′₁·w₁₁ + δ₂·σ′₁·w₂₁"), "{fc}");
    let pool = stdout(&lenet(&["explain", "pool"]));
    assert!(
        pool.contains("δ₂₁ + δ₂₂"),
        "overlapping max pooling should sum two δ:\n{pool}"
    );
}

#[test]
fn explain_without_a_topic_prints_all_three() {
    let o = lenet(&["explain"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for title in ["Fully connected layers", "Convolution layer", "Pooling"] {
        assert!(text.contains(title), "missing {title}");
    }
}

#[test]
fn explain_of_an_unknown_topic_fails_with_usage() {
    let o = lenet(&["explain", "nonsense"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("invalid value 'nonsense'"), "{err}");
    assert!(err.contains("fc, conv, pool"), "{err}");
    assert!(o.stdout.is_empty());
}
