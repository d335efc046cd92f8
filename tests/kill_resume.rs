//! Training interrupted the hard way, through the `lenet` binary:
//!
//! - killed with SIGKILL at random moments (seeded), and also in the middle
//!   of writing a file (when its temporary `.NAME.lenet-tmp-PID-XXXXXX` appears), then
//!   resumed from its checkpoint (or started again when no epoch had
//!   finished), it ends with a model file equal, byte for byte, to an
//!   uninterrupted run's, and leaves no temporary file in the run folder;
//! - a checkpoint write into a full file system (a tiny tmpfs in a private
//!   mount namespace where the test may mount one; else a file-size limit,
//!   which fails the write the same way) fails with a message and leaves the
//!   previous checkpoint as it was.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const LENET: &str = env!("CARGO_BIN_EXE_lenet");
/// A run of about a second: three epochs of 3,000 embedded digits.
const RUN: [&str; 10] = ["train", "--epochs", "3", "--limit", "3000", "--threads", "2", "--seed", "5", "--json"];

#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

/// SplitMix64, seeded: the kill moments are fractions of a run it draws.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `lenet ARGS`, quiet, not waited for.
fn spawn(args: &[&str]) -> Child {
    Command::new(LENET).args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("the lenet binary runs")
}

/// Runs `lenet ARGS` to the end; panics with its stderr if it fails.
fn run_ok(args: &[&str]) -> Output {
    let out = Command::new(LENET).args(args).output().expect("the lenet binary runs");
    assert!(out.status.success(), "lenet {} failed: {}", args.join(" "), text(&out.stderr));
    out
}

/// The training command of the run into `dir`, from scratch or resumed.
fn command(dir: &Path) -> Vec<String> {
    let ckpt = dir.join("checkpoint.json");
    if ckpt.exists() {
        vec!["train".into(), "--resume".into(), ckpt.to_string_lossy().into_owned(), "--json".into()]
    } else {
        let mut v: Vec<String> = RUN.iter().map(|s| s.to_string()).collect();
        v.extend(["--out".to_string(), dir.to_string_lossy().into_owned()]);
        v
    }
}

/// Temporary files of an atomic write left in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.') && n.contains(lenet::io::TEMP_MARKER))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn training_killed_at_random_moments_resumes_to_the_same_model_and_leaves_no_temporary() {
    let root = TempDir::new("resume");
    let reference = root.0.join("uninterrupted");
    let t0 = Instant::now();
    run_ok(&command(&reference).iter().map(String::as_str).collect::<Vec<_>>());
    let full = t0.elapsed();
    let expected = std::fs::read(reference.join("model.json")).unwrap();

    let mut rng = Rng(0x5EED_0FC1);
    // Trials from `random` on kill in the middle of a write instead.
    let (trials, random) = (8, 6);
    let (mut kills, mut in_write, mut resumes, mut restarts) = (0, 0, 0, 0);
    let mut log = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    for trial in 0..trials {
        let dir = root.0.join(format!("trial-{trial}"));
        // One or two kills, then a run to the end.
        let kills_here = 1 + (rng.unit() < 0.5) as usize;
        for k in 0..=kills_here {
            assert!(Instant::now() < deadline, "the trials take over 2 minutes: {log:?}");
            let args = command(&dir);
            let resumed = args.contains(&"--resume".to_string());
            // Leftovers of an earlier kill are not writes of this run.
            let before: Vec<String> = temporaries(&dir);
            let mut child = spawn(&args.iter().map(String::as_str).collect::<Vec<_>>());
            if k == kills_here {
                let out = child.wait_with_output().unwrap();
                assert!(out.status.success(), "the last run of trial {trial} failed: {}", text(&out.stderr));
                if resumed {
                    resumes += 1
                } else {
                    restarts += 1
                }
                break;
            }
            if resumed {
                resumes += 1;
            } else if k > 0 {
                restarts += 1;
            }
            // A moment in the first 90% of a run; or the n-th write seen.
            let at = full.mul_f64(0.9 * rng.unit());
            let nth_write = if trial == random { 1 } else { 1 + (3.0 * rng.unit()) as usize };
            let mut writes = std::collections::BTreeSet::new();
            let started = Instant::now();
            let finished = loop {
                if child.try_wait().unwrap().is_some() {
                    break true;
                }
                if trial < random && started.elapsed() >= at {
                    break false;
                }
                if trial >= random {
                    writes.extend(temporaries(&dir).into_iter().filter(|t| !before.contains(t)));
                    if writes.len() >= nth_write {
                        break false;
                    }
                }
                // A write lasts milliseconds (less on a tmpfs): watch for it without sleeping.
                if trial < random {
                    std::thread::sleep(Duration::from_millis(2));
                }
            };
            if finished {
                // The run beat the kill; the next one is a resume of a finished run.
                log.push(format!("trial {trial}: run {k} finished before the kill"));
                continue;
            }
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            kills += 1;
            let at = started.elapsed();
            let left = temporaries(&dir);
            if left.iter().any(|t| !before.contains(t)) {
                in_write += 1;
            }
            // What a kill leaves is a valid checkpoint, or none yet.
            let ckpt = dir.join("checkpoint.json");
            let state = if ckpt.exists() {
                match lenet::train::Checkpoint::load(&ckpt) {
                    Ok(c) => format!("checkpoint at epoch {}", c.epoch),
                    Err(e) => panic!("trial {trial}: the kill at {at:.2?} left a bad checkpoint: {e}"),
                }
            } else {
                "no checkpoint".to_string()
            };
            log.push(format!(
                "trial {trial}: killed {} run after {at:.2?}: {state}, temporaries {left:?}",
                if resumed { "a resumed" } else { "a" }
            ));
        }
        let got = std::fs::read(dir.join("model.json")).unwrap();
        assert!(got == expected, "trial {trial}: the model differs from the uninterrupted run's: {log:#?}");
        let left = temporaries(&dir);
        assert!(left.is_empty(), "trial {trial}: temporary files left in the run folder: {left:?}; {log:#?}");
    }
    eprintln!(
        "kill/resume: uninterrupted run {full:.2?}; {kills} SIGKILLs in {trials} trials ({in_write} during a write), \
         then {resumes} resumes and {restarts} fresh starts; every model identical, no temporary left:\n  {}",
        log.join("\n  ")
    );
    assert!(kills >= trials / 2, "only {kills} kills in {trials} trials: the runs finished before the kill moments");
    assert!(in_write > 0, "no kill landed in the middle of a write: {log:#?}");
}

/// The shell script that makes the file system full and resumes into it.
/// `$1` is the mount point, `$2` the lenet binary, `$3` a folder outside the
/// mount that receives the evidence. Exit 97: the tmpfs cannot be mounted.
const FULL_DISK_SCRIPT: &str = r#"
set -eu
mount -t tmpfs -o size=8m lenet-full "$1" 2>"$3/mount-error" || exit 97
run="$1/run"
"$2" train --epochs 1 --limit 64 --out "$run" --json >/dev/null
cp "$run/checkpoint.json" "$3/before.json"
head -c 100000000 /dev/zero >"$1/filler" 2>/dev/null || true
set +e
"$2" train --resume "$run/checkpoint.json" --epochs 2 --json >/dev/null 2>"$3/stderr"
echo $? >"$3/status"
cp "$run/checkpoint.json" "$3/after.json"
ls -a "$run" >"$3/listing"
"#;

/// The same without a mount: the previous checkpoint is written normally,
/// then the resumed run may write no file over 1 MiB (`ulimit -f`; SIGXFSZ
/// ignored, so a write fails with EFBIG as it would with ENOSPC).
const FILE_SIZE_LIMIT_SCRIPT: &str = r#"
set -eu
run="$1/run"
"$2" train --epochs 1 --limit 64 --out "$run" --json >/dev/null
cp "$run/checkpoint.json" "$3/before.json"
set +e
(ulimit -f 2048; trap '' XFSZ
 exec "$2" train --resume "$run/checkpoint.json" --epochs 2 --json >/dev/null 2>"$3/stderr")
echo $? >"$3/status"
cp "$run/checkpoint.json" "$3/after.json"
ls -a "$run" >"$3/listing"
"#;

#[test]
fn a_checkpoint_write_into_a_full_file_system_leaves_the_previous_checkpoint_intact() {
    let root = TempDir::new("full");
    let mnt = root.0.join("mnt");
    let evidence = root.0.join("evidence");
    std::fs::create_dir_all(&mnt).unwrap();
    std::fs::create_dir_all(&evidence).unwrap();
    let args = |script: &str| {
        vec![
            "-c".to_string(),
            script.to_string(),
            "sh".into(),
            mnt.to_string_lossy().into(),
            LENET.into(),
            evidence.to_string_lossy().into(),
        ]
    };
    // A private mount namespace: the tmpfs vanishes with the script.
    let unshare = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh"])
        .args(args(FULL_DISK_SCRIPT)[..].iter())
        .output();
    let how = match unshare {
        Ok(out) if out.status.success() => "a full 8 MB tmpfs",
        other => {
            let why = match other {
                Ok(out) if out.status.code() == Some(97) => {
                    std::fs::read_to_string(evidence.join("mount-error")).unwrap_or_default()
                }
                Ok(out) => text(&out.stderr),
                Err(e) => e.to_string(),
            };
            eprintln!("no tmpfs ({}); simulating the full disk with a file-size limit", why.trim());
            let out = Command::new("sh").args(args(FILE_SIZE_LIMIT_SCRIPT)).output().unwrap();
            assert!(out.status.success(), "the script failed: {}", text(&out.stderr));
            "a 1 MiB file-size limit"
        }
    };
    let status = std::fs::read_to_string(evidence.join("status")).unwrap();
    let stderr = std::fs::read_to_string(evidence.join("stderr")).unwrap();
    let before = std::fs::read(evidence.join("before.json")).unwrap();
    let after = std::fs::read(evidence.join("after.json")).unwrap();
    let listing = std::fs::read_to_string(evidence.join("listing")).unwrap();
    eprintln!("full disk ({how}): exit {}, stderr: {}", status.trim(), stderr.trim());
    assert_ne!(status.trim(), "0", "the resumed run succeeded although its checkpoint cannot be written");
    assert_ne!(status.trim(), "101", "the resumed run panicked: {stderr}");
    assert!(stderr.contains("checkpoint.json"), "the message does not name the checkpoint: {stderr}");
    assert!(before == after, "the previous checkpoint changed");
    let ckpt = evidence.join("after.json");
    let c =
        lenet::train::Checkpoint::load(&ckpt).unwrap_or_else(|e| panic!("the previous checkpoint does not load: {e}"));
    assert_eq!(c.epoch, 1);
    assert!(!listing.contains(lenet::io::TEMP_MARKER), "a temporary file was left: {listing}");
}
