//! The symbolic scalar and the formulas of the worked example, compared with
//! formulas written out by hand from the math.

use lenet::symbolic::Var;
use lenet::{Matrix, Sym, errata, worked};
use num_traits::Zero;

fn strings(m: &Matrix<Sym>) -> Vec<Vec<String>> {
    m.rows()
        .into_iter()
        .map(|r| r.iter().map(Sym::to_string).collect())
        .collect()
}

/// ∂C/∂a_ij = Σ_pq δ_pq w_{i−p+1, j−q+1} (indices from 1), written out by hand
/// for the 3×3 input.
const INPUT_GRAD: [[&str; 3]; 3] = [
    ["δ₁₁·w₁₁", "δ₁₁·w₁₂ + δ₁₂·w₁₁", "δ₁₂·w₁₂"],
    [
        "δ₁₁·w₂₁ + δ₂₁·w₁₁",
        "δ₁₁·w₂₂ + δ₁₂·w₂₁ + δ₂₁·w₁₂ + δ₂₂·w₁₁",
        "δ₁₂·w₂₂ + δ₂₂·w₁₂",
    ],
    ["δ₂₁·w₂₁", "δ₂₁·w₂₂ + δ₂₂·w₂₁", "δ₂₂·w₂₂"],
];

/// ∂C/∂w_pq = Σ_ij a_{i+p−1, j+q−1} δ_ij (indices from 1), written out by hand
/// for the 2×2 kernel.
const KERNEL_GRAD: [[&str; 2]; 2] = [
    [
        "a₁₁·δ₁₁ + a₁₂·δ₁₂ + a₂₁·δ₂₁ + a₂₂·δ₂₂",
        "a₁₂·δ₁₁ + a₁₃·δ₁₂ + a₂₂·δ₂₁ + a₂₃·δ₂₂",
    ],
    [
        "a₂₁·δ₁₁ + a₂₂·δ₁₂ + a₃₁·δ₂₁ + a₃₂·δ₂₂",
        "a₂₂·δ₁₁ + a₂₃·δ₁₂ + a₃₂·δ₂₁ + a₃₃·δ₂₂",
    ],
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
    assert_eq!(
        z[(0, 0)].to_string(),
        "a₁₁·w₁₁ + a₁₂·w₁₂ + a₂₁·w₂₁ + a₂₂·w₂₂"
    );
    assert_eq!(
        z[(1, 1)].to_string(),
        "a₂₂·w₁₁ + a₂₃·w₁₂ + a₃₂·w₂₁ + a₃₃·w₂₂"
    );
    assert_eq!(
        worked::symbols().bias_grad().to_string(),
        "δ₁₁ + δ₁₂ + δ₂₁ + δ₂₂"
    );
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
    assert_eq!(
        ex.input_grad(),
        Matrix::from_rows(&[[1, 1, -2], [5, 6, -2], [6, 11, 4]])
    );
    assert_eq!(ex.kernel_grad(), Matrix::from_rows(&[[12, 15], [21, 24]]));
    assert_eq!(ex.bias_grad(), 3);
}

#[test]
fn the_symbols_evaluated_at_the_numbers_give_the_numbers() {
    let (sym, num) = (worked::symbols(), worked::numbers());
    let pairs = [
        (sym.forward(), num.forward()),
        (sym.input_grad(), num.input_grad()),
        (sym.kernel_grad(), num.kernel_grad()),
    ];
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
    assert_ne!(
        labelled[(0, 1)],
        correct[(0, 1)],
        "W₁₂ is overwritten by the fourth line"
    );
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
    assert_eq!(
        (x.clone() * x.clone() * Sym::int(-3)).to_string(),
        "−3·a₁₂²"
    );
    assert_eq!(
        (Sym::int(2) - x.clone() * y.clone()).to_string(),
        "2 − a₁₂·w₂₁"
    );
    assert_eq!(Sym::var("a", 10, 2).to_string(), "a₁₀,₂");
}

#[test]
fn a_precision_does_not_cut_formulas() {
    let m = Sym::matrix("a", 1, 2);
    assert_eq!(format!("{m:.4}"), "[ a₁₁  a₁₂ ]\n");
    assert_eq!(
        format!("{:>5}|{:.1}", Sym::var("w", 1, 2), Sym::var("w", 2, 2)),
        "  w₁₂|w₂₂"
    );
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
