//! Random translation by a whole number of pixels: the cheapest way to
//! teach a network that where a digit sits does not change what it is.

use crate::element::Real;
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// A translation by (Δr, Δc) drawn uniformly from the integers in
/// [−`max_pixels`, `max_pixels`]², each axis on its own.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    /// The largest shift along each axis, in pixels.
    pub max_pixels: usize,
}

/// The largest `max_pixels` accepted: an image's side (28). A larger shift
/// would only move every pixel out of the frame, the same as 28.
pub const MAX_SHIFT: usize = 28;

impl Default for Shift {
    /// ±2 pixels. MNIST centres each digit's centre of mass in the 28×28
    /// frame and fits the digit into a 20×20 box, which leaves a margin of
    /// about 4 pixels: ±2 keeps nearly all ink inside. The test digits are
    /// centred the same way, so what a larger shift would teach is never
    /// asked; and the first convolution and the two poolings already give
    /// about a pixel of tolerance on their own.
    fn default() -> Self {
        Shift { max_pixels: 2 }
    }
}

impl Shift {
    /// Draws (Δr, Δc): two uniform integers in [−m, m], m = `max_pixels`,
    /// row first.
    pub fn draw(&self, rng: &mut Rng) -> (isize, isize) {
        let m = self.max_pixels.min(MAX_SHIFT);
        let mut one = || rng.below(2 * m + 1) as isize - m as isize;
        let dr = one();
        (dr, one())
    }

    /// The image translated by a shift drawn with [`Shift::draw`].
    pub fn apply<F: Real>(&self, image: ArrayView2<F>, rng: &mut Rng) -> Array2<F> {
        let (dr, dc) = self.draw(rng);
        translate(image, dr, dc)
    }
}

// ANCHOR: translate
/// The image translated by `dr` rows down and `dc` columns right, with 0
/// where nothing comes from:
///
/// out_{i,j} = x_{i−Δr, j−Δc} if that pixel is in the image, else 0.
///
/// An integer shift needs no interpolation, so every pixel is copied
/// exactly and, as long as no ink leaves the frame, the ink's centre of mass
/// moves by exactly (Δr, Δc).
pub fn translate<F: Real>(image: ArrayView2<F>, dr: isize, dc: isize) -> Array2<F> {
    let (h, w) = image.dim();
    Array2::from_shape_fn((h, w), |(i, j)| {
        // Checked, so that a shift near isize::MIN gives zeros, not an overflow.
        match ((i as isize).checked_sub(dr), (j as isize).checked_sub(dc)) {
            (Some(si), Some(sj)) if (0..h as isize).contains(&si) && (0..w as isize).contains(&sj) => {
                image[[si as usize, sj as usize]]
            }
            _ => F::zero(),
        }
    })
}
// ANCHOR_END: translate
