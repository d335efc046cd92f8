//! Pictures as SVG. The derivations' pictures (the fully connected network
//! as a graph, the two convolutions of the backward pass, heat maps) are
//! `lenet_core::plots`, re-exported here with the helpers they share; this
//! module adds LeNet-5's forward and backward pass at a glance
//! ([`lenet_diagram`]), loss and accuracy curves, per-layer sizes on a log
//! scale ([`layer_chart`]), and [`save_svg`].

mod curves;
mod diagram;
mod layers;

pub use curves::{Series, accuracy_curves, line_chart, loss_curves};
pub use diagram::lenet_diagram;
pub use layers::layer_chart;
pub use lenet_core::plots::*;

use std::path::Path;

/// Writes `svg` to `path` through a temporary file and a rename, so a reader
/// never sees half a picture.
pub fn save_svg(path: impl AsRef<Path>, svg: &Svg) -> std::io::Result<()> {
    crate::io::write_atomic(path.as_ref(), svg.0.as_bytes())
}
