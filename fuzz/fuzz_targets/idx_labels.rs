//! An IDX labels file, raw or gzip (named `.gz` when it starts like gzip):
//! refused with an error naming the file, or read as classes in 0..10.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = if common::is_gzip(data) { "train-labels-idx1-ubyte.gz" } else { "train-labels-idx1-ubyte" };
    let path = common::file_with(name, data);
    match lenet::data::idx::read_labels(&path) {
        Ok(labels) => assert!(labels.iter().all(|&l| (l as usize) < lenet::data::NUM_CLASSES)),
        Err(e) => assert_eq!(e.path(), path.as_path(), "the error names another file: {e}"),
    }
});
