//! Activation and 2×2/stride-2 pooling fused into one pass over each plane.
//!
//! Max pooling commutes with every monotone non-decreasing activation f:
//! max f(z) = f(max z), and the window's arg max of z is an arg max of f(z).
//! So the fused forward pools the pre-activations and applies σ to a quarter
//! of the values. Backward, the gradient reaches only the arg max: ∂C/∂z = ∂C/∂a_pool ·
//! σ′(z_max), with σ′ read off the stored output σ(z_max). (Where ReLU ties
//! its window at 0, σ′ = 0, so which entry is called the arg max is moot.)
//!
//! Mean pooling does not commute with a nonlinear f, so it applies f to every
//! entry first (in place) and averages: p = ¼ Σ f(z). Backward,
//! ∂C/∂z = ¼ (∂C/∂a_pool) · σ′(z) at each of the four entries.
//!
//! Planes are h×w with rows `rs` ≥ w entries apart (conv1's output rows
//! are padded to 32); padding columns are ignored forward and get δ = 0.
//!
//! The loops here are generic, and compiled for each instruction set
//! ([`Isa`]); `avx512` has intrinsics for max pooling in f32 on LeNet's two
//! layouts, which choose and route exactly as these loops do.

use super::act::{activate, times_slope};
#[cfg(target_arch = "x86_64")]
pub(super) mod avx512;

pub use super::conv1::Isa;
use crate::activation::Activation;
use crate::element::Real;
use crate::model::arch::POOL;

// The loops below are written for LeNet's 2×2 windows with stride 2.
const _: () = assert!(POOL == 2, "fast::pool is written for 2×2 windows");

/// Planes of h×w pre-activations `z` → planes of (h/2)×(w/2) outputs
/// p = f(max of window) and the window position (0..4, row-major) of the max,
/// on the fastest path this CPU runs (conv1's rows in AVX-512 with it).
pub fn max_act_forward<F: Real>(
    f: Activation,
    z: &[F],
    dims: (usize, usize, usize, usize),
    p: &mut [F],
    arg: &mut [u8],
) {
    max_act_forward_on(Isa::best(), f, z, dims, p, arg)
}

/// [`max_act_forward`] on a chosen path: `Isa::Avx512` pools conv1's rows
/// with `avx512::max_rows_f32` and conv2's (rows of 10 one after the
/// other) with `avx512::max_narrow_rows_f32`, AVX-512 intrinsics in f32; every
/// other case runs the loops below, the same on every path. (Training in
/// f32 with max pooling does not come here for conv1's rows: it pools them
/// in registers, in [`conv1_pool`](super::conv1_pool); `max_rows_f32`
/// serves the other callers of this layer, and the tests.)
///
/// # Panics
/// If this CPU cannot run `isa`.
pub fn max_act_forward_on<F: Real>(
    isa: Isa,
    f: Activation,
    z: &[F],
    (planes, h, w, rs): (usize, usize, usize, usize),
    p: &mut [F],
    arg: &mut [u8],
) {
    assert!(isa.runs_here(), "this CPU cannot run pooling's {isa:?} path");
    #[cfg(target_arch = "x86_64")]
    if rs == WIDE && w == 2 * POOLED && h == 2 * POOLED && isa == Isa::Avx512 {
        // SAFETY: the CPU has AVX-512F (asserted above).
        if unsafe { avx512::max_rows_f32(z, planes, p, arg) } {
            return activate(f, &mut p[..planes * POOLED * POOLED]);
        }
    }
    #[cfg(target_arch = "x86_64")]
    if (rs, w) == (NARROW, NARROW) && h.is_multiple_of(2) && isa == Isa::Avx512 {
        // SAFETY: the CPU has AVX-512F (asserted above).
        if unsafe { avx512::max_narrow_rows_f32::<F, NARROW>(z, planes * h / 2, p, arg) } {
            return activate(f, &mut p[..planes * (h / 2) * (w / 2)]);
        }
    }
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx512 {
        // SAFETY: the CPU has AVX-512F (asserted above).
        return unsafe { max_act_forward_avx512(f, z, (planes, h, w, rs), p, arg) };
    }
    max_act_forward_body(f, z, (planes, h, w, rs), p, arg)
}

/// The general loops of [`max_act_forward_on`], compiled for AVX-512 (the
/// same operations on wider registers: the same results).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn max_act_forward_avx512<F: Real>(
    f: Activation,
    z: &[F],
    dims: (usize, usize, usize, usize),
    p: &mut [F],
    arg: &mut [u8],
) {
    max_act_forward_body(f, z, dims, p, arg)
}

#[inline(always)]
fn max_act_forward_body<F: Real>(
    f: Activation,
    z: &[F],
    (planes, h, w, rs): (usize, usize, usize, usize),
    p: &mut [F],
    arg: &mut [u8],
) {
    let (ph, pw) = (h / 2, w / 2);
    for q in 0..planes {
        let zp = &z[q * h * rs..][..h * rs];
        let pp = &mut p[q * ph * pw..][..ph * pw];
        let ap = &mut arg[q * ph * pw..][..ph * pw];
        for i in 0..ph {
            let prow = &mut pp[i * pw..][..pw];
            let arow = &mut ap[i * pw..][..pw];
            if rs == WIDE && pw == POOLED {
                // conv1's rows: 32 entries each (padding included), so the
                // window loop runs on fixed-size arrays the compiler
                // vectorises; the outputs of the padding columns are dropped.
                let top: &[F; WIDE] = zp[2 * i * rs..][..WIDE].try_into().unwrap();
                let bottom: &[F; WIDE] = zp[(2 * i + 1) * rs..][..WIDE].try_into().unwrap();
                let (mut m, mut k) = ([F::zero(); WIDE / 2], [0u8; WIDE / 2]);
                max_windows(top, bottom, &mut m, &mut k);
                // Fixed lengths: moves inlined, not calls to memcpy.
                <&mut [F; POOLED]>::try_from(prow).unwrap().copy_from_slice(&m[..POOLED]);
                <&mut [u8; POOLED]>::try_from(arow).unwrap().copy_from_slice(&k[..POOLED]);
                continue;
            }
            let top = &zp[2 * i * rs..][..w];
            let bottom = &zp[(2 * i + 1) * rs..][..w];
            for j in 0..pw {
                let (a, b, c, d) = (top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]);
                // Branch-free, and the first maximum in row-major order wins
                // ties, as in the readable layer: later entries must be
                // strictly larger to take over.
                let (m1, i1) = if b > a { (b, 1) } else { (a, 0) };
                let (m2, i2) = if d > c { (d, 3) } else { (c, 2) };
                let (m, k) = if m2 > m1 { (m2, i2) } else { (m1, i1) };
                prow[j] = m;
                arow[j] = k;
            }
        }
    }
    activate(f, &mut p[..planes * ph * pw]);
}

/// Row stride of conv1's planes (28 entries and 4 of padding), and their
/// pooled width, which [`max_act_forward`] pools with [`max_windows`].
const WIDE: usize = 32;
const POOLED: usize = 14;
/// The width of conv2's planes, whose rows lie one after the other: pooled
/// by `avx512::max_narrow_rows_f32`.
#[cfg(target_arch = "x86_64")]
const NARROW: usize = crate::model::arch::CONV2_SIDE;

/// The 16 windows of a pair of 32-entry rows: their maxima and positions,
/// chosen exactly as in [`max_act_forward`]'s general loop.
#[inline(always)]
fn max_windows<F: Real>(top: &[F; WIDE], bottom: &[F; WIDE], m: &mut [F; WIDE / 2], k: &mut [u8; WIDE / 2]) {
    for j in 0..WIDE / 2 {
        let (a, b, c, d) = (top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]);
        let (m1, i1) = if b > a { (b, 1) } else { (a, 0) };
        let (m2, i2) = if d > c { (d, 3) } else { (c, 2) };
        (m[j], k[j]) = if m2 > m1 { (m2, i2) } else { (m1, i1) };
    }
}

/// ∂C/∂a at the pooled outputs → ∂C/∂z at the pre-activations (`dz` overwritten):
/// dz = dp · σ′ at each window's arg max, 0 elsewhere. `dp` is overwritten
/// with dp · σ′.
pub fn max_act_backward<F: Real>(
    f: Activation,
    dp: &mut [F],
    p: &[F],
    arg: &[u8],
    dims: (usize, usize, usize, usize),
    dz: &mut [F],
) {
    max_act_backward_on(Isa::best(), f, dp, p, arg, dims, dz)
}

/// [`max_act_backward`] on a chosen path: the same loops, compiled for
/// AVX-512 on that path (the same operations on wider registers: the same
/// results), except conv2's planes in f32, which
/// `avx512::route_narrow_rows_f32` routes (the same values to the same
/// entries).
///
/// # Panics
/// If this CPU cannot run `isa`.
pub fn max_act_backward_on<F: Real>(
    isa: Isa,
    f: Activation,
    dp: &mut [F],
    p: &[F],
    arg: &[u8],
    dims: (usize, usize, usize, usize),
    dz: &mut [F],
) {
    assert!(isa.runs_here(), "this CPU cannot run pooling's {isa:?} path");
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx512 {
        // SAFETY: the CPU has AVX-512F (asserted above).
        return unsafe { max_act_backward_avx512(f, dp, p, arg, dims, dz) };
    }
    max_act_backward_body(f, dp, p, arg, dims, dz)
}

/// The loops below compiled for AVX-512; conv2's planes in f32 routed by
/// `avx512::route_narrow_rows_f32` after σ′.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn max_act_backward_avx512<F: Real>(
    f: Activation,
    dp: &mut [F],
    p: &[F],
    arg: &[u8],
    dims: (usize, usize, usize, usize),
    dz: &mut [F],
) {
    use super::as_f32::{as_f32, as_f32_mut};
    let (planes, h, w, rs) = dims;
    if (rs, w) == (NARROW, NARROW)
        && h.is_multiple_of(2)
        && let (Some(dp), Some(p), Some(dz)) = (as_f32_mut(dp), as_f32(p), as_f32_mut(dz))
    {
        let pairs = planes * h / 2;
        times_slope(f, &mut dp[..pairs * NARROW / 2], p);
        return avx512::route_narrow_rows_f32::<NARROW>(dp, arg, pairs, dz);
    }
    max_act_backward_body(f, dp, p, arg, dims, dz)
}

#[inline(always)]
fn max_act_backward_body<F: Real>(
    f: Activation,
    dp: &mut [F],
    p: &[F],
    arg: &[u8],
    (planes, h, w, rs): (usize, usize, usize, usize),
    dz: &mut [F],
) {
    let (ph, pw) = (h / 2, w / 2);
    times_slope(f, &mut dp[..planes * ph * pw], p);
    if rs == WIDE && pw == POOLED {
        // conv1's rows: each pair of 32-entry rows written whole from its 14
        // windows (padding included), on fixed-size arrays the compiler
        // vectorises, instead of zeroing the plane and then placing each δ
        // at an index computed one at a time.
        for q in 0..planes {
            for i in 0..ph {
                let k = (q * ph + i) * pw;
                let (mut d, mut at) = ([F::zero(); WIDE / 2], [NOWHERE; WIDE / 2]);
                d[..POOLED].copy_from_slice(&dp[k..k + POOLED]);
                at[..POOLED].copy_from_slice(&arg[k..k + POOLED]);
                let rows = &mut dz[(q * h + 2 * i) * rs..][..2 * WIDE];
                let (top, bottom) = rows.split_at_mut(WIDE);
                route_windows(&d, &at, top.try_into().unwrap(), bottom.try_into().unwrap());
            }
        }
        return;
    }
    // Any other planes (conv2's): each pair of rows written whole too, the
    // padding columns (and a last odd row or column) zero.
    let z = F::zero();
    for q in 0..planes {
        let dzp = &mut dz[q * h * rs..][..h * rs];
        for i in 0..ph {
            let k = (q * ph + i) * pw;
            let (d, at) = (&dp[k..k + pw], &arg[k..k + pw]);
            let (top, bottom) = dzp[2 * i * rs..][..2 * rs].split_at_mut(rs);
            for j in 0..pw {
                route(d[j], at[j], &mut top[2 * j..][..2], &mut bottom[2 * j..][..2]);
            }
            top[2 * pw..].fill(z);
            bottom[2 * pw..].fill(z);
        }
        dzp[2 * ph * rs..].fill(z);
    }
}

/// A window position that is none of 0..4: the padding windows of
/// [`route_windows`], which get δ = 0 everywhere.
const NOWHERE: u8 = 4;

/// The 16 windows of a pair of 32-entry rows, backward: window j's δ `d[j]`
/// at its arg max `at[j]` (0..4, row-major), 0 at its other three entries.
#[inline(always)]
fn route_windows<F: Real>(d: &[F; WIDE / 2], at: &[u8; WIDE / 2], top: &mut [F; WIDE], bottom: &mut [F; WIDE]) {
    for j in 0..WIDE / 2 {
        route(d[j], at[j], &mut top[2 * j..][..2], &mut bottom[2 * j..][..2]);
    }
}

/// One window backward: its δ `v` at its arg max `t` (0..4, row-major) of
/// the 2 × 2 entries `top` and `bottom`, 0 at the other three (at all four
/// for [`NOWHERE`]). The one rule both loops above follow, and the forward
/// pass's numbering of the window.
#[inline(always)]
fn route<F: Real>(v: F, t: u8, top: &mut [F], bottom: &mut [F]) {
    let z = F::zero();
    top[0] = if t == 0 { v } else { z };
    top[1] = if t == 1 { v } else { z };
    bottom[0] = if t == 2 { v } else { z };
    bottom[1] = if t == 3 { v } else { z };
}

/// Planes of pre-activations `za` → a = f(z) in place, and p = mean of each
/// 2×2 window of a.
pub fn mean_act_forward<F: Real>(
    f: Activation,
    za: &mut [F],
    (planes, h, w, rs): (usize, usize, usize, usize),
    p: &mut [F],
) {
    activate(f, &mut za[..planes * h * rs]);
    let (ph, pw) = (h / 2, w / 2);
    let quarter = F::of(0.25);
    for q in 0..planes {
        let ap = &za[q * h * rs..][..h * rs];
        let pp = &mut p[q * ph * pw..][..ph * pw];
        for i in 0..ph {
            let top = &ap[2 * i * rs..][..w];
            let bottom = &ap[(2 * i + 1) * rs..][..w];
            for j in 0..pw {
                let s = top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1];
                pp[i * pw + j] = s * quarter;
            }
        }
    }
}

/// ∂C/∂a at the pooled outputs and the stored activations `a` → ∂C/∂z, written
/// over `a`: dz = ¼ dp · σ′(z) with σ′ read off a.
pub fn mean_act_backward<F: Real>(f: Activation, dp: &[F], a_dz: &mut [F], dims: (usize, usize, usize, usize)) {
    // One monomorphised loop per activation: f is chosen outside the loop,
    // σ′ is the layer's (read off the output a).
    match f {
        Activation::Relu => mean_backward_with(dp, a_dz, dims, |a| Activation::Relu.prime_from_output(a)),
        Activation::Sigmoid => mean_backward_with(dp, a_dz, dims, |a| Activation::Sigmoid.prime_from_output(a)),
        Activation::Tanh => mean_backward_with(dp, a_dz, dims, |a| Activation::Tanh.prime_from_output(a)),
    }
}

#[inline(always)]
fn mean_backward_with<F: Real>(
    dp: &[F],
    a_dz: &mut [F],
    (planes, h, w, rs): (usize, usize, usize, usize),
    slope: impl Fn(F) -> F,
) {
    let (ph, pw) = (h / 2, w / 2);
    let quarter = F::of(0.25);
    for q in 0..planes {
        let dpp = &dp[q * ph * pw..][..ph * pw];
        let plane = &mut a_dz[q * h * rs..][..h * rs];
        for r in 0..h {
            let row = &mut plane[r * rs..][..rs];
            let drow = &dpp[(r / 2) * pw..][..pw];
            for (c, v) in row[..w].iter_mut().enumerate() {
                *v = drow[c / 2] * quarter * slope(*v);
            }
            // Padding columns (rs > w) carry no δ.
            row[w..].fill(F::zero());
        }
    }
}
