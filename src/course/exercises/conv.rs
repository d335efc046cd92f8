//! The convolution exercises' cases: non-square inputs and kernels of
//! different sizes, N ≠ C ≠ K for the layer, padding, and strides whose
//! remainder leaves input rows unread.

use super::*;

/// The strided exercise's geometries: stride, padding, and the remainder
/// r = (n + 2P − k) mod S the input's rows and columns are drawn for (the
/// padded rows and columns that no output reads). The first is the book's
/// 5×5 input with a 3×3 kernel; in the second and fourth r > P, so real
/// input rows are unread and their gradient must be exactly 0.
pub(super) const STRIDED: [StridedCase; 4] = [
    StridedCase { stride: 2, padding: 1, remainder: None },
    StridedCase { stride: 2, padding: 0, remainder: Some(1) },
    StridedCase { stride: 3, padding: 1, remainder: Some(1) },
    StridedCase { stride: 3, padding: 1, remainder: Some(2) },
];

/// One geometry of [`STRIDED`]; `remainder: None` is the book's 5×5 input
/// with a 3×3 kernel.
#[derive(Clone, Copy)]
pub(super) struct StridedCase {
    stride: usize,
    padding: usize,
    remainder: Option<usize>,
}

/// A layer's gradients (dx, dw, db) as an output, named.
fn layer_grads((dx, dw, db): (Array4<f64>, Array4<f64>, Array1<f64>)) -> Output {
    vec![named("dx", dx), named("dw", dw), named("db", db)]
}

/// Central differences of S = Σ_n Σ δ_n ⊙ z_n with z = `forward`(x, w, b)
/// and δ = `dy`: dx is ∂S/∂x (per sample; 24 entries probed, NaN
/// elsewhere), dw and db are ∂S/∂w / N and ∂S/∂b / N (batch means).
fn layer_fd(
    rng: &mut Rng,
    (x, w, b): (&Array4<f64>, &Array4<f64>, &Array1<f64>),
    dy: &Array4<f64>,
    forward: impl Fn(&Array4<f64>, &Array4<f64>, &Array1<f64>) -> Array4<f64>,
) -> Output {
    let per = 1.0 / x.dim().0 as f64;
    vec![
        named("dx", fd_sampled(rng, x, LINEAR_STEP, 24, |x| dot(dy, &forward(x, w, b)))),
        named("dw", fd(w, LINEAR_STEP, |w| dot(dy, &forward(x, w, b))) * per),
        named("db", fd(b, LINEAR_STEP, |b| dot(dy, &forward(x, w, b))) * per),
    ]
}

/// N ≥ 2 samples, C channels and K kernels, three different numbers: with
/// one sample a sum is a mean, with one channel an answer that ignores the
/// channel index is right.
fn batch_sizes(rng: &mut Rng) -> (usize, usize, usize) {
    let n = between(rng, 2, 3);
    let mut others: Vec<usize> = (2..=4).filter(|&v| v != n).collect();
    rng.shuffle(&mut others);
    (n, others[0], others[1])
}

/// A kernel kh × kw with kh ≠ kw and an input h × w with h ≠ w, whose
/// output (h − kh + 1) × (w − kw + 1) is not square and at least as large
/// as the kernel (so that a δ correlated without padding has a shape).
fn conv_geometry(rng: &mut Rng) -> ((usize, usize), (usize, usize)) {
    let [kh, kw] = distinct_sizes(rng, 2, 2, 4)[..] else { unreachable!("two sizes") };
    let [oh, ow] = distinct_sizes(rng, 2, 4, 6)[..] else { unreachable!("two sizes") };
    ((oh + kh - 1, ow + kw - 1), (kh, kw))
}

pub(super) fn correlate_valid(rng: &mut Rng) -> Case {
    let ((h, w), (kh, kw)) = conv_geometry(rng);
    let a = uniform(rng, (h, w));
    let k = uniform(rng, (kh, kw));
    let expected = one(crate::conv::correlate_valid(&mat(&a), &mat(&k)).0);
    Case::new(
        expected,
        vec![t(&a), t(&k)],
        (a, k),
        |s, (a, k)| one((s.correlate_valid)(a, k)),
        |(a, k)| catalogue::correlate_valid_variants(a, k),
    )
}

pub(super) fn full_convolve(rng: &mut Rng) -> Case {
    let ((h, wd), (kh, kw)) = conv_geometry(rng);
    let (m, n) = (h - kh + 1, wd - kw + 1);
    let delta = uniform(rng, (m, n));
    let w = uniform(rng, (kh, kw));
    let expected = one(crate::conv::full_convolve(&mat(&delta), &mat(&w)).0);
    let a = uniform(rng, (h, wd));
    let numerical = fd(&a, LINEAR_STEP, |a| dot(&delta, &crate::conv::correlate_valid(&mat(a), &mat(&w)).0));
    Case::new(
        expected,
        vec![t(&delta), t(&w)],
        (delta, w),
        |s, (delta, w)| one((s.full_convolve)(delta, w)),
        |(delta, w)| catalogue::full_convolve(delta, w),
    )
    .with_numerical(Some(one(numerical)))
}

pub(super) fn kernel_grad(rng: &mut Rng) -> Case {
    let ((h, wd), (kh, kw)) = conv_geometry(rng);
    let (m, n) = (h - kh + 1, wd - kw + 1);
    let a = uniform(rng, (h, wd));
    let delta = uniform(rng, (m, n));
    let expected = one(crate::conv::kernel_grad(&mat(&a), &mat(&delta)).0);
    let w = uniform(rng, (kh, kw));
    let numerical = fd(&w, LINEAR_STEP, |w| dot(&delta, &crate::conv::correlate_valid(&mat(&a), &mat(w)).0));
    Case::new(
        expected,
        vec![t(&a), t(&delta)],
        (a, delta),
        |s, (a, delta)| one((s.kernel_grad)(a, delta)),
        |(a, delta)| catalogue::kernel_grad(a, delta),
    )
    .with_numerical(Some(one(numerical)))
}

pub(super) fn bias_grad(rng: &mut Rng) -> Case {
    let [m, n] = distinct_sizes(rng, 2, 2, 5)[..] else { unreachable!("two sizes") };
    let delta = uniform(rng, (m, n));
    let expected = one(Array1::from_elem(1, crate::conv::bias_grad(&mat(&delta))));
    let b = uniform(rng, 1);
    // z = correlate_valid(a, w) + b: C = Σ δ ⊙ z depends on b as b Σ δ.
    let numerical = fd(&b, LINEAR_STEP, |b| (&delta * b[0]).sum());
    Case::new(
        expected,
        vec![t(&delta)],
        delta,
        |s, delta| one(Array1::from_elem(1, (s.bias_grad)(delta))),
        catalogue::bias_grad,
    )
    .with_numerical(Some(one(numerical)))
}

/// A convolution layer's backward with N ≠ C ≠ K (N ≥ 2), a non-square
/// input and kernel, and `padding` on every side.
pub(super) fn conv_backward(rng: &mut Rng, padding: usize) -> Case {
    let (n, c, k) = batch_sizes(rng);
    let [h, wd] = distinct_sizes(rng, 2, 4, 6)[..] else { unreachable!("two sizes") };
    let [kh, kw] = distinct_sizes(rng, 2, 2, 3)[..] else { unreachable!("two sizes") };
    let x = uniform(rng, (n, c, h, wd));
    let w = uniform(rng, (k, c, kh, kw));
    let b = uniform(rng, k);
    let (oh, ow) = (h + 2 * padding - kh + 1, wd + 2 * padding - kw + 1);
    let dy = uniform(rng, (n, k, oh, ow));
    let expected = layer_grads(crate::conv::backward(&x, &w, &dy, padding));
    let numerical = layer_fd(rng, (&x, &w, &b), &dy, |x, w, b| crate::conv::forward(x, w, b, padding));
    let reference = expected.clone();
    Case::new(
        expected,
        vec![t(&x), t(&w), t(&dy), Input::Whole(padding)],
        (x, w, dy),
        move |s, (x, w, dy)| layer_grads((s.conv_backward)(x, w, dy, padding)),
        move |(x, w, dy)| catalogue::conv_backward(x, w, dy, padding, &reference),
    )
    .with_numerical(Some(numerical))
}

/// The strided layer's backward with N ≠ C ≠ K (N ≥ 2) under `case`'s
/// geometry. Apart from the book's 5×5 and 3×3, kernel and input are not
/// square, and each axis of the input is drawn so that n + 2P − k = S·q + r
/// with q ≥ 1 (at least two outputs, so that δ's dilation shows) and the
/// case's remainder r.
pub(super) fn conv_backward_strided(rng: &mut Rng, case: StridedCase) -> Case {
    let StridedCase { stride, padding, remainder } = case;
    let (n, c, k) = batch_sizes(rng);
    let ((h, wd), (kh, kw)) = match remainder {
        None => ((5, 5), (3, 3)),
        Some(r) => {
            let [kh, kw] = distinct_sizes(rng, 2, 2, 3)[..] else { unreachable!("two sizes") };
            let [qh, qw] = distinct_sizes(rng, 2, 1, 2)[..] else { unreachable!("two sizes") };
            // n = S·q + r + k − 2P; q ≥ 1 and k ≥ 2 keep it above 2P.
            let len = |q: usize, kernel: usize| stride * q + r + kernel - 2 * padding;
            ((len(qh, kh), len(qw, kw)), (kh, kw))
        }
    };
    let g = crate::conv::Geometry::new(stride, padding);
    let x = uniform(rng, (n, c, h, wd));
    let w = uniform(rng, (k, c, kh, kw));
    let b = uniform(rng, k);
    let (oh, ow) = g.output_shape((h, wd), (kh, kw)).expect("the kernel fits the padded input");
    let dy = uniform(rng, (n, k, oh, ow));
    let expected = layer_grads(crate::conv::backward_strided(&x, &w, &dy, g));
    // The reference comparison covers every entry of dx, the unread rows'
    // exact zeros too; central differences probe a sample.
    let numerical = layer_fd(rng, (&x, &w, &b), &dy, |x, w, b| crate::conv::forward_strided(x, w, b, g));
    let reference = expected.clone();
    let unread = remainder.is_some_and(|r| r > padding);
    Case::new(
        expected,
        vec![t(&x), t(&w), t(&dy), Input::Geometry { stride, padding }],
        (x, w, dy),
        move |s, (x, w, dy)| layer_grads((s.conv_backward_strided)(x, w, dy, g)),
        move |(x, w, dy)| catalogue::conv_backward_strided(x, w, dy, g, &reference),
    )
    .with_numerical(Some(numerical))
    .with_note(unread.then_some("the last input rows and columns are read by no output: their dx is 0"))
}
