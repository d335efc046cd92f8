//! What every target shares: the readers take paths, so each input is
//! written to a file of this process first (in /dev/shm when there is one,
//! so that no disk is involved), under the name the reader would see.

use std::path::PathBuf;

/// Writes `bytes` to a file named `name` in this process's scratch folder
/// and returns its path; the same path is reused by every input.
pub fn file_with(name: &str, bytes: &[u8]) -> PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    let dir = base.join(format!("lenet-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the scratch folder can be created");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("the scratch file can be written");
    path
}

/// Whether `bytes` start like gzip (the readers tell the forms apart this way).
#[allow(dead_code)] // the raw-images target does not ask
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}
