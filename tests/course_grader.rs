//! The grader decides, not the submission (issue 18), end to end through
//! the binary: `lenet course grade` on a class of five submissions (right,
//! partly wrong, reaching for a backward function, hostile, forging), and
//! `lenet course check --json` on the forging and the hostile one. The
//! hostile submission loops forever in one exercise, recurses without end
//! in another and allocates 1 TB in a third; every other exercise is still
//! graded. The forging one prints fake verdicts from its functions and its
//! `main`, and calls `exit(0)` in one function: it gets the grade of its
//! real answers.
//!
//! All the runners share one target folder (lenet-course-api and its
//! dependencies are built once); each submission then costs its own crate.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lenet::course::EXERCISES;

#[path = "support/starter.rs"]
mod starter;
use starter::{s, text};
#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

/// The target folder every runner of these tests shares, kept between runs.
fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("course-grader-tests")
}

fn lenet(args: &[&str]) -> Output {
    starter::lenet_in(&shared_target(), args)
}

/// A starter at `dir` with every stub answered right, except those in
/// `wrong`, answered with the body given.
fn submission(dir: &Path, wrong: &[(&str, &str)]) {
    let out = lenet(&["course", "new", s(dir)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    starter::answer(dir, wrong);
}

/// What the forging submission's functions and `main` print: a verdict
/// line per exercise in the checker's JSON and table forms.
const FORGED: &str = r#"{
    for e in ["fc_forward", "kernel_grad", "lenet_backward"] {
        println!("{{\"exercise\":\"{e}\",\"seed\":1,\"status\":\"Passed\"}}");
        println!("{e}  passed");
    }
    println!("15 of 15 passed");
    std::process::exit(0)
}"#;

/// The hostile submission's bodies: an endless loop, endless recursion and
/// an allocation of 1 TB.
const LOOPS: &str = "{ let mut s = 0.0; loop { s += da.sum(); if s.is_nan() { return da.clone(); } } }";
// black_box keeps the optimiser from turning the recursion into a loop
// and from dropping an allocation whose contents it can predict.
const RECURSES: &str = "{
    fn deeper(n: u64) -> u64 {
        let pad = std::hint::black_box([n; 64]);
        std::hint::black_box(deeper(pad[(n % 64) as usize] + 1)) + pad[3]
    }
    let _ = deeper(0);
    grad_a.clone()
}";
const ALLOCATES: &str =
    "{ let v = std::hint::black_box(vec![1u8; 1 << 40]); let _ = std::hint::black_box(v[12345]); logits.clone() }";

/// The CSV row of `student`: its marks by exercise, and the total.
fn row(csv: &str, student: &str) -> (Vec<(String, String)>, String) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let line = lines.find(|l| l.split(',').next() == Some(student)).unwrap_or_else(|| panic!("{student}: {csv}"));
    let cells: Vec<&str> = line.split(',').collect();
    assert_eq!(cells.len(), header.len(), "{line}");
    let marks = header[1..header.len() - 1].iter().zip(&cells[1..]).map(|(h, c)| (h.to_string(), c.to_string()));
    (marks.collect(), cells[cells.len() - 1].to_string())
}

/// Every mark 1 except those of `failed`, which are 0; and the total.
fn assert_marks(csv: &str, student: &str, failed: &[&str]) {
    let (marks, total) = row(csv, student);
    let names: Vec<&str> = marks.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(names, EXERCISES, "one column per exercise");
    for (exercise, mark) in &marks {
        let want = if failed.contains(&exercise.as_str()) { "0" } else { "1" };
        assert_eq!(mark, want, "{student}, {exercise}: {csv}");
    }
    assert_eq!(total, (EXERCISES.len() - failed.len()).to_string(), "{student}: {csv}");
}

/// Gradescope's results.json: a score, and one test per exercise with
/// name, score, max_score, status and output, as its specification names them.
fn assert_gradescope(path: &Path, failed: &[&str]) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let tests = v["tests"].as_array().expect("tests[]");
    assert_eq!(tests.len(), EXERCISES.len());
    let mut total = 0.0;
    for (t, name) in tests.iter().zip(EXERCISES) {
        assert_eq!(t["name"], name);
        assert_eq!(t["max_score"], 1.0);
        let score = t["score"].as_f64().expect("a number");
        let passed = !failed.contains(&name);
        assert_eq!(score, if passed { 1.0 } else { 0.0 }, "{name}: {t}");
        assert_eq!(t["status"], if passed { "passed" } else { "failed" });
        assert!(t["output"].as_str().is_some_and(|o| o.contains(name)), "{t}");
        total += score;
    }
    assert_eq!(v["score"].as_f64(), Some(total), "{v}");
    assert!(v["execution_time"].as_f64().is_some_and(|t| t >= 0.0), "{v}");
    assert!(v["output"].is_string(), "{v}");
    let known = ["score", "execution_time", "output", "tests"];
    for key in v.as_object().unwrap().keys() {
        assert!(known.contains(&key.as_str()), "{key} is not a field of Gradescope's results.json");
    }
    v
}

#[test]
fn grade_a_class_whose_hostile_and_forging_submissions_get_their_real_grade() {
    let tmp = TempDir::new("grade");
    let class = tmp.0.join("class");
    submission(&class.join("alice"), &[]);
    // Two mistakes the checker names, the others right.
    submission(
        &class.join("bob"),
        &[
            (
                "fc_bias_grad",
                "delta.sum_axis(lenet::ndarray::Axis(1)).insert_axis(lenet::ndarray::Axis(1)) / delta.nrows() as f64",
            ),
            (
                "kernel_grad",
                "crate::conv::correlate_valid(a, &delta.slice(lenet::ndarray::s![..;-1, ..;-1]).to_owned())",
            ),
        ],
    );
    // Borrows lenet's answer: builds in the student's own crate, not here.
    submission(&class.join("carol"), &[("bias_grad", "lenet::conv::bias_grad(&lenet::Matrix(delta.clone()))")]);
    submission(
        &class.join("dave"),
        &[("mean_pool_backward", LOOPS), ("relu_backward", RECURSES), ("softmax_cross_entropy_grad", ALLOCATES)],
    );
    let eve = class.join("eve");
    submission(&eve, &[("fc_forward", FORGED)]);
    std::fs::write(
        eve.join("src/main.rs"),
        "fn main() { for e in [\"fc_forward\"] { println!(\"{{\\\"exercise\\\":\\\"{e}\\\",\\\"status\\\":\\\"Passed\\\"}}\"); } }\n",
    )
    .unwrap();

    let out_dir = tmp.0.join("grades");
    let out = lenet(&[
        "course",
        "grade",
        s(&class),
        "--out",
        s(&out_dir),
        "--seed",
        "5",
        "--timeout",
        "3",
        "--memory",
        "1024",
        "--target-dir",
        s(&shared_target()),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let csv = std::fs::read_to_string(out_dir.join("grades.csv")).unwrap();
    assert_marks(&csv, "alice", &[]);
    // A wrong or hostile function fails the exercises that use it too:
    // conv_backward and conv_backward_strided call kernel_grad, lenet_backward nearly everything.
    let bob_failed = ["fc_bias_grad", "kernel_grad", "conv_backward", "conv_backward_strided", "lenet_backward"];
    let dave_failed = ["mean_pool_backward", "relu_backward", "softmax_cross_entropy_grad", "lenet_backward"];
    let eve_failed = ["fc_forward", "lenet_backward"];
    assert_marks(&csv, "bob", &bob_failed);
    assert_marks(&csv, "carol", &EXERCISES);
    assert_marks(&csv, "dave", &dave_failed);
    assert_marks(&csv, "eve", &eve_failed);

    assert_gradescope(&out_dir.join("alice/results.json"), &[]);
    assert_gradescope(&out_dir.join("bob/results.json"), &bob_failed);
    let carol = assert_gradescope(&out_dir.join("carol/results.json"), &EXERCISES);
    let why = carol["output"].as_str().unwrap();
    assert!(why.contains("lenet-course-api") && why.contains("backward"), "{why}");
    assert!(why.contains("src/conv.rs"), "the compiler's error names the student's file: {why}");
    assert_gradescope(&out_dir.join("dave/results.json"), &dave_failed);
    assert_gradescope(&out_dir.join("eve/results.json"), &eve_failed);

    let dave = std::fs::read_to_string(out_dir.join("dave/report.txt")).unwrap();
    for needle in ["timed out", "crashed", "SIGABRT", "stack overflow", "memory limit of 1024 MiB"] {
        assert!(dave.contains(needle), "{needle:?} in dave's report:\n{dave}");
    }
    let eve_report = std::fs::read_to_string(out_dir.join("eve/report.txt")).unwrap();
    assert!(eve_report.contains("exited with status 0 before answering"), "{eve_report}");
    assert!(eve_report.contains("not part of the grade") && eve_report.contains("15 of 15 passed"), "{eve_report}");
    let bob = std::fs::read_to_string(out_dir.join("bob/report.txt")).unwrap();
    assert!(bob.contains("kernel gradient") && bob.contains("on the case a "), "{bob}");
}

#[test]
fn check_streams_real_verdicts_and_keeps_the_submissions_prints_out_of_json() {
    let tmp = TempDir::new("check");
    let eve = tmp.0.join("eve");
    submission(
        &eve,
        &[
            ("fc_forward", FORGED),
            ("mean_pool_backward", LOOPS),
            ("relu_backward", RECURSES),
            ("bias_grad", "delta[[delta.nrows(), 0]]"),
        ],
    );
    let out = lenet(&["course", "check", s(&eve), "--json", "--seed", "3", "--timeout", "3"]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "not every exercise passed: {stdout}\n{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout holds only reports ({e}): {l:?}")))
        .collect();
    let names: Vec<&str> = lines.iter().map(|v| v["exercise"].as_str().unwrap()).collect();
    assert_eq!(names, EXERCISES, "one report per exercise, in order: {stdout}");
    for v in &lines {
        let status = &v["status"];
        match v["exercise"].as_str().unwrap() {
            "fc_forward" => assert!(status["Crashed"]["reason"].as_str().unwrap().contains("status 0"), "{v}"),
            "mean_pool_backward" => assert!(status["TimedOut"].is_object(), "{v}"),
            "relu_backward" => assert!(status["Crashed"]["reason"].as_str().unwrap().contains("signal"), "{v}"),
            "lenet_backward" | "conv_backward" | "conv_backward_strided" => {
                assert_ne!(status, "Passed", "it uses a broken function: {v}")
            }
            "bias_grad" => {
                assert!(status["Panicked"]["message"].as_str().unwrap().contains("out of bounds"), "{v}");
                let at = v["location"].as_str().expect("the panic's location");
                assert!(at.contains("src/conv.rs:"), "the student's file and line: {v}");
            }
            _ => assert_eq!(status, "Passed", "{v}"),
        }
        assert_eq!(v["seed"], 3);
    }
    assert!(stderr.contains("15 of 15 passed"), "the forged prints are shown apart, on stderr: {stderr}");
}

/// The children of process `pid` whose name starts with `prefix` (Linux's /proc).
#[cfg(target_os = "linux")]
fn children_named(pid: u32, prefix: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else { continue };
        // pid (comm) state ppid …: comm may hold spaces, so split after its ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else { continue };
        let comm = head.split_once('(').map_or("", |(_, c)| c);
        let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) && comm.starts_with(prefix) {
            found.push(child);
        }
    }
    found
}

/// Whether process `pid` is still running (not gone, not a zombie).
#[cfg(target_os = "linux")]
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

/// A harness that kills the grader (SIGKILL, to lenet alone) leaves no
/// runner behind: each runner dies with it.
#[cfg(target_os = "linux")]
#[test]
fn killing_the_grader_kills_its_runner() {
    use std::time::{Duration, Instant};
    let tmp = TempDir::new("kill");
    let hw = tmp.0.join("hw");
    submission(&hw, &[("mean_pool_backward", LOOPS)]);
    let mut grader = Command::new(env!("CARGO_BIN_EXE_lenet"))
        .args(["course", "check", s(&hw), "mean_pool_backward", "--timeout", "600"])
        .env("CARGO_TARGET_DIR", shared_target())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The build comes first (shared target: a few seconds); then the runner loops.
    let deadline = Instant::now() + Duration::from_secs(300);
    let runner = loop {
        if let Some(&pid) = children_named(grader.id(), "lenet-runner").first() {
            break pid;
        }
        if Instant::now() > deadline || grader.try_wait().unwrap().is_some() {
            let _ = grader.kill();
            panic!("no runner started within 300 s, or the grader ended");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(running(runner));
    grader.kill().unwrap();
    grader.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while running(runner) {
        assert!(Instant::now() < deadline, "runner {runner} still runs 30 s after the grader was killed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// lenet-core, which holds the backward functions, is a dependency of the
/// API crate only: a submission cannot name it, even with `extern crate`.
#[test]
fn a_submission_cannot_reach_lenet_core() {
    let tmp = TempDir::new("core");
    let hw = tmp.0.join("hw");
    submission(&hw, &[]);
    let lib = hw.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("extern crate lenet_core;\n{source}")).unwrap();
    let out = lenet(&["course", "check", s(&hw), "fc_forward"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "cargo's status for a build error: {stderr}");
    assert!(stderr.contains("can't find crate for `lenet_core`"), "{stderr}");
    assert!(stderr.contains("did not build for grading") && stderr.contains("lenet-course-api"), "{stderr}");
    assert!(out.stdout.is_empty(), "no verdict without a build: {}", text(&out.stdout));
}
