//! A small random rotation and scaling about the image centre: people slant
//! and size their digits differently, and the network should not care.

use super::bilinear::resample;
use crate::element::Real;
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// A rotation by θ drawn uniformly from [−`max_degrees`, `max_degrees`] and
/// a scaling by s drawn uniformly from [`min_scale`, `max_scale`], both
/// about the image centre.
///
/// [`min_scale`]: Affine::min_scale
/// [`max_scale`]: Affine::max_scale
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Affine {
    /// The largest rotation either way, in degrees, 0 to 180.
    pub max_degrees: f64,
    /// The smallest scale factor, > 0.
    pub min_scale: f64,
    /// The largest scale factor, ≥ `min_scale`.
    pub max_scale: f64,
}

impl Default for Affine {
    /// ±10° and 0.9–1.1. Handwritten digits lean by about ±10° from one
    /// writer to the next, and turning much further starts to make a 1 a 7
    /// or a 6 a 9 (180° swaps them). MNIST already scales each digit into a
    /// 20×20 box, so sizes vary little: ±10% of 20 pixels is ±2 pixels at the
    /// edge of the digit, as much as the shift moves it.
    fn default() -> Self {
        Affine { max_degrees: 10.0, min_scale: 0.9, max_scale: 1.1 }
    }
}

impl Affine {
    /// Draws (θ in radians, s): θ first, then s, each uniform.
    pub fn draw(&self, rng: &mut Rng) -> (f64, f64) {
        let theta = rng.uniform_in(-self.max_degrees, self.max_degrees).to_radians();
        (theta, rng.uniform_in(self.min_scale, self.max_scale))
    }

    /// The image rotated and scaled by a draw of [`Affine::draw`].
    pub fn apply<F: Real>(&self, image: ArrayView2<F>, rng: &mut Rng) -> Array2<F> {
        let (theta, scale) = self.draw(rng);
        rotate_scale(image, theta, scale)
    }
}

// ANCHOR: rotate_scale
/// The image turned counter-clockwise (as it is seen, rows running down) by
/// `theta` radians and scaled by `scale`, both about its centre, bilinear
/// between pixels and 0 where nothing comes from.
///
/// With p = (column, −row) the position of a pixel on the page, c the image
/// centre (((H+1)/2, (W+1)/2) counting from 1: the point between the middle
/// four pixels of a 28×28 image) and R(θ) the rotation by θ, the forward
/// map moves p to s·R(θ)(p − c) + c. Each output pixel x takes its value
/// from where the forward map brings it from, the inverse map
///
/// x_src = R(−θ)(x − c)/s + c,  R(−θ) = R(θ)⁻¹ = [cos θ  sin θ; −sin θ  cos θ],
///
/// then out(x) = v(x_src) with v the [`bilinear`](super::bilinear::bilinear)
/// interpolation, so each output pixel is a convex combination of input
/// pixels and zeros: values in [0, 1] stay in [0, 1] (for `f32` images).
/// At θ = 0, s = 1, x_src = x exactly and the image comes back bit for bit.
///
/// # Panics
/// If `scale` is not a positive finite number.
pub fn rotate_scale<F: Real>(image: ArrayView2<F>, theta: f64, scale: f64) -> Array2<F> {
    let source = rotate_scale_source(image.dim(), theta, scale);
    resample(image, |i, j| source(i as f64, j as f64))
}
// ANCHOR_END: rotate_scale

// ANCHOR: rotate_scale_source
/// The inverse map of [`rotate_scale`] on an image of `dim` (rows,
/// columns), x_src = R(−θ)(x − c)/s + c, from a (row, column) position to
/// the position it takes its value from; any real position, so that another
/// map (the elastic displacement) can be applied before it and the image
/// interpolated once.
///
/// # Panics
/// If `scale` is not a positive finite number.
pub fn rotate_scale_source(dim: (usize, usize), theta: f64, scale: f64) -> impl Fn(f64, f64) -> (f64, f64) {
    assert!(scale > 0.0 && scale.is_finite(), "rotate_scale: the scale {scale} must be positive and finite");
    let (h, w) = dim;
    // The centre in 0-based row and column indices: 13.5 for 28 pixels.
    let (cr, cc) = ((h as f64 - 1.0) / 2.0, (w as f64 - 1.0) / 2.0);
    let (sin, cos) = theta.sin_cos();
    move |r, c| {
        // Page coordinates relative to the centre: x runs right with the
        // column, y up against the row.
        let (x, y) = (c - cc, cr - r);
        // R(−θ)(x, y) / s.
        let (xs, ys) = ((cos * x + sin * y) / scale, (-sin * x + cos * y) / scale);
        (cr - ys, cc + xs)
    }
}
// ANCHOR_END: rotate_scale_source
