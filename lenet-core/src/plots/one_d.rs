//! The three operations of a 1-D convolution in one picture: the forward
//! pass, the input gradient (a full convolution) and the kernel gradient (a
//! valid correlation), each as a row of cells with the sliding row laid over
//! it once per output.

use super::window::number;
use super::{BACKWARD_INK, FORWARD_INK, Svg, draw_svg, font, text_width};
use crate::conv::one_d;
use crate::symbolic::Sym;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const PX: f64 = 12.0;
const CELL: i32 = 40;
const ROW: i32 = 24;
const MARGIN: i32 = 8;
const LABEL: i32 = 74;
const SLIDER: RGBColor = RGBColor(253, 208, 162);
const GRID: RGBColor = RGBColor(240, 245, 252);
const PADDING: RGBColor = RGBColor(225, 225, 225);

/// One of the three operations: the row under the slider, and the slider at
/// each position with the sum it gives.
struct Section {
    heading: String,
    label: String,
    /// The row's values and whether each is data (false: padding).
    row: Vec<(f64, bool)>,
    /// The slider's entries as they lie on the row (names).
    slider: Vec<String>,
    /// Per position: the result's formula with its value.
    results: Vec<String>,
    /// Whether the results are gradients (red) or values (black).
    backward: bool,
}

fn names(name: &str, n: usize) -> Vec<Sym> {
    (1..=n).map(|i| Sym::indexed(name, &[i])).collect()
}

/// z = correlate_valid(a, w), ∂C/∂a = correlate_valid(pad(δ, k−1), flip(w))
/// and ∂C/∂w = correlate_valid(a, δ) for an input `a` of n numbers, a kernel
/// `w` of k and the gradient `delta` = ∂C/∂z of n − k + 1 at the output.
/// Each section shows its row (the padding zeros grey), the sliding row
/// (orange, each cell naming the entry that lies there) at every position,
/// and at the right the entry it gives, as the symbolic sum of
/// [`one_d`] on symbols and its value from [`one_d`] on the numbers.
///
/// # Panics
/// If the kernel is empty or longer than `a`, or δ does not have
/// n − k + 1 entries.
pub fn one_d_convolution(a: &[f64], w: &[f64], delta: &[f64]) -> Svg {
    let z = one_d::correlate_valid(a, w);
    let (n, k) = (a.len(), w.len());
    assert_eq!(delta.len(), z.len(), "one_d_convolution: δ has {} entries, the output {}", delta.len(), z.len());
    let (sa, sw, sd) = (names("a", n), names("w", k), names("δ", delta.len()));
    let label = |v: &[Sym]| v.iter().map(Sym::to_string).collect::<Vec<_>>();
    let with = |lhs: String, f: &Sym, v: f64| format!("{lhs} = {f} = {}", number(v));
    let sub = |i: usize| Sym::indexed("", &[i]).to_string(); // the subscript alone
    // Entry i of a result: `lhs_i = formula = value`.
    let results = |lhs: &str, formulas: Vec<Sym>, values: Vec<f64>| -> Vec<String> {
        formulas.iter().zip(values).enumerate().map(|(i, (f, v))| with(format!("{lhs}{}", sub(i + 1)), f, v)).collect()
    };
    let forward = Section {
        heading: "forward: z = correlate_valid(a, w), w slides over a".to_string(),
        label: "a".to_string(),
        row: a.iter().map(|&v| (v, true)).collect(),
        slider: label(&sw),
        results: results("z", one_d::correlate_valid(&sa, &sw), z),
        backward: false,
    };
    let padded = one_d::pad(delta, k - 1);
    let input = Section {
        heading: format!("∂C/∂a = correlate_valid(pad(δ, {}), flip(w)): the full convolution", k - 1),
        label: format!("pad(δ, {})", k - 1),
        row: padded.iter().enumerate().map(|(j, &v)| (v, (k - 1..k - 1 + delta.len()).contains(&j))).collect(),
        slider: label(&one_d::flip(&sw)),
        results: results("∂C/∂a", one_d::input_grad(&sd, &sw), one_d::input_grad(delta, w)),
        backward: true,
    };
    let kernel = Section {
        heading: "∂C/∂w = correlate_valid(a, δ): δ slides over a, no padding, no flip".to_string(),
        label: "a".to_string(),
        row: a.iter().map(|&v| (v, true)).collect(),
        slider: label(&sd),
        results: results("∂C/∂w", one_d::kernel_grad(&sa, &sd), one_d::kernel_grad(a, delta)),
        backward: true,
    };
    let sections = [forward, input, kernel];
    let cells = sections.iter().map(|s| s.row.len() as i32).max().unwrap_or(0);
    let results_x = MARGIN + LABEL + cells * CELL + 14;
    let widest = |texts: &mut dyn Iterator<Item = &String>| texts.map(|t| text_width(t, PX)).max().unwrap_or(0);
    let results_w = widest(&mut sections.iter().flat_map(|s| &s.results));
    let heading_w = widest(&mut sections.iter().map(|s| &s.heading));
    let width = (results_x + results_w).max(MARGIN + heading_w) + MARGIN;
    let heights: Vec<i32> = sections.iter().map(|s| (s.results.len() as i32 + 2) * ROW + 14).collect();
    let height = heights.iter().sum::<i32>() + MARGIN;
    let text = |area: &super::fc_graph::Area, t: &str, at: (i32, i32), h: HPos, ink: RGBColor| {
        area.draw(&Text::new(t.to_string(), at, font(PX).color(&ink).pos(Pos::new(h, VPos::Center))))
    };
    draw_svg(width as u32, height as u32, |area| {
        let mut y = MARGIN;
        for (s, h) in sections.iter().zip(&heights) {
            let style = font(PX).style(FontStyle::Bold).color(&FORWARD_INK).pos(Pos::new(HPos::Left, VPos::Center));
            area.draw(&Text::new(s.heading.clone(), (MARGIN, y + ROW / 2), style))?;
            let cell = |area: &super::fc_graph::Area, j: usize, top: i32, fill: RGBColor, t: &str| {
                let x = MARGIN + LABEL + j as i32 * CELL;
                area.draw(&Rectangle::new([(x, top), (x + CELL, top + ROW)], fill.filled()))?;
                area.draw(&Rectangle::new([(x, top), (x + CELL, top + ROW)], RGBColor(120, 120, 120).stroke_width(1)))?;
                text(area, t, (x + CELL / 2, top + ROW / 2), HPos::Center, FORWARD_INK)
            };
            let top = y + ROW;
            text(area, &s.label, (MARGIN, top + ROW / 2), HPos::Left, FORWARD_INK)?;
            for (j, &(v, data)) in s.row.iter().enumerate() {
                cell(area, j, top, if data { GRID } else { PADDING }, &number(v))?;
            }
            for (i, result) in s.results.iter().enumerate() {
                let top = top + (i as i32 + 1) * ROW;
                for (p, name) in s.slider.iter().enumerate() {
                    cell(area, i + p, top, SLIDER, name)?;
                }
                let ink = if s.backward { BACKWARD_INK } else { FORWARD_INK };
                text(area, result, (results_x, top + ROW / 2), HPos::Left, ink)?;
            }
            y += h;
        }
        Ok(())
    })
}
