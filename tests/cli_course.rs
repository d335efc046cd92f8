//! `lenet course new` and `lenet course check` as a teacher and a student run
//! them, through the built binary: a fresh starter reports every exercise
//! "not started" and fails; the same crate with its stubs filled by the
//! crate's own answers passes, with `--json` giving one object per exercise;
//! a compile error is cargo's, and a kernel gradient written as a convolution
//! is diagnosed as erratum 13.
//!
//! The starter crates compile lenet in release mode. Both share one target
//! folder, `target/course-tests`, so lenet and its dependencies are built once
//! (and kept between runs); each crate then costs only its own compilation.
//! Sharing needs distinct package names: the filled crate is renamed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use lenet::course::EXERCISES;

#[path = "support/starter.rs"]
mod starter;
use starter::{placeholder, s, sources, text};

/// The target folder the starter crates share (their own, not the project's:
/// this test runs while cargo holds the project's).
fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("course-tests")
}

fn lenet(args: &[&str]) -> Output {
    starter::lenet_in(&shared_target(), args)
}

#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

/// The table row of `name` in a report (the first line holding the name as a word).
fn row<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == name))
        .unwrap_or_else(|| panic!("{name} missing: {stdout}"))
}

/// Answers every stub right (see [`starter::answer`]) and renames the crate.
fn fill_with_reference_answers(krate: &Path) {
    starter::answer(krate, &[]);

    // Cargo tells apart two crates sharing a target folder by package name
    // and version, not by folder: with the same name, the second crate would
    // be taken as already built. So this one gets a name of its own (its
    // library keeps the name that main.rs and tests/check.rs use).
    let manifest = krate.join("Cargo.toml");
    let t = std::fs::read_to_string(&manifest).unwrap();
    assert!(t.contains("name = \"backprop-homework\"\n"), "{t}");
    let t = t.replacen("name = \"backprop-homework\"\n", "name = \"backprop-homework-filled\"\n", 1)
        + "\n[lib]\nname = \"backprop_homework\"\n";
    std::fs::write(&manifest, t).unwrap();
}

/// The JSON lines of `--json`, one object per exercise, in catalogue order.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}")))
        .collect();
    let names: Vec<&str> = lines.iter().map(|v| v["exercise"].as_str().expect("an exercise field")).collect();
    assert_eq!(names, EXERCISES, "one line per exercise: {stdout}");
    lines
}

#[test]
fn a_fresh_starter_is_not_started_and_the_reference_answers_pass() {
    let started = Instant::now();
    let tmp = TempDir::new("e2e");
    let hw = tmp.0.join("hw");

    // The teacher writes the starter.
    let out = lenet(&["course", "new", s(&hw)]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("lenet course check {}", hw.display())), "{}", text(&out.stdout));
    for f in ["Cargo.toml", "README.md", ".gitignore", "src/lib.rs", "src/main.rs", "tests/check.rs"] {
        assert!(hw.join(f).is_file(), "{f} missing from the starter");
    }
    let manifest = std::fs::read_to_string(hw.join("Cargo.toml")).unwrap();
    let checkout = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
    assert!(
        manifest.contains(&format!("lenet = {{ path = {:?}, default-features = false }}", s(&checkout))),
        "the starter depends on this checkout by its absolute path: {manifest}"
    );
    let lock = std::fs::read_to_string(hw.join("Cargo.lock")).expect("the checkout's Cargo.lock is copied");
    assert!(lock.contains("name = \"ndarray\""), "{lock}");
    let stubs: usize = sources(&hw).iter().map(|(_, t)| placeholder::count(t)).sum();
    assert_eq!(stubs, 15, "one placeholder per exercise");

    // The student checks the fresh starter: nothing is started, exit non-zero.
    let t = Instant::now();
    let out = lenet(&["course", "check", s(&hw)]);
    let stdout = text(&out.stdout);
    assert!(!out.status.success(), "a fresh starter does not pass: {stdout}");
    for name in EXERCISES {
        let line = row(&stdout, name);
        assert!(line.contains("not started"), "{name} is not started: {line:?}\n{stdout}");
    }
    assert!(stdout.contains("0 of 15 passed"), "{stdout}");
    eprintln!("course check on the fresh starter (builds it): {:.1} s", t.elapsed().as_secs_f64());

    // --json: one object per exercise, with the seed asked for.
    let out = lenet(&["course", "check", s(&hw), "--json", "--seed", "7"]);
    assert!(!out.status.success());
    for v in json_lines(&text(&out.stdout)) {
        assert_eq!(v["seed"], 7, "{v}");
        assert_eq!(v["status"], "NotStarted", "{v}");
    }

    // The same crate with every stub answered by lenet's own functions.
    let done = tmp.0.join("done");
    let out = lenet(&["course", "new", s(&done)]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    fill_with_reference_answers(&done);
    let t = Instant::now();
    let out = lenet(&["course", "check", s(&done)]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "every exercise passes: {stdout}\nstderr: {}", text(&out.stderr));
    for name in EXERCISES {
        let line = row(&stdout, name);
        assert!(line.contains("passed"), "{name} passes: {line:?}\n{stdout}");
    }
    assert!(stdout.contains("15 of 15 passed"), "{stdout}");
    eprintln!("course check on the filled crate (builds it): {:.1} s", t.elapsed().as_secs_f64());
    let out = lenet(&["course", "check", s(&done), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = json_lines(&text(&out.stdout));
    let seed = &lines[0]["seed"];
    assert!(seed.is_u64(), "the seed is in every report: {}", lines[0]);
    assert!(lines.iter().all(|v| &v["seed"] == seed && v["status"] == "Passed"), "one seed per run, all passed");

    // One exercise, chosen by name; DIR defaults to the current folder.
    let out = Command::new(env!("CARGO_BIN_EXE_lenet"))
        .args(["course", "check", "kernel_grad", "--json"])
        .current_dir(&done)
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["exercise"], "kernel_grad");

    // `cargo test --release` in the crate gives the same verdicts.
    let t = Instant::now();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = |krate: &Path| {
        Command::new(&cargo)
            .args(["test", "--release", "--quiet", "--manifest-path"])
            .arg(krate.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", shared_target())
            .output()
            .unwrap()
    };
    let out = run(&done);
    assert!(out.status.success(), "cargo test passes on the filled crate: {}{}", text(&out.stdout), text(&out.stderr));
    let out = run(&hw);
    assert!(!out.status.success(), "cargo test fails on the fresh starter: {}{}", text(&out.stdout), text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("15 failed"), "one failing test per exercise: {stdout}");
    assert!(stdout.to_lowercase().contains("not started"), "{stdout}");
    eprintln!("cargo test --release in both crates: {:.1} s", t.elapsed().as_secs_f64());

    // A student's compile error is shown as cargo prints it, naming the file.
    let t = Instant::now();
    let conv = hw.join("src/conv.rs");
    let stubs = std::fs::read_to_string(&conv).unwrap();
    std::fs::write(&conv, stubs.replacen(&placeholder::of("bias_grad"), "delta.sum() as f32", 1)).unwrap();
    let out = lenet(&["course", "check", s(&hw), "bias_grad"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "cargo's status for a compile error: {stderr}");
    assert!(stderr.contains("error[E0308]") && stderr.contains("src/conv.rs"), "{stderr}");

    // The issue's "done when": kernel_grad written as a convolution (δ turned
    // by 180°) is reported wrong, and the report names the mistake, its
    // erratum and the book's section.
    let convolution = "Array2::from_shape_fn((a.nrows() - delta.nrows() + 1, a.ncols() - delta.ncols() + 1), |(p, q)| {
        let (m, n) = delta.dim();
        let mut s = 0.0;
        for i in 0..m {
            for j in 0..n {
                s += delta[[m - 1 - i, n - 1 - j]] * a[[i + p, j + q]];
            }
        }
        s
    })";
    std::fs::write(&conv, stubs.replacen(&placeholder::of("kernel_grad"), convolution, 1)).unwrap();
    let out = lenet(&["course", "check", s(&hw), "kernel_grad"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(row(&stdout, "kernel_grad").contains("wrong"), "{stdout}");
    for needle in ["kernel gradient flipped", "erratum 13", "convolution.html#"] {
        assert!(stdout.contains(needle), "the report names {needle:?}: {stdout}");
    }
    let out = lenet(&["course", "check", s(&hw), "kernel_grad", "--json"]);
    let v: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!((&v["status"], &v["diagnosis"]["erratum"]), (&"Wrong".into(), &13.into()), "{v}");
    eprintln!("a compile error and a flipped kernel gradient: {:.1} s", t.elapsed().as_secs_f64());
    eprintln!("whole test: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn course_new_refuses_a_non_empty_folder_and_names_it() {
    let tmp = TempDir::new("refuse");
    let dir = tmp.0.join("hw");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = lenet(&["course", "new", s(&dir)]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains(s(&dir)) && stderr.contains("not empty"), "{stderr}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing written");
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");

    // An empty folder is fine, the current one too, and no temporary
    // folder is left behind.
    let empty = tmp.0.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_lenet")).args(["course", "new", "."]).current_dir(&empty).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut names: Vec<_> = std::fs::read_dir(&empty).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(
        names,
        [".gitignore", "Cargo.lock", "Cargo.toml", "README.md", "src", "tests"],
        "the starter and nothing else"
    );
    let fresh = tmp.0.join("a/b/fresh");
    let out = lenet(&["course", "new", s(&fresh)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(fresh.join("src/lib.rs").is_file() && fresh.join("tests/check.rs").is_file());
    let names: Vec<_> = std::fs::read_dir(tmp.0.join("a/b")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["fresh"], "nothing else next to it");

    // --lenet must name a lenet checkout.
    let out = lenet(&["course", "new", s(&tmp.0.join("other")), "--lenet", s(&tmp.0)]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--lenet"), "{}", text(&out.stderr));
}

#[test]
fn course_check_names_a_missing_crate_and_an_unknown_exercise() {
    let tmp = TempDir::new("missing");
    let out = lenet(&["course", "check", s(&tmp.0)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(s(&tmp.0.join("Cargo.toml"))) && stderr.contains("lenet course new"), "{stderr}");

    let out = lenet(&["course", "check", s(&tmp.0), "kernel_grd"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("kernel_grd is not an exercise") && stderr.contains("kernel_grad"), "{stderr}");
}

/// Issue 20, row 12: a checkout path with a newline (or a quote, or a
/// backslash) is written into the starter's Cargo.toml as a TOML string
/// that cargo reads back as the same path.
#[test]
fn course_new_writes_any_checkout_path_as_a_valid_toml_string() {
    let tmp = TempDir::new("toml");
    let checkout = tmp.0.join("fake\nlenet \"q\" \\ end");
    std::fs::create_dir_all(checkout.join("src")).unwrap();
    std::fs::write(
        checkout.join("Cargo.toml"),
        "[package]\nname = \"lenet\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[features]\ncli = []\n",
    )
    .unwrap();
    std::fs::write(checkout.join("src/lib.rs"), "").unwrap();
    let krate = tmp.0.join("hw");
    let out = lenet(&["course", "new", s(&krate), "--lenet", s(&checkout)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
    assert!(manifest.contains(r#"fake\nlenet \"q\" \\ end""#), "{manifest}");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--offline", "--format-version", "1", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo reads the manifest: {}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lenet = v["packages"].as_array().unwrap().iter().find(|p| p["name"] == "lenet").expect("lenet resolved");
    let path = lenet["manifest_path"].as_str().unwrap();
    assert_eq!(Path::new(path), std::fs::canonicalize(&checkout).unwrap().join("Cargo.toml"));
}
