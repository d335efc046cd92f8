//! The catalogue of known mistakes: each one a name, one sentence, the
//! erratum of the notes that makes it (if any), a section of the book, and
//! a function that computes the wrong answer on the check's own inputs.
//!
//! A wrong answer that equals one of these variants (relative error below
//! 10⁻⁷, with the variant's shape) is diagnosed by the variant's name. The
//! variants reuse [`crate::errata`] where the notes' wrong version exists
//! as code. To add a mistake: add a [`Mistake`] constant, a row to
//! [`CATALOGUE`], a line to the exercise's variant function below, and a
//! test in `tests/course.rs` that implements the mistake and is diagnosed.
//!
//! Every gradient exercise is also compared with [`SIGN_FLIPPED`], the
//! reference negated, which needs no function of its own.

use super::compare::{Output, Tensor, named, one};
use super::report::Diagnosis;
use crate::activation::Activation;
use crate::conv::{Geometry, correlate_valid, crop, dilate, dilate_to, pad, rot180};
use crate::errata;
use crate::matrix::Matrix;
use crate::model::{Arch, LeNet, Params, Pooling};
use crate::pool::Argmax;
use ndarray::{Array1, Array2, Array4, Axis, s};

// ANCHOR: mistakes
/// A known mistake, as the catalogue states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mistake {
    /// Its short name, which the report shows.
    pub name: &'static str,
    /// One sentence: what was computed instead, and what is right.
    pub explanation: &'static str,
    /// The notes' erratum with the same mistake, numbered as in the book's appendix.
    pub erratum: Option<u32>,
    /// The book section that explains the right version, relative to the built book.
    pub book: &'static str,
}

impl Mistake {
    /// The mistake as a report's diagnosis.
    pub fn diagnosis(&self) -> Diagnosis {
        Diagnosis {
            name: self.name.to_string(),
            explanation: self.explanation.to_string(),
            erratum: self.erratum,
            book: self.book.to_string(),
        }
    }
}

/// z = W a, no bias.
pub const BIAS_MISSING: Mistake = Mistake {
    name: "bias missing",
    explanation: "This is W a; the layer computes z = W a + b, with the column b added to every sample \
                  (the notes' repository leaves all biases out too).",
    erratum: Some(16),
    book: "fully-connected.html#the-forward-pass",
};

// ANCHOR_END: mistakes

/// Wᵀδ without σ′(z).
pub const SIGMA_PRIME_MISSING: Mistake = Mistake {
    name: "σ′ missing",
    explanation: "This is (W^(l+1))ᵀ δ^(l+1) = ∂C/∂a^l; δ^l = ∂C/∂z^l must still pass back through \
                  a^l = σ(z^l), i.e. be multiplied by σ′(z^l) entry by entry.",
    erratum: None,
    book: "fully-connected.html#the-δ-recursion",
};

/// Wᵀδ ⊙ σ(z).
pub const SIGMA_NOT_PRIME: Mistake = Mistake {
    name: "σ instead of σ′",
    explanation: "The chain rule through a^l = σ(z^l) multiplies by the derivative σ′(z^l), not by σ(z^l) itself.",
    erratum: None,
    book: "fully-connected.html#the-δ-recursion",
};

/// W δ instead of Wᵀ δ.
pub const TRANSPOSE_MISSING: Mistake = Mistake {
    name: "transpose missing",
    explanation: "W^(l+1) δ^(l+1) sends the error forward along the weights; going back each input \
                  collects from the outputs it fed, which is (W^(l+1))ᵀ δ^(l+1).",
    erratum: None,
    book: "fully-connected.html#the-δ-recursion",
};

/// Wᵀ (δ ⊙ σ′(z)).
pub const SIGMA_PRIME_WRONG_LAYER: Mistake = Mistake {
    name: "σ′ on the wrong layer",
    explanation: "σ′(z^l) belongs to layer l: it multiplies (W^(l+1))ᵀ δ^(l+1) after the transpose, \
                  not δ^(l+1) of the layer above before it (the notes' erratum 1 takes σ′ at the wrong layer too).",
    erratum: Some(1),
    book: "fully-connected.html#the-δ-recursion",
};

/// Σ_n instead of (1/N) Σ_n.
pub const BATCH_SUMMED: Mistake = Mistake {
    name: "batch summed instead of averaged",
    explanation: "The gradient of the mean loss is the sum over the N samples divided by N; this is N times too large.",
    erratum: None,
    book: "fully-connected.html#the-parameter-gradients",
};

/// a δᵀ instead of δ aᵀ.
pub const WEIGHT_GRAD_TRANSPOSED: Mistake = Mistake {
    name: "transpose missing",
    explanation: "This is (δ aᵀ)ᵀ = a δᵀ, in × out; ∂C/∂W = (1/N) δ aᵀ has W's shape, out × in \
                  (the notes' weight update drops a transpose in the same product).",
    erratum: Some(11),
    book: "fully-connected.html#the-parameter-gradients",
};

/// −∂C/∂·.
pub const SIGN_FLIPPED: Mistake = Mistake {
    name: "sign flipped",
    explanation: "Every entry has the opposite sign: this is the negative gradient, the direction in which \
                  the loss grows fastest (the notes' δ of erratum 11 has this sign).",
    erratum: Some(11),
    book: "errata.html#in-the-code",
};

/// correlate_valid(a, rot180(w)).
pub const CONVOLUTION_NOT_CORRELATION: Mistake = Mistake {
    name: "kernel flipped (a convolution instead of a correlation)",
    explanation: "This turns the kernel by 180° before sliding it, a true convolution like scipy's convolve2d; \
                  the layer's forward is the valid correlation z_ij = Σ_pq a_(i+p−1, j+q−1) w_pq, kernel unturned.",
    erratum: Some(9),
    book: "convolution.html#the-forward-pass-on-numbers",
};

/// correlate_valid(pad(δ), w).
pub const ROT180_MISSING: Mistake = Mistake {
    name: "kernel not rotated",
    explanation: "The padded δ was correlated with w itself; input a_ij met w_(i−p+1, j−q+1) in output z_pq, \
                  so ∂C/∂a is the padded δ correlated with rot180(w), the full convolution.",
    erratum: Some(9),
    book: "convolution.html#the-input-gradient-is-a-full-convolution",
};

/// correlate_valid(δ, rot180(w)) without padding.
pub const NO_ZERO_PADDING: Mistake = Mistake {
    name: "no zero padding",
    explanation: "δ was correlated with rot180(w) without its border of kh − 1 rows and kw − 1 columns of zeros, \
                  so the result is smaller than the input and the border inputs lose their gradient.",
    erratum: Some(8),
    book: "convolution.html#the-input-gradient-is-a-full-convolution",
};

/// convolve2d(δ, a).
pub const KERNEL_GRAD_FLIPPED: Mistake = Mistake {
    name: "kernel gradient flipped (a convolution instead of a correlation)",
    explanation: "convolve2d(δ, a) turns δ by 180° before sliding it; w_pq multiplied a_(i+p−1, j+q−1) in output z_ij, \
                  so ∂C/∂w is the valid correlation of the input with δ, unturned.",
    erratum: Some(13),
    book: "convolution.html#the-kernel-gradient-is-a-valid-correlation",
};

/// rot180(correlate_valid(a, δ)).
pub const KERNEL_GRAD_TURNED: Mistake = Mistake {
    name: "kernel gradient turned by 180°",
    explanation: "rot180(correlate_valid(a, δ)) is the kernel gradient of a true-convolution forward; \
                  for the correlation forward it is correlate_valid(a, δ) as it is.",
    erratum: Some(9),
    book: "convolution.html#the-kernel-gradient-is-a-valid-correlation",
};

/// The mean of δ instead of its sum.
pub const BIAS_AVERAGED: Mistake = Mistake {
    name: "averaged instead of summed",
    explanation: "The bias is added to every output, so it collects δ from all of them: ∂C/∂b = Σ_ij δ_ij, \
                  the sum of δ's entries, not their mean.",
    erratum: None,
    book: "convolution.html#the-bias-gradient",
};

/// dx still as large as the padded input.
pub const PADDING_NOT_CROPPED: Mistake = Mistake {
    name: "padding not cropped",
    explanation: "The full convolution is as large as the padded input; the p rows and columns of padding are \
                  constants, not inputs, so their gradient is dropped and dx has the input's shape.",
    erratum: None,
    book: "convolution.html#several-channels-and-several-kernels",
};

/// δ used as it is, not dilated by the stride.
pub const STRIDE_IGNORED: Mistake = Mistake {
    name: "δ not dilated (stride ignored)",
    explanation: "With stride S the output z_ij is the unit-stride output at (S(i−1)+1, S(j−1)+1), so ∂C/∂ẑ is δ \
                  with S − 1 zeros between neighbouring entries; the unit-stride rules (full convolution for dx, \
                  valid correlation for dw) take that dilated δ, not δ itself.",
    erratum: None,
    book: "convolution-stride.html#padding-and-stride",
};

/// dilate(δ, S) not filled up to the unit-stride output's shape.
pub const UNREAD_NOT_FILLED: Mistake = Mistake {
    name: "dilated δ not filled up to the unit-stride size",
    explanation: "When S does not divide n + 2P − k, the last (n + 2P − k) mod S rows (or columns) of the padded \
                  input are read by no output; the dilated δ must be filled up with that many zeros at the bottom \
                  (right) to the unit-stride output's (n + 2P − k + 1) rows, so that dx keeps the input's shape \
                  with 0 on the unread rows and dw the kernel's shape.",
    erratum: None,
    book: "convolution-stride.html#padding-and-stride",
};

/// ∂C/∂a spread without the 1/r².
pub const MEAN_NOT_DIVIDED: Mistake = Mistake {
    name: "not divided by the window area",
    explanation: "Each of a window's r² inputs moves the mean by 1/r² of its own change, \
                  so each receives ∂C/∂a / r², not ∂C/∂a.",
    erratum: None,
    book: "pooling-relu.html#mean-pooling-spreads-the-gradient-evenly",
};

/// `dx[window] = …` instead of `+=`.
pub const ASSIGNED_NOT_ACCUMULATED: Mistake = Mistake {
    name: "assignment instead of accumulation",
    explanation: "Where windows overlap an input belongs to several of them and receives the sum of what each \
                  sends it (+=); assignment (=) keeps only the last window's share.",
    erratum: Some(15),
    book: "pooling-relu.html#overlapping-windows",
};

/// ∂C/∂a passed through ReLU unchanged.
pub const RELU_GATE_MISSING: Mistake = Mistake {
    name: "σ′ missing",
    explanation: "∂C/∂a came back unchanged; δ = ∂C/∂a ⊙ σ′(z) keeps it where z > 0 and is 0 where ReLU is flat.",
    erratum: None,
    book: "pooling-relu.html#relus-gate",
};

/// relu(∂C/∂a).
pub const RELU_OF_GRADIENT: Mistake = Mistake {
    name: "ReLU applied to the gradient",
    explanation: "The gate depends on z, not on the gradient: δ = ∂C/∂a where z > 0 and 0 elsewhere, \
                  whatever the sign of ∂C/∂a.",
    erratum: None,
    book: "pooling-relu.html#relus-gate",
};

/// (y − p)/N.
pub const NOTES_SOFTMAX_DELTA: Mistake = Mistake {
    name: "the notes' δ, (y − p)/N",
    explanation: "δ_n = ∂C_n/∂z_n = p_n − y_n per sample; the notes flip its sign and fold the batch's 1/N into it, \
                  which belongs in the parameter gradients.",
    erratum: Some(11),
    book: "errata.html#in-the-code",
};

/// (p − y)/N.
pub const DELTA_AVERAGED: Mistake = Mistake {
    name: "δ divided by N",
    explanation: "δ is per sample, p − y with no 1/N: the 1/N of the mean loss enters once, in the parameter gradients.",
    erratum: Some(11),
    book: "errata.html#in-the-code",
};

/// softmax(relu(z)) − y.
pub const RELU_ON_LOGITS: Mistake = Mistake {
    name: "ReLU on the logits",
    explanation: "The softmax takes the logits as they are; with ReLU in front every negative logit becomes 0 \
                  and gets no gradient (the notes' repository does this).",
    erratum: Some(16),
    book: "errata.html#in-the-code",
};

/// LeNet with mean pooling.
pub const MEAN_POOLING_IN_LENET: Mistake = Mistake {
    name: "mean pooling instead of max pooling",
    explanation: "These are the gradients of LeNet with mean pooling; the modern LeNet pools with max, \
                  which routes each gradient to the window's maximum only.",
    erratum: None,
    book: "lenet-by-hand.html#backward-layer-by-layer",
};

/// Every catalogued mistake with the exercise it is checked for, in
/// [`super::EXERCISES`] order.
pub const CATALOGUE: &[(&str, Mistake)] = &[
    ("fc_forward", BIAS_MISSING),
    ("fc_backprop_delta", SIGMA_PRIME_MISSING),
    ("fc_backprop_delta", SIGMA_NOT_PRIME),
    ("fc_backprop_delta", TRANSPOSE_MISSING),
    ("fc_backprop_delta", SIGMA_PRIME_WRONG_LAYER),
    ("fc_backprop_delta", SIGN_FLIPPED),
    ("fc_weight_grad", BATCH_SUMMED),
    ("fc_weight_grad", WEIGHT_GRAD_TRANSPOSED),
    ("fc_weight_grad", SIGN_FLIPPED),
    ("fc_bias_grad", BATCH_SUMMED),
    ("fc_bias_grad", SIGN_FLIPPED),
    ("correlate_valid", CONVOLUTION_NOT_CORRELATION),
    ("full_convolve", ROT180_MISSING),
    ("full_convolve", NO_ZERO_PADDING),
    ("full_convolve", SIGN_FLIPPED),
    ("kernel_grad", KERNEL_GRAD_FLIPPED),
    ("kernel_grad", KERNEL_GRAD_TURNED),
    ("kernel_grad", SIGN_FLIPPED),
    ("bias_grad", BIAS_AVERAGED),
    ("bias_grad", SIGN_FLIPPED),
    ("conv_backward", ROT180_MISSING),
    ("conv_backward", NO_ZERO_PADDING),
    ("conv_backward", PADDING_NOT_CROPPED),
    ("conv_backward", KERNEL_GRAD_FLIPPED),
    ("conv_backward", BATCH_SUMMED),
    ("conv_backward", SIGN_FLIPPED),
    ("conv_backward_strided", STRIDE_IGNORED),
    ("conv_backward_strided", UNREAD_NOT_FILLED),
    ("conv_backward_strided", ROT180_MISSING),
    ("conv_backward_strided", PADDING_NOT_CROPPED),
    ("conv_backward_strided", KERNEL_GRAD_FLIPPED),
    ("conv_backward_strided", BATCH_SUMMED),
    ("conv_backward_strided", SIGN_FLIPPED),
    ("mean_pool_backward", MEAN_NOT_DIVIDED),
    ("mean_pool_backward", ASSIGNED_NOT_ACCUMULATED),
    ("mean_pool_backward", SIGN_FLIPPED),
    ("max_pool_backward", ASSIGNED_NOT_ACCUMULATED),
    ("max_pool_backward", SIGN_FLIPPED),
    ("relu_backward", RELU_GATE_MISSING),
    ("relu_backward", RELU_OF_GRADIENT),
    ("relu_backward", SIGN_FLIPPED),
    ("softmax_cross_entropy_grad", SIGN_FLIPPED),
    ("softmax_cross_entropy_grad", NOTES_SOFTMAX_DELTA),
    ("softmax_cross_entropy_grad", DELTA_AVERAGED),
    ("softmax_cross_entropy_grad", RELU_ON_LOGITS),
    ("lenet_backward", BATCH_SUMMED),
    ("lenet_backward", MEAN_POOLING_IN_LENET),
    ("lenet_backward", SIGN_FLIPPED),
];

/// A rule computing one plane of ∂C/∂a from one plane of δ and one kernel.
type PlaneRule<'a> = &'a dyn Fn(&Matrix<f64>, &Matrix<f64>) -> Matrix<f64>;

/// A variant: the mistake and the wrong answer it gives.
pub(crate) type Variant = (Mistake, Output);

fn m(a: &Array2<f64>) -> Matrix<f64> {
    Matrix(a.clone())
}

/// Every tensor of `out` times `factor`.
pub(crate) fn scaled(out: &Output, factor: f64) -> Output {
    out.iter().map(|t| Tensor { name: t.name, value: &t.value * factor }).collect()
}

/// fc forward: W a without the bias.
pub(crate) fn fc_forward(w: &Array2<f64>, a: &Array2<f64>) -> Vec<Variant> {
    vec![(BIAS_MISSING, one(w.dot(a)))]
}

/// The δ recursion's mistakes; the two that need W square only then.
pub(crate) fn fc_backprop_delta(
    w: &Array2<f64>,
    delta: &Array2<f64>,
    z: &Array2<f64>,
    act: Activation,
) -> Vec<Variant> {
    let back = w.t().dot(delta);
    let mut v = vec![(SIGMA_PRIME_MISSING, one(back.clone())), (SIGMA_NOT_PRIME, one(&back * &act.apply(z)))];
    if w.is_square() {
        v.push((TRANSPOSE_MISSING, one(act.backward(&w.dot(delta), z))));
        v.push((SIGMA_PRIME_WRONG_LAYER, one(w.t().dot(&act.backward(delta, z)))));
    }
    v
}

/// ∂C/∂W summed over the batch, or transposed.
pub(crate) fn fc_weight_grad(delta: &Array2<f64>, a: &Array2<f64>) -> Vec<Variant> {
    let n = delta.ncols() as f64;
    vec![(BATCH_SUMMED, one(delta.dot(&a.t()))), (WEIGHT_GRAD_TRANSPOSED, one(a.dot(&delta.t()) / n))]
}

/// ∂C/∂b summed over the batch.
pub(crate) fn fc_bias_grad(delta: &Array2<f64>) -> Vec<Variant> {
    vec![(BATCH_SUMMED, one(delta.sum_axis(Axis(1)).insert_axis(Axis(1))))]
}

/// A true convolution in place of the correlation.
pub(crate) fn correlate_valid_variants(a: &Array2<f64>, w: &Array2<f64>) -> Vec<Variant> {
    vec![(CONVOLUTION_NOT_CORRELATION, one(correlate_valid(&m(a), &rot180(&m(w))).0))]
}

/// The full convolution without rot180, and without padding (erratum 8).
pub(crate) fn full_convolve(delta: &Array2<f64>, w: &Array2<f64>) -> Vec<Variant> {
    let (kh, kw) = w.dim();
    let mut v = vec![(ROT180_MISSING, one(correlate_valid(&pad(&m(delta), kh - 1, kw - 1), &m(w)).0))];
    if delta.nrows() >= kh && delta.ncols() >= kw {
        v.push((NO_ZERO_PADDING, one(errata::delta_as_written(&m(delta), &m(w)).0)));
    }
    v
}

/// The kernel gradient as convolve2d(δ, a) (erratum 13) and turned by 180°.
pub(crate) fn kernel_grad(a: &Array2<f64>, delta: &Array2<f64>) -> Vec<Variant> {
    vec![
        (KERNEL_GRAD_FLIPPED, one(errata::true_conv_kernel_grad_as_written(&m(a), &m(delta)).0)),
        (KERNEL_GRAD_TURNED, one(errata::true_conv_kernel_grad(&m(a), &m(delta)).0)),
    ]
}

/// The mean of δ's entries.
pub(crate) fn bias_grad(delta: &Array2<f64>) -> Vec<Variant> {
    let mean = delta.sum() / delta.len() as f64;
    vec![(BIAS_AVERAGED, one(Array1::from_elem(1, mean)))]
}

/// The layer's backward with one mistake at a time in dx or in dw and db.
pub(crate) fn conv_backward(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    padding: usize,
    reference: &Output,
) -> Vec<Variant> {
    let ((n_samples, channels, h, wd), (kernels, _, kh, kw)) = (x.dim(), w.dim());
    let (_, _, oh, ow) = dy.dim();
    let plane = |a: &Array4<f64>, i: usize, j: usize| Matrix::from_view(a.slice(s![i, j, .., ..]));
    // dx from a per-(δ, kernel) rule, cropped by `crop` on every side.
    let dx_with = |rule: PlaneRule, out: (usize, usize), crop: usize| {
        let mut dx = Array4::zeros((n_samples, channels, out.0, out.1));
        for n in 0..n_samples {
            for k in 0..kernels {
                for c in 0..channels {
                    let part = rule(&plane(dy, n, k), &plane(w, k, c));
                    let inner = part.slice(s![crop..crop + out.0, crop..crop + out.1]);
                    let mut target = dx.slice_mut(s![n, c, .., ..]);
                    target += &inner;
                }
            }
        }
        dx
    };
    let with_dx = |dx: Array4<f64>| -> Output {
        let mut out = reference.clone();
        out[0] = named("dx", dx);
        out
    };
    let not_rotated = |d: &Matrix<f64>, k: &Matrix<f64>| correlate_valid(&pad(d, kh - 1, kw - 1), k);
    let full = |d: &Matrix<f64>, k: &Matrix<f64>| crate::conv::full_convolve(d, k);
    let mut v = vec![(ROT180_MISSING, with_dx(dx_with(&not_rotated, (h, wd), padding)))];
    if oh >= kh && ow >= kw {
        let unpadded = |d: &Matrix<f64>, k: &Matrix<f64>| errata::delta_as_written(d, k);
        v.push((NO_ZERO_PADDING, with_dx(dx_with(&unpadded, (oh - kh + 1, ow - kw + 1), 0))));
    }
    if padding > 0 {
        v.push((PADDING_NOT_CROPPED, with_dx(dx_with(&full, (h + 2 * padding, wd + 2 * padding), 0))));
    }
    let mut dw = Array4::zeros(w.raw_dim());
    for n in 0..n_samples {
        for k in 0..kernels {
            for c in 0..channels {
                let a = pad(&plane(x, n, c), padding, padding);
                let part = errata::true_conv_kernel_grad_as_written(&a, &plane(dy, n, k));
                let mut target = dw.slice_mut(s![k, c, .., ..]);
                target += &(&part.0 / n_samples as f64);
            }
        }
    }
    let mut flipped = reference.clone();
    flipped[1] = named("dw", dw);
    v.push((KERNEL_GRAD_FLIPPED, flipped));
    let mut summed = reference.clone();
    for t in &mut summed[1..] {
        t.value *= n_samples as f64;
    }
    v.push((BATCH_SUMMED, summed));
    v
}

/// How δ's plane is widened before the unit-stride rules: as it is
/// (stride ignored), dilated only, or dilated and filled up to the
/// unit-stride output's shape (right).
#[derive(Clone, Copy)]
enum Widened {
    AsItIs,
    DilatedOnly,
    Filled,
}

/// The strided layer's backward with one mistake at a time: in dx, in dw,
/// or (for the ones a student makes once and uses twice) in both.
pub(crate) fn conv_backward_strided(
    x: &Array4<f64>,
    w: &Array4<f64>,
    dy: &Array4<f64>,
    g: Geometry,
    reference: &Output,
) -> Vec<Variant> {
    let ((n_samples, channels, h, wd), (kernels, _, kh, kw)) = (x.dim(), w.dim());
    let p = g.padding;
    let unit = (h + 2 * p - kh + 1, wd + 2 * p - kw + 1);
    let plane = |a: &Array4<f64>, i: usize, j: usize| Matrix::from_view(a.slice(s![i, j, .., ..]));
    let widen = |d: &Matrix<f64>, how: Widened| match how {
        Widened::AsItIs => d.clone(),
        Widened::DilatedOnly => dilate(d, g.stride),
        Widened::Filled => dilate_to(d, g.stride, unit),
    };
    // dx from a rule per (widened δ plane, kernel plane), `crop` removed
    // from every side; None when that leaves nothing.
    let dx_with = |how: Widened, rule: PlaneRule, crop_by: usize| -> Option<Array4<f64>> {
        let mut dx: Option<Array4<f64>> = None;
        for n in 0..n_samples {
            for k in 0..kernels {
                let d = widen(&plane(dy, n, k), how);
                for c in 0..channels {
                    let part = rule(&d, &plane(w, k, c));
                    let (ph, pw) = part.shape2();
                    if ph < 2 * crop_by + 1 || pw < 2 * crop_by + 1 {
                        return None;
                    }
                    let inner = crop(&part, crop_by, crop_by);
                    let sum =
                        dx.get_or_insert_with(|| Array4::zeros((n_samples, channels, inner.nrows(), inner.ncols())));
                    let mut target = sum.slice_mut(s![n, c, .., ..]);
                    target += &inner.0;
                }
            }
        }
        dx
    };
    // dw from a rule per (padded input plane, widened δ plane), batch mean;
    // None when the widened δ is larger than the padded input.
    let dw_with = |how: Widened, rule: PlaneRule| -> Option<Array4<f64>> {
        let mut dw: Option<Array4<f64>> = None;
        for n in 0..n_samples {
            for k in 0..kernels {
                let d = widen(&plane(dy, n, k), how);
                if d.nrows() > h + 2 * p || d.ncols() > wd + 2 * p {
                    return None;
                }
                for c in 0..channels {
                    let part = rule(&pad(&plane(x, n, c), p, p), &d);
                    let sum = dw.get_or_insert_with(|| Array4::zeros((kernels, channels, part.nrows(), part.ncols())));
                    let mut target = sum.slice_mut(s![k, c, .., ..]);
                    target += &(&part.0 / n_samples as f64);
                }
            }
        }
        dw
    };
    let with = |dx: Option<Array4<f64>>, dw: Option<Array4<f64>>| -> Output {
        let mut out = reference.clone();
        if let Some(dx) = dx {
            out[0] = named("dx", dx);
        }
        if let Some(dw) = dw {
            out[1] = named("dw", dw);
        }
        out
    };
    let full = |d: &Matrix<f64>, k: &Matrix<f64>| crate::conv::full_convolve(d, k);
    let corr = |a: &Matrix<f64>, d: &Matrix<f64>| correlate_valid(a, d);
    let not_rotated = |d: &Matrix<f64>, k: &Matrix<f64>| correlate_valid(&pad(d, kh - 1, kw - 1), k);
    let flipped = |a: &Matrix<f64>, d: &Matrix<f64>| errata::true_conv_kernel_grad_as_written(a, d);
    let mut v = Vec::new();
    // Each widening mistake in dx alone, in dw alone, and in both.
    for (how, mistake) in [(Widened::AsItIs, STRIDE_IGNORED), (Widened::DilatedOnly, UNREAD_NOT_FILLED)] {
        let dx = dx_with(how, &full, p);
        let dw = dw_with(how, &corr);
        if dx.is_some() {
            v.push((mistake, with(dx.clone(), None)));
        }
        if dw.is_some() {
            v.push((mistake, with(None, dw.clone())));
        }
        if dx.is_some() && dw.is_some() {
            v.push((mistake, with(dx, dw)));
        }
    }
    if let Some(dx) = dx_with(Widened::Filled, &not_rotated, p) {
        v.push((ROT180_MISSING, with(Some(dx), None)));
    }
    if p > 0
        && let Some(dx) = dx_with(Widened::Filled, &full, 0)
    {
        v.push((PADDING_NOT_CROPPED, with(Some(dx), None)));
    }
    if let Some(dw) = dw_with(Widened::Filled, &flipped) {
        v.push((KERNEL_GRAD_FLIPPED, with(None, Some(dw))));
    }
    let mut summed = reference.clone();
    for t in &mut summed[1..] {
        t.value *= n_samples as f64;
    }
    v.push((BATCH_SUMMED, summed));
    v
}

/// Mean-pool backward without the 1/r², and assigning window by window.
pub(crate) fn mean_pool_backward(
    dy: &Array4<f64>,
    input_shape: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
    reference: &Output,
) -> Vec<Variant> {
    let area = (size * size) as f64;
    let mut assigned = Array4::zeros(input_shape);
    for ((n, c, i, j), &g) in dy.indexed_iter() {
        let (r, q) = (i * stride, j * stride);
        assigned.slice_mut(s![n, c, r..r + size, q..q + size]).fill(g / area);
    }
    vec![(MEAN_NOT_DIVIDED, scaled(reference, area)), (ASSIGNED_NOT_ACCUMULATED, one(assigned))]
}

/// Max-pool backward assigning instead of accumulating (erratum 15).
pub(crate) fn max_pool_backward(dy: &Array4<f64>, argmax: &Argmax) -> Vec<Variant> {
    vec![(ASSIGNED_NOT_ACCUMULATED, one(errata::max_backward_assigning(dy, argmax)))]
}

/// ReLU backward without the gate, or with the gate on the gradient.
pub(crate) fn relu_backward(da: &Array4<f64>) -> Vec<Variant> {
    vec![(RELU_GATE_MISSING, one(da.clone())), (RELU_OF_GRADIENT, one(Activation::Relu.apply(da)))]
}

/// The softmax cross-entropy gradient as the notes and their repository have it.
pub(crate) fn softmax_cross_entropy_grad(logits: &Array2<f64>, labels: &[usize]) -> Vec<Variant> {
    let n = logits.ncols() as f64;
    let mut y = Array2::zeros(logits.raw_dim());
    for (k, &l) in labels.iter().enumerate() {
        y[[l, k]] = 1.0;
    }
    let p = crate::loss::softmax(logits);
    let relu = Activation::Relu;
    let p_relu = crate::loss::softmax(&relu.apply(logits));
    vec![
        (NOTES_SOFTMAX_DELTA, one(errata::softmax_delta_as_written(&p, &y))),
        (DELTA_AVERAGED, one((&p - &y) / n)),
        (RELU_ON_LOGITS, one(&p_relu - &y)),
        // The repository's version also gates δ by ReLU's derivative.
        (RELU_ON_LOGITS, one(relu.backward(&(&p_relu - &y), logits))),
    ]
}

/// LeNet's gradients summed over the batch, or with mean pooling.
pub(crate) fn lenet_backward(
    params: &Params<f64>,
    x: &Array4<f64>,
    labels: &[usize],
    reference: &Output,
) -> Vec<Variant> {
    let mut model = LeNet::new(Arch { pooling: Pooling::Mean, ..Arch::modern() }, 0);
    model.params = params.clone();
    let mean = super::compare::params_output(&model.trace(x, labels).grads);
    vec![(BATCH_SUMMED, scaled(reference, x.dim().0 as f64)), (MEAN_POOLING_IN_LENET, mean)]
}
