//! Worker threads kept for the engine's lifetime, so that a training step
//! does not start and join threads.
//!
//! A step of batch 64 takes about 1.4 ms on two threads; spawning a thread
//! for it and joining it again (what `std::thread::scope` does) costs tens
//! of microseconds of the calling thread's time, and the new thread starts
//! late, so the calling thread takes more than its share of the chunks.
//! [`Workers`] starts its threads once and parks them between calls on a
//! condition variable: a parked thread uses no CPU, and waking it is one
//! futex call.
//!
//! Waking a parked thread is slow beside a step of about a millisecond,
//! though, and a worker that wakes late leaves its chunks to the calling
//! thread. A training step calls `run` twice (the chunks, then the
//! gradient reduction), and between one step and the next the calling
//! thread only does its bookkeeping (well under [`SPIN`]): so a worker that
//! has just finished a job first watches for the next one for up to
//! [`SPIN`] before it parks, and the calling thread likewise watches for
//! the workers to finish before it parks. Both only read an atomic counter mirrored from the state, so the
//! lock-protected state stays the one place that decides who runs what; the
//! spinning is bounded so that a loop that stops stepping (evaluation,
//! saving, another program wanting the core) costs at most [`SPIN`] of a
//! core per call.
//!
//! [`Workers::run`] is a scoped call: `job` may borrow from the caller's
//! stack, because `run` returns only after every thread has finished with
//! it, also when a thread's call panics (the panic is caught there and
//! resumed on the calling thread, after all threads are done).
//!
//! A worker joins a call only while the calling thread is still running
//! its own part: once that returns, the call is closed, and `run` waits
//! only for the workers that joined. The jobs given to `run` share out
//! their work through a counter (chunks, pieces of the gradient), so the
//! calling thread alone finishes whatever no worker took, and a worker
//! that wakes late (the machine busy with other work, or a short job like
//! the gradient reduction) costs nothing instead of holding up the step.
//! Which party runs which piece of work changes nothing the job computes:
//! the engine's chunks each go to one party and are added up in chunk
//! order afterwards.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a thread watches for the event it waits on (the next job, or
/// the workers' finishing) before it parks: several times the gap between
/// two training steps, a small part of a step. See the module documentation.
pub const SPIN: Duration = Duration::from_micros(300);

/// A job as the worker threads see it: its lifetime erased (see the SAFETY
/// argument in [`Workers::run`]).
type Job = &'static (dyn Fn(usize) + Sync);

/// What the calling thread and the workers share.
struct Shared {
    state: Mutex<State>,
    /// Signalled when a job is published or the workers are to stop.
    start: Condvar,
    /// Signalled when the last worker of a job has finished it.
    done: Condvar,
    /// `State::generation`, and `State::running`, as last written under
    /// the lock (and `u64::MAX` once stopping): read without the lock only
    /// to decide when to stop spinning; every decision is then made again
    /// under the lock.
    generation: AtomicU64,
    running: AtomicUsize,
}

/// Spins until `ready()` or [`SPIN`] has passed.
fn spin_until(ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() && start.elapsed() < SPIN {
        for _ in 0..32 {
            std::hint::spin_loop();
        }
    }
}

struct State {
    /// The job being run, `None` between calls.
    job: Option<Job>,
    /// Incremented for each job published, so that a worker runs each job once.
    generation: u64,
    /// Parties of the current job: workers 1..parties may take part.
    parties: usize,
    /// Whether workers may still join the current job: until the calling
    /// thread's own part returns.
    open: bool,
    /// Workers that joined the current job and have not yet finished it.
    running: usize,
    /// The first panic of a worker during the current job.
    panic: Option<Box<dyn Any + Send>>,
    /// Set when the [`Workers`] are dropped: threads return.
    stop: bool,
}

/// Threads that run a job together with the calling thread; see the module
/// documentation. Starts with no threads; [`Workers::run`] starts the ones
/// it needs, and dropping the `Workers` stops and joins them.
pub struct Workers {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Default for Workers {
    fn default() -> Self {
        Self::new()
    }
}

/// The state, also if a thread panicked while holding the lock: nothing
/// that can panic runs under it, and every update leaves it consistent.
fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn wait<'a>(cv: &Condvar, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
    cv.wait(guard).unwrap_or_else(|e| e.into_inner())
}

impl Workers {
    /// No threads yet.
    pub fn new() -> Self {
        let state = State { job: None, generation: 0, parties: 0, open: false, running: 0, panic: None, stop: false };
        Workers {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                start: Condvar::new(),
                done: Condvar::new(),
                generation: AtomicU64::new(0),
                running: AtomicUsize::new(0),
            }),
            threads: vec![],
        }
    }

    /// How many worker threads have been started (besides the caller's).
    pub fn threads(&self) -> usize {
        self.threads.len()
    }

    /// Calls `job(0)` on the calling thread and, at the same time, `job(p)`
    /// for each party p in 1..`parties` whose worker thread (started on
    /// first need, then kept) wakes before `job(0)` returns; each at most
    /// once. Returns when every call made has returned. `parties` 0 counts
    /// as 1. So `job(0)` must be able to do all the work alone (take it
    /// from a shared counter), and no party may wait for another.
    ///
    /// # Panics
    /// If a call of `job` panics, `run` panics with its payload (the calling
    /// thread's first), after every other call has returned; the workers
    /// stay usable. Also if a thread cannot be started.
    pub fn run(&mut self, parties: usize, job: &(dyn Fn(usize) + Sync)) {
        self.run_then(parties, job, &mut || {})
    }

    /// [`Workers::run`], with `meanwhile` called on the calling thread once
    /// its own `job(0)` has returned, before it waits for the workers still
    /// running theirs: work for the calling thread that would otherwise
    /// wait (the next batch's images, while the last chunks of this one are
    /// computed). A panic in `meanwhile` is handled as one in `job(0)`.
    ///
    /// # Panics
    /// As [`Workers::run`].
    pub fn run_then(&mut self, parties: usize, job: &(dyn Fn(usize) + Sync), meanwhile: &mut dyn FnMut()) {
        let helpers = parties.max(1) - 1;
        if helpers == 0 {
            job(0);
            return meanwhile();
        }
        self.start_threads(helpers);
        // SAFETY: only the lifetime changes (the same fat reference). A
        // worker uses `job` only after joining (`running += 1`, possible
        // only while `open`) and before leaving (`running -= 1`), both under
        // the lock. `run` does not return, and does not unwind (the calling
        // thread's own call runs under `catch_unwind`, and nothing else
        // after publication can panic), until it has closed the job and
        // seen `running` at 0, and it takes the job back out of the state
        // before returning. So no worker touches `job` after this call, and
        // whatever it borrows, ends.
        let erased: Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), Job>(job) };
        {
            let mut st = lock(&self.shared.state);
            st.job = Some(erased);
            st.generation = st.generation.wrapping_add(1);
            st.parties = parties;
            st.open = true;
            st.running = 0;
            st.panic = None;
            self.shared.running.store(0, Ordering::Relaxed);
            self.shared.generation.store(st.generation, Ordering::Release);
        }
        self.shared.start.notify_all();
        let mine = catch_unwind(AssertUnwindSafe(|| {
            job(0);
            meanwhile()
        }));
        let theirs = {
            let mut st = lock(&self.shared.state);
            st.open = false;
            if st.running > 0 {
                drop(st);
                spin_until(|| self.shared.running.load(Ordering::Acquire) == 0);
                st = lock(&self.shared.state);
            }
            while st.running > 0 {
                st = wait(&self.shared.done, st);
            }
            st.job = None;
            st.panic.take()
        };
        if let Err(payload) = mine {
            resume_unwind(payload);
        }
        if let Some(payload) = theirs {
            resume_unwind(payload);
        }
    }

    /// Starts worker threads until there are `n`.
    fn start_threads(&mut self, n: usize) {
        while self.threads.len() < n {
            let party = self.threads.len() + 1;
            let shared = Arc::clone(&self.shared);
            // Read here, not in the new thread: by the time it runs, the
            // job it was started for may already be published.
            let seen = lock(&self.shared.state).generation;
            let handle = std::thread::Builder::new()
                .name(format!("lenet-worker-{party}"))
                .spawn(move || serve(&shared, party, seen))
                .expect("starting a worker thread");
            self.threads.push(handle);
        }
    }
}

/// A worker's life: wait for a job after generation `seen` that it takes
/// part in, run it, report, until told to stop.
fn serve(shared: &Shared, party: usize, mut seen: u64) {
    loop {
        spin_until(|| shared.generation.load(Ordering::Acquire) != seen);
        let job = {
            let mut st = lock(&shared.state);
            loop {
                if st.stop {
                    return;
                }
                if st.generation != seen {
                    seen = st.generation;
                    if party < st.parties && st.open {
                        st.running += 1;
                        shared.running.store(st.running, Ordering::Relaxed);
                        break st.job.expect("a job is published with its generation");
                    }
                }
                st = wait(&shared.start, st);
            }
        };
        let result = catch_unwind(AssertUnwindSafe(|| job(party)));
        let mut st = lock(&shared.state);
        if let Err(payload) = result {
            st.panic.get_or_insert(payload);
        }
        st.running -= 1;
        shared.running.store(st.running, Ordering::Release);
        // The calling thread waits only once it has closed the job.
        if st.running == 0 && !st.open {
            shared.done.notify_one();
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        lock(&self.shared.state).stop = true;
        self.shared.generation.store(u64::MAX, Ordering::Release);
        self.shared.start.notify_all();
        for t in self.threads.drain(..) {
            // A worker's job panics are caught in `serve`; a join error
            // could only come from a panic in the loop itself, and there is
            // nothing left to do with it while dropping.
            let _ = t.join();
        }
    }
}
