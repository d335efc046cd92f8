//! Writing files so that a reader never sees half of one.
//!
//! A crash or a full disk in the middle of `std::fs::write` leaves a truncated
//! file under the final name, and the next run would load it as if it were
//! whole. [`write_atomic`] writes the bytes to a `tempfile::NamedTempFile` in
//! the same folder, flushes them to disk, then persists (renames) it: a rename
//! within one file system replaces the target in a single step, so the target
//! is either the old file or the complete new one.
//!
//! A process killed between creating the temporary file and the rename leaves
//! it behind, and `tempfile`'s clean-up on drop never runs. Every
//! [`write_atomic`] therefore first removes such leftovers from its folder.
//! Only names this writer makes are candidates, `.NAME` + [`TEMP_MARKER`] +
//! `PID-XXXXXX` (six random letters or digits), so a user's own
//! `.notes.txt.tmp-1-0` is never touched; of those, the ones whose process no
//! longer runs or that are older than [`STALE_AFTER`] are removed.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

/// A temporary file of [`write_atomic`] this old is a leftover even if its
/// process id is in use (by a later process): a write takes well under a
/// second.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The part of a temporary file's name that says lenet's [`write_atomic`]
/// made it: `.NAME.lenet-tmp-PID-XXXXXX`. Distinctive on purpose, so that the
/// clean-up of leftovers cannot mistake a user's `.NAME.tmp-…` for one.
pub const TEMP_MARKER: &str = ".lenet-tmp-";

/// How many random letters and digits `tempfile` appends to a temporary name.
const RANDOM_CHARS: usize = 6;

/// Writes `bytes` to `path` atomically: temp file in the same folder, fsync,
/// rename over `path`.
///
/// The temporary file is removed when any step fails, so an error leaves
/// nothing behind. Errors name the path that failed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{} has no file name", path.display())))?;
    // The same folder keeps the rename on one file system.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    remove_stale_temporaries(dir);
    let named = |what: &str, p: &Path, e: io::Error| io::Error::new(e.kind(), format!("{what} {}: {e}", p.display()));
    let prefix = temp_prefix(name);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).rand_bytes(RANDOM_CHARS);
    // tempfile makes its files owner-only (0600); a model or plot is an
    // ordinary file, created as `std::fs::write` would (0666 less the umask).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(|e| named("cannot create a temporary file in", dir, e))?;
    // On any error below, dropping `tmp` deletes the temporary file.
    tmp.write_all(bytes).map_err(|e| named("cannot write", tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(|e| named("cannot sync", tmp.path(), e))?;
    tmp.persist(path).map_err(|e| named("cannot rename onto", path, e.error))?;
    // The rename itself lives in the folder; syncing the folder makes it
    // durable too. Not every platform can open a folder, so this is best effort.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// `Ok` if a file can be created in the folder `dir`: a temporary file is
/// made there and removed (named as [`write_atomic`]'s, so a leftover is
/// cleaned up like theirs).
///
/// # Errors
/// The error of the creation, naming the folder.
pub fn check_writable(dir: &Path) -> io::Result<()> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = temp_prefix(OsStr::new("write-check"));
    tempfile::Builder::new()
        .prefix(&prefix)
        .rand_bytes(RANDOM_CHARS)
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create a file in {}: {e}", dir.display())))
}

/// `.NAME.lenet-tmp-PID-`, to which `tempfile` appends the random part.
fn temp_prefix(name: &OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(format!("{TEMP_MARKER}{}-", std::process::id()));
    prefix
}

/// The process id in `name` if it is one of [`write_atomic`]'s temporary
/// names, `.NAME.lenet-tmp-PID-XXXXXX` (PID decimal, six letters or digits).
fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (target, tail) = rest.rsplit_once(TEMP_MARKER)?;
    let (pid, random) = tail.split_once('-')?;
    let decimal = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    let random_ok = random.len() == RANDOM_CHARS && random.bytes().all(|b| b.is_ascii_alphanumeric());
    if target.is_empty() || !decimal || !random_ok {
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
/// files named `.NAME.lenet-tmp-PID-XXXXXX` whose process is gone or that are
/// older than [`STALE_AFTER`]. Best effort: a folder or file that cannot be
/// read or removed is left as it is.
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

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
        assert_eq!(temp_owner(".checkpoint.json.lenet-tmp-99999999-a1B2c3"), Some(99_999_999));
        assert_eq!(temp_owner(".a.lenet-tmp-12-000000"), Some(12));
        assert_eq!(temp_owner(".a.lenet-tmp-99999999999999999999-abcdef"), Some(u32::MAX));
        for other in [
            // The pattern before tempfile, which a user may well have made.
            ".checkpoint.json.tmp-99999999-1",
            ".notes.txt.tmp-999999-0",
            "checkpoint.json.lenet-tmp-1-abcdef",
            ".checkpoint.json.lenet-tmp-keep",
            ".x.lenet-tmp-1-",
            ".x.lenet-tmp--abcdef",
            ".lenet-tmp-1-abcdef",
            ".x.lenet-tmp-1-abcde",
            ".x.lenet-tmp-1-abcdefg",
            ".x.lenet-tmp-1-abc.ef",
            ".x.lenet-tmp-1",
        ] {
            assert_eq!(temp_owner(other), None, "{other}");
        }
    }

    #[test]
    fn the_temporary_name_is_one_the_clean_up_recognises() {
        // Made as write_atomic makes it, so a change of tempfile's random
        // part (its length, its characters) shows here.
        let dir = scratch("name");
        let prefix = temp_prefix(OsStr::new("out.bin"));
        let tmp = tempfile::Builder::new().prefix(&prefix).rand_bytes(RANDOM_CHARS).tempfile_in(&dir).unwrap();
        let name = tmp.path().file_name().unwrap().to_str().unwrap().to_string();
        assert_eq!(temp_owner(&name), Some(std::process::id()), "{name}");
        drop(tmp);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_users_file_that_looks_like_a_temporary_survives_a_write() {
        let dir = scratch("users");
        // The shape of the temporary names before tempfile, of a process
        // that is not running: a user's file all the same.
        let users = dir.join(".notes.txt.tmp-999999-0");
        fs::write(&users, b"mine").unwrap();
        // A real leftover of a killed writer next to it goes.
        let leftover = dir.join(format!(".notes.txt{TEMP_MARKER}999999-Ab12cD"));
        fs::write(&leftover, b"half").unwrap();
        write_atomic(&dir.join("notes.txt"), b"new").unwrap();
        assert_eq!(fs::read(&users).unwrap(), b"mine");
        assert!(!leftover.exists(), "the leftover of a dead writer is removed");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_written_file_is_as_readable_as_fs_write_makes_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("mode");
        fs::write(dir.join("plain"), b"x").unwrap();
        write_atomic(&dir.join("atomic"), b"x").unwrap();
        let mode = |n: &str| fs::metadata(dir.join(n)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("atomic"), mode("plain"));
        fs::remove_dir_all(&dir).unwrap();
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
