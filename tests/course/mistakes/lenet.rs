//! LeNet's mistakes, each written as a student would and diagnosed by its
//! name.

use crate::*;

fn lenet_grads(arch: Arch, params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut model = LeNet::new(arch, 0);
    model.params = params.clone();
    model.trace(x, labels).grads
}

fn lenet_summed(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut g = lenet_grads(Arch::modern(), params, x, labels);
    for (_, mut t) in g.tensors_mut() {
        t *= labels.len() as f64;
    }
    g
}

fn lenet_mean_pooling(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    lenet_grads(Arch { pooling: Pooling::Mean, ..Arch::modern() }, params, x, labels)
}

fn lenet_negated(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut g = lenet_grads(Arch::modern(), params, x, labels);
    for (_, mut t) in g.tensors_mut() {
        t.mapv_inplace(|v| -v);
    }
    g
}

fn lenet_one_wrong_entry(params: &Params<f64>, x: &Array4<f64>, labels: &[usize]) -> Params<f64> {
    let mut g = lenet_grads(Arch::modern(), params, x, labels);
    g.fc1_w[[2, 6]] += 1.0;
    g
}

#[test]
fn diagnoses_lenet_backward_batch_summed() {
    assert_diagnosed(
        "lenet_backward",
        Answers { lenet_backward: lenet_summed, ..reference() },
        "batch summed instead of averaged",
    );
}

#[test]
fn diagnoses_lenet_backward_mean_pooling() {
    assert_diagnosed(
        "lenet_backward",
        Answers { lenet_backward: lenet_mean_pooling, ..reference() },
        "mean pooling instead of max pooling",
    );
}

#[test]
fn diagnoses_lenet_backward_sign_flipped() {
    assert_diagnosed("lenet_backward", Answers { lenet_backward: lenet_negated, ..reference() }, "sign flipped");
}

#[test]
fn lenet_backward_names_the_tensor_and_entry_that_is_wrong() {
    let r = check("lenet_backward", &Answers { lenet_backward: lenet_one_wrong_entry, ..reference() }, 5).unwrap();
    assert_eq!(r.status, Status::Wrong);
    // Counting back from the loss, fc3 and fc2 are right: fc1_w is the first wrong.
    let d = r.diagnosis.clone().expect("the first wrong tensor is named");
    assert!(d.name.starts_with("fc1_w is the first tensor wrong"), "{r}");
    assert!(d.explanation.contains("δ³ (flattened pool2)ᵀ"), "its layer's equation: {r}");
    // Two probes per tensor miss the one wrong entry: the report says so
    // rather than seem to vouch for the answer.
    assert!(r.to_string().contains("none of them the wrong ones"), "{r}");
    assert_eq!(r.worst.unwrap().index, "fc1_w (3, 7)");
}
