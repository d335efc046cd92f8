//! Max pooling's AVX-512 kernels for f32, in intrinsics: conv1's rows of
//! 32 (16 windows per pair of rows, and [`max_windows_f32`] for
//! [`conv1_pool`](super::super::conv1_pool), which pools conv1's sums in
//! registers) and conv2's rows of 10 lying one after the other, forward
//! and backward. Each chooses and routes exactly as the general loops of
//! [`super`] do (tests/fast_kernels.rs compares them bit for bit on every
//! path, ties and NaN included); only how many windows one instruction
//! handles changes.

use super::super::as_f32::{as_f32, as_f32_mut};
use super::{POOLED, WIDE};
use crate::element::Real;
use std::arch::x86_64::*;

/// [`max_windows`](super::max_windows) on every pair of rows of conv1's planes (28 rows of 32),
/// in AVX-512 intrinsics for f32 ([`max_windows_f32`]). Returns false
/// (doing nothing) unless F is f32.
#[target_feature(enable = "avx512f")]
pub(super) fn max_rows_f32<F: Real>(z: &[F], planes: usize, p: &mut [F], arg: &mut [u8]) -> bool {
    const H: usize = 2 * POOLED;
    let (Some(z), Some(p)) = (as_f32(&z[..planes * H * WIDE]), as_f32_mut(&mut p[..planes * POOLED * POOLED])) else {
        return false;
    };
    let arg = &mut arg[..planes * POOLED * POOLED];
    for (k, (top, bottom)) in z.chunks_exact(2 * WIDE).map(|r| r.split_at(WIDE)).enumerate() {
        // SAFETY: each row has 32 entries: two loads of 16.
        let rows = unsafe {
            [
                _mm512_loadu_ps(top.as_ptr()),
                _mm512_loadu_ps(top.as_ptr().add(16)),
                _mm512_loadu_ps(bottom.as_ptr()),
                _mm512_loadu_ps(bottom.as_ptr().add(16)),
            ]
        };
        let (m, at) = max_windows_f32(rows);
        store_windows_f32(m, at, &mut p[k * POOLED..][..POOLED], &mut arg[k * POOLED..][..POOLED]);
    }
    true
}

/// Max pooling of planes whose rows of W entries lie one after the other
/// (conv2's 10 × 10), in AVX-512 intrinsics for f32: each pair of rows (2W
/// ≤ 32 entries, two registers) gives its W/2 windows' four entries by four
/// permutations, then [`max_of_four_f32`]: the general loop's choices, bit
/// for bit. Returns false (doing nothing) unless F is f32.
#[target_feature(enable = "avx512f")]
pub(super) fn max_narrow_rows_f32<F: Real, const W: usize>(z: &[F], pairs: usize, p: &mut [F], arg: &mut [u8]) -> bool {
    const { assert!(W.is_multiple_of(2) && W <= 16, "rows of at most 16 entries, pooled in pairs") };
    let pw = W / 2;
    let (Some(z), Some(p)) = (as_f32(&z[..pairs * 2 * W]), as_f32_mut(&mut p[..pairs * pw])) else {
        return false;
    };
    let arg = &mut arg[..pairs * pw];
    // Lane j: entry 2j (+ 1) of the top row, W + 2j (+ 1) of the bottom one.
    let lanes = |first: usize| {
        let at: [i32; 16] = std::array::from_fn(|j| (first + 2 * j.min(pw - 1)) as i32);
        // SAFETY: `at` has 16 entries.
        unsafe { _mm512_loadu_si512(at.as_ptr().cast()) }
    };
    let (a, b, c, d) = (lanes(0), lanes(1), lanes(W), lanes(W + 1));
    let first: __mmask16 = ((1u32 << (2 * W).min(16)) - 1) as u16;
    let second: __mmask16 = ((1u32 << (2 * W).saturating_sub(16)) - 1) as u16;
    let kept: __mmask16 = (1 << pw) - 1;
    for ((rows, out), at_out) in z.chunks_exact(2 * W).zip(p.chunks_exact_mut(pw)).zip(arg.chunks_exact_mut(pw)) {
        // SAFETY: the masks read the 2W entries of `rows` only.
        let (r0, r1) = unsafe {
            (_mm512_maskz_loadu_ps(first, rows.as_ptr()), _mm512_maskz_loadu_ps(second, rows.as_ptr().add(16)))
        };
        let four = [a, b, c, d].map(|at| _mm512_permutex2var_ps(r0, at, r1));
        let (m, at) = max_of_four_f32(four[0], four[1], four[2], four[3]);
        // SAFETY: the mask writes the W/2 entries of `out` only.
        unsafe { _mm512_mask_storeu_ps(out.as_mut_ptr(), kept, m) };
        let bytes = _mm_cvtsi128_si64(_mm512_cvtepi32_epi8(at)).to_le_bytes();
        at_out.copy_from_slice(&bytes[..pw]);
    }
    true
}

/// [`max_windows`](super::max_windows) in AVX-512 intrinsics for f32, on a pair of conv1's
/// rows held in registers (`[top 0..16, top 16..32, bottom 0..16, bottom
/// 16..32]`): the even and odd entries of each row separated by two
/// permutes, then the same three comparisons, lane by lane, with the same
/// tie rule (a later entry must be strictly larger; a NaN never is).
/// Returns the 16 windows' maxima and their positions (0..4) as 32-bit
/// lanes; the last two windows are the padding columns'.
#[inline]
#[target_feature(enable = "avx512f")]
pub(in crate::model::fast) fn max_windows_f32([t0, t1, b0, b1]: [__m512; 4]) -> (__m512, __m512i) {
    let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    let (a, b) = (_mm512_permutex2var_ps(t0, even, t1), _mm512_permutex2var_ps(t0, odd, t1));
    let (c, d) = (_mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1));
    max_of_four_f32(a, b, c, d)
}

/// Lane by lane, the maximum of a window's four entries a, b (top row), c,
/// d (bottom row) and its position (0..4), chosen as in [`max_windows`](super::max_windows): a
/// later entry must be strictly larger (a NaN never is).
#[inline]
#[target_feature(enable = "avx512f")]
fn max_of_four_f32(a: __m512, b: __m512, c: __m512, d: __m512) -> (__m512, __m512i) {
    let k1 = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(b, a);
    let (m1, i1) =
        (_mm512_mask_blend_ps(k1, a, b), _mm512_mask_blend_epi32(k1, _mm512_set1_epi32(0), _mm512_set1_epi32(1)));
    let k2 = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(d, c);
    let (m2, i2) =
        (_mm512_mask_blend_ps(k2, c, d), _mm512_mask_blend_epi32(k2, _mm512_set1_epi32(2), _mm512_set1_epi32(3)));
    let k3 = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(m2, m1);
    (_mm512_mask_blend_ps(k3, m1, m2), _mm512_mask_blend_epi32(k3, i1, i2))
}

/// The first 14 of [`max_windows_f32`]'s windows (the real ones) stored:
/// maxima to `p`, positions to `arg`, 14 entries each.
#[inline]
#[target_feature(enable = "avx512f")]
pub(in crate::model::fast) fn store_windows_f32(m: __m512, at: __m512i, p: &mut [f32], arg: &mut [u8]) {
    let (p, arg): (&mut [f32; POOLED], &mut [u8; POOLED]) = (p.try_into().unwrap(), arg.try_into().unwrap());
    let kept: __mmask16 = (1 << POOLED) - 1;
    // SAFETY: the mask writes the 14 entries of `p` only.
    unsafe { _mm512_mask_storeu_ps(p.as_mut_ptr(), kept, m) };
    let mut bytes = [0u8; 16];
    // SAFETY: `bytes` has 16 entries.
    unsafe { _mm_storeu_si128(bytes.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(at)) };
    arg.copy_from_slice(&bytes[..POOLED]);
}

/// [`route`](super::route) on every pair of rows of W entries lying one after the other
/// (conv2's planes), in AVX-512 intrinsics for f32: each window's δ and
/// position copied by a permutation to the four lanes of its entries among
/// the pair's 2W, then kept where the position is that lane's and +0
/// elsewhere. Only values are moved: the general loop's results, bit for
/// bit.
#[target_feature(enable = "avx512f")]
pub(super) fn route_narrow_rows_f32<const W: usize>(dp: &[f32], arg: &[u8], pairs: usize, dz: &mut [f32]) {
    const { assert!(W.is_multiple_of(2) && 8 <= W && W <= 16, "rows of 8 to 16 entries, pooled in pairs") };
    let pw = W / 2;
    let (dp, arg, dz) = (&dp[..pairs * pw], &arg[..pairs * pw], &mut dz[..pairs * 2 * W]);
    // Lane e of the pair's 2W entries (two registers): row e / W, column
    // e % W, so window (e % W) / 2 and position 2·row + column % 2.
    let table = |half: usize| {
        let e = |l: usize| (half * 16 + l).min(2 * W - 1);
        let window: [i32; 16] = std::array::from_fn(|l| (e(l) % W / 2) as i32);
        let position: [i32; 16] = std::array::from_fn(|l| (2 * (e(l) / W) + e(l) % 2) as i32);
        // SAFETY: both arrays have 16 entries.
        unsafe { (_mm512_loadu_si512(window.as_ptr().cast()), _mm512_loadu_si512(position.as_ptr().cast())) }
    };
    let halves = [table(0), table(1)];
    let kept: __mmask16 = (1 << pw) - 1;
    let second: __mmask16 = ((1u32 << (2 * W).saturating_sub(16)) - 1) as u16;
    for ((d, at), out) in dp.chunks_exact(pw).zip(arg.chunks_exact(pw)).zip(dz.chunks_exact_mut(2 * W)) {
        // The W/2 positions as the low bytes of a word (read byte by byte:
        // no store to wait for).
        let word = at.iter().rev().fold(0u64, |word, &t| word << 8 | u64::from(t));
        // SAFETY: the mask reads the W/2 entries of `d` only; the stores
        // write the 2W entries of `out` (16, then the rest under a mask).
        unsafe {
            let d = _mm512_maskz_loadu_ps(kept, d.as_ptr());
            let at = _mm512_cvtepu8_epi32(_mm_cvtsi64_si128(word as i64));
            let routed = halves.map(|(window, position)| {
                let (dv, av) = (_mm512_permutexvar_ps(window, d), _mm512_permutexvar_epi32(window, at));
                _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(av, position), dv)
            });
            _mm512_storeu_ps(out.as_mut_ptr(), routed[0]);
            _mm512_mask_storeu_ps(out.as_mut_ptr().add(16), second, routed[1]);
        }
    }
}
