//! A [`Graph`] of scalars drawn as micrograd's `draw_dot` draws one: every
//! value a box with its value and its gradient, every edge labelled with
//! what the backward pass sends along it.

use super::fc_graph::{
    EDGE, GAP, MARGIN, NODE_EDGE, NODE_FILL, NODE_GAP, Node, Placed, draw_edge, draw_node, gradient, stack, value,
};
use super::window::number;
use super::{Svg, draw_svg, font};
use crate::graph::{Gate, Graph, NodeId};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const TOP: i32 = 44;

/// The graph with `output` = f, after the backward pass from it (run here
/// on a copy, so the picture always shows ∂f/∂ of every node): one column
/// per depth (inputs first), each node a box with its definition (e.g.
/// `s = x + y`), its value (black) and ∂f/∂(it) (red); each edge from an
/// input u into a gate o labelled with the local gradient ∂o/∂u (black) and
/// what travels back along it, upstream × local = ∂f/∂o · ∂o/∂u (red). A
/// node that forks has several edges out, and its gradient is the sum of
/// their red numbers. Values print as the notebooks print them (whole
/// numbers without decimals, others with up to four). Suits graphs of a
/// handful of nodes; an edge that skips a column crosses it.
///
/// # Panics
/// If `output` is not a node of the graph.
pub fn computational_graph(graph: &Graph, output: NodeId) -> Svg {
    let mut g = graph.clone();
    g.backward(output);
    let n = g.nodes.len();
    let f = g.nodes[output].name.clone();
    // Depth: inputs 0, a gate one more than its deepest input.
    let mut depth = vec![0usize; n];
    for o in 0..n {
        depth[o] = g.nodes[o].inputs.iter().map(|&u| depth[u] + 1).max().unwrap_or(0);
    }
    let columns = depth.iter().max().map_or(1, |d| d + 1);
    let definition = |o: NodeId| -> String {
        let node = &g.nodes[o];
        let name = |k: usize| g.nodes[node.inputs[k]].name.clone();
        match node.gate {
            Gate::Input => node.name.clone(),
            Gate::Max => format!("{} = max({}, {})", node.name, name(0), name(1)),
            gate => format!("{} = {} {gate} {}", node.name, name(0), name(1)),
        }
    };
    let boxes: Vec<Node> = (0..n)
        .map(|o| {
            let node = &g.nodes[o];
            Node {
                heading: (node.gate != Gate::Input).then(|| definition(o)),
                lines: vec![
                    value(format!("{} = {}", node.name, number(node.value))),
                    gradient(format!("∂{f}/∂{} = {}", node.name, number(node.grad))),
                ],
            }
        })
        .collect();
    // One label per edge (u → o, the k-th input of o), in the order of o.
    let mut edges: Vec<(NodeId, NodeId, Node)> = Vec::new();
    for o in 0..n {
        let (up, locals) = (g.nodes[o].grad, g.local_grads(o));
        for (k, &u) in g.nodes[o].inputs.iter().enumerate() {
            let (on, un) = (&g.nodes[o].name, &g.nodes[u].name);
            let lines = vec![
                value(format!("∂{on}/∂{un} = {}", number(locals[k]))),
                gradient(format!("{} × {} = {}", number(up), number(locals[k]), number(up * locals[k]))),
            ];
            edges.push((u, o, Node { heading: None, lines }));
        }
    }
    // Columns: nodes of depth d in column 2d, the labels of the edges into
    // them in column 2d − 1.
    let mut widths = vec![0; 2 * columns - 1];
    for (o, b) in boxes.iter().enumerate() {
        widths[2 * depth[o]] = widths[2 * depth[o]].max(b.width());
    }
    for (_, o, l) in &edges {
        widths[2 * depth[*o] - 1] = widths[2 * depth[*o] - 1].max(l.width());
    }
    let mut lefts = vec![0; widths.len()];
    let mut x0 = MARGIN;
    for (k, w) in widths.iter().enumerate() {
        lefts[k] = x0;
        x0 += w + 2 * GAP;
    }
    let width = x0 - 2 * GAP + MARGIN;
    let mut placed = vec![Placed { x: 0, y: 0, w: 0, h: 0 }; n];
    let depths = &depth;
    let in_column = |d: usize| (0..n).filter(move |&o| depths[o] == d);
    let tallest = (0..columns)
        .map(|d| in_column(d).map(|o| boxes[o].height() + NODE_GAP).sum::<i32>())
        .chain([edges.len() as i32 * 40])
        .max()
        .unwrap_or(0);
    let mid = TOP + tallest / 2;
    for d in 0..columns {
        let ids: Vec<NodeId> = in_column(d).collect();
        let tops = stack(&ids.iter().map(|&o| boxes[o].height()).collect::<Vec<_>>(), NODE_GAP, mid);
        for (&o, y) in ids.iter().zip(tops) {
            placed[o] = Placed { x: lefts[2 * d], y, w: widths[2 * d], h: boxes[o].height() };
        }
    }
    // Labels: grouped around their target's middle, pushed apart downwards
    // where groups of one column would overlap.
    let label_h = edges.first().map_or(0, |(_, _, l)| l.height()) + 4;
    let mut labels: Vec<Placed> = Vec::with_capacity(edges.len());
    // Edge e is input rank[e] of `into[e]` edges into its gate.
    let (mut rank, mut into) = (Vec::new(), Vec::new());
    for (e, (_, o, _)) in edges.iter().enumerate() {
        into.push(edges.iter().filter(|x| x.1 == *o).count() as i32);
        rank.push(edges[..e].iter().filter(|x| x.1 == *o).count() as i32);
    }
    for (e, (_, o, _)) in edges.iter().enumerate() {
        let (rank, into) = (rank[e], into[e]);
        let mut y = placed[*o].mid() - into * label_h / 2 + rank * label_h;
        let column = 2 * depth[*o] - 1;
        for (k, other) in labels.iter().enumerate() {
            if 2 * depth[edges[k].1] - 1 == column {
                y = y.max(other.y + label_h);
            }
        }
        labels.push(Placed { x: lefts[column], y, w: widths[column], h: label_h - 4 });
    }
    let bottom = placed.iter().chain(&labels).map(|p| p.y + p.h).max().unwrap_or(TOP);
    let top = placed.iter().chain(&labels).map(|p| p.y).min().unwrap_or(TOP);
    let shift = TOP - top;
    let height = bottom + shift + MARGIN + 4;
    let title = [
        format!("backpropagation from {f}: values black, gradients ∂{f}/∂· red"),
        "on each edge: the local gradient, and upstream × local = what it sends back".to_string(),
    ];
    draw_svg(width as u32, height as u32, |area| {
        let down = |p: &Placed| Placed { y: p.y + shift, ..*p };
        for (k, t) in title.iter().enumerate() {
            let style = font(13.0).color(&BLACK).pos(Pos::new(HPos::Center, VPos::Center));
            area.draw(&Text::new(t.clone(), (width / 2, 12 + k as i32 * 17), style))?;
        }
        for (e, ((u, o, _), l)) in edges.iter().zip(&labels).enumerate() {
            let (from, to, l) = (down(&placed[*u]), down(&placed[*o]), down(l));
            // Edges into one box end apart along its left side.
            let spread = (2 * rank[e] - into[e] + 1) * 6;
            draw_edge(area, (from.right(), from.mid()), Some((l.x, l.right(), l.mid())), (to.x, to.mid() + spread))?;
        }
        for (o, (b, p)) in boxes.iter().zip(&placed).enumerate() {
            let fill = if o == output { RGBColor(255, 240, 240) } else { NODE_FILL };
            draw_node(area, b, down(p), fill, NODE_EDGE, false)?;
        }
        for ((_, _, l), p) in edges.iter().zip(&labels) {
            draw_node(area, l, down(p), WHITE, EDGE, true)?;
        }
        Ok(())
    })
}
