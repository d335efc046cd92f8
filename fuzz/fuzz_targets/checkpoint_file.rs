//! A training checkpoint (`checkpoint.json`): refused with an error naming
//! the file, or loaded with finite weights and velocity, and one history
//! entry per finished epoch.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::file_with("checkpoint.json", data);
    match lenet::train::Checkpoint::load(&path) {
        Ok(c) => {
            assert!(c.model.params.all_finite() && c.velocity.all_finite(), "non-finite weights were loaded");
            assert_eq!(c.history.epochs.len(), c.epoch);
        }
        Err(e) => assert_eq!(e.path, path, "the error names another file: {e}"),
    }
});
