//! Mean and max pooling: the backward passes against central finite
//! differences, with non-overlapping and overlapping windows, and the
//! behaviour at ties (where max is not differentiable).

use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::pool::{max_backward, max_forward, mean_backward, mean_forward, output_shape};
use lenet::rng::Rng;
use ndarray::{Array4, array};

/// Distinct values k·0.1 − offset in shuffled order: any two entries
/// differ by at least 0.1, far more than the finite-difference step, so
/// no perturbation can change which entry is a window's maximum.
fn without_ties(rng: &mut Rng, shape: (usize, usize, usize, usize)) -> Array4<f64> {
    let len = shape.0 * shape.1 * shape.2 * shape.3;
    let mut v: Vec<f64> = (0..len).map(|k| k as f64 * 0.1 - len as f64 * 0.05).collect();
    rng.shuffle(&mut v);
    Array4::from_shape_vec(shape, v).unwrap()
}

/// The (window, stride) pairs tested: tiling (2/2) and two overlapping ones.
const WINDOWS: [(usize, usize); 3] = [(2, 2), (3, 2), (2, 1)];

/// Input shape for which every window of `WINDOWS` fits: (7 − 3)/2 and
/// (7 − 2)/1 are whole, but 2/2 needs an even side, so it gets 6×8.
fn input_shape(size: usize, stride: usize) -> (usize, usize, usize, usize) {
    if (size, stride) == (2, 2) { (2, 3, 6, 8) } else { (2, 3, 7, 5) }
}

#[test]
fn mean_backward_matches_finite_differences() {
    let mut rng = Rng::new(1);
    for (size, stride) in WINDOWS {
        let shape = input_shape(size, stride);
        let mut x = rng.uniform_array(shape, -1.0, 1.0);
        let g = rng.uniform_array(output_shape(shape, size, stride), -1.0, 1.0);
        // L = Σ G ⊙ mean_pool(x) is linear in x: no truncation error, so a
        // large step keeps the rounding error small.
        let num = numerical_grad(&mut x, 1e-1, |x| (&g * &mean_forward(x, size, stride)).sum());
        let ana = mean_backward(&g, shape, size, stride);
        let err = rel_error(&ana, &num);
        assert!(err < 1e-7, "mean pool {size}/{stride}: rel_error {err:e}");
    }
}

#[test]
fn max_backward_matches_finite_differences_without_ties() {
    let mut rng = Rng::new(2);
    for (size, stride) in WINDOWS {
        let shape = input_shape(size, stride);
        let mut x = without_ties(&mut rng, shape);
        let g = rng.uniform_array(output_shape(shape, size, stride), -1.0, 1.0);
        // Piecewise linear, and the step (1e-2) never crosses a piece
        // boundary because entries differ by at least 0.1.
        let num = numerical_grad(&mut x, 1e-2, |x| (&g * &max_forward(x, size, stride).0).sum());
        let (_, arg) = max_forward(&x, size, stride);
        let ana = max_backward(&g, &arg);
        let err = rel_error(&ana, &num);
        assert!(err < 1e-7, "max pool {size}/{stride}: rel_error {err:e}");
    }
}

#[test]
fn overlapping_windows_accumulate_at_a_shared_maximum() {
    // The 9 at (1, 1) is the maximum of all four 2×2 windows (stride 1).
    let x: Array4<f64> = array![[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]];
    let (y, arg) = max_forward(&x, 2, 1);
    assert_eq!(y, array![[[[9.0, 9.0], [9.0, 9.0]]]]);
    let dy = array![[[[1.0, 10.0], [100.0, 1000.0]]]];
    let dx = max_backward(&dy, &arg);
    // An assigning (=) backward would leave only one window's δ here.
    assert_eq!(dx[[0, 0, 1, 1]], 1111.0);
    assert_eq!(dx.sum(), 1111.0);
    // Mean pooling with overlap: the centre lies in all four windows.
    let dm = mean_backward(&dy, x.dim(), 2, 1);
    assert_eq!(dm[[0, 0, 1, 1]], 1111.0 / 4.0);
    assert_eq!(dm[[0, 0, 0, 0]], 1.0 / 4.0);
    assert_eq!(dm[[0, 0, 2, 2]], 1000.0 / 4.0);
}

#[test]
fn ties_route_to_the_first_maximum_in_row_major_order() {
    // Window (0,0) of 2/2 pooling holds 5, 5 / 5, 1: three tied maxima.
    // Window (0,1) holds 2, 7 / 7, 7. Window (1,0) is all zeros.
    let x: Array4<f64> =
        array![[[[5.0, 5.0, 2.0, 7.0], [5.0, 1.0, 7.0, 7.0], [0.0, 0.0, 3.0, 3.0], [0.0, 0.0, 3.0, 3.0]]]];
    let (y, arg) = max_forward(&x, 2, 2);
    assert_eq!(y, array![[[[5.0, 7.0], [0.0, 3.0]]]]);
    assert_eq!(arg.position(0, 0, 0, 0), (0, 0));
    assert_eq!(arg.position(0, 0, 0, 1), (0, 3));
    assert_eq!(arg.position(0, 0, 1, 0), (2, 0));
    assert_eq!(arg.position(0, 0, 1, 1), (2, 2));
    let dy = array![[[[1.0, 2.0], [3.0, 4.0]]]];
    let dx = max_backward(&dy, &arg);
    let expected: Array4<f64> =
        array![[[[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]];
    assert_eq!(dx, expected);
}

#[test]
fn backward_preserves_the_sum_of_delta_even_at_ties() {
    // Entries drawn from three values, so nearly every window has ties.
    let mut rng = Rng::new(3);
    for (size, stride) in WINDOWS {
        let shape = input_shape(size, stride);
        let x = rng.uniform_array(shape, -1.0, 1.0).mapv(|v| (v * 1.5).round());
        let dy = rng.uniform_array(output_shape(shape, size, stride), -1.0, 1.0);
        let (_, arg) = max_forward(&x, size, stride);
        let dx = max_backward(&dy, &arg);
        // Every δ goes to exactly one input: Σ ∂C/∂x = Σ δ.
        assert!((dx.sum() - dy.sum()).abs() < 1e-12, "max {size}/{stride}");
        // Every routed position is a maximum of its window.
        for ((n, c, i, j), &k) in arg.index.indexed_iter() {
            let (r, q) = (k / shape.3, k % shape.3);
            assert!(r >= i * stride && r < i * stride + size && q >= j * stride && q < j * stride + size);
            let window = x.slice(ndarray::s![n, c, i * stride..i * stride + size, j * stride..j * stride + size]);
            let first = window.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(x[[n, c, r, q]], first);
            // ... and the first one in row-major order.
            let first_pos = window.iter().position(|&v| v == first).unwrap();
            assert_eq!((r - i * stride) * size + (q - j * stride), first_pos);
        }
        let dm = mean_backward(&dy, shape, size, stride);
        assert!((dm.sum() - dy.sum()).abs() < 1e-12, "mean {size}/{stride}");
    }
}

#[test]
fn f32_agrees_with_f64() {
    let mut rng = Rng::new(4);
    let x = rng.uniform_array((2, 2, 6, 6), -1.0, 1.0);
    let x32 = x.mapv(|v| v as f32);
    let (y, _) = max_forward(&x, 2, 2);
    let (y32, _) = max_forward(&x32, 2, 2);
    assert_eq!(y.mapv(|v| v as f32), y32);
    let m = mean_forward(&x, 3, 3).mapv(|v| v as f32);
    let m32 = mean_forward(&x32, 3, 3);
    assert!(m.iter().zip(&m32).all(|(a, b)| (a - b).abs() < 1e-6));
}

#[test]
#[should_panic(expected = "∂C/∂a has shape (1, 1, 3, 3) but the pooled output had shape (1, 1, 2, 2)")]
fn max_backward_rejects_a_wrong_delta_shape() {
    let (_, arg) = max_forward(&Array4::<f64>::zeros((1, 1, 4, 4)), 2, 2);
    let _ = max_backward(&Array4::<f64>::zeros((1, 1, 3, 3)), &arg);
}

#[test]
#[should_panic(expected = "gives output (1, 1, 2, 2)")]
fn mean_backward_rejects_a_wrong_delta_shape() {
    let _ = mean_backward(&Array4::<f64>::zeros((1, 1, 3, 3)), (1, 1, 4, 4), 2, 2);
}

#[test]
#[should_panic(expected = "pooling window 3×3 with stride 2 does not fit input 1×2×6×6")]
fn a_window_that_does_not_tile_panics() {
    let _ = max_forward(&Array4::<f64>::zeros((1, 2, 6, 6)), 3, 2);
}
