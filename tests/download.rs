//! `lenet download` against a loopback HTTP server serving small synthetic
//! IDX files: a good download lands in the folder and loads; a file already
//! present is not fetched again; a corrupted download fails naming the file
//! and both hashes and leaves nothing behind.

use lenet::data::idx::{self, Images};
use lenet::data::{self, FILE_NAMES, Source};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "support/child.rs"]
mod child;

/// Four small gzip IDX files: 5 training and 3 test images of 4×4.
fn synthetic_files() -> HashMap<String, Vec<u8>> {
    let images = |n: usize, seed: u8| Images {
        count: n,
        rows: 4,
        cols: 4,
        pixels: (0..n * 16).map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed)).collect(),
    };
    let raw = [
        idx::encode_images(&images(5, 1)),
        idx::encode_labels(&[0, 3, 9, 1, 1]),
        idx::encode_images(&images(3, 2)),
        idx::encode_labels(&[7, 2, 5]),
    ];
    FILE_NAMES.iter().zip(raw).map(|(name, raw)| (format!("{name}.gz"), idx::gzip(&raw))).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    // The test computes the hash independently of the code under test.
    let out =
        Command::new("sha256sum").stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn();
    let mut child = out.expect("sha256sum (coreutils) must be installed");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// A loopback server answering `GET /<name>` from `files`; it stops after
/// 60 seconds. Returns its base URL and a counter of requests served.
fn serve(files: HashMap<String, Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => {
                    answer(stream, &files);
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    (base, served)
}

fn answer(mut stream: TcpStream, files: &HashMap<String, Vec<u8>>) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    // Read up to the blank line ending the headers (GET has no body).
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&request).lines().next().unwrap_or("").to_string();
    let path = line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_string();
    let (status, body) = match files.get(&path) {
        Some(b) => ("200 OK", b.clone()),
        None => ("404 Not Found", b"not here".to_vec()),
    };
    let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn scratch(tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("download-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `sha256sum`-style manifest of the good files, in the standard order
/// (the downloader fetches in manifest order).
fn manifest(dir: &Path, files: &HashMap<String, Vec<u8>>) -> PathBuf {
    let text: String = FILE_NAMES
        .iter()
        .map(|n| format!("{n}.gz"))
        .map(|name| format!("{}  {name}\n", sha256_hex(&files[&name])))
        .collect();
    let path = dir.join("SHA256SUMS");
    std::fs::write(&path, text).unwrap();
    path
}

/// `lenet download mnist` from `base`, into `target` (or, when `None`, the
/// default cache folder that `env` selects).
fn lenet_download_env(target: Option<&Path>, base: &str, sums: &Path, env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lenet"));
    cmd.args(["download", "mnist", "--base-url", base, "--sha256-file"]).arg(sums);
    if let Some(t) = target {
        cmd.arg("--dir").arg(t);
    }
    // A proxy from the environment must not intercept the loopback server,
    // and the cache folder must come from this test, not the caller.
    for var in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    for var in ["LENET_DATA", "XDG_CACHE_HOME", "HOME"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn lenet_download(target: &Path, base: &str, sums: &Path) -> Output {
    lenet_download_env(Some(target), base, sums, &[])
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn download_stores_verified_files_and_skips_present_ones() {
    let files = synthetic_files();
    let work = scratch("good");
    let sums = manifest(&work, &files);
    let target = work.join("cache");
    let (base, served) = serve(files.clone());

    let out = lenet_download(&target, &base, &sums);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "download failed: {stderr}");
    let mut expected: Vec<String> = files.keys().cloned().collect();
    expected.sort();
    assert_eq!(names_in(&target), expected, "exactly the four files, no temp files");
    for (name, bytes) in &files {
        assert_eq!(&std::fs::read(target.join(name)).unwrap(), bytes, "{name}");
    }
    assert_eq!(served.load(Ordering::SeqCst), 4);

    // The loader reads what the downloader stored.
    let split = data::load(&Source::Mnist(Some(target.clone()))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((split.train.len(), split.test.len(), split.train.rows), (5, 3, 4));
    assert_eq!(split.test.labels, vec![7, 2, 5]);

    // Second run: everything present with the right hash, nothing fetched.
    let out = lenet_download(&target, &base, &sums);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already present"));
    assert_eq!(served.load(Ordering::SeqCst), 4);

    // A present file with the wrong content is fetched again and replaced.
    let labels = target.join("train-labels-idx1-ubyte.gz");
    std::fs::write(&labels, b"stale").unwrap();
    let out = lenet_download(&target, &base, &sums);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&labels).unwrap(), files["train-labels-idx1-ubyte.gz"]);
    assert_eq!(served.load(Ordering::SeqCst), 5);
}

#[test]
fn corrupted_download_fails_and_leaves_no_file() {
    let good = synthetic_files();
    let work = scratch("corrupt");
    let sums = manifest(&work, &good);
    let target = work.join("cache");
    // The server flips one byte of the training labels.
    let mut served_files = good.clone();
    let victim = "train-labels-idx1-ubyte.gz";
    let bad = served_files.get_mut(victim).unwrap();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    let bad_hash = sha256_hex(&served_files[victim]);
    let (base, _) = serve(served_files);

    let out = lenet_download(&target, &base, &sums);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a corrupted download must fail: {stderr}");
    let wanted = sha256_hex(&good[victim]);
    assert!(stderr.contains(victim), "message does not name the file: {stderr}");
    assert!(stderr.contains(&format!("expected {wanted}, got {bad_hash}")), "message lacks both hashes: {stderr}");
    // Files are fetched in order: the first one is stored, the corrupted one
    // is not, nor any temporary file, and nothing after it was attempted.
    assert_eq!(names_in(&target), vec!["train-images-idx3-ubyte.gz".to_string()]);
}

#[test]
fn missing_file_on_the_server_is_an_error_naming_the_url() {
    let mut files = synthetic_files();
    let work = scratch("404");
    let sums = manifest(&work, &files);
    files.remove("t10k-images-idx3-ubyte.gz");
    let (base, _) = serve(files);
    let out = lenet_download(&work.join("cache"), &base, &sums);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&format!("{base}t10k-images-idx3-ubyte.gz")) && stderr.contains("404"), "{stderr}");
    assert!(!work.join("cache/t10k-images-idx3-ubyte.gz").exists());
}

#[test]
fn malformed_checksum_file_is_rejected() {
    let work = scratch("sums");
    let sums = work.join("SHA256SUMS");
    std::fs::write(&sums, "abc  train-images-idx3-ubyte.gz\n").unwrap();
    let out = lenet_download(&work.join("cache"), "http://127.0.0.1:9/", &sums);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("`abc` is not a SHA-256 in hex") && stderr.contains("SHA256SUMS:1"), "{stderr}");
}

#[test]
fn body_decompressed_on_the_way_is_explained() {
    let good = synthetic_files();
    let work = scratch("decompressed");
    let sums = manifest(&work, &good);
    let mut served_files = good.clone();
    let first = "train-images-idx3-ubyte.gz";
    // What a client would see if a server sent the file with
    // `Content-Encoding: gzip` and the client decoded it.
    let raw = idx::gunzip_if_needed(good[first].clone(), Path::new(first)).unwrap();
    served_files.insert(first.to_string(), raw);
    let (base, _) = serve(served_files);
    let out = lenet_download(&work.join("cache"), &base, &sums);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("the body is not gzip, so the server or a proxy decompressed it"), "{stderr}");
    assert!(names_in(&work.join("cache")).is_empty());
}

#[test]
fn default_folder_is_lenet_data_then_xdg_cache_then_home() {
    let files = synthetic_files();
    let work = scratch("default-dir");
    let sums = manifest(&work, &files);
    let (base, _) = serve(files);
    let (lenet_data, xdg, home) = (work.join("ld"), work.join("xdg"), work.join("home"));
    let cases = [
        (vec![("LENET_DATA", &lenet_data), ("XDG_CACHE_HOME", &xdg), ("HOME", &home)], lenet_data.join("mnist")),
        (vec![("XDG_CACHE_HOME", &xdg), ("HOME", &home)], xdg.join("lenet/mnist")),
        (vec![("HOME", &home)], home.join(".cache/lenet/mnist")),
    ];
    for (env, expected) in cases {
        let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
        let out = lenet_download_env(None, &base, &sums, &env);
        assert!(out.status.success(), "{env:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(names_in(&expected).len(), 4, "{env:?} should fill {}", expected.display());
    }
    let out = lenet_download_env(None, &base, &sums, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("pass --dir"), "{stderr}");
}

/// A loopback server that accepts connections and never answers (for 60 s).
fn serve_nothing() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut held = Vec::new();
        while Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    base
}

/// `lenet download mnist` trying `bases` in order, giving up on a mirror
/// after `stall` seconds without a byte; killed (and failed) after 60 s.
fn lenet_download_mirrors(target: &Path, bases: &[&str], sums: &Path, stall: &str) -> (Output, Duration) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lenet"));
    cmd.args(["download", "mnist", "--stall-timeout", stall, "--sha256-file"]).arg(sums).arg("--dir").arg(target);
    for b in bases {
        cmd.args(["--base-url", b]);
    }
    for var in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let t0 = Instant::now();
    let mut child = cmd.spawn().unwrap();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("lenet download did not stop within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().unwrap(), t0.elapsed())
}

#[test]
fn a_stalled_mirror_is_abandoned_named_and_the_next_one_used() {
    let files = synthetic_files();
    let work = scratch("stalled-then-good");
    let sums = manifest(&work, &files);
    let target = work.join("cache");
    let stalled = serve_nothing();
    let (good, served) = serve(files.clone());
    let (out, took) = lenet_download_mirrors(&target, &[&stalled, &good], &sums, "2");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the second mirror should have served: {stderr}");
    assert!(stderr.contains(&format!("mirror {stalled} stalled")), "the stalled mirror must be named: {stderr}");
    assert!(stderr.contains("no byte for 2 s"), "{stderr}");
    assert_eq!(served.load(Ordering::SeqCst), 4);
    assert_eq!(names_in(&target).len(), 4);
    // A mirror that stalled is not waited for again for the next files.
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn a_download_from_only_stalled_mirrors_fails_naming_them_quickly() {
    let files = synthetic_files();
    let work = scratch("stalled-only");
    let sums = manifest(&work, &files);
    let target = work.join("cache");
    let (a, b) = (serve_nothing(), serve_nothing());
    let (out, took) = lenet_download_mirrors(&target, &[&a, &b], &sums, "1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for m in [&a, &b] {
        assert!(stderr.contains(&format!("mirror {m} stalled")), "{m} must be named: {stderr}");
    }
    assert!(names_in(&target).is_empty(), "nothing is written");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

/// A loopback server that answers every request with headers promising 1 MB,
/// then drips one byte every 100 ms (for 60 s at most): never silent for long,
/// never done.
fn serve_drip() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            std::thread::spawn(move || {
                stream.set_nonblocking(false).unwrap();
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                while Instant::now() < deadline && stream.write_all(b"x").is_ok() {
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
    });
    base
}

// Issue 20, row 5: a mirror that keeps sending a byte now and then never
// stalls; --timeout bounds the whole file, and the next mirror is tried
// (before: 600 s per file, then "timeout: global").
#[test]
fn a_dripping_mirror_runs_out_of_time_and_the_next_one_is_used() {
    let files = synthetic_files();
    let work = scratch("drip-then-good");
    let sums = manifest(&work, &files);
    let target = work.join("cache");
    let drip = serve_drip();
    let (good, served) = serve(files.clone());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lenet"));
    cmd.args(["download", "mnist", "--stall-timeout", "5", "--timeout", "2", "--sha256-file"]).arg(&sums);
    cmd.arg("--dir").arg(&target).args(["--base-url", &drip, "--base-url", &good]);
    for var in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    let t0 = Instant::now();
    let out = child::output_within(cmd, Duration::from_secs(60), "lenet download from a dripping mirror");
    let took = t0.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the second mirror should have served: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(&format!("the mirror {drip} is too slow")), "the slow mirror is named: {stderr}");
    assert!(stderr.contains("(--timeout)"), "{stderr}");
    assert_eq!(served.load(Ordering::SeqCst), 4, "every file from the second mirror");
    assert_eq!(stderr.matches("is too slow").count(), 1, "the slow mirror is not tried again: {stderr}");
    assert_eq!(names_in(&target).len(), 4);
    // 2 s on the first file, none on the next three.
    assert!(took < Duration::from_secs(20), "took {took:?}");
}
