//! An uncompressed IDX images file: any bytes are either refused with an
//! error naming the file, or read as images whose pixels fill the header's
//! dimensions exactly.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::file_with("train-images-idx3-ubyte", data);
    match lenet::data::idx::read_images(&path) {
        Ok(images) => {
            assert_eq!(images.pixels.len(), images.count * images.rows * images.cols);
            assert!(images.rows > 0 && images.cols > 0, "{}×{} images accepted", images.rows, images.cols);
        }
        Err(e) => assert_eq!(e.path(), path.as_path(), "the error names another file: {e}"),
    }
});
