//! The set-up of the tests that run `lenet course` through the binary
//! (tests/cli_course.rs, tests/course_grader.rs): the binary with a target
//! folder for the crates it builds, and a starter crate whose stubs are
//! answered right (`course/solution.rs`) or with the bodies a test gives.
//! Included by `#[path]`, like `temp_dir.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lenet::course::EXERCISES;

#[path = "../course/placeholder.rs"]
pub mod placeholder;
#[path = "../course/solution.rs"]
pub mod solution;

/// Runs the built `lenet` with `args`, building any crate into `target`
/// (the test's own folder, not the project's: the test runs while cargo
/// holds the project's).
pub fn lenet_in(target: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lenet"))
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("the lenet binary runs")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// Every `.rs` file of the crate's src/, with its text, sorted by path.
pub fn sources(krate: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<_> = std::fs::read_dir(krate.join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let t = std::fs::read_to_string(&p).unwrap();
            (p, t)
        })
        .collect();
    files.sort();
    files
}

/// Replaces each stub's placeholder in the starter at `krate` with a right
/// answer written as a student must (`course/solution.rs`: ndarray and the
/// forward passes, no backward function of lenet's, which the grader's
/// build would refuse), except the exercises in `wrong`, answered with the
/// body given. Checks that every exercise had one stub and none is left.
pub fn answer(krate: &Path, wrong: &[(&str, &str)]) {
    let mut filled = 0;
    for (path, mut t) in sources(krate) {
        for name in EXERCISES {
            let stub = placeholder::of(name);
            if t.contains(&stub) {
                let body = wrong.iter().find(|(n, _)| *n == name).map_or_else(|| solution::body(name), |(_, b)| b);
                t = t.replacen(&stub, body, 1);
                filled += 1;
            }
        }
        assert_eq!(placeholder::count(&t), 0, "{} still has a placeholder", path.display());
        std::fs::write(&path, t).unwrap();
    }
    assert_eq!(filled, EXERCISES.len(), "one stub per exercise");
}
