//! `lenet train` and `lenet eval` as a user runs them.

use std::process::{Command, Output};

fn lenet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lenet")).args(args).output().expect("the lenet binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

#[test]
fn train_json_prints_only_the_metrics_and_fills_the_run_folder() {
    let dir = TempDir::new("train");
    let run = dir.0.join("run");
    let out = lenet(&["train", "--epochs", "1", "--limit", "256", "--out", run.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one line of JSON and nothing else: {stdout:?}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    for key in [
        "dataset",
        "epochs",
        "train_loss",
        "train_accuracy",
        "held_out",
        "validation_loss",
        "validation_accuracy",
        "validation_images",
        "train_seconds",
        "wall_seconds",
        "images_per_second",
        "run_dir",
        "model",
    ] {
        assert!(v.get(key).is_some(), "key {key} missing from {v}");
    }
    assert_eq!(v["dataset"], "digits");
    assert_eq!(v["epochs"], 1);
    // The embedded digits hold out a validation set, not a test set.
    assert_eq!(v["held_out"], "validation");
    for key in ["test_loss", "test_accuracy", "test_images"] {
        assert!(v.get(key).is_none(), "{key} in {v}");
    }
    assert_eq!(v["validation_images"], 256);
    let acc = v["validation_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    let history: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("history.json")).unwrap()).unwrap();
    assert_eq!(history["held_out"], "validation");
    assert_eq!(history["epochs"][0]["held_out_accuracy"], v["validation_accuracy"]);
    for plot in ["loss.svg", "accuracy.svg"] {
        let svg = std::fs::read_to_string(run.join(plot)).unwrap();
        // The text between tags, trimmed: the chart's labels and legend.
        let texts: Vec<&str> = svg.split('>').filter_map(|t| t.split('<').next()).map(str::trim).collect();
        assert!(texts.contains(&"validation") && !texts.contains(&"test"), "{plot} names the validation set");
    }
    for f in [
        "history.json",
        "model.json",
        "checkpoint.json",
        "loss.svg",
        "accuracy.svg",
        "kernels.svg",
        "feature_maps.svg",
        "confusion.svg",
    ] {
        let p = run.join(f);
        assert!(p.is_file() && std::fs::metadata(&p).unwrap().len() > 0, "{f} missing from the run folder");
    }
    for f in ["loss.svg", "accuracy.svg", "kernels.svg", "feature_maps.svg", "confusion.svg"] {
        let s = std::fs::read_to_string(run.join(f)).unwrap();
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"), "{f} is not an SVG document");
    }

    // The model it wrote evaluates on the 2,000 validation digits.
    let model = run.join("model.json");
    let e = lenet(&["eval", "--model", model.to_str().unwrap(), "--json"]);
    assert!(e.status.success(), "stderr: {}", text(&e.stderr));
    let ev: serde_json::Value = serde_json::from_str(&text(&e.stdout)).unwrap();
    assert_eq!((ev["held_out"].as_str(), &ev["validation_images"]), (Some("validation"), &2000.into()));
    let confusion: u64 = ev["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(confusion, 2000);

    // Without --json, eval prints the accuracy and the confusion matrix.
    let e = lenet(&["eval", "--model", model.to_str().unwrap()]);
    let s = text(&e.stdout);
    assert!(
        s.contains("accuracy") && s.contains("confusion matrix (rows: true class, columns: predicted class)"),
        "{s}"
    );
}

#[test]
fn eval_of_a_corrupt_model_fails_with_the_file_and_the_problem() {
    let dir = TempDir::new("corrupt");
    let bad = dir.0.join("model.json");
    std::fs::write(&bad, "{\"format\": \"lenet-model\", \"version\": 1, \"para").unwrap();
    let out = lenet(&["eval", "--model", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("model file {}: not valid JSON", bad.display())), "{err}");
    assert!(out.stdout.is_empty());

    let missing = dir.0.join("missing.json");
    let out = lenet(&["eval", "--model", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("missing.json"));
}

#[test]
fn resume_refuses_new_hyperparameters() {
    let dir = TempDir::new("resume");
    let ck = dir.0.join("checkpoint.json");
    let out = lenet(&["train", "--resume", ck.to_str().unwrap(), "--lr", "0.5"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("only --epochs and --out may be given"), "{}", text(&out.stderr));
}

#[test]
fn resume_continues_a_run_from_its_checkpoint() {
    let dir = TempDir::new("resume-run");
    let run = dir.0.join("run");
    let first = lenet(&["train", "--epochs", "1", "--limit", "128", "--out", run.to_str().unwrap(), "--json"]);
    assert!(first.status.success(), "stderr: {}", text(&first.stderr));
    let ck = run.join("checkpoint.json");
    let out = lenet(&["train", "--resume", ck.to_str().unwrap(), "--epochs", "2", "--json"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(v["epochs"], 2, "the history holds both epochs: {v}");
    let h: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("history.json")).unwrap()).unwrap();
    assert_eq!(h["epochs"].as_array().unwrap().len(), 2);
}

#[test]
fn zero_epochs_report_0_seconds_not_minus_0() {
    let dir = TempDir::new("zero-epochs");
    let run = dir.0.join("run");
    let out = lenet(&["train", "--epochs", "0", "--limit", "64", "--out", run.to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("; 0.0 s training, "), "{stdout}");
    assert!(!stdout.contains("-0.0"), "{stdout}");
    let out =
        lenet(&["train", "--epochs", "0", "--limit", "64", "--out", run.join("json").to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert!(v["train_seconds"].as_f64().unwrap().is_sign_positive(), "{v}");
}

/// A run folder of `lenet train --epochs 0` (untrained weights) in `dir`.
fn untrained_run(dir: &TempDir) -> std::path::PathBuf {
    let run = dir.0.join("run");
    let out = lenet(&["train", "--epochs", "0", "--limit", "64", "--out", run.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    run
}

#[test]
fn eval_labels_each_confusion_row_once() {
    let dir = TempDir::new("eval-rows");
    let model = untrained_run(&dir).join("model.json");
    let e = lenet(&["eval", "--model", model.to_str().unwrap()]);
    assert!(e.status.success(), "stderr: {}", text(&e.stderr));
    let s = text(&e.stdout);
    // Ten rows after the header: the digit once, then ten counts that add up
    // to the 2,000 validation digits.
    let lines: Vec<&str> = s.lines().collect();
    let header = lines.iter().position(|l| l.starts_with("confusion matrix")).expect("a confusion matrix") + 1;
    let columns: Vec<&str> = lines[header].split_whitespace().collect();
    assert_eq!(columns, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], "{s}");
    let mut total = 0;
    for (t, row) in lines[header + 1..header + 11].iter().enumerate() {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells.len(), 11, "the label once and ten counts: {row:?}");
        assert_eq!(cells[0], t.to_string(), "{row:?}");
        total += cells[1..].iter().map(|c| c.parse::<u64>().unwrap()).sum::<u64>();
    }
    assert_eq!(total, 2000, "{s}");
}

#[test]
fn eval_takes_a_run_folder_with_a_trailing_slash_and_names_its_model_with_one_slash() {
    let dir = TempDir::new("eval-folder");
    let run = untrained_run(&dir);
    // `runs/X/`, as a shell completes a folder.
    let folder = format!("{}/", run.display());
    let e = lenet(&["eval", "--model", &folder]);
    assert!(e.status.success(), "stderr: {}", text(&e.stderr));
    let s = text(&e.stdout);
    let model = run.join("model.json");
    assert!(s.starts_with(&format!("{} on ", model.display())), "{s}");
    assert!(!s.contains("//"), "{s}");
    let j = lenet(&["eval", "--model", &folder, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&text(&j.stdout)).unwrap();
    assert_eq!(v["model"], model.to_str().unwrap());
}

#[test]
fn train_help_says_the_default_run_folder_is_relative_to_the_current_folder() {
    let out = lenet(&["train", "--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.contains("runs/<UTC date and time>, relative to the current folder"), "{help}");
}

#[test]
fn train_augment_runs_records_the_choice_and_names_a_bad_value() {
    let dir = TempDir::new("augment");
    let run = dir.0.join("run");
    let args = ["train", "--epochs", "1", "--limit", "64", "--augment", "elastic,shift", "--lr-schedule", "cosine"];
    let out = lenet(&[&args[..], &["--out", run.to_str().unwrap(), "--json"]].concat());
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let ck: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("checkpoint.json")).unwrap()).unwrap();
    let config = &ck["config"];
    assert!(config["augment"]["shift"].is_object() && config["augment"]["elastic"].is_object(), "{config}");
    assert!(config["augment"].get("affine").is_none(), "{config}");
    assert_eq!(config["lr_schedule"], "cosine");

    // A bad name: clap's error naming the value, status 2, no run folder, no panic.
    let bad = dir.0.join("bad");
    let out = lenet(&["train", "--augment", "shift,foo", "--out", bad.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid value 'shift,foo' for '--augment <LIST>'")
            && stderr.contains("shift, affine, elastic and mirror, or none, got shift,foo"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked") && !bad.exists(), "{stderr}");
    // Augmentation is a setting of the run: resume keeps the checkpoint's.
    let out = lenet(&["train", "--resume", run.join("checkpoint.json").to_str().unwrap(), "--augment", "none"]);
    assert!(text(&out.stderr).contains("only --epochs and --out may be given"), "{}", text(&out.stderr));
    // The cosine schedule has no decay factor to give.
    let out = lenet(&["train", "--lr-schedule", "cosine", "--lr-decay", "0.5", "--out", bad.to_str().unwrap()]);
    assert!(
        !out.status.success()
            && text(&out.stderr).contains("the cosine schedule (--lr-schedule cosine, or --preset best) has none"),
        "{}",
        text(&out.stderr)
    );
    assert!(!bad.exists());
}

#[test]
fn preset_best_starts_from_the_best_settings_and_given_options_still_win() {
    let dir = TempDir::new("preset");
    let run = dir.0.join("run");
    // --epochs given: it overrides the preset's; the rest comes from TrainConfig::best().
    let out = lenet(&[
        "train",
        "--preset",
        "best",
        "--epochs",
        "1",
        "--limit",
        "64",
        "--json",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let ck: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("checkpoint.json")).unwrap()).unwrap();
    let config = &ck["config"];
    let best = serde_json::to_value(lenet::train::TrainConfig::best()).unwrap();
    assert_eq!(config["epochs"], 1, "{config}");
    for key in ["augment", "lr_schedule", "lr", "momentum", "weight_decay", "batch_size", "seed"] {
        assert_eq!(config[key], best[key], "{key}: {config}");
    }
    assert!(!best["augment"].as_object().unwrap().is_empty(), "the best preset augments: {best}");
    // A preset with --lr-decay: the cosine schedule has no factor, refused before any folder is made.
    let bad = dir.0.join("bad");
    let out = lenet(&["train", "--preset", "best", "--lr-decay", "0.5", "--out", bad.to_str().unwrap()]);
    assert!(!out.status.success() && text(&out.stderr).contains("--preset best) has none"), "{}", text(&out.stderr));
    assert!(!bad.exists());
    // A preset is a setting of a new run; a resumed run keeps its checkpoint's.
    let out = lenet(&["train", "--resume", run.join("checkpoint.json").to_str().unwrap(), "--preset", "best"]);
    assert!(text(&out.stderr).contains("only --epochs and --out may be given"), "{}", text(&out.stderr));
}

#[test]
fn train_help_lists_the_augmentations_and_schedules() {
    let help = text(&lenet(&["train", "--help"]).stdout);
    for says in
        ["--augment <LIST>", "shift", "affine", "elastic", "--lr-schedule", "cosine", "exponential", "--preset", "best"]
    {
        assert!(help.contains(says), "{says} missing from: {help}");
    }
}

#[test]
fn train_names_the_validation_set_of_the_embedded_digits_in_its_table_and_summary() {
    let dir = TempDir::new("names-embedded");
    let run = dir.0.join("run");
    let out = lenet(&["train", "--epochs", "2", "--limit", "64", "--out", run.to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let heading: Vec<&str> = lines[0].split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(
        heading,
        ["epoch", "train loss", "train accuracy", "validation loss", "validation accuracy", "seconds", "images/s"],
        "{stdout}"
    );
    assert_eq!(lines[1].split_whitespace().next(), Some("1"), "{stdout}");
    assert_eq!(lines[2].split_whitespace().next(), Some("2"), "{stdout}");
    assert!(lines[3].starts_with("validation accuracy ") && lines[3].contains(" on digits-validation;"), "{stdout}");
    // The table and the summary (the run folder's path below them is the
    // test's own temp folder).
    let report = &stdout[..stdout.find("run folder ").expect("the run folder is named")];
    assert!(!report.contains("test"), "{stdout}");
}

/// A folder of the four standard files, `n` 28×28 images in each split.
fn mnist_folder(dir: &std::path::Path, n: usize) {
    use lenet::data::FILE_NAMES;
    use lenet::data::idx::{self, Images};
    std::fs::create_dir_all(dir).unwrap();
    let images = Images { count: n, rows: 28, cols: 28, pixels: (0..n * 784).map(|i| (i * 31 % 251) as u8).collect() };
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let files = [
        idx::encode_images(&images),
        idx::encode_labels(&labels),
        idx::encode_images(&images),
        idx::encode_labels(&labels),
    ];
    for (name, bytes) in FILE_NAMES.iter().zip(files) {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn train_names_the_test_set_of_mnist_in_its_table_summary_and_json() {
    let dir = TempDir::new("names-mnist");
    let data = dir.0.join("mnist");
    mnist_folder(&data, 32);
    let data = data.to_str().unwrap();
    let run = dir.0.join("run");
    let args = [
        "train",
        "--dataset",
        "mnist",
        "--data",
        data,
        "--epochs",
        "1",
        "--batch-size",
        "16",
        "--out",
        run.to_str().unwrap(),
    ];
    let out = lenet(&args);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].contains("  test loss  test accuracy  "), "{stdout}");
    assert!(lines[2].starts_with("test accuracy ") && lines[2].contains(" on mnist-test;"), "{stdout}");
    assert!(!stdout.contains("validation"), "{stdout}");

    let run = dir.0.join("run-json");
    let mut args = args.to_vec();
    let out_dir = run.to_str().unwrap();
    *args.last_mut().unwrap() = out_dir;
    args.push("--json");
    let out = lenet(&args);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(v["dataset"], "mnist");
    assert_eq!(v["held_out"], "test");
    assert_eq!(v["test_images"], 32);
    assert!(v["test_loss"].is_f64() && v["test_accuracy"].is_f64(), "{v}");
    assert!(v.get("validation_accuracy").is_none(), "{v}");
    let history: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("history.json")).unwrap()).unwrap();
    assert_eq!(history["held_out"], "test");
}

#[test]
fn train_help_documents_the_json_keys_of_each_held_out_split() {
    let out = lenet(&["train", "--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for key in ["`held_out`", "`validation_accuracy`", "`test_accuracy`"] {
        assert!(help.contains(key), "{key} missing from: {help}");
    }
}

#[test]
fn test_time_mirror_is_recorded_by_train_reported_by_eval_and_a_bad_value_is_named() {
    let dir = TempDir::new("test-time");
    let run = dir.0.join("run");
    let plain_run = dir.0.join("plain");
    let args = ["train", "--epochs", "1", "--limit", "64", "--augment", "mirror"];
    let out = lenet(&[&args[..], &["--test-time", "mirror", "--out", run.to_str().unwrap(), "--json"]].concat());
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let mirrored: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    let out = lenet(&[&args[..], &["--out", plain_run.to_str().unwrap(), "--json"]].concat());
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    // The checkpoint records the choice; a plain run's leaves it out.
    let config = |run: &std::path::Path| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(run.join("checkpoint.json")).unwrap())
            .unwrap()["config"]
            .clone()
    };
    assert_eq!(config(&run)["test_time"], "mirror");
    assert!(config(&plain_run).get("test_time").is_none(), "{}", config(&plain_run));
    // Testing does not change training: the same weights, bit for bit.
    let model = |run: &std::path::Path| std::fs::read(run.join("model.json")).unwrap();
    assert_eq!(model(&run), model(&plain_run));

    // eval says which way it classified, and with mirror agrees with train.
    let eval = |test_time: &str| -> serde_json::Value {
        let out = lenet(&["eval", "--model", run.to_str().unwrap(), "--test-time", test_time, "--json"]);
        assert!(out.status.success(), "stderr: {}", text(&out.stderr));
        serde_json::from_str(&text(&out.stdout)).unwrap()
    };
    let (plain, mirror) = (eval("plain"), eval("mirror"));
    assert_eq!((plain["test_time"].as_str(), mirror["test_time"].as_str()), (Some("plain"), Some("mirror")));
    assert_ne!(plain["loss"], mirror["loss"], "the mirror images' logits count");
    // --limit 64 trained on 64 images and validated on 64; eval takes all 2,000.
    assert_eq!(mirror["validation_images"], 2000);
    let e = lenet(&["eval", "--model", run.to_str().unwrap(), "--test-time", "mirror"]);
    assert!(text(&e.stdout).contains("each image averaged with its mirror image"), "{}", text(&e.stdout));
    assert!(mirrored["validation_accuracy"].is_number(), "{mirrored}");

    // A bad value: clap's error naming it and the choices, status 2.
    let out = lenet(&["eval", "--model", run.to_str().unwrap(), "--test-time", "flip"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid value 'flip' for '--test-time <TEST_TIME>'"), "{stderr}");
    assert!(stderr.contains("[possible values: plain, mirror]"), "{stderr}");
    // A setting of the run: resume keeps the checkpoint's.
    let out = lenet(&["train", "--resume", run.join("checkpoint.json").to_str().unwrap(), "--test-time", "plain"]);
    assert!(text(&out.stderr).contains("only --epochs and --out may be given"), "{}", text(&out.stderr));
}
