//! Hostile data files (issue 10, items 1, 2, 3, 5 and 9): valid IDX files of
//! the wrong image size, empty data sets, gzip bombs, headers declaring more
//! than any real data set, and things that are not files at an IDX path.
//! Each is refused with a message naming the file and the problem, before
//! training, without a panic, quickly and with little memory; `lenet eval`
//! reads only the test files; a model whose forward pass overflows is called
//! unusable.

use lenet::data::idx::{self, DataError, Images, MAX_DATA_BYTES};
use lenet::data::{self, FILE_NAMES, Source};
use lenet::model::file;
use lenet::model::{Arch, LeNet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

#[path = "support/child.rs"]
mod child;

fn scratch(tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-data-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `lenet ARGS` under `sh -c 'ulimit -v KB'` (address space capped, so
/// an allocation of gigabytes fails instead of succeeding), killed (and the
/// test failed) after 60 s: a FIFO that blocks the reader fails the test
/// instead of hanging it.
fn lenet_capped(args: &[&str], cap_kb: u64) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!("ulimit -v {cap_kb} && exec \"$0\" \"$@\"")).arg(env!("CARGO_BIN_EXE_lenet")).args(args);
    child::output_within(cmd, Duration::from_secs(60), &format!("lenet {args:?}"))
}

/// 200 MB of address space (so resident memory stays below 200 MB too):
/// enough for lenet with two threads and a 10,000-image test set (it runs
/// in 100 MB here), far from the 3 GB the unbounded reader took on the
/// gzip bomb.
const CAP_KB: u64 = 200_000;

fn lenet(args: &[&str]) -> Output {
    lenet_capped(args, CAP_KB)
}

/// The command failed cleanly (status 1, no panic) and stderr holds every
/// string of `says`.
fn assert_refused(out: &Output, says: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for s in says {
        assert!(stderr.contains(s), "expected {s:?} in: {stderr}");
    }
    stderr
}

fn images(count: usize, rows: usize, cols: usize) -> Images {
    Images { count, rows, cols, pixels: (0..count * rows * cols).map(|i| (i * 7 % 256) as u8).collect() }
}

/// Writes the four standard files into `dir` (raw), train and test alike.
fn folder(dir: &Path, im: &Images, labels: &[u8]) {
    for (name, raw) in FILE_NAMES.iter().zip([
        idx::encode_images(im),
        idx::encode_labels(labels),
        idx::encode_images(im),
        idx::encode_labels(labels),
    ]) {
        std::fs::write(dir.join(name), raw).unwrap();
    }
}

/// A freshly initialised LeNet saved as a model file.
fn model_file(dir: &Path) -> PathBuf {
    let p = dir.join("model.json");
    file::save(&p, &LeNet::<f32>::new(Arch::modern(), 1)).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// Item 1: valid IDX files whose images are not 28×28.
#[test]
fn images_not_28_by_28_are_refused_at_load_by_train_and_eval() {
    for (rows, cols) in [(1, 1), (14, 56), (32, 32)] {
        let dir = scratch(&format!("size-{rows}x{cols}"));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        folder(&data, &images(1, rows, cols), &[3]);
        let run = dir.join("run");
        let what = format!("holds {rows}×{cols} images, but LeNet takes 28×28 images only");

        let out = lenet(&["train", "--dataset", "mnist", "--data", s(&data), "--epochs", "1", "--out", s(&run)]);
        assert_refused(&out, &[s(&data.join(FILE_NAMES[0])), &what]);
        assert!(!run.exists(), "nothing is trained, so no run folder");

        let model = model_file(&dir);
        let out = lenet(&["eval", "--model", s(&model), "--dataset", "mnist", "--data", s(&data)]);
        assert_refused(&out, &[s(&data.join(FILE_NAMES[2])), &what]);
        assert!(out.stdout.is_empty());
    }
}

// Item 1, in the library: the size is checked from the header, before the
// pixels are read, so a truncated 32×32 file is refused for its size.
#[test]
fn image_size_is_checked_from_the_header() {
    let dir = scratch("size-header");
    let mut raw = idx::encode_images(&images(2, 32, 32));
    raw.truncate(20);
    let p = dir.join("images");
    std::fs::write(&p, &raw).unwrap();
    let err = idx::read_images_sized(&p, Some((28, 28))).unwrap_err();
    assert!(matches!(err, DataError::ImageSize { rows: 32, cols: 32, expected: (28, 28), .. }), "{err:?}");
    // Without a required size the same file is merely truncated.
    let err = idx::read_images(&p).unwrap_err();
    assert!(matches!(err, DataError::SizeMismatch { .. }), "{err:?}");
}

// Item 2: data sets declaring zero images.
#[test]
fn empty_data_sets_are_refused_by_train_and_eval() {
    let dir = scratch("empty");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    folder(&data, &images(0, 28, 28), &[]);
    let run = dir.join("run");
    let out = lenet(&["train", "--dataset", "mnist", "--data", s(&data), "--epochs", "3", "--out", s(&run)]);
    assert_refused(&out, &[s(&data.join(FILE_NAMES[0])), "holds no samples"]);
    assert!(!run.exists(), "no model is written");

    // A good training set with an empty test set is refused too.
    let good = images(2, 28, 28);
    std::fs::write(data.join(FILE_NAMES[0]), idx::encode_images(&good)).unwrap();
    std::fs::write(data.join(FILE_NAMES[1]), idx::encode_labels(&[1, 2])).unwrap();
    let out = lenet(&["train", "--dataset", "mnist", "--data", s(&data), "--epochs", "1", "--out", s(&run)]);
    assert_refused(&out, &[s(&data.join(FILE_NAMES[2])), "holds no samples"]);

    let model = model_file(&dir);
    let out = lenet(&["eval", "--model", s(&model), "--dataset", "mnist", "--data", s(&data)]);
    assert_refused(&out, &[s(&data.join(FILE_NAMES[2])), "holds no samples"]);
    assert!(out.stdout.is_empty());

    // The generic loader refuses an empty set as well; the IDX reader
    // itself reads an empty file as the valid empty value it is.
    let err = data::load_dir(&data, "toy", "no hint").unwrap_err();
    assert!(matches!(err, DataError::Empty { .. }), "{err:?}");
    assert_eq!(idx::read_images(&data.join(FILE_NAMES[2])).unwrap().count, 0);
}

/// `members` gzip members of 1 MiB of zeros each, after `head` (gzipped as
/// the first member): `members` MiB once decompressed, about 1 KB each.
fn gzip_bomb(head: &[u8], members: usize) -> Vec<u8> {
    let zeros = idx::gzip(&vec![0u8; 1 << 20]);
    let mut out = if head.is_empty() { Vec::new() } else { idx::gzip(head) };
    for _ in 0..members {
        out.extend_from_slice(&zeros);
    }
    out
}

// Item 3: a 3 MB .gz of zeros (3 GB decompressed) fails at the header, fast,
// within a 200 MB address space.
#[test]
fn gzip_bomb_of_zeros_fails_at_the_header_with_little_memory() {
    let dir = scratch("bomb");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let bomb = gzip_bomb(&[], 3000);
    assert!(bomb.len() > 2_000_000 && bomb.len() < 4_000_000, "{} bytes", bomb.len());
    let p = data.join(format!("{}.gz", FILE_NAMES[0]));
    std::fs::write(&p, &bomb).unwrap();
    let t0 = Instant::now();
    let err = idx::read_images(&p).unwrap_err();
    assert!(matches!(err, DataError::BadMagic { found: 0, .. }), "{err:?}");
    assert!(t0.elapsed() < Duration::from_secs(2), "took {:?}", t0.elapsed());

    for name in &FILE_NAMES[1..] {
        std::fs::write(data.join(format!("{name}.gz")), &bomb).unwrap();
    }
    let out =
        lenet(&["train", "--dataset", "mnist", "--data", s(&data), "--epochs", "1", "--out", s(&dir.join("run"))]);
    assert_refused(&out, &[s(&p), "magic number 0x00000000"]);
}

// Item 3: a valid header followed by gigabytes of zeros: exactly the declared
// bytes are read, then trailing data is refused after at most 1 MiB more.
#[test]
fn trailing_gigabytes_are_not_read() {
    let dir = scratch("trailing");
    let header = idx::encode_images(&Images { count: 100, rows: 28, cols: 28, pixels: vec![0; 78_400] });
    let p = dir.join("images.gz");
    std::fs::write(&p, gzip_bomb(&header, 2000)).unwrap();
    let t0 = Instant::now();
    let err = idx::read_images(&p).unwrap_err();
    assert!(matches!(err, DataError::TrailingData { expected: 78_400, .. }), "{err:?}");
    assert!(err.to_string().contains("= 78400 data bytes but holds more than"), "{err}");
    assert!(err.to_string().contains(&p.display().to_string()), "{err}");
    assert!(t0.elapsed() < Duration::from_secs(2), "took {:?}", t0.elapsed());

    // The same through the in-memory parser the fuzzer drives.
    let err = idx::parse_images(std::fs::read(&p).unwrap(), &p).unwrap_err();
    assert!(matches!(err, DataError::TrailingData { .. }), "{err:?}");
    // And the whole-file helpers stop at the size of the largest valid file.
    let err = idx::read_maybe_gzip(&p).unwrap_err();
    assert!(matches!(err, DataError::TooLong { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("more than {} bytes", 16 + MAX_DATA_BYTES)), "{err}");
}

// Item 3: declared sizes are checked against the bound before allocating.
#[test]
fn declared_sizes_beyond_the_bound_are_refused_before_allocating() {
    let dir = scratch("declared");
    let cases: [(u32, u32, u32); 3] = [(u32::MAX, u32::MAX, u32::MAX), (1_000_000, 28, 28), (86_000, 28, 28)];
    for (n, r, c) in cases {
        let mut raw = Vec::new();
        for w in [idx::IMAGES_MAGIC, n, r, c] {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        raw.extend_from_slice(&[0; 100]);
        for gz in [false, true] {
            let p = dir.join(format!("images-{n}-{gz}"));
            std::fs::write(&p, if gz { idx::gzip(&raw) } else { raw.clone() }).unwrap();
            let err = idx::read_images(&p).unwrap_err();
            assert!(matches!(err, DataError::TooLarge { limit: MAX_DATA_BYTES, .. }), "{err:?}");
            let msg = err.to_string();
            assert!(
                msg.contains(&p.display().to_string()) && msg.contains("more than the limit of 67108864 bytes (64 MiB"),
                "{msg}"
            );
        }
    }
    // Labels too.
    let mut raw = idx::LABELS_MAGIC.to_be_bytes().to_vec();
    raw.extend_from_slice(&u32::MAX.to_be_bytes());
    let p = dir.join("labels");
    std::fs::write(&p, &raw).unwrap();
    let err = idx::read_labels(&p).unwrap_err();
    assert!(matches!(err, DataError::TooLarge { .. }), "{err:?}");
    // The largest valid size is accepted: 60,000 images of 28×28 (gzip,
    // so the test file is small).
    let im = Images { count: 60_000, rows: 28, cols: 28, pixels: vec![0; 60_000 * 784] };
    let p = dir.join("full.gz");
    std::fs::write(&p, idx::gzip(&idx::encode_images(&im))).unwrap();
    assert_eq!(idx::read_images(&p).unwrap().count, 60_000);
}

// Item 5: eval reads only the t10k files.
#[test]
fn eval_reads_only_the_test_files() {
    let dir = scratch("eval-only-test");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let im = images(3, 28, 28);
    std::fs::write(data.join(FILE_NAMES[2]), idx::encode_images(&im)).unwrap();
    std::fs::write(data.join(FILE_NAMES[3]), idx::encode_labels(&[4, 0, 9])).unwrap();
    let model = model_file(&dir);
    let eval = |d: &Path| lenet(&["eval", "--model", s(&model), "--dataset", "mnist", "--data", s(d), "--json"]);
    let out = eval(&data);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["test_images"], 3);

    // Training files that would fail to load are not even opened.
    std::fs::write(data.join(FILE_NAMES[0]), b"not an IDX file").unwrap();
    std::fs::create_dir_all(data.join(FILE_NAMES[1])).unwrap();
    let out = eval(&data);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // `lenet train` needs them: every file is looked up before any is read.
    let out =
        lenet(&["train", "--dataset", "mnist", "--data", s(&data), "--epochs", "1", "--out", s(&dir.join("run"))]);
    assert_refused(&out, &[&format!("{} is a directory, not an IDX file", data.join(FILE_NAMES[1]).display())]);
    std::fs::remove_dir(data.join(FILE_NAMES[1])).unwrap();
    std::fs::write(data.join(FILE_NAMES[1]), idx::encode_labels(&[1])).unwrap();
    let out =
        lenet(&["train", "--dataset", "mnist", "--data", s(&data), "--epochs", "1", "--out", s(&dir.join("run"))]);
    assert_refused(&out, &[s(&data.join(FILE_NAMES[0])), "magic number"]);

    // The library call behind eval, and a missing test file.
    let test = data::load_for_eval(&Source::Mnist(Some(data.clone()))).unwrap();
    assert_eq!(test.labels, vec![4, 0, 9]);
    assert_eq!(test.name, "mnist-test");
    std::fs::remove_file(data.join(FILE_NAMES[3])).unwrap();
    let out = eval(&data);
    assert_refused(&out, &[s(&data.join(format!("{}.gz", FILE_NAMES[3]))), "is missing"]);
}

/// A folder whose test images path is `make`'s thing; eval must say `what`.
fn eval_with_test_images_at(tag: &str, make: impl Fn(&Path), what: &str) {
    let dir = scratch(tag);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join(FILE_NAMES[3]), idx::encode_labels(&[1])).unwrap();
    let at = data.join(FILE_NAMES[2]);
    make(&at);
    let model = model_file(&dir);
    let t0 = Instant::now();
    let out = lenet(&["eval", "--model", s(&model), "--dataset", "mnist", "--data", s(&data)]);
    let stderr = assert_refused(&out, &[&format!("{} is {what}", at.display()), "not an IDX file"]);
    assert!(!stderr.contains("missing"), "{stderr}");
    assert!(t0.elapsed() < Duration::from_secs(20), "took {:?}", t0.elapsed());
    // The reader itself says the same when called on the path directly.
    let err = idx::read_images(&at).unwrap_err();
    assert!(matches!(err, DataError::NotAFile { .. }), "{err:?}");
}

// Item 9: what is at an IDX path, when it is not a file.
#[test]
fn a_directory_at_an_idx_path_is_named_as_such() {
    eval_with_test_images_at("dir", |p| std::fs::create_dir_all(p).unwrap(), "a directory");
}

#[test]
fn a_fifo_at_an_idx_path_is_named_and_does_not_block() {
    let make = |p: &Path| {
        let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo (coreutils) runs").success();
        assert!(ok, "mkfifo {}", p.display());
    };
    eval_with_test_images_at("fifo", make, "a FIFO (named pipe)");
}

#[test]
fn a_symlink_loop_at_an_idx_path_is_named_as_such() {
    let make = |p: &Path| {
        let other = p.with_extension("loop");
        std::os::unix::fs::symlink(&other, p).unwrap();
        std::os::unix::fs::symlink(p, &other).unwrap();
    };
    eval_with_test_images_at("loop", make, "a symbolic link that cannot be followed");
}

#[test]
fn dev_zero_at_an_idx_path_is_named_as_a_character_device() {
    let make = |p: &Path| std::os::unix::fs::symlink("/dev/zero", p).unwrap();
    eval_with_test_images_at("dev-zero", make, "a character device (through a symbolic link to /dev/zero)");
    let err = idx::read_labels(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(err.to_string(), "/dev/zero is a character device, not an IDX file");
}

#[test]
fn a_dangling_symlink_is_named_as_such() {
    let make = |p: &Path| std::os::unix::fs::symlink("/nonexistent/lenet-data", p).unwrap();
    eval_with_test_images_at("dangling", make, "a symbolic link to /nonexistent/lenet-data, which does not exist");
}

// Item 9: a model whose forward pass overflows is unusable.
#[test]
fn a_model_that_overflows_to_nan_is_called_unusable() {
    let dir = scratch("nan-model");
    let mut net = LeNet::<f32>::new(Arch::modern(), 1);
    for (_, mut t) in net.params.tensors_mut() {
        t.fill(1e30);
    }
    let model = dir.join("huge.json");
    file::save(&model, &net).unwrap();
    for json in [false, true] {
        let mut args = vec!["eval", "--model", s(&model)];
        if json {
            args.push("--json");
        }
        let out = lenet(&args);
        assert_refused(
            &out,
            &[&format!("model file {} is unusable", model.display()), "NaN or infinity on 2000 of 2000"],
        );
        assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    }
}

// A real-size test set of 28×28 images still evaluates within the cap.
#[test]
fn a_good_test_set_evaluates_within_the_memory_cap() {
    let dir = scratch("good");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let im = images(10_000, 28, 28);
    let labels: Vec<u8> = (0..10_000).map(|i| (i % 10) as u8).collect();
    let mut f = std::fs::File::create(data.join(format!("{}.gz", FILE_NAMES[2]))).unwrap();
    f.write_all(&idx::gzip(&idx::encode_images(&im))).unwrap();
    std::fs::write(data.join(format!("{}.gz", FILE_NAMES[3])), idx::gzip(&idx::encode_labels(&labels))).unwrap();
    let model = model_file(&dir);
    let out = lenet(&["eval", "--model", s(&model), "--dataset", "mnist", "--data", s(&data), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["test_images"], 10_000);
}
