//! Data sets of 28×28 greyscale images with 10 classes: the embedded digits,
//! MNIST and Fashion-MNIST.
//!
//! A [`Dataset`] keeps the raw pixel bytes (one byte per pixel, as in the
//! files) and converts to floats only for the batch being used, x = p / 255,
//! so 60,000 images cost 47 MB rather than 188 MB as `f32`.
//!
//! | [`Source`] | train | test | where from |
//! |---|---|---|---|
//! | `Embedded` | 8,000 | 2,000 (validation) | compiled in, see [`embedded`] |
//! | `Mnist(None)` | 60,000 | 10,000 | the cache folder of `lenet download mnist` ([`cache_dir`]) |
//! | `FashionMnist(None)` | 60,000 | 10,000 | [`DEBIAN_FASHION_DIR`] (Debian's package), else the download cache |
//! | `Mnist(Some(dir))`, `FashionMnist(Some(dir))` | | | the four standard file names in `dir` |
//!
//! Each command reads only what it needs: [`load_for_training`] (`lenet
//! train`) both splits, [`load_for_eval`] (`lenet eval`) only the test split,
//! the two `t10k-*` files. Both refuse images other than 28×28 from the
//! header, before the pixels are read, and an empty split, naming the file.
//!
//! A folder's `t10k-*` files are its test set, unless the folder has a file
//! [`HELD_OUT_FILE`] saying `validation`: `scripts/validation-split.py`
//! writes one beside the training images it held out, so that training calls
//! them what they are ([`HeldOut`]).
//!
//! ```
//! use lenet::data::{load, Source};
//! let split = load(&Source::Embedded)?;
//! let (x, labels) = split.train.batch::<f32>(&[0, 1, 2]);
//! assert_eq!(x.shape(), &[3, 1, 28, 28]); // N×C×H×W, pixel / 255
//! assert!(labels.iter().all(|&y| y < 10));
//! # Ok::<(), lenet::data::DataError>(())
//! ```

pub mod embedded;
pub mod idx;

pub use idx::{DataError, NUM_CLASSES};

use crate::Real;
use ndarray::Array4;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// Class names of the digit data sets (embedded digits and MNIST).
pub const DIGIT_CLASSES: [&str; NUM_CLASSES] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
/// Class names of Fashion-MNIST, in label order.
pub const FASHION_CLASSES: [&str; NUM_CLASSES] =
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
/// Where Debian's package `dataset-fashion-mnist` installs the files.
pub const DEBIAN_FASHION_DIR: &str = "/usr/share/datasets/fashion-mnist";
/// The standard file names (without `.gz`) of MNIST and Fashion-MNIST:
/// training images, training labels, test images, test labels.
pub const FILE_NAMES: [&str; 4] =
    ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/// The file in a data folder that says what its `t10k-*` files are: one
/// word, `validation` or `test` (a newline after it is allowed). Without it
/// they are the test set. `scripts/validation-split.py` writes `validation`.
pub const HELD_OUT_FILE: &str = "held-out";

/// Longest [`HELD_OUT_FILE`] read: "validation" and a line ending, with room.
const HELD_OUT_FILE_MAX: u64 = 64;

/// What `dir`'s [`HELD_OUT_FILE`] says, `None` when there is none.
fn held_out_marker(dir: &Path) -> Result<Option<HeldOut>, DataError> {
    use std::io::Read;
    let path = dir.join(HELD_OUT_FILE);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    // A FIFO or a device is refused before it is opened; a huge file is
    // read no further than a marker can be long.
    idx::check_regular_file(&path).map_err(|e| match e {
        DataError::NotAFile { path, what } => DataError::HeldOutMarker { path, problem: format!("is {what}") },
        e => e,
    })?;
    let mut text = Vec::new();
    let io = |source| DataError::Io { path: path.clone(), source };
    let file = std::fs::File::open(&path).map_err(io)?;
    file.take(HELD_OUT_FILE_MAX).read_to_end(&mut text).map_err(io)?;
    match String::from_utf8_lossy(&text).trim_end_matches(['\n', '\r']) {
        "validation" => Ok(Some(HeldOut::Validation)),
        "test" => Ok(Some(HeldOut::Test)),
        other => {
            let shown: String = other.chars().take(40).collect();
            Err(DataError::HeldOutMarker { path, problem: format!("says {shown:?}") })
        }
    }
}

/// Images with their labels, pixels kept as bytes.
#[derive(Clone, PartialEq)]
pub struct Dataset {
    /// `n × rows × cols` pixel bytes, image after image, each row-major.
    pub images: Vec<u8>,
    /// One class in `0..10` per image.
    pub labels: Vec<u8>,
    pub rows: usize,
    pub cols: usize,
    /// Which data set and split, e.g. `digits-train` or `fashion-mnist-test`.
    pub name: String,
}

impl fmt::Debug for Dataset {
    // The pixels would be millions of numbers; the shape says what matters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dataset {{ name: {:?}, len: {}, rows: {}, cols: {} }}", self.name, self.len(), self.rows, self.cols)
    }
}

impl Dataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The `rows × cols` pixel bytes of image `i`, row-major.
    ///
    /// # Panics
    /// If `i >= len()`, naming the index and the data set.
    pub fn image(&self, i: usize) -> &[u8] {
        self.check_index(i);
        let size = self.rows * self.cols;
        &self.images[i * size..(i + 1) * size]
    }

    /// The class of image `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn label(&self, i: usize) -> usize {
        self.check_index(i);
        self.labels[i] as usize
    }

    fn check_index(&self, i: usize) {
        assert!(i < self.len(), "index {i} is out of range for {} with {} images", self.name, self.len());
    }

    /// The images at `indices` as an `N×1×rows×cols` batch with pixel value
    /// x = p / 255 ∈ [0, 1], and their labels.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn batch<F: Real>(&self, indices: &[usize]) -> (Array4<F>, Vec<usize>) {
        // A division in F, which the compiler runs 8 or 16 pixels at a time
        // (a lookup table is one dependent load per pixel). For every byte p,
        // p / 255 rounded once to f32 is also the f64 quotient rounded to
        // f32 (tests/data.rs checks all 256), so the pixels are what they
        // were defined to be.
        let max = F::of(255.0);
        let mut data = Vec::with_capacity(indices.len() * self.rows * self.cols);
        for (k, &i) in indices.iter().enumerate() {
            // The images of a shuffled batch lie anywhere in the data set (47
            // MB for Fashion-MNIST, beyond the caches): asking for the next
            // one's bytes now lets them arrive while this one is converted,
            // instead of stalling on each cache line in turn.
            if let Some(&next) = indices.get(k + 1) {
                prefetch(self.image(next));
            }
            data.extend(self.image(i).iter().map(|&p| F::of(f64::from(p)) / max));
        }
        let x = Array4::from_shape_vec((indices.len(), 1, self.rows, self.cols), data)
            .expect("the data vector holds exactly N·rows·cols values");
        (x, indices.iter().map(|&i| self.label(i)).collect())
    }

    /// A new data set of the images at `indices`, in that order.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn subset(&self, indices: &[usize], name: &str) -> Dataset {
        let mut images = Vec::with_capacity(indices.len() * self.rows * self.cols);
        for &i in indices {
            images.extend_from_slice(self.image(i));
        }
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Dataset { images, labels, rows: self.rows, cols: self.cols, name: name.to_string() }
    }

    /// How many images each class has.
    pub fn class_counts(&self) -> [usize; NUM_CLASSES] {
        let mut counts = [0; NUM_CLASSES];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }
}

/// Hints the CPU to start loading `bytes` into the cache (a no-op off
/// x86-64). Only a hint: no value changes, nothing waits for it.
#[inline]
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in bytes.chunks(64) {
        // SAFETY: prefetching has no effect on memory or registers and
        // cannot fault; SSE is part of x86-64.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// A training split and the split held out to measure it (test set, or
/// validation set for the embedded digits).
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub train: Dataset,
    /// The held-out split (its field name is older than [`HeldOut`]: for the
    /// embedded digits it is the validation set).
    pub test: Dataset,
    /// What the held-out split is, which decides what training calls it.
    pub held_out: HeldOut,
}

/// What a data set's held-out split is: the images training is measured on
/// and never trained on. The name matters because the two have different
/// jobs: a validation set is looked at to choose settings (epochs,
/// augmentation, …), so its score is biased by those choices; a test set is
/// meant to be looked at once, after every choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeldOut {
    /// A validation set: the embedded digits' 2,000, split off MNIST's
    /// training images.
    Validation,
    /// The data set's official test set (the `t10k-*` files of MNIST and
    /// Fashion-MNIST). The default, because every held-out split was called
    /// "test" before this type existed: a history or checkpoint written then
    /// says nothing else.
    #[default]
    Test,
}

impl HeldOut {
    /// `validation` or `test`, as the command line, the history's table and
    /// the plots write it.
    pub fn name(self) -> &'static str {
        match self {
            HeldOut::Validation => "validation",
            HeldOut::Test => "test",
        }
    }
}

impl fmt::Display for HeldOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which data set to load; `Some(dir)` reads the four standard file names
/// ([`FILE_NAMES`], each raw or `.gz`) from `dir`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Embedded,
    Mnist(Option<PathBuf>),
    FashionMnist(Option<PathBuf>),
}

impl Source {
    /// Parses a command-line name: `digits` (or `embedded`), `mnist`,
    /// `fashion-mnist` (or `fashion`), with an optional folder.
    ///
    /// # Errors
    /// A [`SourceError`] naming the unknown name, or the folder given for
    /// the embedded digits (which have none).
    pub fn parse(name: &str, dir: Option<PathBuf>) -> Result<Source, SourceError> {
        match (name, dir) {
            ("digits" | "embedded", None) => Ok(Source::Embedded),
            ("digits" | "embedded", Some(dir)) => Err(SourceError::FolderForEmbedded { dir }),
            ("mnist", d) => Ok(Source::Mnist(d)),
            ("fashion-mnist" | "fashion", d) => Ok(Source::FashionMnist(d)),
            (other, _) => Err(SourceError::Unknown { name: other.to_string() }),
        }
    }

    /// The data set's name: `digits`, `mnist` or `fashion-mnist`.
    pub fn name(&self) -> &'static str {
        match self {
            Source::Embedded => "digits",
            Source::Mnist(_) => "mnist",
            Source::FashionMnist(_) => "fashion-mnist",
        }
    }

    /// What the labels 0..10 stand for.
    pub fn class_names(&self) -> &'static [&'static str; NUM_CLASSES] {
        match self {
            Source::FashionMnist(_) => &FASHION_CLASSES,
            _ => &DIGIT_CLASSES,
        }
    }
}

/// A data set name [`Source::parse`] cannot take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceError {
    /// Not one of `embedded`, `mnist`, `fashion-mnist` (or their other
    /// names, `digits` and `fashion`).
    Unknown { name: String },
    /// A folder given for the embedded digits, which are compiled in.
    FolderForEmbedded { dir: PathBuf },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Unknown { name } => {
                write!(f, "unknown data set `{name}`; expected embedded, mnist or fashion-mnist")
            }
            SourceError::FolderForEmbedded { dir } => {
                write!(f, "the embedded digits are compiled in; a folder ({}) makes no sense for them", dir.display())
            }
        }
    }
}

impl std::error::Error for SourceError {}

/// The download cache folder of a data set (`mnist` or `fashion-mnist`):
/// `$LENET_DATA/<dataset>`, else `$XDG_CACHE_HOME/lenet/<dataset>`, else
/// `$HOME/.cache/lenet/<dataset>`; `None` when none of them is set.
pub fn cache_dir(dataset: &str) -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(root) = var("LENET_DATA") {
        return Some(root.join(dataset));
    }
    // The XDG spec says to ignore a relative XDG_CACHE_HOME.
    if let Some(xdg) = var("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("lenet").join(dataset));
    }
    var("HOME").map(|h| h.join(".cache").join("lenet").join(dataset))
}

/// The image size LeNet takes: 28×28 pixels. [`load_for_training`] and
/// [`load_for_eval`] refuse other sizes when they read the header.
pub const LENET_IMAGE_SIZE: (usize, usize) = (crate::model::arch::IMAGE_SIDE, crate::model::arch::IMAGE_SIDE);

/// Which splits to read: `lenet train` needs both, `lenet eval` only the
/// test split (the `t10k-*` files, or the embedded validation digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parts {
    Both,
    TestOnly,
}

/// Loads a data set; see the table in the module documentation. Any image
/// size is accepted (both splits must agree); each split must hold at least
/// one image.
pub fn load(source: &Source) -> Result<Split, DataError> {
    let (train, test, held_out) = load_parts(source, Parts::Both, None)?;
    Ok(Split { train: train.expect("both parts were loaded"), test, held_out })
}

/// Loads both splits for training LeNet: like [`load`], and every image
/// must be [`LENET_IMAGE_SIZE`], checked from each file's header before its
/// pixels are read.
pub fn load_for_training(source: &Source) -> Result<Split, DataError> {
    let (train, test, held_out) = load_parts(source, Parts::Both, Some(LENET_IMAGE_SIZE))?;
    Ok(Split { train: train.expect("both parts were loaded"), test, held_out })
}

/// Loads only the test split for evaluating LeNet (for MNIST and
/// Fashion-MNIST only the two `t10k-*` files are read; for the embedded
/// digits the validation set): it must hold at least one image, each
/// [`LENET_IMAGE_SIZE`].
pub fn load_for_eval(source: &Source) -> Result<Dataset, DataError> {
    Ok(load_held_out(source)?.0)
}

/// [`load_for_eval`], with what the split it loaded is.
pub fn load_held_out(source: &Source) -> Result<(Dataset, HeldOut), DataError> {
    let (_, held_out_images, held_out) = load_parts(source, Parts::TestOnly, Some(LENET_IMAGE_SIZE))?;
    Ok((held_out_images, held_out))
}

/// The training split (if `parts` asks for it), the held-out split, and what
/// that is.
fn load_parts(
    source: &Source,
    parts: Parts,
    size: Option<(usize, usize)>,
) -> Result<(Option<Dataset>, Dataset, HeldOut), DataError> {
    let dl_hint = |ds: &str| {
        let files = if parts == Parts::Both { "the four files" } else { "the two t10k-* files" };
        format!("run `lenet download {ds}` (or pass a folder holding {files})")
    };
    let dir_parts = |dir: &Path, ds: &str, hint: &str| load_dir_parts(dir, ds, hint, parts, size);
    match source {
        Source::Embedded => {
            let check = |d: Dataset, split: &str| -> Result<Dataset, DataError> {
                let path = PathBuf::from(format!("<embedded>/digits-{split}-images-idx3-ubyte.gz"));
                check_size_and_count(&d, &path, size)?;
                Ok(d)
            };
            let train = match parts {
                Parts::Both => Some(check(embedded::train()?, "train")?),
                Parts::TestOnly => None,
            };
            Ok((train, check(embedded::validation()?, "validation")?, HeldOut::Validation))
        }
        Source::Mnist(Some(dir)) => dir_parts(dir, "mnist", &dl_hint("mnist")),
        Source::FashionMnist(Some(dir)) => dir_parts(dir, "fashion-mnist", &dl_hint("fashion-mnist")),
        Source::Mnist(None) => match cache_dir("mnist") {
            Some(dir) => dir_parts(&dir, "mnist", &dl_hint("mnist")),
            None => Err(DataError::Missing {
                path: PathBuf::from("$HOME/.cache/lenet/mnist"),
                hint: "neither LENET_DATA, XDG_CACHE_HOME nor HOME is set; pass a folder".to_string(),
            }),
        },
        Source::FashionMnist(None) => {
            let debian = Path::new(DEBIAN_FASHION_DIR);
            let hint = format!(
                "run `apt-get install dataset-fashion-mnist` (installs {DEBIAN_FASHION_DIR}) \
                 or `lenet download fashion-mnist`"
            );
            // Prefer the system copy; fall back to a download only when the
            // system copy is absent altogether, so a broken install is reported.
            let first = if parts == Parts::Both { FILE_NAMES[0] } else { FILE_NAMES[2] };
            let cached = cache_dir("fashion-mnist").filter(|d| something_at(d, first));
            match (debian.is_dir(), cached) {
                (false, Some(dir)) => dir_parts(&dir, "fashion-mnist", &hint),
                _ => dir_parts(debian, "fashion-mnist", &hint),
            }
        }
    }
}

/// Whether anything (file, folder, link, …) is at `dir/name.gz` or `dir/name`.
fn something_at(dir: &Path, name: &str) -> bool {
    [dir.join(format!("{name}.gz")), dir.join(name)].iter().any(|p| std::fs::symlink_metadata(p).is_ok())
}

/// `dir/name.gz` if it is a regular file (or a link to one), else
/// `dir/name` if it is. When neither is, says what is there instead (a
/// directory, a FIFO, a device, a link loop: [`DataError::NotAFile`]), or
/// that the file is missing (with `hint`) when nothing is.
fn find_file(dir: &Path, name: &str, hint: &str) -> Result<PathBuf, DataError> {
    let candidates = [dir.join(format!("{name}.gz")), dir.join(name)];
    let mut first_problem = None;
    for p in &candidates {
        match idx::check_regular_file(p) {
            Ok(_) => return Ok(p.clone()),
            Err(DataError::Missing { .. }) => {}
            Err(e) => {
                first_problem.get_or_insert(e);
            }
        }
    }
    Err(first_problem.unwrap_or_else(|| DataError::Missing { path: candidates[0].clone(), hint: hint.to_string() }))
}

/// Refuses a data set that is empty or whose images are not `size`; `path`
/// names its images file.
fn check_size_and_count(d: &Dataset, path: &Path, size: Option<(usize, usize)>) -> Result<(), DataError> {
    if let Some(want) = size
        && (d.rows, d.cols) != want
    {
        return Err(DataError::ImageSize { path: path.to_path_buf(), rows: d.rows, cols: d.cols, expected: want });
    }
    if d.is_empty() {
        return Err(DataError::Empty { path: path.to_path_buf() });
    }
    Ok(())
}

/// Loads the four standard files from `dir`; `dataset` prefixes the split
/// names and `hint` tells the user how to get missing files. Any image size
/// is accepted (both splits must agree); an empty split is refused. The
/// `t10k-*` files are a test set ([`HeldOut::Test`]) unless the folder's
/// [`HELD_OUT_FILE`] says `validation`.
pub fn load_dir(dir: &Path, dataset: &str, hint: &str) -> Result<Split, DataError> {
    let (train, test, held_out) = load_dir_parts(dir, dataset, hint, Parts::Both, None)?;
    Ok(Split { train: train.expect("both parts were loaded"), test, held_out })
}

fn load_dir_parts(
    dir: &Path,
    dataset: &str,
    hint: &str,
    parts: Parts,
    size: Option<(usize, usize)>,
) -> Result<(Option<Dataset>, Dataset, HeldOut), DataError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            let source = std::io::Error::new(std::io::ErrorKind::NotADirectory, "it is not a folder");
            return Err(DataError::Io { path: dir.to_path_buf(), source });
        }
        Err(_) => {
            return Err(DataError::Missing {
                path: dir.to_path_buf(),
                hint: format!("the folder does not exist; {hint}"),
            });
        }
    }
    let held_out = held_out_marker(dir)?.unwrap_or(HeldOut::Test);
    // Find every file needed before reading any, so that a missing test
    // file is reported before 47 MB of training images are decompressed.
    let names: &[&str] = if parts == Parts::Both { &FILE_NAMES } else { &FILE_NAMES[2..] };
    let paths = names.iter().map(|name| find_file(dir, name, hint)).collect::<Result<Vec<_>, _>>()?;
    let one = |images_path: &Path, labels_path: &Path, split: &str| -> Result<Dataset, DataError> {
        let images = idx::read_images_sized(images_path, size)?;
        let labels = idx::read_labels(labels_path)?;
        idx::check_counts(images_path, &images, labels_path, &labels)?;
        let d = Dataset {
            images: images.pixels,
            labels,
            rows: images.rows,
            cols: images.cols,
            name: format!("{dataset}-{split}"),
        };
        check_size_and_count(&d, images_path, size)?;
        Ok(d)
    };
    let train = match parts {
        Parts::Both => Some(one(&paths[0], &paths[1], "train")?),
        Parts::TestOnly => None,
    };
    let (test_path, test_labels) = (&paths[paths.len() - 2], &paths[paths.len() - 1]);
    let test = one(test_path, test_labels, held_out.name())?;
    if let Some(train) = &train
        && (train.rows, train.cols) != (test.rows, test.cols)
    {
        return Err(DataError::ShapeMismatch {
            train: paths[0].clone(),
            test: test_path.clone(),
            train_shape: (train.rows, train.cols),
            test_shape: (test.rows, test.cols),
        });
    }
    Ok((train, test, held_out))
}
