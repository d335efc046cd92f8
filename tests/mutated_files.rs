//! Valid files written by the crate, mutated at random, then read back: every
//! reader must either refuse the file with an error naming it, or return a
//! valid value; none may panic.
//!
//! The files are IDX images and labels (raw and gzip), a model file and a
//! checkpoint. The mutations are those a disk, a download or a hand edit
//! make: bit flips, truncations, extensions, runs of one byte or of noise,
//! and header fields overwritten with huge values (IDX dimensions; JSON
//! numbers such as `version`, `epoch`, `dim` or a weight). A gzip file is
//! mutated both as compressed bytes and as content compressed again, so
//! that the mutation reaches the header behind the gzip layer.
//!
//! A second test mutates data folders (the four MNIST files, or a split
//! replaced by valid files of another shape or with no image) and goes on
//! to the model: each folder is refused for training cleanly, or a batch
//! of it trains and evaluates; `data::load`, which takes any size, hands
//! training splits LeNet cannot take, and training refuses them.
//!
//! Everything is seeded: a failure names the case, and the input is kept in
//! the system temp folder to be replayed. This is the stable-toolchain
//! counterpart of the cargo-fuzz targets in `fuzz/` (`scripts/fuzz.sh`).

use lenet::data::HeldOut;
use lenet::data::idx::{self, Images};
use lenet::model::file;
use lenet::model::{Arch, LeNet};
use lenet::train::Checkpoint;
use lenet::train::{DataRecord, EpochStats, History, TrainConfig};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// SplitMix64: small, seeded, and independent of the crate's own generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values a corrupted or hostile header field takes.
const HUGE_U32: [u32; 8] = [0, 1, 27, 29, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF];
const HOSTILE_NUMBERS: [&str; 14] = [
    "1e39",
    "-1e39",
    "1e309",
    "-1e309",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "-1",
    "0",
    "-0",
    "1e-46",
    "3.4028236e38",
    "99999999999999999999999",
    "1.5",
];

/// Which reader a file goes to.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Images,
    Labels,
    Model,
    Checkpoint,
}

/// One valid file written by the crate, and how to mutate it.
struct Original {
    name: &'static str,
    kind: Kind,
    bytes: Vec<u8>,
    /// For a gzip file: its content, so that the content can be mutated too.
    content: Option<Vec<u8>>,
    /// Mutated files of this original that are read.
    cases: usize,
}

#[path = "support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;

/// The valid files, each written by the crate's own writers.
fn originals(dir: &Path) -> Vec<Original> {
    let digits = lenet::data::embedded::train().unwrap();
    let n = 6;
    let images = Images { count: n, rows: 28, cols: 28, pixels: digits.images[..n * 28 * 28].to_vec() };
    let labels = digits.labels[..n].to_vec();
    let write = |name: &str, f: &dyn Fn(&Path)| {
        let p = dir.join(name);
        f(&p);
        std::fs::read(&p).unwrap()
    };
    let images_raw = write("train-images-idx3-ubyte", &|p| idx::write_images(p, &images, false).unwrap());
    let images_gz = write("train-images-idx3-ubyte.gz", &|p| idx::write_images(p, &images, true).unwrap());
    let labels_raw = write("train-labels-idx1-ubyte", &|p| idx::write_labels(p, &labels, false).unwrap());
    let labels_gz = write("train-labels-idx1-ubyte.gz", &|p| idx::write_labels(p, &labels, true).unwrap());

    let model = LeNet::<f32>::new(Arch::modern(), 7);
    let model_file = write("model.json", &|p| file::save(p, &model).unwrap());
    let stats = EpochStats {
        epoch: 1,
        train_loss: 0.5,
        train_accuracy: 0.875,
        held_out_loss: 0.625,
        held_out_accuracy: 0.75,
        seconds: 1.5,
        images_per_second: 640.0,
    };
    let config = TrainConfig { epochs: 3, limit: Some(64), out_dir: dir.to_path_buf(), ..TrainConfig::default() };
    let velocity = LeNet::<f32>::new(Arch::modern(), 8).params;
    let history = History { held_out: HeldOut::Validation, epochs: vec![stats] };
    let c = Checkpoint { model, velocity, epoch: 1, config, history };
    let checkpoint_file = write("checkpoint.json", &|p| c.save(p).unwrap());
    // The same checkpoint as the version before the held-out split had a
    // name wrote it (`test_loss`, `test_accuracy`, no `held_out`), with a
    // record of the embedded digits, from which its loader names the split.
    let record = DataRecord {
        train: "digits-train".into(),
        train_images: 64,
        train_checksum: "0123456789abcdef".into(),
        test: "digits-validation".into(),
        test_images: 64,
        test_checksum: "fedcba9876543210".into(),
    };
    let old = Checkpoint { config: TrainConfig { data: Some(record), ..c.config.clone() }, ..c.clone() };
    let old_checkpoint_file = write("old-checkpoint.json", &|p| {
        old.save(p).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        let history = v["history"].as_object_mut().unwrap();
        history.remove("held_out").unwrap();
        for e in history["epochs"].as_array_mut().unwrap() {
            let e = e.as_object_mut().unwrap();
            for (new, old) in [("held_out_loss", "test_loss"), ("held_out_accuracy", "test_accuracy")] {
                let value = e.remove(new).unwrap();
                e.insert(old.into(), value);
            }
        }
        std::fs::write(p, serde_json::to_string(&v).unwrap()).unwrap();
        let back = Checkpoint::load(p).unwrap();
        assert_eq!(back.history, c.history, "the old format loads, and names the validation split");
    });

    // The IDX readers take microseconds, the JSON ones milliseconds (a
    // model file is 1.3 MB): the counts keep the whole test near 10 s.
    vec![
        Original { name: "images (raw)", kind: Kind::Images, bytes: images_raw.clone(), content: None, cases: 6000 },
        Original {
            name: "images (gzip)",
            kind: Kind::Images,
            bytes: images_gz,
            content: Some(images_raw),
            cases: 3000,
        },
        Original { name: "labels (raw)", kind: Kind::Labels, bytes: labels_raw.clone(), content: None, cases: 6000 },
        Original {
            name: "labels (gzip)",
            kind: Kind::Labels,
            bytes: labels_gz,
            content: Some(labels_raw),
            cases: 3000,
        },
        Original { name: "model", kind: Kind::Model, bytes: model_file, content: None, cases: 300 },
        Original { name: "checkpoint", kind: Kind::Checkpoint, bytes: checkpoint_file, content: None, cases: 200 },
        Original {
            name: "checkpoint (the format before `held_out`)",
            kind: Kind::Checkpoint,
            bytes: old_checkpoint_file,
            content: None,
            cases: 100,
        },
    ]
}

/// Positions of the JSON numbers in `text` (a digit or `-` not inside a
/// string run of letters), as (start, end).
fn json_numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    while i < text.len() {
        let c = text[i];
        if in_string {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = true;
            i += 1;
        } else if c == b'-' || c.is_ascii_digit() {
            let start = i;
            while i < text.len() && matches!(text[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// The numbers that follow `"key":` in `text` (the first number of an array
/// for `"dim":[`), where a header-field overwrite does most harm.
fn field_numbers(text: &[u8], numbers: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let keys: [&[u8]; 9] = [
        b"\"version\":",
        b"\"epoch\":",
        b"\"dim\":[",
        b"\"epochs\":",
        b"\"batch_size\":",
        b"\"threads\":",
        b"\"limit\":",
        b"\"lr\":",
        b"\"v\":",
    ];
    numbers
        .iter()
        .copied()
        .filter(|&(start, _)| keys.iter().any(|k| start >= k.len() && &text[start - k.len()..start] == *k))
        .collect()
}

/// One random mutation of `bytes`, described for the failure message.
fn mutate(
    rng: &mut Rng,
    bytes: &[u8],
    kind: Kind,
    numbers: &[(usize, usize)],
    fields: &[(usize, usize)],
) -> (Vec<u8>, String) {
    let mut b = bytes.to_vec();
    let len = b.len().max(1);
    let json = matches!(kind, Kind::Model | Kind::Checkpoint);
    let what = match rng.below(if json { 8 } else { 7 }) {
        0 => {
            let flips = 1 + rng.below(8);
            for _ in 0..flips {
                let i = rng.below(len);
                if let Some(x) = b.get_mut(i) {
                    *x ^= 1 << rng.below(8);
                }
            }
            format!("{flips} bit flips")
        }
        1 => {
            // Near the start (the header) as often as anywhere else.
            let near_start = rng.below(2) == 0;
            let at = rng.below(if near_start { len.min(64) } else { len });
            b.truncate(at);
            format!("truncated to {at} bytes")
        }
        2 => {
            let most = if rng.below(4) == 0 { 100_000 } else { 64 };
            let extra = 1 + rng.below(most);
            let byte = rng.below(256) as u8;
            let noise = rng.below(2) == 0;
            b.extend((0..extra).map(|_| if noise { rng.next() as u8 } else { byte }));
            format!("extended by {extra} bytes ({})", if noise { "noise".to_string() } else { format!("{byte:#04x}") })
        }
        3 => {
            let at = rng.below(len);
            let run = 1 + rng.below(256);
            let noise = rng.next() as u8;
            let byte = *rng.pick(&[0x00, 0xFF, b'9', b'"', b'[', b'{', b'\\', b'-', noise]);
            for x in b.iter_mut().skip(at).take(run) {
                *x = byte;
            }
            format!("run of {run} bytes {byte:#04x} at {at}")
        }
        4 => {
            let at = rng.below(len);
            let run = 1 + rng.below(64);
            for x in b.iter_mut().skip(at).take(run) {
                *x = rng.next() as u8;
            }
            format!("{run} random bytes at {at}")
        }
        5 => {
            // Delete or duplicate a span.
            let at = rng.below(len);
            let span = (1 + rng.below(512)).min(b.len().saturating_sub(at));
            if rng.below(2) == 0 {
                b.drain(at..at + span);
                format!("{span} bytes deleted at {at}")
            } else {
                let copy: Vec<u8> = b[at..at + span].to_vec();
                b.splice(at..at, copy);
                format!("{span} bytes duplicated at {at}")
            }
        }
        6 if !json => {
            // An IDX header word: magic, count, rows or columns.
            let words = match kind {
                Kind::Images => 4,
                _ => 2,
            };
            let w = rng.below(words);
            let v = if rng.below(4) == 0 { rng.next() as u32 } else { *rng.pick(&HUGE_U32) };
            if b.len() >= 4 * w + 4 {
                b[4 * w..4 * w + 4].copy_from_slice(&v.to_be_bytes());
            }
            format!("header word {w} set to {v:#010x}")
        }
        _ => {
            // A JSON number: a header field most of the time, else any weight.
            let field = !fields.is_empty() && rng.below(3) != 0;
            let (start, end) = if field { *rng.pick(fields) } else { *rng.pick(numbers) };
            let v = *rng.pick(&HOSTILE_NUMBERS);
            b.splice(start..end, v.bytes());
            format!("number {} at {start} set to {v}", String::from_utf8_lossy(&bytes[start..end]))
        }
    };
    (b, what)
}

/// Reads `path` with the reader of `kind`: `Ok(description)` for a valid
/// value, `Err(message)` for a clean error. Violations of the contract
/// (a value that is not valid, an error naming another file) panic.
fn read(kind: Kind, path: &Path) -> Result<String, String> {
    match kind {
        Kind::Images => match idx::read_images(path) {
            Ok(i) => {
                assert_eq!(
                    i.pixels.len(),
                    i.count * i.rows * i.cols,
                    "pixels do not fill {}×{}×{}",
                    i.count,
                    i.rows,
                    i.cols
                );
                assert!(i.rows > 0 && i.cols > 0, "{}×{} images accepted", i.rows, i.cols);
                Ok(format!("{}×{}×{}", i.count, i.rows, i.cols))
            }
            Err(e) => {
                assert_eq!(e.path(), path, "the error names another file: {e}");
                Err(e.to_string())
            }
        },
        Kind::Labels => match idx::read_labels(path) {
            Ok(l) => {
                assert!(l.iter().all(|&c| (c as usize) < lenet::data::NUM_CLASSES), "a label outside 0..10 accepted");
                Ok(format!("{} labels", l.len()))
            }
            Err(e) => {
                assert_eq!(e.path(), path, "the error names another file: {e}");
                Err(e.to_string())
            }
        },
        Kind::Model => match file::load(path) {
            Ok(m) => {
                assert!(m.params.all_finite(), "a model with non-finite weights was loaded");
                Ok("a model".into())
            }
            Err(e) => {
                assert_eq!(e.path, path, "the error names another file: {e}");
                Err(e.to_string())
            }
        },
        Kind::Checkpoint => match Checkpoint::load(path) {
            Ok(c) => {
                assert!(c.model.params.all_finite() && c.velocity.all_finite(), "non-finite weights were loaded");
                assert_eq!(c.history.epochs.len(), c.epoch, "history and epoch disagree");
                Ok(format!("a checkpoint at epoch {}", c.epoch))
            }
            Err(e) => {
                assert_eq!(e.path, path, "the error names another file: {e}");
                Err(e.to_string())
            }
        },
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

#[test]
fn mutated_files_are_refused_cleanly_or_read_as_valid_values() {
    let dir = TempDir::new("files");
    let mut rng = Rng(0x1e_7e_10);
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for orig in originals(&dir.0) {
        // Read through the same file name the crate wrote, in a folder of its own.
        let file_name = match orig.kind {
            Kind::Images if orig.content.is_some() => "train-images-idx3-ubyte.gz",
            Kind::Images => "train-images-idx3-ubyte",
            Kind::Labels if orig.content.is_some() => "train-labels-idx1-ubyte.gz",
            Kind::Labels => "train-labels-idx1-ubyte",
            Kind::Model => "model.json",
            Kind::Checkpoint => "checkpoint.json",
        };
        let case_dir = dir.0.join("cases");
        std::fs::create_dir_all(&case_dir).unwrap();
        let path = case_dir.join(file_name);
        std::fs::write(&path, &orig.bytes).unwrap();
        assert!(read(orig.kind, &path).is_ok(), "the unmutated {} does not read", orig.name);

        let numbers = json_numbers(&orig.bytes);
        let fields = field_numbers(&orig.bytes, &numbers);
        let (mut valid, mut refused) = (0, 0);
        for case in 0..orig.cases {
            let (bytes, what) = match &orig.content {
                // Half of a gzip file's cases mutate the content, compressed again.
                Some(content) if rng.below(2) == 0 => {
                    let (c, what) = mutate(&mut rng, content, orig.kind, &[], &[]);
                    (idx::gzip(&c), format!("content {what}, compressed again"))
                }
                _ => mutate(&mut rng, &orig.bytes, orig.kind, &numbers, &fields),
            };
            std::fs::write(&path, &bytes).unwrap();
            match catch_unwind(AssertUnwindSafe(|| read(orig.kind, &path))) {
                Ok(Ok(_)) => valid += 1,
                Ok(Err(message)) => {
                    assert!(!message.is_empty());
                    refused += 1;
                }
                Err(p) => {
                    let keep = std::env::temp_dir().join(format!("lenet-mutated-panic-{}-{case}", file_name));
                    std::fs::write(&keep, &bytes).unwrap();
                    failures.push(format!(
                        "{} case {case} ({what}): panicked: {}; the input is {}",
                        orig.name,
                        panic_text(&*p),
                        keep.display()
                    ));
                }
            }
        }
        report.push(format!("{}: {} cases, {valid} read as valid values, {refused} refused", orig.name, orig.cases));
    }
    eprintln!("mutated files:\n  {}", report.join("\n  "));
    assert!(
        failures.is_empty(),
        "{} of the mutated files made a reader panic:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Valid IDX files of another shape: `count` images of `rows`×`cols` and
/// their labels (the 1×1, 14×56 and 32×32 images; empty sets).
fn reshaped(rng: &mut Rng, count: usize, rows: usize, cols: usize) -> (Vec<u8>, Vec<u8>) {
    let pixels = (0..count * rows * cols).map(|_| rng.next() as u8).collect();
    let labels: Vec<u8> = (0..count).map(|_| rng.below(10) as u8).collect();
    (idx::encode_images(&Images { count, rows, cols, pixels }), idx::encode_labels(&labels))
}

/// Writes the four files of a data folder (each raw or gzip), one of them
/// mutated, or a split (or both) replaced by valid files of another shape;
/// returns what was done.
fn write_folder(rng: &mut Rng, dir: &Path, files: &[(Kind, Vec<u8>); 4]) -> String {
    let mut files = files.clone();
    let mut target = rng.below(4);
    let mut what = String::new();
    if rng.below(4) == 0 {
        target = usize::MAX;
        let (rows, cols) = (*rng.pick(&[1, 14, 27, 28, 32, 56]), *rng.pick(&[1, 28, 29, 32, 56]));
        const SPLITS: [&[usize]; 3] = [&[0], &[2], &[0, 2]];
        let splits = *rng.pick(&SPLITS);
        for &split in splits {
            let count = *rng.pick(&[0, 1, 3]);
            let (images, labels) = reshaped(rng, count, rows, cols);
            files[split].1 = images;
            files[split + 1].1 = labels;
            what += &format!("{} holds {count} images of {rows}×{cols}; ", lenet::data::FILE_NAMES[split]);
        }
    }
    for (i, ((kind, raw), name)) in files.iter().zip(lenet::data::FILE_NAMES).enumerate() {
        let _ = std::fs::remove_file(dir.join(name));
        let _ = std::fs::remove_file(dir.join(format!("{name}.gz")));
        let gz = rng.below(2) == 0;
        let mut bytes = raw.clone();
        if i == target {
            let (b, w) = mutate(rng, raw, *kind, &[], &[]);
            bytes = b;
            what = format!("{name}{}: {w}", if gz { ".gz" } else { "" });
        }
        let (file, bytes) = if gz { (format!("{name}.gz"), idx::gzip(&bytes)) } else { (name.to_string(), bytes) };
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    what
}

/// The loaders of a data folder, then the model on what they return: a
/// data set is refused cleanly, or trains and evaluates. Returns whether
/// training could use it, and whether `data::load` read a split LeNet
/// cannot take (which training then refused).
fn load_and_use(dir: &Path, run_dir: &Path) -> (bool, bool) {
    use lenet::data::{self, Dataset, Source};
    let source = Source::Mnist(Some(dir.to_path_buf()));
    let valid = |d: &Dataset| {
        assert_eq!(d.images.len(), d.len() * d.rows * d.cols, "{d:?}: pixels do not fill the images");
        assert!(d.labels.iter().all(|&c| (c as usize) < data::NUM_CLASSES), "{d:?}: a label outside 0..10");
    };
    let model = LeNet::<f32>::new(Arch::modern(), 3);
    let use_for_lenet = |d: &Dataset| {
        assert_eq!((d.rows, d.cols), (28, 28), "{d:?} was loaded for LeNet");
        assert!(!d.is_empty(), "{d:?} was loaded although empty");
        valid(d);
        let (x, labels) = d.batch::<f32>(&(0..d.len().min(4)).collect::<Vec<_>>());
        let _ = model.loss_and_grads(&x, &labels, 1);
        let _ = lenet::train::evaluate(&model, d, None, 1);
    };
    // Any size: a split LeNet cannot take is refused by training, before
    // anything is written.
    let mut odd = false;
    if let Ok(split) = data::load(&source) {
        valid(&split.train);
        valid(&split.test);
        let lenet_size = |d: &Dataset| (d.rows, d.cols) == (28, 28) && !d.is_empty();
        if !(lenet_size(&split.train) && lenet_size(&split.test)) {
            let config =
                TrainConfig { epochs: 1, threads: 1, out_dir: run_dir.to_path_buf(), ..TrainConfig::default() };
            let e = lenet::train::train(&config, &split, &mut lenet::train::Silent);
            assert!(e.is_err(), "{:?} / {:?}: training accepted a split LeNet cannot take", split.train, split.test);
            assert!(!run_dir.exists(), "a refused training run wrote into its folder");
            odd = true;
        }
    }
    if let Ok(test) = data::load_for_eval(&source) {
        use_for_lenet(&test);
    }
    match data::load_for_training(&source) {
        Ok(split) => {
            use_for_lenet(&split.train);
            use_for_lenet(&split.test);
            (true, odd)
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            (false, odd)
        }
    }
}

#[test]
fn mutated_data_folders_are_refused_cleanly_or_train_and_evaluate() {
    let dir = TempDir::new("folders");
    let digits = lenet::data::embedded::train().unwrap();
    let images = |n: usize, from: usize| {
        let pixels = digits.images[from * 784..(from + n) * 784].to_vec();
        idx::encode_images(&Images { count: n, rows: 28, cols: 28, pixels })
    };
    let files = [
        (Kind::Images, images(6, 0)),
        (Kind::Labels, idx::encode_labels(&digits.labels[..6])),
        (Kind::Images, images(4, 6)),
        (Kind::Labels, idx::encode_labels(&digits.labels[6..10])),
    ];
    let data_dir = dir.0.join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let mut rng = Rng(0xF01D_E125);
    let cases = 1500;
    let (mut used, mut refused, mut odd) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in 0..cases {
        let what = write_folder(&mut rng, &data_dir, &files);
        let run_dir = dir.0.join(format!("run-{case}"));
        match catch_unwind(AssertUnwindSafe(|| load_and_use(&data_dir, &run_dir))) {
            Ok((trained, odd_split)) => {
                if trained {
                    used += 1
                } else {
                    refused += 1
                }
                odd += odd_split as usize;
            }
            Err(p) => {
                let keep = std::env::temp_dir().join(format!("lenet-mutated-panic-folder-{case}"));
                let _ = std::fs::remove_dir_all(&keep);
                std::fs::create_dir_all(&keep).unwrap();
                for e in std::fs::read_dir(&data_dir).unwrap() {
                    let e = e.unwrap();
                    std::fs::copy(e.path(), keep.join(e.file_name())).unwrap();
                }
                failures.push(format!(
                    "folder case {case} ({what}): panicked: {}; the folder is {}",
                    panic_text(&*p),
                    keep.display()
                ));
            }
        }
    }
    eprintln!(
        "mutated data folders: {cases} cases, {used} trained and evaluated, {refused} refused for training \
         (of which {odd} read by data::load with images not 28×28 or none, refused by train::train)"
    );
    assert!(
        failures.is_empty(),
        "{} of the mutated folders made lenet panic:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
