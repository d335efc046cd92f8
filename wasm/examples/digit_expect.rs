//! The native side of the digit widget's browser test
//! (scripts/widget_checks/digit.py): for a fixed stroke sequence (a 7, in
//! the canvas pixels of the widget's 280×280 drawing area), the 28×28 image
//! the widget's rasteriser makes and the logits `lenet` computes for it,
//! natively, from the shipped model file read by the library's own reader
//! (`lenet::model::file::load`). The same for the validation digit 7 the
//! widget offers. Writes `target/widgets-expected-digit.json`.
//!
//! `cargo run --release --example digit_expect` (in wasm/). With
//! `-- --strokes FILE` (a JSON list of strokes, each a list of [x, y]) it
//! prints the same for those strokes instead, as JSON on stdout: the test
//! uses it for strokes drawn by a moving mouse, whose points the browser
//! chooses.

use lenet::model::file;
use lenet::ndarray::Array2;
use lenet_widgets::digit::{Stroke, argmax, as_input, from_bytes, rasterise};
use serde_json::{Value, json};
use std::path::Path;

/// The strokes the browser test draws: a 7 with a crossbar, points in
/// canvas pixels (x right, y down), whole numbers so a mouse can hit them.
const SEVEN: [&[[f64; 2]]; 2] = [
    &[[80.0, 70.0], [130.0, 68.0], [200.0, 66.0], [185.0, 100.0], [165.0, 140.0], [145.0, 190.0], [128.0, 236.0]],
    &[[125.0, 150.0], [160.0, 148.0], [195.0, 147.0]],
];

/// Largest |entry|.
fn max_abs<'a>(values: impl IntoIterator<Item = &'a f32>) -> f32 {
    values.into_iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// Logits of one image by the readable network (what the widget runs) and
/// by the fast path (what `lenet eval` runs); the probabilities, and the
/// largest |δ| of each layer (the ends of the widget's colour scales) for
/// the predicted label.
fn logits(net: &lenet::model::LeNet<f32>, image: &Array2<f64>) -> Value {
    let x = as_input(image);
    let fast: Vec<f32> = net.logits(&x, 1).column(0).to_vec();
    let predicted = argmax(net.trace(&x, &[0]).logits.column(0).iter().copied());
    let t = net.trace(&x, &[predicted]);
    let trace: Vec<f32> = t.logits.column(0).to_vec();
    let probs: Vec<f32> = t.probs.column(0).to_vec();
    let gradient_max = json!({
        "fc3": max_abs(&t.delta_fc3), "fc2": max_abs(&t.delta_fc2), "fc1": max_abs(&t.delta_fc1),
        "pool2": max_abs(&t.dcost_dpool2), "conv2": max_abs(&t.delta_conv2),
        "pool1": max_abs(&t.dcost_dpool1), "conv1": max_abs(&t.delta_conv1),
    });
    json!({ "trace": trace, "fast": fast, "probs": probs, "predicted": predicted, "gradient_max": gradient_max })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let model_path = root.join("chapters/widgets/lenet-digits.json");
    let net = file::load(&model_path)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, file] = &args[..] {
        if flag != "--strokes" {
            return Err(format!("unknown option {flag}; usage: digit_expect [--strokes FILE]").into());
        }
        let text = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
        let strokes: Vec<Stroke> =
            serde_json::from_slice(&text).map_err(|e| format!("{file}: not a list of strokes ({e})"))?;
        let image = rasterise(&strokes);
        let out =
            json!({ "image": image.iter().map(|&v| v as f32).collect::<Vec<_>>(), "logits": logits(&net, &image) });
        println!("{out}");
        return Ok(());
    }
    let strokes: Vec<Stroke> = SEVEN.iter().map(|s| s.to_vec()).collect();
    let image = rasterise(&strokes);
    let drawn = logits(&net, &image);

    let samples: Value = serde_json::from_slice(&std::fs::read(root.join("chapters/widgets/digit-samples.json"))?)?;
    let k = 7;
    let pixels: Vec<u8> = serde_json::from_value(samples["pixels"][k].clone())?;
    let picked = from_bytes(lenet::ndarray::ArrayView3::from_shape((1, 28, 28), &pixels[..])?);
    let sample = logits(&net, &picked);

    let out = root.join("target/widgets-expected-digit.json");
    std::fs::create_dir_all(root.join("target"))?;
    let text = json!({
        "canvas": 280,
        "strokes": strokes,
        "image": image.iter().map(|&v| v as f32).collect::<Vec<_>>(),
        "logits": drawn,
        "sample": { "index": samples["index"][k], "label": k, "logits": sample },
    });
    std::fs::write(&out, text.to_string())?;
    println!(
        "wrote {}: the drawn 7 is predicted {}, validation digit {} predicted {}",
        out.display(),
        drawn["predicted"],
        samples["index"][k],
        sample["predicted"]
    );
    Ok(())
}
