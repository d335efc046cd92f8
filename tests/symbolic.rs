//! The symbolic scalar and the formulas of the worked example, compared with
//! formulas written out by hand from the math.

use lenet::activation::Activation;
use lenet::gradcheck::rel_error;
use lenet::symbolic::Var;
use lenet::{Matrix, Sym, errata, fc, worked};
use ndarray::Array2;
use num_traits::Zero;

fn strings(m: &Matrix<Sym>) -> Vec<Vec<String>> {
    m.rows().into_iter().map(|r| r.iter().map(Sym::to_string).collect()).collect()
}

/// ∂C/∂a_ij = Σ_pq δ_pq w_{i−p+1, j−q+1} (indices from 1), written out by hand
/// for the 3×3 input.
const INPUT_GRAD: [[&str; 3]; 3] = [
    ["δ₁₁·w₁₁", "δ₁₁·w₁₂ + δ₁₂·w₁₁", "δ₁₂·w₁₂"],
    ["δ₁₁·w₂₁ + δ₂₁·w₁₁", "δ₁₁·w₂₂ + δ₁₂·w₂₁ + δ₂₁·w₁₂ + δ₂₂·w₁₁", "δ₁₂·w₂₂ + δ₂₂·w₁₂"],
    ["δ₂₁·w₂₁", "δ₂₁·w₂₂ + δ₂₂·w₂₁", "δ₂₂·w₂₂"],
];

/// ∂C/∂w_pq = Σ_ij a_{i+p−1, j+q−1} δ_ij (indices from 1), written out by hand
/// for the 2×2 kernel.
const KERNEL_GRAD: [[&str; 2]; 2] = [
    ["a₁₁·δ₁₁ + a₁₂·δ₁₂ + a₂₁·δ₂₁ + a₂₂·δ₂₂", "a₁₂·δ₁₁ + a₁₃·δ₁₂ + a₂₂·δ₂₁ + a₂₃·δ₂₂"],
    ["a₂₁·δ₁₁ + a₂₂·δ₁₂ + a₃₁·δ₂₁ + a₃₂·δ₂₂", "a₂₂·δ₁₁ + a₂₃·δ₁₂ + a₃₂·δ₂₁ + a₃₃·δ₂₂"],
];

#[test]
fn the_nine_input_gradients_are_the_hand_derived_formulas() {
    let got = strings(&worked::symbols().input_grad());
    for i in 0..3 {
        for j in 0..3 {
            assert_eq!(got[i][j], INPUT_GRAD[i][j], "∂C/∂a{}{}", i + 1, j + 1);
        }
    }
}

#[test]
fn the_four_kernel_gradients_are_the_hand_derived_formulas() {
    let got = strings(&worked::symbols().kernel_grad());
    for p in 0..2 {
        for q in 0..2 {
            assert_eq!(got[p][q], KERNEL_GRAD[p][q], "∂C/∂W{}{}", p + 1, q + 1);
        }
    }
}

#[test]
fn the_forward_output_is_the_hand_derived_formula() {
    let z = worked::symbols().forward();
    assert_eq!(z[(0, 0)].to_string(), "a₁₁·w₁₁ + a₁₂·w₁₂ + a₂₁·w₂₁ + a₂₂·w₂₂");
    assert_eq!(z[(1, 1)].to_string(), "a₂₂·w₁₁ + a₂₃·w₁₂ + a₃₂·w₂₁ + a₃₃·w₂₂");
    assert_eq!(worked::symbols().bias_grad().to_string(), "δ₁₁ + δ₁₂ + δ₂₁ + δ₂₂");
}

#[test]
fn the_padded_corners_contribute_nothing() {
    let ex = worked::symbols();
    let padded = ex.padded_delta();
    assert_eq!(padded.shape2(), (4, 4));
    assert_eq!(padded[(0, 0)].to_string(), "0");
    assert_eq!(padded[(1, 1)].to_string(), "δ₁₁");
    assert_eq!(ex.rotated_kernel()[(0, 0)].to_string(), "w₂₂");
}

#[test]
fn the_numbers_match_a_hand_computation() {
    let ex = worked::numbers();
    assert_eq!(ex.forward(), Matrix::from_rows(&[[37, 47], [67, 77]]));
    assert_eq!(ex.input_grad(), Matrix::from_rows(&[[1, 1, -2], [5, 6, -2], [6, 11, 4]]));
    assert_eq!(ex.kernel_grad(), Matrix::from_rows(&[[12, 15], [21, 24]]));
    assert_eq!(ex.bias_grad(), 3);
}

#[test]
fn the_symbols_evaluated_at_the_numbers_give_the_numbers() {
    let (sym, num) = (worked::symbols(), worked::numbers());
    let pairs =
        [(sym.forward(), num.forward()), (sym.input_grad(), num.input_grad()), (sym.kernel_grad(), num.kernel_grad())];
    for (s, n) in pairs {
        assert_eq!(s.map(|f| f.eval(worked::value)), n.map(|&x| x as f64));
    }
}

#[test]
fn erratum_6_differs_from_the_correct_w21_in_one_term() {
    let correct = worked::symbols().kernel_grad()[(1, 0)].clone();
    let wrong = errata::kernel_grad_w21_as_written();
    assert_ne!(wrong, correct);
    assert_eq!(wrong.to_string(), "a₂₁·δ₁₁ + a₂₂·δ₁₂ + a₃₁·δ₂₁ + a₃₃·δ₂₂");
    // The difference is exactly the misplaced term.
    assert_eq!((wrong - correct).to_string(), "−a₃₂·δ₂₂ + a₃₃·δ₂₂");
}

#[test]
fn erratum_7_labels_disagree_with_the_correct_kernel_gradient() {
    let correct = worked::symbols().kernel_grad();
    let labelled = errata::kernel_grad_as_labelled();
    assert_eq!(labelled[(0, 0)], correct[(0, 0)]);
    assert_ne!(labelled[(0, 1)], correct[(0, 1)], "W₁₂ is overwritten by the fourth line");
    assert_ne!(labelled[(1, 0)], correct[(1, 0)], "W₂₁ carries erratum 6");
    assert!(labelled[(1, 1)].is_zero(), "no line is labelled W₂₂");
    assert_ne!(labelled[(1, 1)], correct[(1, 1)]);
    // The line labelled W₁₂ the second time is in fact the W₂₂ formula.
    let lines = errata::kernel_grad_lines_as_written();
    assert_eq!(lines[3].0, (1, 2));
    assert_eq!(lines[3].1, correct[(1, 1)]);
}

#[test]
fn sums_and_products_are_canonical() {
    let (x, y) = (Sym::var("a", 1, 2), Sym::var("w", 2, 1));
    assert_eq!(x.clone() * y.clone(), y.clone() * x.clone());
    assert_eq!(x.clone() + y.clone(), y.clone() + x.clone());
    assert_eq!((y.clone() + x.clone()).to_string(), "a₁₂ + w₂₁");
    assert_eq!((x.clone() * Sym::zero()).to_string(), "0");
    assert_eq!((x.clone() - x.clone()).to_string(), "0");
    assert_eq!((x.clone() + x.clone()).to_string(), "2·a₁₂");
    assert_eq!((x.clone() * x.clone() * Sym::int(-3)).to_string(), "−3·a₁₂²");
    assert_eq!((Sym::int(2) - x.clone() * y.clone()).to_string(), "2 − a₁₂·w₂₁");
    assert_eq!(Sym::var("a", 10, 2).to_string(), "a₁₀,₂");
}

#[test]
fn a_precision_does_not_cut_formulas() {
    let m = Sym::matrix("a", 1, 2);
    assert_eq!(format!("{m:.4}"), "[ a₁₁  a₁₂ ]\n");
    assert_eq!(format!("{:>5}|{:.1}", Sym::var("w", 1, 2), Sym::var("w", 2, 2)), "  w₁₂|w₂₂");
}

#[test]
fn latex_names_greek_letters_and_powers() {
    let f = Sym::var("δ", 1, 1) * Sym::var("w", 1, 2) + Sym::var("a", 2, 1) * Sym::var("a", 2, 1);
    assert_eq!(f.to_latex(), "a_{21}^{2} + \\delta_{11} w_{12}");
    assert_eq!(Sym::zero().to_latex(), "0");
}

#[test]
fn eval_substitutes_every_symbol() {
    let f = Sym::int(3) * Sym::var("a", 1, 1) * Sym::var("w", 2, 2) - Sym::symbol("b");
    let v = |v: &Var| match v.name.as_str() {
        "a" => 2.0,
        "w" => 5.0,
        _ => 1.0,
    };
    assert_eq!(f.eval(v), 29.0);
}

#[test]
#[should_panic(expected = "outside the 3×3 matrix a")]
fn evaluating_an_unknown_entry_names_it() {
    Sym::var("a", 4, 1).eval(worked::value);
}

/// A column of symbols with one subscript: `column("a", 3)` is (a₁, a₂, a₃).
fn column(name: &str, rows: usize) -> Matrix<Sym> {
    Matrix::from_fn(rows, 1, |i, _| Sym::indexed(name, &[i + 1]))
}

#[test]
fn fc_forward_on_symbols_is_w_a_plus_b() {
    let z = fc::forward(&Sym::matrix("w", 2, 3), &column("a", 3), &column("b", 2));
    assert_eq!(strings(&z), [["a₁·w₁₁ + a₂·w₁₂ + a₃·w₁₃ + b₁"], ["a₁·w₂₁ + a₂·w₂₂ + a₃·w₂₃ + b₂"]]);
}

/// δ^l = (W^{l+1})ᵀ δ^{l+1} ⊙ σ′(z^l) for a 2×2 W and a batch of two samples,
/// written out by hand: δ^l_jn = Σ_i w_ij δ_in σ′_jn (row j, sample n).
#[test]
fn fc_backprop_delta_on_symbols_is_the_recursion_entry_by_entry() {
    let (w, delta, sigma_prime) = (Sym::matrix("w", 2, 2), Sym::matrix("δ", 2, 2), Sym::matrix("σ′", 2, 2));
    let delta_l = fc::backprop_delta_given(&w, &delta, &sigma_prime);
    assert_eq!(
        strings(&delta_l),
        [
            ["δ₁₁·σ′₁₁·w₁₁ + δ₂₁·σ′₁₁·w₂₁", "δ₁₂·σ′₁₂·w₁₁ + δ₂₂·σ′₁₂·w₂₁"],
            ["δ₁₁·σ′₂₁·w₁₂ + δ₂₁·σ′₂₁·w₂₂", "δ₁₂·σ′₂₂·w₁₂ + δ₂₂·σ′₂₂·w₂₂"],
        ]
    );
    // Without σ′ it is ∂C/∂a^l = Wᵀ δ, what flows into a flattened conv output.
    assert_eq!(
        strings(&fc::input_grad(&w, &delta)),
        [["δ₁₁·w₁₁ + δ₂₁·w₂₁", "δ₁₂·w₁₁ + δ₂₂·w₂₁"], ["δ₁₁·w₁₂ + δ₂₁·w₂₂", "δ₁₂·w₁₂ + δ₂₂·w₂₂"]]
    );
}

#[test]
fn fc_parameter_gradients_on_symbols_are_delta_a_transpose_and_delta() {
    let (delta, a) = (column("δ", 2), column("a", 3));
    assert_eq!(strings(&fc::weight_grad(&delta, &a)), [["a₁·δ₁", "a₂·δ₁", "a₃·δ₁"], ["a₁·δ₂", "a₂·δ₂", "a₃·δ₂"]]);
    assert_eq!(strings(&fc::bias_grad(&delta)), [["δ₁"], ["δ₂"]]);
}

#[test]
#[should_panic(expected = "cannot be divided by the batch size N = 2")]
fn a_symbolic_batch_cannot_be_averaged() {
    let _ = fc::weight_grad(&Sym::matrix("δ", 2, 2), &Sym::matrix("a", 3, 2));
}

/// The fc formulas with numbers put in for the symbols give what the f64
/// functions compute, the activation's σ′ included; the symbols' sums run in
/// another order than ndarray's product, so equal up to rounding.
#[test]
fn fc_formulas_evaluated_at_numbers_give_the_f64_layer() {
    let act = Activation::Tanh;
    // Values that are not round, with both signs.
    let numbers = |rows: usize, cols: usize, seed: usize| {
        Array2::from_shape_fn((rows, cols), |(i, j)| ((seed + 7 * i + 3 * j) % 11) as f64 / 4.3 - 1.1)
    };
    let (w1, a0, b1) = (numbers(3, 2, 1), numbers(2, 2, 2), numbers(3, 1, 3));
    let (w2, delta2) = (numbers(2, 3, 4), numbers(2, 2, 5));
    let z1 = fc::forward(&w1, &a0, &b1).0;
    let sigma_prime = act.derivative(&z1);
    let value = |v: &Var| {
        let (i, j) = (v.index[0] - 1, v.index[1] - 1);
        match v.name.as_str() {
            "W" => w1[[i, j]],
            "a" => a0[[i, j]],
            "b" => b1[[i, j]],
            "w" => w2[[i, j]],
            "δ" => delta2[[i, j]],
            "σ′" => sigma_prime[[i, j]],
            other => panic!("no symbol {other}"),
        }
    };
    let eval = |m: Matrix<Sym>| m.map(|f| f.eval(value)).0;
    let close = |what: &str, sym: Array2<f64>, num: &Array2<f64>| {
        let e = rel_error(&sym, num);
        assert!(e < 1e-14, "{what}: relative error {e:e}\n{sym}\n{num}");
    };
    let z1_sym = fc::forward(&Sym::matrix("W", 3, 2), &Sym::matrix("a", 2, 2), &Sym::matrix("b", 3, 1));
    close("z¹ = W¹a⁰ + b¹", eval(z1_sym), &z1);
    let (w, delta) = (Sym::matrix("w", 2, 3), Sym::matrix("δ", 2, 2));
    close("∂C/∂a¹ = (W²)ᵀ δ²", eval(fc::input_grad(&w, &delta)), &fc::input_grad(&w2, &delta2).0);
    let delta1_sym = fc::backprop_delta_given(&w, &delta, &Sym::matrix("σ′", 3, 2));
    let delta1 = fc::backprop_delta(&w2, &delta2, &z1, act).0;
    close("δ¹ = (W²)ᵀ δ² ⊙ σ′(z¹)", eval(delta1_sym), &delta1);
    // A single sample for the averaged gradients (a Sym divides by N = 1 only).
    let (delta_1, a_1) = (Sym::matrix("δ", 2, 1), Sym::matrix("a", 2, 1));
    let (delta2_1, a0_1) = (delta2.slice(ndarray::s![.., ..1]).to_owned(), a0.slice(ndarray::s![.., ..1]).to_owned());
    let w_grad = fc::weight_grad(&delta2_1, &a0_1).0;
    close("∂C/∂W = δ aᵀ", eval(fc::weight_grad(&delta_1, &a_1)), &w_grad);
    close("∂C/∂b = δ", eval(fc::bias_grad(&delta_1)), &fc::bias_grad(&delta2_1).0);
}
