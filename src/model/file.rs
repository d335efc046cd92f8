//! The model file on disk: [`save`] and [`load`] a trained LeNet.
//!
//! The format and every check of a model's bytes are lenet-core's
//! ([`lenet_core::lenet5::file`], re-exported here): this module adds the
//! filesystem. Loading refuses what is not a regular file (a directory, a
//! FIFO, `/dev/zero`) before it is opened, and a file larger than
//! [`MAX_FILE_BYTES`] before it is read, and reads at most that many bytes;
//! then the bytes are checked as [`from_bytes`] checks them, and every error
//! names the file. Saving goes through a temporary file and a rename, and
//! refuses weights that are not finite, so a failed save leaves the previous
//! file as it was. A training checkpoint ([`crate::train::checkpoint`]) reads
//! and writes through this module.

pub use lenet_core::lenet5::file::*;

use crate::io::write_atomic;
use crate::model::LeNet;
use serde_json::{Value, json};
use std::path::Path;

/// The JSON of a model file for `model`.
pub(crate) fn model_json(model: &LeNet<f32>) -> Value {
    json!({
        "format": MODEL_FORMAT,
        "version": VERSION,
        "arch": model.arch,
        "dtype": "f32",
        "params": model.params,
    })
}

pub(crate) fn write_json(path: &Path, value: &Value) -> Result<(), ModelError> {
    let mut text = serde_json::to_string(value).map_err(|e| err(path, Problem::Json(e.to_string())))?;
    text.push('\n');
    write_atomic(path, text.as_bytes()).map_err(|e| err(path, Problem::Io(e)))
}

/// Saves `model` to `path` as a model file, atomically.
///
/// # Errors
/// If a weight is not finite (nothing is written) or the file cannot be
/// written (the previous file, if any, is left as it was).
pub fn save(path: impl AsRef<Path>, model: &LeNet<f32>) -> Result<(), ModelError> {
    let path = path.as_ref();
    check_finite(&model.params).map_err(|p| err(path, p))?;
    write_json(path, &model_json(model))
}

/// What a file type is, if it is not a regular file.
fn not_a_file(t: std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("FIFO (named pipe)");
        }
        if t.is_char_device() {
            return Some("character device");
        }
        if t.is_block_device() {
            return Some("block device");
        }
        if t.is_socket() {
            return Some("socket");
        }
    }
    Some("special file")
}

/// The bytes of a regular file of at most [`MAX_FILE_BYTES`] bytes.
fn read_bounded(path: &Path) -> Result<Vec<u8>, ModelError> {
    use std::io::Read;
    let io = |e| err(path, Problem::Io(e));
    // Looked at before opening: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(kind) = not_a_file(meta.file_type()) {
        return Err(err(path, Problem::NotAFile { kind }));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(path, Problem::TooLarge { bytes: meta.len(), at_least: false }));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // What was opened may have been put there since: check it again.
    let meta = file.metadata().map_err(io)?;
    if let Some(kind) = not_a_file(meta.file_type()) {
        return Err(err(path, Problem::NotAFile { kind }));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES) as usize + 1);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(err(path, Problem::TooLarge { bytes: MAX_FILE_BYTES, at_least: true }));
    }
    Ok(bytes)
}

/// Reads and parses a file into JSON, within [`MAX_FILE_BYTES`] and
/// [`MAX_VALUES`] and refusing over-long tensors as they are parsed.
pub(crate) fn read_json(path: &Path) -> Result<Value, ModelError> {
    let bytes = read_bounded(path)?;
    parse(&bytes).map_err(|p| err(path, p))
}

pub(crate) fn model_from(
    path: &Path,
    arch: crate::model::Arch,
    params: crate::model::Params<f32>,
) -> Result<LeNet<f32>, ModelError> {
    // Shapes were checked above; from_params checks them again.
    LeNet::from_params(arch, params).map_err(|e| err(path, Problem::Shape(e)))
}

/// Loads a model file (or the model inside a checkpoint).
///
/// # Errors
/// A [`ModelError`] naming the file and the first problem found.
pub fn load(path: impl AsRef<Path>) -> Result<LeNet<f32>, ModelError> {
    let path = path.as_ref();
    model_from_json(path, read_json(path)?)
}

/// The model in the bytes of a model (or checkpoint) file, checked as
/// [`load`] checks a file (see [`lenet_core::lenet5::file::from_bytes`],
/// which returns the architecture and parameters without the façade).
/// `origin` names the bytes in errors (a URL, say).
pub fn from_bytes(bytes: &[u8], origin: impl AsRef<Path>) -> Result<LeNet<f32>, ModelError> {
    let path = origin.as_ref();
    let (arch, params) = lenet_core::lenet5::file::from_bytes(bytes, path)?;
    model_from(path, arch, params)
}

fn model_from_json(path: &Path, v: Value) -> Result<LeNet<f32>, ModelError> {
    let (arch, params) = from_json(path, &v)?;
    model_from(path, arch, params)
}
