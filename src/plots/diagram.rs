//! LeNet-5 at a glance: the layers with their shapes, the forward pass along
//! the top, the backward pass (what δ becomes at each step) along the bottom,
//! and the parameter gradients each layer reads off its δ.

use super::{Svg, draw_svg};
use crate::model::{Activation, Arch, Pooling};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What a stage holds: `channels` feature maps of `side × side`, or a vector.
#[derive(Clone, Copy)]
enum Holds {
    Maps { channels: usize, side: i32 },
    Vector { units: i32 },
}

struct Stage {
    name: &'static str,
    shape: &'static str,
    holds: Holds,
    /// The parameter gradients read off this layer's δ (none for pooling).
    grads: &'static str,
}

const STAGES: [Stage; 8] = [
    Stage { name: "input", shape: "1×28×28", holds: Holds::Maps { channels: 1, side: 28 }, grads: "" },
    Stage { name: "conv1", shape: "6×28×28", holds: Holds::Maps { channels: 6, side: 28 }, grads: "∂C/∂w = a ⋆ δ, ∂C/∂b = Σδ" },
    Stage { name: "pool1", shape: "6×14×14", holds: Holds::Maps { channels: 6, side: 14 }, grads: "" },
    Stage { name: "conv2", shape: "16×10×10", holds: Holds::Maps { channels: 16, side: 10 }, grads: "∂C/∂w = a ⋆ δ, ∂C/∂b = Σδ" },
    Stage { name: "pool2", shape: "16×5×5", holds: Holds::Maps { channels: 16, side: 5 }, grads: "" },
    Stage { name: "fc1", shape: "120", holds: Holds::Vector { units: 120 }, grads: "∂C/∂W = δaᵀ, ∂C/∂b = δ" },
    Stage { name: "fc2", shape: "84", holds: Holds::Vector { units: 84 }, grads: "∂C/∂W = δaᵀ, ∂C/∂b = δ" },
    Stage { name: "fc3 (logits)", shape: "10", holds: Holds::Vector { units: 10 }, grads: "∂C/∂W = δaᵀ, ∂C/∂b = δ" },
];

const SLOT: i32 = 150;
const LEFT: i32 = 20;
const MID: i32 = 150;
const FORWARD_Y: i32 = 66;
const BACKWARD_Y: i32 = 262;
const FORWARD: RGBColor = RGBColor(30, 30, 30);
const BACKWARD: RGBColor = RGBColor(178, 24, 43);
const GRADS: RGBColor = RGBColor(20, 110, 60);

fn activation_name(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "ReLU",
        Activation::Sigmoid => "sigmoid",
        Activation::Tanh => "tanh",
    }
}

/// The labels of the seven forward steps between stages, then the loss.
fn forward_labels(arch: &Arch) -> [String; 8] {
    let f = activation_name(arch.activation);
    let pool = match arch.pooling {
        Pooling::Max => "max over 2×2",
        Pooling::Mean => "mean over 2×2",
    };
    [
        format!("5×5 conv, pad 2\nthen {f}"),
        pool.to_string(),
        format!("5×5 conv\nthen {f}"),
        pool.to_string(),
        format!("flatten, Wa + b\nthen {f}"),
        format!("Wa + b\nthen {f}"),
        "Wa + b".to_string(),
        "softmax\nC = −ln p_y".to_string(),
    ]
}

/// What δ becomes on each backward step, from the loss down to conv1
/// (`labels[k]` sits on the arrow into stage `7 − k`, the loss's first).
fn backward_labels(arch: &Arch) -> [String; 7] {
    let pool = match arch.pooling {
        Pooling::Max => "δ to each argmax",
        Pooling::Mean => "δ/4 to each entry",
    };
    [
        "δ = p − y".to_string(),
        "Wᵀδ ⊙ f′(z)".to_string(),
        "Wᵀδ ⊙ f′(z)".to_string(),
        "Wᵀδ, unflattened".to_string(),
        format!("{pool}\nthen ⊙ f′(z)"),
        "full_convolve(δ, w)".to_string(),
        format!("{pool}\nthen ⊙ f′(z)"),
    ]
}

fn center(i: usize) -> i32 {
    LEFT + SLOT / 2 + i as i32 * SLOT
}

fn text_style(size: u32, color: RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&color).pos(Pos::new(HPos::Center, VPos::Center))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Centred text, one line per `\n`, the first line at `y`.
fn lines(area: &Area, text: &str, x: i32, y: i32, size: u32, color: RGBColor) -> DrawResult {
    for (k, line) in text.split('\n').enumerate() {
        area.draw(&Text::new(line.to_string(), (x, y + k as i32 * (size as i32 + 3)), text_style(size, color)))?;
    }
    Ok(())
}

/// A horizontal arrow from `x0` to `x1` at height `y`, head at `x1`.
fn arrow(area: &Area, x0: i32, x1: i32, y: i32, color: RGBColor) -> DrawResult {
    let dir = if x1 > x0 { 1 } else { -1 };
    area.draw(&PathElement::new(vec![(x0, y), (x1 - dir * 6, y)], color.stroke_width(2)))?;
    area.draw(&Polygon::new(vec![(x1, y), (x1 - dir * 8, y - 5), (x1 - dir * 8, y + 5)], color.filled()))?;
    Ok(())
}

/// The picture of one stage, centred at (`x`, MID).
fn draw_stage(area: &Area, holds: Holds, x: i32) -> DrawResult {
    let fill = RGBColor(222, 235, 247);
    let edge = RGBColor(8, 48, 107);
    match holds {
        Holds::Maps { channels, side } => {
            // Three pixels per entry; at most six sheets, offset diagonally.
            let s = side * 3;
            let sheets = channels.min(6) as i32;
            let step = 5;
            let extent = s + (sheets - 1) * step;
            let (x0, y0) = (x - extent / 2, MID - extent / 2);
            for k in (0..sheets).rev() {
                let (sx, sy) = (x0 + k * step, y0 + (sheets - 1 - k) * step);
                area.draw(&Rectangle::new([(sx, sy), (sx + s, sy + s)], fill.filled()))?;
                area.draw(&Rectangle::new([(sx, sy), (sx + s, sy + s)], edge.stroke_width(1)))?;
            }
            Ok(())
        }
        Holds::Vector { units } => {
            let (w, h) = (14, units.max(12));
            let (x0, y0) = (x - w / 2, MID - h / 2);
            area.draw(&Rectangle::new([(x0, y0), (x0 + w, y0 + h)], fill.filled()))?;
            area.draw(&Rectangle::new([(x0, y0), (x0 + w, y0 + h)], edge.stroke_width(1)))?;
            Ok(())
        }
    }
}

/// LeNet-5 as `arch` builds it: every layer with its output shape, the
/// forward pass along the top (black), the backward pass along the bottom
/// (red: what δ becomes at each step), and in green the parameter gradients
/// each layer reads off its δ.
pub fn lenet_diagram(arch: &Arch) -> Svg {
    let width = (LEFT * 2 + SLOT * 9) as u32;
    let height = 350;
    let forward = forward_labels(arch);
    let backward = backward_labels(arch);
    draw_svg(width, height, |area| {
        let title = "LeNet-5: forward pass (top, black), backward pass (bottom, red), parameter gradients (green)";
        area.draw(&Text::new(title, (width as i32 / 2, 16), text_style(14, BLACK)))?;
        for (i, stage) in STAGES.iter().enumerate() {
            let x = center(i);
            draw_stage(area, stage.holds, x)?;
            lines(area, stage.name, x, 218, 13, BLACK)?;
            lines(area, stage.shape, x, 234, 11, RGBColor(90, 90, 90))?;
            if !stage.grads.is_empty() {
                let text = stage.grads.replace(", ", "\n");
                lines(area, &text, x, 312, 11, GRADS)?;
            }
        }
        // The loss sits in a ninth slot, as a label.
        let loss_x = center(8);
        lines(area, "loss C", loss_x, MID, 13, BLACK)?;
        // Forward: stage i → i + 1, and the logits → the loss.
        for (i, label) in forward.iter().enumerate() {
            let (from, to) = (center(i) + 8, center(i + 1) - 8);
            arrow(area, from, to, FORWARD_Y, FORWARD)?;
            lines(area, label, (from + to) / 2, 34, 11, FORWARD)?;
        }
        // Backward: the loss → the logits → … → conv1 (the input needs no δ).
        for (k, label) in backward.iter().enumerate() {
            let (from, to) = (center(8 - k) - 8, center(7 - k) + 8);
            arrow(area, from, to, BACKWARD_Y, BACKWARD)?;
            lines(area, label, (from + to) / 2, BACKWARD_Y + 16, 11, BACKWARD)?;
        }
        Ok(())
    })
}
