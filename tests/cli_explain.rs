//! `lenet explain`: runs the built binary.

use lenet::activation::Activation;
use lenet::{Matrix, fc, worked};
use std::process::{Command, Output};

fn lenet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lenet")).args(args).output().expect("the lenet binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

#[test]
fn explain_conv_prints_the_worked_example_and_its_formulas() {
    let o = lenet(&["explain", "conv"]);
    assert!(o.status.success(), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    // The numbers: z = correlate_valid(a, w) and ∂C/∂W of the example.
    assert!(text.contains("┌ 37  47 ┐\n└ 67  77 ┘"), "forward output missing:\n{text}");
    assert!(text.contains("┌ 12  15 ┐\n└ 21  24 ┘"), "kernel gradient missing:\n{text}");
    // The symbols.
    assert!(text.contains("∂C/∂a₂₂ = δ₁₁·w₂₂ + δ₁₂·w₂₁ + δ₂₁·w₁₂ + δ₂₂·w₁₁"), "{text}");
    assert!(text.contains("∂C/∂W₂₁ = a₂₁·δ₁₁ + a₂₂·δ₁₂ + a₃₁·δ₂₁ + a₃₂·δ₂₂"), "{text}");
    assert!(text.contains("1·4 + (-1)·3 + 2·2 + 1·1 = 6"), "{text}");
    // The general formulas count from 1, like the symbols a₁₁ … a₃₃.
    for formula in ["a_{i+p−1, j+q−1} w_pq", "δ_pq · w_{i−p+1, j−q+1}", "Σ_ij a_{i+p−1, j+q−1} δ_ij"] {
        assert!(text.contains(formula), "missing {formula}:\n{text}");
    }
    for zero_based in ["a_{i+p, j+q}", "w_{i−p, j−q}"] {
        assert!(!text.contains(zero_based), "0-based {zero_based}:\n{text}");
    }
    assert!(!text.contains("Pooling"), "only the conv topic was asked for");
}

#[test]
fn explain_fc_and_pool_print_their_steps() {
    let fc = stdout(&lenet(&["explain", "fc"]));
    assert!(fc.contains("δ¹ = (W²)ᵀ δ² ⊙ σ′(z¹)"), "{fc}");
    assert!(fc.contains("δ₁·σ′₁·w₁₁ + δ₂·σ′₁·w₂₁"), "{fc}");
    assert!(fc.contains("chapter 1's 2 → 3 → 2 sigmoid network"), "{fc}");
    assert!(fc.contains("δ₁·σ′₃·w₁₃ + δ₂·σ′₃·w₂₃"), "{fc}");
    assert!(!fc.contains("σ'"), "the derivative is written σ′:\n{fc}");
    // The numbers are chapter 1's, from `worked::fc_network`.
    let net = worked::fc_network();
    let sig = Activation::Sigmoid;
    let z1 = fc::forward(&net.w1, &net.x, &net.b1);
    let z2 = fc::forward(&net.w2, &sig.apply(&z1.0), &net.b2);
    let delta2 = fc::output_delta(&(sig.apply(&z2.0) - &net.y.0), &z2, sig);
    let shown = format!("δ² = (a² − y) ⊙ σ′(z²) =\n{delta2:.4}");
    assert!(fc.contains(&shown), "missing\n{shown}\nin\n{fc}");
    let pool = stdout(&lenet(&["explain", "pool"]));
    // Chapter 3's plane, from `worked::pool_input`.
    let x = Matrix::from_view(worked::pool_input().slice(ndarray::s![0, 0, .., ..]));
    assert!(pool.contains(&format!("x =\n{x}")), "{pool}");
    assert!(pool.contains("g₁₂ + g₁₃ + g₂₂ + g₂₃"), "overlapping max pooling should sum four gradients:\n{pool}");
    // The gradient at a pooling output is ∂C/∂a, not δ; positions count from 1.
    assert!(!pool.contains("δ₁") && !pool.contains("δ₂"), "{pool}");
    assert!(pool.contains("The 8 at x₂₃ (row 2, column 3) is the maximum of 4 windows."), "{pool}");
    assert!(pool.contains("a₁₁ ← x₁₂ = 5, a₁₂ ← x₂₃ = 8, a₂₁ ← x₄₁ = 9, a₂₂ ← x₃₄ = 7"), "{pool}");
}

/// The symbolic half runs the same fc functions on symbols, and its formulas
/// with chapter 1's numbers put in print the numeric half's δ¹ and ∂C/∂W².
#[test]
fn explain_fc_formulas_come_from_the_fc_functions_and_give_back_the_numbers() {
    let fc = stdout(&lenet(&["explain", "fc"]));
    assert!(fc.contains("z² = W a + b =\n┌ a₁·w₁₁ + a₂·w₁₂ + a₃·w₁₃ + b₁ ┐"), "{fc}");
    assert!(fc.contains("∂C/∂W = δ aᵀ =\n┌ a₁·δ₁  a₂·δ₁  a₃·δ₁ ┐"), "{fc}");
    let net = worked::fc_network();
    let sig = Activation::Sigmoid;
    let z1 = fc::forward(&net.w1, &net.x, &net.b1);
    let a1 = sig.apply(&z1.0);
    let z2 = fc::forward(&net.w2, &a1, &net.b2);
    let delta2 = fc::output_delta(&(sig.apply(&z2.0) - &net.y.0), &z2, sig);
    let delta1 = fc::backprop_delta(&net.w2, &delta2, &z1, sig);
    let grad_w2 = fc::weight_grad(&delta2, &a1);
    let (before, after) = fc.split_once("Putting in the numbers").expect("the substitution is printed");
    for (label, m) in [("δ¹", &delta1), ("∂C/∂W²", &grad_w2)] {
        // The f64 functions' result before, the evaluated formulas' after.
        let grid = format!("{m:.4}");
        assert!(before.contains(&grid), "{label} missing before the substitution:\n{fc}");
        let shown = format!("{label} =\n{grid}");
        assert!(after.contains(&shown), "missing\n{shown}\nafter the substitution in\n{fc}");
    }
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
