//! The IDX reader rejects every malformed file with an error naming the file
//! and the problem, for raw and gzip files alike, and reads back what the
//! writer wrote.

use lenet::data::idx::{self, DataError, IMAGES_MAGIC, Images, LABELS_MAGIC};
use lenet::data::{FILE_NAMES, HELD_OUT_FILE, HeldOut, load_dir};
use std::path::{Path, PathBuf};

/// A fresh folder for one test under cargo's scratch folder.
fn scratch(tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("idx-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Three 2×3 images whose pixels are all different, so a misplaced byte shows.
fn sample_images() -> Images {
    Images { count: 3, rows: 2, cols: 3, pixels: (0..18).map(|v| (v * 13 % 256) as u8).collect() }
}

/// Writes `raw` to `dir/name`, gzip-compressed when `gz`, and returns the path.
fn put(dir: &Path, name: &str, raw: &[u8], gz: bool) -> PathBuf {
    let path = dir.join(if gz { format!("{name}.gz") } else { name.to_string() });
    std::fs::write(&path, if gz { idx::gzip(raw) } else { raw.to_vec() }).unwrap();
    path
}

/// The message names the file and contains `what`.
fn assert_names(err: &DataError, path: &Path, what: &str) {
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "message does not name {}: {msg}", path.display());
    assert!(msg.contains(what), "message lacks `{what}`: {msg}");
    assert_eq!(err.path(), path);
}

#[test]
fn round_trip_raw_and_gzip() {
    let dir = scratch("round-trip");
    for gz in [false, true] {
        let ip = dir.join(format!("images-{gz}"));
        let lp = dir.join(format!("labels-{gz}"));
        idx::write_images(&ip, &sample_images(), gz).unwrap();
        idx::write_labels(&lp, &[7, 0, 9], gz).unwrap();
        assert_eq!(std::fs::read(&ip).unwrap().starts_with(&[0x1f, 0x8b]), gz);
        assert_eq!(idx::read_images(&ip).unwrap(), sample_images());
        assert_eq!(idx::read_labels(&lp).unwrap(), vec![7, 0, 9]);
    }
}

#[test]
fn header_layout_is_big_endian_magic_then_dimensions() {
    let raw = idx::encode_images(&sample_images());
    assert_eq!(&raw[..16], &[0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3]);
    assert_eq!(raw.len(), 16 + 18);
    assert_eq!(&idx::encode_labels(&[4, 5])[..], &[0, 0, 8, 1, 0, 0, 0, 2, 4, 5]);
}

#[test]
fn wrong_magic_is_rejected() {
    let dir = scratch("magic");
    for gz in [false, true] {
        // A labels file where images are expected, and the other way round.
        let p = put(&dir, "labels-as-images", &idx::encode_labels(&[1, 2, 3]), gz);
        let err = idx::read_images(&p).unwrap_err();
        assert!(matches!(err, DataError::BadMagic { expected: IMAGES_MAGIC, found: LABELS_MAGIC, .. }), "{err:?}");
        assert_names(&err, &p, "magic number 0x00000801, expected 0x00000803");

        let p = put(&dir, "images-as-labels", &idx::encode_images(&sample_images()), gz);
        let err = idx::read_labels(&p).unwrap_err();
        assert!(matches!(err, DataError::BadMagic { expected: LABELS_MAGIC, found: IMAGES_MAGIC, .. }), "{err:?}");
        assert_names(&err, &p, "magic number 0x00000803, expected 0x00000801");
    }
}

#[test]
fn truncated_data_is_rejected() {
    let dir = scratch("truncated");
    for gz in [false, true] {
        let mut raw = idx::encode_images(&sample_images());
        raw.truncate(raw.len() - 5);
        let p = put(&dir, "short-images", &raw, gz);
        let err = idx::read_images(&p).unwrap_err();
        assert!(matches!(err, DataError::SizeMismatch { expected: 18, found: 13, .. }), "{err:?}");
        assert_names(&err, &p, "3×2×3 = 18 data bytes but holds 13 (truncated)");

        let mut raw = idx::encode_labels(&[1, 2, 3]);
        raw.pop();
        let p = put(&dir, "short-labels", &raw, gz);
        let err = idx::read_labels(&p).unwrap_err();
        assert_names(&err, &p, "3 data bytes but holds 2 (truncated)");
    }
}

#[test]
fn truncated_header_is_rejected() {
    let dir = scratch("header");
    for gz in [false, true] {
        let raw = idx::encode_images(&sample_images());
        let p = put(&dir, "header", &raw[..10], gz);
        let err = idx::read_images(&p).unwrap_err();
        assert!(matches!(err, DataError::ShortHeader { needed: 16, found: 10, .. }), "{err:?}");
        assert_names(&err, &p, "needs 16 bytes, the file has 10");
    }
}

#[test]
fn trailing_bytes_are_rejected() {
    let dir = scratch("trailing");
    for gz in [false, true] {
        let mut raw = idx::encode_labels(&[1, 2, 3]);
        raw.extend_from_slice(&[0, 0]);
        let p = put(&dir, "long-labels", &raw, gz);
        let err = idx::read_labels(&p).unwrap_err();
        assert_names(&err, &p, "3 data bytes but holds 5 (trailing bytes)");
    }
}

#[test]
fn zero_rows_are_rejected() {
    let dir = scratch("zero-rows");
    let mut raw = idx::encode_images(&Images { count: 0, rows: 2, cols: 3, pixels: vec![] });
    raw[8..12].copy_from_slice(&0u32.to_be_bytes());
    let p = put(&dir, "zero-rows", &raw, false);
    let err = idx::read_images(&p).unwrap_err();
    assert_names(&err, &p, "unusable dimensions 0×0×3");
}

#[test]
fn cut_gzip_stream_is_rejected() {
    let dir = scratch("gzip");
    let gz = idx::gzip(&idx::encode_images(&sample_images()));
    let p = dir.join("cut.gz");
    std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    let err = idx::read_images(&p).unwrap_err();
    assert!(matches!(err, DataError::Gzip { .. }), "{err:?}");
    assert_names(&err, &p, "does not decompress");
}

#[test]
fn label_out_of_range_is_rejected() {
    let dir = scratch("label");
    for gz in [false, true] {
        let p = put(&dir, "labels", &idx::encode_labels(&[3, 9, 10, 4]), gz);
        let err = idx::read_labels(&p).unwrap_err();
        assert!(matches!(err, DataError::LabelOutOfRange { index: 2, label: 10, .. }), "{err:?}");
        assert_names(&err, &p, "label 10 at index 2 is outside 0..10");
    }
}

/// Writes a full four-file folder; `test_labels` lets a test break it.
fn write_folder(dir: &Path, test_labels: &[u8], gz: bool) {
    let images = sample_images();
    put(dir, FILE_NAMES[0], &idx::encode_images(&images), gz);
    put(dir, FILE_NAMES[1], &idx::encode_labels(&[0, 1, 2]), gz);
    put(dir, FILE_NAMES[2], &idx::encode_images(&images), gz);
    put(dir, FILE_NAMES[3], &idx::encode_labels(test_labels), gz);
}

#[test]
fn image_and_label_counts_must_agree() {
    for gz in [false, true] {
        let dir = scratch(&format!("count-{gz}"));
        write_folder(&dir, &[0, 1], gz);
        let err = load_dir(&dir, "toy", "no hint").unwrap_err();
        assert!(matches!(err, DataError::CountMismatch { n_images: 3, n_labels: 2, .. }), "{err:?}");
        let msg = err.to_string();
        let suffix = if gz { ".gz" } else { "" };
        for name in [FILE_NAMES[2], FILE_NAMES[3]] {
            let p = dir.join(format!("{name}{suffix}"));
            assert!(msg.contains(&p.display().to_string()), "{msg} does not name {}", p.display());
        }
        assert!(msg.contains("holds 3 images but") && msg.contains("holds 2 labels"), "{msg}");
    }
}

#[test]
fn folder_round_trip_and_missing_file() {
    let dir = scratch("folder");
    write_folder(&dir, &[5, 6, 7], true);
    let split = load_dir(&dir, "toy", "no hint").unwrap();
    assert_eq!(split.test.labels, vec![5, 6, 7]);
    assert_eq!(split.train.name, "toy-train");
    assert_eq!(split.test.image(1), &sample_images().pixels[6..12]);

    std::fs::remove_file(dir.join(format!("{}.gz", FILE_NAMES[1]))).unwrap();
    let err = load_dir(&dir, "toy", "run `get-it`").unwrap_err();
    assert!(matches!(err, DataError::Missing { .. }), "{err:?}");
    assert_names(&err, &dir.join("train-labels-idx1-ubyte.gz"), "is missing; run `get-it`");
}

#[test]
fn train_and_test_image_sizes_must_agree() {
    let dir = scratch("shape");
    write_folder(&dir, &[5, 6, 7], false);
    let wide = Images { count: 3, rows: 2, cols: 4, pixels: vec![1; 24] };
    put(&dir, FILE_NAMES[2], &idx::encode_images(&wide), false);
    let err = load_dir(&dir, "toy", "no hint").unwrap_err();
    assert!(matches!(err, DataError::ShapeMismatch { train_shape: (2, 3), test_shape: (2, 4), .. }), "{err:?}");
    assert_names(&err, &dir.join(FILE_NAMES[2]), "holds 2×4 images");
    assert!(err.to_string().contains(&dir.join(FILE_NAMES[0]).display().to_string()), "{err}");
}

#[test]
fn a_held_out_file_saying_validation_names_the_t10k_files_a_validation_set() {
    let dir = scratch("held-out");
    write_folder(&dir, &[5, 6, 7], false);
    // No file: the t10k-* files are the test set.
    let split = load_dir(&dir, "toy", "no hint").unwrap();
    assert_eq!((split.held_out, split.test.name.as_str()), (HeldOut::Test, "toy-test"));
    for (text, held_out, name) in [
        ("validation\n", HeldOut::Validation, "toy-validation"),
        ("validation", HeldOut::Validation, "toy-validation"),
        ("test\r\n", HeldOut::Test, "toy-test"),
    ] {
        std::fs::write(dir.join(HELD_OUT_FILE), text).unwrap();
        let split = load_dir(&dir, "toy", "no hint").unwrap();
        assert_eq!((split.held_out, split.test.name.as_str()), (held_out, name), "{text:?}");
        assert_eq!(split.test.labels, vec![5, 6, 7]);
    }
    // Anything else is refused, naming the file and what it says, shortened.
    let marker = dir.join(HELD_OUT_FILE);
    for (text, shown) in [("Validation\n", "\"Validation\""), ("valid", "\"valid\""), ("", "\"\"")] {
        std::fs::write(&marker, text).unwrap();
        let err = load_dir(&dir, "toy", "no hint").unwrap_err();
        assert!(matches!(err, DataError::HeldOutMarker { .. }), "{err:?}");
        assert_names(&err, &marker, &format!("says {shown}; it names what the folder's t10k-* files are"));
    }
    // A huge file is read only as far as a marker can be long.
    std::fs::write(&marker, "validation".repeat(100_000)).unwrap();
    let err = load_dir(&dir, "toy", "no hint").unwrap_err();
    let shown = format!("\"{}\"", &"validation".repeat(4));
    assert_names(&err, &marker, &format!("says {shown};"));
    // Not a file: named as what it is, not read.
    std::fs::remove_file(&marker).unwrap();
    std::fs::create_dir(&marker).unwrap();
    let err = load_dir(&dir, "toy", "no hint").unwrap_err();
    assert!(matches!(err, DataError::HeldOutMarker { .. }), "{err:?}");
    assert_names(&err, &marker, "is a directory; it names what the folder's t10k-* files are");
    // A FIFO would block an open: refused from its metadata.
    std::fs::remove_dir(&marker).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(&marker).status().expect("mkfifo runs").success());
    let err = load_dir(&dir, "toy", "no hint").unwrap_err();
    assert_names(&err, &marker, "is a FIFO (named pipe); it names");
}
