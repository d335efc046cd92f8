//! Trains LeNet (ReLU + max pooling, f32) for one epoch of Fashion-MNIST
//! with the fast path and prints images/s as JSON; optionally times the
//! readable path on a few batches too.
//!
//! cargo run --release --example throughput -- [--threads T] [--dir DIR]
//!     [--batches B] [--readable-batches R] [--arch modern|classic]
//!
//! The epoch is batch 64, SGD with momentum 0.9, lr 0.02, weight decay 5e-4,
//! the same as `tools/torch_lenet.py`. Time counts only the training steps
//! (batch assembly, forward, backward, update), not loading the files.

use lenet::data::{self, Source};
use lenet::model::{Arch, LeNet};
use lenet::optim::Sgd;
use lenet::rng::Rng;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), String> {
    let mut threads = 2;
    let mut dir = PathBuf::from("/usr/share/datasets/fashion-mnist");
    let mut max_batches = usize::MAX;
    let mut readable_batches = 0;
    let mut arch = Arch::modern();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--threads" => threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--dir" => dir = PathBuf::from(value()?),
            "--batches" => max_batches = value()?.parse().map_err(|e| format!("--batches: {e}"))?,
            "--readable-batches" => {
                readable_batches = value()?.parse().map_err(|e| format!("--readable-batches: {e}"))?
            }
            "--arch" => {
                arch = match value()?.as_str() {
                    "modern" => Arch::modern(),
                    "classic" => Arch::classic(),
                    other => return Err(format!("--arch: unknown `{other}`, expected modern or classic")),
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let split = data::load(&Source::FashionMnist(Some(dir))).map_err(|e| e.to_string())?;
    let (train, test) = (&split.train, &split.test);
    let batch = 64;
    let mut net = LeNet::<f32>::new(arch, 1);
    let mut opt = Sgd::new(&net.params, 0.02, 0.9, 5e-4);
    let mut order: Vec<usize> = (0..train.len()).collect();
    Rng::new(2).shuffle(&mut order);

    let cpu_start = cpu_seconds();
    let start = Instant::now();
    let (mut seen, mut loss_sum, mut correct) = (0usize, 0.0f64, 0usize);
    for idx in order.chunks(batch).take(max_batches) {
        let (x, y) = train.batch::<f32>(idx);
        let step = net.loss_and_grads(&x, &y, threads);
        opt.step(&mut net.params, &step.grads);
        seen += idx.len();
        loss_sum += step.loss as f64 * idx.len() as f64;
        correct += step.correct;
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_start).map(|(b, a)| b - a);

    let all: Vec<usize> = (0..test.len()).collect();
    let (tx, ty) = test.batch::<f32>(&all);
    let eval = net.evaluate(&tx, &ty, threads);

    let mut readable = serde_json::Value::Null;
    if readable_batches > 0 {
        let t = Instant::now();
        let mut n = 0;
        for idx in order.chunks(batch).take(readable_batches) {
            let (x, y) = train.batch::<f32>(idx);
            let step = net.readable_loss_and_grads(&x, &y);
            opt.step(&mut net.params, &step.grads);
            n += idx.len();
        }
        readable = serde_json::json!(n as f64 / t.elapsed().as_secs_f64());
    }
    let v = serde_json::json!({
        "engine": "lenet-fast",
        "arch": format!("{:?}", arch),
        "threads": threads,
        "batch_size": batch,
        "images": seen,
        "seconds": seconds,
        "images_per_second": seen as f64 / seconds,
        // CPU time of all threads in the loop: on a machine shared with other
        // jobs, images per CPU-second is steadier than per wall-second.
        "cpu_seconds": cpu,
        "images_per_cpu_second": cpu.map(|c| seen as f64 / c),
        "train_loss": loss_sum / seen as f64,
        "train_accuracy": correct as f64 / seen as f64,
        "test_accuracy": eval.correct as f64 / ty.len() as f64,
        "readable_images_per_second": readable,
    });
    println!("{v}");
    Ok(())
}

/// User + system CPU time of this process (all threads) from
/// /proc/self/stat, in seconds; `None` where that file does not exist.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line, in clock ticks (100 per second
    // on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
