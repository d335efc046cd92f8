//! [`Sym`]: a symbolic scalar, so the same derivation code that computes
//! numbers also prints the formulas of the notes.
//!
//! A `Sym` is a polynomial with integer coefficients in named, indexed
//! symbols such as `a₁₁` or `δ₂₁`, for example `δ₁₁·w₁₂ + δ₁₂·w₁₁`. That is
//! exactly what a convolution produces from symbolic inputs: sums of
//! products. Running [`crate::conv::full_convolve`] on a matrix of `δᵢⱼ` and
//! a matrix of `wᵢⱼ` gives the nine formulas for ∂C/∂a by the same code path
//! that computes them on numbers.
//!
//! # Canonical order
//! A `Sym` is kept in one canonical form, so equal formulas print equally
//! whatever order the arithmetic happened in:
//! - the factors of a product are sorted by name, then by subscripts; Greek
//!   names sort as their Latin spelling (`δ` as "delta"), so `a < δ < w`;
//! - the terms of a sum are sorted by their factor lists, lexicographically.
//!
//! This reproduces the order in which the notes write their formulas:
//! `∇a₂₂ = δ₁₁·w₂₂ + δ₁₂·w₂₁ + δ₂₁·w₁₂ + δ₂₂·w₁₁` (sorted by the δ factor)
//! and `∂C/∂W₁₁ = a₁₁·δ₁₁ + a₁₂·δ₁₂ + a₂₁·δ₂₁ + a₂₂·δ₂₂` (sorted by `a`).
//! Terms whose coefficient cancels to zero are dropped, so a product with a
//! padded zero vanishes and the zero polynomial prints as `0`.

use crate::matrix::Matrix;
use num_traits::{One, Zero};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Add, Mul, Neg, Sub};

/// A named symbol with subscripts as written in the notes (1-based):
/// `Var { name: "a", index: [1, 2] }` is `a₁₂`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    /// The letter, e.g. `"a"`, `"w"`, `"δ"`.
    pub name: String,
    /// The subscripts, 1-based; empty for a plain symbol like `b`.
    pub index: Vec<usize>,
}

/// Greek letters with their Latin spelling (for sorting) and LaTeX command.
const GREEK: &[(char, &str)] = &[
    ('α', "alpha"),
    ('β', "beta"),
    ('γ', "gamma"),
    ('δ', "delta"),
    ('ε', "epsilon"),
    ('η', "eta"),
    ('θ', "theta"),
    ('λ', "lambda"),
    ('μ', "mu"),
    ('σ', "sigma"),
    ('Δ', "Delta"),
];

fn latin(c: char) -> Option<&'static str> {
    GREEK.iter().find(|(g, _)| *g == c).map(|(_, s)| *s)
}

impl Var {
    /// The name spelled in Latin letters, the sort key of the name.
    fn sort_key(&self) -> String {
        self.name.chars().map(|c| latin(c).map_or_else(|| c.to_string(), str::to_string)).collect()
    }

    fn subscript(&self) -> String {
        const DIGITS: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
        // a₁₁ is unambiguous only while every subscript is one digit.
        let sep = if self.index.iter().any(|&i| i > 9) { "," } else { "" };
        self.index
            .iter()
            .map(|i| i.to_string().chars().map(|d| DIGITS[d as usize - '0' as usize]).collect::<String>())
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn to_latex(&self) -> String {
        let name: String =
            self.name.chars().map(|c| latin(c).map_or_else(|| c.to_string(), |s| format!("\\{s} "))).collect();
        let name = name.trim_end().to_string();
        if self.index.is_empty() {
            return name;
        }
        let sep = if self.index.iter().any(|&i| i > 9) { "," } else { "" };
        let idx: Vec<String> = self.index.iter().map(usize::to_string).collect();
        format!("{name}_{{{}}}", idx.join(sep))
    }
}

impl Ord for Var {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.sort_key(), &self.index, &self.name).cmp(&(other.sort_key(), &other.index, &other.name))
    }
}

impl PartialOrd for Var {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.name, self.subscript())
    }
}

/// A symbolic scalar: a sum of products of [`Var`]s with integer
/// coefficients, kept in the canonical order described in the module docs.
///
/// ```
/// use lenet_core::Sym;
/// let z = Sym::var("a", 1, 1) * Sym::var("w", 1, 1) + Sym::var("a", 1, 2) * Sym::var("w", 1, 2);
/// assert_eq!(z.to_string(), "a₁₁·w₁₁ + a₁₂·w₁₂");
/// assert_eq!(z.to_latex(), "a_{11} w_{11} + a_{12} w_{12}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sym {
    /// Map from the sorted factor list of a term to its non-zero coefficient.
    terms: BTreeMap<Vec<Var>, i64>,
}

impl Sym {
    /// The integer constant `c`.
    pub fn int(c: i64) -> Sym {
        let mut terms = BTreeMap::new();
        if c != 0 {
            terms.insert(Vec::new(), c);
        }
        Sym { terms }
    }

    /// A symbol with the given 1-based subscripts, e.g. `indexed("δ", &[2, 1])` is `δ₂₁`.
    pub fn indexed(name: &str, index: &[usize]) -> Sym {
        let v = Var { name: name.to_string(), index: index.to_vec() };
        Sym { terms: BTreeMap::from([(vec![v], 1)]) }
    }

    /// A symbol without subscripts, e.g. `b`.
    pub fn symbol(name: &str) -> Sym {
        Sym::indexed(name, &[])
    }

    /// The entry symbol `name_ij` with 1-based subscripts as in the notes:
    /// `Sym::var("a", 1, 1)` is `a₁₁`.
    pub fn var(name: &str, i: usize, j: usize) -> Sym {
        Sym::indexed(name, &[i, j])
    }

    /// The `rows × cols` matrix of symbols whose zero-based entry (i, j) is
    /// `name` with subscripts `(i+1)(j+1)`: `Sym::matrix("a", 3, 3)` is
    /// `a₁₁ … a₃₃`.
    pub fn matrix(name: &str, rows: usize, cols: usize) -> Matrix<Sym> {
        Matrix::from_fn(rows, cols, |i, j| Sym::var(name, i + 1, j + 1))
    }

    /// The terms in canonical order, each as (coefficient, sorted factors).
    pub fn terms(&self) -> impl Iterator<Item = (i64, &[Var])> {
        self.terms.iter().map(|(f, &c)| (c, f.as_slice()))
    }

    /// Substitutes a number for every symbol and evaluates.
    pub fn eval(&self, value: impl Fn(&Var) -> f64) -> f64 {
        self.terms.iter().map(|(factors, &c)| factors.iter().fold(c as f64, |p, v| p * value(v))).sum()
    }

    /// The formula in LaTeX, e.g. `\delta_{11} w_{12} + \delta_{12} w_{11}`.
    pub fn to_latex(&self) -> String {
        self.render(" - ", " + ", "-", " ", |v, power| {
            let base = v.to_latex();
            if power == 1 { base } else { format!("{base}^{{{power}}}") }
        })
    }

    /// Writes the sum with the given signs, product separator and factor
    /// printer (which gets each distinct factor with its power).
    fn render(
        &self,
        minus: &str,
        plus: &str,
        leading_minus: &str,
        times: &str,
        factor: impl Fn(&Var, usize) -> String,
    ) -> String {
        if self.terms.is_empty() {
            return "0".to_string();
        }
        let mut out = String::new();
        for (k, (factors, &c)) in self.terms.iter().enumerate() {
            out.push_str(match (k, c < 0) {
                (0, true) => leading_minus,
                (0, false) => "",
                (_, true) => minus,
                (_, false) => plus,
            });
            let mut parts = Vec::new();
            if c.abs() != 1 || factors.is_empty() {
                parts.push(c.abs().to_string());
            }
            // Equal factors are adjacent after sorting; print them as a power.
            let mut i = 0;
            while i < factors.len() {
                let run = factors[i..].iter().take_while(|v| **v == factors[i]).count();
                parts.push(factor(&factors[i], run));
                i += run;
            }
            out.push_str(&parts.join(times));
        }
        out
    }
}

fn superscript(n: usize) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string().chars().map(|d| DIGITS[d as usize - '0' as usize]).collect()
}

impl fmt::Display for Sym {
    /// `δ₁₁·w₁₂ + δ₁₂·w₁₁`; `0` for zero; repeated factors as powers (`a₁₁²`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.render(" − ", " + ", "−", "·", |v, power| {
            if power == 1 { v.to_string() } else { format!("{v}{}", superscript(power)) }
        });
        // `pad` so `{:>12}` aligns formulas in tables; but `pad` would also
        // cut the formula to a precision, which `{:.4}` on a whole matrix
        // passes down meaning decimals, so a precision is ignored.
        if f.precision().is_some() { f.write_str(&s) } else { f.pad(&s) }
    }
}

impl From<i64> for Sym {
    fn from(c: i64) -> Sym {
        Sym::int(c)
    }
}

impl Add for Sym {
    type Output = Sym;
    fn add(mut self, rhs: Sym) -> Sym {
        for (factors, c) in rhs.terms {
            let entry = self.terms.entry(factors).or_insert(0);
            *entry += c;
            if *entry == 0 {
                self.terms.retain(|_, c| *c != 0);
            }
        }
        self
    }
}

impl Neg for Sym {
    type Output = Sym;
    fn neg(mut self) -> Sym {
        self.terms.values_mut().for_each(|c| *c = -*c);
        self
    }
}

impl Sub for Sym {
    type Output = Sym;
    fn sub(self, rhs: Sym) -> Sym {
        self + (-rhs)
    }
}

impl Mul for Sym {
    type Output = Sym;
    /// Distributes: every term of `self` times every term of `rhs`.
    fn mul(self, rhs: Sym) -> Sym {
        let mut out = Sym::zero();
        for (f1, c1) in &self.terms {
            for (f2, c2) in &rhs.terms {
                let mut factors: Vec<Var> = f1.iter().chain(f2).cloned().collect();
                factors.sort();
                out = out + Sym { terms: BTreeMap::from([(factors, c1 * c2)]) };
            }
        }
        out
    }
}

impl Zero for Sym {
    fn zero() -> Sym {
        Sym { terms: BTreeMap::new() }
    }
    fn is_zero(&self) -> bool {
        self.terms.is_empty()
    }
}

impl One for Sym {
    fn one() -> Sym {
        Sym::int(1)
    }
}
