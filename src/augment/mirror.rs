//! Mirroring left to right, at random: a shirt, a shoe or a bag seen in a
//! mirror is still a shirt, a shoe or a bag, so Fashion-MNIST's training
//! set can be doubled for free. Not for digits: a mirrored 2, 3, 7 or 9 is
//! no digit at all, and the network would learn to accept it.

use crate::element::Real;
use crate::rng::Rng;
use ndarray::{Array2, Array4, ArrayView2, ArrayView4};
use serde::{Deserialize, Serialize};

/// Mirror the image left to right with probability `probability`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mirror {
    /// The chance that an image is mirrored, in [0, 1].
    pub probability: f64,
}

impl Default for Mirror {
    /// ½: each image is seen as it is and mirrored equally often, so the
    /// network learns both orientations and prefers neither.
    fn default() -> Self {
        Mirror { probability: 0.5 }
    }
}

impl Mirror {
    /// Draws whether to mirror: one uniform number, below `probability`.
    pub fn draw(&self, rng: &mut Rng) -> bool {
        rng.uniform() < self.probability
    }

    /// The image, mirrored if a draw of [`Mirror::draw`] says so.
    pub fn apply<F: Real>(&self, image: ArrayView2<F>, rng: &mut Rng) -> Array2<F> {
        if self.draw(rng) { mirror(image) } else { image.to_owned() }
    }
}

/// The image mirrored left to right: out_{i,j} = x_{i, W−1−j}. Every pixel
/// is copied exactly, and mirroring twice gives the image back.
pub fn mirror<F: Real>(image: ArrayView2<F>) -> Array2<F> {
    let (h, w) = image.dim();
    Array2::from_shape_fn((h, w), |(i, j)| image[[i, w - 1 - j]])
}

/// Every image of an N×C×H×W batch mirrored left to right:
/// out_{n,c,i,j} = x_{n,c,i,W−1−j}, [`mirror`] of each plane. Test-time
/// mirror averaging ([`crate::train::TestTime::Mirror`]) classifies a batch
/// and this batch.
pub fn mirror_batch<F: Real>(x: ArrayView4<F>) -> Array4<F> {
    let w = x.dim().3;
    // from_shape_fn, not a view with a negative stride: the result is in
    // standard layout, as the fast forward pass reads it.
    Array4::from_shape_fn(x.dim(), |(n, c, i, j)| x[[n, c, i, w - 1 - j]])
}
