//! The coursework checker, `lenet::course`: the crate's own answers pass
//! every check; every catalogued mistake, written as a student would write
//! it, is diagnosed by its name; noise, unfilled stubs, panics and wrong shapes
//! get the right verdict, quietly; reports are reproducible and print as
//! one line of JSON.

use lenet::activation::Activation;
use lenet::course::{self, Answers, CATALOGUE, EXERCISES, Report, Status, check, check_all};
use lenet::model::{Arch, LeNet, Params, Pooling};
use lenet::pool::Argmax;
use lenet::rng::Rng;
use lenet::{Matrix, conv, errata, fc, loss, pool};
use ndarray::{Array1, Array2, Array4, s};
use std::collections::BTreeSet;

const SEEDS: [u64; 4] = [0, 1, 42, 2026];

fn reference() -> Answers {
    Answers::reference()
}

fn m(a: &Array2<f64>) -> Matrix<f64> {
    Matrix(a.clone())
}

/// Checks `exercise` on several seeds and asserts that every report is
/// wrong (or of the wrong shape) with the diagnosis `name`.
fn assert_diagnosed(exercise: &str, answers: Answers, name: &str) -> Report {
    let mut last = None;
    for seed in SEEDS {
        let r = check(exercise, &answers, seed).expect("a known exercise");
        assert!(matches!(r.status, Status::Wrong | Status::WrongShape { .. }), "seed {seed}: {r}");
        let got = r.diagnosis.as_ref().map(|d| d.name.as_str());
        assert_eq!(got, Some(name), "seed {seed}: {r}");
        last = Some(r);
    }
    last.expect("at least one seed")
}

/// Every (exercise, mistake name) that a test in `mistakes/` implements.
const TESTED: &[(&str, &str)] = &[
    ("fc_forward", "bias missing"),
    ("fc_backprop_delta", "σ′ missing"),
    ("fc_backprop_delta", "σ instead of σ′"),
    ("fc_backprop_delta", "transpose missing"),
    ("fc_backprop_delta", "σ′ on the wrong layer"),
    ("fc_backprop_delta", "sign flipped"),
    ("fc_weight_grad", "batch summed instead of averaged"),
    ("fc_weight_grad", "transpose missing"),
    ("fc_weight_grad", "sign flipped"),
    ("fc_bias_grad", "batch summed instead of averaged"),
    ("fc_bias_grad", "sign flipped"),
    ("correlate_valid", "kernel flipped (a convolution instead of a correlation)"),
    ("full_convolve", "kernel not rotated"),
    ("full_convolve", "no zero padding"),
    ("full_convolve", "sign flipped"),
    ("kernel_grad", "kernel gradient flipped (a convolution instead of a correlation)"),
    ("kernel_grad", "kernel gradient turned by 180°"),
    ("kernel_grad", "sign flipped"),
    ("bias_grad", "averaged instead of summed"),
    ("bias_grad", "sign flipped"),
    ("conv_backward", "kernel not rotated"),
    ("conv_backward", "no zero padding"),
    ("conv_backward", "padding not cropped"),
    ("conv_backward", "kernel gradient flipped (a convolution instead of a correlation)"),
    ("conv_backward", "batch summed instead of averaged"),
    ("conv_backward", "sign flipped"),
    ("conv_backward_strided", "δ not dilated (stride ignored)"),
    ("conv_backward_strided", "dilated δ not filled up to the unit-stride size"),
    ("conv_backward_strided", "kernel not rotated"),
    ("conv_backward_strided", "padding not cropped"),
    ("conv_backward_strided", "kernel gradient flipped (a convolution instead of a correlation)"),
    ("conv_backward_strided", "batch summed instead of averaged"),
    ("conv_backward_strided", "sign flipped"),
    ("mean_pool_backward", "not divided by the window area"),
    ("mean_pool_backward", "assignment instead of accumulation"),
    ("mean_pool_backward", "sign flipped"),
    ("max_pool_backward", "assignment instead of accumulation"),
    ("max_pool_backward", "sign flipped"),
    ("relu_backward", "σ′ missing"),
    ("relu_backward", "ReLU applied to the gradient"),
    ("relu_backward", "sign flipped"),
    ("softmax_cross_entropy_grad", "sign flipped"),
    ("softmax_cross_entropy_grad", "the notes' δ, (y − p)/N"),
    ("softmax_cross_entropy_grad", "δ divided by N"),
    ("softmax_cross_entropy_grad", "ReLU on the logits"),
    ("lenet_backward", "batch summed instead of averaged"),
    ("lenet_backward", "mean pooling instead of max pooling"),
    ("lenet_backward", "sign flipped"),
];

#[test]
fn every_catalogue_entry_has_a_test_below() {
    let catalogue: BTreeSet<(&str, &str)> = CATALOGUE.iter().map(|(e, m)| (*e, m.name)).collect();
    let tested: BTreeSet<(&str, &str)> = TESTED.iter().copied().collect();
    assert_eq!(catalogue, tested);
    for (exercise, _) in CATALOGUE {
        assert!(EXERCISES.contains(exercise), "{exercise}");
    }
}

// ---------------------------------------------------------------- passing

#[test]
fn the_reference_answers_pass_every_check_without_a_diagnosis() {
    for seed in SEEDS {
        let reports = check_all(&reference(), seed);
        assert_eq!(reports.len(), EXERCISES.len());
        for (r, name) in reports.iter().zip(EXERCISES) {
            assert_eq!(r.exercise, name);
            assert!(r.passed(), "{r}");
            assert_eq!(r.seed, seed);
            assert!(r.diagnosis.is_none(), "{r}");
            let worst = r.worst.as_ref().expect("a worst entry");
            assert!(worst.rel_error < course::TOLERANCE, "{r}");
        }
        // Every gradient has a finite-difference check; the forward passes do not.
        for r in &reports {
            let is_forward = ["fc_forward", "correlate_valid"].contains(&r.exercise.as_str());
            assert_eq!(r.finite_difference.is_none(), is_forward, "{r}");
        }
    }
}

#[test]
fn an_unknown_exercise_is_none() {
    assert!(check("kernel_gradient", &reference(), 1).is_none());
}

// ------------------------------------------------------------- mistakes

#[path = "course/mistakes/mod.rs"]
mod mistakes;
use mistakes::conv::kernel_grad_convolved;

// ------------------------------------------- general relations, any exercise

fn relu_halved(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    Activation::Relu.backward(da, z) / 2.0
}

fn relu_turned(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    let mut d = Activation::Relu.backward(da, z);
    d.invert_axis(ndarray::Axis(3));
    d.invert_axis(ndarray::Axis(2));
    d
}

fn relu_gate_too_narrow(da: &Array4<f64>, z: &Array4<f64>) -> Array4<f64> {
    ndarray::Zip::from(da).and(z).map_collect(|&g, &v| if v > 0.5 { g } else { 0.0 })
}

fn correlate_transposed(a: &Array2<f64>, k: &Array2<f64>) -> Array2<f64> {
    conv::correlate_valid(&m(a), &m(k)).0.t().to_owned()
}

fn softmax_rolled(z: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    let d = loss::softmax_cross_entropy(z, labels).1;
    Array2::from_shape_fn(d.dim(), |(i, n)| d[[(i + d.nrows() - 1) % d.nrows(), n]])
}

fn mean_pool_twice_divided(dy: &Array4<f64>, shape: (usize, usize, usize, usize), k: usize, s: usize) -> Array4<f64> {
    pool::mean_backward(dy, shape, k, s) / (k * k) as f64
}

/// The diagnosis name on every seed of [`SEEDS`].
fn relation_names(exercise: &str, answers: Answers) -> Vec<String> {
    SEEDS
        .iter()
        .map(|&seed| {
            let r = check(exercise, &answers, seed).unwrap();
            assert!(!r.passed(), "{r}");
            r.diagnosis.map_or_else(|| format!("none: {}", r.worst.map_or(String::new(), |w| w.index)), |d| d.name)
        })
        .collect()
}

#[test]
fn a_wrong_answer_the_catalogue_lacks_is_named_by_its_relation_to_the_right_one() {
    for (exercise, answers, want) in [
        (
            "relu_backward",
            Answers { relu_backward: relu_halved, ..reference() },
            "the answer: off by a constant factor",
        ),
        ("relu_backward", Answers { relu_backward: relu_turned, ..reference() }, "the answer: turned by 180°"),
        (
            "relu_backward",
            Answers { relu_backward: relu_gate_too_narrow, ..reference() },
            "the answer: zero where it should not be",
        ),
        ("correlate_valid", Answers { correlate_valid: correlate_transposed, ..reference() }, "the answer: transposed"),
        (
            "softmax_cross_entropy_grad",
            Answers { softmax_cross_entropy_grad: softmax_rolled, ..reference() },
            "the answer: shifted by one",
        ),
    ] {
        for name in relation_names(exercise, answers) {
            assert_eq!(name, want, "{exercise}");
        }
    }
}

#[test]
fn a_constant_factor_that_is_a_size_of_the_case_is_named_by_it() {
    for seed in SEEDS {
        let answers = Answers { mean_pool_backward: mean_pool_twice_divided, ..reference() };
        let r = check("mean_pool_backward", &answers, seed).unwrap();
        let d = r.diagnosis.clone().unwrap_or_else(|| panic!("{r}"));
        assert_eq!(d.name, "the answer: off by a constant factor", "{r}");
        assert!(d.explanation.contains("times 1/"), "the factor 1/k² is named: {r}");
    }
}

// ------------------------------------------- noise, stubs, panics, shapes

fn noise2(rows: usize, cols: usize) -> Array2<f64> {
    Rng::new(99).uniform_array((rows, cols), -1.0, 1.0)
}

fn kernel_grad_noise(a: &Array2<f64>, d: &Array2<f64>) -> Array2<f64> {
    noise2(a.nrows() - d.nrows() + 1, a.ncols() - d.ncols() + 1)
}

fn full_convolve_noise(d: &Array2<f64>, w: &Array2<f64>) -> Array2<f64> {
    noise2(d.nrows() + w.nrows() - 1, d.ncols() + w.ncols() - 1)
}

fn softmax_noise(z: &Array2<f64>, _labels: &[usize]) -> Array2<f64> {
    noise2(z.nrows(), z.ncols())
}

fn max_pool_noise(dy: &Array4<f64>, argmax: &Argmax) -> Array4<f64> {
    let _ = dy;
    Rng::new(5).uniform_array(argmax.input_shape, -1.0, 1.0)
}

fn conv_backward_noise(
    x: &Array4<f64>,
    w: &Array4<f64>,
    _dy: &Array4<f64>,
    _p: usize,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let mut rng = Rng::new(3);
    (
        rng.uniform_array(x.raw_dim(), -1.0, 1.0),
        rng.uniform_array(w.raw_dim(), -1.0, 1.0),
        rng.uniform_array(w.dim().0, -1.0, 1.0),
    )
}

#[test]
fn noise_is_wrong_with_no_diagnosis() {
    let answers = Answers {
        kernel_grad: kernel_grad_noise,
        full_convolve: full_convolve_noise,
        softmax_cross_entropy_grad: softmax_noise,
        max_pool_backward: max_pool_noise,
        conv_backward: conv_backward_noise,
        ..reference()
    };
    for exercise in ["kernel_grad", "full_convolve", "softmax_cross_entropy_grad", "max_pool_backward", "conv_backward"]
    {
        for seed in SEEDS {
            let r = check(exercise, &answers, seed).unwrap();
            assert_eq!(r.status, Status::Wrong, "{r}");
            assert!(r.diagnosis.is_none(), "{r}");
            assert!(r.worst.as_ref().unwrap().rel_error > 1e-3, "{r}");
            assert!(r.finite_difference.unwrap() > 1e-3, "{r}");
        }
    }
}

#[test]
fn a_nan_answer_is_wrong() {
    fn nan(w: &Array2<f64>, a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
        fc::forward(w, a, b).0.mapv(|_| f64::NAN)
    }
    let r = check("fc_forward", &Answers { fc_forward: nan, ..reference() }, 1).unwrap();
    assert_eq!(r.status, Status::Wrong);
    assert_eq!(r.worst.as_ref().unwrap().rel_error, 1.0);
    // NaN has no JSON number: serde_json writes null, and the line still parses.
    let _: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
}

// The student starter itself (`course/starter/`, which `lenet course new`
// writes), compiled into this test as it is handed out: every stub unfilled.
#[path = "../course/starter/src/lib.rs"]
mod starter;

#[test]
fn the_unfilled_starter_is_not_started() {
    let reports = check_all(&starter::answers(), 8);
    assert_eq!(reports.len(), EXERCISES.len());
    for r in &reports {
        assert_eq!(r.status, Status::NotStarted, "{r}");
        assert!(r.worst.is_none() && r.diagnosis.is_none() && r.finite_difference.is_none());
        assert!(r.to_string().contains("not started"), "{r}");
    }
}

fn correlate_out_of_bounds(a: &Array2<f64>, _w: &Array2<f64>) -> Array2<f64> {
    let row: Vec<f64> = a.row(0).to_vec();
    let beyond = row.len() + 2;
    Array2::from_elem((1, 1), row[beyond])
}

#[test]
fn an_index_error_is_panicked_with_its_message() {
    let r = check("correlate_valid", &Answers { correlate_valid: correlate_out_of_bounds, ..reference() }, 4).unwrap();
    match &r.status {
        Status::Panicked { message } => {
            assert!(message.contains("index out of bounds"), "{message}");
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    assert!(r.to_string().contains("index out of bounds"), "{r}");
}

fn fc_forward_one_by_one(_w: &Array2<f64>, _a: &Array2<f64>, _b: &Array2<f64>) -> Array2<f64> {
    Array2::zeros((1, 1))
}

#[test]
fn a_wrong_shape_names_both_shapes() {
    let seed = 6;
    let r = check("fc_forward", &Answers { fc_forward: fc_forward_one_by_one, ..reference() }, seed).unwrap();
    let Status::WrongShape { expected, got } = &r.status else { panic!("{r}") };
    assert_eq!(got, "1×1");
    let right = check("fc_forward", &reference(), seed).unwrap();
    assert!(right.passed());
    // The expected shape is out × N, at least 2×2.
    let dims: Vec<usize> = expected.split('×').map(|d| d.parse().unwrap()).collect();
    assert!(dims.len() == 2 && dims.iter().all(|&d| d >= 2), "{expected}");
    assert!(r.to_string().contains(&format!("expected shape {expected}, got 1×1")), "{r}");
}

#[test]
fn the_same_seed_gives_the_same_report_and_another_seed_other_inputs() {
    let answers = Answers { kernel_grad: kernel_grad_noise, ..reference() };
    let a = check("kernel_grad", &answers, 11).unwrap();
    let b = check("kernel_grad", &answers, 11).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.to_json(), b.to_json());
    let others: Vec<Report> = (12..16).map(|seed| check("kernel_grad", &answers, seed).unwrap()).collect();
    assert!(others.iter().any(|c| c.worst != a.worst), "inputs do not change with the seed");
}

#[test]
fn to_json_is_one_line_with_every_field() {
    let answers = Answers { kernel_grad: kernel_grad_convolved, ..reference() };
    let r = check("kernel_grad", &answers, 21).unwrap();
    let line = r.to_json();
    assert!(!line.contains('\n'), "{line}");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["exercise"], "kernel_grad");
    assert_eq!(v["seed"], 21);
    assert_eq!(v["status"], "Wrong");
    assert!(v["worst"]["rel_error"].as_f64().unwrap() > 0.0);
    assert!(v["worst"]["index"].as_str().unwrap().starts_with('('));
    assert!(v["worst"]["expected"].is_number() && v["worst"]["got"].is_number());
    assert!(v["finite_difference"].as_f64().unwrap() > 0.0);
    assert_eq!(v["diagnosis"]["erratum"], 13);
    assert_eq!(v["diagnosis"]["book"], "convolution.html#the-kernel-gradient-is-a-valid-correlation");
    assert!(v["diagnosis"]["name"].is_string() && v["diagnosis"]["explanation"].is_string());

    let stub = check("kernel_grad", &starter::answers(), 21).unwrap();
    let v: serde_json::Value = serde_json::from_str(&stub.to_json()).unwrap();
    assert_eq!(v["status"], "NotStarted");
    assert!(v["worst"].is_null() && v["diagnosis"].is_null() && v["finite_difference"].is_null());
    let panicked =
        check("correlate_valid", &Answers { correlate_valid: correlate_out_of_bounds, ..reference() }, 1).unwrap();
    let v: serde_json::Value = serde_json::from_str(&panicked.to_json()).unwrap();
    assert!(v["status"]["Panicked"]["message"].as_str().unwrap().contains("index out of bounds"));
}

// ------------------------------------------------------- the command line

fn run(answers: &Answers, args: &[&str]) -> (std::process::ExitCode, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = course::run(answers, &args, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn the_command_line_prints_a_table_or_json_lines_and_exits_by_the_verdict() {
    use std::process::ExitCode;
    let (code, out, _) = run(&reference(), &["kernel_grad", "bias_grad", "--seed", "17"]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(out.contains("kernel_grad") && out.contains("bias_grad") && !out.contains("fc_forward"), "{out}");
    assert!(out.contains("2 of 2 passed, seed 17"), "{out}");

    let wrong = Answers { kernel_grad: kernel_grad_convolved, ..reference() };
    let (code, out, _) = run(&wrong, &["--json", "--seed=17"]);
    assert_eq!(code, ExitCode::FAILURE);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), EXERCISES.len());
    for (line, name) in lines.iter().zip(EXERCISES) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["exercise"], name);
        assert_eq!(v["seed"], 17);
    }

    let (code, out, _) = run(&starter::answers(), &["fc_forward"]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(out.contains("not started") && out.contains("seed "), "{out}");
}

#[test]
fn the_command_line_rejects_an_unknown_exercise_or_option_with_usage_and_code_2() {
    use std::process::ExitCode;
    for args in [&["kernel_gradient"][..], &["--seed", "x"], &["--seed"], &["--verbose"]] {
        let (code, out, err) = run(&reference(), args);
        assert_eq!(code, ExitCode::from(2), "{args:?}");
        assert!(out.is_empty());
        assert!(err.contains("usage:") && err.contains("lenet_backward"), "{err}");
    }
    let (code, out, _) = run(&reference(), &["--help"]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(out.contains("usage:"));
}

// ------------------------------------------------------------ quiet panics

const CHILD: &str = "LENET_COURSE_QUIET_CHILD";

/// Run by the test below in a child process: checks panicking answers, then
/// panics once itself, after the checks, where the usual hook must print.
#[test]
fn child_checks_panicking_answers() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let r = check_all(&starter::answers(), 1);
    assert!(r.iter().all(|r| r.status == Status::NotStarted));
    let r = check("correlate_valid", &Answers { correlate_valid: correlate_out_of_bounds, ..reference() }, 1).unwrap();
    assert!(matches!(r.status, Status::Panicked { .. }));
    let _ = std::panic::catch_unwind(|| panic!("a panic after the checks"));
}

#[test]
fn a_panicking_answer_prints_nothing_and_the_panic_hook_comes_back() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_checks_panicking_answers", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("not yet implemented"), "{stderr}");
    assert!(!stderr.contains("index out of bounds"), "{stderr}");
    // The only panic printed is the one after the checks.
    let at = stderr.find("a panic after the checks").unwrap_or_else(|| panic!("the hook was not restored: {stderr}"));
    let before = &stderr[..at];
    assert_eq!(before.matches("panicked at").count(), 1, "{stderr}");
    assert!(!before.contains("stack backtrace"), "{stderr}");
}

// ------------------------------------------------------------ book links

/// mdBook's id of a heading: lower case, spaces to hyphens, other
/// punctuation dropped.
fn heading_id(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn every_diagnosis_links_a_heading_of_the_book() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let notebooks: Vec<_> = std::fs::read_dir(root.join("notebooks/src")).unwrap().map(|e| e.unwrap().path()).collect();
    for (exercise, mistake) in CATALOGUE {
        let (page, anchor) = mistake.book.split_once(".html#").expect("page.html#anchor");
        let mut sources = vec![root.join("chapters").join(format!("{page}.md"))];
        sources.extend(
            notebooks
                .iter()
                .filter(|p| {
                    p.file_stem()
                        .and_then(|s| s.to_str())
                        .is_some_and(|s| s.split_once('-').is_some_and(|(_, rest)| rest == page))
                })
                .cloned(),
        );
        let ids: Vec<String> = sources
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            // A notebook's headings are in its jupytext text as "// ## Heading".
            .flat_map(|text| {
                text.lines()
                    .filter_map(|l| l.strip_prefix("// ").unwrap_or(l).strip_prefix("## ").map(heading_id))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(ids.iter().any(|id| id == anchor), "{exercise} / {}: #{anchor} not among {ids:?}", mistake.name);
    }
}
