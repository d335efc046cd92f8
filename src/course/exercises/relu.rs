//! The ReLU exercise's case: both signs of z, and z exactly 0 where the
//! gate is shut.

use super::*;

/// Makes the first entry positive and the last negative (in row-major
/// order), so that ReLU's gate is open somewhere and shut somewhere: an
/// answer that forgets the gate, or applies it where it should not, can
/// never agree by chance.
fn both_signs<D: Dimension>(mut z: Array<f64, D>) -> Array<f64, D> {
    let last = z.len() - 1;
    for (k, v) in z.iter_mut().enumerate() {
        if k == 0 {
            *v = v.abs();
        } else if k == last {
            *v = -v.abs();
        }
    }
    z
}

/// ReLU's backward on a non-square N × C × H × W (N ≠ C, H ≠ W) with both
/// signs of z and some z exactly 0, where ReLU′(0) = 0 shuts the gate.
pub(super) fn relu_backward(rng: &mut Rng) -> Case {
    let [n, c] = distinct_sizes(rng, 2, 1, 3)[..] else { unreachable!("two sizes") };
    let [h, w] = distinct_sizes(rng, 2, 2, 5)[..] else { unreachable!("two sizes") };
    let shape = (n, c, h, w);
    let mut da = uniform(rng, shape);
    let mut z = both_signs(away_from_zero(rng, shape));
    // Where the gate is open (the first entry), a negative gradient must
    // pass: ReLU applied to the gradient would stop it.
    da[[0, 0, 0, 0]] = -da[[0, 0, 0, 0]].abs();
    // z exactly 0 at the second entry of every row, with a gradient there.
    for mut row in z.lanes_mut(ndarray::Axis(3)) {
        row[1] = 0.0;
    }
    let relu = Activation::Relu;
    let expected = one(relu.backward(&da, &z));
    // |z| ≥ 0.1 or z = 0: a step of 0.01 never crosses the kink except at 0,
    // where the differences are left out (they straddle it).
    let numerical = fd(&z, 1e-2, |z| dot(&da, &relu.apply(z)));
    Case::new(
        expected,
        vec![t(&da), t(&z)],
        (da, z),
        |s, (da, z)| one((s.relu_backward)(da, z)),
        |(da, _)| catalogue::relu_backward(da),
    )
    .with_numerical(Some(one(numerical)))
    .with_note(Some("z exactly 0 in column 2, where ReLU′(0) = 0"))
}
