//! The model file: round trip, and a clear error for each kind of bad file.

use lenet::data::HeldOut;
use lenet::io::TEMP_MARKER;
use lenet::model::file::{self, Problem};
use lenet::model::{Arch, LeNet};
use lenet::train::Checkpoint;
use lenet::train::{DataRecord, EpochStats, History, TrainConfig};
use std::path::PathBuf;

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("lenet-ckpt-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Rewrites the JSON of a saved model file with `edit`.
fn edit_json(path: &PathBuf, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_string(&v).unwrap()).unwrap();
}

#[test]
fn model_round_trips_bit_for_bit() {
    let dir = TempDir::new("roundtrip");
    for arch in [Arch::modern(), Arch::classic()] {
        let model = LeNet::<f32>::new(arch, 7);
        let path = dir.file("model.json");
        file::save(&path, &model).unwrap();
        let back = file::load(&path).unwrap();
        assert_eq!(back.arch, arch);
        assert_eq!(back.params, model.params, "every f32 weight must survive the JSON round trip exactly");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["format"], "lenet-model");
        assert_eq!(v["version"], 1);
        assert_eq!(v["dtype"], "f32");
    }
}

#[test]
fn checkpoint_round_trips_with_velocity_epoch_config_and_history() {
    let dir = TempDir::new("ckpt");
    let model = LeNet::<f32>::new(Arch::modern(), 3);
    let mut velocity = model.params.clone();
    velocity.fc1_b.fill(0.25);
    let config = TrainConfig { epochs: 5, seed: 42, lr: 0.03, ..TrainConfig::default() };
    let history = History {
        held_out: HeldOut::Validation,
        epochs: vec![EpochStats { epoch: 1, train_loss: 0.5, held_out_accuracy: 0.9, ..Default::default() }],
    };
    let c = Checkpoint { model, velocity, epoch: 1, config, history };
    let path = dir.file("checkpoint.json");
    c.save(&path).unwrap();
    let back = Checkpoint::load(&path).unwrap();
    assert_eq!(back.model.params, c.model.params);
    assert_eq!(back.velocity, c.velocity);
    assert_eq!(back.epoch, 1);
    assert_eq!(back.config, c.config);
    assert_eq!(back.history, c.history);
    // A checkpoint also loads as a model.
    assert_eq!(file::load(&path).unwrap().params, c.model.params);
    // But a model file is not a checkpoint.
    let mpath = dir.file("model.json");
    file::save(&mpath, &c.model).unwrap();
    let e = Checkpoint::load(&mpath).unwrap_err();
    assert!(matches!(e.problem, Problem::Format { .. }), "{e}");
    assert!(e.to_string().contains("\"lenet-model\" but \"lenet-checkpoint\" was expected"), "{e}");
}

/// Turns a checkpoint's history into what the version before the held-out
/// split had a name wrote: no `held_out`, and each epoch's `held_out_loss`
/// and `held_out_accuracy` called `test_loss` and `test_accuracy`.
fn to_old_history(v: &mut serde_json::Value) {
    let history = v["history"].as_object_mut().expect("a history");
    assert!(history.remove("held_out").is_some(), "the new format names the held-out split");
    for e in history["epochs"].as_array_mut().expect("epochs") {
        let e = e.as_object_mut().expect("an epoch");
        for (new, old) in [("held_out_loss", "test_loss"), ("held_out_accuracy", "test_accuracy")] {
            let value = e.remove(new).expect("the new name");
            e.insert(old.to_string(), value);
        }
    }
}

#[test]
fn a_checkpoint_of_the_version_before_the_held_out_name_still_loads() {
    let dir = TempDir::new("old-history");
    let record = |test: &str| DataRecord {
        train: "digits-train".into(),
        train_images: 8000,
        train_checksum: "0123456789abcdef".into(),
        test: test.into(),
        test_images: 2000,
        test_checksum: "fedcba9876543210".into(),
    };
    let epochs = vec![
        EpochStats {
            epoch: 1,
            train_loss: 0.5,
            train_accuracy: 0.875,
            held_out_loss: 0.25,
            held_out_accuracy: 0.9375,
            seconds: 1.5,
            images_per_second: 5333.0,
        },
        EpochStats { epoch: 2, held_out_loss: 0.125, held_out_accuracy: 0.96875, ..Default::default() },
    ];
    // The old file does not say what it held out. The data it records does,
    // when there is a record: the embedded digits' validation split; else it
    // is the test set it called it.
    for (data, expected) in [
        (Some(record("digits-validation")), HeldOut::Validation),
        (Some(record("mnist-test")), HeldOut::Test),
        (None, HeldOut::Test),
    ] {
        let model = LeNet::<f32>::new(Arch::modern(), 3);
        let velocity = model.params.clone();
        let config = TrainConfig { epochs: 4, data: data.clone(), ..TrainConfig::default() };
        let history = History { held_out: HeldOut::Validation, epochs: epochs.clone() };
        let path = dir.file("checkpoint.json");
        Checkpoint { model, velocity, epoch: 2, config, history }.save(&path).unwrap();
        edit_json(&path, to_old_history);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"test_loss\"") && !text.contains("held_out"), "the old format: {text:.200}");
        let back = Checkpoint::load(&path).unwrap_or_else(|e| panic!("{data:?}: {e}"));
        assert_eq!(back.history, History { held_out: expected, epochs: epochs.clone() }, "{data:?}");
        assert_eq!(back.config.data, data);
    }
}

#[test]
fn corrupt_json_names_the_file() {
    let dir = TempDir::new("corrupt");
    let path = dir.file("model.json");
    file::save(&path, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    // Cut the file in half, as an interrupted copy would.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let e = file::load(&path).unwrap_err();
    assert!(matches!(e.problem, Problem::Json(_)), "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with(&format!("model file {}: not valid JSON", path.display())), "{msg}");
    assert!(msg.contains("corrupt or truncated"), "{msg}");
}

#[test]
fn missing_file_names_the_file() {
    let dir = TempDir::new("missing");
    let path = dir.file("nope.json");
    let e = file::load(&path).unwrap_err();
    assert!(matches!(e.problem, Problem::Io(_)), "{e}");
    assert!(e.to_string().contains("nope.json"), "{e}");
}

#[test]
fn wrong_version_and_format_are_named() {
    let dir = TempDir::new("version");
    let path = dir.file("model.json");
    file::save(&path, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    edit_json(&path, |v| v["version"] = 2.into());
    let e = file::load(&path).unwrap_err();
    assert!(matches!(e.problem, Problem::Version { found: 2 }), "{e}");
    assert!(e.to_string().contains("version 2 is not supported (this lenet reads version 1)"), "{e}");

    edit_json(&path, |v| {
        v["version"] = 1.into();
        v["format"] = "something-else".into();
    });
    let e = file::load(&path).unwrap_err();
    assert!(matches!(e.problem, Problem::Format { .. }), "{e}");

    edit_json(&path, |v| {
        v["format"] = "lenet-model".into();
        v["dtype"] = "f64".into();
    });
    let e = file::load(&path).unwrap_err();
    assert!(e.to_string().contains("dtype \"f64\" is not supported"), "{e}");
}

#[test]
fn wrong_shape_names_tensor_and_both_shapes() {
    let dir = TempDir::new("shape");
    let path = dir.file("model.json");
    file::save(&path, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    edit_json(&path, |v| {
        v["params"]["conv1_w"] = serde_json::json!({ "v": 1, "dim": [6, 1, 3, 3], "data": vec![0.1f32; 54] });
    });
    let e = file::load(&path).unwrap_err();
    assert!(matches!(e.problem, Problem::Shape { .. }), "{e}");
    assert!(e.to_string().contains("tensor params.conv1_w: shape 6×1×5×5 expected but 6×1×3×3 found"), "{e}");

    // A missing tensor is named too.
    file::save(&path, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    edit_json(&path, |v| {
        v["params"].as_object_mut().unwrap().remove("fc2_b");
    });
    let e = file::load(&path).unwrap_err();
    assert!(e.to_string().contains("field \"params.fc2_b\" is missing or is not a tensor"), "{e}");
}

/// A shape error is reported as one, naming the tensor and both shapes,
/// whatever else is wrong with the tensor: not as invalid JSON, which is what
/// ndarray's reader says when `dim` and `data` disagree.
#[test]
fn a_shape_error_is_not_called_invalid_json() {
    let dir = TempDir::new("shape-json");
    let path = dir.file("model.json");
    // The wrong shape, with `data` still of the right length (150 entries: the count of 6×1×5×5, not of 6×1×3×3).
    file::save(&path, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    edit_json(&path, |v| v["params"]["conv1_w"]["dim"] = serde_json::json!([6, 1, 3, 3]));
    let e = file::load(&path).unwrap_err();
    let Problem::Shape(shape) = &e.problem else { panic!("a shape error expected: {e}") };
    assert_eq!(
        (shape.tensor.as_str(), &shape.expected[..], &shape.found[..]),
        ("params.conv1_w", &[6, 1, 5, 5][..], &[6, 1, 3, 3][..])
    );
    let msg = e.to_string();
    assert!(msg.contains("tensor params.conv1_w: shape 6×1×5×5 expected but 6×1×3×3 found"), "{msg}");
    assert!(!msg.contains("JSON"), "{msg}");

    // The right shape with entries missing: the count, not "invalid JSON".
    file::save(&path, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    edit_json(&path, |v| {
        v["params"]["fc3_b"]["data"].as_array_mut().unwrap().pop();
    });
    let e = file::load(&path).unwrap_err();
    assert!(matches!(e.problem, Problem::TooShort { expected: 10, found: 9, .. }), "{e}");
    assert!(e.to_string().contains("tensor params.fc3_b: \"data\" has 9 entries but its shape holds 10"), "{e}");

    // In a checkpoint, the velocity's tensors are named as such.
    let model = LeNet::<f32>::new(Arch::modern(), 3);
    let velocity = model.params.zeros_like();
    let c = Checkpoint { model, velocity, epoch: 0, config: TrainConfig::default(), history: History::default() };
    let cpath = dir.file("checkpoint.json");
    c.save(&cpath).unwrap();
    edit_json(&cpath, |v| {
        v["velocity"]["fc1_b"] = serde_json::json!({ "v": 1, "dim": [2, 60], "data": vec![0.0; 120] })
    });
    let e = Checkpoint::load(&cpath).unwrap_err();
    assert!(e.to_string().contains("tensor velocity.fc1_b: shape 120 expected but 2×60 found"), "{e}");
}

/// The parameters' own shape checks return the same typed error.
#[test]
fn parameter_shape_checks_return_the_tensor_and_both_shapes() {
    let good = LeNet::<f32>::new(Arch::modern(), 1).params;
    let mut bad = good.clone();
    bad.fc2_w = lenet::ndarray::Array2::zeros((84, 121));
    let expected = lenet::error::ShapeError { tensor: "fc2_w".into(), expected: vec![84, 120], found: vec![84, 121] };
    assert_eq!(bad.check_lenet_shapes(), Err(expected.clone()));
    assert_eq!(good.shapes_match(&bad), Err(expected.clone()));
    let mut sgd = lenet::optim::Sgd::new(&good, 0.1, 0.9, 0.0);
    assert_eq!(sgd.set_velocity(bad), Err(expected));
    assert_eq!(sgd.velocity(), &good.zeros_like(), "a refused velocity leaves the old one");
}

#[test]
fn nan_weights_are_refused_on_load_and_on_save() {
    let dir = TempDir::new("nan");
    let path = dir.file("model.json");
    let good = LeNet::<f32>::new(Arch::modern(), 1);
    file::save(&path, &good).unwrap();
    // JSON has no NaN; serde_json writes it as null.
    edit_json(&path, |v| v["params"]["fc2_w"]["data"][17] = serde_json::Value::Null);
    let e = file::load(&path).unwrap_err();
    assert!(matches!(e.problem, Problem::NotFinite { index: 17, .. }), "{e}");
    assert!(e.to_string().contains("tensor params.fc2_w: entry 17 is not a finite number"), "{e}");

    // Saving NaN weights fails and leaves the previous file untouched.
    file::save(&path, &good).unwrap();
    let before = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    bad.params.fc3_b[4] = f32::NAN;
    let e = file::save(&path, &bad).unwrap_err();
    assert!(e.to_string().contains("tensor fc3_b: entry 4 is not a finite number"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "a failed save must not touch the file");
}

#[test]
fn a_failed_write_leaves_the_original_untouched() {
    let dir = TempDir::new("failwrite");
    let path = dir.file("model.json");
    file::save(&path, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    let before = std::fs::read(&path).unwrap();
    // A folder where the temporary file would go makes the rename fail:
    // saving to a path that is a non-empty directory cannot succeed.
    let blocked = dir.file("blocked.json");
    std::fs::create_dir_all(blocked.join("inside")).unwrap();
    let e = file::save(&blocked, &LeNet::<f32>::new(Arch::modern(), 2)).unwrap_err();
    assert!(matches!(e.problem, Problem::Io(_)), "{e}");
    assert!(e.to_string().contains("blocked.json"), "{e}");
    assert!(blocked.join("inside").is_dir(), "the directory in the way is left alone");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(&dir.0).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary files are left behind: {leftovers:?}");
}

#[test]
fn a_save_removes_stale_temporaries_of_a_killed_writer_and_nothing_else() {
    let dir = TempDir::new("stale");
    let path = dir.file("checkpoint.json");
    // What a `kill -9` during an atomic write leaves: a partial file under our
    // temporary naming pattern, of a process that no longer runs (no PID is
    // that large).
    let stale = dir.file(&format!(".checkpoint.json{TEMP_MARKER}99999999-a1B2c3"));
    std::fs::write(&stale, b"{\"format\": \"lenet-chec").unwrap();
    let stale_other = dir.file(&format!(".history.json{TEMP_MARKER}99999999-zzzzzz"));
    std::fs::write(&stale_other, b"[").unwrap();
    // Files that are not ours (a user's `.NAME.tmp-PID-N`, the pattern
    // before tempfile, included), or are a temporary of a running writer
    // (this very process), or only look similar, are left alone.
    let keep = [
        ".checkpoint.json.tmp-keep",
        ".checkpoint.json.tmp-99999999-1",
        ".notes.txt.tmp-999999-0",
        "notes.txt",
        &format!(".checkpoint.json{TEMP_MARKER}{}-abcdef", std::process::id()),
        &format!(".checkpoint.json{TEMP_MARKER}99999999-abcdefg"),
        &format!("checkpoint.json{TEMP_MARKER}99999999-abcdef"),
    ];
    for k in keep {
        std::fs::write(dir.file(k), b"mine").unwrap();
    }
    let a_dir = format!(".model.json{TEMP_MARKER}99999999-aaaaaa");
    std::fs::create_dir(dir.file(&a_dir)).unwrap();

    let model = LeNet::<f32>::new(Arch::modern(), 3);
    let velocity = model.params.zeros_like();
    let c = Checkpoint { model, velocity, epoch: 0, config: TrainConfig::default(), history: History::default() };
    c.save(&path).unwrap();

    assert!(!stale.exists(), "the stale temporary of a dead writer is removed");
    assert!(!stale_other.exists(), "every stale temporary of the folder is removed");
    for k in keep {
        assert_eq!(std::fs::read(dir.file(k)).unwrap(), b"mine", "{k} must be left alone");
    }
    assert!(dir.file(&a_dir).is_dir(), "a directory is never removed");
    assert!(Checkpoint::load(&path).is_ok());
}

#[test]
fn out_of_range_settings_in_a_checkpoint_name_the_file_and_the_setting() {
    let dir = TempDir::new("settings");
    let path = dir.file("checkpoint.json");
    let model = LeNet::<f32>::new(Arch::modern(), 3);
    let velocity = model.params.zeros_like();
    let c = Checkpoint { model, velocity, epoch: 0, config: TrainConfig::default(), history: History::default() };
    let cases: [(&str, serde_json::Value, &str); 5] = [
        ("lr", (-1.0).into(), "learning rate must be a positive number, got -1"),
        ("batch_size", 0.into(), "batch size must be at least 1"),
        ("threads", 0.into(), "threads must be at least 1"),
        ("momentum", 1.5.into(), "momentum must be in [0, 1), and below 1 as f32 (at most 0.99999994), got 1.5"),
        ("lr_decay", 0.into(), "learning-rate decay must be in (0, 1] and above 0 as f32, got 0"),
    ];
    for (key, value, says) in cases {
        c.save(&path).unwrap();
        edit_json(&path, |v| v["config"][key] = value.clone());
        let e = Checkpoint::load(&path).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e.problem, Problem::Setting(_)), "{key}: {msg}");
        assert!(msg.contains(&path.display().to_string()), "{key}: the message must name the file: {msg}");
        assert!(msg.contains(says), "{key}: {msg}");
        // The weights in it are fine: it still loads as a model to evaluate.
        assert!(file::load(&path).is_ok());
    }
}

#[test]
fn checkpoints_keep_the_augmentation_and_schedule_and_older_ones_load_without_them() {
    use lenet::augment::{Augment, Elastic};
    use lenet::train::LrSchedule;
    let dir = TempDir::new("augment");
    let path = dir.file("checkpoint.json");
    let model = LeNet::<f32>::new(Arch::modern(), 3);
    let velocity = model.params.zeros_like();
    let plain = Checkpoint { model, velocity, epoch: 0, config: TrainConfig::default(), history: History::default() };
    // Without augmentation or a schedule, the file is what it was before
    // either existed, and a file without them loads as none and exponential.
    plain.save(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(v["config"].get("augment").is_none() && v["config"].get("lr_schedule").is_none(), "{}", v["config"]);
    let back = Checkpoint::load(&path).unwrap();
    assert!(back.config.augment.is_none());
    assert_eq!(back.config.lr_schedule, LrSchedule::Exponential);

    let mut c = plain.clone();
    c.config.augment = Augment::all();
    c.config.lr_schedule = LrSchedule::Cosine;
    c.save(&path).unwrap();
    let back = Checkpoint::load(&path).unwrap();
    assert_eq!(back.config, c.config, "parameters and all");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["config"]["lr_schedule"], "cosine");
    assert_eq!(v["config"]["augment"]["elastic"]["sigma"], 4.0);

    // A parameter edited out of range is refused by name, like any setting.
    c.config.augment.elastic = Some(Elastic { sigma: 4.0, alpha: 34.0 });
    c.save(&path).unwrap();
    edit_json(&path, |v| v["config"]["augment"]["elastic"]["sigma"] = (-1.0).into());
    let e = Checkpoint::load(&path).unwrap_err();
    assert!(matches!(e.problem, Problem::Setting(_)), "{e}");
    assert!(e.to_string().contains("elastic σ must be a positive finite number of pixels, got -1"), "{e}");
    // An unknown schedule is a format error naming it, not a panic.
    c.save(&path).unwrap();
    edit_json(&path, |v| v["config"]["lr_schedule"] = "linear".into());
    let e = Checkpoint::load(&path).unwrap_err().to_string();
    assert!(e.contains("linear"), "{e}");
}
