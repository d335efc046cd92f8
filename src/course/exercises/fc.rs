//! The fully connected exercises' cases: sizes with out ≠ in ≠ N, every
//! activation, and a square W where a missing transpose keeps the shape.

use super::*;

/// Makes the first row positive and the last negative, so that in every
/// column (sample) ReLU's gate is open for one unit and shut for another:
/// then σ′ applied before the transpose cannot agree with σ′ after it by
/// chance.
fn gate_mixed_in_every_column(mut z: Array2<f64>) -> Array2<f64> {
    let last = z.nrows() - 1;
    z.row_mut(0).mapv_inplace(f64::abs);
    z.row_mut(last).mapv_inplace(|v| -v.abs());
    z
}

pub(super) fn fc_forward(rng: &mut Rng) -> Case {
    let [out, inputs, n] = distinct_sizes(rng, 3, 2, 6)[..] else { unreachable!("three sizes") };
    let w = uniform(rng, (out, inputs));
    let a = uniform(rng, (inputs, n));
    let b = uniform(rng, (out, 1));
    let expected = one(crate::fc::forward(&w, &a, &b).0);
    Case::new(
        expected,
        vec![t(&w), t(&a), t(&b)],
        (w, a, b),
        |s, (w, a, b)| one((s.fc_forward)(w, a, b)),
        |(w, a, _)| catalogue::fc_forward(w, a),
    )
}

/// A δ-recursion case for σ = `act`. With `square`, W is square (where a
/// missing transpose or σ′ on the wrong layer keeps the shape) and, for
/// ReLU, z has a row of exact zeros: ReLU′(0) = 0, as the stub states.
pub(super) fn fc_backprop_delta(rng: &mut Rng, act: Activation, square: bool) -> Case {
    let [out, inputs, n] = distinct_sizes(rng, 3, 3, 6)[..] else { unreachable!("three sizes") };
    let out = if square { inputs } else { out };
    let w = uniform(rng, (out, inputs));
    let delta = uniform(rng, (out, n));
    let mut z = gate_mixed_in_every_column(away_from_zero(rng, (inputs, n)) * 2.0);
    if square && act == Activation::Relu {
        z.row_mut(1).fill(0.0);
    }
    let expected = one(crate::fc::backprop_delta(&w, &delta, &z, act).0);
    // z^(l+1) = W σ(z^l) + b, and δ^(l+1) its upstream gradient.
    let numerical = fd(&z, SMOOTH_STEP, |z| dot(&delta, &w.dot(&act.apply(z))));
    Case::new(
        expected,
        vec![t(&w), t(&delta), t(&z), Input::Activation(act.name().to_string())],
        (w, delta, z),
        move |s, (w, delta, z)| one((s.fc_backprop_delta)(w, delta, z, act)),
        move |(w, delta, z)| catalogue::fc_backprop_delta(w, delta, z, act),
    )
    .with_numerical(Some(one(numerical)))
    .with_note((square && act == Activation::Relu).then_some("z exactly 0 in row 2, where ReLU′(0) = 0"))
}

pub(super) fn fc_weight_grad(rng: &mut Rng) -> Case {
    let [out, inputs, n] = distinct_sizes(rng, 3, 2, 6)[..] else { unreachable!("three sizes") };
    let delta = uniform(rng, (out, n));
    let a = uniform(rng, (inputs, n));
    let expected = one(crate::fc::weight_grad(&delta, &a).0);
    let w = uniform(rng, (out, inputs));
    // C = (1/N) Σ_n δ_n · (W a_n): the mean loss, linear in W.
    let numerical = fd(&w, LINEAR_STEP, |w| dot(&delta, &w.dot(&a)) / n as f64);
    Case::new(
        expected,
        vec![t(&delta), t(&a)],
        (delta, a),
        |s, (delta, a)| one((s.fc_weight_grad)(delta, a)),
        |(delta, a)| catalogue::fc_weight_grad(delta, a),
    )
    .with_numerical(Some(one(numerical)))
}

pub(super) fn fc_bias_grad(rng: &mut Rng) -> Case {
    let [out, n] = distinct_sizes(rng, 2, 2, 6)[..] else { unreachable!("two sizes") };
    let delta = uniform(rng, (out, n));
    let expected = one(crate::fc::bias_grad(&delta).0);
    let b = uniform(rng, (out, 1));
    // C = (1/N) Σ_n δ_n · b, b added to every sample.
    let numerical = fd(&b, LINEAR_STEP, |b| (&delta * b).sum() / n as f64);
    Case::new(expected, vec![t(&delta)], delta, |s, delta| one((s.fc_bias_grad)(delta)), catalogue::fc_bias_grad)
        .with_numerical(Some(one(numerical)))
}
