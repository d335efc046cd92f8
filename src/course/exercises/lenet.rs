//! The LeNet exercise's case: a whole backward pass, compared tensor by
//! tensor, with central differences probed at a few entries of each.

use super::*;

/// LeNet's ten gradient tensors as an output, named as [`PARAM_NAMES`].
pub(super) fn lenet_backward(rng: &mut Rng) -> Case {
    let n = 2;
    let mut model = LeNet::<f64>::new(Arch::modern(), rng.next_u64());
    // Non-zero biases, so that an answer that forgets one is caught.
    for b in [
        &mut model.params.conv1_b,
        &mut model.params.conv2_b,
        &mut model.params.fc1_b,
        &mut model.params.fc2_b,
        &mut model.params.fc3_b,
    ] {
        b.mapv_inplace(|_| rng.uniform_in(-0.1, 0.1));
    }
    use crate::model::arch::{CLASSES, IMAGE_CHANNELS, IMAGE_SIDE};
    let x = rng.uniform_array((n, IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE), 0.0, 1.0);
    let labels: Vec<usize> = (0..n).map(|_| rng.below(CLASSES)).collect();
    let expected = params_output(&model.trace(&x, &labels).grads);
    let numerical = lenet_probes(&mut model, &x, &labels, &expected);
    let params = model.params.clone();
    let reference = expected.clone();
    let inputs = vec![
        Input::Params(params_output(&params).iter().map(|t| t.wire()).collect()),
        t(&x),
        Input::Labels(labels.clone()),
    ];
    let case = Case::new(
        expected,
        inputs,
        (params, x, labels),
        |s, (params, x, labels)| params_output(&(s.lenet_backward)(params, x, labels)),
        move |(params, x, labels)| catalogue::lenet_backward(params, x, labels, &reference),
    );
    // 61,706 parameters in float64 through a whole pass: the differences'
    // rounding error is larger than a single layer's.
    Case { fd_tolerance: 1e-4, ..case.with_numerical(Some(numerical)) }
}

/// Central differences of the mean loss at the two largest entries of
/// each gradient tensor (61,706 parameters are too many to probe all);
/// every other entry is NaN, not probed.
fn lenet_probes(model: &mut LeNet<f64>, x: &Array4<f64>, labels: &[usize], expected: &Output) -> Output {
    let h = 1e-5;
    let mut out = Vec::new();
    for (k, t) in expected.iter().enumerate() {
        debug_assert_eq!(t.name, PARAM_NAMES[k]);
        let mut order: Vec<usize> = (0..t.value.len()).collect();
        let flat: Vec<f64> = t.value.iter().copied().collect();
        order.sort_by(|&a, &b| flat[b].abs().total_cmp(&flat[a].abs()));
        let mut num = ArrayD::from_elem(t.value.raw_dim(), f64::NAN);
        for &e in order.iter().take(2) {
            let mut loss_at = |delta: f64| {
                let mut tensors = model.params.tensors_mut();
                let entry = tensors[k].1.iter_mut().nth(e).expect("entry within the tensor");
                let original = *entry;
                *entry = original + delta;
                drop(tensors);
                let loss = model.evaluate(x, labels, 1).loss;
                let mut tensors = model.params.tensors_mut();
                *tensors[k].1.iter_mut().nth(e).expect("entry within the tensor") = original;
                loss
            };
            let g = (loss_at(h) - loss_at(-h)) / (2.0 * h);
            let index: Vec<usize> = index_of(e, t.value.shape());
            num[IxDyn(&index)] = g;
        }
        out.push(super::super::compare::Tensor { name: t.name, value: num });
    }
    out
}

/// The multi-index of flat row-major position `e` in `shape`.
fn index_of(mut e: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &d) in shape.iter().enumerate().rev() {
        index[i] = e % d;
        e /= d;
    }
    index
}
