//! The wrong formulas and code paths of the source notes, implemented as
//! written so that a check can show them failing, each next to (or pointing
//! at) its corrected version. Numbers refer to the book's appendix on the
//! notes' errors (`chapters/errata.md`), which names the test of each one.
//!
//! These functions are deliberately wrong. Nothing else in the crate calls
//! them; the tests in `tests/errata.rs` and the book use them to show that a
//! finite-difference or by-hand check catches each error.
//!
//! Covered: 1 and 2 (fc derivation), 6 and 7 (kernel-gradient formulas, as
//! symbols), 8 (the δ recursion through a conv layer), 9, 12 and 13 (the
//! true-convolution forward, its kernel gradient, and the repository's
//! backward loop), 11 (the fc update's sign convention and its missing
//! transpose), 15 (max-pool backward), 16 (the repository's network: ReLU on
//! the logits, no biases, a linear convolution stack; its accuracy printed on
//! the training batch needs a trained network and is `lenet::errata`'s). Items 3–5, 10 and 14, and the syntax slips of 12 and
//! 13, are typos, misspellings or syntax errors and have no runnable form.
//!
//! Indices in the formulas below count from 1, as the book does; Rust's
//! array indices are one less.

use crate::activation::Activation;
use crate::conv::{correlate_valid, full_convolve, pad, rot180};
use crate::element::{Element, Real};
use crate::matrix::Matrix;
use crate::pool::{self, Argmax};
use crate::symbolic::Sym;
use ndarray::{Array1, Array2, Array4, s};

/// **Erratum 1**, read literally: the output error written
/// δ^L = (a^L − y) ⊙ σ^l(z^l), taken as the derivative σ′ evaluated at the
/// pre-activation `z_hidden` of an earlier layer l instead of at z^L.
/// (It runs whenever layer l and the output have the same width.)
///
/// Wrong: a^L = σ(z^L), so the chain rule needs σ′(z^L):
/// δ^L = (a^L − y) ⊙ σ′(z^L), which is [`crate::fc::output_delta`] with
/// ∂C/∂a^L = a^L − y.
///
/// # Panics
/// If the three shapes differ; the message names them.
pub fn output_delta_as_written<F: Real>(
    a_out: &Array2<F>,
    y: &Array2<F>,
    z_hidden: &Array2<F>,
    act: Activation,
) -> Matrix<F> {
    assert!(
        a_out.dim() == y.dim() && y.dim() == z_hidden.dim(),
        "output_delta_as_written: a^L {:?}, y {:?} and z^l {:?} must have one shape",
        a_out.dim(),
        y.dim(),
        z_hidden.dim()
    );
    Matrix(act.backward(&(a_out - y), z_hidden))
}

/// **Erratum 2**, as written: ∂C/∂W^l = δ^L (a^{L−1})ᵀ for every layer l,
/// i.e. the output layer's δ and input used for an earlier layer's weights
/// (averaged over the batch like [`crate::fc::weight_grad`]).
///
/// Wrong for l < L: layer l's weights multiply a^{l−1} and feed z^l, so
/// ∂C/∂W^l = δ^l (a^{l−1})ᵀ. It only has the right shape by accident (when
/// the layers are as wide as each other).
///
/// # Panics
/// As [`crate::fc::weight_grad`].
pub fn weight_grad_as_written<F: Real>(delta_out: &Array2<F>, a_before_out: &Array2<F>) -> Matrix<F> {
    crate::fc::weight_grad(delta_out, a_before_out)
}

fn a(i: usize, j: usize) -> Sym {
    Sym::var("a", i, j)
}

fn d(i: usize, j: usize) -> Sym {
    Sym::var("δ", i, j)
}

/// Σ of a·δ products with 1-based subscripts `((i, j), (p, q))`.
fn sum_of(pairs: [((usize, usize), (usize, usize)); 4]) -> Sym {
    pairs.iter().fold(Sym::int(0), |s, &((i, j), (p, q))| s + a(i, j) * d(p, q))
}

/// **Erratum 6**, as written: ∂C/∂W₂₁ = a₂₁δ₁₁ + a₂₂δ₁₂ + a₃₁δ₂₁ + a₃₃δ₂₂.
///
/// Wrong: the last term is a₃₂δ₂₂. Kernel entry w₂₁ sits one row below and
/// zero columns right of the window's corner, so in the output z₂₂ (window
/// corner a₂₂) it multiplies a₃₂, not a₃₃. The correct formula is
/// `worked::symbols().kernel_grad()[(1, 0)]`.
pub fn kernel_grad_w21_as_written() -> Sym {
    sum_of([((2, 1), (1, 1)), ((2, 2), (1, 2)), ((3, 1), (2, 1)), ((3, 3), (2, 2))])
}

/// **Errata 6 and 7**, as written: the notes' four kernel-gradient lines,
/// each with the label (1-based (row, col) of W) it carries in the notes.
///
/// Wrong: the fourth line is labelled W₁₂ again where W₂₂ is meant
/// (erratum 7), and the third line ends in a₃₃δ₂₂ (erratum 6). Reading the
/// lines by their labels gives [`kernel_grad_as_labelled`].
pub fn kernel_grad_lines_as_written() -> [((usize, usize), Sym); 4] {
    [
        ((1, 1), sum_of([((1, 1), (1, 1)), ((1, 2), (1, 2)), ((2, 1), (2, 1)), ((2, 2), (2, 2))])),
        ((1, 2), sum_of([((1, 2), (1, 1)), ((1, 3), (1, 2)), ((2, 2), (2, 1)), ((2, 3), (2, 2))])),
        ((2, 1), kernel_grad_w21_as_written()),
        ((1, 2), sum_of([((2, 2), (1, 1)), ((2, 3), (1, 2)), ((3, 2), (2, 1)), ((3, 3), (2, 2))])),
    ]
}

/// **Erratum 7**: ∂C/∂W filled in by the labels of the notes' lines, in the
/// order they are written.
///
/// Wrong: the fourth line overwrites entry W₁₂ and W₂₂ is never given a
/// formula (it stays `0`), so the W₁₂ and W₂₂ entries differ from the
/// correct `correlate_valid(a, δ)`, and W₂₁ carries erratum 6.
pub fn kernel_grad_as_labelled() -> Matrix<Sym> {
    let mut g = Matrix::zeros(2, 2);
    for ((i, j), f) in kernel_grad_lines_as_written() {
        g[(i - 1, j - 1)] = f;
    }
    g
}

/// **Erratum 8**, as written: δ^l = δ^{l+1} * rot180(W^{l+1}), read as a
/// valid correlation of the unpadded δ^{l+1} with the turned kernel.
///
/// Wrong twice. Without the zero padding the result is smaller than a^l
/// ((m − kh + 1) × (n − kw + 1) instead of (m + kh − 1) × (n + kw − 1)):
/// the border inputs, which reach only some outputs, lose their gradient.
/// And δ^l = ∂C/∂z^l must still pass back through a^l = σ(z^l), i.e. be
/// multiplied by σ′(z^l) entry by entry; see [`delta_corrected`].
///
/// # Panics
/// If δ^{l+1} is smaller than the kernel (the valid correlation is empty).
pub fn delta_as_written<T: Element>(delta_next: &Matrix<T>, w: &Matrix<T>) -> Matrix<T> {
    correlate_valid(delta_next, &rot180(w))
}

/// **Erratum 8**, padding fixed but σ′ still missing: the full convolution
/// δ^{l+1} ⊛ W^{l+1}. This is ∂C/∂a^l, not ∂C/∂z^l; it passes a gradient
/// check against a^l but fails one against z^l.
pub fn delta_without_activation<T: Element>(delta_next: &Matrix<T>, w: &Matrix<T>) -> Matrix<T> {
    full_convolve(delta_next, w)
}

/// The corrected recursion of erratum 8 for a^l = σ(z^l), z^{l+1} = a^l ⋆ W^{l+1}:
///
///   δ^l = full_convolve(δ^{l+1}, W^{l+1}) ⊙ σ′(z^l).
///
/// # Panics
/// If `sigma_prime_z` (σ′(z^l), the shape of a^l) does not have the shape
/// of the full convolution; the message names both shapes.
pub fn delta_corrected<T: Element>(delta_next: &Matrix<T>, w: &Matrix<T>, sigma_prime_z: &Matrix<T>) -> Matrix<T> {
    let da = full_convolve(delta_next, w);
    let (r, c) = da.shape2();
    let (sr, sc) = sigma_prime_z.shape2();
    assert!((r, c) == (sr, sc), "delta_corrected: σ′(z) is {sr}×{sc} but full_convolve(δ, w) is {r}×{c}");
    Matrix::from_fn(r, c, |i, j| da[(i, j)].clone() * sigma_prime_z[(i, j)].clone())
}

/// scipy's `convolve2d(in1, in2, mode='valid')`: a true convolution, which
/// turns the second argument by 180° before sliding it,
///
///   (in1 ∗ in2)_ij = Σ_pq in1_{i+p−1, j+q−1} in2_{kh+1−p, kw+1−q},
///
/// with in2 of size kh × kw and p, q running from 1 to kh and kw.
///
/// Convolution is commutative, and scipy swaps the arguments when `in1` is
/// the smaller one, so `convolve2d_valid(δ, a)` equals `convolve2d_valid(a, δ)`.
///
/// # Panics
/// If neither argument fits inside the other; the message names both shapes.
pub fn convolve2d_valid<T: Element>(in1: &Matrix<T>, in2: &Matrix<T>) -> Matrix<T> {
    let (s1, s2) = (in1.shape2(), in2.shape2());
    if s1.0 >= s2.0 && s1.1 >= s2.1 {
        correlate_valid(in1, &rot180(in2))
    } else if s1.0 <= s2.0 && s1.1 <= s2.1 {
        correlate_valid(in2, &rot180(in1))
    } else {
        panic!(
            "convolve2d_valid: in1 {}×{} and in2 {}×{}: one must be at least as large as the other in every dimension",
            s1.0, s1.1, s2.0, s2.1
        )
    }
}

/// **Erratum 12**, as written: the notes' convolution forward,
///
/// ```text
/// for n in 0..N, for kid in 0..K_C, for c in 0..C:
///     output += convolve2d(x[n, c], w[kid, c], 'valid')
/// ```
///
/// Wrong: `output` is N×K×oh×ow and the 2-D result is added to *all* of it
/// (numpy broadcasting), so every sample and every output channel get the
/// same sum over all samples; and `kid` runs over the kernels' channel
/// count K_C (= C) instead of the number of kernels K, so with K > C the
/// last kernels are never used. It agrees with the correct layer only for
/// N = 1 and K = C = 1, which is why a one-image, one-channel test passes.
/// The corrected version is [`true_conv_forward`].
///
/// # Panics
/// If K < C: the loop indexes kernels that do not exist (numpy raises an
/// IndexError there).
pub fn conv_forward_as_written<F: Real>(x: &Array4<F>, w: &Array4<F>) -> Array4<F> {
    let (n_samples, n_channels, h, wd) = x.dim();
    let (n_kernels, kernel_channels, kh, kw) = w.dim();
    assert!(
        kernel_channels <= n_kernels,
        "erratum 12: the loop runs over the kernels' channel count {kernel_channels} but w has only {n_kernels} kernels"
    );
    let mut out = Array4::zeros((n_samples, n_kernels, h - kh + 1, wd - kw + 1));
    for n in 0..n_samples {
        for kid in 0..kernel_channels {
            for c in 0..n_channels {
                let plane = convolve2d_valid(
                    &Matrix::from_view(x.slice(s![n, c, .., ..])),
                    &Matrix::from_view(w.slice(s![kid, c, .., ..])),
                );
                // numpy: `output_data += plane` broadcasts over N and K.
                for mut target in out.outer_iter_mut() {
                    for mut o in target.outer_iter_mut() {
                        o.zip_mut_with(&plane.0, |t, &v| *t = *t + v);
                    }
                }
            }
        }
    }
    out
}

/// The corrected forward of erratum 12 with the notes' true convolution
/// (erratum 9): for each sample n and kernel k,
///
///   z[n, k] = Σ_c convolve2d(x[n, c], w[k, c], 'valid')
///           = Σ_c correlate_valid(x[n, c], rot180(w[k, c])).
///
/// # Panics
/// If the channel counts of x and w differ; the message names both shapes.
pub fn true_conv_forward<F: Real>(x: &Array4<F>, w: &Array4<F>) -> Array4<F> {
    assert_eq!(
        x.dim().1,
        w.dim().1,
        "true_conv_forward: x {:?} and w {:?} have different channel counts",
        x.dim(),
        w.dim()
    );
    let rotated = Array4::from_shape_fn(w.raw_dim(), |(k, c, p, q)| {
        let (_, _, kh, kw) = w.dim();
        w[[k, c, kh - 1 - p, kw - 1 - q]]
    });
    crate::conv::forward(x, &rotated, &ndarray::Array1::zeros(w.dim().0), 0)
}

/// **Erratum 13**, as written: the kernel gradient for the 2-D forward
/// z = convolve2d(a, w, 'valid') computed as `convolve2d(δ, a, 'valid')`.
///
/// Wrong: that is the valid correlation of a with rot180(δ). For a true
/// convolution forward the kernel gradient is rot180(correlate_valid(a, δ)),
/// see [`true_conv_kernel_grad`]; the two differ in general by amounts of
/// the size of the gradient itself.
pub fn true_conv_kernel_grad_as_written<T: Element>(a: &Matrix<T>, delta: &Matrix<T>) -> Matrix<T> {
    convolve2d_valid(delta, a)
}

/// The correct kernel gradient of erratum 13. With z = convolve2d(a, w) =
/// correlate_valid(a, rot180(w)), the correlation kernel is w' = rot180(w),
/// ∂C/∂w' = correlate_valid(a, δ), and turning back gives
///
///   ∂C/∂w = rot180(correlate_valid(a, δ)).
pub fn true_conv_kernel_grad<T: Element>(a: &Matrix<T>, delta: &Matrix<T>) -> Matrix<T> {
    rot180(&correlate_valid(a, delta))
}

/// **Erratum 15**, the tempting mistake: a max-pool backward that assigns
/// (`dx[argmax] = da`) instead of accumulating (`dx[argmax] += da`), with
/// `da` = ∂C/∂a the gradient at the pooled output.
///
/// Wrong when windows overlap (stride < size): an input that is the maximum
/// of several windows must receive the sum of their ∂C/∂a, but assignment
/// keeps only the last window's. With non-overlapping windows every input belongs
/// to one window and the two agree, so a test with stride = size passes.
/// The correct version is [`crate::pool::max_backward`].
///
/// # Panics
/// If `da` does not have the pooled shape recorded in `argmax`.
pub fn max_backward_assigning<F: Real>(da: &Array4<F>, argmax: &Argmax) -> Array4<F> {
    assert_eq!(
        da.dim(),
        argmax.index.dim(),
        "max_backward_assigning: ∂C/∂a has shape {:?} but the pooled output had shape {:?}",
        da.dim(),
        argmax.index.dim()
    );
    let mut dx = Array4::zeros(argmax.input_shape);
    for ((n, c, i, j), &g) in da.indexed_iter() {
        let (row, col) = argmax.position(n, c, i, j);
        dx[[n, c, row, col]] = g;
    }
    dx
}

/// **Erratum 11**, the notes' output error for softmax cross-entropy:
/// "δ" = (y − p)/N for one-hot labels y and softmax outputs p, one column
/// per sample (features × N).
///
/// Wrong in sign: δ = ∂C/∂z, and for softmax cross-entropy that is p − y
/// per sample (the book's convention: δ per sample, the 1/N of the batch
/// mean taken once, in the parameter gradients ∂C/∂W = (1/N) Σ_n δ_n a_nᵀ).
/// The notes fold the 1/N into δ, so their (y − p)/N is the *negative* of
/// the gradient of the mean loss (1/N) Σ_n C_n with respect to z, which is
/// (p − y)/N.
pub fn softmax_delta_as_written(p: &Array2<f64>, y: &Array2<f64>) -> Array2<f64> {
    assert_eq!(p.dim(), y.dim(), "softmax_delta_as_written: p {:?} and y {:?} differ", p.dim(), y.dim());
    let n = p.ncols() as f64;
    (y - p) / n
}

/// **Erratum 11**, the notes' fully connected update `W += lr · δ aᵀ`
/// (the repository's `fc += lr · inputᵀ · δ`, rows as samples; the notes'
/// snippet omits the transpose, see [`fc_update_without_transpose`]), here
/// with one column per sample: W is out×in, a is in×N, δ is out×N.
///
/// What is wrong is the presentation, not the arithmetic: the text derives
/// W −= η ∂C/∂W for a mean-squared error, while the code trains with
/// softmax cross-entropy and a δ that is the negative gradient. With
/// [`softmax_delta_as_written`] this update equals W − lr ∂C/∂W for the
/// mean cross-entropy exactly; the sign convention is the only difference.
///
/// # Panics
/// If the shapes do not chain; the message names them.
pub fn fc_update_as_written(w: &Array2<f64>, a: &Array2<f64>, delta: &Array2<f64>, lr: f64) -> Array2<f64> {
    assert!(
        w.nrows() == delta.nrows() && w.ncols() == a.nrows() && a.ncols() == delta.ncols(),
        "fc_update_as_written: W {:?}, a {:?} and δ {:?} do not chain (W out×in, a in×N, δ out×N)",
        w.dim(),
        a.dim(),
        delta.dim()
    );
    w + &(delta.dot(&a.t()) * lr)
}

/// **Erratum 11**, the missing transpose: the notes' fully connected snippet
/// updates its weights with `fc += lr · input · δ`, rows as samples (input
/// N×in, δ N×out, fc in×out), where the repository's `LeNet.py` has
/// `input.T`.
///
/// Wrong: the weight gradient adds up, over the samples, each sample's input
/// times its δ, which is inputᵀ δ, in×out like fc. Without the transpose the
/// product exists only when in = N (numpy refuses the shapes otherwise), and
/// then entry (i, o) sums input feature m of sample i times the δ of sample
/// m: features and samples are mixed up, and the result is no gradient.
///
/// # Panics
/// Unless in = N, δ has N rows and fc is in×out, where numpy's `np.dot` or
/// `+=` raises; the message names the shapes.
pub fn fc_update_without_transpose(fc: &Array2<f64>, input: &Array2<f64>, delta: &Array2<f64>, lr: f64) -> Array2<f64> {
    let ((n, inputs), (dn, outputs)) = (input.dim(), delta.dim());
    assert!(
        inputs == dn,
        "erratum 11: np.dot(input {n}×{inputs}, δ {dn}×{outputs}): shapes not aligned (the transpose is missing)"
    );
    assert!(fc.dim() == (n, outputs), "erratum 11: fc {:?} += a {n}×{outputs} product: shapes differ", fc.dim());
    fc + &(input.dot(delta) * lr)
}

/// **Erratum 13**, the repository's convolution backward (`LeNet.py`) for
/// its true-convolution forward z[n, k] = Σ_c convolve2d(x[n, c], w[k, c]),
/// as written, with x N×C×H×W, w K×C×kh×kw and δ = `dy` N×K×oh×ow:
///
/// ```text
/// δ_pad = δ with kh − 1 rings of zeros
/// for n, k, c:
///     dx += convolve2d(δ_pad[n, c], w[k, c] turned by 180°, 'valid')
///     dw += convolve2d(δ[n, k], x[n, c], 'valid')
/// ```
///
/// Returns (dx, dw), the sums before the repository's update `w += lr · dw`.
///
/// Wrong three ways. δ_pad is indexed by the input channel c where the
/// kernel k is meant, so the input gradient through kernel k is computed
/// from the δ of output channel c. Each `+=` adds a 2-D result into the
/// whole 4-D array (numpy broadcasting, as in erratum 12), so every sample
/// and channel get the same sum. And dw has erratum 13's formula. With one
/// sample, one channel and one kernel only the last shows. The corrected
/// gradients are [`crate::conv::backward`]'s for the kernels turned by 180°
/// (the forward is [`true_conv_forward`]); dx is then per sample.
///
/// # Panics
/// If C > K: δ has no channel c ≥ K (numpy raises an IndexError). If the
/// kernels are not square: the repository pads both axes by (kh − 1,
/// kw − 1), right for LeNet's square kernels only. If the shapes do not
/// chain; the message names them.
pub fn true_conv_backward_as_in_the_repository<F: Real>(
    x: &Array4<F>,
    w: &Array4<F>,
    dy: &Array4<F>,
) -> (Array4<F>, Array4<F>) {
    let ((n_samples, n_channels, h, wd), (n_kernels, kc, kh, kw)) = (x.dim(), w.dim());
    assert!(
        kc == n_channels && dy.dim() == (n_samples, n_kernels, h - kh + 1, wd - kw + 1),
        "true_conv_backward_as_in_the_repository: x {:?}, w {:?} and δ {:?} do not chain",
        x.dim(),
        w.dim(),
        dy.dim()
    );
    assert_eq!(kh, kw, "the repository pads both axes by (kh − 1, kw − 1): square kernels only");
    assert!(
        n_channels <= n_kernels,
        "erratum 13: the repository indexes δ ({n_kernels} channels, one per kernel) by the input channel, of which there are {n_channels}"
    );
    let plane = |a: &Array4<F>, i: usize, j: usize| Matrix::from_view(a.slice(s![i, j, .., ..]));
    let mut dx = Array4::zeros(x.raw_dim());
    let mut dw = Array4::zeros(w.raw_dim());
    for n in 0..n_samples {
        for k in 0..n_kernels {
            for c in 0..n_channels {
                let padded = pad(&plane(dy, n, c), kh - 1, kw - 1);
                let dx_part = convolve2d_valid(&padded, &rot180(&plane(w, k, c)));
                let dw_part = convolve2d_valid(&plane(dy, n, k), &plane(x, n, c));
                // numpy: `back_delta += …` and `kernel_gradient += …` broadcast.
                dx.outer_iter_mut().for_each(|mut sample| {
                    sample.outer_iter_mut().for_each(|mut t| t.zip_mut_with(&dx_part.0, |t, &v| *t = *t + v))
                });
                dw.outer_iter_mut().for_each(|mut kernel| {
                    kernel.outer_iter_mut().for_each(|mut t| t.zip_mut_with(&dw_part.0, |t, &v| *t = *t + v))
                });
            }
        }
    }
    (dx, dw)
}

/// **Erratum 16**, the convolution part of the repository's network as
/// designed: two convolutions without biases, each followed by 2×2 mean
/// pooling and by no activation,
///
///   y = meanpool(conv(meanpool(conv(x, w1)), w2)).
///
/// (The repository convolves with scipy's `convolve2d`; here the crate's
/// correlation, [`crate::conv::forward`], stands in for it: that only turns
/// the kernels, see erratum 9.)
///
/// Wrong by design: every step is linear in x, so the stack is one linear
/// map of the pixels, the same kind of map as a single convolution layer.
/// Two convolutions with nothing between them are exactly one convolution
/// whose kernel is the full convolution of the two (erratum 16's test checks
/// it), so the second layer adds parameters but no power to tell digits
/// apart. LeNet puts a nonlinearity after each convolution.
///
/// # Panics
/// As [`crate::conv::forward`] and [`crate::pool::mean_forward`] when the
/// shapes do not fit.
pub fn conv_stack_as_in_the_repository<F: Real>(x: &Array4<F>, w1: &Array4<F>, w2: &Array4<F>) -> Array4<F> {
    let conv = |x: &Array4<F>, w: &Array4<F>| crate::conv::forward(x, w, &Array1::zeros(w.dim().0), 0);
    let h1 = pool::mean_forward(&conv(x, w1), 2, 2);
    pool::mean_forward(&conv(&h1, w2), 2, 2)
}

/// **Erratum 16**, the repository's network as designed: the convolution
/// stack of [`conv_stack_as_in_the_repository`], flattened (one column per
/// sample), then two fully connected layers, each followed by ReLU, all
/// without biases:
///
///   s = relu(W₂ relu(W₁ flatten(y))),
///
/// the scores that the repository feeds to the softmax (`fc1` is out×in, as
/// everywhere in the crate).
///
/// Wrong by design, twice. The ReLU on the logits: all-negative logits give
/// s = 0, a uniform softmax and no gradient. And without biases every layer
/// sends 0 to 0 and satisfies f(αx) = α f(x) for α ≥ 0 (ReLU does too), so
/// s(αx) = α s(x): a blank image scores 0 in every class whatever the
/// weights (its loss stays at ln K, and no step can change that), and an
/// image and its dimmed or brightened copy always get the same class.
///
/// # Panics
/// As [`conv_stack_as_in_the_repository`], or if `fc1` does not take the
/// flattened size or `fc2` does not take `fc1`'s output.
pub fn network_as_in_the_repository<F: Real>(
    x: &Array4<F>,
    w1: &Array4<F>,
    w2: &Array4<F>,
    fc1: &Array2<F>,
    fc2: &Array2<F>,
) -> Array2<F> {
    let y = conv_stack_as_in_the_repository(x, w1, w2);
    let (n, c, h, w) = y.dim();
    let flat = y.into_shape_with_order((n, c * h * w)).expect("a fresh array is contiguous").reversed_axes();
    let relu = Activation::Relu;
    let no_bias = |rows: usize| Array2::zeros((rows, 1));
    let h1 = relu.apply(&crate::fc::forward(fc1, &flat, &no_bias(fc1.nrows())).0);
    relu.apply(&crate::fc::forward(fc2, &h1, &no_bias(fc2.nrows())).0)
}
