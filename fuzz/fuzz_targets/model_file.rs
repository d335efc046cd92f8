//! A model file (`model.json`): refused with an error naming the file, or
//! loaded as a model whose weights are all finite.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::file_with("model.json", data);
    match lenet::model::file::load(&path) {
        Ok(model) => assert!(model.params.all_finite(), "a model with non-finite weights was loaded"),
        Err(e) => assert_eq!(e.path, path, "the error names another file: {e}"),
    }
});
