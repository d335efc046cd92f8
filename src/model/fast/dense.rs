//! The fully connected layers' matrix products, for the fast path's narrow
//! matrices: one column per sample of a chunk (16 of them), or one row per
//! unit for the weight gradients.
//!
//! Every product here is C ← A·B (or C ← C + A·B) with B's rows contiguous,
//! computed sixteen columns of C at a time, one vector register:
//!
//! forward    a_out (m × b) = W (m × k) · a_in (k × b)
//! δ back     δ_in (k × b) = Wᵀ (k × m) · δ_out (m × b)
//! gradient   ∂W (m × k) += δ_out (m × b) · a_inᵀ (b × k), with a_inᵀ
//!            written out first (b × k, a small copy)
//!
//! A general GEMM (the matrixmultiply crate, through ndarray) packs both
//! operands into its own panels on every call, so with sixteen columns it
//! copied the 48,000 weights of fc1 twice per chunk for 16 multiply-adds per
//! weight, and allocated its packing buffer each time. Here R rows of C
//! stay in registers while k runs: per step of k one load of B's row and R
//! multiply-adds by broadcast entries of A, read where they lie.
//!
//! Each entry is computed with matrixmultiply's arithmetic, so that
//! training gives bit for bit the models it gave before: a fused
//! multiply-add chain over k in increasing order, starting from +0, in
//! blocks of [`KC`] = 256 (its f32 `KC`), then C ← acc + 0 for the first
//! block (matrixmultiply's α·acc + β·C with β = 0, which turns −0 into +0)
//! or C ← C + acc (β = 1, and every later block). (matrixmultiply adds
//! the edge tiles of C through a buffer, C + (acc + 0), which differs from
//! C + acc only when both are −0; the pass adds only to gradient sums that
//! start at +0, and a sum that starts at +0 is never −0.)
//! `tests/fast_dense.rs` compares every product of the network's shapes
//! with matrixmultiply's, bit for bit. The kernel runs on AVX-512 in f32 only; elsewhere (and in
//! f64, whose products the f64 checks compare with the readable path, not
//! bit for bit) the products go to matrixmultiply as before.

use super::conv1::Isa;
use crate::element::Real;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder};

/// matrixmultiply's block of k for f32: its sums restart every KC terms.
pub const KC: usize = 256;
/// Columns of C per vector: one AVX-512 register of f32.
#[cfg(target_arch = "x86_64")]
const LANES: usize = 16;
/// Rows of C kept in registers at a time (16 of the 32 vector registers).
#[cfg(target_arch = "x86_64")]
const ROWS: usize = 16;

/// A, as the products read it: m × k entries `a[i·rs + k·cs]`.
#[derive(Clone, Copy, Debug)]
pub struct Strided<'a, F> {
    pub a: &'a [F],
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

impl<'a, F> Strided<'a, F> {
    /// A row-major rows × cols matrix.
    pub fn rows_of(a: &'a [F], rows: usize, cols: usize) -> Self {
        Strided { a, rows, cols, rs: cols, cs: 1 }
    }

    /// The transpose of a row-major cols × rows matrix.
    pub fn transpose_of(a: &'a [F], rows: usize, cols: usize) -> Self {
        Strided { a, rows, cols, rs: 1, cs: rows }
    }
}

/// C (rows(A) × n, row-major) ← A·B, or C + A·B with `accumulate`, where B
/// is cols(A) × n, row-major; on the fastest path this CPU runs.
///
/// # Panics
/// If `b` or `c` is too short for these shapes.
pub fn product<F: Real>(a: Strided<F>, b: &[F], n: usize, accumulate: bool, c: &mut [F]) {
    product_on(Isa::best(), a, b, n, accumulate, c)
}

/// [`product`] on a chosen path: the kernel with AVX-512 in f32,
/// matrixmultiply otherwise.
///
/// # Panics
/// As [`product`], and if this CPU cannot run `isa`.
pub fn product_on<F: Real>(isa: Isa, a: Strided<F>, b: &[F], n: usize, accumulate: bool, c: &mut [F]) {
    assert!(isa.runs_here(), "this CPU cannot run the dense products' {isa:?} path");
    let (m, k) = (a.rows, a.cols);
    assert!(b.len() >= k * n && c.len() >= m * n, "dense product {m}×{k} · {k}×{n}: operands too short");
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx512 {
        use super::as_f32::{as_f32, as_f32_mut};
        if let (Some(a32), Some(b), Some(c)) = (as_f32(a.a), as_f32(b), as_f32_mut(c)) {
            let a = Strided { a: a32, rows: m, cols: k, rs: a.rs, cs: a.cs };
            // SAFETY: the CPU has AVX-512F (asserted above).
            return unsafe { avx512::product(a, b, n, accumulate, c) };
        }
    }
    let a = ArrayView2::from_shape((m, k).strides((a.rs, a.cs)), a.a).expect("A within its slice");
    let b = ArrayView2::from_shape((k, n), &b[..k * n]).expect("B is k × n");
    let mut c = ArrayViewMut2::from_shape((m, n), &mut c[..m * n]).expect("C is m × n");
    let beta = if accumulate { F::one() } else { F::zero() };
    general_mat_mul(F::one(), &a, &b, beta, &mut c);
}

/// The kernel in AVX-512 intrinsics: sixteen columns of C per register,
/// R rows of C side by side.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{KC, LANES, ROWS, Strided};
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx512f")]
    pub(super) fn product(a: Strided<f32>, b: &[f32], n: usize, accumulate: bool, c: &mut [f32]) {
        let (m, k) = (a.rows, a.cols);
        if m == 0 || n == 0 {
            return;
        }
        // Every read and write below is inside these bounds: A's entries
        // a[i·rs + kk·cs] for i < m, kk < k; B's b[kk·n + j] and C's
        // c[i·n + j] for j < n (the masks keep the last block within n).
        assert!(k == 0 || (m - 1) * a.rs + (k - 1) * a.cs < a.a.len(), "A within its slice");
        assert!(b.len() >= k * n && c.len() >= m * n, "B and C within their slices");
        let mut i0 = 0;
        while i0 + ROWS <= m {
            rows_block::<ROWS>(a, i0, b, n, accumulate, c);
            i0 += ROWS;
        }
        while i0 + 4 <= m {
            rows_block::<4>(a, i0, b, n, accumulate, c);
            i0 += 4;
        }
        while i0 < m {
            rows_block::<1>(a, i0, b, n, accumulate, c);
            i0 += 1;
        }
    }

    /// Rows i0..i0 + R of C, sixteen columns at a time; the last block's
    /// missing columns are masked off (read as 0, never stored).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn rows_block<const R: usize>(a: Strided<f32>, i0: usize, b: &[f32], n: usize, accumulate: bool, c: &mut [f32]) {
        let k = a.cols;
        let (ap, bp, cp) = (a.a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
        for j0 in (0..n).step_by(LANES) {
            let lanes = LANES.min(n - j0);
            let mask: __mmask16 = if lanes == LANES { !0 } else { (1u16 << lanes) - 1 };
            for k0 in (0..k).step_by(KC) {
                let k1 = (k0 + KC).min(k);
                let mut acc = [_mm512_setzero_ps(); R];
                for kk in k0..k1 {
                    // SAFETY: kk < k and j0 + lanes ≤ n, and the mask
                    // reads only those lanes (bounds asserted in `product`).
                    let bv = unsafe { _mm512_maskz_loadu_ps(mask, bp.add(kk * n + j0)) };
                    for (r, acc) in acc.iter_mut().enumerate() {
                        // SAFETY: i0 + r < m and kk < k.
                        let x = unsafe { *ap.add((i0 + r) * a.rs + kk * a.cs) };
                        *acc = _mm512_fmadd_ps(_mm512_set1_ps(x), bv, *acc);
                    }
                }
                // matrixmultiply's C ← α·acc + β·C: acc + 0 on the first
                // block without accumulation, C + acc otherwise.
                let keep = accumulate || k0 > 0;
                for (r, acc) in acc.iter().enumerate() {
                    // SAFETY: row i0 + r < m, columns j0..j0 + lanes ≤ n, masked.
                    unsafe {
                        let at = cp.add((i0 + r) * n + j0);
                        let base = if keep { _mm512_maskz_loadu_ps(mask, at) } else { _mm512_setzero_ps() };
                        let sum = if keep { _mm512_add_ps(base, *acc) } else { _mm512_add_ps(*acc, base) };
                        _mm512_mask_storeu_ps(at, mask, sum);
                    }
                }
            }
        }
    }
}

/// aᵀ: the row-major rows × cols matrix `a` written transposed into `t`
/// (cols × rows), for the weight gradients' B.
pub fn transpose<F: Copy>(a: &[F], rows: usize, cols: usize, t: &mut [F]) {
    for (i, row) in a[..rows * cols].chunks_exact(cols).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            t[j * rows + i] = v;
        }
    }
}
