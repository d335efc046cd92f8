//! The binary as `cargo install --path .` leaves it: copied out of the
//! target folder and run from a folder that has nothing to do with the
//! checkout. Nothing it needs may be found relative to the current folder;
//! what it writes by default goes there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A copy of the built binary in `root/bin`, as `cargo install` makes one.
fn installed(root: &Path) -> PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("lenet");
    std::fs::copy(env!("CARGO_BIN_EXE_lenet"), &exe).unwrap();
    exe
}

fn run_in(exe: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(exe).args(args).current_dir(cwd).output().expect("the copied lenet binary runs")
}

#[test]
fn an_installed_binary_works_from_any_folder() {
    let root = TempDir::new("anywhere");
    let exe = installed(&root.0);
    let cwd = root.0.join("somewhere");
    std::fs::create_dir_all(&cwd).unwrap();

    // `course new`: the starter is in the binary and the crate depends on
    // the checkout the binary was built from, by its absolute path.
    let out = run_in(&exe, &cwd, &["course", "new", "hw"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let manifest = std::fs::read_to_string(cwd.join("hw/Cargo.toml")).unwrap();
    let checkout = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
    let line = format!("lenet = {{ path = \"{}\", default-features = false }}", checkout.display());
    assert!(manifest.contains(&line), "expected {line} in:\n{manifest}");
    assert!(cwd.join("hw/src/conv.rs").is_file() && cwd.join("hw/tests/check.rs").is_file());

    // A checkout that is not there: the error names the path and --lenet.
    let gone = root.0.join("moved-checkout");
    let out = run_in(&exe, &cwd, &["course", "new", "hw2", "--lenet", gone.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains(gone.to_str().unwrap()) && stderr.contains("--lenet"), "{stderr}");
    assert!(!cwd.join("hw2").exists(), "nothing written");

    // `train` without --out: the run folder is runs/<time> under the
    // current folder.
    let out = run_in(&exe, &cwd, &["train", "--epochs", "0", "--limit", "64", "--json"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let runs: Vec<_> = std::fs::read_dir(cwd.join("runs")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].join("model.json").is_file());
}
