//! `lenet course new DIR` writes the student starter, a cargo crate with one
//! stub per exercise of [`lenet::course`]; `lenet course check [DIR]
//! [EXERCISE ...]` builds that crate and runs the checker on the student's
//! functions (`cargo run --release` in DIR: the crate's `main` hands them to
//! `lenet::course::main`).
//!
//! The starter's files are `course/starter/` of this checkout, embedded in the
//! binary so that `course new` works from anywhere. There the crate depends
//! on `lenet = { path = "../.." }`, which makes the template itself a working
//! crate; `course new` replaces that path with an absolute one.

use lenet::course::EXERCISES;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The starter's files, each as its path inside the crate and its text.
macro_rules! starter {
    ($($file:literal),* $(,)?) => {
        [$(($file, include_str!(concat!("../../course/starter/", $file)))),*]
    };
}

/// The starter crate, file by file: its path inside the crate and its text.
const STARTER: [(&str, &str); 12] = starter![
    "Cargo.toml",
    ".gitignore",
    "README.md",
    "src/lib.rs",
    "src/main.rs",
    "src/fc.rs",
    "src/conv.rs",
    "src/pool.rs",
    "src/activation.rs",
    "src/loss.rs",
    "src/network.rs",
    "tests/check.rs",
];

/// The dependency line of the template, whose path `course new` replaces.
const TEMPLATE_PATH: &str = r#"lenet = { path = "../..", default-features = false }"#;

/// Exit status for a command line that cannot be run (as the checker's own).
const USAGE: u8 = 2;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Write the student starter: a cargo crate with one stub per exercise.
    New(NewArgs),
    /// Build a student crate and check its answers (exit 0 only if all pass).
    #[command(override_usage = "lenet course check [DIR] [EXERCISE ...] [--json] [--seed N]")]
    Check(CheckArgs),
}

#[derive(clap::Args)]
struct NewArgs {
    /// The folder to create; it must not exist or be empty.
    dir: PathBuf,
    /// The lenet checkout the crate depends on [default: the one this binary
    /// was built from].
    #[arg(long, value_name = "PATH")]
    lenet: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The student crate [default: the current folder], then the exercises to
    /// check [default: all]. A first argument that names an exercise is an
    /// exercise unless it is also a folder with a Cargo.toml.
    #[arg(value_name = "DIR|EXERCISE")]
    targets: Vec<PathBuf>,
    /// One JSON object per exercise, one per line, for a grading script.
    #[arg(long)]
    json: bool,
    /// The seed of the random inputs [default: a new one each run]; every
    /// report prints the seed it used.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

pub fn run(args: Args) -> ExitCode {
    let result = match args.command {
        Sub::New(a) => new(a).map(|()| ExitCode::SUCCESS),
        Sub::Check(a) => check(a),
    };
    result.unwrap_or_else(|(code, message)| {
        eprintln!("error: {message}");
        ExitCode::from(code)
    })
}

type Failure = (u8, String);

fn fail(message: String) -> Failure {
    (1, message)
}

// ---------------------------------------------------------------- new

fn new(args: NewArgs) -> Result<(), Failure> {
    let lenet = lenet_checkout(args.lenet)?;
    let dir = &args.dir;
    if dir.exists() {
        if !dir.is_dir() {
            return Err(fail(format!("{} exists and is not a folder", dir.display())));
        }
        let mut entries = fs::read_dir(dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
        if entries.next().is_some() {
            return Err(fail(format!(
                "{} is not empty; `lenet course new` overwrites nothing: give it a new or an empty folder",
                dir.display()
            )));
        }
    }
    // Everything goes into a hidden temporary folder first and is renamed
    // into place at the end, so an interrupted run leaves no half-written
    // crate: inside DIR when it exists (it may be `.`, which must stay the
    // same folder), else next to it.
    let pid = std::process::id();
    let written = if dir.exists() {
        let tmp = dir.join(format!(".lenet-course-{pid}"));
        let moved = write_starter(&tmp, &lenet).and_then(|()| {
            for entry in fs::read_dir(&tmp)? {
                let entry = entry?;
                fs::rename(entry.path(), dir.join(entry.file_name()))?;
            }
            fs::remove_dir(&tmp)
        });
        moved.inspect_err(|_| {
            let _ = fs::remove_dir_all(&tmp);
        })
    } else {
        let name = dir.file_name().ok_or_else(|| fail(format!("{} does not name a folder", dir.display())))?;
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".lenet-course-{pid}"));
        let tmp = parent.join(tmp_name);
        let moved = write_starter(&tmp, &lenet).and_then(|()| fs::rename(&tmp, dir));
        moved.inspect_err(|_| {
            let _ = fs::remove_dir_all(&tmp);
        })
    };
    written.map_err(|e| fail(format!("cannot write the starter to {}: {e}", dir.display())))?;
    println!(
        "wrote the starter crate to {} (14 exercises in src/, depending on lenet at {})",
        dir.display(),
        lenet.display()
    );
    println!("next: fill in the stubs, then `lenet course check {}`", dir.display());
    Ok(())
}

/// The lenet checkout to depend on, absolute, checked to hold lenet.
fn lenet_checkout(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    let from_option = given.is_some();
    let path = given.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let hint = if from_option {
        "--lenet must name a checkout of lenet (the folder of its Cargo.toml)"
    } else {
        "this binary was built from there; pass the checkout with --lenet PATH"
    };
    let manifest = fs::read_to_string(path.join("Cargo.toml"))
        .map_err(|e| fail(format!("{}: no lenet checkout ({e}); {hint}", path.join("Cargo.toml").display())))?;
    if !manifest.lines().any(|l| l.trim() == r#"name = "lenet""#) {
        return Err(fail(format!("{} is not lenet's Cargo.toml; {hint}", path.join("Cargo.toml").display())));
    }
    let absolute = fs::canonicalize(&path).or_else(|_| std::path::absolute(&path));
    absolute.map_err(|e| fail(format!("{}: {e}", path.display())))
}

fn write_starter(root: &Path, lenet: &Path) -> std::io::Result<()> {
    for (name, text) in STARTER {
        let path = root.join(name);
        fs::create_dir_all(path.parent().expect("a file inside the crate"))?;
        if name == "Cargo.toml" {
            assert!(text.contains(TEMPLATE_PATH), "course/starter/Cargo.toml has the line {TEMPLATE_PATH}");
            let line = format!("lenet = {{ path = {}, default-features = false }}", toml_string(lenet));
            fs::write(path, text.replacen(TEMPLATE_PATH, &line, 1))?;
        } else {
            fs::write(path, text)?;
        }
    }
    // The checkout's lock file, so that the crate builds with the dependency
    // versions lenet was tested with (and already downloaded); cargo drops
    // what the crate does not use (the command line's clap, ureq, …).
    let lock = lenet.join("Cargo.lock");
    if lock.is_file() {
        fs::copy(lock, root.join("Cargo.lock"))?;
    }
    Ok(())
}

/// A path as a TOML basic string.
fn toml_string(p: &Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------- check

fn check(args: CheckArgs) -> Result<ExitCode, Failure> {
    let is_exercise = |p: &Path| p.to_str().is_some_and(|s| EXERCISES.contains(&s));
    let (dir, exercises) = match args.targets.split_first() {
        None => (PathBuf::from("."), &[][..]),
        Some((first, _)) if is_exercise(first) && !first.join("Cargo.toml").is_file() => {
            (PathBuf::from("."), &args.targets[..])
        }
        Some((first, rest)) => (first.clone(), rest),
    };
    if let Some(bad) = exercises.iter().find(|p| !is_exercise(p)) {
        return Err((
            USAGE,
            format!("{} is not an exercise; the exercises are: {}", bad.display(), EXERCISES.join(", ")),
        ));
    }
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        let also = if dir.exists() { "" } else { " (the folder does not exist either)" };
        return Err((
            USAGE,
            format!(
                "{} not found{also}: `lenet course check DIR` checks a crate written by `lenet course new DIR`",
                manifest.display()
            ),
        ));
    }

    // cargo prints the build (and any compile error, naming the student's
    // file) on stderr, the checker its reports on stdout: both pass through.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(&cargo);
    cmd.args(["run", "--release", "--quiet", "--manifest-path"]).arg(&manifest).arg("--");
    cmd.args(exercises);
    if args.json {
        cmd.arg("--json");
    }
    if let Some(seed) = args.seed {
        cmd.arg("--seed").arg(seed.to_string());
    }
    let status = cmd.status().map_err(|e| fail(format!("cannot run {}: {e}", Path::new(&cargo).display())))?;
    match status.code() {
        Some(code) => Ok(ExitCode::from(u8::try_from(code).unwrap_or(1))),
        None => Err(fail(format!("cargo run on {} was stopped by a signal ({status})", manifest.display()))),
    }
}
