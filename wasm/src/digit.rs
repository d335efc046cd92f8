//! "A digit, backwards" (chapter 5): the student draws a digit, and a trained
//! LeNet-5 shows its prediction and the δ of every layer for a chosen label.
//!
//! Everything the widget shows is computed here; `chapters/widgets/digit.js`
//! forwards the pen's points (in canvas pixels) and draws what this module
//! returns. The steps, each one function:
//!
//! 1. [`rasterise`] turns the strokes into the 28×28 image the network reads,
//!    the way MNIST's digits were prepared: the ink is scaled to fit a 20×20
//!    box (aspect ratio kept), then placed so that its centre of mass falls on
//!    the centre of the 28×28 field.
//! 2. [`Digit::update`] runs [`trace`], the readable network of
//!    chapter 5, for the chosen label (by default the predicted class), so
//!    δ = ∂C/∂z of conv1, conv2, fc1, fc2 and fc3, and ∂C/∂a at the two
//!    pooling outputs, are those of C = −log p_label ([`LAYERS`]).
//! 3. [`heat_rgba`] colours a map with the book's diverging scale (blue < 0 <
//!    red, white at 0, symmetric about zero over the whole layer), as
//!    `lenet_core::plots::heatmap` does.
//!
//! The weights are a model file written by `lenet train`
//! (`scripts/widget-model.sh`), which the page fetches and [`parse_model`]
//! reads from bytes with the library's reader (lenet-core's, which
//! `lenet::model::file::load` calls too).

use lenet_core::lenet5::{Arch, Params, Trace, trace};
use lenet_core::ndarray::{Array2, Array4, ArrayView3};
use wasm_bindgen::prelude::*;

/// The side of the image the network reads.
pub const SIDE: usize = lenet_core::lenet5::arch::IMAGE_SIDE;
/// The side of the box the ink is scaled into (MNIST's 20×20).
pub const INK_BOX: f64 = 20.0;
/// The pen, in pixels of the 28×28 image: full ink up to `PEN_INNER` from
/// the stroke's centre line, fading linearly to none at `PEN_OUTER` (the
/// fade is the anti-aliasing). A stroke is thus about 3 pixels wide, like
/// MNIST's.
pub const PEN_INNER: f64 = 0.9;
pub const PEN_OUTER: f64 = 2.0;

/// One stroke of the pen: its points, in any unit (canvas pixels), y down.
pub type Stroke = Vec<[f64; 2]>;

/// Ink at distance `d` from a stroke's centre line.
fn ink(d: f64) -> f64 {
    ((PEN_OUTER - d) / (PEN_OUTER - PEN_INNER)).clamp(0.0, 1.0)
}

/// Distance from `p` to the segment from `a` to `b` (a point when a = b).
fn distance_to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (ex, ey) = (p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
    (ex * ex + ey * ey).sqrt()
}

/// Draws `strokes`, already in image coordinates (pixel (i, j) covers
/// [j, j+1) × [i, i+1), so its centre is (j + ½, i + ½)): each pixel takes the
/// most ink any segment gives it.
fn render(strokes: &[Vec<[f64; 2]>]) -> Array2<f64> {
    let mut img = Array2::<f64>::zeros((SIDE, SIDE));
    for stroke in strokes {
        // A single point is a dot: a segment of length 0.
        let segments =
            stroke.windows(2).map(|w| (w[0], w[1])).chain((stroke.len() == 1).then(|| (stroke[0], stroke[0])));
        for (a, b) in segments {
            // Only the pixels whose centres can be within PEN_OUTER.
            let span = |lo: f64, hi: f64| {
                let first = (lo.min(hi) - PEN_OUTER - 0.5).floor().max(0.0) as usize;
                let last = ((lo.max(hi) + PEN_OUTER - 0.5).ceil().max(-1.0) + 1.0).min(SIDE as f64) as usize;
                first..last
            };
            for i in span(a[1], b[1]) {
                for j in span(a[0], b[0]) {
                    let v = ink(distance_to_segment([j as f64 + 0.5, i as f64 + 0.5], a, b));
                    let cell = &mut img[[i, j]];
                    *cell = cell.max(v);
                }
            }
        }
    }
    img
}

/// The strokes moved by `(dx, dy)` after scaling by `s` about `centre`.
fn placed(strokes: &[Stroke], s: f64, centre: [f64; 2], offset: [f64; 2]) -> Vec<Vec<[f64; 2]>> {
    let map = |p: &[f64; 2]| [(p[0] - centre[0]) * s + offset[0], (p[1] - centre[1]) * s + offset[1]];
    strokes.iter().map(|st| st.iter().map(map).collect()).collect()
}

/// The 28×28 image of `strokes`, ink 1 and paper 0 (as MNIST's pixel / 255).
///
/// As MNIST was made (LeCun et al.): the drawing is scaled, aspect ratio
/// kept, so that its ink fits a 20×20 box (the longer side of the strokes'
/// bounding box becomes 20 − 2·`PEN_OUTER` pixels between centre lines), then
/// translated so that the centre of mass of its ink lies at the centre
/// (14, 14) of the 28×28 field. The pen's width is fixed in image pixels, so
/// a digit drawn small or large gives the same strokes. The translation is
/// found on a first rendering (drawing centred on its bounding box) and the
/// image rendered again at the shifted place, so the shift needs no
/// resampling. Strokes without points give a blank image.
pub fn rasterise(strokes: &[Stroke]) -> Array2<f64> {
    let points = || strokes.iter().flatten();
    if points().next().is_none() {
        return Array2::zeros((SIDE, SIDE));
    }
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in points() {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]);
    // A single dot (extent 0) stays a dot of the pen's size.
    let s = if extent > 0.0 { (INK_BOX - 2.0 * PEN_OUTER) / extent } else { 0.0 };
    let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    let middle = SIDE as f64 / 2.0;
    let first = render(&placed(strokes, s, centre, [middle, middle]));
    let (mut mass, mut mx, mut my) = (0.0, 0.0, 0.0);
    for ((i, j), &v) in first.indexed_iter() {
        mass += v;
        mx += v * (j as f64 + 0.5);
        my += v * (i as f64 + 0.5);
    }
    if mass == 0.0 {
        return first;
    }
    let shift = [middle - mx / mass, middle - my / mass];
    render(&placed(strokes, s, centre, [middle + shift[0], middle + shift[1]]))
}

/// The image as the network's input: a batch of one, 1×1×28×28, in f32.
pub fn as_input(image: &Array2<f64>) -> Array4<f32> {
    image.mapv(|v| v as f32).into_shape_with_order((1, 1, SIDE, SIDE)).expect("the image is 28×28")
}

/// Reads a model file (the JSON `lenet train` writes) from its bytes, by
/// the library's own reader ([`lenet_core::lenet5::file::from_bytes`], the
/// checks `lenet::model::file::load` makes: format and version, the
/// architecture, LeNet's ten tensors of the right shapes with finite
/// entries).
///
/// # Errors
/// A message naming the field and the problem.
pub fn parse_model(bytes: &[u8]) -> Result<(Arch, Params<f32>), String> {
    lenet_core::lenet5::file::from_bytes(bytes, "lenet-digits.json").map_err(|e| e.to_string())
}

/// Index of the largest value (the first, on ties): the library's own.
pub use lenet_core::loss::argmax;

/// The gradients the widget shows, from the logits back to the image: name,
/// the book's symbol (δ = ∂C/∂z where the layer has a pre-activation z,
/// ∂C/∂a at a pooling output, which has none) and the shape of the map as
/// (channels, rows, columns); a fully connected layer's δ is one row.
pub const LAYERS: [(&str, &str, [usize; 3]); 7] = {
    use lenet_core::lenet5::arch::*;
    [
        ("fc3", "δ fc3", [1, 1, CLASSES]),
        ("fc2", "δ fc2", [1, 1, FC2_UNITS]),
        ("fc1", "δ fc1", [1, 1, FC1_UNITS]),
        ("pool2", "∂C/∂pool2", [CONV2_CHANNELS, POOL2_SIDE, POOL2_SIDE]),
        ("conv2", "δ conv2", [CONV2_CHANNELS, CONV2_SIDE, CONV2_SIDE]),
        ("pool1", "∂C/∂pool1", [CONV1_CHANNELS, POOL1_SIDE, POOL1_SIDE]),
        ("conv1", "δ conv1", [CONV1_CHANNELS, CONV1_SIDE, CONV1_SIDE]),
    ]
};

/// The widget's state: the network, the strokes, the label asked for, and
/// the trace of the last update.
pub struct Digit {
    pub arch: Arch,
    pub params: Params<f32>,
    pub strokes: Vec<Stroke>,
    /// The label whose cost C = −log p_label is differentiated; `None`: the
    /// predicted class.
    pub label: Option<usize>,
    /// When set, the image comes from here (a validation digit) and not
    /// from the strokes.
    pub picked: Option<Array2<f64>>,
    pub image: Array2<f64>,
    pub trace: Trace<f32>,
    /// The label `trace` was computed for.
    pub traced_label: usize,
}

impl Digit {
    pub fn new(arch: Arch, params: Params<f32>) -> Self {
        let image = Array2::zeros((SIDE, SIDE));
        let trace = trace(&arch, &params, &as_input(&image), &[0]);
        let (strokes, label, picked, traced_label) = (Vec::new(), None, None, 0);
        let mut d = Digit { arch, params, strokes, label, picked, image, trace, traced_label };
        d.update();
        d
    }

    /// Rasterises and runs the trace again. When the label follows the
    /// prediction, the first trace (with the last label used) gives the
    /// logits, and a second runs only when the prediction changed.
    pub fn update(&mut self) {
        self.image = match &self.picked {
            Some(img) => img.clone(),
            None => rasterise(&self.strokes),
        };
        let x = as_input(&self.image);
        self.traced_label = self.label.unwrap_or(self.traced_label);
        self.trace = trace(&self.arch, &self.params, &x, &[self.traced_label]);
        if self.label.is_none() {
            let predicted = self.predicted();
            if predicted != self.traced_label {
                self.traced_label = predicted;
                self.trace = trace(&self.arch, &self.params, &x, &[predicted]);
            }
        }
    }

    /// The label of the current trace (the one whose δ are shown).
    pub fn used_label(&self) -> usize {
        self.traced_label
    }

    pub fn logits(&self) -> Vec<f32> {
        self.trace.logits.column(0).to_vec()
    }

    pub fn probs(&self) -> Vec<f32> {
        self.trace.probs.column(0).to_vec()
    }

    pub fn predicted(&self) -> usize {
        argmax(self.logits())
    }

    /// The gradient `LAYERS[k]`, channel after channel, row-major.
    ///
    /// # Panics
    /// If `k` ≥ 7.
    pub fn gradient(&self, k: usize) -> Vec<f32> {
        let t = &self.trace;
        let sample = |a: &Array4<f32>| a.index_axis(lenet_core::ndarray::Axis(0), 0).iter().copied().collect();
        match LAYERS[k].0 {
            "fc3" => t.delta_fc3.column(0).to_vec(),
            "fc2" => t.delta_fc2.column(0).to_vec(),
            "fc1" => t.delta_fc1.column(0).to_vec(),
            // Trace's dcost_dpool* hold ∂C/∂a at the pooling outputs.
            "pool2" => sample(&t.dcost_dpool2),
            "conv2" => sample(&t.delta_conv2),
            "pool1" => sample(&t.dcost_dpool1),
            "conv1" => sample(&t.delta_conv1),
            other => unreachable!("LAYERS has no {other}"),
        }
    }
}

/// The book's colour of `v` on a scale symmetric about 0 with `max` = |v|'s
/// largest value: blue below 0, white at 0, red above (as
/// `lenet_core::plots::heatmap`).
pub fn diverging(v: f32, max: f32) -> [u8; 3] {
    const NEGATIVE: [f32; 3] = [33.0, 102.0, 172.0];
    const POSITIVE: [f32; 3] = [178.0, 24.0, 43.0];
    let t = if max > 0.0 && v.is_finite() { (v / max).clamp(-1.0, 1.0) } else { 0.0 };
    let c = if t >= 0.0 { POSITIVE } else { NEGATIVE };
    let t = t.abs();
    c.map(|x| (255.0 + t * (x - 255.0)).round() as u8)
}

/// RGBA pixels of `values` on the diverging scale of `max`.
pub fn heat_rgba(values: &[f32], max: f32) -> Vec<u8> {
    values
        .iter()
        .flat_map(|&v| {
            let [r, g, b] = diverging(v, max);
            [r, g, b, 255]
        })
        .collect()
}

/// The largest |v| (0 for none).
pub fn max_abs(values: &[f32]) -> f32 {
    values.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// Grey RGBA pixels of the image: ink black on white paper, as drawn.
pub fn image_rgba(image: &Array2<f64>) -> Vec<u8> {
    image
        .iter()
        .flat_map(|&v| {
            let g = (255.0 * (1.0 - v.clamp(0.0, 1.0))).round() as u8;
            [g, g, g, 255]
        })
        .collect()
}

/// A 28×28 byte image (MNIST's pixels) as the image, pixel / 255.
pub fn from_bytes(pixels: ArrayView3<u8>) -> Array2<f64> {
    pixels.index_axis(lenet_core::ndarray::Axis(0), 0).mapv(|p| f64::from(p) / 255.0)
}

/// The widget as JavaScript sees it: every method is a thin call into
/// [`Digit`].
#[wasm_bindgen]
pub struct DigitWidget(Digit);

#[wasm_bindgen]
impl DigitWidget {
    /// Builds the widget from the bytes of a model file.
    #[wasm_bindgen(constructor)]
    pub fn new(model_file: &[u8]) -> Result<DigitWidget, JsError> {
        let (arch, params) = parse_model(model_file).map_err(|e| JsError::new(&e))?;
        Ok(DigitWidget(Digit::new(arch, params)))
    }

    /// Starts a new stroke at (x, y), in canvas pixels.
    pub fn begin_stroke(&mut self, x: f64, y: f64) {
        self.0.picked = None;
        self.0.strokes.push(vec![[x, y]]);
    }

    /// Continues the last stroke to (x, y).
    pub fn extend_stroke(&mut self, x: f64, y: f64) {
        match self.0.strokes.last_mut() {
            Some(s) => s.push([x, y]),
            None => self.begin_stroke(x, y),
        }
    }

    /// Forgets the drawing (and any picked digit).
    pub fn clear(&mut self) {
        self.0.strokes.clear();
        self.0.picked = None;
    }

    /// Shows a 28×28 digit given as 784 bytes (MNIST's pixels, row-major),
    /// in place of the drawing.
    pub fn pick(&mut self, pixels: &[u8]) -> Result<(), JsError> {
        let a = ArrayView3::from_shape((1, SIDE, SIDE), pixels)
            .map_err(|_| JsError::new(&format!("a digit has {} pixels, not {}", pixels.len(), SIDE * SIDE)))?;
        self.0.strokes.clear();
        self.0.picked = Some(from_bytes(a));
        Ok(())
    }

    /// The label to differentiate C = −log p_label for, 0–9; anything else:
    /// follow the prediction.
    pub fn set_label(&mut self, label: i32) {
        self.0.label = usize::try_from(label).ok().filter(|&l| l < 10);
    }

    /// Rasterise and trace again.
    pub fn update(&mut self) {
        self.0.update();
    }

    pub fn logits(&self) -> Vec<f32> {
        self.0.logits()
    }

    pub fn probs(&self) -> Vec<f32> {
        self.0.probs()
    }

    pub fn predicted(&self) -> usize {
        self.0.predicted()
    }

    /// The label of the δ shown.
    pub fn label(&self) -> usize {
        self.0.used_label()
    }

    /// C = −log p_label.
    pub fn cost(&self) -> f32 {
        self.0.trace.loss
    }

    /// The 784 input pixels, ink 0–1.
    pub fn image(&self) -> Vec<f32> {
        self.0.image.iter().map(|&v| v as f32).collect()
    }

    pub fn image_rgba(&self) -> Vec<u8> {
        image_rgba(&self.0.image)
    }

    /// The number of gradients shown ([`LAYERS`]).
    pub fn layers(&self) -> usize {
        LAYERS.len()
    }

    /// Gradient k's name: fc3, fc2, fc1, pool2, conv2, pool1, conv1 (a
    /// k past the end means the last).
    pub fn layer_name(&self, k: usize) -> String {
        LAYERS[k.min(LAYERS.len() - 1)].0.to_string()
    }

    /// Gradient k's symbol in the book's notation: δ fc3, …, ∂C/∂pool2, ….
    pub fn layer_symbol(&self, k: usize) -> String {
        LAYERS[k.min(LAYERS.len() - 1)].1.to_string()
    }

    /// Gradient k's shape: channels, rows, columns.
    pub fn layer_shape(&self, k: usize) -> Vec<u32> {
        LAYERS[k.min(LAYERS.len() - 1)].2.map(|d| d as u32).to_vec()
    }

    /// Gradient k, channel after channel.
    pub fn gradient(&self, k: usize) -> Vec<f32> {
        self.0.gradient(k.min(LAYERS.len() - 1))
    }

    /// The largest |entry| of gradient k: the end of its colour scale.
    pub fn gradient_max(&self, k: usize) -> f32 {
        max_abs(&self.gradient(k))
    }

    /// Gradient k coloured, channel after channel, 4 bytes a value.
    pub fn gradient_rgba(&self, k: usize) -> Vec<u8> {
        let d = self.gradient(k);
        heat_rgba(&d, max_abs(&d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // lenet (a dev-dependency) only to check the widget against what the
    // library saves, loads and ships.
    use lenet::model::LeNet;
    use serde_json::Value;

    fn centre_of_mass(img: &Array2<f64>) -> (f64, f64, f64) {
        let (mut m, mut x, mut y) = (0.0, 0.0, 0.0);
        for ((i, j), &v) in img.indexed_iter() {
            m += v;
            x += v * (j as f64 + 0.5);
            y += v * (i as f64 + 0.5);
        }
        (m, x / m, y / m)
    }

    fn seven(scale: f64, at: [f64; 2]) -> Vec<Stroke> {
        let pts = [[70.0, 60.0], [210.0, 60.0], [170.0, 130.0], [120.0, 230.0]];
        vec![pts.iter().map(|p| [p[0] * scale + at[0], p[1] * scale + at[1]]).collect()]
    }

    #[test]
    fn no_strokes_give_a_blank_image() {
        assert_eq!(rasterise(&[]), Array2::<f64>::zeros((SIDE, SIDE)));
        assert_eq!(rasterise(&[vec![]]), Array2::<f64>::zeros((SIDE, SIDE)));
    }

    #[test]
    fn the_ink_is_centred_by_mass_and_fits_the_box() {
        let img = rasterise(&seven(1.0, [0.0, 0.0]));
        let (m, cx, cy) = centre_of_mass(&img);
        assert!(m > 20.0, "ink {m}");
        assert!((cx - 14.0).abs() < 0.3 && (cy - 14.0).abs() < 0.3, "centre of mass ({cx}, {cy})");
        assert!(img.iter().all(|&v| (0.0..=1.0).contains(&v)));
        // The ink's bounding box: at most 20 pixels on its longer side.
        let inked: Vec<(usize, usize)> = img.indexed_iter().filter(|(_, v)| **v > 0.0).map(|(ij, _)| ij).collect();
        let rows = inked.iter().map(|p| p.0).max().unwrap() - inked.iter().map(|p| p.0).min().unwrap() + 1;
        let cols = inked.iter().map(|p| p.1).max().unwrap() - inked.iter().map(|p| p.1).min().unwrap() + 1;
        assert!(rows.max(cols) <= 20 && rows.max(cols) >= 18, "ink box {rows}×{cols}");
    }

    #[test]
    fn size_and_place_on_the_canvas_do_not_matter() {
        let a = rasterise(&seven(1.0, [0.0, 0.0]));
        let b = rasterise(&seven(0.5, [37.0, 11.0]));
        let diff = (&a - &b).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(diff < 1e-9, "largest difference {diff}");
    }

    #[test]
    fn a_dot_is_a_dot() {
        let img = rasterise(&[vec![[5.0, 5.0]]]);
        let (m, cx, cy) = centre_of_mass(&img);
        assert!(m > 3.0 && m < 16.0, "ink {m}");
        assert!((cx - 14.0).abs() < 1e-9 && (cy - 14.0).abs() < 1e-9);
    }

    /// A model file as `lenet` saves it; `test` names the temporary folder
    /// (tests run in parallel).
    fn model_bytes(test: &str) -> Vec<u8> {
        let net = LeNet::<f32>::new(Arch::modern(), 3);
        let dir = std::env::temp_dir().join(format!("digit-widget-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.json");
        lenet::model::file::save(&path, &net).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        bytes
    }

    #[test]
    fn parse_model_reads_what_lenet_saves() {
        let bytes = model_bytes("reads");
        let (arch, params) = parse_model(&bytes).unwrap();
        assert_eq!(params, LeNet::<f32>::new(Arch::modern(), 3).params);
        assert_eq!(arch, Arch::modern());
    }

    #[test]
    fn parse_model_names_what_is_wrong() {
        let bytes = model_bytes("names");
        let problem = |v: &Value| parse_model(v.to_string().as_bytes()).unwrap_err();
        assert!(parse_model(&bytes[..100]).unwrap_err().contains("lenet-digits.json"));
        let mut v: Value = serde_json::from_slice(&bytes).unwrap();
        v["format"] = "lenet-notes".into();
        assert!(problem(&v).contains("lenet-notes"), "{}", problem(&v));
        let mut v: Value = serde_json::from_slice(&bytes).unwrap();
        v["params"]["fc3_b"]["dim"] = serde_json::json!([9]);
        v["params"]["fc3_b"]["data"] = serde_json::json!([0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(problem(&v).contains("fc3_b"), "{}", problem(&v));
        let mut v: Value = serde_json::from_slice(&bytes).unwrap();
        v["params"]["fc3_b"]["data"][0] = Value::Null;
        assert!(problem(&v).contains("fc3_b"), "{}", problem(&v));
    }

    /// The files the book ships beside digit.js.
    fn shipped(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../chapters/widgets").join(name)
    }

    #[test]
    fn the_shipped_model_reads_as_the_library_reads_it() {
        let path = shipped("lenet-digits.json");
        let (arch, params) = parse_model(&std::fs::read(&path).unwrap()).unwrap();
        let library = lenet::model::file::load(&path).unwrap();
        assert_eq!(params, library.params);
        assert_eq!(arch, library.arch);
    }

    #[test]
    fn the_shipped_samples_are_the_first_validation_digit_of_each_class() {
        let samples: Value = serde_json::from_slice(&std::fs::read(shipped("digit-samples.json")).unwrap()).unwrap();
        let validation = lenet::data::embedded::validation().unwrap();
        for k in 0..10 {
            let i = samples["index"][k].as_u64().unwrap() as usize;
            let pixels: Vec<u8> = serde_json::from_value(samples["pixels"][k].clone()).unwrap();
            assert_eq!(pixels, validation.image(i), "sample {k} is validation digit {i}");
            assert_eq!(samples["label"][k], validation.labels[i], "label of sample {k}");
            assert_eq!(usize::from(validation.labels[i]), k, "sample {k} is a {k}");
            assert!(!validation.labels[..i].contains(&validation.labels[i]), "sample {k} is the first {k}");
        }
    }

    #[test]
    fn the_label_follows_the_prediction_unless_chosen() {
        let mut d = Digit::new(Arch::modern(), Params::init(&Arch::modern(), 3));
        d.strokes = seven(1.0, [0.0, 0.0]);
        d.update();
        assert_eq!(d.used_label(), d.predicted());
        let other = (d.predicted() + 1) % 10;
        d.label = Some(other);
        d.update();
        assert_eq!(d.used_label(), other);
        // δ at the logits is p − y, y one-hot at the label.
        let (p, delta) = (d.probs(), d.gradient(0));
        for k in 0..10 {
            let y = if k == other { 1.0 } else { 0.0 };
            assert_eq!(delta[k], p[k] - y);
        }
        // Each map is the trace's, channel after channel, of its shape.
        for (k, (_, _, [c, h, w])) in LAYERS.iter().enumerate() {
            assert_eq!(d.gradient(k).len(), c * h * w, "{}", LAYERS[k].0);
        }
        assert_eq!(d.gradient(6)[28 * 28 + 5], d.trace.delta_conv1[[0, 1, 0, 5]]);
        assert_eq!(d.gradient(5)[14 * 14 + 3], d.trace.dcost_dpool1[[0, 1, 0, 3]]);
        assert_eq!(d.gradient(3)[25 * 15 + 24], d.trace.dcost_dpool2[[0, 15, 4, 4]]);
    }

    #[test]
    fn the_colours_are_the_books() {
        assert_eq!(diverging(0.0, 1.0), [255, 255, 255]);
        assert_eq!(diverging(1.0, 1.0), [178, 24, 43]);
        assert_eq!(diverging(-2.0, 1.0), [33, 102, 172]);
        assert_eq!(diverging(0.5, 0.0), [255, 255, 255]);
    }
}
