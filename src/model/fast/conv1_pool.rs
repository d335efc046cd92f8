//! conv1 and its 2×2 max pooling in one pass, so that conv1's output is
//! never written: each pair of output rows is pooled while it is still in
//! registers.
//!
//! With max pooling (and any activation, which commutes with the maximum:
//! see [`super::pool`]), nothing after the forward pass reads conv1's
//! pre-activations z: backward needs only the pooled outputs and each
//! window's arg max. Computed apart, conv1 writes z (6 planes of 28 rows of
//! 32 per sample: 344 KB for a chunk of 16 samples in f32) and pooling
//! reads it all back. Here, on AVX-512 in f32, the sums of rows 2i and
//! 2i + 1 (four blocks of 16 lanes) for all six channels, 24 registers,
//! stay in registers while the 25 shifted input blocks stream past, and are
//! then pooled by [`pool`]'s own window code (`max_windows_f32`, its
//! AVX-512 kernel for conv1's rows).
//!
//! Every sum is conv1's: the bias, then one fused multiply-add per tap in
//! the order (u, v), as in [`conv1::forward`]; every window is chosen by
//! the comparisons of [`pool::max_act_forward`]. So the outputs and the arg
//! maxima are those of the two layers run one after the other on the
//! AVX-512 or AVX2 path, bit for bit (`tests/fast_kernels.rs` checks it).
//! Every other case runs the two layers one after the other.
//!
//! [`pool`]: super::pool

use super::conv1::{self, Isa};
use super::pool;
use crate::activation::Activation;
use crate::element::Real;
use crate::model::arch::{CONV1_CHANNELS, CONV1_SIDE, POOL1_SIDE};

/// Output channels (6), kernel side (5) and taps per channel (25).
const C: usize = CONV1_CHANNELS;
#[cfg(target_arch = "x86_64")]
const K: usize = crate::model::arch::KERNEL;
#[cfg(target_arch = "x86_64")]
const KK: usize = K * K;
/// Entries of one pooled plane: 14 × 14.
#[cfg(target_arch = "x86_64")]
const POOLED_PLANE: usize = POOL1_SIDE * POOL1_SIDE;
const LANES: usize = 16;
/// Blocks of 16 lanes in a pair of conv1's rows of [`conv1::STRIDE`].
const ROW_PAIR: usize = 2 * conv1::STRIDE / LANES;
const _: () = assert!(ROW_PAIR == 4 && 2 * POOL1_SIDE == CONV1_SIDE, "two rows of 32 make four blocks");

/// The pooled, activated planes p = f(max of each window of z) (6 × b
/// planes of 14 × 14) and each window's arg max (0..4, row-major), where z
/// is conv1's output for the padded images (see [`conv1::forward`] for the
/// other arguments), on the fastest path this CPU runs. `z` (6 × b planes
/// of [`conv1::PLANE`]) is conv1's output buffer, written only where the
/// two layers run apart (any path but AVX-512 in f32).
#[allow(clippy::too_many_arguments)]
pub fn max_forward<F: Real>(
    f: Activation,
    padded: &[F],
    w: &[F],
    bias: &[F],
    b: usize,
    z: &mut [F],
    p: &mut [F],
    arg: &mut [u8],
) {
    max_forward_on(Isa::best(), f, padded, w, bias, b, z, p, arg)
}

/// [`max_forward`] on a chosen path (tests run each one the CPU has).
///
/// # Panics
/// If this CPU cannot run `isa`, or a buffer is too short.
#[allow(clippy::too_many_arguments)]
pub fn max_forward_on<F: Real>(
    isa: Isa,
    f: Activation,
    padded: &[F],
    w: &[F],
    bias: &[F],
    b: usize,
    z: &mut [F],
    p: &mut [F],
    arg: &mut [u8],
) {
    assert!(isa.runs_here(), "this CPU cannot run conv1's {isa:?} path");
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has AVX-512F (asserted above).
    if isa == Isa::Avx512 && unsafe { fused_f32(padded, w, bias, b, p, arg) } {
        return super::act::activate(f, &mut p[..C * b * POOLED_PLANE]);
    }
    conv1::forward_on(isa, padded, w, bias, b, z);
    let planes = (C * b, CONV1_SIDE, CONV1_SIDE, conv1::STRIDE);
    pool::max_act_forward_on(isa, f, z, planes, p, arg);
}

/// The fused loops (before the activation) in AVX-512 intrinsics. Returns
/// false (doing nothing) unless F is f32.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fused_f32<F: Real>(padded: &[F], w: &[F], bias: &[F], b: usize, p: &mut [F], arg: &mut [u8]) -> bool {
    use super::as_f32::{as_f32, as_f32_mut};
    use std::arch::x86_64::*;
    let (Some(padded), Some(w), Some(bias), Some(p)) = (
        as_f32(&padded[..b * conv1::IMAGE]),
        as_f32(&w[..C * KK]),
        as_f32(&bias[..C]),
        as_f32_mut(&mut p[..C * b * POOLED_PLANE]),
    ) else {
        return false;
    };
    let arg = &mut arg[..C * b * POOLED_PLANE];
    for (n, img) in padded.chunks_exact(conv1::IMAGE).enumerate() {
        for i in 0..POOL1_SIDE {
            let k0 = 2 * i * conv1::STRIDE;
            let mut acc: [[__m512; C]; ROW_PAIR] = [std::array::from_fn(|c| _mm512_set1_ps(bias[c])); ROW_PAIR];
            for u in 0..K {
                for v in 0..K {
                    // SAFETY: the last block read ends at 26·32 + 3·16 +
                    // 4·32 + 4 + 16 = 1028 ≤ conv1::IMAGE = 1056 entries.
                    let seg: [__m512; ROW_PAIR] = std::array::from_fn(|h| unsafe {
                        _mm512_loadu_ps(img.as_ptr().add(k0 + h * LANES + u * conv1::STRIDE + v))
                    });
                    for c in 0..C {
                        let wv = _mm512_set1_ps(w[c * KK + u * K + v]);
                        for (a, x) in acc.iter_mut().zip(seg) {
                            a[c] = _mm512_fmadd_ps(wv, x, a[c]);
                        }
                    }
                }
            }
            for c in 0..C {
                let (m, at) = pool::avx512::max_windows_f32(acc.map(|rows| rows[c]));
                let q = (c * b + n) * POOLED_PLANE + i * POOL1_SIDE;
                pool::avx512::store_windows_f32(m, at, &mut p[q..][..POOL1_SIDE], &mut arg[q..][..POOL1_SIDE]);
            }
        }
    }
    true
}
