//! A gzip-compressed IDX images file. An input that starts with the gzip
//! magic is the file itself (a corrupt stream, a bad CRC, trailing members);
//! any other input is the decompressed content, compressed here, so that
//! mutations reach the IDX header and the size checks behind the gzip layer.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = if common::is_gzip(data) { data.to_vec() } else { lenet::data::idx::gzip(data) };
    let path = common::file_with("train-images-idx3-ubyte.gz", &bytes);
    match lenet::data::idx::read_images(&path) {
        Ok(images) => {
            assert_eq!(images.pixels.len(), images.count * images.rows * images.cols);
            assert!(images.rows > 0 && images.cols > 0, "{}×{} images accepted", images.rows, images.cols);
        }
        Err(e) => assert_eq!(e.path(), path.as_path(), "the error names another file: {e}"),
    }
});
