//! The training loop: reproducible, learning, stopping on NaN, resumable.

use lenet::Error;
use lenet::data::{self, HeldOut, Source, Split};
use lenet::train::{self, Checkpoint, EpochStats, History, Progress, TrainConfig};
use std::path::PathBuf;
use std::sync::OnceLock;

fn digits() -> &'static Split {
    static SPLIT: OnceLock<Split> = OnceLock::new();
    SPLIT.get_or_init(|| data::load(&Source::Embedded).expect("the embedded digits load"))
}

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("lenet-train-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        TempDir(p)
    }
    fn sub(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A short run: 512 training and 512 test images, batches of 32.
fn small(out_dir: PathBuf, epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 32,
        lr: 0.02,
        threads: 2,
        seed: 5,
        out_dir,
        limit: Some(512),
        ..TrainConfig::default()
    }
}

/// The history without its timings, which differ from run to run.
fn untimed(h: &History) -> Vec<EpochStats> {
    h.epochs.iter().map(|e| EpochStats { seconds: 0.0, images_per_second: 0.0, ..e.clone() }).collect()
}

#[derive(Default)]
struct Count {
    epochs: Vec<usize>,
    batches: usize,
}

impl Progress for Count {
    fn epoch_start(&mut self, epoch: usize, _epochs: usize, batches: usize) {
        self.epochs.push(epoch);
        assert_eq!(batches, 16, "512 images in batches of 32");
    }
    fn batch_end(&mut self, _batch: usize, loss: f64, accuracy: f64, _ips: f64) {
        assert!(loss.is_finite() && (0.0..=1.0).contains(&accuracy));
        self.batches += 1;
    }
}

#[test]
fn same_seed_and_threads_give_the_same_run_bit_for_bit() {
    let dir = TempDir::new("repro");
    let a = train::train(&small(dir.sub("a"), 2), digits(), &mut train::Silent).unwrap();
    let b = train::train(&small(dir.sub("b"), 2), digits(), &mut train::Silent).unwrap();
    assert_eq!(a.model.params, b.model.params);
    assert_eq!(untimed(&a.history), untimed(&b.history));
    // A different seed gives a different run.
    let c = train::train(&TrainConfig { seed: 6, ..small(dir.sub("c"), 2) }, digits(), &mut train::Silent).unwrap();
    assert_ne!(a.model.params, c.model.params);
}

#[test]
fn loss_decreases_and_files_are_written() {
    let dir = TempDir::new("learn");
    let mut count = Count::default();
    let out = train::train(&small(dir.sub("run"), 3), digits(), &mut count).unwrap();
    assert_eq!(count.epochs, vec![1, 2, 3]);
    assert_eq!(count.batches, 3 * 16);
    let h = &out.history.epochs;
    assert_eq!(h.len(), 3);
    assert!(h[1].train_loss < h[0].train_loss && h[2].train_loss < h[1].train_loss, "train loss must fall: {h:?}");
    assert!(h[2].held_out_loss < h[0].held_out_loss, "validation loss must fall: {h:?}");
    // Ten classes: chance is 10%. Three short epochs on 512 digits get far above it.
    assert!(h[2].held_out_accuracy > 0.6, "validation accuracy {}", h[2].held_out_accuracy);
    assert_eq!(out.test.total, 512);
    assert_eq!(out.test.accuracy(), h[2].held_out_accuracy);
    // The embedded digits hold out a validation set, and the history says so.
    assert_eq!(out.history.held_out, HeldOut::Validation);
    let saved: History =
        serde_json::from_str(&std::fs::read_to_string(dir.sub("run").join("history.json")).unwrap()).unwrap();
    assert_eq!(saved, out.history);
    let c = Checkpoint::load(dir.sub("run").join("checkpoint.json")).unwrap();
    assert_eq!(c.epoch, 3);
    assert_eq!(c.model.params, out.model.params);
}

#[test]
fn resume_continues_to_the_same_result_as_an_uninterrupted_run() {
    let dir = TempDir::new("resume");
    let full = train::train(&small(dir.sub("full"), 3), digits(), &mut train::Silent).unwrap();
    train::train(&small(dir.sub("part"), 1), digits(), &mut train::Silent).unwrap();
    let ckpt = dir.sub("part").join("checkpoint.json");
    let mut count = Count::default();
    let resumed = train::resume(&ckpt, Some(3), None, digits(), &mut count).unwrap();
    assert_eq!(count.epochs, vec![2, 3], "only the missing epochs run");
    assert_eq!(resumed.model.params, full.model.params, "weights after resuming must equal the uninterrupted run");
    assert_eq!(untimed(&resumed.history), untimed(&full.history));
    assert_eq!(resumed.checkpoint, ckpt, "a resumed run writes into the checkpoint's folder");
}

#[test]
fn train_is_train_from_the_seeded_model_and_the_config_seed_alone_orders_the_batches() {
    use lenet::init::{self, Init};
    use lenet::model::{Arch, LeNet};
    let dir = TempDir::new("from");
    let config = small(dir.sub("a"), 1);
    let plain = train::train(&config, digits(), &mut train::Silent).unwrap();
    let start = LeNet::new(config.arch, config.seed);
    let from = train::train_from(&small(dir.sub("b"), 1), start, digits(), &mut train::Silent).unwrap();
    assert_eq!(from.model.params, plain.model.params, "train is train_from with LeNet::new(arch, seed)");
    assert_eq!(untimed(&from.history), untimed(&plain.history));
    // From the same start, another config seed is another batch order, so
    // another result: train_from does not reseed the model, the seed orders.
    let reseeded = TrainConfig { seed: config.seed + 1, ..small(dir.sub("d"), 1) };
    let reordered =
        train::train_from(&reseeded, LeNet::new(config.arch, config.seed), digits(), &mut train::Silent).unwrap();
    assert_ne!(reordered.model.params, plain.model.params, "config.seed orders the batches");
    // Another start, another result; the model's architecture is the one trained.
    let classic = LeNet::from_params(Arch::classic(), init::params(Init::Xavier, 1)).unwrap();
    let other = train::train_from(&small(dir.sub("c"), 1), classic, digits(), &mut train::Silent).unwrap();
    assert_eq!(other.model.arch, Arch::classic());
    assert_ne!(other.model.params, plain.model.params);
    // The checkpoint of such a run resumes like any other.
    let resumed = train::resume(&other.checkpoint, Some(2), None, digits(), &mut train::Silent).unwrap();
    assert_eq!(resumed.model.arch, Arch::classic());
    assert_eq!(resumed.history.epochs.len(), 2);
}

#[test]
fn a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint() {
    let dir = TempDir::new("nan");
    let run = dir.sub("run");
    train::train(&small(run.clone(), 1), digits(), &mut train::Silent).unwrap();
    let ckpt = run.join("checkpoint.json");
    // Continue with an absurd learning rate: the weights blow up within an epoch.
    let mut c = Checkpoint::load(&ckpt).unwrap();
    c.config.lr = 1e9;
    c.config.lr_decay = 1.0;
    c.save(&ckpt).unwrap();
    let before = std::fs::read(&ckpt).unwrap();
    let e = train::resume(&ckpt, Some(3), None, digits(), &mut train::Silent).unwrap_err();
    assert!(matches!(e, Error::Diverged { epoch: 2, .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with("training diverged: the loss is "), "{msg}");
    assert!(msg.contains("at epoch 2, batch "), "{msg}");
    assert!(msg.contains("(the learning rate 1000000000 may be too large)"), "{msg}");
    assert!(msg.ends_with(&format!("the last good checkpoint is {} (epoch 1)", ckpt.display())), "{msg}");
    assert_eq!(std::fs::read(&ckpt).unwrap(), before, "the last good checkpoint is left as it was");
    assert_eq!(Checkpoint::load(&ckpt).unwrap().epoch, 1);

    // Resumed into a new folder, the file resumed from is the last good one.
    let elsewhere = dir.sub("elsewhere");
    let e = train::resume(&ckpt, Some(3), Some(elsewhere.clone()), digits(), &mut train::Silent).unwrap_err();
    assert!(e.to_string().ends_with(&format!("the last good checkpoint is {} (epoch 1)", ckpt.display())), "{e}");
    assert!(!elsewhere.join("checkpoint.json").exists());
}

#[test]
fn diverging_in_the_first_epoch_says_no_checkpoint_was_written() {
    let dir = TempDir::new("nan1");
    let cfg = TrainConfig { lr: 1e9, ..small(dir.sub("run"), 2) };
    let e = train::train(&cfg, digits(), &mut train::Silent).unwrap_err();
    assert!(matches!(e, Error::Diverged { epoch: 1, .. }), "{e}");
    assert!(e.to_string().ends_with("no checkpoint was written, as no epoch finished"), "{e}");
    assert!(!dir.sub("run").join("checkpoint.json").exists());
}

#[test]
fn bad_settings_are_refused_by_name() {
    let dir = TempDir::new("bad");
    for (cfg, want) in [
        (TrainConfig { batch_size: 0, ..small(dir.sub("a"), 1) }, "batch size"),
        (TrainConfig { lr: -1.0, ..small(dir.sub("a"), 1) }, "learning rate"),
        (TrainConfig { momentum: 1.0, ..small(dir.sub("a"), 1) }, "momentum"),
        (TrainConfig { threads: 0, ..small(dir.sub("a"), 1) }, "threads"),
    ] {
        let e = train::train(&cfg, digits(), &mut train::Silent).unwrap_err();
        assert!(e.to_string().contains(want), "{e} should name {want}");
    }
}

#[test]
fn every_epoch_has_its_own_shuffle() {
    let a = train::epoch_order(1, 1, 100);
    let b = train::epoch_order(1, 2, 100);
    assert_ne!(a, b);
    assert_eq!(a, train::epoch_order(1, 1, 100));
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(sorted, (0..100).collect::<Vec<_>>(), "a shuffle is a permutation");
}

/// The feature-map picture shows what the network computes: continuing from
/// the maps it draws (the trace's `conv1_a` and `conv2_a`) through pool2 and
/// the three fully connected layers gives the model's own logits.
#[test]
fn the_drawn_conv_maps_continue_to_the_models_logits() {
    use lenet::model::{Arch, LeNet, Pooling};
    use ndarray::{Array2, Axis};
    for arch in [Arch::modern(), Arch::classic()] {
        let model = LeNet::<f32>::new(arch, 9);
        let (x, labels) = digits().test.batch::<f32>(&[0, 1, 2, 3]);
        let trace = model.trace(&x, &labels);
        let (a1, a2) = (trace.conv1_a, trace.conv2_a);
        assert_eq!(a1.dim(), (4, 6, 28, 28));
        assert_eq!(a2.dim(), (4, 16, 10, 10));
        let p2 = match arch.pooling {
            Pooling::Max => lenet::pool::max_forward(&a2, 2, 2).0,
            Pooling::Mean => lenet::pool::mean_forward(&a2, 2, 2),
        };
        let flat: Array2<f32> = lenet::fc::flatten(&p2);
        let p = &model.params;
        let layer =
            |w: &Array2<f32>, b: &ndarray::Array1<f32>, a: &Array2<f32>| w.dot(a) + b.view().insert_axis(Axis(1));
        let act = |z: Array2<f32>| z.mapv(|v| arch.activation.value(v));
        let h1 = act(layer(&p.fc1_w, &p.fc1_b, &flat));
        let h2 = act(layer(&p.fc2_w, &p.fc2_b, &h1));
        let logits = layer(&p.fc3_w, &p.fc3_b, &h2);
        let fast = model.logits(&x, 2);
        let scale = fast.iter().fold(0f32, |m, v| m.max(v.abs()));
        let diff = (&logits - &fast).iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(diff <= 1e-4 * scale.max(1.0), "{arch:?}: largest logit difference {diff} (scale {scale})");
    }
}

/// `report::first_mistake` finds the first wrongly classified image (every
/// earlier one is right), and `None` once the labels are what the model
/// says; `report::trace_of` is the readable pass of that one image.
#[test]
fn report_finds_the_first_mistake_and_traces_one_image() {
    use lenet::model::{Arch, LeNet};
    use lenet::train::report;
    let model = LeNet::<f32>::new(Arch::modern(), 3); // untrained: mostly wrong
    let mut data = digits().test.clone();
    data.labels.truncate(64);
    data.images.truncate(64 * 28 * 28);
    let all: Vec<usize> = (0..64).collect();
    let predicted = model.predict(&data.batch::<f32>(&all).0, 2);
    let (i, p) = report::first_mistake(&model, &data, 2).expect("an untrained model errs");
    assert_eq!(p, predicted[i]);
    assert_ne!(p, data.label(i));
    assert!((0..i).all(|j| predicted[j] == data.label(j)), "no earlier mistake");

    let t = report::trace_of(&model, &data, i);
    let (x, y) = data.batch::<f32>(&[i]);
    assert_eq!(t.x, x);
    assert_eq!(t.probs, model.trace(&x, &y).probs);

    data.labels = predicted.iter().map(|&c| c as u8).collect();
    assert_eq!(report::first_mistake(&model, &data, 2), None);
}

#[test]
fn training_refuses_images_that_are_not_28_by_28_naming_the_split() {
    let mut split = lenet::data::load(&lenet::data::Source::Embedded).expect("the embedded digits");
    // 8,000 images of 28×28 read as 16,000 of 14×28: the same bytes, the wrong size.
    split.train.rows = 14;
    split.train.labels.extend_from_within(..);
    let config = lenet::train::TrainConfig {
        epochs: 1,
        out_dir: std::env::temp_dir().join("lenet-train-14x28"),
        ..Default::default()
    };
    let err =
        lenet::train::train(&config, &split, &mut lenet::train::Silent).expect_err("14×28 images must be refused");
    let text = err.to_string();
    assert!(text.contains("14×28 images") && text.contains(&split.train.name), "{text}");
}

#[test]
fn a_run_held_by_this_process_may_be_resumed_by_it_but_its_folder_is_locked() {
    // A notebook keeps the first outcome (and with it the folder's lock)
    // while it resumes the run: the same process may.
    let dir = TempDir::new("relock");
    let first = train::train(&small(dir.sub("run"), 1), digits(), &mut train::Silent).unwrap();
    let lock = dir.sub("run").join(train::LOCK_FILE);
    assert_eq!(std::fs::read_to_string(&lock).unwrap().trim(), std::process::id().to_string());
    let second = train::resume(&first.checkpoint, Some(2), None, digits(), &mut train::Silent).unwrap();
    assert_eq!(second.history.epochs.len(), 2);
    drop((first, second));
    assert!(!lock.exists(), "released with the last outcome");
}

/// `small` with every augmentation at its defaults.
fn augmented(out_dir: PathBuf, epochs: usize) -> TrainConfig {
    TrainConfig { augment: lenet::augment::Augment::all(), ..small(out_dir, epochs) }
}

#[test]
fn augmented_training_is_the_same_for_any_thread_count_and_not_the_plain_run() {
    let dir = TempDir::new("augment-threads");
    let one =
        train::train(&TrainConfig { threads: 1, ..augmented(dir.sub("1"), 1) }, digits(), &mut train::Silent).unwrap();
    for t in [2, 3] {
        let config = TrainConfig { threads: t, ..augmented(dir.sub(&t.to_string()), 1) };
        let other = train::train(&config, digits(), &mut train::Silent).unwrap();
        assert_eq!(other.model.params, one.model.params, "{t} threads");
        assert_eq!(untimed(&other.history), untimed(&one.history), "{t} threads");
    }
    let plain = train::train(&small(dir.sub("plain"), 1), digits(), &mut train::Silent).unwrap();
    assert_ne!(plain.model.params, one.model.params, "augmentation changes what is learnt");
    let c = Checkpoint::load(&one.checkpoint).unwrap();
    assert_eq!(c.config.augment, lenet::augment::Augment::all(), "the checkpoint records the augmentation");
}

#[test]
fn an_augmented_run_resumes_to_the_same_result_as_an_uninterrupted_one() {
    let dir = TempDir::new("augment-resume");
    let full = train::train(&augmented(dir.sub("full"), 3), digits(), &mut train::Silent).unwrap();
    train::train(&augmented(dir.sub("part"), 1), digits(), &mut train::Silent).unwrap();
    let ckpt = dir.sub("part").join("checkpoint.json");
    let resumed = train::resume(&ckpt, Some(3), None, digits(), &mut train::Silent).unwrap();
    assert_eq!(resumed.model.params, full.model.params, "the resumed epochs saw the same augmented images");
    assert_eq!(untimed(&resumed.history), untimed(&full.history));
}

#[test]
fn each_image_of_each_epoch_gets_its_own_augmentation_generator() {
    let first = |seed, epoch, index| train::augment_rng(seed, epoch, index).next_u64();
    let base = first(1, 1, 0);
    assert_eq!(first(1, 1, 0), base, "a function of (seed, epoch, index) alone");
    assert_ne!(first(2, 1, 0), base, "seed");
    assert_ne!(first(1, 2, 0), base, "epoch");
    assert_ne!(first(1, 1, 1), base, "index");
    // Across a whole epoch of the embedded digits and its neighbour, no two collide.
    let mut words: Vec<u64> = (1..=2).flat_map(|e| (0..8000).map(move |i| first(1, e, i))).collect();
    words.sort_unstable();
    words.dedup();
    assert_eq!(words.len(), 16_000);
}

#[test]
fn the_cosine_schedule_starts_at_the_learning_rate_and_ends_small() {
    use lenet::train::LrSchedule;
    let config = TrainConfig { epochs: 10, lr: 0.05, lr_schedule: LrSchedule::Cosine, ..TrainConfig::default() };
    assert_eq!(config.lr_at(1), 0.05, "epoch 1 uses η");
    let rates: Vec<f64> = (1..=10).map(|e| config.lr_at(e)).collect();
    assert!(rates.windows(2).all(|p| p[1] < p[0]), "falling: {rates:?}");
    // η·½(1 + cos(0.9π)) = η·0.0245: small, but not 0, so the last epoch still learns.
    let last = rates[9];
    assert!((last / 0.05 - 0.5 * (1.0 + (0.9 * std::f64::consts::PI).cos())).abs() < 1e-12 && last > 0.0);
    assert!(last < 0.03 * 0.05, "{last}");
    // Halfway, half the rate; the decay factor plays no part.
    assert!((config.lr_at(6) - 0.025).abs() < 1e-12);
    assert_eq!(TrainConfig { lr_decay: 0.5, ..config.clone() }.lr_at(6), config.lr_at(6));
    // The exponential default is unchanged.
    let d = TrainConfig::default();
    assert_eq!(d.lr_at(3), d.lr * d.lr_decay.powi(2));
    // A run on it trains, and the checkpoint keeps the schedule.
    let dir = TempDir::new("cosine");
    let run = TrainConfig { lr_schedule: LrSchedule::Cosine, ..small(dir.sub("run"), 2) };
    let out = train::train(&run, digits(), &mut train::Silent).unwrap();
    assert_eq!(Checkpoint::load(&out.checkpoint).unwrap().config.lr_schedule, LrSchedule::Cosine);
    let plain = train::train(&small(dir.sub("plain"), 2), digits(), &mut train::Silent).unwrap();
    assert_ne!(out.model.params, plain.model.params, "epoch 2's rate differs: 0.01 instead of 0.016");
}

fn stats(epoch: usize) -> EpochStats {
    EpochStats {
        epoch,
        train_loss: 0.5 / epoch as f64,
        train_accuracy: 0.875,
        held_out_loss: 0.25,
        held_out_accuracy: 0.9375,
        seconds: 1.5,
        images_per_second: 5333.0,
    }
}

#[test]
fn the_table_names_the_held_out_split() {
    let validation = History { held_out: HeldOut::Validation, epochs: vec![stats(1), stats(2)] };
    let text = validation.table().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a heading and two epochs: {text}");
    assert_eq!(
        lines[0].split("  ").map(str::trim).filter(|c| !c.is_empty()).collect::<Vec<_>>(),
        ["epoch", "train loss", "train accuracy", "validation loss", "validation accuracy"]
    );
    assert!(!text.contains("test"), "{text}");
    assert_eq!(lines[2].split_whitespace().collect::<Vec<_>>(), ["2", "0.2500", "87.50%", "0.2500", "93.75%"]);
    // Every line as wide as the heading: the columns line up.
    assert!(lines.iter().all(|l| l.chars().count() == lines[0].chars().count()), "{text}");

    let test = History { held_out: HeldOut::Test, ..validation.clone() };
    let timed = test.timed_table().to_string();
    assert!(timed.lines().next().unwrap().contains("test loss"), "{timed}");
    assert!(timed.lines().next().unwrap().ends_with("seconds  images/s"), "{timed}");
    assert!(!timed.contains("validation"), "{timed}");
    assert_eq!(timed.lines().nth(1).unwrap().split_whitespace().collect::<Vec<_>>()[5..], ["1.50", "5333"]);
    // The HTML of a notebook has the same cells, the heading first.
    let html = validation.table().to_html();
    assert!(html.starts_with("<table") && html.contains("<td") && html.contains("validation accuracy"), "{html}");
    assert_eq!(html.matches("<tr>").count(), 3);
}

#[test]
fn a_history_json_of_the_version_before_the_held_out_name_still_loads() {
    // history.json as the version before wrote it: per epoch `test_loss` and
    // `test_accuracy`, and no `held_out`.
    let old = r#"{
  "epochs": [
    {
      "epoch": 1,
      "train_loss": 0.5,
      "train_accuracy": 0.875,
      "test_loss": 0.25,
      "test_accuracy": 0.9375,
      "seconds": 1.5,
      "images_per_second": 5333.0
    }
  ]
}"#;
    let h: History = serde_json::from_str(old).unwrap();
    assert_eq!(h, History { held_out: HeldOut::Test, epochs: vec![stats(1)] }, "read as the test set it called it");
    // Written again, it says what it is, in the new names, and reads back.
    let json = h.to_json();
    assert!(json.contains("\"held_out\": \"test\"") && json.contains("held_out_loss"), "{json}");
    assert!(!json.contains("test_loss"), "{json}");
    assert_eq!(serde_json::from_str::<History>(&json).unwrap(), h);
    let validation = History { held_out: HeldOut::Validation, ..h };
    assert_eq!(serde_json::from_str::<History>(&validation.to_json()).unwrap(), validation);
}

#[test]
fn a_checkpoint_of_the_version_before_the_held_out_name_resumes_to_the_same_run() {
    let dir = TempDir::new("resume-old");
    let full = train::train(&small(dir.sub("full"), 2), digits(), &mut train::Silent).unwrap();
    train::train(&small(dir.sub("part"), 1), digits(), &mut train::Silent).unwrap();
    // The checkpoint as the version before wrote it: no `held_out`, and the
    // held-out numbers called `test_loss` and `test_accuracy`.
    let ckpt = dir.sub("part").join("checkpoint.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&ckpt).unwrap()).unwrap();
    let history = v["history"].as_object_mut().unwrap();
    history.remove("held_out").unwrap();
    for e in history["epochs"].as_array_mut().unwrap() {
        let e = e.as_object_mut().unwrap();
        let (loss, accuracy) = (e.remove("held_out_loss").unwrap(), e.remove("held_out_accuracy").unwrap());
        e.insert("test_loss".into(), loss);
        e.insert("test_accuracy".into(), accuracy);
    }
    std::fs::write(&ckpt, serde_json::to_string(&v).unwrap()).unwrap();
    let resumed = train::resume(&ckpt, Some(2), None, digits(), &mut train::Silent).unwrap();
    assert_eq!(resumed.model.params, full.model.params);
    assert_eq!(resumed.history.held_out, HeldOut::Validation);
    assert_eq!(untimed(&resumed.history), untimed(&full.history), "the old epoch's numbers are read");
    // The history written after resuming is in the new format.
    let written = std::fs::read_to_string(dir.sub("part").join("history.json")).unwrap();
    assert!(written.contains("\"held_out\": \"validation\"") && !written.contains("test_loss"), "{written}");
}
