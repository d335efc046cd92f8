//! `lenet course new DIR` writes the student starter, a cargo crate with one
//! stub per exercise of [`lenet::course`]; `lenet course check [DIR]
//! [EXERCISE ...]` grades that crate and `lenet course grade FOLDER` a
//! folder of them. Grading builds the student's `src/` into a runner
//! against lenet's `course/api` (no backward functions) and runs each
//! exercise in a runner process of its own, under a time and a memory
//! limit; this process draws the cases, compares and prints the verdicts
//! ([`lenet::course::runner`]). The crate's own `cargo run` and `cargo test`
//! still check in-process, for a student at work: that protects nothing.
//!
//! The starter's files are `course/starter/` of this checkout, embedded in the
//! binary so that `course new` works from anywhere. There the crate depends
//! on `lenet = { path = "../.." }`, which makes the template itself a working
//! crate; `course new` replaces that path with an absolute one.

use lenet::course::runner::{self, Graded, Limits};
use lenet::course::{EXERCISES, Report, table};
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    /// Grade a student crate's answers (exit 0 only if all pass).
    #[command(override_usage = "lenet course check [DIR] [EXERCISE ...] [--json] [--seed N] [--timeout S]")]
    Check(CheckArgs),
    /// Grade every student crate in a folder: a CSV, a report per student
    /// and Gradescope's results.json.
    Grade(GradeArgs),
}

/// How the runners are built and limited, for check and grade alike.
#[derive(clap::Args)]
struct RunnerArgs {
    /// Wall-clock limit per exercise, in seconds: a runner still going is
    /// stopped and the exercise reported "timed out".
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// Memory limit per exercise's runner, in MiB (its address space).
    #[arg(long, value_name = "MIB", default_value_t = 2048)]
    memory: u64,
    /// The lenet checkout whose course/api and course/runner the runner is
    /// built from [default: the one this binary was built from].
    #[arg(long, value_name = "PATH")]
    lenet: Option<PathBuf>,
}

impl RunnerArgs {
    fn limits(&self) -> Result<Limits, Failure> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 86_400.0) {
            return Err((USAGE, format!("--timeout must be a number of seconds in (0, 86400], not {}", self.timeout)));
        }
        if self.memory < 64 {
            return Err((USAGE, format!("--memory must be at least 64 (MiB), not {}", self.memory)));
        }
        Ok(Limits { timeout: std::time::Duration::from_secs_f64(self.timeout), memory: self.memory << 20 })
    }

    fn checkout(&self) -> Result<PathBuf, Failure> {
        let checkout = lenet_checkout(self.lenet.clone())?;
        runner::checkout_parts(&checkout).map_err(fail)?;
        Ok(checkout)
    }
}

#[derive(clap::Args)]
struct GradeArgs {
    /// The folder of submissions: one student crate (with src/lib.rs) per
    /// subfolder, named after the student.
    submissions: PathBuf,
    /// Where the grades go: grades.csv, and STUDENT/report.txt and
    /// STUDENT/results.json per student [default: SUBMISSIONS/../grades].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The seed of the random inputs, the same for every student [default: a new one].
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// The target folder shared by every submission's build [default: OUT/target].
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,
    #[command(flatten)]
    runner: RunnerArgs,
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
    #[command(flatten)]
    runner: RunnerArgs,
}

pub fn run(args: Args) -> ExitCode {
    let result = match args.command {
        Sub::New(a) => new(a).map(|()| ExitCode::SUCCESS),
        Sub::Check(a) => check(a),
        Sub::Grade(a) => grade(a),
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
        "wrote the starter crate to {} ({} exercises in src/, depending on lenet at {})",
        dir.display(),
        EXERCISES.len(),
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

/// A path as a TOML basic string (every character TOML would read
/// otherwise escaped, a newline too).
fn toml_string(p: &Path) -> String {
    runner::toml_string(&p.to_string_lossy())
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

    let checkout = args.runner.checkout()?;
    let limits = args.runner.limits()?;
    let work = dir.join("target").join("lenet-grader");
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| work.join("target"), PathBuf::from);
    // cargo prints the build (and any compile error, naming the student's
    // file) on stderr; the reports go to stdout.
    let runner = match runner::build(&dir, &checkout, &work, &target, true) {
        Ok(r) => r,
        Err(failure) => {
            eprint!("{}", failure.log);
            eprintln!("error: {} did not build for grading. {}", dir.display(), runner::ALLOWED);
            return Ok(ExitCode::from(failure.status.and_then(|c| u8::try_from(c).ok()).unwrap_or(1)));
        }
    };
    let seed = args.seed.unwrap_or_else(clock_seed);
    let names: Vec<&str> = if exercises.is_empty() {
        EXERCISES.to_vec()
    } else {
        exercises.iter().filter_map(|p| EXERCISES.iter().copied().find(|e| Path::new(e) == p.as_path())).collect()
    };
    let mut reports = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for name in names {
        let Some(Graded { report, printed }) = runner::run_exercise(&runner, name, seed, limits) else { continue };
        // Each verdict as it comes: a slow or stuck exercise does not hide the others.
        if args.json {
            let _ = writeln!(stdout, "{}", report.to_json());
        } else {
            let _ = writeln!(stdout, "{name}  {}", report.status.label());
        }
        let _ = stdout.flush();
        if !printed.is_empty() {
            eprint!("--- what your code printed in {name} (not part of the report) ---\n{printed}");
        }
        reports.push(report);
    }
    if !args.json {
        let _ = write!(stdout, "\n{}", table(&reports));
    }
    let _ = stdout.flush();
    Ok(if reports.iter().all(Report::passed) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A seed from the clock, six digits so it is easy to type back.
fn clock_seed() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (now.as_secs() ^ u64::from(now.subsec_nanos())) % 1_000_000
}

// ---------------------------------------------------------------- grade

/// One student's grading: the reports (all "did not build" when it did
/// not), the build log and what their code printed.
struct Graded1 {
    student: String,
    reports: Vec<Report>,
    build_log: Option<String>,
    printed: String,
    seconds: f64,
}

fn grade(args: GradeArgs) -> Result<ExitCode, Failure> {
    let checkout = args.runner.checkout()?;
    let limits = args.runner.limits()?;
    let root = &args.submissions;
    let entries = fs::read_dir(root).map_err(|e| (USAGE, format!("{}: {e}", root.display())))?;
    let mut students: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("src").join("lib.rs").is_file())
        .map(|p| (p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), p))
        .collect();
    students.sort();
    if students.is_empty() {
        return Err((USAGE, format!("{} holds no student crate (a subfolder with src/lib.rs)", root.display())));
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let parent = root.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        parent.join("grades")
    });
    fs::create_dir_all(&out).map_err(|e| fail(format!("cannot create {}: {e}", out.display())))?;
    let target = args.target_dir.clone().unwrap_or_else(|| out.join("target"));
    let seed = args.seed.unwrap_or_else(clock_seed);
    println!("grading {} submissions in {} with seed {seed}", students.len(), root.display());
    let mut all = Vec::new();
    for (student, dir) in &students {
        let started = std::time::Instant::now();
        let work = out.join(".runners").join(student);
        let mut graded = Graded1 {
            student: student.clone(),
            reports: Vec::new(),
            build_log: None,
            printed: String::new(),
            seconds: 0.0,
        };
        match runner::build(dir, &checkout, &work, &target, false) {
            Ok(runner) => {
                for name in EXERCISES {
                    if let Some(g) = runner::run_exercise(&runner, name, seed, limits) {
                        if !g.printed.is_empty() {
                            graded.printed.push_str(&format!("--- {name} ---\n{}", g.printed));
                        }
                        graded.reports.push(g.report);
                    }
                }
            }
            Err(failure) => {
                graded.build_log = Some(failure.log);
                graded.reports =
                    EXERCISES.iter().map(|e| Report::new(e, seed, lenet::course::Status::NotBuilt)).collect();
            }
        }
        graded.seconds = started.elapsed().as_secs_f64();
        let passed = graded.reports.iter().filter(|r| r.passed()).count();
        println!("{student}: {passed} of {} ({:.1} s)", EXERCISES.len(), graded.seconds);
        write_student(&out, &graded, seed).map_err(|e| fail(format!("cannot write the grades of {student}: {e}")))?;
        all.push(graded);
    }
    let csv = out.join("grades.csv");
    fs::write(&csv, grades_csv(&all)).map_err(|e| fail(format!("cannot write {}: {e}", csv.display())))?;
    println!("wrote {} and a report.txt and results.json per student in {}", csv.display(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// One row per student, one column per exercise (1 passed, 0 not), and the total.
fn grades_csv(all: &[Graded1]) -> String {
    let mut text = format!("student,{},total\n", EXERCISES.join(","));
    for g in all {
        let marks: Vec<&str> = g.reports.iter().map(|r| if r.passed() { "1" } else { "0" }).collect();
        let total = g.reports.iter().filter(|r| r.passed()).count();
        text.push_str(&format!("{},{},{total}\n", csv_field(&g.student), marks.join(",")));
    }
    text
}

/// STUDENT/report.txt and STUDENT/results.json (Gradescope's format: one
/// test per exercise, worth 1).
fn write_student(out: &Path, g: &Graded1, seed: u64) -> std::io::Result<()> {
    let dir = out.join(&g.student);
    fs::create_dir_all(&dir)?;
    let mut report = format!("{}\n\n", g.student);
    if let Some(log) = &g.build_log {
        report.push_str(&format!("The submission did not build.\n{}\n\n{log}\n", runner::ALLOWED));
    }
    report.push_str(&table(&g.reports));
    if !g.printed.is_empty() {
        report.push_str(&format!("\nWhat the submission's code printed (not part of the grade):\n{}", g.printed));
    }
    fs::write(dir.join("report.txt"), report)?;
    let tests: Vec<serde_json::Value> = g
        .reports
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.exercise,
                "score": if r.passed() { 1.0 } else { 0.0 },
                "max_score": 1.0,
                "status": if r.passed() { "passed" } else { "failed" },
                "output": r.to_string(),
            })
        })
        .collect();
    let score = g.reports.iter().filter(|r| r.passed()).count() as f64;
    let mut output = format!("Graded by lenet course grade with seed {seed}.");
    if let Some(log) = &g.build_log {
        output.push_str(&format!(" The submission did not build.\n{}\n\n{log}", runner::ALLOWED));
    }
    let results = serde_json::json!({
        "score": score,
        "execution_time": g.seconds,
        "output": output,
        "tests": tests,
    });
    fs::write(dir.join("results.json"), serde_json::to_string_pretty(&results).expect("plain JSON values"))
}
