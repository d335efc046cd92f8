//! LeNet-5 at a glance: the layers with their shapes stacked from the input
//! down to the loss, the forward pass running down, the backward pass (what
//! δ = ∂C/∂z and ∂C/∂a become at each step) running up, and the parameter
//! gradients each layer reads off its δ.
//!
//! The stages are stacked rather than set side by side so the figure stays a
//! text column wide and its labels stay legible (see [`super::COLUMN`]).

use super::{COLUMN, Svg, draw_svg, font};
use crate::model::arch::{self, Arch, Pooling, STAGES, Shape};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The parameter gradients each stage's layer reads off its δ, in the
/// order of [`STAGES`] (none for the input and the pooling layers).
const GRADS: [&str; 8] = [
    "",
    "∂C/∂w = a ⋆ δ, ∂C/∂b = Σδ",
    "",
    "∂C/∂w = a ⋆ δ, ∂C/∂b = Σδ",
    "",
    "∂C/∂W = δaᵀ, ∂C/∂b = δ",
    "∂C/∂W = δaᵀ, ∂C/∂b = δ",
    "∂C/∂W = δaᵀ, ∂C/∂b = δ",
];

/// A stage's name in the figure: the logits say what they are.
fn stage_name(k: usize) -> String {
    let name = STAGES[k].name;
    if k + 1 == STAGES.len() { format!("{name} (logits)") } else { name.to_string() }
}

/// The factor that turns ∂C/∂a into δ = ∂C/∂z, as every backward label writes it.
const TIMES_SLOPE: &str = "⊙ σ′(z)";

/// At most this many sheets are drawn for a stage's feature maps.
const MAX_SHEETS: usize = 6;
/// Pixels per entry of a feature map, and the offset between stacked sheets.
const PIXEL: i32 = 2;
const SHEET_STEP: i32 = 4;
/// The columns: stage pictures centred at `PICTURE_X`, names from `NAME_X`,
/// the forward arrows at `FORWARD_X` and the backward ones at `BACKWARD_X`,
/// each with its labels just right of it.
const PICTURE_X: i32 = 70;
const NAME_X: i32 = 140;
const FORWARD_X: i32 = 262;
const BACKWARD_X: i32 = 500;
const LABEL_GAP: i32 = 12;
/// The vertical layout: the header's height, the least height of a stage
/// row, and the gap between rows that holds the arrows and their labels.
const TOP: i32 = 78;
const MIN_ROW: i32 = 40;
const GAP: i32 = 48;
/// Text sizes in pixels.
const TITLE_PX: f64 = 16.0;
const NAME_PX: f64 = 15.0;
const LABEL_PX: f64 = 13.0;

const FORWARD: RGBColor = super::FORWARD_INK;
const BACKWARD: RGBColor = super::BACKWARD_INK;
const GRADS_INK: RGBColor = RGBColor(20, 110, 60);
const SHAPE: RGBColor = RGBColor(90, 90, 90);

/// The labels of the seven forward steps between stages, then the loss.
fn forward_labels(arch: &Arch) -> [String; 8] {
    let f = arch.activation.title();
    let (k, p, w) = (arch::KERNEL, arch::CONV1_PADDING, arch::POOL);
    let pool = match arch.pooling {
        Pooling::Max => format!("max over {w}×{w}"),
        Pooling::Mean => format!("mean over {w}×{w}"),
    };
    [
        format!("{k}×{k} conv, pad {p}, then {f}"),
        pool.clone(),
        format!("{k}×{k} conv, then {f}"),
        pool,
        format!("flatten, Wa + b, then {f}"),
        format!("Wa + b, then {f}"),
        "Wa + b".to_string(),
        "softmax, C = −ln p_y".to_string(),
    ]
}

/// What each backward step computes, from the loss up to conv1
/// (`labels[k]` sits on the arrow into stage `7 − k`, the loss's first).
/// δ is ∂C/∂z of a layer; what arrives at a pooling output or from a flatten
/// is ∂C/∂a, which becomes δ through ⊙ σ′(z).
fn backward_labels(arch: &Arch) -> [String; 7] {
    let pool = match arch.pooling {
        Pooling::Max => "∂C/∂a to each argmax,".to_string(),
        Pooling::Mean => format!("∂C/∂a / {} to each entry,", arch::POOL * arch::POOL),
    };
    let pool_back = format!("{pool}\nthen δ = ∂C/∂a {TIMES_SLOPE}");
    let fc_back = format!("δ = Wᵀδ {TIMES_SLOPE}");
    [
        "δ = p − y".to_string(),
        fc_back.clone(),
        fc_back,
        "∂C/∂a = Wᵀδ, unflattened".to_string(),
        pool_back.clone(),
        "∂C/∂a = full_convolve(δ, w)".to_string(),
        pool_back,
    ]
}

fn style(px: f64, color: RGBColor, h: HPos) -> TextStyle<'static> {
    font(px).color(&color).pos(Pos::new(h, VPos::Center))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Text, one line per `\n`, the lines centred on `y` together.
fn lines(area: &Area, text: &str, (x, y): (i32, i32), px: f64, color: RGBColor, h: HPos) -> DrawResult {
    let step = px as i32 + 4;
    let n = text.split('\n').count() as i32;
    for (k, line) in text.split('\n').enumerate() {
        let at = (x, y - (n - 1) * step / 2 + k as i32 * step);
        area.draw(&Text::new(line.to_string(), at, style(px, color, h)))?;
    }
    Ok(())
}

/// A vertical arrow from `y0` to `y1` at `x`, head at `y1`.
fn arrow(area: &Area, x: i32, y0: i32, y1: i32, color: RGBColor) -> DrawResult {
    let dir = if y1 > y0 { 1 } else { -1 };
    area.draw(&PathElement::new(vec![(x, y0), (x, y1 - dir * 6)], color.stroke_width(2)))?;
    area.draw(&Polygon::new(vec![(x, y1), (x - 5, y1 - dir * 9), (x + 5, y1 - dir * 9)], color.filled()))?;
    Ok(())
}

/// The height of a stage's picture.
fn picture_height(holds: Shape) -> i32 {
    match holds {
        Shape::Maps { channels, side } => side as i32 * PIXEL + (channels.min(MAX_SHEETS) as i32 - 1) * SHEET_STEP,
        Shape::Vector { .. } => 12,
    }
}

/// The picture of one stage, centred at (`x`, `y`): stacked sheets for
/// feature maps (at most six shown), a bar one pixel per unit for a vector.
fn draw_stage(area: &Area, holds: Shape, (x, y): (i32, i32)) -> DrawResult {
    let fill = RGBColor(222, 235, 247);
    let edge = RGBColor(8, 48, 107);
    let sheet = |x0: i32, y0: i32, w: i32, h: i32| -> DrawResult {
        area.draw(&Rectangle::new([(x0, y0), (x0 + w, y0 + h)], fill.filled()))?;
        area.draw(&Rectangle::new([(x0, y0), (x0 + w, y0 + h)], edge.stroke_width(1)))?;
        Ok(())
    };
    match holds {
        Shape::Maps { channels, side } => {
            let s = side as i32 * PIXEL;
            let sheets = channels.min(MAX_SHEETS) as i32;
            let extent = s + (sheets - 1) * SHEET_STEP;
            let (x0, y0) = (x - extent / 2, y - extent / 2);
            for k in (0..sheets).rev() {
                sheet(x0 + k * SHEET_STEP, y0 + (sheets - 1 - k) * SHEET_STEP, s, s)?;
            }
            Ok(())
        }
        Shape::Vector { units } => {
            let units = units as i32;
            sheet(x - units / 2, y - 6, units, 12)
        }
    }
}

/// LeNet-5 as `arch` builds it, one stage per row from the input down to the
/// loss: each layer's output with its shape; on the left the forward pass
/// running down (black: what each step computes); on the right the backward
/// pass running up (red: δ = ∂C/∂z, or ∂C/∂a where a pooling output or the
/// flatten receives it, with the σ′(z) that turns ∂C/∂a into δ), and in green
/// the parameter gradients each layer reads off its δ. It is a text column
/// wide, so its labels are legible where the book shows it.
pub fn lenet_diagram(arch: &Arch) -> Svg {
    let forward = forward_labels(arch);
    let backward = backward_labels(arch);
    // Row k (0…7 the stages, 8 the loss) is centred at centers[k].
    let heights: Vec<i32> =
        STAGES.iter().map(|s| (picture_height(s.output) + 8).max(MIN_ROW)).chain([MIN_ROW]).collect();
    let mut centers = Vec::with_capacity(heights.len());
    let mut y = TOP;
    for h in &heights {
        centers.push(y + h / 2);
        y += h + GAP;
    }
    let height = (y - GAP + 16) as u32;
    let (top_of, bottom_of) = (|k: usize| centers[k] - heights[k] / 2, |k: usize| centers[k] + heights[k] / 2);
    draw_svg(COLUMN, height, |area| {
        let mid = COLUMN as i32 / 2;
        lines(
            area,
            "LeNet-5: the forward pass runs down, the backward pass up",
            (mid, 18),
            TITLE_PX,
            BLACK,
            HPos::Center,
        )?;
        lines(area, "forward", (FORWARD_X - 6, 48), LABEL_PX, FORWARD, HPos::Left)?;
        lines(area, "backward: δ = ∂C/∂z, ∂C/∂a", (BACKWARD_X - 6, 44), LABEL_PX, BACKWARD, HPos::Left)?;
        lines(area, "parameter gradients", (BACKWARD_X - 6, 62), LABEL_PX, GRADS_INK, HPos::Left)?;
        for (k, stage) in STAGES.iter().enumerate() {
            let y = centers[k];
            draw_stage(area, stage.output, (PICTURE_X, y))?;
            lines(area, &stage_name(k), (NAME_X, y - 9), NAME_PX, BLACK, HPos::Left)?;
            lines(area, &stage.output.text(), (NAME_X, y + 10), LABEL_PX, SHAPE, HPos::Left)?;
            if !GRADS[k].is_empty() {
                lines(area, GRADS[k], (BACKWARD_X + LABEL_GAP, y), LABEL_PX, GRADS_INK, HPos::Left)?;
            }
        }
        // The loss closes the stack, as a labelled box.
        let loss_y = centers[8];
        area.draw(&Rectangle::new(
            [(PICTURE_X - 36, loss_y - 14), (PICTURE_X + 36, loss_y + 14)],
            BLACK.stroke_width(1),
        ))?;
        lines(area, "loss C", (PICTURE_X, loss_y), NAME_PX, BLACK, HPos::Center)?;
        // Forward: stage k → k + 1 (the last into the loss), down the left.
        for (k, label) in forward.iter().enumerate() {
            let (y0, y1) = (bottom_of(k) + 4, top_of(k + 1) - 4);
            arrow(area, FORWARD_X, y0, y1, FORWARD)?;
            lines(area, label, (FORWARD_X + LABEL_GAP, (y0 + y1) / 2), LABEL_PX, FORWARD, HPos::Left)?;
        }
        // Backward: the loss → the logits → … → conv1 (the input needs no δ).
        for (k, label) in backward.iter().enumerate() {
            let (from, to) = (8 - k, 7 - k);
            let (y0, y1) = (top_of(from) - 4, bottom_of(to) + 4);
            arrow(area, BACKWARD_X, y0, y1, BACKWARD)?;
            lines(area, label, (BACKWARD_X + LABEL_GAP, (y0 + y1) / 2), LABEL_PX, BACKWARD, HPos::Left)?;
        }
        Ok(())
    })
}
