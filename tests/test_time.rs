//! Test-time mirror averaging (`TestTime::Mirror`): the mean of the logits
//! of an image and its mirror image, which makes the classifier blind to
//! left and right, bit for bit, and changes nothing about training.

use lenet::augment::{mirror, mirror_batch};
use lenet::data::{self, Dataset};
use lenet::model::{Arch, LeNet};
use lenet::ndarray::{Array4, Axis, s};
use lenet::rng::Rng;
use lenet::train::{self, TestTime, TrainConfig, evaluate, evaluate_with};

/// N random 28×28 images in [0, 1] as an N×1×28×28 batch.
fn batch(n: usize, seed: u64) -> Array4<f32> {
    let mut rng = Rng::new(seed);
    Array4::from_shape_simple_fn((n, 1, 28, 28), || rng.uniform() as f32)
}

/// A model whose logits are far from uniform: untrained weights from a seed.
fn model() -> LeNet<f32> {
    LeNet::new(Arch::modern(), 11)
}

#[test]
fn mirror_batch_mirrors_every_plane_and_twice_is_the_identity() {
    let x = batch(3, 1);
    let m = mirror_batch(x.view());
    assert!(m.is_standard_layout(), "the fast forward pass reads standard layout");
    for n in 0..3 {
        assert_eq!(m.slice(s![n, 0, .., ..]), mirror(x.slice(s![n, 0, .., ..])));
    }
    assert_ne!(m, x, "a random image is not symmetric");
    assert_eq!(mirror_batch(m.view()), x);
}

#[test]
fn mirror_averaged_logits_are_the_same_for_an_image_and_its_mirror_image_bit_for_bit() {
    let (net, x) = (model(), batch(8, 2));
    let mirrored = mirror_batch(x.view());
    let z = TestTime::Mirror.logits(&net, &x, 2);
    let z_of_mirror = TestTime::Mirror.logits(&net, &mirrored, 1);
    assert_eq!(z, z_of_mirror);
    // Plain logits do tell them apart, so the check above could fail.
    assert_ne!(TestTime::Plain.logits(&net, &x, 2), TestTime::Plain.logits(&net, &mirrored, 2));
    // And the mean is the mean: ½(z(x) + z(x̃)), which lies between the two.
    let (a, b) = (net.logits(&x, 2), net.logits(&mirrored, 2));
    for ((&m, &p), &q) in z.iter().zip(&a).zip(&b) {
        assert!(p.min(q) <= m && m <= p.max(q), "{m} is not between {p} and {q}");
    }
}

#[test]
fn on_a_symmetric_image_mirror_averaging_changes_nothing() {
    // Make each image symmetric: its left half mirrored onto its right.
    let mut x = batch(4, 3);
    for mut plane in x.axis_iter_mut(Axis(0)) {
        for mut row in plane.index_axis_mut(Axis(0), 0).rows_mut() {
            for j in 0..14 {
                row[27 - j] = row[j];
            }
        }
    }
    assert_eq!(mirror_batch(x.view()), x);
    let net = model();
    // (z + z)·½ = z exactly in binary floating point (no overflow here).
    assert_eq!(TestTime::Mirror.logits(&net, &x, 2), TestTime::Plain.logits(&net, &x, 2));
}

/// The first `n` validation digits, each followed by its mirror image with
/// the same label.
fn with_mirror_images(n: usize) -> Dataset {
    let validation = data::embedded::validation().expect("the embedded digits load");
    let (rows, cols) = (validation.rows, validation.cols);
    let (mut images, mut labels) = (Vec::new(), Vec::new());
    for i in 0..n {
        let image = validation.image(i);
        images.extend_from_slice(image);
        for r in 0..rows {
            images.extend(image[r * cols..(r + 1) * cols].iter().rev());
        }
        labels.extend([validation.labels[i]; 2]);
    }
    Dataset { images, labels, rows, cols, name: "validation-and-mirror-images".to_string() }
}

/// LeNet trained for one epoch on 2,000 embedded digits: it tells digits
/// apart (an untrained one answers one class for every image).
fn trained() -> LeNet<f32> {
    let out_dir = std::env::temp_dir().join(format!("lenet-test-time-{}", std::process::id()));
    let split = data::load(&data::Source::Embedded).expect("the embedded digits load");
    let config = TrainConfig { epochs: 1, limit: Some(2000), out_dir: out_dir.clone(), ..TrainConfig::default() };
    let outcome = train::train(&config, &split, &mut train::Silent).expect("training");
    let _ = std::fs::remove_dir_all(&out_dir);
    outcome.model
}

#[test]
fn evaluating_with_mirror_averaging_classifies_an_image_and_its_mirror_image_alike() {
    let (net, pairs) = (trained(), with_mirror_images(300));
    let plain = evaluate(&net, &pairs, None, 2);
    assert_eq!(plain, evaluate_with(&net, &pairs, None, 2, TestTime::Plain));
    let averaged = evaluate_with(&net, &pairs, None, 2, TestTime::Mirror);
    assert_eq!(averaged.total, 600);
    // Each pair lands in the same cell of the confusion matrix, so every
    // count is even; without averaging some are not.
    assert!(averaged.confusion.iter().all(|c| c % 2 == 0), "{}", averaged.confusion);
    assert!(plain.confusion.iter().any(|c| c % 2 == 1), "{}", plain.confusion);
    assert_ne!(averaged.loss, plain.loss);
}

#[test]
fn a_checkpoint_written_before_test_time_existed_tests_plainly() {
    let mut json = serde_json::to_value(TrainConfig::default()).unwrap();
    assert!(json.get("test_time").is_none(), "plain is left out: {json}");
    let config: TrainConfig = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(config.test_time, TestTime::Plain);
    json["test_time"] = "mirror".into();
    let config: TrainConfig = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(config.test_time, TestTime::Mirror);
    json["test_time"] = "sideways".into();
    let err = serde_json::from_value::<TrainConfig>(json).unwrap_err().to_string();
    assert!(err.contains("sideways"), "{err}");
}
