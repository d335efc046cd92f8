//! A line chart across the layers of the network, on a logarithmic scale:
//! per-layer sizes (an output's spread, a gradient's norm) that differ by
//! orders of magnitude between initialisations or activations.

use super::curves::{Series, draw_lines_and_legend};
use super::{Svg, draw_svg, font};
use plotters::prelude::*;

/// One line per series over the named layers (series value `k` belongs to
/// `layers[k]`), with a point on each value, the y axis logarithmic, and a
/// legend naming the series.
///
/// Values that are not positive and finite (a log scale has no place for
/// them, e.g. an exact 0 or an overflow) are left out of the lines and the
/// axis range. 640 pixels wide, text of at least 13 pixels.
pub fn layer_chart(title: &str, y_label: &str, layers: &[&str], series: &[Series]) -> Svg {
    let n = layers.len().max(1);
    let shown = |v: f64| v.is_finite() && v > 0.0;
    let values = || series.iter().flat_map(|s| s.values.iter().copied()).filter(|&v| shown(v));
    let lo = values().fold(f64::INFINITY, f64::min);
    let hi = values().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.1, 10.0) };
    // A margin of a factor of 2 either way, at least one decade in all, and
    // then room above the highest point for the legend (in the upper right),
    // so that it hides no point: a share of the height that grows with the
    // legend's lines.
    let (y0, y1) = (lo / 2.0, (hi * 2.0).max(lo * 10.0));
    let legend_share = (0.05 + 0.08 * series.len() as f64).min(0.5);
    let y1 = y1 * (y1 / y0).powf(legend_share / (1.0 - legend_share));
    let (x0, x1) = (-0.5, n as f64 - 0.5);
    let labels: Vec<String> = layers.iter().map(|s| s.to_string()).collect();
    draw_svg(640, 400, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, font(18.0))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("layer")
            .y_desc(y_label)
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .x_labels(2 * n + 1)
            .x_label_formatter(&|x| {
                // One label under each layer, none between.
                let k = x.round();
                if (x - k).abs() < 1e-9 && k >= 0.0 {
                    labels.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .draw()?;
        // Layer k is value k; the legend is in the room left above the points.
        draw_lines_and_legend(
            &mut chart,
            series,
            |k, v| shown(v).then_some((k as f64, v)),
            SeriesLabelPosition::UpperRight,
        )
    })
}
