//! The fast path's persistent worker threads (`fast::Workers`) and the
//! engine that keeps them across batches:
//!
//! - party 0 runs once per call, every other party at most once (it joins
//!   only while party 0 runs), whatever the thread counts of the calls
//!   before; work shared out through a counter is all done, once; the job
//!   may borrow from the caller;
//! - a panic in a worker, or on the calling thread, comes back out of
//!   `run` only after every party has finished (never a hang, never a job
//!   still running on borrowed data), and the workers stay usable;
//! - one network (so one engine and one set of workers) trained over many
//!   steps with the thread count changing from step to step gives results
//!   bit-identical to a fresh network per step on one thread.
//!
//! Each test runs under a watchdog: a hang fails it after a minute instead
//! of stalling the test run.

use lenet::fast::Workers;
use lenet::model::{Arch, LeNet};
use lenet::optim::Sgd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

#[path = "support/random_batch.rs"]
mod random_batch;
use random_batch::{batch, bits};

/// Runs `f` on its own thread and fails if it has not returned within a
/// minute (a hang) or if it panicked.
fn within_a_minute(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => t.join().expect("test body"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(t.join().expect_err("the body ended without reporting"))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("hung: no return within a minute"),
    }
}

/// The panic message of a caught payload.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Party 0's part for tests that need every party in: waits (sleeping,
/// under the watchdog) until the other `parties − 1` have joined, counted
/// in `joined`, which keeps the call open for them.
fn wait_for_all(joined: &AtomicUsize, parties: usize) {
    while joined.load(Ordering::SeqCst) < parties - 1 {
        std::thread::sleep(Duration::from_micros(50));
    }
}

#[test]
fn every_party_runs_at_most_once_and_all_join_while_the_call_is_open() {
    within_a_minute(|| {
        let mut workers = Workers::new();
        assert_eq!(workers.threads(), 0);
        // Growing and shrinking party counts on the same workers.
        for (call, parties) in [1, 2, 4, 3, 1, 2, 0, 5, 2, 4].into_iter().cycle().take(200).enumerate() {
            let n = parties.max(1);
            let runs: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            let joined = AtomicUsize::new(0);
            let sum = Mutex::new(0usize);
            workers.run(parties, &|p| {
                runs[p].fetch_add(1, Ordering::SeqCst);
                *sum.lock().unwrap() += p + call;
                if p == 0 {
                    wait_for_all(&joined, n);
                } else {
                    joined.fetch_add(1, Ordering::SeqCst);
                }
            });
            for (p, r) in runs.iter().enumerate() {
                assert_eq!(r.load(Ordering::SeqCst), 1, "call {call}: party {p} of {parties}");
            }
            assert_eq!(*sum.lock().unwrap(), n * (n - 1) / 2 + n * call, "call {call}");
        }
        assert_eq!(workers.threads(), 4, "threads are started on need and kept");
    });
}

#[test]
fn work_shared_through_a_counter_is_all_done_once() {
    within_a_minute(|| {
        let mut workers = Workers::new();
        for (call, parties) in [2, 3, 1, 4].into_iter().cycle().take(400).enumerate() {
            // Few, short items: often done before any worker wakes, which
            // then must not join (or be waited for).
            let items = 1 + call % 7;
            let done: Vec<AtomicUsize> = (0..items).map(|_| AtomicUsize::new(0)).collect();
            let runs: Vec<AtomicUsize> = (0..parties).map(|_| AtomicUsize::new(0)).collect();
            let next = AtomicUsize::new(0);
            workers.run(parties, &|p| {
                runs[p].fetch_add(1, Ordering::SeqCst);
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= items {
                        break;
                    }
                    done[i].fetch_add(1, Ordering::SeqCst);
                }
            });
            assert!(done.iter().all(|d| d.load(Ordering::SeqCst) == 1), "call {call}");
            assert_eq!(runs[0].load(Ordering::SeqCst), 1);
            assert!(runs.iter().all(|r| r.load(Ordering::SeqCst) <= 1), "call {call}");
        }
    });
}

#[test]
fn a_panicking_worker_is_reported_after_all_parties_finish() {
    within_a_minute(|| {
        let mut workers = Workers::new();
        for round in 0..20 {
            let slow_done = AtomicBool::new(false);
            let joined = AtomicUsize::new(0);
            let caught = catch_unwind(AssertUnwindSafe(|| {
                workers.run(3, &|p| {
                    if p == 0 {
                        return wait_for_all(&joined, 3);
                    }
                    joined.fetch_add(1, Ordering::SeqCst);
                    if p == 1 {
                        panic!("worker 1 fails in round {round}");
                    }
                    std::thread::sleep(Duration::from_millis(5));
                    slow_done.store(true, Ordering::SeqCst);
                })
            }));
            let payload = caught.expect_err("the worker's panic comes back out of run");
            assert_eq!(message(&*payload), format!("worker 1 fails in round {round}"));
            assert!(slow_done.load(Ordering::SeqCst), "run returned before party 2 finished");
            // The same workers still run every party.
            let (count, joined) = (AtomicUsize::new(0), AtomicUsize::new(0));
            workers.run(3, &|p| {
                count.fetch_add(1, Ordering::SeqCst);
                if p == 0 {
                    wait_for_all(&joined, 3);
                } else {
                    joined.fetch_add(1, Ordering::SeqCst);
                }
            });
            assert_eq!(count.load(Ordering::SeqCst), 3);
        }
    });
}

#[test]
fn a_panicking_caller_waits_for_its_workers() {
    within_a_minute(|| {
        let mut workers = Workers::new();
        let worker_done = AtomicBool::new(false);
        let joined = AtomicUsize::new(0);
        let caught = catch_unwind(AssertUnwindSafe(|| {
            workers.run(2, &|p| {
                if p == 0 {
                    wait_for_all(&joined, 2);
                    panic!("the calling thread fails");
                }
                joined.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                worker_done.store(true, Ordering::SeqCst);
            })
        }));
        assert_eq!(message(&*caught.expect_err("the caller's panic")), "the calling thread fails");
        assert!(worker_done.load(Ordering::SeqCst), "run unwound while a worker still ran the job");
        // Every party panicking: the caller's panic wins, nothing hangs.
        let joined = AtomicUsize::new(0);
        let caught = catch_unwind(AssertUnwindSafe(|| {
            workers.run(2, &|p| {
                if p == 0 {
                    wait_for_all(&joined, 2);
                } else {
                    joined.fetch_add(1, Ordering::SeqCst);
                }
                panic!("party {p}")
            })
        }));
        assert_eq!(message(&*caught.expect_err("a panic")), "party 0");
        drop(workers); // joins the threads
    });
}

#[test]
fn one_engine_over_many_steps_and_thread_counts_matches_a_fresh_one() {
    within_a_minute(|| {
        for arch in [Arch::modern(), Arch::classic()] {
            // `kept` keeps its engine (buffers and threads) for the whole
            // run; `fresh` is rebuilt before every step and runs on one thread.
            let mut kept = LeNet::<f32>::new(arch, 9);
            let mut fresh_params = kept.params.clone();
            let mut sgd_kept = Sgd::new(&kept.params, 0.05, 0.9, 1e-3);
            let mut sgd_fresh = sgd_kept.clone();
            let threads = [2, 1, 3, 2, 4, 1, 2, 2, 3, 1, 8, 2];
            for (step, &t) in threads.iter().enumerate() {
                // Batch sizes with short last chunks and sub-chunks, and one
                // above 1024 (chunks of 17).
                let n = [64, 37, 64, 1, 100, 1100][step % 6];
                let (x, y) = batch(n, 100 + step as u64);
                let s = kept.loss_and_grads(&x, &y, t);
                let fresh = LeNet::from_params(arch, fresh_params.clone()).unwrap();
                let r = fresh.loss_and_grads(&x, &y, 1);
                assert_eq!(bits(&s.grads), bits(&r.grads), "{arch:?} step {step}, {t} threads");
                assert_eq!(s.loss.to_bits(), r.loss.to_bits(), "{arch:?} step {step}");
                assert_eq!(s.correct, r.correct);
                let (lk, lf) = (kept.logits(&x, t), fresh.logits(&x, 1));
                assert!(lk.iter().zip(&lf).all(|(a, b)| a.to_bits() == b.to_bits()), "{arch:?} step {step}");
                sgd_kept.step(&mut kept.params, &s.grads);
                sgd_fresh.step(&mut fresh_params, &r.grads);
                assert_eq!(bits(&kept.params), bits(&fresh_params));
            }
        }
    });
}
