//! Each picture is well-formed SVG with the elements and labels it promises.

use lenet::activation::Activation;
use lenet::data::{DIGIT_CLASSES, HeldOut};
use lenet::plots::{self, Panel, Svg};
use lenet::train::{EpochStats, History};
use lenet::{Matrix, Sym, conv, fc, loss, worked};
use ndarray::{Array2, Array3, Array4};

/// Checks that every tag is closed in order (a small XML well-formedness
/// check: no XML crate is needed for the SVG plotters writes) and that text
/// holds no raw `<` or `&` outside entities. Returns the element names in
/// document order.
fn elements(svg: &Svg) -> Vec<String> {
    let s = svg.as_str();
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = s;
    assert!(s.trim_start().starts_with("<svg"), "SVG must start with <svg: {}", &s[..s.len().min(80)]);
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        for (i, _) in text.match_indices('&') {
            let ent = &text[i..text.len().min(i + 8)];
            assert!(ent.contains(';'), "unescaped & in text: {text:?}");
        }
        let close = rest[open..].find('>').unwrap_or_else(|| panic!("unclosed tag at {:?}", &rest[open..]));
        let tag = &rest[open + 1..open + close];
        assert!(!tag.contains('<'), "'<' inside a tag: {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(top, name.trim(), "</{}> closes <{top}>", name.trim());
        } else if !tag.starts_with('?') && !tag.starts_with('!') {
            let name: String = tag.chars().take_while(|c| !c.is_whitespace() && *c != '/').collect();
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in <{tag}>");
            names.push(name.clone());
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
        rest = &rest[open + close + 1..];
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert!(rest.trim().is_empty(), "text after the root element: {rest:?}");
    names
}

fn count(names: &[String], name: &str) -> usize {
    names.iter().filter(|n| *n == name).count()
}

/// The text content of every `<text>` element.
fn texts(svg: &Svg) -> Vec<String> {
    svg.as_str()
        .split("<text")
        .skip(1)
        .map(|t| {
            let body = &t[t.find('>').unwrap() + 1..];
            body[..body.find("</text>").unwrap()].trim().to_string()
        })
        .collect()
}

/// A `<rect>`: position, size and fill (`None` for an outline).
#[derive(Debug, PartialEq)]
struct Rect {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    fill: Option<String>,
}

fn rects(svg: &Svg) -> Vec<Rect> {
    let attr = |tag: &str, name: &str| -> String {
        let at = tag.find(&format!(" {name}=\"")).unwrap_or_else(|| panic!("no {name} in {tag}")) + name.len() + 3;
        tag[at..at + tag[at..].find('"').unwrap()].to_string()
    };
    svg.as_str()
        .split("<rect")
        .skip(1)
        .map(|r| {
            let tag = &r[..r.find('>').unwrap()];
            let n = |name: &str| attr(tag, name).parse::<i64>().unwrap();
            let fill = Some(attr(tag, "fill")).filter(|f| f != "none");
            Rect { x: n("x"), y: n("y"), w: n("width"), h: n("height"), fill }
        })
        .collect()
}

/// The filled cells of the heat-map panels tile each panel's frame exactly:
/// every filled rectangle (but the background, the first) lies inside a
/// frame, and together they cover the frames' area once. Returns the number
/// of filled rectangles inside the frames.
fn assert_panels_tiled(svg: &Svg) -> usize {
    let all = rects(svg);
    let frames: Vec<&Rect> = all.iter().filter(|r| r.fill.is_none()).collect();
    let cells: Vec<&Rect> = all.iter().skip(1).filter(|r| r.fill.is_some()).collect();
    for c in &cells {
        assert!(
            frames.iter().any(|f| c.x >= f.x && c.y >= f.y && c.x + c.w <= f.x + f.w && c.y + c.h <= f.y + f.h),
            "{c:?} lies outside every panel"
        );
    }
    let area = |rs: &[&Rect]| rs.iter().map(|r| r.w * r.h).sum::<i64>();
    assert_eq!(area(&cells), area(&frames), "the cells must cover the panels exactly once");
    cells.len()
}

fn history(n: usize) -> History {
    history_of(n, HeldOut::Validation)
}

fn history_of(n: usize, held_out: HeldOut) -> History {
    History {
        held_out,
        epochs: (1..=n)
            .map(|e| EpochStats {
                epoch: e,
                train_loss: 1.0 / e as f64,
                train_accuracy: 1.0 - 0.1 / e as f64,
                held_out_loss: 1.2 / e as f64,
                held_out_accuracy: 1.0 - 0.15 / e as f64,
                seconds: 1.0,
                images_per_second: 8000.0,
            })
            .collect(),
    }
}

#[test]
fn loss_and_accuracy_curves_have_two_lines_a_point_per_epoch_and_a_legend() {
    for (svg, title) in [(history(5).loss_curves(), "Loss"), (history(5).accuracy_curves(), "Accuracy")] {
        let names = elements(&svg);
        let t = texts(&svg);
        assert!(t.iter().any(|s| s == title), "{title}: texts {t:?}");
        for label in ["train", "validation", "epoch"] {
            assert!(t.iter().any(|s| s == label), "{title}: no label {label:?} in {t:?}");
        }
        assert!(!t.iter().any(|s| s == "test"), "{title}: the validation set called test in {t:?}");
        for e in 1..=5 {
            assert!(t.iter().any(|s| *s == e.to_string()), "{title}: no tick for epoch {e}");
        }
        // Two series of five points each.
        assert_eq!(count(&names, "circle"), 10, "{title}");
        // Two lines plus the two legend strokes.
        assert!(count(&names, "polyline") >= 4, "{title}: {} polylines", count(&names, "polyline"));
    }
}

#[test]
fn the_held_out_line_is_named_after_its_split() {
    for (held_out, name, other) in [(HeldOut::Validation, "validation", "test"), (HeldOut::Test, "test", "validation")]
    {
        let h = history_of(4, held_out);
        for svg in [h.loss_curves(), h.accuracy_curves()] {
            let t = texts(&svg);
            assert!(t.iter().any(|s| s == name), "{held_out:?}: no {name:?} in {t:?}");
            assert!(!t.iter().any(|s| s == other), "{held_out:?}: {other:?} in {t:?}");
        }
    }
}

#[test]
fn history_draws_its_per_epoch_values_through_the_plain_curves() {
    let h = history(3);
    let (train_loss, held_out_loss): (Vec<f64>, Vec<f64>) =
        h.epochs.iter().map(|e| (e.train_loss, e.held_out_loss)).unzip();
    assert_eq!(h.loss_curves().as_str(), plots::loss_curves(&train_loss, &held_out_loss, "validation").as_str());
    let (train_acc, held_out_acc): (Vec<f64>, Vec<f64>) =
        h.epochs.iter().map(|e| (e.train_accuracy, e.held_out_accuracy)).unzip();
    assert_eq!(h.accuracy_curves().as_str(), plots::accuracy_curves(&train_acc, &held_out_acc, "validation").as_str());
    // The swapped series draw another picture, so the comparison above can fail.
    assert_ne!(h.loss_curves().as_str(), plots::loss_curves(&held_out_loss, &train_loss, "validation").as_str());
}

#[test]
fn a_single_epoch_still_draws_its_points() {
    let svg = history(1).loss_curves();
    assert_eq!(count(&elements(&svg), "circle"), 2);
}

/// Four series over LeNet's five weight layers, spanning many decades, as
/// the initialisation section of notebook 6 draws them.
fn layer_chart_of_four() -> plots::Svg {
    let series: Vec<plots::Series> = (0..4)
        .map(|k| plots::Series::new(format!("init {k}"), (0..5).map(|l| 10f64.powi(3 * k - l)).collect()))
        .collect();
    plots::layer_chart("Output spread per layer", "std of a", &["conv1", "conv2", "fc1", "fc2", "fc3"], &series)
}

#[test]
fn the_layer_chart_names_every_layer_and_leaves_out_what_a_log_scale_cannot_show() {
    let svg = layer_chart_of_four();
    let t = texts(&svg);
    for label in ["conv1", "conv2", "fc1", "fc2", "fc3", "init 0", "init 3", "layer"] {
        assert!(t.iter().any(|s| s == label), "no label {label:?} in {t:?}");
    }
    assert_eq!(count(&elements(&svg), "circle"), 20);
    // A zero, a NaN and an infinity are not drawn; the other two points are.
    let gaps = plots::Series::new("gaps", vec![1.0, 0.0, f64::NAN, f64::INFINITY, 3.0]);
    let svg = plots::layer_chart("t", "y", &["a", "b", "c", "d", "e"], &[gaps]);
    assert_eq!(count(&elements(&svg), "circle"), 2);
}

#[test]
fn kernels_draw_six_panels_of_twenty_five_cells() {
    let w = Array4::from_shape_fn((6, 1, 5, 5), |(o, _, i, j)| ((o * 25 + i * 5 + j) as f32 * 0.37).sin());
    let svg = plots::kernels(w.view());
    let names = elements(&svg);
    // Background, at most 6 × 25 cells (runs of one colour merge), one frame per kernel.
    assert_eq!(rects(&svg).iter().filter(|r| r.fill.is_none()).count(), 6);
    let cells = assert_panels_tiled(&svg);
    assert!(cells <= 6 * 25, "{cells} cells");
    assert_eq!(count(&names, "rect"), 1 + cells + 6);
    let t = texts(&svg);
    for k in 1..=6 {
        assert!(t.contains(&format!("kernel {k}")), "no title for kernel {k}: {t:?}");
    }
}

#[test]
fn feature_maps_draw_input_six_and_sixteen_maps() {
    let img = Array2::from_shape_fn((28, 28), |(i, j)| ((i + j) % 7) as f64 / 7.0);
    let c1 = Array3::from_shape_fn((6, 24, 24), |(k, i, j)| ((k + i * j) as f64 * 0.1).sin().max(0.0));
    let c2 = Array3::from_shape_fn((16, 8, 8), |(k, i, j)| ((k + i + j) as f64 * 0.3).cos().max(0.0));
    let svg = plots::feature_maps(img.view(), c1.view(), c2.view());
    let names = elements(&svg);
    let panels = 1 + 6 + 16;
    let cells = assert_panels_tiled(&svg);
    // The ReLU maps are zero (white) in long runs, which merge.
    assert!(cells < 28 * 28 + 6 * 24 * 24 + 16 * 8 * 8, "{cells} cells: runs should merge");
    assert_eq!(count(&names, "rect"), 1 + cells + panels);
    let t = texts(&svg);
    assert_eq!(t.iter().filter(|s| s.starts_with("map ")).count(), 6 + 16);
    assert!(t.iter().any(|s| s.starts_with("conv1: 6 maps")), "{t:?}");
    assert!(t.iter().any(|s| s.starts_with("conv2: 16 maps")), "{t:?}");
}

#[test]
fn confusion_matrix_shows_every_count_and_the_accuracy() {
    let counts = Array2::from_shape_fn((10, 10), |(i, j)| if i == j { 100 + i } else { (i * 3 + j) % 4 });
    let names: Vec<String> = (0..10).map(|d| format!("digit {d}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let svg = plots::confusion(&counts, &refs);
    let names_el = elements(&svg);
    // Background plus a fill and a border per cell.
    assert_eq!(count(&names_el, "rect"), 1 + 2 * 100);
    let t = texts(&svg);
    for i in 0..10 {
        for j in 0..10 {
            assert!(t.contains(&counts[(i, j)].to_string()), "count ({i}, {j}) missing");
        }
        // Each class is named on both axes.
        assert_eq!(t.iter().filter(|s| **s == format!("digit {i}")).count(), 2);
    }
    let right: usize = (0..10).map(|i| counts[(i, i)]).sum();
    let total: usize = counts.sum();
    let title = format!("Confusion matrix: {right} of {total} right ({:.2}%)", 100.0 * right as f64 / total as f64);
    assert!(t.contains(&title), "no title {title:?} in {t:?}");
}

#[test]
fn heatmap_writes_entries_of_small_matrices_and_the_range() {
    let m = Array2::from_shape_vec((2, 3), vec![0.0, -1.5, 2.25, 0.5, 0.0, -0.0]).unwrap();
    let svg = plots::heatmap(&m, "δ after pooling");
    let names = elements(&svg);
    // Background, five runs of one colour (0 and −0 side by side are one), frame.
    assert_eq!(count(&names, "rect"), 1 + 5 + 1);
    assert_eq!(assert_panels_tiled(&svg), 5);
    let t = texts(&svg);
    for v in ["-1.50", "2.25", "0.50"] {
        assert!(t.contains(&v.to_string()), "no entry {v} in {t:?}");
    }
    assert_eq!(t.iter().filter(|s| *s == "0.00").count(), 3, "zeros, including −0, print as 0.00: {t:?}");
    assert!(t.contains(&"δ after pooling".to_string()));
    assert!(t.contains(&"range -1.50 … 2.25".to_string()), "{t:?}");
}

#[test]
fn heatmap_grid_shares_one_scale() {
    let a = Array2::from_elem((3, 3), 1.0f64);
    let b = Array2::from_elem((3, 3), 4.0f64);
    let panels = [Panel::new("a", a.view()), Panel::new("b", b.view())];
    let svg = plots::heatmap_grid("two", &panels, 2);
    elements(&svg);
    // On a shared scale [1, 4] the panel of ones is white and the other dark.
    assert!(svg.as_str().contains("fill=\"#FFFFFF\""));
    assert!(svg.as_str().contains("fill=\"#08306B\""), "the maximum has the darkest colour");
}

#[test]
fn save_svg_writes_the_text() {
    let dir = std::env::temp_dir().join(format!("lenet-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = history(2).loss_curves();
    let path = dir.join("loss.svg");
    plots::save_svg(&path, &svg).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), svg.as_str());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_of_one_colour_is_one_rectangle() {
    // Rows: two runs, two runs, one run, four runs.
    let m = Array2::from_shape_vec(
        (4, 4),
        vec![0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.0, 1.0, 0.0, 1.0],
    )
    .unwrap();
    let svg = plots::heatmap_grid("runs", &[Panel::new("m", m.view())], 1);
    elements(&svg);
    assert_eq!(assert_panels_tiled(&svg), 2 + 2 + 1 + 4);
    let cells: Vec<Rect> = rects(&svg).into_iter().skip(1).filter(|r| r.fill.is_some()).collect();
    let cell = cells[0].h;
    // The first row: white over two cells, then the darkest colour over two.
    assert_eq!((cells[0].w, cells[0].fill.as_deref()), (2 * cell, Some("#FFFFFF")));
    assert_eq!((cells[1].x, cells[1].w, cells[1].fill.as_deref()), (cells[0].x + 2 * cell, 2 * cell, Some("#08306B")));
    // The third row is one rectangle as wide as the panel.
    assert_eq!(cells[4].w, 4 * cell);
}

#[test]
fn the_lenet_diagram_names_every_layer_and_both_passes() {
    use lenet::model::Arch;
    let modern = plots::lenet_diagram(&Arch::modern());
    let names = elements(&modern);
    // Eight forward arrows (the last into the loss) and seven backward ones
    // (the input needs no δ), each with one triangular head.
    assert_eq!(count(&names, "polygon"), 8 + 7);
    let t = texts(&modern);
    let at = positions(&modern);
    let mut previous_y = i64::MIN;
    for (layer, shape) in [
        ("input", "1×28×28"),
        ("conv1", "6×28×28"),
        ("pool1", "6×14×14"),
        ("conv2", "16×10×10"),
        ("pool2", "16×5×5"),
        ("fc1", "120"),
        ("fc2", "84"),
        ("fc3 (logits)", "10"),
        ("loss C", ""),
    ] {
        assert!(
            t.contains(&layer.to_string()) && (shape.is_empty() || t.contains(&shape.to_string())),
            "{layer} {shape}: {t:?}"
        );
        // Stacked: each stage below the one before it, so the figure stays a
        // column wide however many stages it has.
        let y = at.iter().find(|(s, _, _)| s == layer).unwrap().2;
        assert!(y > previous_y, "{layer} is not below the stage before it");
        previous_y = y;
    }
    assert!(t.contains(&"δ = p − y".to_string()) && t.contains(&"∂C/∂a = full_convolve(δ, w)".to_string()), "{t:?}");
    assert!(t.contains(&"∂C/∂a = Wᵀδ, unflattened".to_string()), "{t:?}");
    assert_eq!(t.iter().filter(|s| *s == "δ = Wᵀδ ⊙ σ′(z)").count(), 2, "two fc steps back: {t:?}");
    assert_eq!(t.iter().filter(|s| *s == "then δ = ∂C/∂a ⊙ σ′(z)").count(), 2, "two pooling steps back: {t:?}");
    assert_eq!(t.iter().filter(|s| s.starts_with("∂C/∂W = δaᵀ")).count(), 3, "three fc layers");
    assert_eq!(t.iter().filter(|s| s.starts_with("∂C/∂w = a ⋆ δ")).count(), 2, "two conv layers");
    assert!(t.iter().any(|s| s.contains("ReLU")) && t.iter().any(|s| s == "∂C/∂a to each argmax,"), "{t:?}");
    // One notation: σ′ for the activation's derivative, never f′.
    assert!(!t.iter().any(|s| s.contains('f') && s.contains('′')), "{t:?}");
    // The classic LeNet says tanh and mean pooling instead.
    let classic = texts(&plots::lenet_diagram(&Arch::classic()));
    assert!(classic.iter().any(|s| s.contains("tanh")) && !classic.iter().any(|s| s.contains("ReLU")), "{classic:?}");
    assert!(classic.iter().any(|s| s == "∂C/∂a / 4 to each entry,"), "{classic:?}");
}

/// The value of an attribute of a tag, if it has it.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// Every `<text>`: its content and its anchor point.
fn positions(svg: &Svg) -> Vec<(String, i64, i64)> {
    svg.as_str()
        .split("<text")
        .skip(1)
        .map(|t| {
            let tag = &t[..t.find('>').unwrap()];
            let body = &t[t.find('>').unwrap() + 1..];
            let n = |name: &str| attr(tag, name).unwrap().parse::<i64>().unwrap();
            (body[..body.find("</text>").unwrap()].trim().to_string(), n("x"), n("y"))
        })
        .collect()
}

/// The width of the picture, from `<svg width="…">`.
fn svg_width(svg: &Svg) -> f64 {
    let s = svg.as_str();
    let tag = &s[..s.find('>').unwrap()];
    attr(tag, "width").unwrap().parse().unwrap()
}

/// The `font-size` of every `<text>`, in pixels.
fn font_sizes(svg: &Svg) -> Vec<f64> {
    svg.as_str()
        .split("<text")
        .skip(1)
        .map(|t| {
            let tag = &t[..t.find('>').unwrap()];
            attr(tag, "font-size").unwrap_or_else(|| panic!("text without a font size: {tag}")).parse().unwrap()
        })
        .collect()
}

/// The texts that lie inside the filled rectangle holding `anchor` (a node of
/// a graph, say): what is drawn on the same box.
fn texts_on_box_of(svg: &Svg, anchor: &str) -> Vec<String> {
    let at = positions(svg);
    let (_, ax, ay) = at.iter().find(|(s, _, _)| s == anchor).unwrap_or_else(|| panic!("no text {anchor:?}"));
    let inside = |r: &Rect, x: i64, y: i64| x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h;
    // The smallest filled box around the anchor, not the background.
    let boxes: Vec<Rect> = rects(svg).into_iter().skip(1).filter(|r| r.fill.is_some() && inside(r, *ax, *ay)).collect();
    let b = boxes.iter().min_by_key(|r| r.w * r.h).unwrap_or_else(|| panic!("{anchor:?} lies on no box"));
    at.iter().filter(|(_, x, y)| inside(b, *x, *y)).map(|(s, _, _)| s.clone()).collect()
}

/// The network of notebook 1, its numbers as the notebook builds them.
fn notebook_1_network() -> [Matrix<f64>; 6] {
    [
        Matrix::from_rows(&[[0.5], [-1.0]]),
        Matrix::from_rows(&[[1.0], [0.0]]),
        Matrix::from_rows(&[[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]),
        Matrix::from_rows(&[[0.0], [0.2], [-0.1]]),
        Matrix::from_rows(&[[0.3, -0.1, 0.2], [-0.4, 0.5, 0.1]]),
        Matrix::from_rows(&[[0.05], [-0.05]]),
    ]
}

fn sub(n: usize) -> char {
    ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'][n]
}

#[test]
fn the_fc_graph_shows_every_value_and_gradient_the_layer_functions_compute() {
    let [x, y, w1, b1, w2, b2] = notebook_1_network();
    let act = Activation::Sigmoid;
    let svg = plots::fc_graph(&x, &y, &w1, &b1, &w2, &b2, act);
    let names = elements(&svg);
    // The notebook's computation, cell by cell.
    let z1 = fc::forward(&w1, &x, &b1);
    let a1 = act.apply(&z1.0);
    let z2 = fc::forward(&w2, &a1, &b2);
    let a2 = act.apply(&z2.0);
    let (cost, grad_a2) = loss::mse(&a2, &y);
    let delta2 = fc::output_delta(&grad_a2, &z2, act);
    let delta1 = fc::backprop_delta(&w2, &delta2, &z1, act);
    let grad_a1 = fc::input_grad(&w2, &delta2);
    let (dw1, dw2) = (fc::weight_grad(&delta1, &x), fc::weight_grad(&delta2, &a1));
    let (db1, db2) = (fc::bias_grad(&delta1), fc::bias_grad(&delta2));
    let f = |v: f64| format!("{v:.4}");
    // Each neuron's node holds its values and gradients, to 4 decimals as
    // the notebook's `show` prints them.
    for (kind, z, a, b, ga, d, db) in [
        ("hidden", &z1.0, &a1, &b1.0, &grad_a1.0, &delta1.0, &db1.0),
        ("output", &z2.0, &a2, &b2.0, &grad_a2, &delta2.0, &db2.0),
    ] {
        for i in 0..z.nrows() {
            let node = texts_on_box_of(&svg, &format!("{kind} {}", i + 1));
            let mut want = vec![
                format!("z = {}", f(z[(i, 0)])),
                format!("a = {}", f(a[(i, 0)])),
                format!("b = {}", f(b[(i, 0)])),
                format!("∂C/∂a = {}", f(ga[(i, 0)])),
                format!("δ = {}", f(d[(i, 0)])),
                format!("∂C/∂b = {}", f(db[(i, 0)])),
            ];
            if kind == "output" {
                want.push(format!("y = {}", f(y[(i, 0)])));
            }
            for w in want {
                assert!(node.contains(&w), "{kind} {}: no {w:?} on its node {node:?}", i + 1);
            }
        }
    }
    // Each weight's edge label holds w and ∂C/∂w.
    for (layer, w, g) in [('¹', &w1, &dw1), ('²', &w2, &dw2)] {
        for ((i, j), &v) in w.indexed_iter() {
            let label = format!("w{layer}{}{} = {}", sub(i + 1), sub(j + 1), f(v));
            let on = texts_on_box_of(&svg, &label);
            assert!(on.contains(&format!("∂C/∂w = {}", f(g[(i, j)]))), "{label}: {on:?}");
        }
    }
    for (j, v) in x.iter().enumerate() {
        assert!(texts(&svg).contains(&format!("x{} = {}", sub(j + 1), f(*v))));
    }
    assert!(texts(&svg).contains(&format!("C = {}", f(cost))), "{:?}", texts(&svg));
    // An arrow head per weight, and one from each output into C.
    assert_eq!(count(&names, "polygon"), 6 + 6 + 2);
}

#[test]
#[should_panic(expected = "one sample")]
fn the_fc_graph_draws_one_sample() {
    let [x, y, w1, b1, w2, b2] = notebook_1_network();
    let two = ndarray::concatenate![ndarray::Axis(1), x.0, x.0];
    let _ = plots::fc_graph(&two, &y, &w1, &b1, &w2, &b2, Activation::Sigmoid);
}

#[test]
fn the_computational_graph_shows_every_value_gradient_and_edge_the_graph_computes() {
    let (mut g, [.., f]) = lenet::graph::example();
    let svg = plots::computational_graph(&g, f);
    elements(&svg);
    g.backward(f);
    let all = texts(&svg);
    let num = |v: f64| if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v:.4}") };
    for (o, node) in g.nodes.iter().enumerate() {
        // The value and the gradient lie on the node's own box.
        let on_box = texts_on_box_of(&svg, &format!("{} = {}", node.name, num(node.value)));
        assert!(on_box.contains(&format!("∂f/∂{} = {}", node.name, num(node.grad))), "{on_box:?}");
        // Each edge into a gate is labelled with its local gradient and
        // upstream × local.
        for (k, (&u, local)) in node.inputs.iter().zip(g.local_grads(o)).enumerate() {
            let want = [
                format!("∂{}/∂{} = {}", node.name, g.nodes[u].name, num(local)),
                format!("{} × {} = {}", num(node.grad), num(local), num(node.grad * local)),
            ];
            assert!(all.windows(2).any(|w| w == want), "edge {k} into {}: no label {want:?} in {all:?}", node.name);
        }
    }
    // y forks: its gradient is the sum of what its two edges send back.
    assert!(all.contains(&"∂f/∂y = 7".to_string()), "{all:?}");
    assert!(all.contains(&"s = x + y".to_string()) && all.contains(&"m = max(y, z)".to_string()));
}

#[test]
fn the_one_d_picture_shows_the_three_operations_of_the_crate() {
    let ex = worked::one_d_numbers();
    let sym = worked::one_d_symbols();
    let nums = ex.to_f64();
    let svg = plots::one_d_convolution(&nums.a, &nums.w, &nums.delta);
    elements(&svg);
    let all = texts(&svg);
    let line = |lhs: &str, i: usize, f: &Sym, v: i64| format!("{lhs}{} = {f} = {v}", sub(i + 1));
    for (lhs, formulas, values) in [
        ("z", sym.forward(), ex.forward()),
        ("∂C/∂a", sym.input_grad(), ex.input_grad()),
        ("∂C/∂w", sym.kernel_grad(), ex.kernel_grad()),
    ] {
        for (i, (f, &v)) in formulas.iter().zip(&values).enumerate() {
            let want = line(lhs, i, f, v);
            assert!(all.contains(&want), "no {want:?} in {all:?}");
        }
    }
    // The full convolution's row: δ with two zeros on each side, the flipped kernel over it.
    let cells: Vec<&String> = all.iter().skip_while(|t| !t.starts_with("pad(δ, 2)")).skip(1).take(8).collect();
    assert_eq!(cells, ["0", "0", "1", "-1", "2", "0", "0", "w₃"], "{all:?}");
}

/// The panels of a sliding-window picture, in document order: each title
/// (bold) with the texts that follow it up to the next title.
fn panels(svg: &Svg) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for t in svg.as_str().split("<text").skip(1) {
        let tag = &t[..t.find('>').unwrap()];
        let body = &t[t.find('>').unwrap() + 1..];
        let text = body[..body.find("</text>").unwrap()].trim().to_string();
        if attr(tag, "font-weight") == Some("bold") && !text.contains(" = ") {
            out.push((text, Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push(text);
        }
    }
    out
}

/// Checks one sliding-window picture against the crate: a panel per entry of
/// `result` titled `∂C/∂{name}ᵢⱼ`, each holding the products of the symbolic
/// formula `formulas[(i, j)]` (in its order, each product right) and their
/// sum, the entry of `result`.
fn assert_panels_match(svg: &Svg, name: &str, result: &Matrix<f64>, formulas: &Matrix<Sym>) {
    elements(svg);
    let ps = panels(svg);
    assert_eq!(ps.len(), result.len(), "a panel per entry: {:?}", ps.iter().map(|p| &p.0).collect::<Vec<_>>());
    for (((i, j), &want), (title, body)) in result.indexed_iter().zip(&ps) {
        let entry = format!("∂C/∂{}", Sym::var(name, i + 1, j + 1));
        assert_eq!(*title, entry);
        let value: f64 = body
            .iter()
            .find_map(|s| s.strip_prefix(&format!("{entry} = ")))
            .unwrap_or_else(|| panic!("{entry}: no result in {body:?}"))
            .parse()
            .unwrap();
        assert!((value - want).abs() <= 5e-5 * want.abs().max(1.0), "{entry} = {value}, the crate says {want}");
        // The products, "x·y = u·v = p": together the symbolic formula, each
        // product right, and they add up to the entry.
        let products: Vec<(&str, f64)> = body
            .iter()
            .filter(|s| s.contains('·'))
            .map(|s| {
                let parts: Vec<&str> = s.split(" = ").collect();
                assert_eq!(parts.len(), 3, "{s}");
                let num = |v: &str| v.trim_matches(|c| c == '(' || c == ')').parse::<f64>().unwrap();
                let (u, v) = parts[1].split_once('·').unwrap();
                let p = num(parts[2]);
                assert!((num(u) * num(v) - p).abs() < 1e-9, "{s}");
                (parts[0], p)
            })
            .collect();
        let formula: Vec<&str> = products.iter().map(|p| p.0).collect();
        assert_eq!(formula.join(" + "), formulas[(i, j)].to_string(), "{entry}");
        let sum: f64 = products.iter().map(|p| p.1).sum();
        assert!((sum - want).abs() < 1e-9, "{entry}: the products add up to {sum}, not {want}");
    }
}

fn worked_example() -> (Matrix<f64>, Matrix<f64>, Matrix<f64>) {
    let ex = worked::numbers();
    (ex.a.map(|&v| v as f64), ex.w.map(|&v| v as f64), ex.delta.map(|&v| v as f64))
}

#[test]
fn the_full_convolution_panels_show_each_entry_of_the_input_gradient() {
    let (_, w, delta) = worked_example();
    let svg = plots::full_convolution_panels(&delta, &w);
    let sym = worked::symbols();
    assert_panels_match(&svg, "a", &conv::input_grad(&delta, &w), &sym.input_grad());
    let t = texts(&svg);
    // The turned kernel over the padded δ: four kernel entries in each of the
    // nine panels, each named once per panel.
    for k in ["w₁₁", "w₁₂", "w₂₁", "w₂₂"] {
        assert_eq!(t.iter().filter(|s| *s == k).count(), 9, "{k}");
    }
    // The 4×4 padded δ in each panel: twelve zeros of padding, and δ's entries.
    let grid_texts = |v: &str| t.iter().filter(|s| *s == v).count();
    assert!(grid_texts("0") >= 9 * 12, "{t:?}");
    assert_eq!(grid_texts("-1"), 9, "δ₁₂ = -1 once per panel: {t:?}");
    // The corner sees one product, the middle four.
    let ps = panels(&svg);
    let products = |k: usize| ps[k].1.iter().filter(|s| s.contains('·')).count();
    assert_eq!((products(0), products(4), products(8)), (1, 4, 1));
}

#[test]
fn the_full_convolution_panels_work_for_any_small_sizes() {
    for ((m, n), (kh, kw)) in [((1, 1), (1, 1)), ((2, 3), (3, 2)), ((3, 2), (2, 2)), ((4, 4), (3, 3)), ((1, 4), (2, 3))]
    {
        let delta = Matrix::from_fn(m, n, |i, j| (i as f64 - 2.0 * j as f64) * 0.5 + 1.0);
        let w = Matrix::from_fn(kh, kw, |p, q| (p * kw + q) as f64 - 1.5);
        let svg = plots::full_convolution_panels(&delta, &w);
        let formulas = conv::input_grad(&Sym::matrix("δ", m, n), &Sym::matrix("w", kh, kw));
        assert_panels_match(&svg, "a", &conv::input_grad(&delta, &w), &formulas);
        assert_legible(&format!("full convolution {m}×{n} ⊛ {kh}×{kw}"), &svg);
    }
}

#[test]
fn the_kernel_grad_panels_show_each_entry_of_the_kernel_gradient() {
    let (a, _, delta) = worked_example();
    let svg = plots::kernel_grad_panels(&a, &delta);
    assert_panels_match(&svg, "w", &conv::kernel_grad(&a, &delta), &worked::symbols().kernel_grad());
    let t = texts(&svg);
    for k in ["δ₁₁", "δ₁₂", "δ₂₁", "δ₂₂"] {
        assert_eq!(t.iter().filter(|s| *s == k).count(), 4, "{k}: δ lies over a once per panel");
    }
    // Other sizes, and a non-square a.
    for ((h, wd), (m, n)) in [((4, 5), (2, 3)), ((3, 3), (3, 3)), ((5, 5), (4, 4))] {
        let a = Matrix::from_fn(h, wd, |i, j| (i * wd + j) as f64 * 0.25 - 1.0);
        let delta = Matrix::from_fn(m, n, |i, j| i as f64 - j as f64 + 0.5);
        let svg = plots::kernel_grad_panels(&a, &delta);
        let formulas = conv::kernel_grad(&Sym::matrix("a", h, wd), &Sym::matrix("δ", m, n));
        assert_panels_match(&svg, "w", &conv::kernel_grad(&a, &delta), &formulas);
        assert_legible(&format!("kernel gradient {h}×{wd} ⋆ {m}×{n}"), &svg);
    }
}

/// The book's text column, and the smallest text a figure may show there.
const COLUMN: f64 = plots::COLUMN as f64;
const SMALLEST: f64 = plots::SMALLEST;

/// The figure's smallest text, as it renders once the figure is scaled down
/// to the book's column (a figure narrower than the column is not scaled up).
fn rendered_min_font(svg: &Svg) -> f64 {
    let smallest = font_sizes(svg).into_iter().fold(f64::INFINITY, f64::min);
    smallest * (COLUMN / svg_width(svg)).min(1.0)
}

fn assert_legible(name: &str, svg: &Svg) {
    let px = rendered_min_font(svg);
    assert!(
        px >= SMALLEST - 1e-9,
        "{name}: its smallest text renders {px:.1} px high in the {COLUMN} px column (the SVG is {} px wide, smallest font {} px)",
        svg_width(svg),
        font_sizes(svg).into_iter().fold(f64::INFINITY, f64::min)
    );
}

/// Every figure the notebooks show, drawn from data of the shapes they use.
/// Set `LENET_FIGURES` to a directory to also write them there as SVG files.
fn notebook_figures() -> Vec<(&'static str, Svg)> {
    use lenet::model::Arch;
    let (a, w, delta) = worked_example();
    let [x, y, w1, b1, w2, b2] = notebook_1_network();
    let wave = |k: usize, i: usize, j: usize| ((k * 7 + i * 3 + j) as f64 * 0.37).sin();
    let maps = |title: &'static str, channels: usize, side: usize, columns: usize| {
        let panels: Vec<Panel> = (0..channels)
            .map(|k| {
                Panel::new(
                    format!("channel {}", k + 1),
                    Array2::from_shape_fn((side, side), |(i, j)| wave(k, i, j)).view(),
                )
            })
            .collect();
        (title, plots::heatmap_grid(title, &panels, columns))
    };
    let small = |title: &str, rows: usize, cols: usize| {
        Panel::new(title, Array2::from_shape_fn((rows, cols), |(i, j)| wave(0, i, j)).view())
    };
    let digits: Vec<Panel> = (0..8)
        .map(|k| {
            Panel::new(format!("label {k}"), Array2::from_shape_fn((28, 28), |(i, j)| wave(k, i, j).max(0.0)).view())
        })
        .collect();
    let confusion = Array2::from_shape_fn((10, 10), |(i, j)| if i == j { 980 + i * 17 } else { (i * 3 + j) % 9 });
    vec![
        // Notebook 1: the network as a computational graph.
        ("fc_graph", plots::fc_graph(&x, &y, &w1, &b1, &w2, &b2, Activation::Sigmoid)),
        // Notebook 1: backprop on a graph of scalars.
        ("computational_graph", {
            let (g, [.., f]) = lenet::graph::example();
            plots::computational_graph(&g, f)
        }),
        // Notebook 2: the 1-D warm-up and the two convolutions of the backward pass.
        ("one_d_convolution", {
            let ex = worked::one_d_numbers().to_f64();
            plots::one_d_convolution(&ex.a, &ex.w, &ex.delta)
        }),
        ("full_convolution_panels", plots::full_convolution_panels(&delta, &w)),
        ("kernel_grad_panels", plots::kernel_grad_panels(&a, &delta)),
        // Notebook 3: pooling and ReLU.
        (
            "max pooling",
            plots::heatmap_grid(
                "Max pooling, 2×2 windows, stride 2",
                &[small("input x", 4, 4), small("∂C/∂a at the output", 2, 2), small("∂C/∂a routed to x", 4, 4)],
                3,
            ),
        ),
        (
            "overlapping pooling",
            plots::heatmap_grid(
                "Overlapping max pooling, 2×2 windows, stride 1",
                &[small("input x", 4, 4), small("how many windows chose it", 4, 4)],
                2,
            ),
        ),
        (
            "relu gate",
            plots::heatmap_grid(
                "ReLU lets δ through where z > 0",
                &[small("z", 4, 4), small("∂C/∂a arriving", 4, 4), small("δ = ∂C/∂z passed on", 4, 4)],
                3,
            ),
        ),
        // Notebook 6: training LeNet.
        ("lenet_diagram modern", plots::lenet_diagram(&Arch::modern())),
        ("lenet_diagram classic", plots::lenet_diagram(&Arch::classic())),
        ("training images", plots::heatmap_grid("Training images", &digits, 8)),
        ("loss_curves", history(10).loss_curves()),
        ("accuracy_curves", history(10).accuracy_curves()),
        ("layer_chart", layer_chart_of_four()),
        ("kernels", plots::kernels(Array4::from_shape_fn((6, 1, 5, 5), |(o, _, i, j)| wave(o, i, j) as f32).view())),
        ("confusion", plots::confusion(&confusion, &DIGIT_CLASSES)),
        (
            "heatmap of a digit",
            plots::heatmap(&Array2::from_shape_fn((28, 28), |(i, j)| wave(1, i, j).max(0.0)), "the digit"),
        ),
        maps("∂C/∂a at the pool2 output", 16, 5, 8),
        maps("δ at conv2", 16, 10, 8),
        maps("∂C/∂a at the pool1 output", 6, 14, 6),
        maps("δ at conv1", 6, 28, 6),
    ]
}

#[test]
fn every_figure_the_notebooks_show_is_legible_at_the_books_column_width() {
    let figures = notebook_figures();
    if let Some(dir) = std::env::var_os("LENET_FIGURES") {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, svg) in &figures {
            plots::save_svg(
                std::path::Path::new(&dir)
                    .join(format!("{}.svg", name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))),
                svg,
            )
            .unwrap();
        }
    }
    for (name, svg) in &figures {
        elements(svg);
        assert_legible(name, svg);
    }
}

#[test]
fn the_legibility_check_measures_what_the_book_shows() {
    // A figure twice the column wide shows its text at half size.
    let twice = 2.0 * COLUMN;
    let svg = Svg(format!(
        r#"<svg width="{twice}" height="10" viewBox="0 0 {twice} 10" xmlns="http://www.w3.org/2000/svg"><text x="0" y="5" font-size="20">a</text><text x="9" y="5" font-size="30">b</text></svg>"#
    ));
    assert_eq!(rendered_min_font(&svg), 10.0);
    // A narrow figure is not scaled up.
    let svg = Svg(r#"<svg width="300" height="10"><text x="0" y="5" font-size="12">a</text></svg>"#.to_string());
    assert_eq!(rendered_min_font(&svg), 12.0);
}
