//! A scratch folder for the integration tests that run the binary or write
//! files: fresh under the system temp dir (named after the test and the
//! process, so parallel test binaries never share one), removed on drop.
//! Included by `#[path]`; cargo does not build files in subfolders of
//! `tests/` as tests of their own.

use std::path::PathBuf;

/// A fresh folder, removed (with everything in it) when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("lenet-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
