//! The claims of the book's exercises (`chapters/exercises.md`), checked, so
//! that no student is set a derivation whose stated answer is wrong. These
//! are the answers: a teacher may want to read them, a student may not.

use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::model::Params;
use lenet::optim::Sgd;
use lenet::rng::Rng;
use lenet::{Matrix, conv, errata, fc, pool};
use ndarray::{Array2, Array4, s};

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

/// A stride-`s` valid correlation, written as a loop.
fn correlate_strided(a: &Array2<f64>, w: &Array2<f64>, s: usize) -> Array2<f64> {
    let (kh, kw) = w.dim();
    let (oh, ow) = ((a.nrows() - kh) / s + 1, (a.ncols() - kw) / s + 1);
    Array2::from_shape_fn((oh, ow), |(i, j)| (&a.slice(s![s * i..s * i + kh, s * j..s * j + kw]) * w).sum())
}

/// δ with `s − 1` zeros between its entries.
fn dilate(delta: &Array2<f64>, s: usize) -> Array2<f64> {
    let (h, w) = delta.dim();
    let mut d = Array2::zeros((s * (h - 1) + 1, s * (w - 1) + 1));
    for ((i, j), &v) in delta.indexed_iter() {
        d[(s * i, s * j)] = v;
    }
    d
}

/// Exercise 6: the gradients of a stride-2 layer are those of stride 1 with
/// δ dilated.
#[test]
fn exercise_6_stride_two_gradients_come_from_the_dilated_delta() {
    let mut rng = Rng::new(106);
    let (a, w) = (random(&mut rng, (5, 5)), random(&mut rng, (3, 3)));
    let delta = random(&mut rng, (2, 2));
    let cost = |a: &Array2<f64>, w: &Array2<f64>| (correlate_strided(a, w, 2) * &delta).sum();
    let num_da = numerical_grad(&mut a.clone(), 0.5, |a| cost(a, &w));
    let num_dw = numerical_grad(&mut w.clone(), 0.5, |w| cost(&a, w));
    let d = Matrix(dilate(&delta, 2));
    let da = conv::full_convolve(&d, &Matrix(w.clone())).0;
    let dw = conv::kernel_grad(&Matrix(a.clone()), &d).0;
    assert!(rel_error(&da, &num_da) < 1e-7, "∂C/∂a = full_convolve(dilated δ, w)");
    assert!(rel_error(&dw, &num_dw) < 1e-7, "∂C/∂w = correlate_valid(a, dilated δ)");
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
/// is the maximum of all four windows receives the sum of the four δs, and
/// the assigning backward pass gives it only one of them.
#[test]
fn exercise_8_the_maximum_of_four_windows_collects_four_deltas() {
    let mut x = Array4::from_shape_fn((1, 1, 4, 4), |(_, _, i, j)| (i * 4 + j) as f64 * 0.01);
    x[(0, 0, 1, 2)] = 5.0; // inside all four windows, and the largest
    let dy = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    let (_, argmax) = pool::max_forward(&x, 3, 1);
    let added = pool::max_backward(&dy, &argmax);
    let assigned = errata::max_backward_assigning(&dy, &argmax);
    assert_eq!(added[(0, 0, 1, 2)], 10.0);
    assert!([1.0, 2.0, 3.0, 4.0].contains(&assigned[(0, 0, 1, 2)]), "one δ only: {}", assigned[(0, 0, 1, 2)]);
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
