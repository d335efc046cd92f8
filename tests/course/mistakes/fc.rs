//! The fully connected layer's mistakes, each written as a student would
//! and diagnosed by its name.

use crate::*;

fn fc_forward_without_bias(w: &Array2<f64>, a: &Array2<f64>, _b: &Array2<f64>) -> Array2<f64> {
    w.dot(a)
}

#[test]
fn diagnoses_fc_forward_bias_missing() {
    let r =
        assert_diagnosed("fc_forward", Answers { fc_forward: fc_forward_without_bias, ..reference() }, "bias missing");
    assert_eq!(r.diagnosis.unwrap().erratum, Some(16));
}

fn delta_without_sigma_prime(w: &Array2<f64>, d: &Array2<f64>, _z: &Array2<f64>, _f: Activation) -> Array2<f64> {
    w.t().dot(d)
}

fn delta_with_sigma(w: &Array2<f64>, d: &Array2<f64>, z: &Array2<f64>, f: Activation) -> Array2<f64> {
    w.t().dot(d) * f.apply(z)
}

fn delta_without_transpose(w: &Array2<f64>, d: &Array2<f64>, z: &Array2<f64>, f: Activation) -> Array2<f64> {
    w.dot(d) * f.derivative(z)
}

fn delta_gated_before_the_transpose(w: &Array2<f64>, d: &Array2<f64>, z: &Array2<f64>, f: Activation) -> Array2<f64> {
    w.t().dot(&(d * &f.derivative(z)))
}

fn delta_negated(w: &Array2<f64>, d: &Array2<f64>, z: &Array2<f64>, f: Activation) -> Array2<f64> {
    -fc::backprop_delta(w, d, z, f).0
}

#[test]
fn diagnoses_fc_backprop_delta_sigma_prime_missing() {
    assert_diagnosed(
        "fc_backprop_delta",
        Answers { fc_backprop_delta: delta_without_sigma_prime, ..reference() },
        "σ′ missing",
    );
}

#[test]
fn diagnoses_fc_backprop_delta_sigma_instead_of_sigma_prime() {
    assert_diagnosed(
        "fc_backprop_delta",
        Answers { fc_backprop_delta: delta_with_sigma, ..reference() },
        "σ instead of σ′",
    );
}

#[test]
fn diagnoses_fc_backprop_delta_transpose_missing() {
    // The first case has a square W, where W δ has a shape.
    assert_diagnosed(
        "fc_backprop_delta",
        Answers { fc_backprop_delta: delta_without_transpose, ..reference() },
        "transpose missing",
    );
}

#[test]
fn diagnoses_fc_backprop_delta_sigma_prime_on_the_wrong_layer() {
    let r = assert_diagnosed(
        "fc_backprop_delta",
        Answers { fc_backprop_delta: delta_gated_before_the_transpose, ..reference() },
        "σ′ on the wrong layer",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(1));
}

#[test]
fn diagnoses_fc_backprop_delta_sign_flipped() {
    assert_diagnosed("fc_backprop_delta", Answers { fc_backprop_delta: delta_negated, ..reference() }, "sign flipped");
}

fn weight_grad_summed(d: &Array2<f64>, a: &Array2<f64>) -> Array2<f64> {
    d.dot(&a.t())
}

fn weight_grad_transposed(d: &Array2<f64>, a: &Array2<f64>) -> Array2<f64> {
    a.dot(&d.t()) / d.ncols() as f64
}

fn weight_grad_negated(d: &Array2<f64>, a: &Array2<f64>) -> Array2<f64> {
    -fc::weight_grad(d, a).0
}

#[test]
fn diagnoses_fc_weight_grad_batch_summed() {
    assert_diagnosed(
        "fc_weight_grad",
        Answers { fc_weight_grad: weight_grad_summed, ..reference() },
        "batch summed instead of averaged",
    );
}

#[test]
fn diagnoses_fc_weight_grad_transpose_missing_by_its_shape() {
    let r = assert_diagnosed(
        "fc_weight_grad",
        Answers { fc_weight_grad: weight_grad_transposed, ..reference() },
        "transpose missing",
    );
    assert!(matches!(r.status, Status::WrongShape { .. }), "{r}");
}

#[test]
fn diagnoses_fc_weight_grad_sign_flipped() {
    assert_diagnosed("fc_weight_grad", Answers { fc_weight_grad: weight_grad_negated, ..reference() }, "sign flipped");
}

fn bias_grad_summed(d: &Array2<f64>) -> Array2<f64> {
    d.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1))
}

fn bias_grad_negated(d: &Array2<f64>) -> Array2<f64> {
    -fc::bias_grad(d).0
}

#[test]
fn diagnoses_fc_bias_grad_batch_summed() {
    assert_diagnosed(
        "fc_bias_grad",
        Answers { fc_bias_grad: bias_grad_summed, ..reference() },
        "batch summed instead of averaged",
    );
}

#[test]
fn diagnoses_fc_bias_grad_sign_flipped() {
    assert_diagnosed("fc_bias_grad", Answers { fc_bias_grad: bias_grad_negated, ..reference() }, "sign flipped");
}
