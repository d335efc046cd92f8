//! A generic buffer seen as f32 when F is f32: for the kernels written for
//! f32 alone (AVX-512 intrinsics, the tanh approximation), which the f64
//! path leaves to the generic loops.

use crate::element::Real;
use std::any::TypeId;

/// The same slice as `&[f32]` when F is f32, `None` otherwise (used by
/// the x86-64 kernels only).
#[cfg(target_arch = "x86_64")]
pub fn as_f32<F: Real>(s: &[F]) -> Option<&[f32]> {
    // SAFETY: F is f32 (checked by the condition), so the layout is identical.
    (TypeId::of::<F>() == TypeId::of::<f32>())
        .then(|| unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<f32>(), s.len()) })
}

/// The same slice as `&mut [f32]` when F is f32, `None` otherwise.
pub fn as_f32_mut<F: Real>(s: &mut [F]) -> Option<&mut [f32]> {
    if TypeId::of::<F>() == TypeId::of::<f32>() {
        // SAFETY: F is f32 (checked just above), so the layout is identical.
        Some(unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<f32>(), s.len()) })
    } else {
        None
    }
}
