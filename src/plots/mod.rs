//! Pictures as SVG: LeNet-5's forward and backward pass at a glance, loss
//! and accuracy curves, kernels, feature maps, the confusion matrix and a
//! generic heat map.
//!
//! Every function returns an [`Svg`], a string of SVG text. The SVG backend of
//! plotters writes labels as `<text>` elements and leaves the font to the
//! viewer, so no font files are needed to draw. In a notebook an `Svg` shows
//! itself (`evcxr_display`); [`save_svg`] writes one to disk atomically.

mod curves;
mod diagram;
mod heatmap;

pub use curves::{accuracy_curves, line_chart, loss_curves, Series};
pub use diagram::lenet_diagram;
pub use heatmap::{confusion, feature_maps, heatmap, heatmap_grid, kernels, Panel};

use std::fmt;
use std::path::Path;

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

/// Writes `svg` to `path` through a temporary file and a rename, so a reader
/// never sees half a picture.
pub fn save_svg(path: impl AsRef<Path>, svg: &Svg) -> std::io::Result<()> {
    crate::io::write_atomic(path.as_ref(), svg.0.as_bytes())
}

/// Runs a drawing closure on a `width × height` SVG canvas with a white
/// background and returns the SVG text.
fn draw_svg(
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
