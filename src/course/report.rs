//! What a check finds, in a form for a terminal ([`std::fmt::Display`]), a
//! notebook ([`Report::evcxr_display`]) and a grading script
//! ([`Report::to_json`]).

use crate::matrix::{html_escape, html_table};
use serde::Serialize;
use std::fmt;

/// The verdict on one exercise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Status {
    /// Every entry agrees with the crate's reference (relative error below
    /// 10⁻⁷) and with central differences where the exercise is a gradient.
    Passed,
    /// The shapes are right but some entry is not.
    Wrong,
    /// The function still panics with `todo!()`.
    NotStarted,
    /// The function panicked; `message` is what it said.
    Panicked { message: String },
    /// The answer has another shape than the reference, both written like
    /// `3×3` (a tensor's name first when the answer has several).
    WrongShape { expected: String, got: String },
    /// The runner did not finish within the wall-clock limit (`--timeout`)
    /// and was stopped: an endless loop, or far too slow.
    TimedOut { seconds: f64 },
    /// The runner ended without answering: `reason` says how (a signal such
    /// as SIGABRT after a stack overflow or a failed allocation, an exit
    /// status, `std::process::exit` in the student's code).
    Crashed { reason: String },
    /// The submission did not build against the grader's `Cargo.toml`.
    NotBuilt,
}

impl Status {
    /// A few words for a table: "passed", "wrong", "not started", …
    pub fn label(&self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Wrong => "wrong",
            Status::NotStarted => "not started",
            Status::Panicked { .. } => "panicked",
            Status::WrongShape { .. } => "wrong shape",
            Status::TimedOut { .. } => "timed out",
            Status::Crashed { .. } => "crashed",
            Status::NotBuilt => "did not build",
        }
    }
}

/// The entry of the answer that is furthest from the reference.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Worst {
    /// |expected − got| / max(10⁻⁸, |expected| + |got|), as
    /// [`crate::gradcheck::rel_error`] computes it (1 for a NaN or infinite answer).
    pub rel_error: f64,
    /// Where, counted from 1 as the book does, e.g. `(2, 3)`; preceded by
    /// the tensor's name when the answer has several, e.g. `fc1_w (3, 7)`.
    pub index: String,
    /// The reference's value there.
    pub expected: f64,
    /// The answer's value there.
    pub got: f64,
}

/// A known mistake that the wrong answer reproduces exactly.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    /// Its short name, e.g. "kernel gradient flipped".
    pub name: String,
    /// One sentence: what was computed and why it is not the gradient.
    pub explanation: String,
    /// The number of the notes' erratum that makes the same mistake, if any.
    pub erratum: Option<u32>,
    /// A link relative to the built book, e.g.
    /// `convolution.html#the-kernel-gradient-is-a-valid-correlation`.
    pub book: String,
}

/// The result of checking one exercise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The exercise's name, one of [`super::EXERCISES`].
    pub exercise: String,
    /// The seed the inputs were drawn from; `--seed` reproduces them.
    pub seed: u64,
    /// The verdict.
    pub status: Status,
    /// The entry furthest from the reference, when the answer had the right shape.
    pub worst: Option<Worst>,
    /// The relative error between the answer and central differences of
    /// the forward function, for exercises that compute a gradient.
    pub finite_difference: Option<f64>,
    /// The known mistake the answer matches, if any.
    pub diagnosis: Option<Diagnosis>,
    /// Where the student's code panicked (`src/conv.rs:42:17`), when it did
    /// and the grader's runner saw it.
    pub location: Option<String>,
    /// The failing case's inputs: their shapes and parameters (padding,
    /// stride, activation, …), when the answer was wrong.
    pub case: Option<String>,
}

impl Report {
    /// A report with `status` and nothing else known yet.
    pub fn new(exercise: &str, seed: u64, status: Status) -> Report {
        Report {
            exercise: exercise.to_string(),
            seed,
            status,
            worst: None,
            finite_difference: None,
            diagnosis: None,
            location: None,
            case: None,
        }
    }

    /// Whether the exercise passed.
    pub fn passed(&self) -> bool {
        self.status == Status::Passed
    }

    /// The report as one line of JSON, for a grading script: the fields
    /// above by name; `status` is `"Passed"`, `"Wrong"` or `"NotStarted"`,
    /// or `{"Panicked":{"message":…}}` or
    /// `{"WrongShape":{"expected":…,"got":…}}`; a missing `worst`,
    /// `finite_difference` or `diagnosis` is `null`, and so is a NaN value.
    pub fn to_json(&self) -> String {
        // Only strings, numbers and options: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The report as HTML.
    pub fn to_html(&self) -> String {
        let colour = if self.passed() { "#1a7f37" } else { "#cf222e" };
        let mut html = format!(
            "<div style=\"font-family:sans-serif\"><b>{}</b>: <b style=\"color:{colour}\">{}</b> (seed {})",
            html_escape(&self.exercise),
            self.status.label(),
            self.seed
        );
        for line in self.detail_lines() {
            html.push_str("<br>");
            html.push_str(&html_escape(&line));
        }
        if let Some(d) = &self.diagnosis {
            html.push_str(&format!("<br>See <a href=\"{}\">{}</a>.", html_escape(&d.book), html_escape(&d.book)));
        }
        html.push_str("</div>");
        html
    }

    /// Shows the report when it is the value of a notebook cell (the evcxr
    /// kernel calls this method by name).
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT", self.to_html());
    }

    /// The lines below the verdict, without the book link.
    fn detail_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match &self.status {
            Status::NotStarted => match &self.location {
                Some(at) => lines
                    .push(format!("it reached todo!() at {at}: this function, or one it calls, is not written yet")),
                None => lines.push("the function still holds todo!()".to_string()),
            },
            Status::Panicked { message } => lines.push(format!("it panicked: {message}")),
            Status::WrongShape { expected, got } => lines.push(format!("expected shape {expected}, got {got}")),
            Status::TimedOut { seconds } => {
                lines.push(format!("it did not finish within {seconds} s and was stopped (an endless loop?)"))
            }
            Status::Crashed { reason } => lines.push(format!("it crashed: {reason}")),
            Status::NotBuilt => lines.push("the submission did not build against the grader's Cargo.toml".to_string()),
            Status::Passed | Status::Wrong => {}
        }
        if let (Some(at), false) = (&self.location, self.status == Status::NotStarted) {
            lines.push(format!("at {at}"));
        }
        if let Some(case) = &self.case {
            lines.push(format!("on the case {case}"));
        }
        if let Some(w) = &self.worst {
            lines.push(format!(
                "worst relative error {} at {}: expected {}, got {}",
                sci(w.rel_error),
                w.index,
                value(w.expected),
                value(w.got)
            ));
        }
        if let Some(fd) = self.finite_difference {
            // Central differences probe some entries only (two per tensor for
            // LeNet, a sample of a convolution's dx, none at a kink): where
            // they agree with a wrong answer, the wrong entries were not probed.
            let agree = fd < 1e-4 && self.status == Status::Wrong;
            let note = if agree { " at the probed entries, none of them the wrong ones" } else { "" };
            lines.push(format!("against central differences: relative error {}{note}", sci(fd)));
        }
        if let Some(d) = &self.diagnosis {
            let erratum = d.erratum.map(|n| format!(", erratum {n} of the notes")).unwrap_or_default();
            lines.push(format!("diagnosis: {}{erratum}", d.name));
            lines.push(d.explanation.clone());
        }
        lines
    }
}

/// A relative error in short scientific notation, e.g. `3.2e-12`.
fn sci(x: f64) -> String {
    format!("{x:.1e}")
}

/// An entry's value with six significant digits: fixed-point for
/// everyday magnitudes, scientific otherwise (the JSON keeps every digit).
fn value(x: f64) -> String {
    if x == 0.0 || (1e-3..1e4).contains(&x.abs()) {
        let digits = (5 - x.abs().log10().floor().max(-3.0) as i32).max(0) as usize;
        let text = format!("{x:.digits$}");
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
    } else {
        format!("{x:.5e}")
    }
}

impl fmt::Display for Report {
    /// The verdict and seed on the first line, then what went wrong.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {} (seed {})", self.exercise, self.status.label(), self.seed)?;
        for line in self.detail_lines() {
            writeln!(f, "  {line}")?;
        }
        if let Some(d) = &self.diagnosis {
            writeln!(f, "  see the book: {}", d.book)?;
        }
        Ok(())
    }
}

/// The reports as a table, one row per exercise (status, worst relative
/// error, finite-difference check, diagnosis), followed by the details of
/// every exercise that did not pass.
pub fn table(reports: &[Report]) -> String {
    let dash = || "–".to_string();
    let mut rows = vec![[
        "exercise".to_string(),
        "status".to_string(),
        "rel. error".to_string(),
        "finite diff.".to_string(),
        "diagnosis".to_string(),
    ]];
    for r in reports {
        rows.push([
            r.exercise.clone(),
            r.status.label().to_string(),
            r.worst.as_ref().map_or_else(dash, |w| sci(w.rel_error)),
            r.finite_difference.map_or_else(dash, sci),
            r.diagnosis.as_ref().map_or_else(dash, |d| d.name.clone()),
        ]);
    }
    let widths: Vec<usize> = (0..5).map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(c, &w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    let passed = reports.iter().filter(|r| r.passed()).count();
    if let Some(seed) = reports.first().map(|r| r.seed) {
        out.push_str(&format!(
            "\n{passed} of {} passed, seed {seed} (run again with --seed {seed} for the same inputs)\n",
            reports.len()
        ));
    }
    for r in reports.iter().filter(|r| !r.passed()) {
        out.push('\n');
        out.push_str(&r.to_string());
    }
    out
}

/// Several reports, shown as one table in a terminal ([`table`]) and in a
/// notebook ([`Reports::evcxr_display`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Reports(pub Vec<Report>);

impl fmt::Display for Reports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&table(&self.0))
    }
}

impl Reports {
    /// The reports as an HTML table, with each diagnosis linked to the book.
    pub fn to_html(&self) -> String {
        let mut rows = vec![vec![
            "exercise".to_string(),
            "status".to_string(),
            "rel. error".to_string(),
            "finite diff.".to_string(),
            "diagnosis".to_string(),
        ]];
        for r in &self.0 {
            rows.push(vec![
                r.exercise.clone(),
                r.status.label().to_string(),
                r.worst.as_ref().map_or(String::new(), |w| sci(w.rel_error)),
                r.finite_difference.map_or(String::new(), sci),
                r.diagnosis.as_ref().map_or(String::new(), |d| d.name.clone()),
            ]);
        }
        let seed = self.0.first().map_or(String::new(), |r| format!("<p>seed {}</p>", r.seed));
        format!("{}{seed}", html_table(&rows))
    }

    /// Shows the table when it is the value of a notebook cell.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT", self.to_html());
    }
}
