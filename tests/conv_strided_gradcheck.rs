//! Stride and padding: the strided convolution's gradients, 2-D and batched,
//! against central finite differences; the unread input entries that the
//! rounding down of the output size (or a stride longer than the kernel)
//! leaves, whose gradient must be exactly 0; and stride 1 against the
//! unstrided functions, entry for entry.
//!
//! The test loss is L = Σ G ⊙ out with a fixed random G, so δ = G.
//! Convolution is linear in each of its inputs, so central differences have
//! no truncation error and a large step (h = 0.5) keeps rounding small.

use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::rng::Rng;
use lenet::{Matrix, conv};
use ndarray::{Array1, Array2, Array4};

use conv::{Geometry, GeometryError};

#[path = "support/conv_layer_check.rs"]
mod conv_layer_check;
use conv_layer_check::{LINEAR_STEP, Layer, check_layer};

fn matrix(rng: &mut Rng, rows: usize, cols: usize) -> Matrix<f64> {
    Matrix(rng.uniform_array((rows, cols), -1.0, 1.0))
}

fn dot2(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    (a * b).sum()
}

/// (H, W, kh, kw, S, P): the worked example 5×5 / 3×3 / S = 2 / P = 1;
/// sizes that S does not divide (6×7 with S = 2, 7×7 with S = 3); a stride
/// longer than the kernel (gaps); padding as wide as the kernel; stride 1.
const CASES_2D: [(usize, usize, usize, usize, usize, usize); 7] = [
    (5, 5, 3, 3, 2, 1),
    (6, 7, 3, 3, 2, 0),
    (7, 7, 3, 3, 3, 0),
    (8, 8, 2, 2, 3, 1),
    (6, 5, 2, 3, 2, 2),
    (5, 6, 3, 2, 1, 1),
    (9, 4, 4, 2, 3, 1),
];

/// The number of outputs by counting the kernel positions one by one: the
/// corner on padded position 1 + o·S for o = 0, 1, … while the kernel fits.
fn count_positions(len: usize, k: usize, s: usize, p: usize) -> usize {
    (0..).take_while(|o| o * s + k <= len + 2 * p).count()
}

#[test]
fn output_len_is_the_number_of_kernel_positions_rounded_down() {
    for len in 1..10 {
        for k in 1..=len + 2 {
            for s in 1..4 {
                for p in 0..3 {
                    let g = Geometry::new(s, p);
                    if k > len + 2 * p {
                        assert_eq!(
                            g.output_len(len, k),
                            Err(GeometryError::KernelTooLarge { kernel: k, len, padding: p })
                        );
                    } else {
                        let n = count_positions(len, k, s, p);
                        assert_eq!(g.output_len(len, k), Ok(n), "len {len} kernel {k} stride {s} padding {p}");
                    }
                }
            }
        }
    }
    // The worked example and a size the stride does not divide.
    assert_eq!(Geometry::new(2, 1).output_shape((5, 5), (3, 3)), Ok((3, 3)));
    assert_eq!(Geometry::new(2, 0).output_shape((6, 7), (3, 3)), Ok((2, 3)));
    assert_eq!(Geometry::new(0, 1).output_len(5, 3), Err(GeometryError::ZeroStride));
    assert_eq!(Geometry::new(1, 0).output_len(5, 0), Err(GeometryError::EmptyKernel));
    let e = Geometry::new(2, 1).output_len(2, 5).unwrap_err().to_string();
    assert_eq!(e, "a kernel of length 5 is longer than an input of length 2 padded by 1 (4)");
}

#[test]
fn dilate_puts_s_minus_1_zeros_between_entries() {
    let d = Matrix::from_rows(&[[1.0, 2.0], [3.0, 4.0]]);
    let expected =
        Matrix::from_rows(&[[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 4.0]]);
    assert_eq!(conv::dilate(&d, 3), expected);
    assert_eq!(conv::dilate(&d, 1), d);
    // Filled up to 5×4: one more row of zeros at the bottom.
    let to = conv::dilate_to(&d, 3, (5, 4));
    assert_eq!(to.slice(ndarray::s![..4, ..]), expected.0);
    assert!(to.row(4).iter().all(|&v| v == 0.0));
}

#[test]
fn crop_undoes_pad() {
    let mut rng = Rng::new(3);
    let a = matrix(&mut rng, 4, 5);
    assert_eq!(conv::crop(&conv::pad(&a, 2, 1), 2, 1), a);
}

/// The strided output by its definition, z_ij = Σ_uv ã_{S(i−1)+u, S(j−1)+v} w_uv,
/// reading the padded input through an index test instead of `pad`.
fn strided_by_definition(a: &Matrix<f64>, w: &Matrix<f64>, s: usize, p: usize) -> Array2<f64> {
    let (h, wd) = a.shape2();
    let (kh, kw) = w.shape2();
    let (oh, ow) = (count_positions(h, kh, s, p), count_positions(wd, kw, s, p));
    let at = |r: usize, c: usize| {
        let inside = (p..p + h).contains(&r) && (p..p + wd).contains(&c);
        if inside { a[(r - p, c - p)] } else { 0.0 }
    };
    Array2::from_shape_fn((oh, ow), |(i, j)| {
        let mut z = 0.0;
        for u in 0..kh {
            for v in 0..kw {
                z += at(s * i + u, s * j + v) * w[(u, v)];
            }
        }
        z
    })
}

#[test]
fn correlate_strided_matches_its_definition_and_subsamples_the_unit_stride_output() {
    let mut rng = Rng::new(5);
    for &(h, w, kh, kw, s, p) in &CASES_2D {
        let a = matrix(&mut rng, h, w);
        let k = matrix(&mut rng, kh, kw);
        let z = conv::correlate_strided(&a, &k, Geometry::new(s, p));
        let by_def = strided_by_definition(&a, &k, s, p);
        assert!(rel_error(&z.0, &by_def) < 1e-14, "{h}×{w} * {kh}×{kw} stride {s} padding {p}");
        // z keeps every S-th entry of ẑ (`u` here) = correlate_valid(pad(a, P), w).
        let u = conv::correlate_valid(&conv::pad(&a, p, p), &k);
        let kept = u.slice(ndarray::s![..;s, ..;s]);
        assert_eq!(z.0, kept, "z is u subsampled, {h}×{w} * {kh}×{kw} stride {s} padding {p}");
    }
}

#[test]
fn strided_2d_gradients_match_finite_differences() {
    let mut rng = Rng::new(17);
    for &(h, w, kh, kw, s, p) in &CASES_2D {
        let g = Geometry::new(s, p);
        let mut a = rng.uniform_array((h, w), -1.0, 1.0);
        let mut k = rng.uniform_array((kh, kw), -1.0, 1.0);
        let (oh, ow) = g.output_shape((h, w), (kh, kw)).expect("the cases fit");
        let up = matrix(&mut rng, oh, ow);
        let loss = |a: &Array2<f64>, k: &Array2<f64>| {
            dot2(&conv::correlate_strided(&Matrix(a.clone()), &Matrix(k.clone()), g), &up)
        };
        let k0 = k.clone();
        let num_da = numerical_grad(&mut a, LINEAR_STEP, |a| loss(a, &k0));
        let a0 = a.clone();
        let num_dw = numerical_grad(&mut k, LINEAR_STEP, |k| loss(&a0, k));
        let da = conv::input_grad_strided(&up, &Matrix(k.clone()), (h, w), g);
        let dw = conv::kernel_grad_strided(&Matrix(a.clone()), &up, (kh, kw), g);
        let case = format!("{h}×{w} * {kh}×{kw} stride {s} padding {p}");
        let e = rel_error(&da.0, &num_da);
        assert!(e < 1e-7, "∂C/∂a: rel_error {e:e} for {case}");
        let e = rel_error(&dw.0, &num_dw);
        assert!(e < 1e-7, "∂C/∂W: rel_error {e:e} for {case}");
        // The bias is added to every output: ∂L/∂b = Σ δ, whatever the stride.
        let z = conv::correlate_strided(&Matrix(a.clone()), &Matrix(k.clone()), g);
        let mut b = Array1::from_elem(1, 0.3);
        let num_db = numerical_grad(&mut b, LINEAR_STEP, |b| dot2(&z.mapv(|v| v + b[0]), &up));
        let e = rel_error(&Array1::from_elem(1, conv::bias_grad(&up)), &num_db);
        assert!(e < 1e-7, "∂C/∂b: rel_error {e:e} for {case}");
    }
}

/// Whether input position `i` (from 0) along an axis is read by some output:
/// some kernel position o and offset u with o·S + u = i + P.
fn read_along(len: usize, k: usize, s: usize, p: usize) -> Vec<bool> {
    let n = count_positions(len, k, s, p);
    (0..len).map(|i| (0..n).any(|o| (0..k).any(|u| o * s + u == i + p))).collect()
}

#[test]
fn inputs_no_window_reads_get_exactly_zero_gradient() {
    // 7 rows, kernel 3, S = 3, P = 0: outputs read rows 1–3 and 4–6, row 7
    // is left over by the rounding down. 8 rows, kernel 2, S = 3, P = 1:
    // gaps between windows (padded rows 3 and 6, input rows 2 and 5) and a
    // left-over last input row. 6 rows, kernel 3, S = 2: row 6 is left over
    // (the 7 columns are all read).
    let mut rng = Rng::new(23);
    for (h, w, kh, kw, s, p, unread_rows) in
        [(7, 7, 3, 3, 3, 0, vec![6]), (8, 8, 2, 2, 3, 1, vec![1, 4, 7]), (6, 7, 3, 3, 2, 0, vec![5])]
    {
        let g = Geometry::new(s, p);
        let (rows, cols) = (read_along(h, kh, s, p), read_along(w, kw, s, p));
        let unread: Vec<usize> = (0..h).filter(|&i| !rows[i]).collect();
        assert_eq!(unread, unread_rows, "the unread rows of {h}×{w} * {kh}×{kw} stride {s} padding {p}");
        let a = matrix(&mut rng, h, w);
        let k = matrix(&mut rng, kh, kw);
        let (oh, ow) = g.output_shape((h, w), (kh, kw)).expect("the cases fit");
        let up = matrix(&mut rng, oh, ow);
        let da = conv::input_grad_strided(&up, &k, (h, w), g);
        let mut a_num = a.0.clone();
        let num =
            numerical_grad(&mut a_num, LINEAR_STEP, |a| dot2(&conv::correlate_strided(&Matrix(a.clone()), &k, g), &up));
        for i in 0..h {
            for j in 0..w {
                if rows[i] && cols[j] {
                    assert_ne!(da[(i, j)], 0.0, "input ({i}, {j}) is read, its gradient is not 0");
                } else {
                    assert_eq!(da[(i, j)], 0.0, "input ({i}, {j}) is read by no window");
                    assert_eq!(num[[i, j]], 0.0, "changing input ({i}, {j}) changes nothing");
                }
            }
        }
    }
}

#[test]
fn stride_1_equals_the_unstrided_functions_exactly() {
    let mut rng = Rng::new(29);
    for &(h, w, kh, kw) in &[(5, 7, 2, 3), (4, 4, 3, 3), (6, 3, 4, 1)] {
        let a = matrix(&mut rng, h, w);
        let k = matrix(&mut rng, kh, kw);
        let unit = Geometry::default();
        assert_eq!(unit, Geometry::new(1, 0));
        assert_eq!(conv::correlate_strided(&a, &k, unit), conv::correlate_valid(&a, &k));
        let d = matrix(&mut rng, h - kh + 1, w - kw + 1);
        assert_eq!(conv::input_grad_strided(&d, &k, (h, w), unit), conv::input_grad(&d, &k));
        assert_eq!(conv::kernel_grad_strided(&a, &d, (kh, kw), unit), conv::kernel_grad(&a, &d));
        // Padding P with stride 1 is the valid correlation of the padded input.
        let padded = Geometry::new(1, 2);
        let ap = conv::pad(&a, 2, 2);
        assert_eq!(conv::correlate_strided(&a, &k, padded), conv::correlate_valid(&ap, &k));
        let dp = matrix(&mut rng, h + 4 - kh + 1, w + 4 - kw + 1);
        assert_eq!(conv::kernel_grad_strided(&a, &dp, (kh, kw), padded), conv::kernel_grad(&ap, &dp));
        assert_eq!(conv::input_grad_strided(&dp, &k, (h, w), padded), conv::crop(&conv::input_grad(&dp, &k), 2, 2));
    }
    // The NCHW layer: forward and backward with a geometry of stride 1.
    for pad in [0, 2] {
        let x: Array4<f64> = rng.uniform_array((2, 3, 6, 5), -1.0, 1.0);
        let w: Array4<f64> = rng.uniform_array((4, 3, 3, 2), -1.0, 1.0);
        let b: Array1<f64> = rng.uniform_array(4, -1.0, 1.0);
        let g = Geometry::new(1, pad);
        let y = conv::forward(&x, &w, &b, pad);
        assert_eq!(conv::forward_strided(&x, &w, &b, g), y);
        let dy: Array4<f64> = rng.uniform_array(y.raw_dim(), -1.0, 1.0);
        assert_eq!(conv::backward_strided(&x, &w, &dy, g), conv::backward(&x, &w, &dy, pad));
    }
}

/// One batched case: N samples, C input channels, K kernels, H×W input,
/// kh×kw kernels, stride and padding.
fn check_batch(
    seed: u64,
    (n, c, k): (usize, usize, usize),
    (h, w): (usize, usize),
    (kh, kw): (usize, usize),
    g: Geometry,
) {
    let layer = Layer {
        forward: &|x, w, b| conv::forward_strided(x, w, b, g),
        backward: &|x, w, dy| conv::backward_strided(x, w, dy, g),
    };
    let out = (count_positions(h, kh, g.stride, g.padding), count_positions(w, kw, g.stride, g.padding));
    let case = format!("N={n} C={c} K={k} input {h}×{w} kernel {kh}×{kw} stride {} padding {}", g.stride, g.padding);
    check_layer(layer, seed, (n, c, k), (h, w), (kh, kw), out, &case);
}

#[test]
fn batched_strided_backward_matches_finite_differences() {
    check_batch(1, (2, 2, 3), (5, 5), (3, 3), Geometry::new(2, 1));
    check_batch(2, (2, 2, 3), (6, 7), (3, 3), Geometry::new(2, 0));
    check_batch(3, (2, 2, 3), (6, 7), (3, 3), Geometry::new(3, 1));
    check_batch(4, (1, 3, 2), (8, 8), (2, 2), Geometry::new(3, 1));
    check_batch(5, (3, 1, 2), (7, 6), (2, 3), Geometry::new(3, 2));
}

#[test]
#[should_panic(expected = "input_grad_strided: δ 2×2 should be 3×3 for input 5×5, kernel 3×3, stride 2 and padding 1")]
fn input_grad_strided_rejects_a_delta_of_the_wrong_shape() {
    conv::input_grad_strided(&Matrix::<f64>::zeros(2, 2), &Matrix::zeros(3, 3), (5, 5), Geometry::new(2, 1));
}

#[test]
#[should_panic(expected = "correlate_strided: kernel 3×3 does not fit input 5×5 with stride 0 and padding 1")]
fn correlate_strided_rejects_a_zero_stride() {
    conv::correlate_strided(&Matrix::<f64>::zeros(5, 5), &Matrix::zeros(3, 3), Geometry::new(0, 1));
}

#[test]
#[should_panic(expected = "conv::forward_strided: the stride is 0")]
fn forward_strided_rejects_a_zero_stride() {
    conv::forward_strided(
        &Array4::<f64>::zeros((1, 1, 5, 5)),
        &Array4::zeros((1, 1, 3, 3)),
        &Array1::zeros(1),
        Geometry::new(0, 0),
    );
}

#[test]
#[should_panic(expected = "dy 1×1×2×2 should be 1×1×3×3 for x 1×1×5×5 and w 1×1×3×3 with stride 2 and padding 1")]
fn backward_strided_rejects_a_delta_of_the_wrong_shape() {
    let x = Array4::<f64>::zeros((1, 1, 5, 5));
    conv::backward_strided(&x, &Array4::zeros((1, 1, 3, 3)), &Array4::zeros((1, 1, 2, 2)), Geometry::new(2, 1));
}
