//! Writes the validation digits the chapter-5 widget offers ("pick a
//! digit"): the first digit of each class 0–9 in lenet's embedded
//! validation set, as `chapters/widgets/digit-samples.json`:
//! `{"source", "index": [10], "label": [10], "pixels": [[784 bytes] × 10]}`.
//! The model was not trained on these (it trains on the other split).
//!
//! Run by scripts/widget-model.sh: `cargo run --release --example digit_samples`.

use lenet::data::embedded;
use serde_json::json;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let validation = embedded::validation()?;
    let (mut index, mut label, mut pixels) = (Vec::new(), Vec::new(), Vec::new());
    for class in 0..10u8 {
        let i = validation
            .labels
            .iter()
            .position(|&l| l == class)
            .ok_or_else(|| format!("no digit {class} in {}", validation.name))?;
        index.push(i);
        label.push(class);
        pixels.push(validation.image(i).to_vec());
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chapters/widgets/digit-samples.json");
    let text = json!({
        "source": format!("{}: the first digit of each class (index from 0)", validation.name),
        "index": index,
        "label": label,
        "pixels": pixels,
    });
    std::fs::write(&out, text.to_string() + "\n").map_err(|e| format!("{}: {e}", out.display()))?;
    println!("wrote {} (validation indices {index:?})", out.display());
    Ok(())
}
