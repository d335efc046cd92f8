//! Bilinear interpolation: an image's value between pixel centres, which
//! the rotation, the scaling and the elastic distortion all need, since
//! they move pixels by fractions of a pixel.

use crate::element::Real;
use ndarray::{Array2, ArrayView2};

// ANCHOR: bilinear
/// The image's value at the real position (r, c) (row and column, counted
/// from 0 as Rust indexes; pixel (i, j) sits at the integer point (i, j)),
/// with every pixel outside the image taken as 0:
///
/// v(r, c) = (1−a)(1−b)·x_{i,j} + (1−a)b·x_{i,j+1} + a(1−b)·x_{i+1,j} + ab·x_{i+1,j+1},
///
/// with i = ⌊r⌋, j = ⌊c⌋, a = r − i, b = c − j. It is the function that is
/// linear along each axis and passes through the four neighbouring pixels.
/// The four weights are ≥ 0 (a, b ∈ [0, 1)) and sum to (1−a+a)(1−b+b) = 1,
/// so v is a convex combination of pixels and zeros: images in [0, 1] stay
/// in [0, 1]. At an integer point (a = b = 0) the weight of x_{i,j} is 1 and
/// the others 0, so v(i, j) = x_{i,j} exactly.
///
/// Computed in `f64` whatever `F` is: the rounding of the four products and
/// the sum is then far below half an `f32` step, so for `f32` pixels in
/// [0, 1] the value converted back is in [0, 1] too. A position that is not
/// a number, or more than a pixel outside the image, gives 0.
pub fn bilinear<F: Real>(image: ArrayView2<F>, r: f64, c: f64) -> f64 {
    let (h, w) = image.dim();
    // Written so that NaN fails the test too.
    if !(r > -1.0 && r < h as f64 && c > -1.0 && c < w as f64) {
        return 0.0;
    }
    let (i, j) = (r.floor(), c.floor());
    let (a, b) = (r - i, c - j);
    let (i, j) = (i as isize, j as isize);
    let pixel = |i: isize, j: isize| -> f64 {
        if (0..h as isize).contains(&i) && (0..w as isize).contains(&j) {
            image[[i as usize, j as usize]].f64()
        } else {
            0.0
        }
    };
    (1.0 - a) * (1.0 - b) * pixel(i, j)
        + (1.0 - a) * b * pixel(i, j + 1)
        + a * (1.0 - b) * pixel(i + 1, j)
        + a * b * pixel(i + 1, j + 1)
}
// ANCHOR_END: bilinear

// ANCHOR: resample
/// The image resampled through an inverse map: out_{i,j} = v(source(i, j))
/// with v the [`bilinear`] interpolation of `image`. Mapping each output
/// pixel back to where it comes from (rather than each input pixel forward)
/// leaves no output pixel unfilled and none filled twice.
pub fn resample<F: Real>(image: ArrayView2<F>, source: impl Fn(usize, usize) -> (f64, f64)) -> Array2<F> {
    Array2::from_shape_fn(image.dim(), |(i, j)| {
        let (r, c) = source(i, j);
        F::of(bilinear(image.view(), r, c))
    })
}
// ANCHOR_END: resample

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn between_pixels_it_is_linear_along_each_axis_and_zero_outside() {
        let x = array![[0.0f64, 1.0], [2.0, 4.0]];
        assert_eq!(bilinear(x.view(), 0.0, 0.5), 0.5);
        assert_eq!(bilinear(x.view(), 0.5, 0.0), 1.0);
        assert_eq!(bilinear(x.view(), 0.5, 0.5), (0.0 + 1.0 + 2.0 + 4.0) / 4.0);
        assert_eq!(bilinear(x.view(), 1.0, 1.0), 4.0);
        // Half a pixel past the last column: half of it, half of the zero beyond.
        assert_eq!(bilinear(x.view(), 1.0, 1.5), 2.0);
        assert_eq!(bilinear(x.view(), -1.0, 0.0), 0.0);
        assert_eq!(bilinear(x.view(), f64::NAN, 0.0), 0.0);
    }
}
