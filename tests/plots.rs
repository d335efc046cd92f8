//! Each picture is well-formed SVG with the elements and labels it promises.

use lenet::plots::{self, Panel, Svg};
use lenet::train::{EpochStats, History};
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
    History {
        epochs: (1..=n)
            .map(|e| EpochStats {
                epoch: e,
                train_loss: 1.0 / e as f64,
                train_accuracy: 1.0 - 0.1 / e as f64,
                test_loss: 1.2 / e as f64,
                test_accuracy: 1.0 - 0.15 / e as f64,
                seconds: 1.0,
                images_per_second: 8000.0,
            })
            .collect(),
    }
}

#[test]
fn loss_and_accuracy_curves_have_two_lines_a_point_per_epoch_and_a_legend() {
    for (svg, title) in [(plots::loss_curves(&history(5)), "Loss"), (plots::accuracy_curves(&history(5)), "Accuracy")] {
        let names = elements(&svg);
        let t = texts(&svg);
        assert!(t.iter().any(|s| s == title), "{title}: texts {t:?}");
        for label in ["train", "test", "epoch"] {
            assert!(t.iter().any(|s| s == label), "{title}: no label {label:?} in {t:?}");
        }
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
fn a_single_epoch_still_draws_its_points() {
    let svg = plots::loss_curves(&history(1));
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
    let svg = plots::loss_curves(&history(2));
    let path = dir.join("loss.svg");
    plots::save_svg(&path, &svg).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), svg.as_str());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_of_one_colour_is_one_rectangle() {
    // Rows: two runs, two runs, one run, four runs.
    let m = Array2::from_shape_vec((4, 4), vec![
        0.0, 0.0, 1.0, 1.0,
        1.0, 0.0, 0.0, 0.0,
        0.5, 0.5, 0.5, 0.5,
        0.0, 1.0, 0.0, 1.0,
    ]).unwrap();
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
    for (layer, shape) in [
        ("input", "1×28×28"),
        ("conv1", "6×28×28"),
        ("pool1", "6×14×14"),
        ("conv2", "16×10×10"),
        ("pool2", "16×5×5"),
        ("fc1", "120"),
        ("fc2", "84"),
        ("fc3 (logits)", "10"),
    ] {
        assert!(t.contains(&layer.to_string()) && t.contains(&shape.to_string()), "{layer} {shape}: {t:?}");
    }
    assert!(t.contains(&"δ = p − y".to_string()) && t.contains(&"full_convolve(δ, w)".to_string()), "{t:?}");
    assert_eq!(t.iter().filter(|s| s.starts_with("∂C/∂W = δaᵀ")).count(), 3, "three fc layers");
    assert_eq!(t.iter().filter(|s| s.starts_with("∂C/∂w = a ⋆ δ")).count(), 2, "two conv layers");
    assert!(t.iter().any(|s| s.contains("ReLU")) && t.iter().any(|s| s == "δ to each argmax"), "{t:?}");
    // The classic LeNet says tanh and mean pooling instead.
    let classic = texts(&plots::lenet_diagram(&Arch::classic()));
    assert!(classic.iter().any(|s| s.contains("tanh")) && !classic.iter().any(|s| s.contains("ReLU")), "{classic:?}");
    assert!(classic.iter().any(|s| s == "δ/4 to each entry"), "{classic:?}");
}
