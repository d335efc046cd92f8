//! One run per folder: [`RunLock`], an advisory lock on a run folder's
//! [`LOCK_FILE`], so that a second `lenet train` into the same folder is
//! refused at once, naming the folder and the process that holds it, instead
//! of both overwriting each other's checkpoints and model.
//!
//! The lock is the operating system's (`File::try_lock`: `flock` on Unix,
//! `LockFileEx` on Windows), so it goes with its process: released on exit
//! and never left behind by a crash or SIGKILL, whatever the file says. The
//! file holds the holder's process id, for the message; it is removed when
//! the lock is released normally. Within one process the lock is shared: a
//! library caller (a notebook) may resume a run while holding its
//! [`Outcome`](super::Outcome). A notebook's kernel (evcxr) builds each cell
//! as a library of its own, each with its own copy of this crate's statics,
//! so a lock this process holds is also recognised by the process id in the
//! file: while the lock is held, that id is the holder's, and a dead
//! holder's lock is gone with it.

use super::run_folder::LOCK_FILE;
use crate::error::Error;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

/// The folders this process holds, by canonical path.
static HELD: Mutex<Vec<(PathBuf, Weak<Held>)>> = Mutex::new(Vec::new());

/// A held lock on a run folder; released when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct RunLock {
    held: Arc<Held>,
}

#[derive(Debug)]
struct Held {
    path: PathBuf,
    // Closing the file releases the lock (when this is the file that holds it).
    _file: File,
    // Whether this holds the lock itself, rather than sharing the one another
    // copy of this crate in the same process holds (see the module's doc).
    owner: bool,
}

impl Drop for Held {
    fn drop(&mut self) {
        // Removed while still locked; a process that opened it meanwhile
        // sees, once it has the lock, that the path is no longer its file.
        // A sharer leaves the file to its owner.
        if self.owner {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl RunLock {
    /// Locks the run folder `dir`, which must exist.
    ///
    /// # Errors
    /// [`Error::InUse`] if another process holds it, [`Error::Io`] if the
    /// lock file cannot be created or locked.
    pub fn acquire(dir: &Path) -> Result<RunLock, Error> {
        let io = |path: &Path, action, source| Error::Io { path: path.to_path_buf(), action, source };
        let key = dir.canonicalize().map_err(|e| io(dir, "open", e))?;
        let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
        held.retain(|(_, w)| w.strong_count() > 0);
        if let Some(h) = held.iter().find(|(k, _)| *k == key).and_then(|(_, w)| w.upgrade()) {
            return Ok(RunLock { held: h });
        }
        let path = dir.join(LOCK_FILE);
        for _ in 0..5 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| io(&path, "create the lock file", e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    let pid: Option<u32> = text.trim().parse().ok();
                    if pid == Some(std::process::id()) {
                        // Held by this process, through another copy of this crate.
                        let h = Arc::new(Held { path, _file: file, owner: false });
                        held.push((key, Arc::downgrade(&h)));
                        return Ok(RunLock { held: h });
                    }
                    return Err(Error::InUse { dir: dir.to_path_buf(), lock: path, pid });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(&path, "lock", e)),
            }
            if !is_at(&file, &path) {
                continue; // its holder removed it between our open and lock
            }
            // The id is for the message only: on a full disk the lock holds
            // without it (and the run's first write names the full disk).
            let pid = format!("{}\n", std::process::id());
            let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| file.write_all(pid.as_bytes()));
            let h = Arc::new(Held { path, _file: file, owner: true });
            held.push((key, Arc::downgrade(&h)));
            return Ok(RunLock { held: h });
        }
        Err(io(&path, "lock", std::io::Error::other("the lock file keeps being replaced")))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.held.path
    }
}

/// Whether `file` is still the file at `path` (not removed or replaced).
#[cfg(unix)]
fn is_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A notebook's kernel loads one copy of this crate per cell, so the
    /// registry of held folders can be empty while this process holds the
    /// lock; the process id in the lock file still shares it.
    #[test]
    fn a_lock_this_process_holds_is_shared_even_with_an_empty_registry() {
        let dir = std::env::temp_dir().join(format!("lenet-lock-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = RunLock::acquire(&dir).unwrap();
        HELD.lock().unwrap().clear(); // as another copy of this crate sees it
        let second = RunLock::acquire(&dir).expect("the same process shares its lock");
        assert!(!second.held.owner && first.held.owner);
        drop(second);
        assert!(first.path().exists(), "a sharer leaves the lock file to its owner");
        drop(first);
        assert!(!dir.join(LOCK_FILE).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
