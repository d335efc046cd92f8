//! conv1 computed directly, without im2col.
//!
//! conv1 has one input channel and six 5×5 kernels, so as a matrix product
//! it is 6 × 25 times 25 × (B·784): six rows only, and the 25 × (B·784)
//! patch matrix would be built, then copied again by the GEMM's packing,
//! for six multiply-adds per copied entry. Computing the sums directly on
//! the padded image, a row of 28 outputs at a time, keeps everything in
//! registers and L1 instead.
//!
//! With x̃ the image padded by 2:
//!
//! forward   z[c, i, j] = b_c + Σ_{u,v<5} w[c, u, v] · x̃[i + u, j + v]
//! kernel    ∂C/∂w[c, u, v] = Σ_n Σ_{i,j} δ[c, n, i, j] · x̃_n[i + u, j + v]
//! bias      ∂C/∂b_c = Σ_n Σ_{i,j} δ[c, n, i, j]
//!
//! (sums over the samples; the caller divides by N). The gradient for the
//! image itself is never needed.
//!
//! On x86-64 the same loops are compiled twice more, with AVX2 and FMA and
//! with AVX-512F enabled, and the widest the CPU has is chosen at run time
//! ([`Isa`]): a block of 16 lanes is then one AVX-512 register instead of
//! two AVX2 ones, so each kernel weight costs one multiply-add instruction
//! per block, not two.

use crate::element::Real;
use crate::model::arch::{CONV1_CHANNELS, CONV1_PADDING, CONV1_SIDE, IMAGE_CHANNELS, IMAGE_SIDE, KERNEL};

/// The image's and the output's width and height (28: padding 2 keeps the size).
const W: usize = IMAGE_SIDE;
const _: () = assert!(CONV1_SIDE == W && IMAGE_CHANNELS == 1, "conv1 keeps the image's size");
/// The kernels' side (5) and entries (25), and the output channels (6).
const K: usize = KERNEL;
const KK: usize = K * K;
const C: usize = CONV1_CHANNELS;
/// Row stride of the padded images and of conv1's output planes: the padded
/// width 2 + 28 + 2 = 32. Giving both the same stride makes every sum a
/// shift of one flat array: z(k) = b + Σ_{u,v} w(u, v) · x̃(k + 32u + v) for
/// k = 32i + j, so the loops run over contiguous blocks of 16 lanes. Output
/// columns 28..32 are padding: their values are never read, and their δ
/// must be 0.
pub const STRIDE: usize = W + 2 * CONV1_PADDING;
/// Entries of one conv1 output plane: 28 rows of stride 32.
pub const PLANE: usize = W * STRIDE;
/// Entries of one padded image: 33 rows of 32, the 33rd (zero) so that the
/// shifted reads of the padding columns stay inside the image.
pub const IMAGE: usize = (STRIDE + 1) * STRIDE;
const LANES: usize = 16;
/// Blocks of lanes the forward pass computes side by side.
const BLOCKS: usize = 2;
const _: () = assert!(PLANE.is_multiple_of(BLOCKS * LANES), "whole pairs of blocks of lanes per plane");

/// Copies `b` images (b × 784) into zero-padded planes of [`IMAGE`]
/// entries, pixel (i, j) at (i + 2)·32 + j + 2.
///
/// # Panics
/// If `x` has fewer than b·784 entries or `padded` fewer than b·[`IMAGE`].
pub fn pad_images<F: Real>(x: &[F], b: usize, padded: &mut [F]) {
    padded[..b * IMAGE].fill(F::zero());
    for n in 0..b {
        let src = &x[n * W * W..][..W * W];
        let dst = &mut padded[n * IMAGE..][..IMAGE];
        for i in 0..W {
            let d: &mut [F; W] = (&mut dst[(i + CONV1_PADDING) * STRIDE + CONV1_PADDING..][..W]).try_into().unwrap();
            d.copy_from_slice(&src[i * W..][..W]);
        }
    }
}

#[inline(always)]
fn madd<F: Real, const FUSED: bool>(a: F, b: F, acc: F) -> F {
    if FUSED { a.mul_add(b, acc) } else { acc + a * b }
}

#[inline(always)]
fn lanes<F>(s: &[F], at: usize) -> &[F; LANES] {
    s[at..at + LANES].try_into().unwrap()
}

#[inline(always)]
fn forward_body<F: Real, const FUSED: bool>(padded: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    let w: &[F; C * KK] = w[..C * KK].try_into().unwrap();
    for n in 0..b {
        let img = &padded[n * IMAGE..][..IMAGE];
        for k0 in (0..PLANE).step_by(BLOCKS * LANES) {
            // Six output channels × two blocks of 16 lanes stay in
            // registers while the 25 shifted input blocks stream past:
            // twelve independent sums, each weight loaded once for two.
            let mut acc: [[[F; LANES]; C]; BLOCKS] = [std::array::from_fn(|c| [bias[c]; LANES]); BLOCKS];
            for u in 0..K {
                for v in 0..K {
                    for (h, acc) in acc.iter_mut().enumerate() {
                        let seg = lanes(img, k0 + h * LANES + u * STRIDE + v);
                        for (c, a) in acc.iter_mut().enumerate() {
                            let wv = w[c * KK + u * K + v];
                            for l in 0..LANES {
                                a[l] = madd::<F, FUSED>(wv, seg[l], a[l]);
                            }
                        }
                    }
                }
            }
            for (h, acc) in acc.iter().enumerate() {
                for (c, a) in acc.iter().enumerate() {
                    z[(c * b + n) * PLANE + k0 + h * LANES..][..LANES].copy_from_slice(a);
                }
            }
        }
    }
}

/// The kernel and bias gradients, one sample at a time. For each row shift
/// u the five shifts v share each block of δ: five sets of 16 independent
/// partial sums, added up at the end. With `GROUPED` (the AVX-512 path), an
/// f32 sample's kernel gradient goes to [`grouped_kernel_f32`] instead,
/// which keeps three channels' sums in registers at once. Either way every
/// partial sum sees the same terms in the same order (k0 ascending, lane by
/// lane), and each weight's gradient gets its one addition per sample in
/// the same order, so all paths are bit-identical.
#[inline(always)]
fn grad_body<F: Real, const FUSED: bool, const GROUPED: bool>(
    padded: &[F],
    dz: &[F],
    b: usize,
    gw: &mut [F],
    gb: &mut [F],
) {
    for n in 0..b {
        let img = &padded[n * IMAGE..][..IMAGE];
        let planes: [&[F; PLANE]; C] = std::array::from_fn(|c| dz[(c * b + n) * PLANE..][..PLANE].try_into().unwrap());
        for (g, d) in gb.iter_mut().zip(&planes) {
            *g = *g
                + lane_sum(d.chunks_exact(LANES).fold([F::zero(); LANES], |mut s, dl| {
                    for l in 0..LANES {
                        s[l] = s[l] + dl[l];
                    }
                    s
                }));
        }
        // SAFETY: GROUPED is set only by the AVX-512 entry point.
        #[cfg(target_arch = "x86_64")]
        if GROUPED && unsafe { grouped_kernel_f32(img, &planes, gw) } {
            continue;
        }
        for c in 0..C {
            let d: &[F; PLANE] = dz[(c * b + n) * PLANE..][..PLANE].try_into().unwrap();
            for u in 0..K {
                let row: &[F] = &img[u * STRIDE..][..PLANE + K - 1];
                let mut acc = [[F::zero(); LANES]; K];
                for k0 in (0..PLANE).step_by(LANES) {
                    let dl = lanes(d, k0);
                    for (v, a) in acc.iter_mut().enumerate() {
                        let xl = lanes(row, k0 + v);
                        for l in 0..LANES {
                            a[l] = madd::<F, FUSED>(dl[l], xl[l], a[l]);
                        }
                    }
                }
                for (v, a) in acc.into_iter().enumerate() {
                    let g = &mut gw[c * KK + u * K + v];
                    *g = *g + lane_sum(a);
                }
            }
        }
    }
}

/// One sample's kernel gradient on AVX-512 in f32, in intrinsics: for each
/// row shift u, 3 channels × the 5 shifts v are 15 registers of 16 partial
/// sums, and each block step loads 3 blocks of δ and 5 of the image for 15
/// multiply-adds (one channel at a time loads 6 blocks for 5, or, all 25
/// shifts at once, 26 for 25, most of them across two cache lines, and
/// waits on the loads). Every partial sum still runs over the blocks in
/// ascending order with one fused multiply-add per block, and each weight's
/// gradient gets its one addition per sample, lanes summed in order: the
/// results are those of the generic loops, bit for bit. Returns false
/// (doing nothing) unless F is f32; the caller then runs the generic loops.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f")]
fn grouped_kernel_f32<F: Real>(img: &[F], planes: &[&[F; PLANE]; C], gw: &mut [F]) -> bool {
    use super::as_f32::{as_f32, as_f32_mut};
    use std::arch::x86_64::*;
    const GROUP: usize = 3;
    const _: () = assert!(C.is_multiple_of(GROUP), "whole groups of channels");
    let (Some(img), Some(gw)) = (as_f32(&img[..IMAGE]), as_f32_mut(gw)) else { return false };
    let d: [&[f32]; C] = std::array::from_fn(|c| as_f32(&planes[c][..]).expect("F is f32"));
    for c0 in (0..C).step_by(GROUP) {
        for u in 0..K {
            let row = img[u * STRIDE..].as_ptr();
            let mut acc = [_mm512_setzero_ps(); GROUP * K];
            for k0 in (0..PLANE).step_by(LANES) {
                // SAFETY: u·32 + k0 + v + 16 ≤ 4·32 + 880 + 4 + 16 = 1028
                // < IMAGE = 1056; k0 + 16 ≤ PLANE for δ.
                unsafe {
                    let x0 = _mm512_loadu_ps(row.add(k0));
                    let x1 = _mm512_loadu_ps(row.add(k0 + 1));
                    let x2 = _mm512_loadu_ps(row.add(k0 + 2));
                    let x3 = _mm512_loadu_ps(row.add(k0 + 3));
                    let x4 = _mm512_loadu_ps(row.add(k0 + 4));
                    for g in 0..GROUP {
                        let dv = _mm512_loadu_ps(d[c0 + g].as_ptr().add(k0));
                        acc[g * K] = _mm512_fmadd_ps(dv, x0, acc[g * K]);
                        acc[g * K + 1] = _mm512_fmadd_ps(dv, x1, acc[g * K + 1]);
                        acc[g * K + 2] = _mm512_fmadd_ps(dv, x2, acc[g * K + 2]);
                        acc[g * K + 3] = _mm512_fmadd_ps(dv, x3, acc[g * K + 3]);
                        acc[g * K + 4] = _mm512_fmadd_ps(dv, x4, acc[g * K + 4]);
                    }
                }
            }
            // Copied out of the loop's registers before the lanes are read
            // (read in place, the compiler kept the sums in memory).
            let sums = acc;
            for g in 0..GROUP {
                for v in 0..K {
                    let mut t = [0f32; LANES];
                    // SAFETY: t has 16 entries.
                    unsafe { _mm512_storeu_ps(t.as_mut_ptr(), sums[g * K + v]) };
                    gw[(c0 + g) * KK + u * K + v] += lane_sum(t);
                }
            }
        }
    }
    true
}

#[inline(always)]
fn lane_sum<F: Real>(a: [F; LANES]) -> F {
    a.iter().copied().fold(F::zero(), |s, v| s + v)
}

/// The instruction sets conv1's loops are compiled for. The loops are the
/// same generic code each time; only the vector width the compiler may use
/// changes (16 lanes are one AVX-512 register or two AVX2 ones), so the two
/// fused paths compute every sum in the same order, with the same fused
/// multiply-adds, and give bit-identical results. The portable path rounds
/// each product before adding it (no FMA), so it differs from them in the
/// last bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Plain Rust, any CPU: multiply, then add.
    Portable,
    /// x86-64 with AVX2 and FMA.
    Avx2,
    /// x86-64 with AVX-512F (and AVX2, FMA).
    Avx512,
}

impl Isa {
    /// Every path this CPU can run, the portable one first.
    pub fn available() -> Vec<Isa> {
        [Isa::Portable, Isa::Avx2, Isa::Avx512].into_iter().filter(|isa| isa.runs_here()).collect()
    }

    /// The fastest path this CPU can run: the one [`forward`] and [`grad`] use.
    pub fn best() -> Isa {
        [Isa::Avx512, Isa::Avx2].into_iter().find(|isa| isa.runs_here()).unwrap_or(Isa::Portable)
    }

    /// Whether this CPU has the instructions of this path.
    pub fn runs_here(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::is_x86_feature_detected as has;
            match self {
                Isa::Portable => true,
                Isa::Avx2 => has!("avx2") && has!("fma"),
                Isa::Avx512 => has!("avx512f") && has!("avx2") && has!("fma"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Isa::Portable
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn forward_avx2<F: Real>(padded: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    forward_body::<F, true>(padded, w, bias, b, z)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn grad_avx2<F: Real>(padded: &[F], dz: &[F], b: usize, gw: &mut [F], gb: &mut [F]) {
    grad_body::<F, true, false>(padded, dz, b, gw, gb)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn forward_avx512<F: Real>(padded: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    forward_body::<F, true>(padded, w, bias, b, z)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn grad_avx512<F: Real>(padded: &[F], dz: &[F], b: usize, gw: &mut [F], gb: &mut [F]) {
    grad_body::<F, true, true>(padded, dz, b, gw, gb)
}

/// z (6 × b planes of [`PLANE`], channel-major) from the padded images, the kernels
/// `w` (6 × 25) and biases, on the fastest path this CPU runs ([`Isa::best`]).
pub fn forward<F: Real>(padded: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    forward_on(Isa::best(), padded, w, bias, b, z)
}

/// [`forward`] on a chosen path (tests run each one the CPU has).
///
/// # Panics
/// If this CPU cannot run `isa`.
pub fn forward_on<F: Real>(isa: Isa, padded: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    assert!(isa.runs_here(), "this CPU cannot run conv1's {isa:?} path");
    match isa {
        Isa::Portable => forward_body::<F, false>(padded, w, bias, b, z),
        // SAFETY: the CPU has the path's instructions (asserted above).
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { forward_avx2(padded, w, bias, b, z) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { forward_avx512(padded, w, bias, b, z) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("runs_here is false off x86-64"),
    }
}

/// Adds Σ over the b samples of the kernel and bias gradients to `gw`
/// (6 × 25) and `gb` (6), given δ at conv1's output (6 × b planes of
/// [`PLANE`], zero in the padding columns), on the fastest path this CPU runs.
pub fn grad<F: Real>(padded: &[F], dz: &[F], b: usize, gw: &mut [F], gb: &mut [F]) {
    grad_on(Isa::best(), padded, dz, b, gw, gb)
}

/// [`grad`] on a chosen path.
///
/// # Panics
/// If this CPU cannot run `isa`.
pub fn grad_on<F: Real>(isa: Isa, padded: &[F], dz: &[F], b: usize, gw: &mut [F], gb: &mut [F]) {
    assert!(isa.runs_here(), "this CPU cannot run conv1's {isa:?} path");
    match isa {
        Isa::Portable => grad_body::<F, false, false>(padded, dz, b, gw, gb),
        // SAFETY: the CPU has the path's instructions (asserted above).
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { grad_avx2(padded, dz, b, gw, gb) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { grad_avx512(padded, dz, b, gw, gb) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("runs_here is false off x86-64"),
    }
}
