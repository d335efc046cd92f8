//! conv2's input gradient: ∂C/∂a[c, n, y, x] = Σ_{u,v} (wᵀ δ)[(c, u, v), n, y − u, x − v],
//! the product wᵀ δ (150 × 16 times 16 × B·100) and its col2im in one pass,
//! one sample at a time, with the positions as the vector lanes.
//!
//! - The generic loops ([`input_grad_body`]: the portable and AVX2 paths,
//!   and f64): one sample's δ is spread to pool1's row stride 14 (zero in
//!   columns 10..13), so the row of wᵀ δ for tap (c, u, v) is in that
//!   stride too and its col2im is a single shifted add into plane c at
//!   offset 14u + v; the zero columns wrap onto the next row and add exact
//!   zeros. T taps × KB blocks of 16 positions stay in registers while the
//!   16 channels of δ stream past. 140 of every 144 lanes hold a row
//!   position, 100 of them a real one: 44 % more multiply-adds than the
//!   product needs, which the absence of a 150 × B·100 buffer and of a
//!   separate col2im pass more than pays for.
//! - AVX-512 in f32 ([`input_grad_packed_f32`]): δ stays packed in rows of
//!   10, 7 blocks of 16 lanes (112 for 100 positions, 12 % more), and each
//!   tap's sums are spread to the stride of 14 by one permutation per block
//!   just before their shifted add: per tap 7 × 16 multiply-adds and 9
//!   permutations instead of 9 × 16 multiply-adds.
//!
//! Each sum is the same chain in both: one multiply-add per channel of δ
//! from +0, channels in order, then its one addition into ∂C/∂a, taps in
//! order; so every path but the portable one (which rounds each product)
//! gives the same bits.

#[cfg(target_arch = "x86_64")]
use super::per_reg;
use super::{C, IN, IN_PLANE, Isa, K, LANES, Lanes, O, OUT, PLANE, TAPS, madd};
use crate::element::Real;

/// δ of one sample for the input gradient: each plane's 10 rows of 10
/// spread to pool1's row stride 14, the four extra columns zero, padded to
/// whole blocks of 16 lanes: 9 blocks = 144 entries, of which 140 are rows.
const SPAN: usize = OUT * IN;
const BLOCKS: usize = SPAN.div_ceil(LANES);
const SPAN_PADDED: usize = BLOCKS * LANES;
/// ∂C/∂a of one sample, one plane per input channel, with room for the
/// last tap's shift (4·14 + 4) plus a whole padded span: 204 entries.
const DA_PADDED: usize = (K - 1) * IN + (K - 1) + SPAN_PADDED;
const _: () = assert!(DA_PADDED >= IN_PLANE);

/// The taps in the input gradient's order: the six channels of each
/// shift (u, v) one after the other, so that taps done together add into
/// different planes, and a shifted add never reads what the one before it
/// has just written at another offset (the store could not be forwarded).
/// Every plane still receives its 25 shifts in the order (u, v).
#[inline(always)]
fn tap(m: usize) -> usize {
    (m % C) * K * K + m / C
}

/// The input-gradient loops, T taps at a time (T divides 150) and KB lane
/// blocks of positions at a time (KB divides 9). With δ in rows of stride
/// 14 (zero in columns 10..13), the row (wᵀ δ)[t, ·] of tap t = (c, u, v)
/// lies in the same stride as pool1, so col2im is one shifted add:
/// ∂C/∂a[c, k + 14u + v] += (wᵀ δ)[t, k] for every k. The zero columns
/// wrap onto the neighbouring row and add exact zeros.
#[inline(always)]
fn input_grad_body<F: Real, const FUSED: bool, const T: usize, const KB: usize>(
    w: &[F],
    dz: &[F],
    b: usize,
    da: &mut [F],
) {
    // wᵀ in the taps' order here: row m holds tap(m)'s 16 weights.
    let w: &[F; O * TAPS] = w[..O * TAPS].try_into().unwrap();
    let wt: [Lanes<F>; TAPS] = std::array::from_fn(|m| std::array::from_fn(|o| w[o * TAPS + tap(m)]));
    let n = b * PLANE;
    let dz = &dz[..O * n];
    let da = &mut da[..C * b * IN_PLANE];
    for s in 0..b {
        let mut d = [[F::zero(); SPAN_PADDED]; O];
        for (o, dp) in d.iter_mut().enumerate() {
            for i in 0..OUT {
                dp[i * IN..][..OUT].copy_from_slice(&dz[o * n + s * PLANE + i * OUT..][..OUT]);
            }
        }
        let mut g = [[F::zero(); DA_PADDED]; C];
        for t0 in (0..TAPS).step_by(T) {
            for k0 in (0..BLOCKS).step_by(KB) {
                let mut acc = [[[F::zero(); LANES]; KB]; T];
                for (o, dp) in d.iter().enumerate() {
                    for (dt, acc) in acc.iter_mut().enumerate() {
                        let wv = wt[t0 + dt][o];
                        for (k, a) in acc.iter_mut().enumerate() {
                            let dl = &dp[(k0 + k) * LANES..][..LANES];
                            for l in 0..LANES {
                                a[l] = madd::<F, FUSED>(wv, dl[l], a[l]);
                            }
                        }
                    }
                }
                for (dt, acc) in acc.iter().enumerate() {
                    let t = tap(t0 + dt);
                    let (c, u, v) = (t / (K * K), t / K % K, t % K);
                    for (k, a) in acc.iter().enumerate() {
                        let dst: &mut [F; LANES] =
                            (&mut g[c][u * IN + v + (k0 + k) * LANES..][..LANES]).try_into().unwrap();
                        for l in 0..LANES {
                            dst[l] = dst[l] + a[l];
                        }
                    }
                }
            }
        }
        for (c, gc) in g.iter().enumerate() {
            da[(c * b + s) * IN_PLANE..][..IN_PLANE].copy_from_slice(&gc[..IN_PLANE]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn input_grad_avx2<F: Real>(w: &[F], dz: &[F], b: usize, da: &mut [F]) {
    // 5 taps × 1 block × 2 registers of sums in f32 (4 in f64: 2 taps).
    if per_reg::<F>(32) == 8 {
        input_grad_body::<F, true, 5, 1>(w, dz, b, da)
    } else {
        input_grad_body::<F, true, 2, 1>(w, dz, b, da)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn input_grad_avx512<F: Real>(w: &[F], dz: &[F], b: usize, da: &mut [F]) {
    // In f32 the positions packed in rows of 10; in f64 5 taps × 1 block ×
    // 2 registers of sums.
    if !input_grad_packed_f32(w, dz, b, da) {
        input_grad_body::<F, true, 5, 1>(w, dz, b, da)
    }
}

/// Blocks of 16 lanes holding one sample's 100 positions packed in rows of
/// 10: 7 (the last one 4 positions and 12 zeros).
#[cfg(target_arch = "x86_64")]
const PACKED_BLOCKS: usize = PLANE.div_ceil(LANES);

/// How block m of the spread layout (pool1's row stride 14, [`BLOCKS`] of
/// them) is gathered from the packed one: lane l takes lane `index[l]` of
/// the packed blocks `first` and `first + 1` seen as 32 lanes (the last
/// packed block twice), or zero where `keep` has no bit (columns 10..13
/// and past row 9).
#[cfg(target_arch = "x86_64")]
struct Spread {
    first: usize,
    index: [i32; LANES],
    keep: u16,
}

#[cfg(target_arch = "x86_64")]
const SPREAD: [Spread; BLOCKS] = {
    let mut table = [const { Spread { first: 0, index: [0; LANES], keep: 0 } }; BLOCKS];
    let mut m = 0;
    while m < BLOCKS {
        let mut l = 0;
        let mut first = None;
        while l < LANES {
            let (i, j) = ((m * LANES + l) / IN, (m * LANES + l) % IN);
            if i < OUT && j < OUT {
                let p = i * OUT + j;
                let f = match first {
                    Some(f) => f,
                    None => p / LANES,
                };
                first = Some(f);
                assert!(p - f * LANES < 2 * LANES, "a spread block draws on two packed blocks");
                table[m].index[l] = (p - f * LANES) as i32;
                table[m].keep |= 1 << l;
            }
            l += 1;
        }
        table[m].first = match first {
            Some(f) => f,
            None => panic!("every spread block holds a position"),
        };
        m += 1;
    }
    table
};

/// The input gradient on AVX-512 in f32, in intrinsics, with the positions
/// packed in rows of 10 instead of spread to pool1's stride of 14: 7 blocks
/// of 16 lanes instead of 9, so 7 × 16 multiply-adds per tap instead of
/// 9 × 16. Each sum is the same chain as in [`input_grad_body`], one fused
/// multiply-add per channel of δ from +0 in the same order; a permutation
/// per spread block then puts every sum in the lane the spread layout gives
/// it, and +0 where that layout has a padding column, and the shifted adds
/// into ∂C/∂a are those of the generic loops. Their padding lanes add +0
/// too (0 · w summed from +0), which changes no entry: an entry starts at
/// +0 and a sum is -0 only when both terms are, so no entry is ever -0.
/// The results are therefore those of the other paths bit for bit, for
/// any finite weights (an infinite weight makes the generic loops' padding
/// lanes NaN, and these +0). Returns false (doing nothing) unless F is f32.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f")]
fn input_grad_packed_f32<F: Real>(w: &[F], dz: &[F], b: usize, da: &mut [F]) -> bool {
    use super::super::as_f32::{as_f32, as_f32_mut};
    use std::arch::x86_64::*;
    /// Taps at a time: 3 × 7 registers of sums, 7 of δ and one weight.
    const T: usize = 3;
    const _: () = assert!(TAPS.is_multiple_of(T) && C.is_multiple_of(T), "taps in groups of one shift");
    let (Some(w), Some(dz), Some(da)) = (as_f32(&w[..O * TAPS]), as_f32(&dz[..O * b * PLANE]), as_f32_mut(da)) else {
        return false;
    };
    let wt: [[f32; O]; TAPS] = std::array::from_fn(|m| std::array::from_fn(|o| w[o * TAPS + tap(m)]));
    let n = b * PLANE;
    let da = &mut da[..C * b * IN_PLANE];
    for s in 0..b {
        let mut d = [[0f32; PACKED_BLOCKS * LANES]; O];
        for (o, dp) in d.iter_mut().enumerate() {
            dp[..PLANE].copy_from_slice(&dz[o * n + s * PLANE..][..PLANE]);
        }
        let mut g = [[0f32; DA_PADDED]; C];
        for t0 in (0..TAPS).step_by(T) {
            let mut acc = [[_mm512_setzero_ps(); PACKED_BLOCKS]; T];
            for (o, dp) in d.iter().enumerate() {
                // SAFETY: k·16 + 16 ≤ 112 entries of dp.
                let dv: [__m512; PACKED_BLOCKS] =
                    std::array::from_fn(|k| unsafe { _mm512_loadu_ps(dp.as_ptr().add(k * LANES)) });
                for (dt, acc) in acc.iter_mut().enumerate() {
                    let wv = _mm512_set1_ps(wt[t0 + dt][o]);
                    for (a, x) in acc.iter_mut().zip(dv) {
                        *a = _mm512_fmadd_ps(wv, x, *a);
                    }
                }
            }
            for (dt, packed) in acc.iter().enumerate() {
                let t = tap(t0 + dt);
                let (c, u, v) = (t / (K * K), t / K % K, t % K);
                for (m, spread) in SPREAD.iter().enumerate() {
                    let (lo, hi) = (packed[spread.first], packed[(spread.first + 1).min(PACKED_BLOCKS - 1)]);
                    let dst = &mut g[c][u * IN + v + m * LANES..][..LANES];
                    // SAFETY: index has 16 entries; dst has 16 (its offset is
                    // at most 4·14 + 4 + 8·16 and DA_PADDED = 204).
                    unsafe {
                        let index = _mm512_loadu_si512(spread.index.as_ptr().cast());
                        let x = _mm512_maskz_permutex2var_ps(spread.keep, lo, index, hi);
                        _mm512_storeu_ps(dst.as_mut_ptr(), _mm512_add_ps(_mm512_loadu_ps(dst.as_ptr()), x));
                    }
                }
            }
        }
        for (c, gc) in g.iter().enumerate() {
            da[(c * b + s) * IN_PLANE..][..IN_PLANE].copy_from_slice(&gc[..IN_PLANE]);
        }
    }
    true
}

/// ∂C/∂a (6 × b planes of 14 × 14, overwritten) from the kernels `w` (16 ×
/// 150) and δ at conv2's output (16 × b planes of [`PLANE`]), on the
/// fastest path this CPU runs.
pub fn input_grad<F: Real>(w: &[F], dz: &[F], b: usize, da: &mut [F]) {
    input_grad_on(Isa::best(), w, dz, b, da)
}

/// [`input_grad`] on a chosen path.
///
/// # Panics
/// If this CPU cannot run `isa`, or a buffer is too short.
pub fn input_grad_on<F: Real>(isa: Isa, w: &[F], dz: &[F], b: usize, da: &mut [F]) {
    assert!(isa.runs_here(), "this CPU cannot run conv2's {isa:?} path");
    match isa {
        Isa::Portable => input_grad_body::<F, false, 1, 3>(w, dz, b, da),
        // SAFETY: the CPU has the path's instructions (asserted above).
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { input_grad_avx2(w, dz, b, da) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { input_grad_avx512(w, dz, b, da) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("runs_here is false off x86-64"),
    }
}
