//! `LeNet::train_step`, the training loop's step: the gradients of the mean
//! loss and the SGD update in one pass, each thread updating the entries
//! whose mean gradient it computed. It must be `loss_and_grads` followed by
//! `Sgd::step`, bit for bit: for both architectures, any thread count
//! (including more threads than chunks), batches with short last chunks,
//! one above 1024 (chunks of 17), momentum and weight decay on; and with a
//! loss that is not a number it must leave the parameters and the velocity
//! as they were, as the loop did when it checked the loss before stepping.

use lenet::model::{Arch, LeNet, Optimise, Params};
use lenet::ndarray::Array4;
use lenet::optim::Sgd;

#[path = "support/random_batch.rs"]
mod random_batch;
use random_batch::{batch, bits};

/// One fused step of `net` with `sgd`'s rule and velocity; counts the calls
/// of `meanwhile` in `calls`.
fn fused_counting(
    net: &mut LeNet<f32>,
    sgd: &mut Sgd<f32>,
    x: &Array4<f32>,
    y: &[usize],
    threads: usize,
    calls: &mut usize,
) -> (f32, usize) {
    let rule = sgd.rule();
    let update = |w: &mut [f32], v: &mut [f32], g: &[f32]| rule.update(w, v, g);
    let mut meanwhile = || *calls += 1;
    net.train_step(x, y, threads, Optimise { state: sgd.velocity_mut(), update: &update, meanwhile: &mut meanwhile })
}

fn fused(net: &mut LeNet<f32>, sgd: &mut Sgd<f32>, x: &Array4<f32>, y: &[usize], threads: usize) -> (f32, usize) {
    let mut calls = 0;
    let out = fused_counting(net, sgd, x, y, threads, &mut calls);
    assert_eq!(calls, 1, "meanwhile runs once per step");
    out
}

#[test]
fn train_step_is_loss_and_grads_then_sgd_step_bit_for_bit() {
    for arch in [Arch::modern(), Arch::classic()] {
        let mut a = LeNet::<f32>::new(arch, 4);
        let mut b = LeNet::<f32>::new(arch, 4);
        let mut sgd_a = Sgd::new(&a.params, 0.05, 0.9, 1e-3);
        let mut sgd_b = sgd_a.clone();
        for (step, &t) in [1, 2, 3, 2, 8, 1, 2].iter().enumerate() {
            let n = [64, 37, 1, 100, 64, 1100, 50][step];
            let (x, y) = batch(n, 7 + step as u64);
            let (loss, correct) = fused(&mut a, &mut sgd_a, &x, &y, t);
            let s = b.loss_and_grads(&x, &y, 1);
            sgd_b.step(&mut b.params, &s.grads);
            assert_eq!(loss.to_bits(), s.loss.to_bits(), "{arch:?} step {step}: loss");
            assert_eq!(correct, s.correct, "{arch:?} step {step}: correct");
            assert_eq!(bits(&a.params), bits(&b.params), "{arch:?} step {step}, {t} threads: parameters");
            assert_eq!(bits(sgd_a.velocity()), bits(sgd_b.velocity()), "{arch:?} step {step}: velocity");
        }
    }
}

#[test]
fn a_loss_that_is_not_a_number_updates_nothing() {
    let mut net = LeNet::<f32>::new(Arch::modern(), 5);
    let mut sgd = Sgd::new(&net.params, 0.05, 0.9, 1e-3);
    let (x, y) = batch(32, 1);
    fused(&mut net, &mut sgd, &x, &y, 2); // a velocity that is not zero
    // An infinite bias on class 0: every logit 0 is +∞, and the softmax
    // of +∞ is not a number (the network's ReLU and max pooling would
    // swallow a NaN pixel).
    net.params.fc3_b[0] = f32::INFINITY;
    let (params, velocity) = (bits(&net.params), bits(sgd.velocity()));
    let (loss, _) = fused(&mut net, &mut sgd, &x, &y, 2);
    assert!(!loss.is_finite(), "an infinite bias gives a loss that is not finite, got {loss}");
    assert_eq!(bits(&net.params), params, "parameters updated by a NaN step");
    assert_eq!(bits(sgd.velocity()), velocity, "velocity updated by a NaN step");
}

#[test]
#[should_panic(expected = "conv1_w")]
fn a_state_of_another_shape_is_refused_naming_the_tensor() {
    let mut net = LeNet::<f32>::new(Arch::modern(), 5);
    let mut state = Params::<f32>::lenet_zeros();
    state.conv1_w = lenet::ndarray::Array4::zeros((1, 1, 5, 5));
    let (x, y) = batch(4, 1);
    net.train_step(&x, &y, 1, Optimise { state: &mut state, update: &|_, _, _| {}, meanwhile: &mut || {} });
}

/// `meanwhile` may take its time (the loop builds the next batch there):
/// the step waits for it, and for the other threads, and computes the same
/// bits; and a panic in it comes out of the step after the workers are
/// done, leaving them usable.
#[test]
fn meanwhile_runs_once_and_its_panic_comes_out_of_the_step() {
    let (x, y) = batch(64, 3);
    let mut a = LeNet::<f32>::new(Arch::modern(), 6);
    let mut b = LeNet::<f32>::new(Arch::modern(), 6);
    let (mut sa, mut sb) = (Sgd::new(&a.params, 0.05, 0.9, 1e-3), Sgd::new(&b.params, 0.05, 0.9, 1e-3));
    let rule = sa.rule();
    let update = |w: &mut [f32], v: &mut [f32], g: &[f32]| rule.update(w, v, g);
    let mut slow = || std::thread::sleep(std::time::Duration::from_millis(20));
    a.train_step(&x, &y, 2, Optimise { state: sa.velocity_mut(), update: &update, meanwhile: &mut slow });
    fused(&mut b, &mut sb, &x, &y, 1);
    assert_eq!(bits(&a.params), bits(&b.params));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut boom = || panic!("meanwhile failed");
        a.train_step(&x, &y, 2, Optimise { state: sa.velocity_mut(), update: &update, meanwhile: &mut boom });
    }));
    assert!(caught.is_err(), "the panic comes out of the step");
    // The engine and its workers still work (on a fresh optimiser state).
    let mut fresh = Sgd::new(&a.params, 0.05, 0.9, 1e-3);
    let (loss, _) = fused(&mut a, &mut fresh, &x, &y, 2);
    assert!(loss.is_finite());
}
