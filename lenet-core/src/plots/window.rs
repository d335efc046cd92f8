//! A small matrix sliding over a grid, drawn one position at a time: the
//! picture behind both convolutions of the backward pass. Each panel shows
//! the grid (zero padding in grey), the sliding matrix laid over it at one
//! position (orange, each cell naming the entry that lies there), the
//! products that meet, and the entry of the result they add up to.

use super::{COLUMN, Svg, draw_svg, font, legible, text_width};
use ndarray::Array2;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One position of the sliding matrix.
pub(super) struct Step {
    /// The panel's title, the entry computed here, e.g. `∂C/∂a₂₂`.
    pub title: String,
    /// The sliding matrix's top-left corner on the grid (row, column).
    pub at: (usize, usize),
    /// The products that meet, e.g. `δ₁₁·w₂₂ = 1·4 = 4`.
    pub terms: Vec<String>,
    /// The result, e.g. `∂C/∂a₂₂ = 6`.
    pub result: String,
}

/// The whole picture: a heading, the grid, the sliding matrix and its steps.
pub(super) struct Slide {
    /// Lines of text above the panels.
    pub heading: Vec<String>,
    /// The values under the sliding matrix (for the full convolution, δ
    /// padded with zeros).
    pub grid: Array2<f64>,
    /// Which cells of the grid hold data; the others are zero padding.
    pub data: Array2<bool>,
    /// The names of the sliding matrix's entries as they lie on the grid
    /// (for the full convolution, w turned by 180°).
    pub window: Array2<String>,
    /// One step per entry of the result, row by row.
    pub steps: Vec<Step>,
    /// The shape of the result: the panels are laid out in this grid when
    /// it fits the column, and wrap row by row when it does not.
    pub shape: (usize, usize),
}

/// A number as the notebooks print it: whole numbers without decimals,
/// others with at most four.
pub(super) fn number(v: f64) -> String {
    let v = v + 0.0; // −0 prints as 0
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A factor of a product: negative numbers in parentheses.
fn factor(v: f64) -> String {
    let s = number(v);
    if s.starts_with('-') { format!("({s})") } else { s }
}

/// One product term: `x·y = 1·(-2) = -2`.
pub(super) fn term(x: &str, y: &str, xv: f64, yv: f64) -> String {
    format!("{x}·{y} = {}·{} = {}", factor(xv), factor(yv), number(xv * yv))
}

const CELL: i32 = 38;
const PAD: i32 = 10;
const GAP: i32 = 14;
const MARGIN: i32 = 12;
const HEADING_PX: f64 = 14.0;
const TITLE_PX: f64 = 15.0;
const VALUE_PX: f64 = 14.0;
const NAME_PX: f64 = 12.0;
const TERM_PX: f64 = 13.0;
const TERM_LINE: i32 = 18;

const PADDING: RGBColor = RGBColor(236, 236, 236);
const RULE: RGBColor = RGBColor(190, 190, 190);
const WINDOW: RGBColor = RGBColor(230, 115, 0);
const WINDOW_FILL: RGBColor = RGBColor(255, 226, 190);
const WINDOW_INK: RGBColor = RGBColor(170, 75, 0);
const RESULT: RGBColor = RGBColor(8, 48, 107);

fn style(px: f64, color: RGBColor, h: HPos) -> TextStyle<'static> {
    font(px).color(&color).pos(Pos::new(h, VPos::Center))
}

/// Draws `slide`: its heading, then one framed panel per step.
pub(super) fn draw(slide: &Slide) -> Svg {
    let (rows, cols) = slide.grid.dim();
    let (kh, kw) = slide.window.dim();
    let (grid_w, grid_h) = (cols as i32 * CELL, rows as i32 * CELL);
    let most_terms = slide.steps.iter().map(|s| s.terms.len()).max().unwrap_or(0) as i32;
    let widest_text = slide
        .steps
        .iter()
        .flat_map(|s| {
            s.terms
                .iter()
                .map(|t| text_width(t, TERM_PX))
                .chain([text_width(&s.title, TITLE_PX), text_width(&s.result, TITLE_PX)])
        })
        .max()
        .unwrap_or(0);
    let panel_w = 2 * PAD + grid_w.max(widest_text);
    let title_h = 24;
    let panel_h = PAD + title_h + grid_h + 12 + most_terms * TERM_LINE + 6 + 22 + PAD;
    // The result's grid when it fits the column, else as many as fit a row.
    let fits = ((COLUMN as i32 - 2 * MARGIN + GAP) / (panel_w + GAP)).max(1) as usize;
    let per_row = slide.shape.1.min(fits).max(1);
    let panel_rows = slide.steps.len().div_ceil(per_row) as i32;
    let heading_h = slide.heading.len() as i32 * 20 + 10;
    let heading_w = slide.heading.iter().map(|h| text_width(h, HEADING_PX)).max().unwrap_or(0);
    let width = (2 * MARGIN + per_row as i32 * (panel_w + GAP) - GAP).max(2 * MARGIN + heading_w) as u32;
    let height = (MARGIN + heading_h + panel_rows * (panel_h + GAP) - GAP + MARGIN) as u32;
    // Only a grid wider than the column makes the figure wider: then the
    // text grows so it still reads at column width.
    let px = |p: f64| legible(p, width);
    draw_svg(width, height, |area| {
        for (k, line) in slide.heading.iter().enumerate() {
            let at = (MARGIN, MARGIN + 10 + k as i32 * 20);
            area.draw(&Text::new(line.clone(), at, style(px(HEADING_PX), BLACK, HPos::Left)))?;
        }
        for (n, step) in slide.steps.iter().enumerate() {
            let (r, c) = ((n / per_row) as i32, (n % per_row) as i32);
            let x = MARGIN + c * (panel_w + GAP);
            let y = MARGIN + heading_h + r * (panel_h + GAP);
            area.draw(&Rectangle::new([(x, y), (x + panel_w, y + panel_h)], RULE.stroke_width(1)))?;
            let bold = |p: f64, color: RGBColor| {
                font(px(p)).style(FontStyle::Bold).color(&color).pos(Pos::new(HPos::Center, VPos::Center))
            };
            area.draw(&Text::new(
                step.title.clone(),
                (x + panel_w / 2, y + PAD + title_h / 2 - 2),
                bold(TITLE_PX, BLACK),
            ))?;
            // The grid, centred in the panel.
            let gx = x + (panel_w - grid_w) / 2;
            let gy = y + PAD + title_h;
            let cell = |i: usize, j: usize| (gx + j as i32 * CELL, gy + i as i32 * CELL);
            let inside = |i: usize, j: usize| {
                (step.at.0..step.at.0 + kh).contains(&i) && (step.at.1..step.at.1 + kw).contains(&j)
            };
            for ((i, j), &v) in slide.grid.indexed_iter() {
                let (cx, cy) = cell(i, j);
                let fill = if inside(i, j) {
                    WINDOW_FILL
                } else if slide.data[(i, j)] {
                    WHITE
                } else {
                    PADDING
                };
                area.draw(&Rectangle::new([(cx, cy), (cx + CELL, cy + CELL)], fill.filled()))?;
                area.draw(&Rectangle::new([(cx, cy), (cx + CELL, cy + CELL)], RULE.stroke_width(1)))?;
                let ink = if slide.data[(i, j)] { BLACK } else { RGBColor(120, 120, 120) };
                let value_y = if inside(i, j) { cy + 12 } else { cy + CELL / 2 };
                area.draw(&Text::new(number(v), (cx + CELL / 2, value_y), style(px(VALUE_PX), ink, HPos::Center)))?;
                if inside(i, j) {
                    let name = &slide.window[(i - step.at.0, j - step.at.1)];
                    area.draw(&Text::new(
                        name.clone(),
                        (cx + CELL / 2, cy + 28),
                        style(px(NAME_PX), WINDOW_INK, HPos::Center),
                    ))?;
                }
            }
            let (wx, wy) = cell(step.at.0, step.at.1);
            area.draw(&Rectangle::new(
                [(wx, wy), (wx + kw as i32 * CELL, wy + kh as i32 * CELL)],
                WINDOW.stroke_width(3),
            ))?;
            // The products that meet, then what they add up to.
            let ty = gy + grid_h + 12 + TERM_LINE / 2;
            for (k, t) in step.terms.iter().enumerate() {
                let at = (x + PAD, ty + k as i32 * TERM_LINE);
                area.draw(&Text::new(t.clone(), at, style(px(TERM_PX), BLACK, HPos::Left)))?;
            }
            let ry = y + panel_h - PAD - 11;
            area.draw(&Text::new(
                step.result.clone(),
                (x + PAD, ry),
                font(px(TITLE_PX)).style(FontStyle::Bold).color(&RESULT).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    })
}
