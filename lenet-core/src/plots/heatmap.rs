//! Heat maps: one matrix, a grid of them (kernels, feature maps), and the
//! confusion matrix.
//!
//! Colours: when a panel group holds negative values the scale is diverging
//! and symmetric about zero (blue < 0 < red, white at 0), so a kernel's sign is
//! visible at a glance; otherwise it runs from white (the minimum) to dark blue
//! (the maximum), as for images and ReLU outputs.

use super::{Svg, draw_svg, font, legible};
use crate::element::Real;
use ndarray::{Array2, ArrayView2, ArrayView3, ArrayView4, Axis};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A titled matrix to draw as one heat map.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub values: Array2<f64>,
}

impl Panel {
    pub fn new<F: Real>(title: impl Into<String>, values: ArrayView2<F>) -> Self {
        Panel { title: title.into(), values: values.map(|v| v.f64()) }
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

const NEGATIVE: (f64, f64, f64) = (33.0, 102.0, 172.0);
const POSITIVE: (f64, f64, f64) = (178.0, 24.0, 43.0);
const INK: (f64, f64, f64) = (8.0, 48.0, 107.0);

/// White blended towards `c` by `t ∈ [0, 1]`.
fn blend(c: (f64, f64, f64), t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let mix = |x: f64| (255.0 + t * (x - 255.0)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// The colour of `v` on the scale `[lo, hi]`, and how dark it is (0…1).
fn color(v: f64, lo: f64, hi: f64) -> (RGBColor, f64) {
    if lo < 0.0 {
        let m = lo.abs().max(hi.abs());
        let t = if m > 0.0 { v / m } else { 0.0 };
        if t >= 0.0 { (blend(POSITIVE, t), t.abs()) } else { (blend(NEGATIVE, -t), t.abs()) }
    } else {
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
        (blend(INK, t), t)
    }
}

/// Smallest and largest finite entry over several matrices.
fn range<'a>(ms: impl IntoIterator<Item = &'a Array2<f64>>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for m in ms {
        for &v in m.iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo > hi { (0.0, 0.0) } else { (lo, hi) }
}

/// Short number for a cell or a range label.
fn num(v: f64) -> String {
    // Adding 0.0 turns −0 into +0, so a zero never prints as "-0.00".
    let v = v + 0.0;
    if v == 0.0 || (v.abs() >= 0.01 && v.abs() < 1000.0) { format!("{v:.2}") } else { format!("{v:.1e}") }
}

/// Centred text of `px` pixels.
fn centered(px: f64, color: RGBColor) -> TextStyle<'static> {
    font(px).color(&color).pos(Pos::new(HPos::Center, VPos::Center))
}

/// Draws `p` with its top-left corner at `(x, y)` inside a `w × h` box (title
/// included), on the colour scale `[lo, hi]`, its title `title_px` pixels
/// high; `numbers` writes each entry.
fn draw_panel(
    area: &Area,
    p: &Panel,
    (x, y): (i32, i32),
    (w, h): (i32, i32),
    (lo, hi): (f64, f64),
    title_px: f64,
    numbers: bool,
) -> DrawResult {
    let title_h = 18;
    let (rows, cols) = p.values.dim();
    let cell = ((w / cols.max(1) as i32).min((h - title_h) / rows.max(1) as i32)).max(1);
    let x0 = x + (w - cell * cols as i32) / 2;
    let y0 = y + title_h;
    area.draw(&Text::new(p.title.clone(), (x + w / 2, y + title_h / 2), centered(title_px, BLACK)))?;
    let left = |j: usize| x0 + j as i32 * cell;
    for (i, row) in p.values.outer_iter().enumerate() {
        let cy = y0 + i as i32 * cell;
        // One rectangle per run of equal colour along the row: images, ReLU
        // outputs and the δ behind max pooling are mostly one colour (white),
        // so this keeps a picture of 28×28 maps a fraction of its size.
        let mut j = 0;
        while j < cols {
            let fill = color(row[j], lo, hi).0;
            let end = (j + 1..cols).find(|&e| color(row[e], lo, hi).0 != fill).unwrap_or(cols);
            area.draw(&Rectangle::new([(left(j), cy), (left(end), cy + cell)], fill.filled()))?;
            j = end;
        }
        if numbers {
            let size = (cell as f64 / 3.0).floor().clamp(12.0, 16.0);
            for (j, &v) in row.iter().enumerate() {
                let ink = if color(v, lo, hi).1 > 0.6 { WHITE } else { BLACK };
                area.draw(&Text::new(num(v), (left(j) + cell / 2, cy + cell / 2), centered(size, ink)))?;
            }
        }
    }
    let frame = [(x0, y0), (x0 + cell * cols as i32, y0 + cell * rows as i32)];
    area.draw(&Rectangle::new(frame, BLACK.stroke_width(1)))?;
    Ok(())
}

/// One matrix as a heat map, titled, with its value range written below; small
/// matrices (at most 12 × 12) also show each entry. Useful in notebooks, for
/// example to see where max pooling routes the gradient.
pub fn heatmap<F: Real>(m: &Array2<F>, title: &str) -> Svg {
    let p = Panel::new(title, m.view());
    let (rows, cols) = p.values.dim();
    let cell = (480 / rows.max(cols).max(1) as i32).clamp(6, 56);
    let (w, h) = (cell * cols as i32, cell * rows as i32 + 18);
    let (lo, hi) = range([&p.values]);
    let numbers = rows <= 12 && cols <= 12;
    let width = (w + 40) as u32;
    draw_svg(width, (h + 50) as u32, |area| {
        draw_panel(area, &p, (20, 10), (w, h), (lo, hi), legible(13.0, width), numbers)?;
        let label = format!("range {} … {}", num(lo), num(hi));
        area.draw(&Text::new(label, ((w + 40) / 2, h + 30), centered(legible(13.0, width), BLACK)))?;
        Ok(())
    })
}

/// Groups of panels, each group under a heading, laid out `columns` per row;
/// all panels of a group share one colour scale so their values compare.
///
/// A panel's box is 96 pixels square, or as wide as its title needs; the
/// text grows with a grid wider than the book's column so it stays legible
/// there (eight panels a row take 13-pixel titles).
fn draw_groups(title: &str, groups: &[(String, &[Panel], usize)]) -> Svg {
    const GAP: i32 = 12;
    const HEAD: i32 = 26;
    const TITLE_PX: f64 = 13.0;
    // A box is wide enough for every title; a grid wider than the column
    // takes larger text, and then its boxes are measured again.
    let widest = groups.iter().map(|g| g.2.min(g.1.len()).max(1)).max().unwrap_or(1) as i32;
    let box_for = |px: f64| {
        let longest =
            groups.iter().flat_map(|g| g.1.iter()).map(|p| super::text_width(&p.title, px)).max().unwrap_or(0);
        longest.max(96)
    };
    let mut bx = box_for(TITLE_PX);
    let mut width = widest * (bx + GAP) + GAP;
    let px = legible(TITLE_PX, width as u32);
    if px > TITLE_PX {
        bx = box_for(px);
        width = widest * (bx + GAP) + GAP;
    }
    let px = |p: f64| legible(p, width as u32);
    let rows_of = |g: &(String, &[Panel], usize)| g.1.len().div_ceil(g.2.max(1)) as i32;
    let height = 36 + groups.iter().map(|g| HEAD + rows_of(g) * (bx + 18 + GAP)).sum::<i32>();
    draw_svg(width as u32, height as u32, |area| {
        area.draw(&Text::new(title.to_string(), (width / 2, 18), centered(px(16.0), BLACK)))?;
        let mut y = 36;
        for g in groups {
            let (lo, hi) = range(g.1.iter().map(|p| &p.values));
            let head = format!("{} (range {} … {})", g.0, num(lo), num(hi));
            area.draw(&Text::new(
                head,
                (GAP, y + HEAD / 2),
                font(px(14.0)).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            y += HEAD;
            for (k, p) in g.1.iter().enumerate() {
                let (r, c) = ((k / g.2.max(1)) as i32, (k % g.2.max(1)) as i32);
                let at = (GAP + c * (bx + GAP), y + r * (bx + 18 + GAP));
                draw_panel(area, p, at, (bx, bx + 18), (lo, hi), px(TITLE_PX), false)?;
            }
            y += rows_of(g) * (bx + 18 + GAP);
        }
        Ok(())
    })
}

/// Panels in a grid of `columns` columns on one shared colour scale. A grid
/// wider than the book's column (eight 28×28 panels a row, say) takes larger
/// text, so its titles stay legible when the book scales it down.
pub fn heatmap_grid(title: &str, panels: &[Panel], columns: usize) -> Svg {
    draw_groups(title, &[(String::new(), panels, columns)])
}

/// The kernels of a convolution layer, `C_out × C_in × k × k`, one panel per
/// (output, input) channel pair on a shared scale. For LeNet's first layer
/// that is its six 5×5 kernels.
pub fn kernels<F: Real>(w: ArrayView4<F>) -> Svg {
    let (c_out, c_in, _, _) = w.dim();
    let mut panels = Vec::with_capacity(c_out * c_in);
    for o in 0..c_out {
        for i in 0..c_in {
            let t = if c_in == 1 { format!("kernel {}", o + 1) } else { format!("{} ← {}", o + 1, i + 1) };
            panels.push(Panel::new(t, w.index_axis(Axis(0), o).index_axis(Axis(0), i)));
        }
    }
    let cols = if c_in == 1 { c_out.min(8) } else { c_in };
    draw_groups("First-layer kernels", &[(format!("{c_out}×{c_in} kernels"), &panels, cols)])
}

/// One digit and what the two convolution layers make of it: the input, the
/// maps of the first convolution (channels first, `C × H × W`, e.g. 6 maps)
/// and of the second (e.g. 16 maps).
pub fn feature_maps<F: Real>(image: ArrayView2<F>, conv1: ArrayView3<F>, conv2: ArrayView3<F>) -> Svg {
    let maps = |m: ArrayView3<F>, name: &str| -> Vec<Panel> {
        m.outer_iter().enumerate().map(|(k, a)| Panel::new(format!("{name} {}", k + 1), a)).collect()
    };
    let input = [Panel::new("input", image)];
    let c1 = maps(conv1, "map");
    let c2 = maps(conv2, "map");
    draw_groups(
        "Feature maps of one image",
        &[
            ("input".to_string(), &input, 1),
            (format!("conv1: {} maps", c1.len()), &c1, 8),
            (format!("conv2: {} maps", c2.len()), &c2, 8),
        ],
    )
}

/// The confusion matrix: entry (t, p) counts test images of true class t
/// predicted as p. Each cell shows its count; its colour is the count as a
/// fraction of its row (so errors of rare classes show too).
///
/// # Panics
/// If `counts` is not square or `names` does not name each class.
pub fn confusion(counts: &Array2<usize>, names: &[&str]) -> Svg {
    let (k, k2) = counts.dim();
    assert_eq!(k, k2, "confusion matrix must be square, got {k}×{k2}");
    assert_eq!(names.len(), k, "{} class names for a {k}×{k} confusion matrix", names.len());
    let total: usize = counts.sum();
    let right: usize = (0..k).map(|i| counts[(i, i)]).sum();
    let acc = if total > 0 { 100.0 * right as f64 / total as f64 } else { 0.0 };
    const CELL: i32 = 44;
    let (left, top) = (120, 110);
    let (w, h) = (left + CELL * k as i32 + 20, top + CELL * k as i32 + 20);
    draw_svg(w as u32, h as u32, |area| {
        let title = format!("Confusion matrix: {right} of {total} right ({acc:.2}%)");
        area.draw(&Text::new(title, (w / 2, 16), centered(16.0, BLACK)))?;
        area.draw(&Text::new("predicted →".to_string(), (left + CELL * k as i32 / 2, 38), centered(13.0, BLACK)))?;
        area.draw(&Text::new("true ↓".to_string(), (left / 2, top - 12), centered(13.0, BLACK)))?;
        let rotated =
            font(13.0).transform(FontTransform::Rotate270).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        let right_aligned = font(13.0).color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
        for (i, name) in names.iter().enumerate() {
            let c = left + i as i32 * CELL + CELL / 2;
            area.draw(&Text::new(name.to_string(), (c, top - 6), rotated.clone()))?;
            let r = top + i as i32 * CELL + CELL / 2;
            area.draw(&Text::new(name.to_string(), (left - 6, r), right_aligned.clone()))?;
        }
        for t in 0..k {
            let row: usize = counts.row(t).sum();
            for p in 0..k {
                let n = counts[(t, p)];
                let frac = if row > 0 { n as f64 / row as f64 } else { 0.0 };
                let (fill, dark) = color(frac, 0.0, 1.0);
                let (x, y) = (left + p as i32 * CELL, top + t as i32 * CELL);
                area.draw(&Rectangle::new([(x, y), (x + CELL, y + CELL)], fill.filled()))?;
                area.draw(&Rectangle::new([(x, y), (x + CELL, y + CELL)], RGBColor(200, 200, 200).stroke_width(1)))?;
                let ink = if dark > 0.6 { WHITE } else { BLACK };
                area.draw(&Text::new(n.to_string(), (x + CELL / 2, y + CELL / 2), centered(13.0, ink)))?;
            }
        }
        Ok(())
    })
}
