//! Elastic distortion (Simard, Steinkraus and Platt 2003, "Best Practices
//! for Convolutional Neural Networks Applied to Visual Document Analysis"):
//! every pixel moved by a random but smoothly varying amount, the wobble of
//! a hand that draws the same digit twice. Simard et al. found it the
//! distortion that helped most on MNIST, beyond affine ones.

use super::bilinear::resample;
use crate::element::Real;
use crate::invalid::shape_text;
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// A displacement field of smoothness `sigma` and size `alpha`; see
/// [`displacement_field`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Elastic {
    /// σ, the standard deviation of the smoothing Gaussian in pixels, > 0:
    /// how far apart two pixels may be and still move together.
    pub sigma: f64,
    /// α, the factor the smoothed field is scaled by, ≥ 0: how far pixels move.
    pub alpha: f64,
}

impl Default for Elastic {
    /// σ = 4, α = 34: Simard et al.'s values, found on 29×29 digits, nearly
    /// our 28×28. Each smoothed component has standard deviation about
    /// α·(1/√3)/(2√π σ) ≈ 1.4 pixels away from the border (uniform on [−1, 1]
    /// has variance 1/3, and a normalised 2-D Gaussian of σ keeps
    /// Σw² ≈ 1/(4πσ²) of it), a little less than a stroke's width (2–3
    /// pixels): strokes bend without breaking. A much smaller σ moves
    /// neighbours independently (noise, not handwriting); a much larger one
    /// moves the whole digit alike (a translation, which the shift does).
    fn default() -> Self {
        Elastic { sigma: 4.0, alpha: 34.0 }
    }
}

impl Elastic {
    /// The image distorted by a field drawn with [`displacement_field`].
    pub fn apply<F: Real>(&self, image: ArrayView2<F>, rng: &mut Rng) -> Array2<F> {
        let (dr, dc) = displacement_field(rng, image.dim(), self.sigma, self.alpha);
        displace(image, &dr, &dc)
    }
}

// ANCHOR: displacement_field
/// A random displacement field (Δr, Δc) of the given (rows, columns):
///
/// Δ = α · (G_σ ∗ U),  U_{i,j} uniform in [−1, 1), one field for rows, one for columns,
///
/// with G_σ ∗ the [`gaussian_smooth`]ing. The uniform field alone would move
/// neighbouring pixels independently and tear strokes apart; averaging it
/// over a Gaussian window of σ makes nearby displacements nearly equal, so
/// the image bends smoothly. Averaging also shrinks the values (they have
/// mean 0), which α scales back up. The row field is drawn first, row by
/// row, then the column field. (Simard et al. also mention normalising the
/// field; as most implementations, this does not, so that α alone sets the
/// size.)
///
/// # Panics
/// If `sigma` is not positive and finite, or `alpha` not finite.
pub fn displacement_field(rng: &mut Rng, dim: (usize, usize), sigma: f64, alpha: f64) -> (Array2<f64>, Array2<f64>) {
    assert!(alpha.is_finite(), "displacement_field: α = {alpha} must be finite");
    let (kh, kw) = (smoothing_matrix(dim.0, sigma), smoothing_matrix(dim.1, sigma));
    let mut field = || {
        let u = Array2::from_shape_simple_fn(dim, || rng.uniform_in(-1.0, 1.0));
        kh.dot(&u).dot(&kw.t()) * alpha
    };
    let dr = field();
    (dr, field())
}
// ANCHOR_END: displacement_field

// ANCHOR: gaussian_smooth
/// The field smoothed by a Gaussian of standard deviation σ pixels,
/// truncated at 3σ and renormalised at the border:
///
/// (G_σ ∗ U)_{i,j} = Σ_{k,l} g_k g_l U_{i+k, j+l} / Σ_{k,l} g_k g_l,  g_k = exp(−k²/2σ²),
///
/// both sums over the |k|, |l| ≤ ⌈3σ⌉ whose pixel (i+k, j+l) is in the field.
/// The weights of a pixel sum to 1, so a constant field stays as it is;
/// beyond 3σ a Gaussian keeps 0.27% of its weight along an axis, so it is cut.
/// Dividing by the weight inside the field (rather than padding with 0)
/// keeps border displacements as large as inner ones, and makes the σ → ∞
/// limit exact: every pixel gets the field's mean, a uniform displacement,
/// the limit Simard et al. describe. The Gaussian is separable and the
/// window a rectangle, so this is one pass along the rows and one along the
/// columns, each renormalised: a matrix product on each side.
///
/// # Panics
/// If `sigma` is not positive and finite.
pub fn gaussian_smooth(field: ArrayView2<f64>, sigma: f64) -> Array2<f64> {
    assert!(sigma > 0.0 && sigma.is_finite(), "gaussian_smooth: σ = {sigma} must be positive and finite");
    let (h, w) = field.dim();
    smoothing_matrix(h, sigma).dot(&field).dot(&smoothing_matrix(w, sigma).t())
}

/// One axis of [`gaussian_smooth`] as an n×n matrix: K_{i,t} = g_|t−i| /
/// Σ_{t′} g_|t′−i|, both over the t in 0..n with |t − i| ≤ ⌈3σ⌉. Then
/// G_σ ∗ U = K_H · U · K_Wᵀ: two 28×28 products, which a GEMM does far
/// faster than loops over windows (this runs for every training image).
fn smoothing_matrix(n: usize, sigma: f64) -> Array2<f64> {
    assert!(sigma > 0.0 && sigma.is_finite(), "gaussian_smooth: σ = {sigma} must be positive and finite");
    // No window need reach further than the field is wide (σ may be huge).
    let radius = ((3.0 * sigma).ceil() as usize).min(n);
    // k/σ before squaring: with a tiny σ, 2σ² would be 0 and 0/0 not a number.
    let g: Vec<f64> = (0..=radius).map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp()).collect();
    let mut k = Array2::from_shape_fn((n, n), |(i, t)| g.get(t.abs_diff(i)).copied().unwrap_or(0.0));
    for mut row in k.rows_mut() {
        // g_0 = 1 is always inside, so the sum is at least 1.
        let inside = row.sum();
        row /= inside;
    }
    k
}
// ANCHOR_END: gaussian_smooth

// ANCHOR: displace
/// The image with each pixel fetched from its displaced position:
///
/// out_{i,j} = v(i + Δr_{i,j}, j + Δc_{i,j}),
///
/// v the [`bilinear`](super::bilinear::bilinear) interpolation (0 outside
/// the image). Like every map here it is applied backwards, from the output
/// pixel to its source, so no output pixel is left empty; a convex
/// combination of pixels, it keeps `f32` values in [0, 1]. With Δ = 0 (α = 0)
/// the image comes back bit for bit.
///
/// # Panics
/// If a field's shape is not the image's.
pub fn displace<F: Real>(image: ArrayView2<F>, dr: &Array2<f64>, dc: &Array2<f64>) -> Array2<F> {
    assert!(
        dr.dim() == image.dim() && dc.dim() == image.dim(),
        "displace: fields {} and {} for an image of {}",
        shape_text(dr.shape()),
        shape_text(dc.shape()),
        shape_text(image.shape())
    );
    resample(image, |i, j| (i as f64 + dr[[i, j]], j as f64 + dc[[i, j]]))
}
// ANCHOR_END: displace
