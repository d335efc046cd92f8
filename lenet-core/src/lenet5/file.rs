//! Reading a model file's bytes: the format, and every check a model must
//! pass before it is built. The filesystem side (a bounded read of a file,
//! saving through a temporary file and a rename) is `lenet::model::file`,
//! which calls this; the book's digit widget, which fetches its model, calls
//! [`from_bytes`] directly.
//!
//! A model file is versioned JSON:
//!
//! ```text
//! { "format": "lenet-model", "version": 1, "arch": {…}, "dtype": "f32",
//!   "params": { "conv1_w": { "v": 1, "dim": [6, 1, 5, 5], "data": […] }, … } }
//! ```
//!
//! Each tensor is ndarray's serde form: its shape (`dim`) and its entries in
//! row-major order (`data`). A training checkpoint is a model file with
//! `"format": "lenet-checkpoint"` and more fields, so [`from_bytes`] reads the
//! model inside it too, and `lenet`'s checkpoint reads its own fields with
//! [`parse`], [`check_header`] and [`read_params`].
//!
//! Every check names the origin (a file's path, a URL) and the problem:
//! corrupt JSON, another format or version, a tensor of the wrong shape or
//! with too few entries, or a weight that is not a finite number (JSON has
//! no NaN; a NaN would have been written as `null`). Hostile bytes cost
//! little: more than [`MAX_FILE_BYTES`] are refused before parsing; while
//! parsing, a tensor's `data` longer than LeNet's tensor of that name, or
//! more than [`MAX_VALUES`] JSON values in all, stop the parse at once.

use super::{Arch, PARAM_NAMES, Params};
use crate::invalid::{ConfigError, ShapeError};
use ndarray::ArrayD;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// `format` of a model file.
pub const MODEL_FORMAT: &str = "lenet-model";
/// `format` of a training checkpoint (`lenet::train::checkpoint`), which
/// holds a model too.
pub const CHECKPOINT_FORMAT: &str = "lenet-checkpoint";
/// The version this code writes and reads.
pub const VERSION: u64 = 1;

/// The largest model or checkpoint file (or its bytes) that is read: 8 MiB.
///
/// LeNet has 61,706 parameters. A weight is written in the shortest form that
/// reads back as the same f64: at most 23 characters (`-1.1754943508222875e-38`),
/// 24 with its comma. So a model file is at most about 1.5 MB, and a
/// checkpoint (weights and velocity) about 3.0 MB plus its history (under 250
/// bytes an epoch); indented by another tool, a checkpoint with 1,000 epochs of
/// history reaches about 4.3 MB. 8 MiB leaves room for all of these
/// (tests/hostile_models.rs builds the last two and checks they load) and
/// refuses anything several times larger than a valid file.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// The most JSON values (numbers, strings, arrays, objects…) a model or
/// checkpoint file may hold: a checkpoint has 123,412 numbers in its tensors
/// and 8 values an epoch of history. Held as `serde_json::Value`s, this many
/// take at most a few tens of MB.
pub const MAX_VALUES: usize = 500_000;

/// What is wrong with a model or checkpoint file.
#[derive(Debug)]
pub enum Problem {
    /// The file could not be read or written.
    Io(std::io::Error),
    /// The bytes are not valid JSON (serde_json's message has line and column).
    Json(String),
    /// A required field is missing or has the wrong type.
    Field { field: String, expected: &'static str },
    /// `format` is not one this function reads.
    Format { found: String, expected: String },
    /// `version` is not [`VERSION`].
    Version { found: u64 },
    /// `dtype` is not `f32`.
    Dtype { found: String },
    /// A tensor's `dim` is not LeNet's shape of that tensor.
    Shape(ShapeError),
    /// A tensor's `dim` is right but its `data` has `found` entries, fewer
    /// than the `expected` its shape holds.
    TooShort { tensor: String, expected: usize, found: usize },
    /// A tensor entry is NaN or infinite (`index` in row-major order).
    NotFinite { tensor: String, index: usize },
    /// A training setting in a checkpoint's `config` is out of range.
    Setting(ConfigError),
    /// The path is not a regular file: `kind` says what it is.
    NotAFile { kind: &'static str },
    /// The file has `bytes` bytes (`at_least` when it grew while being read),
    /// more than [`MAX_FILE_BYTES`].
    TooLarge { bytes: u64, at_least: bool },
    /// A tensor's `data` has more entries than LeNet's tensor of that name.
    TooLong { tensor: String, entries: usize },
    /// More than [`MAX_VALUES`] JSON values.
    TooManyValues,
}

/// An error reading or writing a model file: the file (or the origin of the
/// bytes, a URL, say) and the [`Problem`].
#[derive(Debug)]
pub struct ModelError {
    pub path: PathBuf,
    pub problem: Problem,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Io(e) => write!(f, "{e}"),
            Problem::Json(m) => write!(f, "not valid JSON ({m}); the file is corrupt or truncated"),
            Problem::Field { field, expected } => write!(f, "field \"{field}\" is missing or is not {expected}"),
            Problem::Format { found, expected } => {
                write!(f, "format is \"{found}\" but {expected} was expected")
            }
            Problem::Version { found } => {
                write!(f, "version {found} is not supported (this lenet reads version {VERSION})")
            }
            Problem::Dtype { found } => write!(f, "dtype \"{found}\" is not supported (only \"f32\")"),
            Problem::Shape(e) => write!(f, "{e}"),
            Problem::TooShort { tensor, expected, found } => write!(
                f,
                "tensor {tensor}: \"data\" has {found} entries but its shape holds {expected}; \
                 the file is truncated or was edited"
            ),
            Problem::NotFinite { tensor, index } => {
                write!(f, "tensor {tensor}: entry {index} is not a finite number (NaN or infinite weights)")
            }
            Problem::Setting(e) => write!(f, "config: {e}; this checkpoint cannot be resumed"),
            Problem::NotAFile { kind } => {
                write!(f, "is a {kind}, not a regular file; nothing was read")
            }
            Problem::TooLarge { bytes, at_least } => write!(
                f,
                "is {}{bytes} bytes, larger than any model or checkpoint file can be (at most {MAX_FILE_BYTES} bytes: \
                 LeNet's 61,706 parameters, twice in a checkpoint, with room to spare); refused {}",
                if *at_least { "more than " } else { "" },
                if *at_least { "after reading that much" } else { "without reading it" }
            ),
            Problem::TooLong { tensor, entries } => write!(
                f,
                "tensor {tensor}: \"data\" has more than {entries} entries (LeNet's has {entries}); \
                 parsing stopped there"
            ),
            Problem::TooManyValues => write!(
                f,
                "holds more than {MAX_VALUES} JSON values, and no valid model or checkpoint has that many; \
                 parsing stopped there"
            ),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "model file {}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for ModelError {}

/// The error `problem` of the file at `path`.
pub fn err(path: &Path, problem: Problem) -> ModelError {
    ModelError { path: path.to_path_buf(), problem }
}

/// The first entry of `params` that is not finite, as a [`Problem`].
pub fn check_finite(params: &Params<f32>) -> Result<(), Problem> {
    for (name, t) in params.tensors() {
        if let Some(index) = t.iter().position(|v| !v.is_finite()) {
            return Err(Problem::NotFinite { tensor: name.to_string(), index });
        }
    }
    Ok(())
}

/// Parses `bytes` as one JSON value within [`MAX_VALUES`], refusing a
/// tensor's `data` (under `params` or `velocity`) longer than LeNet's as it
/// is parsed. The size is the caller's to bound ([`MAX_FILE_BYTES`]).
///
/// # Errors
/// [`Problem::Json`], [`Problem::TooLong`] or [`Problem::TooManyValues`].
pub fn parse(bytes: &[u8]) -> Result<Value, Problem> {
    bounded::parse(bytes)
}

/// A JSON parser that builds a `serde_json::Value` but counts what it builds,
/// and knows where LeNet's tensors are: `params.NAME.data` and
/// `velocity.NAME.data` may not be longer than LeNet's tensor NAME.
mod bounded {
    use super::{MAX_VALUES, Problem};
    use crate::lenet5::Params;
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};
    use std::fmt;

    /// Where in the file a value is.
    #[derive(Clone)]
    enum At {
        Root,
        /// The object of tensors in this field (`params` or `velocity`).
        Tensors(String),
        /// A tensor: its full name and its number of entries.
        Tensor(String, usize),
        /// A tensor's `data`.
        Data(String, usize),
        Elsewhere,
    }

    struct State {
        values_left: usize,
        /// LeNet's tensor names and entry counts.
        sizes: Vec<(&'static str, usize)>,
        /// Why the parse stopped, when it was a limit.
        problem: Option<Problem>,
    }

    struct Node<'a> {
        state: &'a mut State,
        at: At,
    }

    /// Parses `bytes` as one JSON value.
    pub(super) fn parse(bytes: &[u8]) -> Result<Value, Problem> {
        let sizes = Params::<f32>::lenet_zeros().tensors().iter().map(|(n, t)| (*n, t.len())).collect();
        let mut state = State { values_left: MAX_VALUES, sizes, problem: None };
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let result = Node { state: &mut state, at: At::Root }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
        result.map_err(|e| state.problem.take().unwrap_or_else(|| Problem::Json(e.to_string())))
    }

    impl Node<'_> {
        fn count<E: de::Error>(&mut self) -> Result<(), E> {
            if self.state.values_left == 0 {
                self.state.problem = Some(Problem::TooManyValues);
                return Err(E::custom("too many values"));
            }
            self.state.values_left -= 1;
            Ok(())
        }

        fn child_of_map(&self, key: &str) -> At {
            match &self.at {
                At::Root if key == "params" || key == "velocity" => At::Tensors(key.to_string()),
                At::Tensors(field) => match self.state.sizes.iter().find(|(n, _)| *n == key) {
                    Some((_, len)) => At::Tensor(format!("{field}.{key}"), *len),
                    None => At::Elsewhere,
                },
                At::Tensor(name, len) if key == "data" => At::Data(name.clone(), *len),
                _ => At::Elsewhere,
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Node<'_> {
        type Value = Value;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Node<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E: de::Error>(mut self, b: bool) -> Result<Value, E> {
            self.count()?;
            Ok(Value::Bool(b))
        }
        fn visit_i64<E: de::Error>(mut self, n: i64) -> Result<Value, E> {
            self.count()?;
            Ok(Value::Number(n.into()))
        }
        fn visit_u64<E: de::Error>(mut self, n: u64) -> Result<Value, E> {
            self.count()?;
            Ok(Value::Number(n.into()))
        }
        fn visit_f64<E: de::Error>(mut self, x: f64) -> Result<Value, E> {
            self.count()?;
            Ok(Number::from_f64(x).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E: de::Error>(mut self, s: &str) -> Result<Value, E> {
            self.count()?;
            Ok(Value::String(s.to_string()))
        }
        fn visit_string<E: de::Error>(mut self, s: String) -> Result<Value, E> {
            self.count()?;
            Ok(Value::String(s))
        }
        fn visit_unit<E: de::Error>(mut self) -> Result<Value, E> {
            self.count()?;
            Ok(Value::Null)
        }
        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            self.visit_unit()
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
            self.count()?;
            let limit = match &self.at {
                At::Data(name, len) => Some((name.clone(), *len)),
                _ => None,
            };
            let mut items = Vec::new();
            loop {
                if let Some((tensor, entries)) = &limit
                    && items.len() == *entries
                {
                    if seq.next_element::<IgnoredAny>()?.is_some() {
                        self.state.problem = Some(Problem::TooLong { tensor: tensor.clone(), entries: *entries });
                        return Err(de::Error::custom("tensor too long"));
                    }
                    break;
                }
                match seq.next_element_seed(Node { state: &mut *self.state, at: At::Elsewhere })? {
                    Some(v) => items.push(v),
                    None => break,
                }
            }
            Ok(Value::Array(items))
        }
        fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
            self.count()?;
            let mut m = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let at = self.child_of_map(&key);
                let v = map.next_value_seed(Node { state: &mut *self.state, at })?;
                m.insert(key, v);
            }
            Ok(Value::Object(m))
        }
    }
}

/// Checks `format`, `version` and `dtype`; returns the format found.
pub fn check_header<'a>(path: &Path, v: &'a Value, formats: &[&str]) -> Result<&'a str, ModelError> {
    let field = |name: &str, expected| err(path, Problem::Field { field: name.to_string(), expected });
    let format = v.get("format").and_then(Value::as_str).ok_or_else(|| field("format", "a string"))?;
    if !formats.contains(&format) {
        let expected = formats.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(" or ");
        return Err(err(path, Problem::Format { found: format.to_string(), expected }));
    }
    let version = v.get("version").and_then(Value::as_u64).ok_or_else(|| field("version", "a whole number"))?;
    if version != VERSION {
        return Err(err(path, Problem::Version { found: version }));
    }
    let dtype = v.get("dtype").and_then(Value::as_str).ok_or_else(|| field("dtype", "a string"))?;
    if dtype != "f32" {
        return Err(err(path, Problem::Dtype { found: dtype.to_string() }));
    }
    Ok(format)
}

/// Reads the field `field` (e.g. `params`) as LeNet's ten tensors, checking
/// each tensor's presence, shape and finiteness in [`PARAM_NAMES`] order.
pub fn read_params(path: &Path, v: &Value, field: &str) -> Result<Params<f32>, ModelError> {
    let obj = v.get(field).filter(|p| p.is_object());
    let obj =
        obj.ok_or_else(|| err(path, Problem::Field { field: field.to_string(), expected: "an object of tensors" }))?;
    let want = Params::<f32>::lenet_zeros();
    for ((name, zero), name_check) in want.tensors().iter().zip(PARAM_NAMES) {
        debug_assert_eq!(*name, name_check);
        let full = format!("{field}.{name}");
        let t =
            obj.get(*name).ok_or_else(|| err(path, Problem::Field { field: full.clone(), expected: "a tensor" }))?;
        check_size(path, t, &full, zero.shape())?;
        // JSON writes NaN and ±∞ as null, so read entries as Option first to
        // tell a non-finite weight apart from a malformed tensor.
        let a: ArrayD<Option<f32>> =
            serde_json::from_value(t.clone()).map_err(|e| err(path, Problem::Json(format!("tensor {full}: {e}"))))?;
        if let Some(index) = a.iter().position(|x| !x.is_some_and(f32::is_finite)) {
            return Err(err(path, Problem::NotFinite { tensor: full, index }));
        }
    }
    // Every tensor is present, finite and of the right shape, so this succeeds.
    serde_json::from_value(obj.clone()).map_err(|e| err(path, Problem::Json(format!("{field}: {e}"))))
}

/// Checks a tensor's `dim` against LeNet's `shape` and its `data` against
/// the number of entries that shape holds (`data` longer than that was
/// refused while parsing), so that either is reported as what it is rather
/// than as invalid JSON. A tensor without a `dim` or `data` array is left to
/// the JSON reader to name.
fn check_size(path: &Path, tensor: &Value, name: &str, shape: &[usize]) -> Result<(), ModelError> {
    let dim: Option<Vec<usize>> = tensor.get("dim").and_then(|d| serde_json::from_value(d.clone()).ok());
    if let Some(dim) = dim
        && dim != shape
    {
        let shape_error = ShapeError { tensor: name.to_string(), expected: shape.to_vec(), found: dim };
        return Err(err(path, Problem::Shape(shape_error)));
    }
    let expected = shape.iter().product();
    match tensor.get("data").and_then(Value::as_array) {
        Some(data) if data.len() < expected => {
            Err(err(path, Problem::TooShort { tensor: name.to_string(), expected, found: data.len() }))
        }
        _ => Ok(()),
    }
}

/// Reads the field `arch`.
pub fn read_arch(path: &Path, v: &Value) -> Result<Arch, ModelError> {
    let a = v.get("arch").cloned().unwrap_or(Value::Null);
    serde_json::from_value(a).map_err(|_| {
        err(
            path,
            Problem::Field {
                field: "arch".into(),
                expected: "an architecture like {\"activation\": \"Relu\", \"pooling\": \"Max\"}",
            },
        )
    })
}

/// The architecture and parameters in the bytes of a model (or checkpoint)
/// file, with every check of the [module](self): at most [`MAX_FILE_BYTES`]
/// bytes, bounded JSON, format, version, dtype, arch, each tensor's shape
/// and length, finite weights. `origin` names the bytes in errors (a path or
/// a URL).
///
/// # Errors
/// A [`ModelError`] naming `origin` and the first problem found.
pub fn from_bytes(bytes: &[u8], origin: impl AsRef<Path>) -> Result<(Arch, Params<f32>), ModelError> {
    let path = origin.as_ref();
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(err(path, Problem::TooLarge { bytes: bytes.len() as u64, at_least: false }));
    }
    let v = parse(bytes).map_err(|p| err(path, p))?;
    from_json(path, &v)
}

/// The architecture and parameters of a parsed model (or checkpoint) file
/// from `path`, checked as [`from_bytes`] checks them.
///
/// # Errors
/// A [`ModelError`] naming `path` and the first problem found.
pub fn from_json(path: &Path, v: &Value) -> Result<(Arch, Params<f32>), ModelError> {
    check_header(path, v, &[MODEL_FORMAT, CHECKPOINT_FORMAT])?;
    let arch = read_arch(path, v)?;
    let params = read_params(path, v, "params")?;
    Ok((arch, params))
}
