//! Hostile runs (issue 20): odd paths, full or limited output, resuming on
//! other data or to fewer epochs, two runs into one folder, settings out of
//! range, output files that cannot be written, a user's look-alike of a
//! temporary file, and a data set name that does not exist. Each is run
//! through the binary as the issue reproduced it; each ends with a run or a
//! clean error (status 1, a message naming what is wrong), never a panic.

use lenet::data::FILE_NAMES;
use lenet::data::idx::{self, Images};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "support/child.rs"]
mod child;

const LENET: &str = env!("CARGO_BIN_EXE_lenet");

fn scratch(tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-run-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `lenet ARGS` in `cwd`, killed (and the test failed) after 120 s.
fn lenet_in(cwd: &Path, args: &[&std::ffi::OsStr]) -> Output {
    let mut cmd = Command::new(LENET);
    cmd.current_dir(cwd).args(args);
    child::output_within(cmd, Duration::from_secs(120), &format!("lenet {args:?}"))
}

fn lenet(args: &[&str]) -> Output {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    lenet_in(Path::new(env!("CARGO_TARGET_TMPDIR")), &args)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Status 0 and no panic; returns stdout.
fn assert_ran(what: &str, out: &Output) -> String {
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{what}: {:?}, stderr: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    text(&out.stdout)
}

/// Status 1, no panic, and stderr holds every string of `says`; returns it.
fn assert_refused(what: &str, out: &Output, says: &[&str]) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: stderr: {stderr}");
    assert!(!stderr.contains("panicked") && !text(&out.stdout).contains("panicked"), "{what}: {stderr}");
    for w in says {
        assert!(stderr.contains(w), "{what}: expected {w:?} in: {stderr}");
    }
    stderr
}

/// A quick run of the embedded digits into `out`.
fn quick_run(out: &Path, epochs: &str) {
    assert_ran("quick run", &lenet(&["train", "--epochs", epochs, "--limit", "64", "--out", s(out), "--json"]));
}

/// A data folder of `n` 28×28 images (the four standard files, raw).
fn data_folder(dir: &Path, n: usize, seed: u8) {
    std::fs::create_dir_all(dir).unwrap();
    let im = Images {
        count: n,
        rows: 28,
        cols: 28,
        pixels: (0..n * 784).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect(),
    };
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    for (name, raw) in FILE_NAMES.iter().zip([
        idx::encode_images(&im),
        idx::encode_labels(&labels),
        idx::encode_images(&im),
        idx::encode_labels(&labels),
    ]) {
        std::fs::write(dir.join(name), raw).unwrap();
    }
}

// Row 1: a path that is not UTF-8, for the run folder, the model and the
// checkpoint resumed from (before: exit 101, "path contains invalid UTF-8
// characters", after the epoch had trained).
#[cfg(unix)]
#[test]
fn paths_that_are_not_utf8_work_for_train_eval_and_resume() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("utf8");
    let out_name = OsStr::from_bytes(b"bad-\xff");
    let run = dir.join(out_name);
    let train = lenet_in(
        &dir,
        &[
            "train".as_ref(),
            "--epochs".as_ref(),
            "1".as_ref(),
            "--limit".as_ref(),
            "64".as_ref(),
            "--out".as_ref(),
            out_name,
            "--json".as_ref(),
        ],
    );
    let stdout = assert_ran("train --out bad-\\xff", &train);
    assert!(stdout.contains("\"run_dir\":\"bad-\u{fffd}\""), "the path is shown lossily: {stdout}");
    assert!(run.join("model.json").is_file() && run.join("checkpoint.json").is_file());

    let model_name = b"m-\xff.json".to_vec();
    std::fs::copy(run.join("model.json"), dir.join(OsStr::from_bytes(&model_name))).unwrap();
    let eval =
        lenet_in(&dir, &["eval".as_ref(), "--model".as_ref(), OsStr::from_bytes(&model_name), "--json".as_ref()]);
    assert!(assert_ran("eval --model m-\\xff.json", &eval).contains("\"model\":\"m-\u{fffd}.json\""));

    let ckpt = run.join("checkpoint.json");
    let resume =
        lenet_in(&dir, &["train".as_ref(), "--resume".as_ref(), ckpt.as_os_str(), "--epochs".as_ref(), "2".as_ref()]);
    assert!(assert_ran("train --resume bad-\\xff/checkpoint.json", &resume).contains("bad-\u{fffd}"));
}

// Row 2: stdout on a full device (before: exit 101, "failed printing to
// stdout: No space left on device").
#[cfg(target_os = "linux")]
#[test]
fn output_into_a_full_device_is_an_error_not_a_panic() {
    let dir = scratch("full");
    let run = dir.join("run");
    quick_run(&run, "0");
    let model = run.join("model.json");
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    for args in [
        vec!["eval", "--model", s(&model)],
        vec!["eval", "--model", s(&model), "--json"],
        vec!["explain"],
        vec!["train", "--epochs", "0", "--limit", "64", "--out", s(&dir.join("r2"))],
        vec!["train", "--epochs", "0", "--limit", "64", "--out", s(&dir.join("r3")), "--json"],
    ] {
        let mut cmd = Command::new(LENET);
        cmd.args(&args).stdout(full()).stderr(Stdio::piped());
        let out = cmd.output().unwrap();
        assert_refused(&format!("{args:?} > /dev/full"), &out, &["cannot write to stdout: No space left on device"]);
    }
    // stderr full too, for a command that reports progress there: status 1
    // all the same (before: 101, a panic nobody could read).
    let d = dir.join("d");
    let args = ["download", "mnist", "--dir", s(&d), "--base-url", "http://127.0.0.1:9/"];
    let out = Command::new(LENET).args(args).stdout(full()).stderr(full()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "download 2> /dev/full");
    let out = Command::new(LENET).arg("explain").stdout(full()).stderr(full()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "explain > /dev/full 2> /dev/full");
}

// Row 3: a checkpoint remembers its data set; resuming on another is
// refused naming both, unless --other-data (before: exit 0, epoch 2 trained
// on the embedded digits).
#[test]
fn resume_on_other_data_is_refused_naming_both() {
    let dir = scratch("other-data");
    let data = dir.join("data");
    data_folder(&data, 64, 1);
    let run = dir.join("m1");
    let first = ["train", "--dataset", "mnist", "--data", s(&data), "--epochs", "1", "--out", s(&run)];
    assert_ran("train on mnist", &lenet(&first));
    let ckpt = run.join("checkpoint.json");
    let before = std::fs::read(&ckpt).unwrap();
    let model_before = std::fs::read(run.join("model.json")).unwrap();

    let out = lenet(&["train", "--resume", s(&ckpt), "--epochs", "2"]);
    assert_refused(
        "resume on the digits",
        &out,
        &[s(&ckpt), "trained on mnist-train", "this run's data is digits-train", "--other-data"],
    );
    assert_eq!(std::fs::read(&ckpt).unwrap(), before, "the checkpoint is left as it was");
    assert_eq!(std::fs::read(run.join("model.json")).unwrap(), model_before, "and so is the model");

    // The same name, other files: told apart by their checksums.
    let other = dir.join("other");
    data_folder(&other, 64, 2);
    let out = lenet(&["train", "--resume", s(&ckpt), "--epochs", "2", "--dataset", "mnist", "--data", s(&other)]);
    assert_refused("resume on other mnist files", &out, &["trained on mnist-train", "checksums"]);
    assert_eq!(std::fs::read(&ckpt).unwrap(), before);

    // The same data continues; --other-data continues on other data.
    let same = ["train", "--resume", s(&ckpt), "--epochs", "2", "--dataset", "mnist", "--data", s(&data), "--json"];
    assert_ran("resume on the same data", &lenet(&same));
    let out = lenet(&["train", "--resume", s(&ckpt), "--epochs", "3", "--other-data", "--json"]);
    assert!(assert_ran("resume --other-data", &out).contains("\"epochs\":3"));
    let recorded: serde_json::Value = serde_json::from_slice(&std::fs::read(&ckpt).unwrap()).unwrap();
    assert_eq!(recorded["config"]["data"]["train"], "digits-train", "the checkpoint records the new data");
    // --other-data alone means nothing.
    assert_refused(
        "--other-data without --resume",
        &lenet(&["train", "--other-data"]),
        &["--other-data goes with --resume"],
    );
}

// Row 10: --epochs below the checkpoint's (before: exit 0, a checkpoint with
// epochs 1 < epoch 3).
#[test]
fn resume_to_fewer_epochs_than_done_is_refused() {
    let dir = scratch("fewer");
    let run = dir.join("r3");
    quick_run(&run, "3");
    let ckpt = run.join("checkpoint.json");
    let before = std::fs::read(&ckpt).unwrap();
    let out = lenet(&["train", "--resume", s(&ckpt), "--epochs", "1"]);
    assert_refused("--epochs 1 < 3", &out, &["--epochs 1 is below the 3 epochs", s(&ckpt)]);
    assert_eq!(std::fs::read(&ckpt).unwrap(), before);
    // --epochs equal to the checkpoint's is fine (nothing to train), as is --limit not given.
    assert_ran("--epochs 3", &lenet(&["train", "--resume", s(&ckpt), "--epochs", "3"]));
    assert_refused(
        "--limit with --resume",
        &lenet(&["train", "--resume", s(&ckpt), "--limit", "8"]),
        &["only --epochs"],
    );
}

/// A child process, killed when dropped (so a failing test leaves none).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `lenet ARGS`, not waited for, output discarded.
fn spawn(args: &[&str]) -> Killed {
    Killed(
        Command::new(LENET)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// Waits (up to 30 s) until `cond` holds.
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "{what}: not within 30 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

// Row 4 and the concurrency test: a second run into a folder in use is
// refused at once, naming the folder and the holder's PID; a run killed with
// SIGKILL leaves no lock that stops the next (before: both runs exit 0 into
// one folder).
#[test]
fn a_second_run_into_a_folder_in_use_is_refused_and_a_crash_leaves_no_lock() {
    let dir = scratch("lock");
    let run = dir.join("run");
    let mut a = spawn(&["train", "--epochs", "100000", "--lr-decay", "1", "--limit", "256", "--out", s(&run)]);
    let lock = run.join(lenet::train::LOCK_FILE);
    let pid = a.0.id().to_string();
    wait_for("the first run takes the lock", || std::fs::read_to_string(&lock).is_ok_and(|t| t.trim() == pid));
    let t0 = Instant::now();
    let out = lenet(&["train", "--epochs", "1", "--limit", "64", "--out", s(&run)]);
    assert_refused("a second run", &out, &[&format!("run folder {} is in use by lenet process {pid}", run.display())]);
    assert!(t0.elapsed() < Duration::from_secs(20), "refused at once, not after training: {:?}", t0.elapsed());
    assert!(a.0.try_wait().unwrap().is_none(), "the first run goes on");
    // Eval of the checkpoint the first run keeps rewriting: always whole.
    wait_for("a first checkpoint", || run.join("checkpoint.json").exists());
    for _ in 0..5 {
        assert_ran("eval during rewrites", &lenet(&["eval", "--model", s(&run.join("checkpoint.json")), "--json"]));
    }
    a.0.kill().unwrap();
    a.0.wait().unwrap();
    assert!(lock.exists(), "SIGKILL leaves the lock file ...");
    let out = lenet(&["train", "--epochs", "0", "--limit", "64", "--out", s(&run), "--json"]);
    assert_ran("... but not the lock: the next run goes ahead", &out);
    assert!(!lock.exists(), "a run that ends removes its lock file");
}

/// `YYYY-MM-DDTHH-MM-SS` of `secs` after 1970 in UTC, by `date`.
fn stamp(secs: u64) -> String {
    let out = Command::new("date").args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H-%M-%S"]).output().unwrap();
    text(&out.stdout).trim().to_string()
}

// Row 4: the default run folder, runs/<UTC second>, never collides: a folder
// of that name (another run's, started in the same second) gets a suffix
// (before: both runs wrote into it).
#[test]
fn the_default_run_folder_gets_a_suffix_when_the_name_exists() {
    let dir = scratch("default-name");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // Every name the next minute could give is taken already.
    let taken: Vec<String> = (now..now + 60).map(stamp).collect();
    for name in &taken {
        std::fs::create_dir_all(dir.join("runs").join(name)).unwrap();
        std::fs::write(dir.join("runs").join(name).join("keep"), b"another run's").unwrap();
    }
    let args = ["train", "--epochs", "0", "--limit", "64", "--json"].map(std::ffi::OsStr::new);
    let (a, b) = std::thread::scope(|sc| {
        let a = sc.spawn(|| lenet_in(&dir, &args));
        let b = lenet_in(&dir, &args);
        (a.join().unwrap(), b)
    });
    let folder = |out: &Output| {
        let v: serde_json::Value = serde_json::from_str(assert_ran("default folder", out).trim()).unwrap();
        v["run_dir"].as_str().unwrap().to_string()
    };
    let (fa, fb) = (folder(&a), folder(&b));
    assert_ne!(fa, fb, "two runs, two folders");
    for f in [&fa, &fb] {
        let name = f.strip_prefix("runs/").unwrap();
        assert!(!taken.contains(&name.to_string()), "{f} was another run's");
        assert!(taken.iter().any(|t| name.starts_with(&format!("{t}-"))), "{f} is a taken name with a suffix");
        assert!(dir.join(f).join("model.json").is_file());
    }
}

// Row 6: no upper bound on batch size and threads (before: 543 MB and
// 735 MB peaks, and the runs went ahead).
#[test]
fn batch_size_and_threads_have_upper_bounds_also_in_a_checkpoint() {
    let dir = scratch("bounds");
    let out = lenet(&["train", "--batch-size", "1000000000", "--threads", "10000", "--epochs", "1", "--limit", "64"]);
    assert_refused("--threads 10000", &out, &["threads must be at least 1 and at most 8 per CPU, got 10000"]);
    let out =
        lenet(&["train", "--batch-size", "1000000000", "--epochs", "1", "--limit", "64", "--out", s(&dir.join("b"))]);
    assert_refused(
        "--batch-size 1e9",
        &out,
        &["batch size must be at most the number of training images", "64 images"],
    );
    assert!(!dir.join("b").join("checkpoint.json").exists());

    let run = dir.join("run");
    quick_run(&run, "1");
    let out = lenet(&["eval", "--model", s(&run.join("model.json")), "--threads", "10000"]);
    assert_refused("eval --threads 10000", &out, &["threads must be at least 1 and at most 8 per CPU, got 10000"]);
    let out =
        lenet(&["download", "mnist", "--stall-timeout", "18446744073709551615", "--base-url", "http://127.0.0.1:9/"]);
    assert_eq!(out.status.code(), Some(2), "clap refuses it: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("1..=86400"), "{}", text(&out.stderr));
    let ckpt = run.join("checkpoint.json");
    let good: serde_json::Value = serde_json::from_slice(&std::fs::read(&ckpt).unwrap()).unwrap();
    for (setting, says) in [("threads", "threads must be"), ("batch_size", "batch size must be")] {
        let mut v = good.clone();
        v["config"][setting] = serde_json::json!(1_000_000_000_000_000_000u64);
        std::fs::write(&ckpt, serde_json::to_vec(&v).unwrap()).unwrap();
        let out = lenet(&["train", "--resume", s(&ckpt), "--epochs", "2"]);
        assert_refused(&format!("a checkpoint with {setting} 1e18"), &out, &[says]);
    }
}

// Row 7: settings valid as f64 but not as the f32 they are used in (before:
// --lr 1e-50 trained with a rate of 0 to 12 %).
#[test]
fn rates_are_checked_as_the_f32_they_are_used_in() {
    let dir = scratch("f32");
    let r = dir.join("r");
    for (args, says) in [
        (vec!["--lr", "1e-50"], "learning rate must be a positive number that f32 holds"),
        (vec!["--momentum", "0.999999999999"], "momentum must be in [0, 1), and below 1 as f32"),
        (vec!["--lr", "1e-40", "--lr-decay", "1e-10", "--epochs", "3"], "still above 0 as f32 in the last epoch"),
        (vec!["--lr-decay", "1e-300"], "learning-rate decay must be"),
    ] {
        let mut all = vec!["train", "--limit", "64", "--out", s(&r)];
        all.extend(&args);
        if !args.contains(&"--epochs") {
            all.extend(["--epochs", "1"]);
        }
        assert_refused(&format!("{args:?}"), &lenet(&all), &[says]);
        assert!(!r.exists(), "{args:?}: nothing is written");
    }
}

// Row 8: the weight decay is blamed for what it does, and huge numbers are
// written short (before: "the learning rate 0.02 may be too large", and 309
// digits for 1e308).
#[test]
fn a_huge_weight_decay_is_named_and_huge_numbers_are_short() {
    let dir = scratch("wd");
    let out = lenet(&["train", "--weight-decay", "1e39", "--epochs", "1", "--limit", "64", "--out", s(&dir.join("a"))]);
    let e = assert_refused("--weight-decay 1e39", &out, &["weight decay must be", "got 1e39"]);
    assert!(!e.contains("learning rate"), "{e}");
    let out =
        lenet(&["train", "--weight-decay", "1e30", "--epochs", "1", "--limit", "256", "--out", s(&dir.join("b"))]);
    let e = assert_refused("--weight-decay 1e30", &out, &["training diverged", "the weight decay 1e30 is too large"]);
    assert!(!e.contains("may be too large"), "{e}");
    let out = lenet(&["train", "--lr", "1e308", "--epochs", "1", "--limit", "64"]);
    let e = assert_refused("--lr 1e308", &out, &["got 1e308"]);
    assert!(e.len() < 200, "{e}");
}

// Row 9: a run that cannot write its files fails before training (before: a
// whole run trained, then the write failed).
#[test]
fn unwritable_outputs_are_refused_before_the_first_epoch() {
    let dir = scratch("unwritable");
    for name in ["checkpoint.json", "model.json", "loss.svg"] {
        let run = dir.join(name.replace('.', "-"));
        std::fs::create_dir_all(run.join(name)).unwrap();
        let out = lenet(&["train", "--epochs", "2", "--limit", "64", "--out", s(&run)]);
        assert_refused(name, &out, &[s(&run.join(name)), "it is a directory"]);
        let left: Vec<_> = std::fs::read_dir(&run).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from(name)], "nothing was trained or written");
    }
    // A folder no file can be created in: read-only for this user, or, for
    // root (whom permissions do not stop), a folder of sysfs.
    let root = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")));
    let ro = if root {
        PathBuf::from("/sys/kernel")
    } else {
        let ro = dir.join("read-only");
        std::fs::create_dir_all(&ro).unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&ro, std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
        ro
    };
    let out = lenet(&["train", "--epochs", "1", "--limit", "64", "--out", s(&ro)]);
    let e = assert_refused("a read-only folder", &out, &[s(&ro)]);
    assert!(!e.contains("checkpoint.json"), "refused before the first checkpoint: {e}");
}

// Row 11: only lenet's own temporaries are cleaned up (before: the user's
// `.notes.txt.tmp-999999-0` was removed).
#[test]
fn a_users_file_that_looks_like_a_temporary_survives_a_run() {
    let dir = scratch("users-file");
    std::fs::write(dir.join(".notes.txt.tmp-999999-0"), b"x\n").unwrap();
    let leftover = dir.join(".checkpoint.json.lenet-tmp-999999-Ab12cD");
    std::fs::write(&leftover, b"half a checkpoint").unwrap();
    assert_ran("train --out d --epochs 0", &lenet(&["train", "--out", s(&dir), "--epochs", "0", "--limit", "64"]));
    assert_eq!(std::fs::read(dir.join(".notes.txt.tmp-999999-0")).unwrap(), b"x\n");
    assert!(!leftover.exists(), "a dead lenet's leftover goes");
}

// Row 13: the data set option's own word (before: "expected digits, …").
#[test]
fn an_unknown_data_set_is_answered_with_the_options_names() {
    let out = lenet(&["train", "--dataset", "cifar"]);
    assert_refused("--dataset cifar", &out, &["unknown data set `cifar`; expected embedded, mnist or fashion-mnist"]);
}

// Row 14: a file-size limit is an I/O error naming the file (before: SIGXFSZ
// killed lenet silently, status 153).
#[cfg(unix)]
#[test]
fn a_file_size_limit_is_an_error_naming_the_file() {
    let dir = scratch("ulimit");
    let run = dir.join("run");
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg("ulimit -f 100 && exec \"$0\" \"$@\"").arg(LENET).args([
        "train",
        "--epochs",
        "0",
        "--limit",
        "64",
        "--out",
        s(&run),
    ]);
    let out = child::output_within(cmd, Duration::from_secs(120), "lenet train under ulimit -f 100");
    assert_refused("ulimit -f 100", &out, &["checkpoint.json", "File too large"]);
}
