//! Convolution layers. What deep-learning libraries call a convolution is a
//! valid cross-correlation: the kernel slides over the input without being
//! turned. Book: chapter "Convolution".

use lenet::conv::Geometry;
use lenet::ndarray::{Array1, Array2, Array4};

/// **Exercise `correlate_valid`.** The forward pass of a convolution layer
/// on one channel, the valid cross-correlation of an h × w input `a` with a
/// kh × kw kernel `w`:
///
/// ```text
/// z_ij = Σ_{p=1..kh} Σ_{q=1..kw} a_{i+p−1, j+q−1} w_pq
/// ```
///
/// (the kernel's corner w₁₁ lies on a_ij). Returns z, (h − kh + 1) × (w − kw + 1):
/// only the positions where the kernel fits inside the input.
pub fn correlate_valid(a: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
    todo!("correlate_valid")
}

/// **Exercise `full_convolve`.** The gradient with respect to the layer's
/// input: for z = correlate_valid(a, w) and δ = ∂C/∂z (m × n), compute
///
/// ```text
/// ∂C/∂a_ij = Σ_pq δ_pq ∂z_pq/∂a_ij
/// ```
///
/// for every input position, including the corners and edges. `delta` is δ,
/// `w` the kh × kw kernel. Returns an (m + kh − 1) × (n + kw − 1) matrix,
/// shaped like the input a.
pub fn full_convolve(delta: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
    todo!("full_convolve")
}

/// **Exercise `kernel_grad`.** The gradient with respect to the kernel: for
/// z = correlate_valid(a, w) and δ = ∂C/∂z, compute
///
/// ```text
/// ∂C/∂w_pq = Σ_ij δ_ij ∂z_ij/∂w_pq
/// ```
///
/// for one sample and one channel (no batch here). `a` is the h × w input,
/// `delta` is δ (m × n). Returns (h − m + 1) × (w − n + 1), shaped like the
/// kernel.
pub fn kernel_grad(a: &Array2<f64>, delta: &Array2<f64>) -> Array2<f64> {
    todo!("kernel_grad")
}

/// **Exercise `bias_grad`.** The gradient with respect to the bias b of one
/// kernel, which is added to every output: z_ij = (a ⋆ w)_ij + b. `delta` is
/// δ = ∂C/∂z of one sample and one channel. Returns ∂C/∂b, a number.
pub fn bias_grad(delta: &Array2<f64>) -> f64 {
    todo!("bias_grad")
}

/// **Exercise `conv_backward`.** The backward pass of a whole convolution
/// layer with K kernels over C input channels, on a batch of N, whose
/// forward pass (`lenet::conv::forward`) is, for every sample n and kernel k,
///
/// ```text
/// z[n, k] = b_k + Σ_c correlate_valid(pad(x[n, c], p), w[k, c])
/// ```
///
/// with `padding` = p rows and columns of zeros around every input channel.
/// `x` is N × C × H × W, `w` is K × C × kh × kw, `dy` is δ = ∂C_n/∂z[n, k]
/// (N × K × oh × ow, per sample). Returns `(dx, dw, db)`:
///
/// - dx = ∂C_n/∂x[n, c], N × C × H × W, **per sample**, for the input itself
///   (the padded zeros are constants, not inputs: they get no gradient);
/// - dw = ∂C/∂w, K × C × kh × kw, **averaged over the batch**;
/// - db = ∂C/∂b, length K, **averaged over the batch**.
///
/// Build it from your `full_convolve`, `kernel_grad` and `bias_grad`.
pub fn conv_backward(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    padding: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    todo!("conv_backward")
}

/// **Exercise `conv_backward_strided`.** The backward pass of the same layer
/// with stride S = `g.stride` and padding P = `g.padding`, whose forward pass
/// (`lenet::conv::forward_strided`) lays the kernel on the padded input S
/// entries further for each output:
///
/// ```text
/// z[n, k]_ij = b_k + Σ_c Σ_uv x̃[n, c]_{S(i−1)+u, S(j−1)+v} w[k, c]_uv,   x̃ = pad(x, P)
/// ```
///
/// with oh = ⌊(H + 2P − kh)/S⌋ + 1 outputs down (`g.output_shape`), ow
/// likewise. z keeps every S-th entry of the unit-stride output
/// ẑ = correlate_valid(x̃, w), which is (H + 2P − kh + 1) × (W + 2P − kw + 1).
/// So ∂C/∂ẑ is δ̂: δ **dilated** by S − 1 zeros between neighbouring entries
/// (δ_ij at row S(i−1)+1, column S(j−1)+1) and filled up with zeros to ẑ's
/// shape. When S does not divide H + 2P − kh, the last (H + 2P − kh) mod S
/// rows of x̃ are read by no output (columns likewise): their δ̂ is 0, and
/// an input entry that no window reads gets a gradient of exactly 0. From δ̂ on, the unit-stride rules apply:
///
/// - dx[n, c] = Σ_k the full convolution of δ̂[n, k] with w[k, c], with its
///   P-wide border **cropped** off: N × C × H × W, **per sample**;
/// - dw[k, c] = (1/N) Σ_n the valid correlation of the padded input x̃[n, c]
///   with δ̂[n, k]: K × C × kh × kw, **averaged over the batch**;
/// - db[k] = (1/N) Σ_n Σ_ij δ[n, k]_ij: length K, **averaged over the batch**.
///
/// Build it from your `full_convolve`, `kernel_grad` and `bias_grad`, as
/// `conv_backward`.
pub fn conv_backward_strided(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    g: Geometry,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    todo!("conv_backward_strided")
}
