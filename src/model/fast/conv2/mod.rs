//! conv2 computed directly, without im2col: its forward pass, its kernel
//! gradient and the gradient for its input.
//!
//! conv2 maps the six 14×14 pool1 planes of a sample to sixteen 10×10
//! planes with 16 kernels of 6×5×5 = 150 taps. As matrix products it is
//! 16 × 150 times a 150 × (B·100) patch matrix that im2col must first
//! write (150 copies of every pool1 value's neighbourhood: 1 MB for a chunk
//! of 16 samples in f32), that each GEMM packs again, and whose gradient
//! col2im must read back. Here the sixteen output channels (or sixteen
//! positions) are the vector lanes instead, one AVX-512 register or two
//! AVX2 ones, and every operand is read where it lies: nothing is copied
//! but the 2,400 weights and one sample's δ at a time.
//!
//! With a the pool1 planes, w the kernels (16 × 6 × 5 × 5) and δ the
//! gradient at conv2's output:
//!
//! forward   z[o, n, i, j] = b_o + Σ_{c<6, u,v<5} w[o, c, u, v] · a[c, n, i + u, j + v]
//! kernel    ∂C/∂w[o, c, u, v] = Σ_n Σ_{i,j<10} δ[o, n, i, j] · a[c, n, i + u, j + v]
//! bias      ∂C/∂b_o = Σ_n Σ_{i,j} δ[o, n, i, j]
//! input     ∂C/∂a[c, n, y, x] = Σ_{u,v} (wᵀ δ)[(c, u, v), n, y − u, x − v]
//!           with (wᵀ δ)[(c, u, v), n, i, j] = Σ_o w[o, c, u, v] · δ[o, n, i, j]
//!           (the terms with i or j outside 0..10 are 0: col2im of wᵀ δ)
//!
//! (kernel and bias sums over the samples; the caller divides by N).
//!
//! - Forward: the 16 channels are the lanes. P positions of an output row
//!   (P = 10, the whole row, with AVX-512 in f32) × one register's worth of
//!   channels stay in registers while the 150 taps stream past: per tap one
//!   load of the transposed weights wᵀ[(c, u, v), ·] and P multiply-adds by
//!   a broadcast pool1 value. The store writes each lane to its channel's
//!   plane, the layout pool2 reads.
//! - Kernel gradient: δ is turned position-major (B·100 × 16, in a scratch
//!   buffer), the 16 channels are the lanes, and the sums of U kernel rows
//!   (U·5 taps: 25 with AVX-512 in f32) stay in registers while the
//!   positions stream past: per position one load of δ and U·5
//!   multiply-adds by a broadcast pool1 value.
//! - Input gradient: positions are the lanes, and col2im is a shifted add
//!   per tap ([`input_grad`], in its own file).
//!
//! P and U (and the input gradient's T and KB) only choose how many sums
//! run side by side, to fit the registers of each path (32 with AVX-512,
//! 16 with AVX2); every sum adds the same terms in the same order whatever
//! they are, so the AVX2 and AVX-512 paths agree bit for bit, as conv1's
//! do ([`Isa`]). The portable path rounds each product before adding it,
//! as conv1's does.

mod input;

pub use super::conv1::Isa;
use crate::element::Real;
use crate::model::arch::{CONV1_CHANNELS, CONV2_CHANNELS, CONV2_PADDING, CONV2_SIDE, KERNEL, POOL1_SIDE};
pub use input::{input_grad, input_grad_on};

/// Input channels (6), output channels (16), kernel side (5).
const C: usize = CONV1_CHANNELS;
const O: usize = CONV2_CHANNELS;
const K: usize = KERNEL;
/// Taps per output channel: 6·5·5 = 150.
pub const TAPS: usize = C * K * K;
/// pool1's side (14) and entries per plane (196); conv2's side (10) and
/// entries per plane (100).
const IN: usize = POOL1_SIDE;
const IN_PLANE: usize = IN * IN;
const OUT: usize = CONV2_SIDE;
/// Entries of one conv2 output plane: 10·10.
pub const PLANE: usize = OUT * OUT;
const _: () = assert!(CONV2_PADDING == 0 && OUT == IN - K + 1, "conv2 is unpadded");
/// Lanes of a block: the 16 output channels (forward pass, kernel
/// gradient) or 16 positions (input gradient).
const LANES: usize = O;

type Lanes<F> = [F; LANES];

#[inline(always)]
fn madd<F: Real, const FUSED: bool>(a: F, b: F, acc: F) -> F {
    if FUSED { a.mul_add(b, acc) } else { acc + a * b }
}

/// acc[l] ← acc[l] + x · w[l] for the 16 lanes.
#[inline(always)]
fn axpy<F: Real, const FUSED: bool>(acc: &mut Lanes<F>, x: F, w: &Lanes<F>) {
    for l in 0..LANES {
        acc[l] = madd::<F, FUSED>(x, w[l], acc[l]);
    }
}

/// wᵀ: tap t's 16 weights, one per output channel, side by side.
#[inline(always)]
fn transpose_weights<F: Real>(w: &[F]) -> [Lanes<F>; TAPS] {
    let w: &[F; O * TAPS] = w[..O * TAPS].try_into().unwrap();
    std::array::from_fn(|t| std::array::from_fn(|o| w[o * TAPS + t]))
}

/// The forward loops, P output positions at a time (P divides 10), H of
/// the 16 channels at a time (H divides 16; one register's worth).
#[inline(always)]
fn forward_body<F: Real, const FUSED: bool, const P: usize, const H: usize>(
    a: &[F],
    w: &[F],
    bias: &[F],
    b: usize,
    z: &mut [F],
) {
    let wt = transpose_weights(w);
    let n = b * PLANE;
    let z = &mut z[..O * n];
    for s in 0..b {
        for i in 0..OUT {
            for j0 in (0..OUT).step_by(P) {
                for h0 in (0..LANES).step_by(H) {
                    let mut acc = [<[F; H]>::try_from(&bias[h0..h0 + H]).unwrap(); P];
                    for c in 0..C {
                        let plane: &[F; IN_PLANE] = a[(c * b + s) * IN_PLANE..][..IN_PLANE].try_into().unwrap();
                        for u in 0..K {
                            let row = &plane[(i + u) * IN + j0..];
                            let row: &[F] = &row[..P + K - 1];
                            for v in 0..K {
                                let wv: &[F; H] = wt[(c * K + u) * K + v][h0..h0 + H].try_into().unwrap();
                                for (p, acc) in acc.iter_mut().enumerate() {
                                    let x = row[p + v];
                                    for l in 0..H {
                                        acc[l] = madd::<F, FUSED>(x, wv[l], acc[l]);
                                    }
                                }
                            }
                        }
                    }
                    // Channel-major store: lane l of position p goes to plane
                    // h0 + l (plain indices: an iterator chain here was not
                    // inlined, and cost a call per channel and row).
                    let at = s * PLANE + i * OUT + j0;
                    for l in 0..H {
                        let dst: &mut [F; P] = (&mut z[(h0 + l) * n + at..][..P]).try_into().unwrap();
                        for p in 0..P {
                            dst[p] = acc[p][l];
                        }
                    }
                }
            }
        }
    }
}

/// F's entries in a `bytes`-wide vector register (32: AVX2, 64: AVX-512).
#[cfg(target_arch = "x86_64")]
const fn per_reg<F>(bytes: usize) -> usize {
    bytes / std::mem::size_of::<F>()
}

/// The kernel-gradient loops, U kernel rows (U·5 taps) at a time (U
/// divides 5), on δ already position-major in `dt`.
#[inline(always)]
fn grad_body<F: Real, const FUSED: bool, const U: usize>(a: &[F], dt: &[Lanes<F>], b: usize, gw: &mut [F]) {
    for c in 0..C {
        for u0 in (0..K).step_by(U) {
            let mut acc = [[[F::zero(); LANES]; K]; U];
            for s in 0..b {
                let plane: &[F; IN_PLANE] = a[(c * b + s) * IN_PLANE..][..IN_PLANE].try_into().unwrap();
                let d: &[Lanes<F>; PLANE] = dt[s * PLANE..][..PLANE].try_into().unwrap();
                for i in 0..OUT {
                    for j in 0..OUT {
                        let dl = &d[i * OUT + j];
                        for (du, acc) in acc.iter_mut().enumerate() {
                            let row: &[F; K] = plane[(i + u0 + du) * IN + j..][..K].try_into().unwrap();
                            for v in 0..K {
                                axpy::<F, FUSED>(&mut acc[v], row[v], dl);
                            }
                        }
                    }
                }
            }
            for (du, acc) in acc.iter().enumerate() {
                for (v, lanes) in acc.iter().enumerate() {
                    for (o, &g) in lanes.iter().enumerate() {
                        let e = &mut gw[o * TAPS + (c * K + u0 + du) * K + v];
                        *e = *e + g;
                    }
                }
            }
        }
    }
}

/// δ channel-major (16 × n) → position-major (n × 16), and the bias
/// gradient: gb[o] += Σ_positions δ[o, ·], in four interleaved partial sums
/// so the additions do not wait on each other.
#[inline(always)]
fn transpose_delta<F: Real>(dz: &[F], n: usize, dt: &mut [Lanes<F>], gb: &mut [F]) {
    let dz = &dz[..O * n];
    for (p, row) in dt[..n].iter_mut().enumerate() {
        for (o, e) in row.iter_mut().enumerate() {
            *e = dz[o * n + p];
        }
    }
    let mut part = [[F::zero(); LANES]; 4];
    let mut rows = dt[..n].chunks_exact(4);
    for r in &mut rows {
        for (s, x) in part.iter_mut().zip(r) {
            for l in 0..LANES {
                s[l] = s[l] + x[l];
            }
        }
    }
    for x in rows.remainder() {
        for l in 0..LANES {
            part[0][l] = part[0][l] + x[l];
        }
    }
    for (o, g) in gb[..O].iter_mut().enumerate() {
        *g = *g + ((part[0][o] + part[1][o]) + (part[2][o] + part[3][o]));
    }
}

#[inline(always)]
fn grad_all<F: Real, const FUSED: bool, const U: usize>(
    a: &[F],
    dz: &[F],
    b: usize,
    scratch: &mut [F],
    gw: &mut [F],
    gb: &mut [F],
) {
    let n = b * PLANE;
    let dt = lanes_of(&mut scratch[..n * LANES]);
    transpose_delta(dz, n, dt, gb);
    grad_body::<F, FUSED, U>(a, dt, b, gw);
}

/// A buffer of whole 16-lane groups seen as an array of them.
fn lanes_of<F>(s: &mut [F]) -> &mut [Lanes<F>] {
    let (groups, rest) = s.as_chunks_mut::<LANES>();
    debug_assert!(rest.is_empty());
    groups
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn forward_avx2<F: Real>(a: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    // 16 YMM registers: 5 positions' sums, a register of weights and the
    // 9 inputs under them, one register's worth of channels at a time.
    if per_reg::<F>(32) == 8 {
        forward_body::<F, true, 5, 8>(a, w, bias, b, z)
    } else {
        forward_body::<F, true, 5, 4>(a, w, bias, b, z)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn grad_avx2<F: Real>(a: &[F], dz: &[F], b: usize, scratch: &mut [F], gw: &mut [F], gb: &mut [F]) {
    grad_all::<F, true, 1>(a, dz, b, scratch, gw, gb)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn forward_avx512<F: Real>(a: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    // 32 ZMM registers: 10 positions' sums, a register of weights and the
    // 14 inputs under them, one register's worth of channels at a time.
    if per_reg::<F>(64) == 16 {
        forward_body::<F, true, 10, 16>(a, w, bias, b, z)
    } else {
        forward_body::<F, true, 10, 8>(a, w, bias, b, z)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn grad_avx512<F: Real>(a: &[F], dz: &[F], b: usize, scratch: &mut [F], gw: &mut [F], gb: &mut [F]) {
    // 25 taps × 1 register of sums in f32; in f64 (2 each) 5 taps.
    if per_reg::<F>(64) == 16 {
        grad_all::<F, true, 5>(a, dz, b, scratch, gw, gb)
    } else {
        grad_all::<F, true, 1>(a, dz, b, scratch, gw, gb)
    }
}

/// z (16 × b planes of [`PLANE`], channel-major, as pool2 reads it) from the
/// pool1 planes `a` (6 × b planes of 14 × 14), the kernels `w` (16 × 150)
/// and the biases, on the fastest path this CPU runs ([`Isa::best`]).
pub fn forward<F: Real>(a: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    forward_on(Isa::best(), a, w, bias, b, z)
}

/// [`forward`] on a chosen path (tests run each one the CPU has).
///
/// # Panics
/// If this CPU cannot run `isa`, or a buffer is too short.
pub fn forward_on<F: Real>(isa: Isa, a: &[F], w: &[F], bias: &[F], b: usize, z: &mut [F]) {
    assert!(isa.runs_here(), "this CPU cannot run conv2's {isa:?} path");
    let a = &a[..C * b * IN_PLANE];
    match isa {
        Isa::Portable => forward_body::<F, false, 5, 4>(a, w, bias, b, z),
        // SAFETY: the CPU has the path's instructions (asserted above).
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { forward_avx2(a, w, bias, b, z) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { forward_avx512(a, w, bias, b, z) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("runs_here is false off x86-64"),
    }
}

/// Adds Σ over the b samples of the kernel and bias gradients to `gw`
/// (16 × 150) and `gb` (16), given the pool1 planes `a` and δ at conv2's
/// output (16 × b planes of [`PLANE`]), on the fastest path this CPU runs.
/// `scratch` (at least b·100·16 entries) is overwritten with δ
/// position-major.
pub fn grad<F: Real>(a: &[F], dz: &[F], b: usize, scratch: &mut [F], gw: &mut [F], gb: &mut [F]) {
    grad_on(Isa::best(), a, dz, b, scratch, gw, gb)
}

/// [`grad`] on a chosen path.
///
/// # Panics
/// If this CPU cannot run `isa`, or a buffer is too short.
pub fn grad_on<F: Real>(isa: Isa, a: &[F], dz: &[F], b: usize, scratch: &mut [F], gw: &mut [F], gb: &mut [F]) {
    assert!(isa.runs_here(), "this CPU cannot run conv2's {isa:?} path");
    let (a, gw) = (&a[..C * b * IN_PLANE], &mut gw[..O * TAPS]);
    match isa {
        Isa::Portable => grad_all::<F, false, 1>(a, dz, b, scratch, gw, gb),
        // SAFETY: the CPU has the path's instructions (asserted above).
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { grad_avx2(a, dz, b, scratch, gw, gb) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { grad_avx512(a, dz, b, scratch, gw, gb) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("runs_here is false off x86-64"),
    }
}
