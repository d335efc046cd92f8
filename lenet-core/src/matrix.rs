//! [`Matrix`]: a 2-D array of any [`Element`] that prints as an aligned grid
//! in a terminal and as an HTML table in a notebook.

use crate::element::Element;
use ndarray::{Array2, ArrayView2};
use std::fmt;
use std::ops::{Deref, DerefMut};

/// A 2-D array, row-major, indexed `m[(row, col)]` from zero.
///
/// It derefs to [`ndarray::Array2`], so every ndarray method works on it; the
/// wrapper only adds printing.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix<T>(pub Array2<T>);

impl<T: Clone> Matrix<T> {
    /// Builds a matrix from rows of equal length.
    ///
    /// # Panics
    /// If the rows differ in length.
    pub fn from_rows<R: AsRef<[T]>>(rows: &[R]) -> Self {
        let ncols = rows.first().map_or(0, |r| r.as_ref().len());
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(
                r.as_ref().len(),
                ncols,
                "Matrix::from_rows: row {i} has {} entries but row 0 has {ncols}",
                r.as_ref().len()
            );
        }
        let flat: Vec<T> = rows.iter().flat_map(|r| r.as_ref().iter().cloned()).collect();
        Matrix(Array2::from_shape_vec((rows.len(), ncols), flat).expect("shape checked above"))
    }

    /// Builds a `rows × cols` matrix whose entry (i, j) is `f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        Matrix(Array2::from_shape_fn((rows, cols), |(i, j)| f(i, j)))
    }

    /// Copies a view (for example one channel of a 4-D batch) into a matrix.
    pub fn from_view(v: ArrayView2<T>) -> Self {
        Matrix(v.to_owned())
    }

    /// (rows, columns).
    pub fn shape2(&self) -> (usize, usize) {
        self.0.dim()
    }

    /// Applies `f` to every entry.
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> Matrix<U> {
        Matrix(self.0.map(f))
    }
}

impl<T: Element> Matrix<T> {
    /// The `rows × cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Matrix(Array2::from_elem((rows, cols), T::zero()))
    }

    /// The transpose, (mᵀ)_ij = m_ji.
    pub fn transpose(&self) -> Self {
        Matrix(self.0.t().to_owned())
    }

    /// The matrix product, (m·x)_ij = Σ_k m_ik x_kj, for any [`Element`]
    /// (ndarray's `dot` needs numbers; this one also runs on [`crate::Sym`]).
    ///
    /// # Panics
    /// If the inner dimensions differ, e.g. `Matrix::matmul: 4×9 times 4×1`.
    pub fn matmul(&self, x: &Matrix<T>) -> Self {
        let ((m, k), (k2, n)) = (self.shape2(), x.shape2());
        assert_eq!(k, k2, "Matrix::matmul: {m}×{k} times {k2}×{n}");
        Matrix::from_fn(m, n, |i, j| (0..k).fold(T::zero(), |acc, t| acc + self[(i, t)].clone() * x[(t, j)].clone()))
    }
}

impl<T> From<Array2<T>> for Matrix<T> {
    fn from(a: Array2<T>) -> Self {
        Matrix(a)
    }
}

impl<T> Deref for Matrix<T> {
    type Target = Array2<T>;
    fn deref(&self) -> &Array2<T> {
        &self.0
    }
}

impl<T> DerefMut for Matrix<T> {
    fn deref_mut(&mut self) -> &mut Array2<T> {
        &mut self.0
    }
}

/// The entries of a matrix as strings, for both printers.
fn cells<T: fmt::Display>(m: &Array2<T>, precision: Option<usize>) -> Vec<Vec<String>> {
    m.rows()
        .into_iter()
        .map(|row| {
            row.iter()
                .map(|x| match precision {
                    Some(p) => format!("{x:.p$}"),
                    None => format!("{x}"),
                })
                .collect()
        })
        .collect()
}

/// Writes rows of cells as an aligned grid, each column right-aligned to its
/// widest entry, between bracket bars.
pub fn write_grid(f: &mut impl fmt::Write, rows: &[Vec<String>]) -> fmt::Result {
    let ncols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..ncols).map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0)).collect();
    for (i, row) in rows.iter().enumerate() {
        let (l, r) = match (rows.len(), i) {
            (1, _) => ('[', ']'),
            (_, 0) => ('┌', '┐'),
            (n, i) if i + 1 == n => ('└', '┘'),
            _ => ('│', '│'),
        };
        write!(f, "{l} ")?;
        for (j, c) in row.iter().enumerate() {
            let pad = widths[j] - c.chars().count();
            write!(f, "{}{c}", " ".repeat(pad))?;
            if j + 1 < ncols {
                write!(f, "  ")?;
            }
        }
        writeln!(f, " {r}")?;
    }
    Ok(())
}

/// Escapes the characters HTML gives meaning to.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Rows of cells as an HTML table, for notebooks.
pub fn html_table(rows: &[Vec<String>]) -> String {
    let mut html = String::from("<table style=\"font-family:monospace;border-collapse:collapse\">");
    for row in rows {
        html.push_str("<tr>");
        for c in row {
            html.push_str("<td style=\"border:1px solid #bbb;padding:2px 8px;text-align:right\">");
            html.push_str(&html_escape(c));
            html.push_str("</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    html
}

impl<T: fmt::Display> fmt::Display for Matrix<T> {
    /// An aligned grid; `{:.3}` prints numbers with three decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = cells(&self.0, f.precision());
        if rows.is_empty() || rows[0].is_empty() {
            return writeln!(f, "[ ] ({}×{})", self.0.nrows(), self.0.ncols());
        }
        let mut s = String::new();
        write_grid(&mut s, &rows)?;
        f.write_str(&s)
    }
}

impl<T: fmt::Display> Matrix<T> {
    /// The matrix as an HTML table.
    pub fn to_html(&self) -> String {
        html_table(&cells(&self.0, None))
    }

    /// Shows the matrix as an HTML table when it is the value of a notebook
    /// cell (the evcxr kernel calls this method by name).
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT", self.to_html());
    }
}
