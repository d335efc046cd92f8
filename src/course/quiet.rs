//! Running a student's function so that a panic becomes a [`Status`], never
//! a crash of the checker, and prints nothing.
//!
//! Rust prints a panic's message and location through the process-wide panic
//! hook before unwinding. While a student's function runs, that hook is
//! swapped for one that stays silent on the checking thread (and still
//! prints for every other thread); the previous hook comes back when the
//! last concurrent check ends. The message is not lost: it travels in the
//! panic's payload, which [`run`] turns into the report's status.

use super::report::Status;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::{Arc, Mutex};

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

thread_local! {
    /// Whether this thread is running a student's function right now.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// How many checks are running, and the hook that was installed before the
/// first of them (to be put back after the last).
struct Swapped {
    users: usize,
    previous: Option<Arc<Hook>>,
}

static SWAPPED: Mutex<Swapped> = Mutex::new(Swapped { users: 0, previous: None });

fn enter() {
    let mut s = SWAPPED.lock().unwrap_or_else(|e| e.into_inner());
    if s.users == 0 {
        let previous = Arc::new(panic::take_hook());
        let inner = Arc::clone(&previous);
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                inner(info)
            }
        }));
        s.previous = Some(previous);
    }
    s.users += 1;
}

fn leave() {
    let mut s = SWAPPED.lock().unwrap_or_else(|e| e.into_inner());
    s.users -= 1;
    if s.users == 0 {
        // Dropping the silent hook drops its copy of the previous one, so the
        // previous hook can usually be put back as the very same box.
        drop(panic::take_hook());
        if let Some(previous) = s.previous.take() {
            match Arc::try_unwrap(previous) {
                Ok(hook) => panic::set_hook(hook),
                Err(shared) => panic::set_hook(Box::new(move |info| shared(info))),
            }
        }
    }
}

/// The text of a panic's payload: `panic!("literal")` carries a `&str`,
/// a formatted panic a `String`.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic whose payload is not text".to_string()
    }
}

/// The status of a panic with `message`: `todo!()`'s message starts with
/// "not yet implemented".
pub(crate) fn status_of_panic(message: String) -> Status {
    if message.starts_with("not yet implemented") { Status::NotStarted } else { Status::Panicked { message } }
}

/// Runs `f` silently. A panic becomes [`Status::NotStarted`] when it is
/// `todo!()`'s (its message starts with "not yet implemented") and
/// [`Status::Panicked`] with its message otherwise.
pub(crate) fn run<T>(f: impl FnOnce() -> T) -> Result<T, super::Failure> {
    enter();
    let was_quiet = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    leave();
    result.map_err(|payload| {
        let message = message(payload.as_ref());
        (status_of_panic(message), None)
    })
}
