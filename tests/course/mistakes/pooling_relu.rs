//! Pooling's and ReLU's mistakes, each written as a student would and
//! diagnosed by its name.

use crate::*;

fn mean_pool_undivided(
    dy: &Array4<f64>,
    shape: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
) -> Array4<f64> {
    pool::mean_backward(dy, shape, size, stride) * (size * size) as f64
}

fn mean_pool_assigning(
    dy: &Array4<f64>,
    shape: (usize, usize, usize, usize),
    size: usize,
    stride: usize,
) -> Array4<f64> {
    let mut dx = Array4::zeros(shape);
    for ((n, c, i, j), &g) in dy.indexed_iter() {
        let (r, q) = (i * stride, j * stride);
        dx.slice_mut(s![n, c, r..r + size, q..q + size]).fill(g / (size * size) as f64);
    }
    dx
}

fn mean_pool_negated(dy: &Array4<f64>, shape: (usize, usize, usize, usize), size: usize, stride: usize) -> Array4<f64> {
    -pool::mean_backward(dy, shape, size, stride)
}

#[test]
fn diagnoses_mean_pool_backward_not_divided_by_the_window_area() {
    assert_diagnosed(
        "mean_pool_backward",
        Answers { mean_pool_backward: mean_pool_undivided, ..reference() },
        "not divided by the window area",
    );
}

#[test]
fn diagnoses_mean_pool_backward_assignment_where_windows_overlap() {
    let r = assert_diagnosed(
        "mean_pool_backward",
        Answers { mean_pool_backward: mean_pool_assigning, ..reference() },
        "assignment instead of accumulation",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(15));
}

#[test]
fn diagnoses_mean_pool_backward_sign_flipped() {
    assert_diagnosed(
        "mean_pool_backward",
        Answers { mean_pool_backward: mean_pool_negated, ..reference() },
        "sign flipped",
    );
}

fn max_pool_negated(dy: &Array4<f64>, argmax: &Argmax) -> Array4<f64> {
    -pool::max_backward(dy, argmax)
}

#[test]
fn diagnoses_max_pool_backward_assignment_where_windows_overlap() {
    let r = assert_diagnosed(
        "max_pool_backward",
        Answers { max_pool_backward: errata::max_backward_assigning, ..reference() },
        "assignment instead of accumulation",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(15));
}

#[test]
fn diagnoses_max_pool_backward_sign_flipped() {
    assert_diagnosed(
        "max_pool_backward",
        Answers { max_pool_backward: max_pool_negated, ..reference() },
        "sign flipped",
    );
}

fn relu_ungated(da: &Array4<f64>, _z: &Array4<f64>) -> Array4<f64> {
    da.clone()
}

fn relu_of_the_gradient(da: &Array4<f64>, _z: &Array4<f64>) -> Array4<f64> {
    da.mapv(|g| g.max(0.0))
}

fn relu_negated(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    -Activation::Relu.backward(da, z)
}

#[test]
fn diagnoses_relu_backward_sigma_prime_missing() {
    assert_diagnosed("relu_backward", Answers { relu_backward: relu_ungated, ..reference() }, "σ′ missing");
}

#[test]
fn diagnoses_relu_backward_relu_applied_to_the_gradient() {
    assert_diagnosed(
        "relu_backward",
        Answers { relu_backward: relu_of_the_gradient, ..reference() },
        "ReLU applied to the gradient",
    );
}

#[test]
fn diagnoses_relu_backward_sign_flipped() {
    assert_diagnosed("relu_backward", Answers { relu_backward: relu_negated, ..reference() }, "sign flipped");
}
