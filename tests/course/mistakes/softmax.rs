//! The softmax cross-entropy's mistakes, each written as a student would
//! and diagnosed by its name.

use crate::*;

fn one_hot(labels: &[usize]) -> Array2<f64> {
    let mut y = Array2::zeros((10, labels.len()));
    for (n, &l) in labels.iter().enumerate() {
        y[[l, n]] = 1.0;
    }
    y
}

fn softmax_y_minus_p(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    one_hot(labels) - loss::softmax(z)
}

fn softmax_as_the_notes(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    (one_hot(labels) - loss::softmax(z)) / labels.len() as f64
}

fn softmax_averaged(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    (loss::softmax(z) - one_hot(labels)) / labels.len() as f64
}

fn softmax_of_relu(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    loss::softmax(&z.mapv(|v| v.max(0.0))) - one_hot(labels)
}

fn softmax_of_relu_gated(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    let d = softmax_of_relu(z, labels);
    Activation::Relu.backward(&d, z)
}

#[test]
fn diagnoses_softmax_cross_entropy_grad_sign_flipped() {
    assert_diagnosed(
        "softmax_cross_entropy_grad",
        Answers { softmax_cross_entropy_grad: softmax_y_minus_p, ..reference() },
        "sign flipped",
    );
}

#[test]
fn diagnoses_softmax_cross_entropy_grad_as_the_notes_write_it() {
    let r = assert_diagnosed(
        "softmax_cross_entropy_grad",
        Answers { softmax_cross_entropy_grad: softmax_as_the_notes, ..reference() },
        "the notes' δ, (y − p)/N",
    );
    assert_eq!(r.diagnosis.unwrap().erratum, Some(11));
}

#[test]
fn diagnoses_softmax_cross_entropy_grad_divided_by_n() {
    assert_diagnosed(
        "softmax_cross_entropy_grad",
        Answers { softmax_cross_entropy_grad: softmax_averaged, ..reference() },
        "δ divided by N",
    );
}

#[test]
fn diagnoses_softmax_cross_entropy_grad_with_relu_on_the_logits_gated_or_not() {
    for wrong in [softmax_of_relu as fn(&Array2<f64>, &[usize]) -> Array2<f64>, softmax_of_relu_gated] {
        let r = assert_diagnosed(
            "softmax_cross_entropy_grad",
            Answers { softmax_cross_entropy_grad: wrong, ..reference() },
            "ReLU on the logits",
        );
        assert_eq!(r.diagnosis.unwrap().erratum, Some(16));
    }
}
