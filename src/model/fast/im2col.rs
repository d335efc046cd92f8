//! im2col and col2im: turning a convolution into one matrix product.
//!
//! Images live channel-major here: a buffer of C·B planes of H×W, plane
//! (c, b) holding channel c of sample b. For a k×k kernel and padding p the
//! output is OH×OW with OH = H + 2p − k + 1, and im2col builds
//!
//! cols[(c, u, v), (b, i, j)] = x[c, b, i + u − p, j + v − p]   (0 outside),
//!
//! a (C·k²) × (B·OH·OW) matrix whose column (b, i, j) is the patch under the
//! kernel at output position (i, j). Then z = W · cols with W viewed as
//! out × (C·k²) is the correlation for every sample at once, already in the
//! channel-major layout of the next layer.
//!
//! The training pass no longer uses them: conv2 is computed directly
//! ([`super::conv2`]), which never writes this (C·k²)-times-larger matrix.
//! They stay as the matrix-product formulation the tests check conv2
//! against (tests/fast_kernels.rs) and the benches time it against.

use crate::element::Real;
use crate::model::arch::CONV2_SIDE;

/// The shape of a channel-major image block and the kernel applied to it.
#[derive(Clone, Copy, Debug)]
pub struct ConvGeom {
    pub channels: usize,
    pub batch: usize,
    pub height: usize,
    pub width: usize,
    pub kernel: usize,
    pub padding: usize,
}

impl ConvGeom {
    pub fn out_height(&self) -> usize {
        self.height + 2 * self.padding + 1 - self.kernel
    }
    pub fn out_width(&self) -> usize {
        self.width + 2 * self.padding + 1 - self.kernel
    }
    /// Rows of the cols matrix: C·k².
    pub fn rows(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }
    /// Columns of the cols matrix: B·OH·OW.
    pub fn cols(&self) -> usize {
        self.batch * self.out_height() * self.out_width()
    }
}

/// For kernel offset `u` and padding `p`, the output indices i whose input
/// index i + u − p lies inside 0..len: the range [lo, hi).
fn valid_range(u: usize, p: usize, len: usize, out_len: usize) -> (usize, usize) {
    let lo = p.saturating_sub(u);
    let hi = (len + p).saturating_sub(u).min(out_len);
    (lo, hi.max(lo))
}

/// The length of the runs im2col copies most: a row of conv2's output (10).
const RUN: usize = CONV2_SIDE;

/// dst ← src. Runs of conv2's width 10 get a copy of known length, which
/// compiles to a few vector moves instead of a call to `memcpy`.
#[inline(always)]
fn copy_run<F: Real>(dst: &mut [F], src: &[F]) {
    if let (Ok(d), Ok(s)) = (<&mut [F; RUN]>::try_from(&mut *dst), <&[F; RUN]>::try_from(src)) {
        *d = *s;
    } else {
        dst.copy_from_slice(src);
    }
}

/// dst ← dst + src, likewise with a fixed-length case.
#[inline(always)]
fn add_run<F: Real>(dst: &mut [F], src: &[F]) {
    if let (Ok(d), Ok(s)) = (<&mut [F; RUN]>::try_from(&mut *dst), <&[F; RUN]>::try_from(src)) {
        for t in 0..RUN {
            d[t] = d[t] + s[t];
        }
    } else {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *d + *s;
        }
    }
}

/// Fills `cols` (rows() × cols(), row-major) from the image block `x`.
pub fn im2col<F: Real>(g: &ConvGeom, x: &[F], cols: &mut [F]) {
    let (h, w, k, p) = (g.height, g.width, g.kernel, g.padding);
    let (oh, ow) = (g.out_height(), g.out_width());
    let ncols = g.cols();
    debug_assert_eq!(x.len(), g.channels * g.batch * h * w);
    debug_assert_eq!(cols.len(), g.rows() * ncols);
    for c in 0..g.channels {
        for u in 0..k {
            let (ilo, ihi) = valid_range(u, p, h, oh);
            for v in 0..k {
                let (jlo, jhi) = valid_range(v, p, w, ow);
                let row = &mut cols[((c * k + u) * k + v) * ncols..][..ncols];
                for b in 0..g.batch {
                    let plane = &x[(c * g.batch + b) * h * w..][..h * w];
                    let out = &mut row[b * oh * ow..][..oh * ow];
                    for i in 0..oh {
                        let dst = &mut out[i * ow..][..ow];
                        if i < ilo || i >= ihi {
                            dst.fill(F::zero());
                            continue;
                        }
                        let src_row = i + u - p;
                        dst[..jlo].fill(F::zero());
                        dst[jhi..].fill(F::zero());
                        let src = &plane[src_row * w + jlo + v - p..][..jhi - jlo];
                        copy_run(&mut dst[jlo..jhi], src);
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: dx[c, b, i + u − p, j + v − p] += dcols[(c, u, v),
/// (b, i, j)], i.e. every patch entry's gradient flows back to the pixel it
/// was copied from. `dx` is overwritten.
pub fn col2im<F: Real>(g: &ConvGeom, dcols: &[F], dx: &mut [F]) {
    let (h, w, k, p) = (g.height, g.width, g.kernel, g.padding);
    let (oh, ow) = (g.out_height(), g.out_width());
    let ncols = g.cols();
    dx.fill(F::zero());
    for c in 0..g.channels {
        for u in 0..k {
            let (ilo, ihi) = valid_range(u, p, h, oh);
            for v in 0..k {
                let (jlo, jhi) = valid_range(v, p, w, ow);
                let row = &dcols[((c * k + u) * k + v) * ncols..][..ncols];
                for b in 0..g.batch {
                    let plane = &mut dx[(c * g.batch + b) * h * w..][..h * w];
                    let patch = &row[b * oh * ow..][..oh * ow];
                    for i in ilo..ihi {
                        let src = &patch[i * ow + jlo..][..jhi - jlo];
                        let dst = &mut plane[(i + u - p) * w + jlo + v - p..][..jhi - jlo];
                        add_run(dst, src);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩: col2im is exactly the adjoint, which
    /// is what makes it the gradient of im2col.
    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        let g = ConvGeom { channels: 2, batch: 3, height: 6, width: 5, kernel: 3, padding: 1 };
        let x: Vec<f64> = (0..2 * 3 * 30).map(|i| ((i * 37 % 11) as f64) - 5.0).collect();
        let y: Vec<f64> = (0..g.rows() * g.cols()).map(|i| ((i * 13 % 7) as f64) - 3.0).collect();
        let mut cols = vec![0.0; g.rows() * g.cols()];
        im2col(&g, &x, &mut cols);
        let mut dx = vec![0.0; x.len()];
        col2im(&g, &y, &mut dx);
        let lhs: f64 = cols.iter().zip(&y).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
    }

    #[test]
    fn im2col_pads_with_zeros() {
        // One 2×2 image, 3×3 kernel, padding 1: the centre row of cols is
        // the image itself, the corner row (u = v = 0) sees only x[0][0].
        let g = ConvGeom { channels: 1, batch: 1, height: 2, width: 2, kernel: 3, padding: 1 };
        let x = [1.0, 2.0, 3.0, 4.0];
        let mut cols = vec![f64::NAN; 9 * 4];
        im2col(&g, &x, &mut cols);
        assert_eq!(&cols[4 * 4..5 * 4], &x);
        assert_eq!(&cols[0..4], &[0.0, 0.0, 0.0, 1.0]);
    }
}
