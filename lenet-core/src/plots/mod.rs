//! The derivations' pictures as SVG: a graph of scalars and the small fully
//! connected network as computational graphs with every value and gradient,
//! the three operations of a 1-D convolution, the two convolutions
//! of the backward pass step by step, and heat maps (pooling windows,
//! kernels, feature maps, a confusion matrix).
//!
//! Every function returns an [`Svg`], a string of SVG text. The SVG backend of
//! plotters writes labels as `<text>` elements and leaves the font to the
//! viewer, so no font files are needed to draw. In a notebook an `Svg` shows
//! itself (`evcxr_display`). The `lenet` crate adds the training pictures
//! (curves, the LeNet-5 diagram) on the same helpers, and saving to a file.
//!
//! Legibility: the book shows a figure as an image scaled down to its text
//! column, [`COLUMN`] pixels wide. Every figure is laid out so that its
//! smallest text, times `min(1, COLUMN / width)`, is at least [`SMALLEST`]
//! pixels: figures are at most about a column wide, and wider ones use larger
//! text.

mod fc_graph;
mod full_convolution;
mod graph;
mod heatmap;
mod kernel_grad;
mod one_d;
mod window;

pub use fc_graph::fc_graph;
pub use full_convolution::full_convolution_panels;
pub use graph::computational_graph;
pub use heatmap::{Panel, confusion, feature_maps, heatmap, heatmap_grid, kernels};
pub use kernel_grad::kernel_grad_panels;
pub use one_d::one_d_convolution;

use std::fmt;

/// SVG text of one picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Svg(pub String);

impl Svg {
    /// Shows the picture in an evcxr (Rust Jupyter) notebook.
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT", self.0);
    }

    /// The SVG text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs a drawing closure on a `width × height` SVG canvas with a white
/// background and returns the SVG text. (Public, with [`font`],
/// [`legible`], [`text_width`] and the inks, for the pictures of the
/// `lenet` crate.)
pub fn draw_svg(
    width: u32,
    height: u32,
    draw: impl FnOnce(
        &plotters::drawing::DrawingArea<plotters::prelude::SVGBackend, plotters::coord::Shift>,
    ) -> Result<(), Box<dyn std::error::Error>>,
) -> Svg {
    use plotters::prelude::*;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (width, height)).into_drawing_area();
        root.fill(&WHITE).expect("the SVG backend writes to a String and cannot fail");
        // The SVG backend only appends to a String; an error here would be a
        // plotters bug, not bad input, so it is reported by panicking.
        draw(&root).unwrap_or_else(|e| panic!("drawing SVG failed: {e}"));
        root.present().expect("the SVG backend writes to a String and cannot fail");
    }
    Svg(s)
}

/// The width of the book's text column in CSS pixels: an SVG shown there as
/// an image is scaled down to it. mdBook's content is at most 750 px wide
/// with 15 px of padding on each side; `scripts/check-book.py` measured the
/// figures at 721 px in a 1280-px window.
pub const COLUMN: u32 = 720;

/// The smallest text, in pixels, a figure may show once scaled to [`COLUMN`].
pub const SMALLEST: f64 = 11.0;

/// The ink of the forward pass (values) and of the backward pass (gradients),
/// the same in every picture: black going forward, red coming back.
pub const FORWARD_INK: plotters::style::RGBColor = plotters::style::RGBColor(30, 30, 30);
pub const BACKWARD_INK: plotters::style::RGBColor = plotters::style::RGBColor(178, 24, 43);

/// A sans-serif font whose `<text>` says `font-size="px"`.
///
/// plotters' SVG backend writes a style's size divided by 1.24 as the
/// font size, so the style asks for 1.24 times as much (nudged by a few units
/// in the last place so the division gives `px` back exactly).
pub fn font(px: f64) -> plotters::style::FontDesc<'static> {
    use plotters::style::IntoFont;
    let mut size = px * 1.24;
    for _ in 0..8 {
        let back = size / 1.24;
        if back == px {
            break;
        }
        size = f64::from_bits(if back < px { size.to_bits() + 1 } else { size.to_bits() - 1 });
    }
    ("sans-serif", size).into_font()
}

/// A text size of at least `px` that stays legible in a figure `width`
/// pixels wide: at least [`SMALLEST`] once the figure is scaled to [`COLUMN`].
pub fn legible(px: f64, width: u32) -> f64 {
    px.max((SMALLEST * width as f64 / COLUMN as f64).ceil())
}

/// A generous estimate of the width of `text` in a sans-serif font of `px`
/// pixels (the SVG leaves the font to the viewer, so it cannot be measured):
/// 0.62 em a character, enough for the digits and letters of DejaVu Sans.
pub fn text_width(text: &str, px: f64) -> i32 {
    (text.chars().count() as f64 * 0.62 * px).ceil() as i32
}
