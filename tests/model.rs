//! The model's API: reproducible initialisation, thread-count independence,
//! finite-difference gradients of the fast path, SGD progress, shape errors.

use lenet::gradcheck::rel_error;
use lenet::model::{Arch, LeNet, Params};
use lenet::ndarray::{Array4, ArrayD};
use lenet::optim::Sgd;
use lenet::rng::Rng;

/// A fixed batch of n images with pixels in [0, 1) and labels 0..10.
fn batch(n: usize, seed: u64) -> (Array4<f64>, Vec<usize>) {
    let mut r = Rng::new(seed);
    let x = Array4::from_shape_fn((n, 1, 28, 28), |_| r.uniform());
    let labels = (0..n).map(|_| r.below(10)).collect();
    (x, labels)
}

#[test]
fn seeded_init_is_reproducible_and_seed_dependent() {
    for arch in [Arch::modern(), Arch::classic()] {
        let a = Params::<f64>::init(&arch, 42);
        let b = Params::<f64>::init(&arch, 42);
        let c = Params::<f64>::init(&arch, 43);
        assert_eq!(a, b);
        assert_ne!(a.conv1_w, c.conv1_w);
        assert!(a.check_lenet_shapes().is_ok());
        assert_eq!(a.len(), 61_706);
        // Biases start at zero, weights do not.
        assert!(a.fc1_b.iter().all(|&v| v == 0.0));
        assert!(a.fc1_w.iter().any(|&v| v != 0.0));
    }
}

#[test]
fn he_and_xavier_scales() {
    // He: variance 2/fan_in; fc1 has fan_in 400 and 48,000 weights.
    let p = Params::<f64>::init(&Arch::modern(), 1);
    let var = p.fc1_w.iter().map(|w| w * w).sum::<f64>() / p.fc1_w.len() as f64;
    assert!((var / (2.0 / 400.0) - 1.0).abs() < 0.03, "He variance {var}");
    // Xavier uniform: |W| ≤ √(6/(400 + 120)), variance 2/(fan_in + fan_out).
    let p = Params::<f64>::init(&Arch::classic(), 1);
    let r = (6.0f64 / 520.0).sqrt();
    assert!(p.fc1_w.iter().all(|w| w.abs() <= r));
    let var = p.fc1_w.iter().map(|w| w * w).sum::<f64>() / p.fc1_w.len() as f64;
    assert!((var / (2.0 / 520.0) - 1.0).abs() < 0.03, "Xavier variance {var}");
}

#[test]
fn one_and_two_threads_agree() {
    for arch in [Arch::modern(), Arch::classic()] {
        let net = LeNet::<f64>::new(arch, 5);
        let (x, y) = batch(37, 6); // odd size: a short last chunk
        let s1 = net.loss_and_grads(&x, &y, 1);
        let s2 = net.loss_and_grads(&x, &y, 2);
        assert!((s1.loss - s2.loss).abs() <= 1e-12 * s1.loss.abs(), "{} vs {}", s1.loss, s2.loss);
        assert_eq!(s1.correct, s2.correct);
        for ((name, a), (_, b)) in s1.grads.tensors().iter().zip(s2.grads.tensors().iter()) {
            let e = rel_error(a, b);
            assert!(e < 1e-10, "{arch:?} {name}: rel_error {e}");
        }
        // Chunks depend on the batch only, and are reduced in chunk order:
        // any thread count reproduces bit for bit.
        for t in [2, 3, 8] {
            let again = net.loss_and_grads(&x, &y, t);
            assert_eq!(again.grads, s1.grads, "{t} threads");
            assert_eq!(again.loss, s1.loss, "{t} threads");
        }
        // Logits too, and with more threads than samples.
        let l1 = net.logits(&x, 1);
        assert!(rel_error(&l1, &net.logits(&x, 3)) < 1e-12);
        let (x2, _) = batch(1, 7);
        assert_eq!(net.logits(&x2, 4).dim(), (10, 1));
    }
}

/// Central differences on a sample of entries of every tensor, in f64.
/// The loss is smooth for tanh + mean pooling; for ReLU + max pooling it is
/// smooth except on kinks that a random batch avoids with probability ~1
/// for a small step. Richardson extrapolation (below) removes the O(h²)
/// truncation error, so the step can be large enough that rounding, about
/// ε·|C|/h, stays far below nearly every sampled entry; for the few that
/// are not, the bound allows that rounding floor (argued below).
#[test]
fn fast_gradients_match_finite_differences() {
    for arch in [Arch::classic(), Arch::modern()] {
        let mut net = LeNet::<f64>::new(arch, 11);
        // Non-zero biases, so their effect is exercised too.
        let mut r = Rng::new(12);
        for (_, mut t) in net.params.tensors_mut() {
            if t.ndim() == 1 {
                t.mapv_inplace(|_| 0.1 * r.normal());
            }
        }
        // Centred pixels keep the logits moderate, so no sampled gradient is
        // so tiny that rounding in the loss dominates its finite difference.
        let (x, y) = batch(3, 13);
        let x = x.mapv(|v| v - 0.5);
        let step = net.loss_and_grads(&x, &y, 2);
        // tanh + mean is smooth, so a large step is safe; ReLU + max has kinks
        // that a step of 1e-3 already crosses (measured), 1e-4 does not.
        let h = if arch == Arch::classic() { 1e-3 } else { 1e-4 };
        let analytic: Vec<ArrayD<f64>> = step.grads.tensors().iter().map(|(_, t)| t.to_owned()).collect();
        for (ti, grad) in analytic.iter().enumerate() {
            let (mut num, mut ana) = (vec![], vec![]);
            for _ in 0..12 {
                let idx = r.below(grad.len());
                let mut diff = |h: f64| {
                    let orig = flat(&mut net.params, ti)[idx];
                    flat(&mut net.params, ti)[idx] = orig + h;
                    let plus = net.evaluate(&x, &y, 1).loss;
                    flat(&mut net.params, ti)[idx] = orig - h;
                    let minus = net.evaluate(&x, &y, 1).loss;
                    flat(&mut net.params, ti)[idx] = orig;
                    (plus - minus) / (2.0 * h)
                };
                // Richardson: D(h) = C′ + a h² + O(h⁴), so (4 D(h/2) − D(h))/3
                // = C′ + O(h⁴), which allows a step large enough for rounding
                // (ε·|C|/h) to stay far below even the tiny entries.
                num.push((4.0 * diff(h / 2.0) - diff(h)) / 3.0);
                ana.push(grad.as_slice().unwrap()[idx]);
            }
            // Relative error below 1e-7, entry by entry, where the finite
            // difference can resolve it. Each loss carries a rounding error of
            // about ε·|C| (ε = 2.2e-16), so D(h) is off by up to about ε·|C|/h
            // and the Richardson combination by (4·2 + 1)/3 = 3 times that.
            // An entry below ~1e-5 (conv1_w's are, under tanh and two mean
            // poolings) is then within 1e-7 of its own rounding floor, and
            // whether it passes depends on how the last bits of the loss
            // happen to round; measured here with conv2 summed in another
            // order: an entry of −1.2e-6 off by 4.4e-13, relative 1.9e-7, the
            // floor 5e-13. So the floor is allowed on top of the relative
            // bound, with a factor 4 of margin: 12 ε|C|/h ≈ 6e-12 for
            // h = 1e-3. A wrong gradient is off by far more: 1 % of the
            // smallest entry sampled is already 1e-8.
            let loss = net.evaluate(&x, &y, 1).loss;
            let floor = 12.0 * f64::EPSILON * loss.abs() / h;
            let name = lenet::model::PARAM_NAMES[ti];
            for (k, (&n, &a)) in num.iter().zip(&ana).enumerate() {
                assert!(
                    (n - a).abs() <= 1e-7 * (n.abs() + a.abs()) + floor,
                    "{arch:?} {name}, sample {k}: finite difference {n:e}, analytic {a:e}, \
                     relative error {:e} (rounding floor {floor:e})\nnum {num:?}\nana {ana:?}",
                    (n - a).abs() / (n.abs() + a.abs())
                );
            }
        }
    }
}

fn flat(p: &mut Params<f64>, i: usize) -> &mut [f64] {
    match i {
        0 => p.conv1_w.as_slice_mut(),
        1 => p.conv1_b.as_slice_mut(),
        2 => p.conv2_w.as_slice_mut(),
        3 => p.conv2_b.as_slice_mut(),
        4 => p.fc1_w.as_slice_mut(),
        5 => p.fc1_b.as_slice_mut(),
        6 => p.fc2_w.as_slice_mut(),
        7 => p.fc2_b.as_slice_mut(),
        8 => p.fc3_w.as_slice_mut(),
        _ => p.fc3_b.as_slice_mut(),
    }
    .unwrap()
}

#[test]
fn sgd_steps_lower_the_loss_on_a_fixed_batch() {
    for arch in [Arch::modern(), Arch::classic()] {
        let mut net = LeNet::<f32>::new(arch, 3);
        let (x, y) = batch(16, 4);
        let x = x.mapv(|v| v as f32);
        let mut opt = Sgd::new(&net.params, 0.01, 0.9, 1e-4);
        let first = net.loss_and_grads(&x, &y, 2).loss;
        let mut last = first;
        for _ in 0..60 {
            let s = net.loss_and_grads(&x, &y, 2);
            last = s.loss;
            opt.step(&mut net.params, &s.grads);
        }
        assert!(last < 0.5 * first, "{arch:?}: loss {first} → {last}");
        assert!(net.params.all_finite());
    }
}

#[test]
fn sgd_follows_its_equations() {
    // One tensor's worth by hand: v = μ·0 + (g + λW) then W − ηv, twice.
    let mut p = Params::<f64>::init(&Arch::modern(), 0);
    let mut g = p.zeros_like();
    g.fc3_b.fill(1.0);
    p.fc3_b.fill(2.0);
    let mut opt = Sgd::new(&p, 0.1, 0.5, 0.01);
    opt.step(&mut p, &g);
    let v1 = 1.0 + 0.01 * 2.0;
    let w1 = 2.0 - 0.1 * v1;
    assert!((p.fc3_b[0] - w1).abs() < 1e-15);
    opt.step(&mut p, &g);
    let v2 = 0.5 * v1 + 1.0 + 0.01 * w1;
    assert!((p.fc3_b[0] - (w1 - 0.1 * v2)).abs() < 1e-15);
    assert!((opt.velocity().fc3_b[0] - v2).abs() < 1e-15);
}

#[test]
fn shape_checks_name_the_tensor() {
    let mut p = Params::<f32>::init(&Arch::modern(), 0);
    let good = p.clone();
    p.fc2_w = lenet::ndarray::Array2::zeros((84, 121));
    let e = p.check_lenet_shapes().unwrap_err().to_string();
    assert!(e.contains("fc2_w") && e.contains("84×121") && e.contains("84×120"), "{e}");
    let e = good.shapes_match(&p).unwrap_err().to_string();
    assert!(e.contains("fc2_w"), "{e}");
    let e = LeNet::from_params(Arch::modern(), p).unwrap_err().to_string();
    assert!(e.contains("fc2_w"), "{e}");
    assert!(LeNet::from_params(Arch::modern(), good).is_ok());
}

#[test]
#[should_panic(expected = "LeNet expects images N×1×28×28, got 2×1×32×32")]
fn wrong_image_shape_panics_with_both_shapes() {
    let net = LeNet::<f32>::new(Arch::modern(), 0);
    net.logits(&Array4::zeros((2, 1, 32, 32)), 1);
}

#[test]
#[should_panic(expected = "label 10 of sample 1 is not a class 0..10")]
fn bad_label_panics() {
    let net = LeNet::<f32>::new(Arch::modern(), 0);
    net.loss_and_grads(&Array4::zeros((2, 1, 28, 28)), &[3, 10], 1);
}
