//! The claims of the book's exercises (`chapters/exercises.md`), checked, so
//! that no student is set a derivation whose stated answer is wrong. These
//! are the answers: a teacher may want to read them, a student may not.

use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::model::Params;
use lenet::optim::Sgd;
use lenet::rng::Rng;
use lenet::{Matrix, Sym, conv, errata, fc, loss, pool, worked};
use ndarray::{Array1, Array2, Array4, s};

fn random(rng: &mut Rng, shape: (usize, usize)) -> Array2<f64> {
    Array2::from_shape_fn(shape, |_| rng.uniform_in(-1.0, 1.0))
}

fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
}

/// Exercise 1: with a sigmoid output and binary cross-entropy, δ^L = a^L − y.
#[test]
fn exercise_1_sigmoid_with_cross_entropy_gives_a_minus_y() {
    let mut rng = Rng::new(101);
    let z = random(&mut rng, (5, 1)) * 3.0;
    let y = Array2::from_shape_fn((5, 1), |_| rng.uniform_in(0.0, 1.0));
    let cost = |z: &Array2<f64>| {
        let a = sigmoid(z);
        -(&y * &a.mapv(f64::ln) + &(1.0 - &y) * &a.mapv(|v| (1.0 - v).ln())).sum()
    };
    let num = numerical_grad(&mut z.clone(), 1e-5, cost);
    let err = rel_error(&(sigmoid(&z) - &y), &num);
    assert!(err < 1e-7, "a − y against finite differences: {err:e}");
}

/// Exercise 2: the softmax's Jacobian is p_i(1_{i=j} − p_j), the gradient of
/// C = −ln p_t is p − y, and for a batch the mean loss's gradient is (p − y)/N.
#[test]
fn exercise_2_softmax_cross_entropy_gives_p_minus_y() {
    let mut rng = Rng::new(102);
    let z = random(&mut rng, (5, 1)) * 2.0;
    let p = loss::softmax(&z);
    for i in 0..5 {
        // Row i of the Jacobian: ∂p_i/∂z_j for every j.
        let num = numerical_grad(&mut z.clone(), 1e-5, |z| loss::softmax(z)[[i, 0]]);
        let formula = Array2::from_shape_fn((5, 1), |(j, _)| p[[i, 0]] * (f64::from(u8::from(i == j)) - p[[j, 0]]));
        let err = rel_error(&formula, &num);
        assert!(err < 1e-7, "∂p_{i}/∂z against finite differences: {err:e}");
    }
    // One sample, label 3: the returned gradient is p − y and is ∂C/∂z.
    let (_, grad) = loss::softmax_cross_entropy(&z, &[3]);
    let y = Array2::from_shape_fn((5, 1), |(i, _)| f64::from(u8::from(i == 3)));
    assert!(rel_error(&grad, &(&p - &y)) < 1e-15, "the second value is p − y");
    let num = numerical_grad(&mut z.clone(), 1e-5, |z| loss::softmax_cross_entropy(z, &[3]).0);
    let err = rel_error(&grad, &num);
    assert!(err < 1e-7, "p − y against finite differences: {err:e}");
    // A batch of four: the mean loss's gradient is (p − y)/N.
    let (zb, labels) = (random(&mut rng, (5, 4)) * 2.0, [3, 0, 4, 3]);
    let (_, grad) = loss::softmax_cross_entropy(&zb, &labels);
    let num = numerical_grad(&mut zb.clone(), 1e-5, |z| loss::softmax_cross_entropy(z, &labels).0);
    let err = rel_error(&(grad / 4.0), &num);
    assert!(err < 1e-7, "(p − y)/N against finite differences of the mean loss: {err:e}");
}

/// Exercise 3: with the summed loss δ stays per sample and ∂C/∂W is N times
/// the mean loss's, so the same training needs η / N.
#[test]
fn exercise_3_the_summed_loss_has_n_times_the_weight_gradient() {
    let mut rng = Rng::new(103);
    let (w, a, y) = (random(&mut rng, (3, 4)), random(&mut rng, (4, 4)), random(&mut rng, (3, 4)));
    let b = Array2::zeros((3, 1));
    let per_sample = |w: &Array2<f64>| {
        let z = fc::forward(w, &a, &b).0;
        (&z - &y).mapv(|v| 0.5 * v * v).sum_axis(ndarray::Axis(0))
    };
    let n = a.ncols() as f64;
    let num_sum = numerical_grad(&mut w.clone(), 1e-3, |w| per_sample(w).sum());
    let num_mean = numerical_grad(&mut w.clone(), 1e-3, |w| per_sample(w).sum() / n);
    // Linear output, squared error: δ = z − y per sample, the same for both costs.
    let delta = fc::forward(&w, &a, &b).0 - &y;
    let grad = fc::weight_grad(&delta, &a).0; // the crate's: the batch mean
    assert!(rel_error(&grad, &num_mean) < 1e-7, "the crate's gradient is the mean loss's");
    assert!(rel_error(&(grad * n), &num_sum) < 1e-7, "the summed loss's is N times larger");
}

/// Exercise 4: a₂₂ took part in all four outputs, meeting w_{3−p, 3−q} in
/// z_pq, so ∂C/∂a₂₂ has four terms; the corner a₁₁ only in z₁₁, with w₁₁.
#[test]
fn exercise_4_the_centre_collects_four_terms_and_the_corner_one() {
    let (d, w) = (|i, j| Sym::var("δ", i, j), |i, j| Sym::var("w", i, j));
    let input_grad = worked::symbols().input_grad();
    let centre = d(1, 1) * w(2, 2) + d(1, 2) * w(2, 1) + d(2, 1) * w(1, 2) + d(2, 2) * w(1, 1);
    assert_eq!(input_grad[(1, 1)], centre);
    assert_eq!(input_grad[(0, 0)], d(1, 1) * w(1, 1));
    let terms = input_grad.map(|f| f.terms().count());
    assert_eq!(terms.0, Array2::from(vec![[1, 2, 1], [2, 4, 2], [1, 2, 1]]));

    // On the numbers, by finite differences: in output z_pq the input a_ij
    // meets w_{i−p+1, j−q+1} (indices from 1; no term where that is outside w).
    let ex = worked::numbers();
    let (a, wn, dn) = (ex.a.map(|&v| v as f64), ex.w.map(|&v| v as f64), ex.delta.map(|&v| v as f64));
    for (p, q) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
        let num =
            numerical_grad(&mut a.0.clone(), 0.5, |a| conv::correlate_valid(&Matrix(a.clone()), &wn)[(p - 1, q - 1)]);
        let met = Array2::from_shape_fn((3, 3), |(i0, j0)| {
            let (r, c) = ((i0 + 1) as i64 - p as i64 + 1, (j0 + 1) as i64 - q as i64 + 1);
            if (1..=2).contains(&r) && (1..=2).contains(&c) { wn[((r - 1) as usize, (c - 1) as usize)] } else { 0.0 }
        });
        let err = rel_error(&met, &num);
        assert!(err < 1e-7, "∂z_{p}{q}/∂a: {err:e}");
        assert_eq!(met[(1, 1)], wn[(2 - p, 2 - q)], "a₂₂ meets w_(3−p)(3−q) in z_{p}{q}");
    }
    // The whole ∂C/∂a of C = Σ δ ⊙ z, and the centre by the hand formula.
    let num =
        numerical_grad(&mut a.0.clone(), 0.5, |a| (conv::correlate_valid(&Matrix(a.clone()), &wn).0 * &dn.0).sum());
    let err = rel_error(&conv::input_grad(&dn, &wn).0, &num);
    assert!(err < 1e-7, "∂C/∂a against finite differences: {err:e}");
    let by_hand = Array2::from_elem((1, 1), centre.eval(worked::value));
    let err = rel_error(&by_hand, &num.slice(s![1..2, 1..2]));
    assert!(err < 1e-7, "∂C/∂a₂₂ by the hand formula: {err:e}");
}

/// Exercise 5: with padding 2 the input gradient is the full convolution of δ
/// with the kernel with a border of width 2 cut off; the border is the
/// gradient with respect to the padding zeros, which are constants, not inputs.
#[test]
fn exercise_5_padding_two_cuts_the_border_off_the_full_convolution() {
    let mut rng = Rng::new(105);
    let (h, w_, p) = (7, 6, 2);
    let x: Array4<f64> = rng.uniform_array((1, 2, h, w_), -1.0, 1.0);
    let w: Array4<f64> = rng.uniform_array((3, 2, 5, 5), -1.0, 1.0);
    let b = Array1::zeros(3);
    let g: Array4<f64> = rng.uniform_array((1, 3, h, w_), -1.0, 1.0);
    // Linear in x: a large step has no truncation error.
    let num = numerical_grad(&mut x.clone(), 0.5, |x| (conv::forward(x, &w, &b, p) * &g).sum());
    let (dx, _, _) = conv::backward(&x, &w, &g, p);
    let err = rel_error(&dx, &num);
    assert!(err < 1e-7, "dx of conv::backward with padding 2: {err:e}");
    // The padded image as the variable: its gradient is the whole full convolution.
    let mut padded = Array4::zeros((1, 2, h + 2 * p, w_ + 2 * p));
    padded.slice_mut(s![.., .., p..p + h, p..p + w_]).assign(&x);
    let num_padded = numerical_grad(&mut padded, 0.5, |xp| (conv::forward(xp, &w, &b, 0) * &g).sum());
    for c in 0..2 {
        let full = (0..3).fold(Array2::zeros((h + 2 * p, w_ + 2 * p)), |sum, k| {
            let gk = Matrix::from_view(g.slice(s![0, k, .., ..]));
            sum + &conv::full_convolve(&gk, &Matrix::from_view(w.slice(s![k, c, .., ..]))).0
        });
        let err = rel_error(&full, &num_padded.slice(s![0, c, .., ..]));
        assert!(err < 1e-7, "channel {c}: the full convolution is the padded image's gradient: {err:e}");
        let err = rel_error(&full.slice(s![p..p + h, p..p + w_]), &dx.slice(s![0, c, .., ..]));
        assert!(err < 1e-7, "channel {c}: dx is the full convolution cut by 2: {err:e}");
        assert!(full.slice(s![0..p, ..]).iter().any(|v| v.abs() > 0.1), "the cut-off border is not zero");
    }
}

/// A stride-`s` valid correlation, written as a loop.
fn correlate_strided(a: &Array2<f64>, w: &Array2<f64>, s: usize) -> Array2<f64> {
    let (kh, kw) = w.dim();
    let (oh, ow) = ((a.nrows() - kh) / s + 1, (a.ncols() - kw) / s + 1);
    Array2::from_shape_fn((oh, ow), |(i, j)| (&a.slice(s![s * i..s * i + kh, s * j..s * j + kw]) * w).sum())
}

/// δ with `s − 1` zeros between its entries, then zeros at the bottom and
/// right up to `size` (the stride-1 output size).
fn dilate(delta: &Array2<f64>, s: usize, size: (usize, usize)) -> Array2<f64> {
    let mut d = Array2::zeros(size);
    for ((i, j), &v) in delta.indexed_iter() {
        d[(s * i, s * j)] = v;
    }
    d
}

/// Exercise 6: the gradients of a stride-2 layer are those of stride 1 with
/// δ dilated, and padded to the stride-1 output size where the stride does
/// not divide the input evenly (6×7: the last row is reached by no window).
#[test]
fn exercise_6_stride_two_gradients_come_from_the_dilated_delta() {
    let mut rng = Rng::new(106);
    for (h, wd) in [(5, 5), (6, 7)] {
        let (a, w) = (random(&mut rng, (h, wd)), random(&mut rng, (3, 3)));
        let delta = random(&mut rng, ((h - 3) / 2 + 1, (wd - 3) / 2 + 1));
        let cost = |a: &Array2<f64>, w: &Array2<f64>| (correlate_strided(a, w, 2) * &delta).sum();
        let num_da = numerical_grad(&mut a.clone(), 0.5, |a| cost(a, &w));
        let num_dw = numerical_grad(&mut w.clone(), 0.5, |w| cost(&a, w));
        let d = Matrix(dilate(&delta, 2, (h - 2, wd - 2)));
        let da = conv::full_convolve(&d, &Matrix(w.clone())).0;
        let dw = conv::kernel_grad(&Matrix(a.clone()), &d).0;
        let (e_da, e_dw) = (rel_error(&da, &num_da), rel_error(&dw, &num_dw));
        assert!(e_da < 1e-7, "{h}×{wd}: ∂C/∂a = full_convolve(dilated δ, w): {e_da:e}");
        assert!(e_dw < 1e-7, "{h}×{wd}: ∂C/∂w = correlate_valid(a, dilated δ): {e_dw:e}");
    }
}

/// Exercise 7: for a true-convolution forward pass the input gradient is the
/// padded δ correlated with the kernel as it is, and the kernel gradient is
/// rot180 of the valid correlation of a with δ.
#[test]
fn exercise_7_true_convolution_gradients() {
    let mut rng = Rng::new(107);
    let (a, w) = (Matrix(random(&mut rng, (5, 5))), Matrix(random(&mut rng, (3, 3))));
    let delta = Matrix(random(&mut rng, (3, 3)));
    let cost = |a: &Matrix<f64>, w: &Matrix<f64>| (errata::convolve2d_valid(a, w).0 * &delta.0).sum();
    let num_da = numerical_grad(&mut a.0.clone(), 0.5, |x| cost(&Matrix(x.clone()), &w));
    let num_dw = numerical_grad(&mut w.0.clone(), 0.5, |x| cost(&a, &Matrix(x.clone())));
    let da = conv::correlate_valid(&conv::pad(&delta, 2, 2), &w).0;
    let dw = conv::rot180(&conv::correlate_valid(&a, &delta)).0;
    assert!(rel_error(&da, &num_da) < 1e-7, "∂C/∂a = correlate_valid(pad(δ), w)");
    assert!(rel_error(&dw, &num_dw) < 1e-7, "∂C/∂w = rot180(correlate_valid(a, δ))");
}

/// Exercise 8: a 4×4 input pooled by 3×3 windows with stride 1; an entry that
/// is the maximum of all four windows receives the sum of the four gradients
/// ∂C/∂a_ij of the outputs, and the assigning backward pass gives it only one
/// of them.
#[test]
fn exercise_8_the_maximum_of_four_windows_collects_four_gradients() {
    let mut x = Array4::from_shape_fn((1, 1, 4, 4), |(_, _, i, j)| (i * 4 + j) as f64 * 0.01);
    x[(0, 0, 1, 2)] = 5.0; // x₂₃: inside all four windows, and the largest
    let dy = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    let (_, argmax) = pool::max_forward(&x, 3, 1);
    let added = pool::max_backward(&dy, &argmax);
    let assigned = errata::max_backward_assigning(&dy, &argmax);
    assert_eq!(added[(0, 0, 1, 2)], 10.0);
    assert!([1.0, 2.0, 3.0, 4.0].contains(&assigned[(0, 0, 1, 2)]), "one gradient only: {}", assigned[(0, 0, 1, 2)]);
    let num = numerical_grad(&mut x.clone(), 1e-6, |v| (pool::max_forward(v, 3, 1).0 * &dy).sum());
    assert!(rel_error(&added, &num) < 1e-7);
}

/// Exercise 9: under a constant gradient the momentum step tends to
/// η g / (1 − μ); under a gradient that alternates in sign it stays below η g.
#[test]
fn exercise_9_momentum_multiplies_a_steady_step_by_one_over_one_minus_mu() {
    let (lr, mu, g) = (0.01, 0.9, 1.0);
    let run = |sign: &dyn Fn(usize) -> f64| {
        let mut w = Params::<f64>::lenet_zeros();
        let mut sgd = Sgd::new(&w, lr, mu, 0.0);
        let mut last = 0.0;
        for t in 0..200 {
            let mut grads = w.zeros_like();
            for (_, mut tensor) in grads.tensors_mut() {
                tensor.fill(sign(t) * g);
            }
            let before = w.fc3_b[0];
            sgd.step(&mut w, &grads);
            last = before - w.fc3_b[0];
        }
        last
    };
    let steady = run(&|_| 1.0);
    assert!((steady - lr * g / (1.0 - mu)).abs() < 1e-9, "steady step {steady}");
    let alternating = run(&|t| if t % 2 == 0 { 1.0 } else { -1.0 });
    assert!(alternating.abs() < lr * g, "alternating step {alternating} is damped");
    assert!((alternating.abs() - lr * g / (1.0 + mu)).abs() < 1e-9, "it tends to η g / (1 + μ)");
}

/// C(W) = Σ G ⊙ tanh(W a) with its relative central-difference error at step
/// h: in f32 (the difference written out in f32) and in f64.
struct Layer {
    w: Array2<f64>,
    a: Array2<f64>,
    g: Array2<f64>,
}

impl Layer {
    fn new(seed: u64) -> Layer {
        let mut rng = Rng::new(seed);
        Layer { w: random(&mut rng, (3, 4)), a: random(&mut rng, (4, 2)), g: random(&mut rng, (3, 2)) }
    }

    fn analytic(&self) -> Array2<f64> {
        let t = self.w.dot(&self.a).mapv(f64::tanh);
        (&self.g * &t.mapv(|v| 1.0 - v * v)).dot(&self.a.t())
    }

    fn error_f64(&self, h: f64) -> f64 {
        let num = numerical_grad(&mut self.w.clone(), h, |w| (&self.g * &w.dot(&self.a).mapv(f64::tanh)).sum());
        rel_error(&self.analytic(), &num)
    }

    fn error_f32(&self, h: f32) -> f64 {
        let (a, g) = (self.a.mapv(|v| v as f32), self.g.mapv(|v| v as f32));
        let cost = |w: &Array2<f32>| (&g * &w.dot(&a).mapv(f32::tanh)).sum();
        let mut w = self.w.mapv(|v| v as f32);
        let mut num = Array2::<f64>::zeros(w.dim());
        for idx in ndarray::indices(w.dim()) {
            let orig = w[idx];
            w[idx] = orig + h;
            let plus = cost(&w);
            w[idx] = orig - h;
            let minus = cost(&w);
            w[idx] = orig;
            num[idx] = f64::from((plus - minus) / (2.0 * h));
        }
        rel_error(&self.analytic(), &num)
    }
}

/// Exercise 10: the best step is about ε^(1/3) and the best relative error
/// about ε^(2/3): in f32 that is above 1e-7 whatever h, in f64 far below.
#[test]
fn exercise_10_only_f64_central_differences_reach_1e_minus_7() {
    let layer = Layer::new(110);
    let steps: Vec<f64> = (2..=20).map(|k| 10f64.powf(-(k as f64) / 2.0)).collect();
    let best = |errors: &[f64]| {
        let i = (0..errors.len()).fold(0, |b, i| if errors[i] < errors[b] { i } else { b });
        (steps[i], errors[i])
    };
    let e32: Vec<f64> = steps.iter().map(|&h| layer.error_f32(h as f32)).collect();
    let e64: Vec<f64> = steps.iter().map(|&h| layer.error_f64(h)).collect();
    for (k, h) in steps.iter().enumerate().step_by(2) {
        println!("exercise 10: h = {h:.0e}: f32 rel_error {:.1e}, f64 {:.1e}", e32[k], e64[k]);
    }
    let ((h32, best32), (h64, best64)) = (best(&e32), best(&e64));
    let (eps32, eps64) = (f64::from(f32::EPSILON), f64::EPSILON);
    println!(
        "exercise 10: best f32 h = {h32:.0e} (ε^(1/3) = {:.1e}), error {best32:.1e}; best f64 h = {h64:.0e} (ε^(1/3) = {:.1e}), error {best64:.1e}",
        eps32.cbrt(),
        eps64.cbrt()
    );
    // The threshold: only f64 meets it, at any step near its best.
    assert!(best32 > 1e-7, "f32 at its best step: {best32:e}");
    assert!(best64 < 1e-7, "f64 at its best step: {best64:e}");
    // The best step is ε^(1/3) and the best error ε^(2/3), each up to a small factor.
    for (h, e, eps) in [(h32, best32, eps32), (h64, best64, eps64)] {
        assert!((h / eps.cbrt()).log10().abs() <= 0.5, "best step {h:e} vs ε^(1/3) = {:e}", eps.cbrt());
        assert!(
            (e / eps.powf(2.0 / 3.0)).log10().abs() <= 1.0,
            "best error {e:e} vs ε^(2/3) = {:e}",
            eps.powf(2.0 / 3.0)
        );
    }
    // Above the best step the error falls as h² (f64, h = 0.1 → 0.01: a factor
    // of about 100); below it, it grows as 1/h (f32, h = 1e-3 → 1e-5: about 100).
    let at = |e: &[f64], h: f64| e[steps.iter().position(|&s| (s / h - 1.0).abs() < 1e-9).unwrap()];
    let truncation = at(&e64, 1e-1) / at(&e64, 1e-2);
    let rounding = at(&e32, 1e-5) / at(&e32, 1e-3);
    println!(
        "exercise 10: truncation falls by {truncation:.0} from h = 0.1 to 0.01 (f64); rounding grows by {rounding:.0} from h = 1e-3 to 1e-5 (f32)"
    );
    assert!((30.0..300.0).contains(&truncation), "truncation ratio {truncation}");
    assert!((30.0..300.0).contains(&rounding), "rounding ratio {rounding}");
}
