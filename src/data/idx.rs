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
//!
//! Files are read as a stream, gzip or not: the header first (16 bytes for
//! images, 8 for labels), checked, then exactly the bytes it declares, then
//! one more to detect trailing data (counted, not kept, up to 1 MiB). A
//! header may declare at most [`MAX_DATA_BYTES`] (64 MiB; the largest real
//! file holds 47,040,000), so neither a forged header nor a gzip bomb makes
//! the reader allocate more. Only regular files are opened: a directory,
//! FIFO, device or symbolic-link loop at the path is named as such
//! ([`check_regular_file`]), and a FIFO is never opened, so never blocks.

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
/// Labels of MNIST and Fashion-MNIST are classes `0..NUM_CLASSES`: the
/// classes LeNet tells apart.
pub const NUM_CLASSES: usize = crate::model::arch::CLASSES;

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
    /// Something other than a regular file (a directory, FIFO, device,
    /// symbolic-link loop) where an IDX file should be; `what` says what.
    NotAFile { path: PathBuf, what: String },
    /// The header declares more data bytes than [`MAX_DATA_BYTES`].
    TooLarge { path: PathBuf, dims: Vec<u32>, bytes: u128, limit: usize },
    /// The (decompressed) file is longer than any valid IDX file (`limit` bytes).
    TooLong { path: PathBuf, limit: usize },
    /// More than `more_than` data bytes where the header declares `expected`
    /// (the reader stopped counting there).
    TrailingData { path: PathBuf, dims: Vec<u32>, expected: usize, more_than: u64 },
    /// Images of a size the consumer cannot take (LeNet: 28×28).
    ImageSize { path: PathBuf, rows: usize, cols: usize, expected: (usize, usize) },
    /// A data set file that holds no images (or labels).
    Empty { path: PathBuf },
    /// A folder's [`HELD_OUT_FILE`](super::HELD_OUT_FILE) that is not a
    /// file saying `validation` or `test`; `problem` says what it is or
    /// says instead (`says "valid"`, `is a directory`).
    HeldOutMarker { path: PathBuf, problem: String },
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
            | DataError::LabelOutOfRange { path, .. }
            | DataError::NotAFile { path, .. }
            | DataError::TooLarge { path, .. }
            | DataError::TooLong { path, .. }
            | DataError::TrailingData { path, .. }
            | DataError::ImageSize { path, .. }
            | DataError::Empty { path }
            | DataError::HeldOutMarker { path, .. } => path,
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
                write!(
                    f,
                    "{} looks gzip-compressed but does not decompress (truncated or corrupt?): {source}",
                    path.display()
                )
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
            DataError::LabelOutOfRange { path, index, label } => {
                write!(f, "{}: label {label} at index {index} is outside 0..{NUM_CLASSES}", path.display())
            }
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
            DataError::NotAFile { path, what } => write!(f, "{} is {what}, not an IDX file", path.display()),
            DataError::TooLarge { path, dims, bytes, limit } => write!(
                f,
                "{} declares dimensions {} = {bytes} data bytes, more than the limit of {limit} bytes ({} MiB; \
                 the largest real file, MNIST's training images, holds {LARGEST_REAL_DATA_BYTES})",
                path.display(),
                dims_text(dims),
                limit >> 20
            ),
            DataError::TooLong { path, limit } => write!(
                f,
                "{} is longer than any valid IDX file: more than {limit} bytes (decompressed), the limit",
                path.display()
            ),
            DataError::TrailingData { path, dims, expected, more_than } => write!(
                f,
                "{} declares dimensions {} = {expected} data bytes but holds more than {more_than} (trailing bytes)",
                path.display(),
                dims_text(dims)
            ),
            DataError::ImageSize { path, rows, cols, expected } => write!(
                f,
                "{} holds {rows}×{cols} images, but LeNet takes {}×{} images only",
                path.display(),
                expected.0,
                expected.1
            ),
            DataError::HeldOutMarker { path, problem } => write!(
                f,
                "{} {problem}; it names what the folder's t10k-* files are, and must be a file saying `validation` or \
                 `test`",
                path.display()
            ),
            DataError::Empty { path } => {
                write!(f, "{} holds no samples (its header declares 0); a data set needs at least one", path.display())
            }
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

/// The gzip magic bytes; an IDX file never starts with them (its magic
/// starts with `00 00`).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// What sets the limit [`MAX_DATA_BYTES`]: the largest real file, MNIST's
/// and Fashion-MNIST's training images, 60,000 × 28 × 28 bytes.
pub const LARGEST_REAL_DATA_BYTES: usize = 60_000 * 28 * 28;

/// The most data bytes (after the header) an IDX file may declare: 64 MiB,
/// above the 47,040,000 of the largest real file. A header declaring more is
/// refused before anything is allocated, so a forged header or a gzip bomb
/// cannot make the reader take gigabytes.
pub const MAX_DATA_BYTES: usize = 64 << 20;

/// Trailing bytes after the declared data are counted up to this many (to
/// say how many there are), never kept, and never read beyond it.
const TRAILING_COUNT_LIMIT: u64 = 1 << 20;

/// What kind of thing `meta` describes, for "… is a directory, not an IDX
/// file" messages.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() { "a directory" } else { "not a regular file" }
}

/// Checks with metadata, before opening, that `path` is a regular file (or
/// a symbolic link to one): a FIFO would block the open, a device such as
/// `/dev/zero` never ends, a directory cannot be read. Returns the file's
/// length. The error says what is there instead.
pub fn check_regular_file(path: &Path) -> Result<u64, DataError> {
    let link = std::fs::symlink_metadata(path).ok().filter(|m| m.file_type().is_symlink());
    let target = || std::fs::read_link(path).map_or_else(|_| "?".to_string(), |t| t.display().to_string());
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(meta.len()),
        Ok(meta) => {
            let via =
                if link.is_some() { format!(" (through a symbolic link to {})", target()) } else { String::new() };
            Err(DataError::NotAFile { path: path.to_path_buf(), what: format!("{}{via}", kind_of(&meta)) })
        }
        Err(e) if link.is_some() => {
            let what = match e.kind() {
                std::io::ErrorKind::NotFound => format!("a symbolic link to {}, which does not exist", target()),
                _ => format!("a symbolic link that cannot be followed ({e})"),
            };
            Err(DataError::NotAFile { path: path.to_path_buf(), what })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(DataError::Missing { path: path.to_path_buf(), hint: "check the path".to_string() })
        }
        Err(source) => Err(DataError::Io { path: path.to_path_buf(), source }),
    }
}

/// Opens a regular file after [`check_regular_file`]; returns it with its length.
fn open_regular(path: &Path) -> Result<(std::fs::File, u64), DataError> {
    let len = check_regular_file(path)?;
    let file = std::fs::File::open(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    Ok((file, len))
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// What [`read_idx`] expects of a file.
struct Spec {
    magic: u32,
    ndim: usize,
    /// For images: the `(rows, cols)` the consumer needs, checked from the
    /// header before the data are read.
    image_size: Option<(usize, usize)>,
}

/// Reads one IDX file from `input`, raw or gzip (told apart by the first two
/// bytes), as a stream: the header first, checked (magic, dimensions, the
/// [`MAX_DATA_BYTES`] bound, the image size), then exactly the bytes it
/// declares, then one more to detect trailing data. `raw_len` is the input's
/// length when known (a file on disk), so that a raw file of the wrong
/// length is refused without reading it.
fn read_idx(
    mut input: impl Read,
    spec: &Spec,
    path: &Path,
    raw_len: Option<u64>,
) -> Result<(Vec<u32>, Vec<u8>), DataError> {
    let mut prefix = [0u8; 2];
    let n = read_full(&mut input, &mut prefix).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    let mut chained = (&prefix[..n]).chain(input);
    if n == 2 && prefix == GZIP_MAGIC {
        let mut gz = MultiGzDecoder::new(chained);
        read_idx_body(&mut gz, spec, path, None, &|source| DataError::Gzip { path: path.to_path_buf(), source })
    } else {
        read_idx_body(&mut chained, spec, path, raw_len, &|source| DataError::Io { path: path.to_path_buf(), source })
    }
}

fn read_idx_body(
    r: &mut dyn Read,
    spec: &Spec,
    path: &Path,
    raw_len: Option<u64>,
    io_err: &dyn Fn(std::io::Error) -> DataError,
) -> Result<(Vec<u32>, Vec<u8>), DataError> {
    let header_len = 4 + 4 * spec.ndim;
    let err_path = || path.to_path_buf();
    let mut header = vec![0u8; header_len];
    let got = read_full(r, &mut header).map_err(io_err)?;
    let word = |i: usize| u32::from_be_bytes(header[4 * i..4 * i + 4].try_into().expect("4 bytes"));
    // Report a wrong magic first when there are enough bytes to read it:
    // a short file of the wrong kind is better described by its kind.
    if got >= 4 && word(0) != spec.magic {
        return Err(DataError::BadMagic { path: err_path(), expected: spec.magic, found: word(0) });
    }
    if got < header_len {
        return Err(DataError::ShortHeader { path: err_path(), needed: header_len, found: got });
    }
    let dims: Vec<u32> = (1..=spec.ndim).map(word).collect();
    // A zero row or column count describes no image at all; a zero count is
    // a legal (empty) file, refused where a data set is loaded.
    if dims[1..].contains(&0) {
        return Err(DataError::BadDimensions { path: err_path(), dims });
    }
    // Three u32 factors fit in a u128: the product cannot overflow.
    let bytes: u128 = dims.iter().map(|&d| u128::from(d)).product();
    if bytes > MAX_DATA_BYTES as u128 {
        return Err(DataError::TooLarge { path: err_path(), dims, bytes, limit: MAX_DATA_BYTES });
    }
    if let (Some(want), 3) = (spec.image_size, spec.ndim) {
        let (rows, cols) = (dims[1] as usize, dims[2] as usize);
        if (rows, cols) != want {
            return Err(DataError::ImageSize { path: err_path(), rows, cols, expected: want });
        }
    }
    let expected = bytes as usize;
    if let Some(len) = raw_len {
        let found = len.saturating_sub(header_len as u64);
        if found != expected as u64 {
            let found = usize::try_from(found).unwrap_or(usize::MAX);
            return Err(DataError::SizeMismatch { path: err_path(), dims, expected, found });
        }
    }
    // Zeroed memory costs nothing until written, so a header promising more
    // than the file holds does not cost what it promises.
    let mut data = vec![0u8; expected];
    let got = read_full(r, &mut data).map_err(io_err)?;
    if got < expected {
        return Err(DataError::SizeMismatch { path: err_path(), dims, expected, found: got });
    }
    let mut one = [0u8; 1];
    if read_full(r, &mut one).map_err(io_err)? == 1 {
        // Count what follows, up to a bound, without keeping it.
        let more = std::io::copy(&mut r.take(TRAILING_COUNT_LIMIT), &mut std::io::sink()).map_err(io_err)?;
        if more == TRAILING_COUNT_LIMIT {
            return Err(DataError::TrailingData {
                path: err_path(),
                dims,
                expected,
                more_than: expected as u64 + more,
            });
        }
        let found = expected + 1 + more as usize;
        return Err(DataError::SizeMismatch { path: err_path(), dims, expected, found });
    }
    Ok((dims, data))
}

const IMAGES_SPEC: Spec = Spec { magic: IMAGES_MAGIC, ndim: 3, image_size: None };
const LABELS_SPEC: Spec = Spec { magic: LABELS_MAGIC, ndim: 1, image_size: None };

fn images_from(dims: Vec<u32>, pixels: Vec<u8>) -> Images {
    Images { count: dims[0] as usize, rows: dims[1] as usize, cols: dims[2] as usize, pixels }
}

fn labels_checked(data: Vec<u8>, path: &Path) -> Result<Vec<u8>, DataError> {
    if let Some((index, &label)) = data.iter().enumerate().find(|&(_, &l)| l as usize >= NUM_CLASSES) {
        return Err(DataError::LabelOutOfRange { path: path.to_path_buf(), index, label });
    }
    Ok(data)
}

/// Reads `input` to the end, gunzipping it when it starts with the gzip
/// magic, but never more than a largest valid IDX file (header plus
/// [`MAX_DATA_BYTES`]): beyond that it is refused, so a gzip bomb costs
/// little memory.
fn read_bounded(mut input: impl Read, path: &Path) -> Result<Vec<u8>, DataError> {
    let limit = 16 + MAX_DATA_BYTES;
    let mut prefix = [0u8; 2];
    let n = read_full(&mut input, &mut prefix).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    let chained = (&prefix[..n]).chain(input);
    let gz = n == 2 && prefix == GZIP_MAGIC;
    let mut out = Vec::new();
    let res = if gz {
        MultiGzDecoder::new(chained).take(limit as u64 + 1).read_to_end(&mut out)
    } else {
        chained.take(limit as u64 + 1).read_to_end(&mut out)
    };
    res.map_err(|source| match gz {
        true => DataError::Gzip { path: path.to_path_buf(), source },
        false => DataError::Io { path: path.to_path_buf(), source },
    })?;
    if out.len() > limit {
        return Err(DataError::TooLong { path: path.to_path_buf(), limit });
    }
    Ok(out)
}

/// Returns the bytes of a file, decompressed if they start with the gzip
/// magic `1f 8b` (an IDX file never does: its magic starts with `00 00`).
/// Refuses what is not a regular file (see [`check_regular_file`]) and
/// anything longer than the largest valid IDX file (16 + [`MAX_DATA_BYTES`]
/// bytes) without reading further.
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, DataError> {
    let (file, _) = open_regular(path)?;
    read_bounded(file, path)
}

/// Decompresses `bytes` when they are gzip, else returns them; `path` only
/// names the source in errors. Bounded like [`read_maybe_gzip`].
pub fn gunzip_if_needed(bytes: Vec<u8>, path: &Path) -> Result<Vec<u8>, DataError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    read_bounded(bytes.as_slice(), path)
}

/// Parses an images IDX buffer (raw or gzip); `path` names it in errors.
pub fn parse_images(bytes: Vec<u8>, path: &Path) -> Result<Images, DataError> {
    let len = bytes.len() as u64;
    let (dims, data) = read_idx(bytes.as_slice(), &IMAGES_SPEC, path, Some(len))?;
    Ok(images_from(dims, data))
}

/// Parses a labels IDX buffer (raw or gzip) and checks every label is a
/// class in `0..NUM_CLASSES`; `path` names it in errors.
pub fn parse_labels(bytes: Vec<u8>, path: &Path) -> Result<Vec<u8>, DataError> {
    let len = bytes.len() as u64;
    let (_, data) = read_idx(bytes.as_slice(), &LABELS_SPEC, path, Some(len))?;
    labels_checked(data, path)
}

/// Reads and validates an images file, gzip or raw, as a stream (see the
/// module documentation): memory is what the header declares, at most
/// [`MAX_DATA_BYTES`].
pub fn read_images(path: &Path) -> Result<Images, DataError> {
    read_images_sized(path, None)
}

/// Like [`read_images`], and refuses images other than `size` = (rows, cols)
/// as soon as the header is read.
pub fn read_images_sized(path: &Path, size: Option<(usize, usize)>) -> Result<Images, DataError> {
    let (file, len) = open_regular(path)?;
    let spec = Spec { image_size: size, ..IMAGES_SPEC };
    let (dims, data) = read_idx(file, &spec, path, Some(len))?;
    Ok(images_from(dims, data))
}

/// Reads and validates a labels file, gzip or raw, as a stream.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let (file, len) = open_regular(path)?;
    let (_, data) = read_idx(file, &LABELS_SPEC, path, Some(len))?;
    labels_checked(data, path)
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
