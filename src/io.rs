//! Writing files so that a reader never sees half of one.
//!
//! A crash or a full disk in the middle of `std::fs::write` leaves a truncated
//! file under the final name, and the next run would load it as if it were
//! whole. [`write_atomic`] writes the bytes under a temporary name in the same
//! folder, flushes them to disk, then renames: a rename within one file system
//! replaces the target in a single step, so the target is either the old file
//! or the complete new one.
//!
//! A process killed between creating the temporary file and the rename leaves
//! it behind (`.NAME.tmp-PID-N`). Every [`write_atomic`] first removes such
//! leftovers from its folder: files of exactly that pattern whose process no
//! longer runs, or that are older than [`STALE_AFTER`]. Nothing else is
//! touched.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A temporary file of [`write_atomic`] this old is a leftover even if its
/// process id is in use (by a later process): a write takes well under a
/// second.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// Writes `bytes` to `path` atomically: temp file in the same folder, fsync,
/// rename over `path`.
///
/// The temporary file is removed when any step fails, so an error leaves
/// nothing behind. Errors name the path that failed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(path)?;
    remove_stale_temporaries(tmp.parent().unwrap_or(Path::new(".")));
    let result = write_and_rename(&tmp, path, bytes);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A name next to `path` that no other writer in this or another process uses:
/// the same folder keeps the rename on one file system.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{} has no file name", path.display())))?;
    let unique =
        format!(".{}.tmp-{}-{}", name.to_string_lossy(), std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    Ok(path.with_file_name(unique))
}

/// The process id in `name` if it is one of our temporary names,
/// `.NAME.tmp-PID-N` (PID and N decimal).
fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (target, tail) = rest.rsplit_once(".tmp-")?;
    let (pid, n) = tail.split_once('-')?;
    let decimal = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if target.is_empty() || !decimal(pid) || !decimal(n) {
        return None;
    }
    // A PID too large for u32 belongs to no process.
    Some(pid.parse().unwrap_or(u32::MAX))
}

/// Whether process `pid` may be running. Where that cannot be known (no
/// `/proc`), yes: only the age then makes a temporary file stale.
fn may_be_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_root = Path::new("/proc/self");
    if !proc_root.exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Removes the leftovers of interrupted [`write_atomic`]s from `dir`: regular
/// files named `.NAME.tmp-PID-N` whose process is gone or that are older than
/// [`STALE_AFTER`]. Best effort: a folder or file that cannot be read or
/// removed is left as it is.
pub fn remove_stale_temporaries(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        // Never a directory or a symbolic link: only files we could have written.
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.file_type().is_file() {
            continue;
        }
        let old = meta.modified().ok().and_then(|m| m.elapsed().ok()).is_some_and(|age| age > STALE_AFTER);
        if old || !may_be_running(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn write_and_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let named = |what: &str, p: &Path, e: io::Error| io::Error::new(e.kind(), format!("{what} {}: {e}", p.display()));
    let mut file =
        OpenOptions::new().write(true).create_new(true).open(tmp).map_err(|e| named("cannot create", tmp, e))?;
    file.write_all(bytes).map_err(|e| named("cannot write", tmp, e))?;
    file.sync_all().map_err(|e| named("cannot sync", tmp, e))?;
    drop(file);
    fs::rename(tmp, path).map_err(|e| named("cannot rename onto", path, e))?;
    // The rename itself lives in the folder; syncing the folder makes it
    // durable too. Not every platform can open a folder, so this is best effort.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lenet-io-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_then_replaces_and_leaves_no_temp_file() {
        let dir = scratch("replace");
        let p = dir.join("out.bin");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.bin")]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn recognises_only_our_temporary_names() {
        assert_eq!(temp_owner(".checkpoint.json.tmp-99999999-1"), Some(99_999_999));
        assert_eq!(temp_owner(".a.tmp-12-0"), Some(12));
        assert_eq!(temp_owner(".a.tmp-99999999999999999999-0"), Some(u32::MAX));
        for other in [
            "checkpoint.json.tmp-1-1",
            ".checkpoint.json.tmp-keep",
            ".x.tmp-1-",
            ".x.tmp--1",
            ".tmp-1-1",
            ".x.tmp-1-1x",
            ".x.tmp-1",
        ] {
            assert_eq!(temp_owner(other), None, "{other}");
        }
    }

    #[test]
    fn missing_folder_is_an_error_naming_the_path_and_leaves_nothing() {
        let dir = scratch("missing");
        let p = dir.join("no-such-dir").join("out.bin");
        let err = write_atomic(&p, b"x").unwrap_err();
        assert!(err.to_string().contains("no-such-dir"), "{err}");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
