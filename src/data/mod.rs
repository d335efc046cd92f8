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
//! | `FashionMnist(None)` | 60,000 | 10,000 | `/usr/share/datasets/fashion-mnist` (`apt-get install dataset-fashion-mnist`), else the download cache |
//! | `Mnist(Some(dir))`, `FashionMnist(Some(dir))` | | | the four standard file names in `dir` |
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
        // One lookup table instead of 784·N divisions: a byte has 256 values.
        let table: Vec<F> = (0..=255u8).map(|p| F::of(p as f64 / 255.0)).collect();
        let mut data = Vec::with_capacity(indices.len() * self.rows * self.cols);
        for &i in indices {
            data.extend(self.image(i).iter().map(|&p| table[p as usize]));
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

/// A training split and the split held out to measure it (test set, or
/// validation set for the embedded digits).
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
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
    pub fn parse(name: &str, dir: Option<PathBuf>) -> Result<Source, String> {
        match (name, dir) {
            ("digits" | "embedded", None) => Ok(Source::Embedded),
            ("digits" | "embedded", Some(d)) => {
                Err(format!("the embedded digits are compiled in; a folder ({}) makes no sense for them", d.display()))
            }
            ("mnist", d) => Ok(Source::Mnist(d)),
            ("fashion-mnist" | "fashion", d) => Ok(Source::FashionMnist(d)),
            (other, _) => Err(format!("unknown data set `{other}`; expected digits, mnist or fashion-mnist")),
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

/// Loads a data set; see the table in the module documentation.
pub fn load(source: &Source) -> Result<Split, DataError> {
    let dl_hint = |ds: &str| format!("run `lenet download {ds}` (or pass a folder holding the four files)");
    match source {
        Source::Embedded => Ok(Split { train: embedded::train()?, test: embedded::validation()? }),
        Source::Mnist(Some(dir)) => load_dir(dir, "mnist", &dl_hint("mnist")),
        Source::FashionMnist(Some(dir)) => load_dir(dir, "fashion-mnist", &dl_hint("fashion-mnist")),
        Source::Mnist(None) => match cache_dir("mnist") {
            Some(dir) => load_dir(&dir, "mnist", &dl_hint("mnist")),
            None => Err(DataError::Missing {
                path: PathBuf::from("$HOME/.cache/lenet/mnist"),
                hint: "neither LENET_DATA, XDG_CACHE_HOME nor HOME is set; pass a folder".to_string(),
            }),
        },
        Source::FashionMnist(None) => {
            let debian = Path::new(DEBIAN_FASHION_DIR);
            let hint = format!(
                "run `apt-get install dataset-fashion-mnist` (installs {DEBIAN_FASHION_DIR}) or `lenet download fashion-mnist`"
            );
            // Prefer the system copy; fall back to a download only when the
            // system copy is absent altogether, so a broken install is reported.
            let cached = cache_dir("fashion-mnist").filter(|d| find_file(d, FILE_NAMES[0]).is_some());
            match (debian.is_dir(), cached) {
                (false, Some(dir)) => load_dir(&dir, "fashion-mnist", &hint),
                _ => load_dir(debian, "fashion-mnist", &hint),
            }
        }
    }
}

/// `dir/name.gz` if it exists, else `dir/name` if it exists.
fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(format!("{name}.gz")), dir.join(name)].into_iter().find(|p| p.is_file())
}

/// Loads the four standard files from `dir`; `dataset` prefixes the split
/// names and `hint` tells the user how to get missing files.
pub fn load_dir(dir: &Path, dataset: &str, hint: &str) -> Result<Split, DataError> {
    if !dir.is_dir() {
        return Err(DataError::Missing { path: dir.to_path_buf(), hint: format!("the folder does not exist; {hint}") });
    }
    let path = |name: &str| {
        find_file(dir, name).ok_or_else(|| DataError::Missing { path: dir.join(format!("{name}.gz")), hint: hint.to_string() })
    };
    let paths = [path(FILE_NAMES[0])?, path(FILE_NAMES[1])?, path(FILE_NAMES[2])?, path(FILE_NAMES[3])?];
    let one = |images_path: &Path, labels_path: &Path, split: &str| -> Result<Dataset, DataError> {
        let images = idx::read_images(images_path)?;
        let labels = idx::read_labels(labels_path)?;
        idx::check_counts(images_path, &images, labels_path, &labels)?;
        Ok(Dataset { images: images.pixels, labels, rows: images.rows, cols: images.cols, name: format!("{dataset}-{split}") })
    };
    let (train, test) = (one(&paths[0], &paths[1], "train")?, one(&paths[2], &paths[3], "test")?);
    if (train.rows, train.cols) != (test.rows, test.cols) {
        return Err(DataError::ShapeMismatch {
            train: paths[0].clone(),
            test: paths[2].clone(),
            train_shape: (train.rows, train.cols),
            test_shape: (test.rows, test.cols),
        });
    }
    Ok(Split { train, test })
}
