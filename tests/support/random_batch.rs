//! A random batch for the fast path's tests, and the bits of a network's
//! parameters for comparing two of them exactly. Included by `#[path]`.

use lenet::model::Params;
use lenet::ndarray::Array4;
use lenet::rng::Rng;

/// A fixed batch of n images with pixels in [0, 1) and labels 0..10.
pub fn batch(n: usize, seed: u64) -> (Array4<f32>, Vec<usize>) {
    let mut r = Rng::new(seed);
    let x = Array4::from_shape_fn((n, 1, 28, 28), |_| r.uniform() as f32);
    let labels = (0..n).map(|_| r.below(10)).collect();
    (x, labels)
}

/// Every parameter's bits, in order: `==` on floats would let 0.0 and −0.0
/// pass for each other.
pub fn bits(p: &Params<f32>) -> Vec<u32> {
    p.tensors().iter().flat_map(|(_, t)| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect()
}
