//! `lenet download mnist|fashion-mnist [--dir DIR] [--base-url URL] [--sha256-file FILE]`
//!
//! Fetches the four official files of a data set over HTTPS, checks each
//! against a SHA-256 fixed in this file, and stores it atomically in the
//! cache folder that `lenet::data::load` reads. A file already present with
//! the right hash is not fetched again. A download with the wrong hash is
//! never written: it is held in memory until its hash is known.
//!
//! A mirror that sends no byte for `--stall-timeout` seconds (30 by default),
//! or that has not sent a whole file within `--timeout` seconds (300 by
//! default: a mirror dripping a byte a second never stalls, but runs out of
//! time), is abandoned with a message naming it, the next mirror is tried,
//! and a mirror that stalled or ran out of time is not tried again for the
//! remaining files.

use super::Error;
use lenet::data::{FILE_NAMES, cache_dir};
use lenet::io::write_atomic;
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// One published file and its SHA-256.
pub struct RemoteFile {
    pub name: &'static str,
    pub sha256: &'static str,
}

/// Where a data set is published and what its files must hash to.
pub struct Remote {
    pub dataset: &'static str,
    /// Tried in order; each ends with `/`.
    pub mirrors: &'static [&'static str],
    pub files: [RemoteFile; 4],
}

/// MNIST: the copy kept for TensorFlow Datasets (the original site no longer
/// serves the files reliably), with PyTorch's copy as a fallback. The hashes
/// are those TensorFlow Datasets records for the official files.
pub const MNIST: Remote = Remote {
    dataset: "mnist",
    mirrors: &["https://storage.googleapis.com/cvdf-datasets/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"],
    files: [
        RemoteFile {
            name: "train-images-idx3-ubyte.gz",
            sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        },
        RemoteFile {
            name: "train-labels-idx1-ubyte.gz",
            sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        },
        RemoteFile {
            name: "t10k-images-idx3-ubyte.gz",
            sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        },
        RemoteFile {
            name: "t10k-labels-idx1-ubyte.gz",
            sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    ],
};

/// Fashion-MNIST from Zalando Research's own repository (its S3 website
/// speaks plain HTTP only). These hashes were cross-checked against Debian's
/// `dataset-fashion-mnist`: see data/README.md.
pub const FASHION_MNIST: Remote = Remote {
    dataset: "fashion-mnist",
    mirrors: &["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"],
    files: [
        RemoteFile {
            name: "train-images-idx3-ubyte.gz",
            sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        },
        RemoteFile {
            name: "train-labels-idx1-ubyte.gz",
            sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        },
        RemoteFile {
            name: "t10k-images-idx3-ubyte.gz",
            sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        },
        RemoteFile {
            name: "t10k-labels-idx1-ubyte.gz",
            sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    ],
};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Dataset {
    Mnist,
    FashionMnist,
}

#[derive(clap::Args)]
pub struct Args {
    /// Which data set to fetch.
    dataset: Dataset,
    /// Folder to store the files in [default: $LENET_DATA/<dataset>, else
    /// $XDG_CACHE_HOME/lenet/<dataset>, else ~/.cache/lenet/<dataset>].
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Fetch from this URL prefix instead of the official locations; give it
    /// more than once for mirrors tried in order.
    #[arg(long)]
    base_url: Vec<String>,
    /// Give up on a mirror that sends no byte for this many seconds, and try
    /// the next one.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    stall_timeout: u64,
    /// Give up on a mirror that has not sent a whole file in this many
    /// seconds (however slowly it keeps sending), and try the next one.
    #[arg(long, default_value_t = 300, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// Expect the SHA-256 sums in this file (`sha256sum` format:
    /// `<hex>  <file name>` per line) instead of the built-in ones; for a
    /// mirror holding other copies, and for tests.
    #[arg(long)]
    sha256_file: Option<PathBuf>,
}

/// Why a download failed; each names the folder, file, line or URLs.
#[derive(Debug)]
pub enum DownloadError {
    /// Neither `--dir` nor a variable that gives the cache folder.
    NoFolder,
    /// A folder or file could not be read, created or written.
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    /// Line `line` (from 1) of the SHA-256 file is not `<hex>  <name>` of one
    /// of the four files.
    Sums { path: PathBuf, line: usize, problem: String },
    /// The SHA-256 file names no file.
    NoSums { path: PathBuf },
    /// Every mirror failed for a file: one message per attempt, each naming
    /// its URL.
    Failed { attempts: Vec<String> },
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownloadError::NoFolder => {
                f.write_str("no folder to store the files in: set LENET_DATA or HOME, or pass --dir")
            }
            DownloadError::Io { path, action, source } => write!(f, "cannot {action} {}: {source}", path.display()),
            DownloadError::Sums { path, line, problem } => write!(f, "{}:{line}: {problem}", path.display()),
            DownloadError::NoSums { path } => write!(f, "{} lists no files", path.display()),
            DownloadError::Failed { attempts } => f.write_str(&attempts.join("\n")),
        }
    }
}

impl std::error::Error for DownloadError {}

/// A file to fetch: its name and expected SHA-256 (lowercase hex).
pub struct Wanted {
    pub name: String,
    pub sha256: String,
}

pub fn run(args: Args) -> Result<(), Error> {
    let remote = match args.dataset {
        Dataset::Mnist => &MNIST,
        Dataset::FashionMnist => &FASHION_MNIST,
    };
    let dir = match args.dir.or_else(|| cache_dir(remote.dataset)) {
        Some(d) => d,
        None => return Err(DownloadError::NoFolder.into()),
    };
    let wanted: Vec<Wanted> = match &args.sha256_file {
        Some(path) => read_sha256_file(path)?,
        None => {
            remote.files.iter().map(|f| Wanted { name: f.name.to_string(), sha256: f.sha256.to_string() }).collect()
        }
    };
    let mirrors: Vec<String> = if args.base_url.is_empty() {
        remote.mirrors.iter().map(|m| m.to_string()).collect()
    } else {
        args.base_url.into_iter().map(|b| if b.ends_with('/') { b } else { format!("{b}/") }).collect()
    };
    let limits = Limits { stall: Duration::from_secs(args.stall_timeout), total: Duration::from_secs(args.timeout) };
    download(&mirrors, &wanted, &dir, limits)?;
    println!("{} is in {}", remote.dataset, dir.display());
    Ok(())
}

/// Parses `<hex>  <name>` lines; the names must be the four standard files.
///
/// # Errors
/// A [`DownloadError`] naming the file, and the line that is wrong.
pub fn read_sha256_file(path: &Path) -> Result<Vec<Wanted>, DownloadError> {
    let text = std::fs::read_to_string(path).map_err(|source| DownloadError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    })?;
    let mut wanted = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = |problem: String| DownloadError::Sums { path: path.to_path_buf(), line: n + 1, problem };
        let mut parts = line.split_whitespace();
        let (Some(hex), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad(format!("expected `<sha256>  <file name>`, got `{line}`")));
        };
        let name = name.trim_start_matches('*');
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!("`{hex}` is not a SHA-256 in hex")));
        }
        if !FILE_NAMES.iter().any(|f| name == format!("{f}.gz")) {
            return Err(bad(format!("`{name}` is not one of the four IDX .gz file names")));
        }
        wanted.push(Wanted { name: name.to_string(), sha256: hex.to_ascii_lowercase() });
    }
    if wanted.is_empty() {
        return Err(DownloadError::NoSums { path: path.to_path_buf() });
    }
    Ok(wanted)
}

/// Lowercase hex SHA-256 of `bytes` (the digest's own `LowerHex`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// How long a mirror may take over one file.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// At most this long without a byte.
    pub stall: Duration,
    /// At most this long for the whole file.
    pub total: Duration,
}

/// Fetches every wanted file missing from `dir` (or present with another
/// hash), trying the mirrors in order, and writes each atomically once its
/// hash is right. A mirror that sends no byte for `limits.stall`, or not the
/// whole file within `limits.total`, is abandoned, and skipped for the files
/// after.
///
/// # Errors
/// [`DownloadError::Failed`] listing every failed attempt at a file (each
/// naming its URL), or [`DownloadError::Io`] naming the folder or file that
/// could not be written.
pub fn download(mirrors: &[String], wanted: &[Wanted], dir: &Path, limits: Limits) -> Result<(), DownloadError> {
    let io = |path: &Path, action, source| DownloadError::Io { path: path.to_path_buf(), action, source };
    std::fs::create_dir_all(dir).map_err(|source| io(dir, "create", source))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(20)))
        // Ends a reading thread the caller has given up on (see `fetch`).
        .timeout_global(Some(limits.total.saturating_add(limits.stall)))
        // The hashes are of the .gz files as published; asking for no
        // transfer compression keeps ureq from handing back other bytes.
        .accept_encoding("identity")
        .build()
        .into();
    let mut stalled = vec![false; mirrors.len()];
    for file in wanted {
        let target = dir.join(&file.name);
        if let Ok(existing) = std::fs::read(&target) {
            if sha256_hex(&existing) == file.sha256 {
                eprintln!("{}: already present, SHA-256 verified", target.display());
                continue;
            }
            eprintln!("{}: present but its SHA-256 is wrong; fetching again", target.display());
        }
        let mut failures = Vec::new();
        let mut fetched = None;
        for (i, base) in mirrors.iter().enumerate() {
            if stalled[i] {
                failures.push(format!("{base}: skipped, it stalled or ran out of time before"));
                continue;
            }
            let url = format!("{base}{}", file.name);
            eprintln!("fetching {url}");
            let result = fetch(&agent, base, &url, limits);
            if let Err(Failure::Stalled(_)) = &result {
                stalled[i] = true;
            }
            match result.map_err(Failure::message).and_then(|bytes| verify(&file.name, &url, &file.sha256, bytes)) {
                Ok(bytes) => {
                    fetched = Some(bytes);
                    break;
                }
                Err(e) => {
                    if i + 1 < mirrors.len() {
                        eprintln!("{e}; trying the next mirror");
                    }
                    failures.push(e);
                }
            }
        }
        let Some(bytes) = fetched else {
            return Err(DownloadError::Failed { attempts: failures });
        };
        write_atomic(&target, &bytes).map_err(|source| io(&target, "store", source))?;
        eprintln!("{}: {} bytes, SHA-256 verified", target.display(), bytes.len());
    }
    Ok(())
}

/// Why a fetch failed.
enum Failure {
    /// The mirror sent no byte for the stall timeout, or not the whole file
    /// within the time budget.
    Stalled(String),
    /// Any other error (message names the URL).
    Other(String),
}

impl Failure {
    fn message(self) -> String {
        match self {
            Failure::Stalled(m) | Failure::Other(m) => m,
        }
    }
}

/// What the thread doing the network reads reports.
enum Event {
    Bytes(Vec<u8>),
    Done,
    Failed(String),
}

/// The whole body of `url` (a file on mirror `base`), at most 64 MiB (the
/// largest file, Fashion-MNIST's training images, has 26,421,880 bytes).
///
/// The request and the reads run on a thread of their own, which reports
/// each piece as it arrives; if none comes for `limits.stall` (from
/// connecting to the last byte), or the file is not whole after
/// `limits.total`, the mirror is abandoned. A thread still blocked in a read
/// ends at the agent's global timeout, or with the process.
fn fetch(agent: &ureq::Agent, base: &str, url: &str, limits: Limits) -> Result<Vec<u8>, Failure> {
    let Limits { stall, total } = limits;
    let now = Instant::now();
    let deadline = now.checked_add(total).unwrap_or(now + Duration::from_secs(86_400));
    let (tx, rx) = mpsc::channel();
    let (agent, u) = (agent.clone(), url.to_string());
    std::thread::spawn(move || {
        let response = match agent.get(&u).call() {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Event::Failed(format!("{u}: {e}")));
                return;
            }
        };
        let _ = tx.send(Event::Bytes(Vec::new())); // the headers came
        let mut reader = response.into_body().into_with_config().limit(64 << 20).reader();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let event = match reader.read(&mut buf) {
                Ok(0) => Event::Done,
                Ok(n) => Event::Bytes(buf[..n].to_vec()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => Event::Failed(format!("{u}: reading the body failed: {e}")),
            };
            let last = !matches!(event, Event::Bytes(_));
            if tx.send(event).is_err() || last {
                return;
            }
        }
    });
    let mut bytes = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Stalled(format!(
                "{url}: the mirror {base} is too slow: {} bytes in {} s, and the file is not whole (--timeout)",
                bytes.len(),
                total.as_secs()
            )));
        }
        match rx.recv_timeout(stall.min(left)) {
            Ok(Event::Bytes(b)) => bytes.extend_from_slice(&b),
            Ok(Event::Done) => return Ok(bytes),
            Ok(Event::Failed(e)) => return Err(Failure::Other(e)),
            Err(RecvTimeoutError::Timeout) if Instant::now() >= deadline => {} // said above
            Err(RecvTimeoutError::Timeout) => {
                return Err(Failure::Stalled(format!(
                    "{url}: the mirror {base} stalled: no byte for {} s after {} bytes (--stall-timeout)",
                    stall.as_secs(),
                    bytes.len()
                )));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(Failure::Other(format!("{url}: the download stopped without an error")));
            }
        }
    }
}

fn verify(name: &str, url: &str, expected: &str, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    let actual = sha256_hex(&bytes);
    if actual != expected {
        // A .gz body that is not gzip was decompressed on the way (a server
        // sending `Content-Encoding: gzip`): say so, it explains the hash.
        let note = if name.ends_with(".gz") && !bytes.starts_with(&[0x1f, 0x8b]) {
            "; the body is not gzip, so the server or a proxy decompressed it"
        } else {
            ""
        };
        return Err(format!(
            "{name}: SHA-256 mismatch for {url}: expected {expected}, got {actual} ({} bytes{note}); \
             nothing was written",
            bytes.len()
        ));
    }
    Ok(bytes)
}
