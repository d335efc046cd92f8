//! The IDX file format of MNIST and Fashion-MNIST: read, validate, write.
//!
//! An IDX file is a big-endian header followed by raw bytes:
//!
//! | bytes | meaning |
//! |---|---|
//! | 0..4 | magic: `0x00000803` for images (u8, 3 dimensions), `0x00000801` for labels (u8, 1 dimension) |
//! | 4..8, 8..12, … | one u32 per dimension: count, then rows and columns for images |
//! | rest | count × rows × cols pixel bytes (row-major), or count label bytes |
//!
//! The official files are gzip-compressed; [`read_images`] and
//! [`read_labels`] accept both forms and tell them apart by the gzip magic
//! bytes `1f 8b`. Every check that fails returns a [`DataError`] naming the
//! file, because a silently misread data set trains a model on noise.

use crate::io::write_atomic;
use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with 1 dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// Labels of MNIST and Fashion-MNIST are classes `0..NUM_CLASSES`.
pub const NUM_CLASSES: usize = 10;

/// Everything that can be wrong with a data set on disk. Each variant carries
/// the path of the offending file, and `Display` states path and problem.
#[derive(Debug)]
pub enum DataError {
    /// A file or folder is not there; `hint` says how to get it.
    Missing { path: PathBuf, hint: String },
    /// The file exists but reading it failed.
    Io { path: PathBuf, source: std::io::Error },
    /// The file starts like gzip but does not decompress.
    Gzip { path: PathBuf, source: std::io::Error },
    /// Fewer bytes than the header needs.
    ShortHeader { path: PathBuf, needed: usize, found: usize },
    /// The first four bytes are not the expected magic number.
    BadMagic { path: PathBuf, expected: u32, found: u32 },
    /// A dimension is zero or the header's sizes overflow.
    BadDimensions { path: PathBuf, dims: Vec<u32> },
    /// The header's dimensions promise a different number of data bytes.
    SizeMismatch { path: PathBuf, dims: Vec<u32>, expected: usize, found: usize },
    /// An images file and its labels file disagree on the number of samples.
    CountMismatch { images: PathBuf, labels: PathBuf, n_images: usize, n_labels: usize },
    /// A label outside `0..NUM_CLASSES`.
    LabelOutOfRange { path: PathBuf, index: usize, label: u8 },
    /// Training and test images of different sizes: one model cannot take both.
    ShapeMismatch { train: PathBuf, test: PathBuf, train_shape: (usize, usize), test_shape: (usize, usize) },
}

impl DataError {
    /// The file the error is about (the images file for a count mismatch,
    /// the test images for a shape mismatch).
    pub fn path(&self) -> &Path {
        match self {
            DataError::Missing { path, .. }
            | DataError::Io { path, .. }
            | DataError::Gzip { path, .. }
            | DataError::ShortHeader { path, .. }
            | DataError::BadMagic { path, .. }
            | DataError::BadDimensions { path, .. }
            | DataError::SizeMismatch { path, .. }
            | DataError::LabelOutOfRange { path, .. } => path,
            DataError::CountMismatch { images, .. } => images,
            DataError::ShapeMismatch { test, .. } => test,
        }
    }
}

fn dims_text(dims: &[u32]) -> String {
    dims.iter().map(u32::to_string).collect::<Vec<_>>().join("×")
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Missing { path, hint } => write!(f, "{} is missing; {hint}", path.display()),
            DataError::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            DataError::Gzip { path, source } => {
                write!(f, "{} looks gzip-compressed but does not decompress (truncated or corrupt?): {source}", path.display())
            }
            DataError::ShortHeader { path, needed, found } => {
                write!(f, "{} is truncated: an IDX header needs {needed} bytes, the file has {found}", path.display())
            }
            DataError::BadMagic { path, expected, found } => write!(
                f,
                "{} is not the expected IDX file: magic number {found:#010x}, expected {expected:#010x} ({})",
                path.display(),
                if *expected == IMAGES_MAGIC { "u8 images, 3 dimensions" } else { "u8 labels, 1 dimension" }
            ),
            DataError::BadDimensions { path, dims } => {
                write!(f, "{} declares unusable dimensions {}", path.display(), dims_text(dims))
            }
            DataError::SizeMismatch { path, dims, expected, found } => write!(
                f,
                "{} declares dimensions {} = {expected} data bytes but holds {found} ({})",
                path.display(),
                dims_text(dims),
                if found < expected { "truncated" } else { "trailing bytes" }
            ),
            DataError::CountMismatch { images, labels, n_images, n_labels } => write!(
                f,
                "{} holds {n_images} images but {} holds {n_labels} labels",
                images.display(),
                labels.display()
            ),
            DataError::LabelOutOfRange { path, index, label } => write!(
                f,
                "{}: label {label} at index {index} is outside 0..{NUM_CLASSES}",
                path.display()
            ),
            DataError::ShapeMismatch { train, test, train_shape, test_shape } => write!(
                f,
                "{} holds {}×{} images but {} holds {}×{} images",
                train.display(),
                train_shape.0,
                train_shape.1,
                test.display(),
                test_shape.0,
                test_shape.1
            ),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Io { source, .. } | DataError::Gzip { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A stack of equally sized greyscale images, as stored in an IDX file.
#[derive(Clone, Debug, PartialEq)]
pub struct Images {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    /// `count × rows × cols` bytes, image after image, each row-major.
    pub pixels: Vec<u8>,
}

/// Returns the bytes of a file, decompressed if they start with the gzip
/// magic `1f 8b` (an IDX file never does: its magic starts with `00 00`).
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => DataError::Missing {
            path: path.to_path_buf(),
            hint: "check the path".to_string(),
        },
        _ => DataError::Io { path: path.to_path_buf(), source },
    })?;
    gunzip_if_needed(bytes, path)
}

/// Decompresses `bytes` when they are gzip, else returns them; `path` only
/// names the source in errors.
pub fn gunzip_if_needed(bytes: Vec<u8>, path: &Path) -> Result<Vec<u8>, DataError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() * 4);
    MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .map_err(|source| DataError::Gzip { path: path.to_path_buf(), source })?;
    Ok(out)
}

/// Splits an IDX buffer into its dimensions and data after checking the magic
/// number and that the dimensions account for every byte.
fn parse_idx<'a>(bytes: &'a [u8], magic: u32, ndim: usize, path: &Path) -> Result<(Vec<u32>, &'a [u8]), DataError> {
    let header = 4 + 4 * ndim;
    let err_path = || path.to_path_buf();
    if bytes.len() < header {
        // Report a wrong magic first when there are enough bytes to read it:
        // a short file of the wrong kind is better described by its kind.
        if bytes.len() >= 4 {
            let found = u32::from_be_bytes(bytes[0..4].try_into().unwrap());
            if found != magic {
                return Err(DataError::BadMagic { path: err_path(), expected: magic, found });
            }
        }
        return Err(DataError::ShortHeader { path: err_path(), needed: header, found: bytes.len() });
    }
    let word = |i: usize| u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap());
    let found = word(0);
    if found != magic {
        return Err(DataError::BadMagic { path: err_path(), expected: magic, found });
    }
    let dims: Vec<u32> = (1..=ndim).map(word).collect();
    // A zero row or column count describes no image at all; a zero count is
    // a legal (empty) file.
    let bad = dims[1..].contains(&0);
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d as usize));
    let expected = match expected {
        Some(n) if !bad => n,
        _ => return Err(DataError::BadDimensions { path: err_path(), dims }),
    };
    let data = &bytes[header..];
    if data.len() != expected {
        return Err(DataError::SizeMismatch { path: err_path(), dims, expected, found: data.len() });
    }
    Ok((dims, data))
}

/// Parses an images IDX buffer (raw or gzip); `path` names it in errors.
pub fn parse_images(bytes: Vec<u8>, path: &Path) -> Result<Images, DataError> {
    let bytes = gunzip_if_needed(bytes, path)?;
    let (dims, data) = parse_idx(&bytes, IMAGES_MAGIC, 3, path)?;
    Ok(Images { count: dims[0] as usize, rows: dims[1] as usize, cols: dims[2] as usize, pixels: data.to_vec() })
}

/// Parses a labels IDX buffer (raw or gzip) and checks every label is a
/// class in `0..NUM_CLASSES`; `path` names it in errors.
pub fn parse_labels(bytes: Vec<u8>, path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = gunzip_if_needed(bytes, path)?;
    let (_, data) = parse_idx(&bytes, LABELS_MAGIC, 1, path)?;
    if let Some((index, &label)) = data.iter().enumerate().find(|&(_, &l)| l as usize >= NUM_CLASSES) {
        return Err(DataError::LabelOutOfRange { path: path.to_path_buf(), index, label });
    }
    Ok(data.to_vec())
}

/// Reads and validates an images file, gzip or raw.
pub fn read_images(path: &Path) -> Result<Images, DataError> {
    parse_images(read_maybe_gzip(path)?, path)
}

/// Reads and validates a labels file, gzip or raw.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    parse_labels(read_maybe_gzip(path)?, path)
}

/// Checks that an images file and a labels file describe the same samples.
pub fn check_counts(images_path: &Path, images: &Images, labels_path: &Path, labels: &[u8]) -> Result<(), DataError> {
    if images.count != labels.len() {
        return Err(DataError::CountMismatch {
            images: images_path.to_path_buf(),
            labels: labels_path.to_path_buf(),
            n_images: images.count,
            n_labels: labels.len(),
        });
    }
    Ok(())
}

/// The raw IDX bytes of `images`.
///
/// # Panics
/// If `pixels.len()` is not `count × rows × cols` (the file would be invalid).
pub fn encode_images(images: &Images) -> Vec<u8> {
    let Images { count, rows, cols, pixels } = images;
    assert_eq!(
        pixels.len(),
        count * rows * cols,
        "{count}×{rows}×{cols} images need {} pixel bytes, got {}",
        count * rows * cols,
        pixels.len()
    );
    let mut out = Vec::with_capacity(16 + pixels.len());
    for word in [IMAGES_MAGIC, *count as u32, *rows as u32, *cols as u32] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// The raw IDX bytes of a labels vector.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}

/// Gzip-compresses `bytes` (header mtime 0, so equal input gives equal output).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

fn write_idx(path: &Path, raw: Vec<u8>, gz: bool) -> std::io::Result<()> {
    write_atomic(path, &if gz { gzip(&raw) } else { raw })
}

/// Writes an images IDX file atomically, gzip-compressed when `gz`.
pub fn write_images(path: &Path, images: &Images, gz: bool) -> std::io::Result<()> {
    write_idx(path, encode_images(images), gz)
}

/// Writes a labels IDX file atomically, gzip-compressed when `gz`.
pub fn write_labels(path: &Path, labels: &[u8], gz: bool) -> std::io::Result<()> {
    write_idx(path, encode_labels(labels), gz)
}
