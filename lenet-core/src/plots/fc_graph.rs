//! A two-layer fully connected network on one sample as a computational
//! graph, in the spirit of micrograd's `draw_dot`: every neuron a node with
//! its values and its gradients, every weight an edge with its value and its
//! gradient, and the cost at the end.

use super::{Svg, draw_svg, font, text_width};
use crate::activation::Activation;
use crate::{fc, loss};
use ndarray::Array2;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) const PX: f64 = 12.0;
pub(super) const LINE: i32 = 15;
pub(super) const PAD: i32 = 7;
pub(super) const GAP: i32 = 12;
pub(super) const MARGIN: i32 = 8;
pub(super) const NODE_GAP: i32 = 14;
const TOP: i32 = 54;

const VALUE: RGBColor = super::FORWARD_INK;
const GRADIENT: RGBColor = super::BACKWARD_INK;
pub(super) const EDGE: RGBColor = RGBColor(140, 140, 140);
pub(super) const NODE_FILL: RGBColor = RGBColor(240, 245, 252);
pub(super) const NODE_EDGE: RGBColor = RGBColor(8, 48, 107);

/// A number as the notebook's `show` prints it: four decimals.
fn num(v: f64) -> String {
    format!("{v:.4}")
}

fn superscript(n: usize) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string().chars().map(|d| DIGITS[d as usize - '0' as usize]).collect()
}

fn subscript(n: usize) -> String {
    const DIGITS: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    n.to_string().chars().map(|d| DIGITS[d as usize - '0' as usize]).collect()
}

/// A line of a node or an edge label, in the colour of a value or of a
/// gradient.
pub(super) struct Line {
    pub text: String,
    pub gradient: bool,
}

pub(super) fn value(text: String) -> Line {
    Line { text, gradient: false }
}

pub(super) fn gradient(text: String) -> Line {
    Line { text, gradient: true }
}

/// A box of lines, the first of which may be a bold heading.
pub(super) struct Node {
    pub heading: Option<String>,
    pub lines: Vec<Line>,
}

impl Node {
    fn rows(&self) -> i32 {
        self.lines.len() as i32 + i32::from(self.heading.is_some())
    }
    pub(super) fn height(&self) -> i32 {
        self.rows() * LINE + 2 * PAD
    }
    pub(super) fn width(&self) -> i32 {
        let texts = self.lines.iter().map(|l| l.text.as_str()).chain(self.heading.as_deref());
        texts.map(|t| text_width(t, PX)).max().unwrap_or(0) + 2 * PAD
    }
}

/// A placed box: left, top, width, height.
#[derive(Clone, Copy)]
pub(super) struct Placed {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Placed {
    pub(super) fn mid(&self) -> i32 {
        self.y + self.h / 2
    }
    pub(super) fn right(&self) -> i32 {
        self.x + self.w
    }
}

pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
pub(super) type DrawResult = Result<(), Box<dyn std::error::Error>>;

pub(super) fn draw_node(
    area: &Area,
    node: &Node,
    at: Placed,
    fill: RGBColor,
    edge: RGBColor,
    centred: bool,
) -> DrawResult {
    area.draw(&Rectangle::new([(at.x, at.y), (at.right(), at.y + at.h)], fill.filled()))?;
    area.draw(&Rectangle::new([(at.x, at.y), (at.right(), at.y + at.h)], edge.stroke_width(1)))?;
    let (x, h) = if centred { (at.x + at.w / 2, HPos::Center) } else { (at.x + PAD, HPos::Left) };
    let mut y = at.y + PAD + LINE / 2;
    if let Some(heading) = &node.heading {
        let style = font(PX).style(FontStyle::Bold).color(&VALUE).pos(Pos::new(h, VPos::Center));
        area.draw(&Text::new(heading.clone(), (x, y), style))?;
        y += LINE;
    }
    for line in &node.lines {
        let color = if line.gradient { GRADIENT } else { VALUE };
        area.draw(&Text::new(line.text.clone(), (x, y), font(PX).color(&color).pos(Pos::new(h, VPos::Center))))?;
        y += LINE;
    }
    Ok(())
}

/// An edge from `from` through a label's left and right ends to `to`, with
/// an arrow head at `to` (edges run left to right).
pub(super) fn draw_edge(area: &Area, from: (i32, i32), label: Option<(i32, i32, i32)>, to: (i32, i32)) -> DrawResult {
    let style = EDGE.stroke_width(1);
    let last = match label {
        Some((left, right, y)) => {
            area.draw(&PathElement::new(vec![from, (left, y)], style))?;
            (right, y)
        }
        None => from,
    };
    area.draw(&PathElement::new(vec![last, (to.0 - 7, to.1)], style))?;
    area.draw(&Polygon::new(vec![to, (to.0 - 8, to.1 - 4), (to.0 - 8, to.1 + 4)], EDGE.filled()))?;
    Ok(())
}

/// Stacks boxes of the given heights in a column, `gap` apart, centred on
/// `mid`; returns their tops.
pub(super) fn stack(heights: &[i32], gap: i32, mid: i32) -> Vec<i32> {
    let total: i32 = heights.iter().sum::<i32>() + gap * (heights.len() as i32 - 1).max(0);
    let mut y = mid - total / 2;
    heights
        .iter()
        .map(|h| {
            let top = y;
            y += h + gap;
            top
        })
        .collect()
}

/// The tops of the labels of one weight layer: the labels of the edges into
/// target i are grouped around target i's middle, in the order of the
/// sources, and pushed apart where groups would overlap.
fn label_tops(targets: &[Placed], sources: usize, label_h: i32) -> Vec<i32> {
    let mut tops = Vec::with_capacity(targets.len() * sources);
    for t in targets {
        let group = sources as i32 * label_h;
        for j in 0..sources as i32 {
            tops.push(t.mid() - group / 2 + j * label_h);
        }
    }
    for k in 1..tops.len() {
        tops[k] = tops[k].max(tops[k - 1] + label_h);
    }
    tops
}

/// The network of notebook 1, z¹ = W¹x + b¹, a¹ = σ(z¹), z² = W²a¹ + b²,
/// a² = σ(z²), C = ½‖a² − y‖², on one sample `x` (a column) with target `y`,
/// drawn as a computational graph in the spirit of micrograd's `draw_dot`:
/// the inputs, every neuron as a node with its values b, z, a (black) and its
/// gradients ∂C/∂a, δ = ∂C/∂z and ∂C/∂b (red), every weight as an edge
/// labelled with w and ∂C/∂w, and the cost node C. Values are rounded to 4
/// decimals, as the notebook's `show` prints them.
///
/// Everything is computed with the crate's layer functions, the ones the
/// notebook calls: [`fc::forward`], `act.apply`, [`loss::mse`],
/// [`fc::output_delta`], [`fc::input_grad`], [`fc::backprop_delta`],
/// [`fc::weight_grad`] and [`fc::bias_grad`]. It suits small networks (the
/// notebook's has 2 inputs, 3 hidden and 2 output neurons).
///
/// # Panics
/// If `x` is not one column, or the shapes do not chain (the layer functions
/// name the shapes).
pub fn fc_graph(
    x: &Array2<f64>,
    y: &Array2<f64>,
    w1: &Array2<f64>,
    b1: &Array2<f64>,
    w2: &Array2<f64>,
    b2: &Array2<f64>,
    act: Activation,
) -> Svg {
    assert_eq!(x.ncols(), 1, "fc_graph draws one sample, a column, but x is {}×{}", x.nrows(), x.ncols());
    // The forward pass.
    let z1 = fc::forward(w1, x, b1);
    let a1 = act.apply(&z1.0);
    let z2 = fc::forward(w2, &a1, b2);
    let a2 = act.apply(&z2.0);
    let (cost, grad_a2) = loss::mse(&a2, y);
    // The backward pass.
    let delta2 = fc::output_delta(&grad_a2, &z2, act);
    let grad_a1 = fc::input_grad(w2, &delta2);
    let delta1 = fc::backprop_delta(w2, &delta2, &z1, act);
    let (dw1, dw2) = (fc::weight_grad(&delta1, x), fc::weight_grad(&delta2, &a1));
    let (db1, db2) = (fc::bias_grad(&delta1), fc::bias_grad(&delta2));

    let inputs: Vec<Node> = (0..x.nrows())
        .map(|j| Node { heading: None, lines: vec![value(format!("x{} = {}", subscript(j + 1), num(x[(j, 0)])))] })
        .collect();
    let neuron =
        |kind: &str, i: usize, b: f64, z: f64, a: f64, target: Option<f64>, grad_a: f64, delta: f64, grad_b: f64| {
            let mut lines = vec![
                value(format!("b = {}", num(b))),
                value(format!("z = {}", num(z))),
                value(format!("a = {}", num(a))),
            ];
            lines.extend(target.map(|t| value(format!("y = {}", num(t)))));
            lines.push(gradient(format!("∂C/∂a = {}", num(grad_a))));
            lines.push(gradient(format!("δ = {}", num(delta))));
            lines.push(gradient(format!("∂C/∂b = {}", num(grad_b))));
            Node { heading: Some(format!("{kind} {}", i + 1)), lines }
        };
    let hidden: Vec<Node> = (0..z1.nrows())
        .map(|i| {
            neuron("hidden", i, b1[(i, 0)], z1[(i, 0)], a1[(i, 0)], None, grad_a1[(i, 0)], delta1[(i, 0)], db1[(i, 0)])
        })
        .collect();
    let outputs: Vec<Node> = (0..z2.nrows())
        .map(|i| {
            neuron(
                "output",
                i,
                b2[(i, 0)],
                z2[(i, 0)],
                a2[(i, 0)],
                Some(y[(i, 0)]),
                grad_a2[(i, 0)],
                delta2[(i, 0)],
                db2[(i, 0)],
            )
        })
        .collect();
    let cost_node = Node { heading: None, lines: vec![value(format!("C = {}", num(cost)))] };
    // The label of the edge of w^l_ij, from neuron j of layer l − 1 to
    // neuron i of layer l.
    let weight_labels = |layer: usize, w: &Array2<f64>, g: &Array2<f64>| -> Vec<Node> {
        w.indexed_iter()
            .map(|((i, j), &v)| Node {
                heading: None,
                lines: vec![
                    value(format!("w{}{}{} = {}", superscript(layer), subscript(i + 1), subscript(j + 1), num(v))),
                    gradient(format!("∂C/∂w = {}", num(g[(i, j)]))),
                ],
            })
            .collect()
    };
    let labels1 = weight_labels(1, w1, &dw1);
    let labels2 = weight_labels(2, w2, &dw2);

    // Columns left to right: inputs, W¹ labels, hidden, W² labels, outputs, C.
    let column_w = |nodes: &[Node]| nodes.iter().map(Node::width).max().unwrap_or(0);
    let widths = [
        column_w(&inputs),
        column_w(&labels1),
        column_w(&hidden),
        column_w(&labels2),
        column_w(&outputs),
        cost_node.width(),
    ];
    let mut lefts = [0; 6];
    let mut x0 = MARGIN;
    for (k, w) in widths.iter().enumerate() {
        lefts[k] = x0;
        x0 += w + GAP;
    }
    let width = x0 - GAP + MARGIN;
    let heights = |nodes: &[Node]| nodes.iter().map(Node::height).collect::<Vec<_>>();
    let column_h = |nodes: &[Node]| heights(nodes).iter().sum::<i32>() + NODE_GAP * (nodes.len() as i32 - 1);
    let label_h = labels1.first().map_or(0, Node::height) + 4;
    let tallest = column_h(&hidden).max(column_h(&outputs)).max(column_h(&inputs));
    let mid = TOP + tallest / 2;
    let place = |nodes: &[Node], k: usize| -> Vec<Placed> {
        let tops = stack(&heights(nodes), NODE_GAP, mid);
        nodes.iter().zip(tops).map(|(n, y)| Placed { x: lefts[k], y, w: widths[k], h: n.height() }).collect()
    };
    let (p_in, p_hidden, p_out) = (place(&inputs, 0), place(&hidden, 2), place(&outputs, 4));
    let p_cost = Placed { x: lefts[5], y: mid - cost_node.height() / 2, w: widths[5], h: cost_node.height() };
    let labels_at = |targets: &[Placed], sources: usize, k: usize| -> Vec<Placed> {
        label_tops(targets, sources, label_h)
            .into_iter()
            .map(|y| Placed { x: lefts[k], y, w: widths[k], h: label_h - 4 })
            .collect()
    };
    let (p_l1, p_l2) = (labels_at(&p_hidden, p_in.len(), 1), labels_at(&p_out, p_hidden.len(), 3));
    let bottom =
        [&p_in, &p_hidden, &p_out, &p_l1, &p_l2].iter().flat_map(|c| c.iter()).map(|p| p.y + p.h).max().unwrap_or(TOP);
    let height = bottom + MARGIN + 4;

    let title = [
        format!("{}-{}-{} network on one sample, σ = {}, C = ½‖a − y‖²", x.nrows(), z1.nrows(), z2.nrows(), act.name()),
        "values black (forward), gradients red (backward), δ = ∂C/∂z".to_string(),
    ];
    draw_svg(width as u32, height as u32, |area| {
        for (k, t) in title.iter().enumerate() {
            let style = font(PX + 1.0).color(&BLACK).pos(Pos::new(HPos::Center, VPos::Center));
            area.draw(&Text::new(t.clone(), (width / 2, 14 + k as i32 * 18), style))?;
        }
        // Where the edges into a node end: spread along its left side.
        let end = |to: &Placed, j: usize, n: usize| (to.x, to.mid() + (2 * j as i32 - n as i32 + 1) * 5);
        for (sources, targets, labels) in [(&p_in, &p_hidden, &p_l1), (&p_hidden, &p_out, &p_l2)] {
            for (k, l) in labels.iter().enumerate() {
                let (i, j) = (k / sources.len(), k % sources.len());
                let (from, to) = (&sources[j], &targets[i]);
                draw_edge(
                    area,
                    (from.right(), from.mid()),
                    Some((l.x, l.right(), l.mid())),
                    end(to, j, sources.len()),
                )?;
            }
        }
        for (i, o) in p_out.iter().enumerate() {
            draw_edge(area, (o.right(), o.mid()), None, end(&p_cost, i, p_out.len()))?;
        }
        for (node, at) in inputs.iter().zip(&p_in) {
            draw_node(area, node, *at, NODE_FILL, NODE_EDGE, true)?;
        }
        for (node, at) in hidden.iter().zip(&p_hidden).chain(outputs.iter().zip(&p_out)) {
            draw_node(area, node, *at, NODE_FILL, NODE_EDGE, false)?;
        }
        for (node, at) in labels1.iter().zip(&p_l1).chain(labels2.iter().zip(&p_l2)) {
            draw_node(area, node, *at, WHITE, EDGE, true)?;
        }
        draw_node(area, &cost_node, p_cost, RGBColor(255, 240, 240), GRADIENT, true)?;
        Ok(())
    })
}
