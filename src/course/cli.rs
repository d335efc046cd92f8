//! The command line of a student's crate: its `src/main.rs` is
//! `fn main() -> ExitCode { lenet::course::main(answers()) }`. It checks
//! in-process, with the student's functions inside the checker: handy at
//! work, and it protects nothing (a function can loop, abort, print fake
//! verdicts or call lenet's reference). Grading is `lenet course check`,
//! which runs the functions in runner processes ([`super::runner`]).

use super::{Answers, EXERCISES, check, table};
use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// Exit status for a bad command line, as clap and most tools use.
const USAGE_ERROR: u8 = 2;

fn usage() -> String {
    format!(
        "usage: cargo run -- [EXERCISE ...] [--json] [--seed N]\n\
         \n\
         Checks the named exercises (all of them when none is named) on inputs drawn\n\
         from the seed, and prints a table, or with --json one JSON object per line.\n\
         Without --seed the seed comes from the clock; every report prints it, and\n\
         --seed N draws the same inputs again. Exit status 0 when every exercise\n\
         checked passed, 1 otherwise, 2 for a bad command line.\n\
         \n\
         This checks in-process, for you at work; it protects nothing. The grader\n\
         is `lenet course check`, which builds your src/ without lenet's backward\n\
         functions and runs each exercise in a process of its own.\n\
         \n\
         exercises: {}\n",
        EXERCISES.join(", ")
    )
}

/// What the command line asks for.
struct Options {
    exercises: Vec<&'static str>,
    json: bool,
    seed: Option<u64>,
}

fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options { exercises: Vec::new(), json: false, seed: None };
    let mut args = args.iter();
    let seed = |text: &str| text.parse::<u64>().map_err(|_| format!("--seed needs a whole number ≥ 0, not {text:?}"));
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => options.json = true,
            "--seed" => {
                let value = args.next().ok_or("--seed needs a number")?;
                options.seed = Some(seed(value)?);
            }
            a if a.starts_with("--seed=") => options.seed = Some(seed(&a["--seed=".len()..])?),
            a => match EXERCISES.iter().find(|&&e| e == a) {
                Some(e) => options.exercises.push(e),
                None => return Err(format!("{a:?} is neither an exercise nor an option")),
            },
        }
    }
    if options.exercises.is_empty() {
        options.exercises = EXERCISES.to_vec();
    }
    Ok(Some(options))
}

/// A seed from the clock, six digits so it is easy to type back.
fn clock_seed() -> u64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    (now.as_secs() ^ u64::from(now.subsec_nanos())) % 1_000_000
}

/// [`main`] with the arguments (without the program name) and the output
/// streams given: checks, prints to `out` (usage errors to `err`) and
/// returns the exit code.
pub fn run(answers: &Answers, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let options = match parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            let _ = write!(out, "{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            let _ = write!(err, "error: {problem}\n\n{}", usage());
            return ExitCode::from(USAGE_ERROR);
        }
    };
    let seed = options.seed.unwrap_or_else(clock_seed);
    let reports: Vec<_> = options.exercises.iter().filter_map(|e| check(e, answers, seed)).collect();
    if options.json {
        for r in &reports {
            let _ = writeln!(out, "{}", r.to_json());
        }
    } else {
        let _ = write!(out, "{}", table(&reports));
    }
    let _ = out.flush();
    if reports.iter().all(|r| r.passed()) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// What a student's `src/main.rs` calls. The arguments are
/// `[EXERCISE ...] [--json] [--seed N]`: the exercises to check (all when
/// none is named), one JSON object per line instead of a table, and the
/// seed (drawn from the clock when not given, and printed in every report,
/// so that an answer cannot be hard-coded and a run can be reproduced).
/// Returns success only when every selected exercise passed, and exit code
/// 2, after printing the usage, for an unknown exercise or a bad argument.
pub fn main(answers: Answers) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    run(&answers, &args, &mut std::io::stdout().lock(), &mut std::io::stderr().lock())
}
