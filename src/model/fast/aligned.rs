//! A scratch buffer whose first entry lies at a multiple of 64 bytes: the
//! width of a cache line and of an AVX-512 register.
//!
//! A `Vec`'s entries start wherever the allocator puts them: 16 bytes past
//! a page boundary for the large blocks it maps (the planes of a chunk), at
//! any multiple of 16 for the others. The kernels load and store blocks of
//! 16 f32 at offsets that are multiples of 16 entries within their
//! buffers (conv1's planes of 28 × 32 and padded images of 33 × 32, for
//! instance), so on a buffer that starts 16 bytes off a line every one of
//! those loads and stores spans two cache lines, where on an aligned one
//! each touches one. Only the addresses change, never an operation, so
//! results are the same bit for bit. `cargo bench --bench layers` times
//! conv1's kernel gradient both ways ("buffer alignment").

use std::ops::{Deref, DerefMut};

/// Bytes to which the first entry is aligned.
pub const ALIGN: usize = 64;

/// `len` entries starting at a multiple of [`ALIGN`] bytes, inside a `Vec`
/// with room for the shift.
#[derive(Debug, Default)]
pub struct Aligned<F> {
    store: Vec<F>,
    start: usize,
    len: usize,
}

impl<F: Copy> Aligned<F> {
    /// A new buffer of `len` copies of `value` (the old contents dropped).
    pub fn filled(len: usize, value: F) -> Self {
        let room = ALIGN / std::mem::size_of::<F>().max(1);
        let store = vec![value; len + room];
        let start = store.as_ptr().align_offset(ALIGN);
        // An allocation aligned to F reaches a multiple of 64 bytes within
        // 64 / size_of::<F>() entries.
        assert!(start <= room, "no multiple of {ALIGN} bytes within {room} entries");
        Aligned { store, start, len }
    }
}

impl<F> Deref for Aligned<F> {
    type Target = [F];
    fn deref(&self) -> &[F] {
        &self.store[self.start..self.start + self.len]
    }
}

impl<F> DerefMut for Aligned<F> {
    fn deref_mut(&mut self) -> &mut [F] {
        &mut self.store[self.start..self.start + self.len]
    }
}
