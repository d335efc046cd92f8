//! The pooling exercises' cases: windows apart and overlapping, maxima
//! unique, shared by overlapping windows, or tied.

use super::*;

/// A pooling input shape for windows `size` × `size` with step `stride`
/// that tile it: N ≠ C and an output H′ ≠ W′.
fn pooling_shape(rng: &mut Rng, size: usize, stride: usize) -> (usize, usize, usize, usize) {
    let [n, c] = distinct_sizes(rng, 2, 1, 3)[..] else { unreachable!("two sizes") };
    let [oh, ow] = distinct_sizes(rng, 2, 2, 4)[..] else { unreachable!("two sizes") };
    (n, c, (oh - 1) * stride + size, (ow - 1) * stride + size)
}

pub(super) fn mean_pool_backward(rng: &mut Rng, size: usize, stride: usize) -> Case {
    let shape = pooling_shape(rng, size, stride);
    let out = pool::output_shape(shape, size, stride);
    let dy = uniform(rng, out);
    let expected = one(pool::mean_backward(&dy, shape, size, stride));
    let x = uniform(rng, shape);
    let numerical = fd(&x, LINEAR_STEP, |x| dot(&dy, &pool::mean_forward(x, size, stride)));
    let reference = expected.clone();
    Case::new(
        expected,
        vec![t(&dy), Input::Shape4(shape.into()), Input::Whole(size), Input::Whole(stride)],
        dy,
        move |s, dy| one((s.mean_pool_backward)(dy, shape, size, stride)),
        move |dy| catalogue::mean_pool_backward(dy, shape, size, stride, &reference),
    )
    .with_numerical(Some(one(numerical)))
    .with_note((stride < size).then_some("overlapping windows"))
}

/// How the entries of a max-pooling input may tie.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Ties {
    /// Distinct entries, at least 0.015 apart.
    None,
    /// Distinct, with each plane's maximum where two windows overlap.
    SharedMax,
    /// Every entry of a plane equal: each window's first entry is its
    /// maximum, as `Argmax` records ties.
    Equal,
}

/// An input whose entries are distinct, at least 0.015 apart, so that no
/// window has a tie and a small step never moves a maximum. With
/// `shared_max`, every plane's largest entry sits at (stride + 1, stride + 1)
/// (counted from 1), which windows (1, 1) and (2, 2) both contain when they
/// overlap.
fn distinct(rng: &mut Rng, shape: (usize, usize, usize, usize), stride: usize, shared_max: bool) -> Array4<f64> {
    let len = shape.0 * shape.1 * shape.2 * shape.3;
    let mut values: Vec<f64> = (0..len).map(|k| k as f64 * 0.02 + rng.uniform_in(0.0, 0.005) - 1.0).collect();
    rng.shuffle(&mut values);
    let mut x = Array4::from_shape_vec(shape, values).expect("one value per entry");
    if shared_max {
        for (n, c) in (0..shape.0).flat_map(|n| (0..shape.1).map(move |c| (n, c))) {
            let mut plane = x.slice_mut(ndarray::s![n, c, .., ..]);
            let (mut best, mut at) = (f64::NEG_INFINITY, (0, 0));
            for ((r, c), &v) in plane.indexed_iter() {
                if v > best {
                    (best, at) = (v, (r, c));
                }
            }
            let target = (stride, stride);
            let moved = plane[target];
            plane[target] = best;
            plane[at] = moved;
        }
    }
    x
}

pub(super) fn max_pool_backward(rng: &mut Rng, size: usize, stride: usize, ties: Ties) -> Case {
    let shape = pooling_shape(rng, size, stride);
    let x = match ties {
        Ties::Equal => Array4::from_shape_fn(shape, |(n, c, _, _)| (n * shape.1 + c) as f64 * 0.1),
        _ => distinct(rng, shape, stride, ties == Ties::SharedMax),
    };
    let (y, argmax) = pool::max_forward(&x, size, stride);
    let dy = uniform(rng, y.raw_dim());
    let expected = one(pool::max_backward(&dy, &argmax));
    // The maxima never move within a step of 1e-3 (the entries are 0.015
    // apart), and max pooling is linear while they stay. Where entries tie
    // no step keeps the maximum: no central differences there.
    let numerical =
        (ties != Ties::Equal).then(|| one(fd(&x, 1e-3, |x| dot(&dy, &pool::max_forward(x, size, stride).0))));
    let note = match ties {
        Ties::None => None,
        Ties::SharedMax => Some("a maximum shared by overlapping windows"),
        Ties::Equal => Some("every entry of a plane equal: ties, the first maximum wins"),
    };
    Case::new(
        expected,
        vec![t(&dy), argmax_input(&argmax)],
        (dy, argmax),
        |s, (dy, argmax)| one((s.max_pool_backward)(dy, argmax)),
        |(dy, argmax)| catalogue::max_pool_backward(dy, argmax),
    )
    .with_numerical(numerical)
    .with_note(note)
}
