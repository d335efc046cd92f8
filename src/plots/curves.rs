//! Line charts over epochs: loss and accuracy of training and of the
//! held-out split (validation or test set).

use super::{Svg, draw_svg, font};
use plotters::prelude::*;

/// One named line of a chart: y values at x = 1, 2, 3, … (the epochs).
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        Series { name: name.into(), values }
    }
}

/// The colours of the series, in order.
const COLORS: [RGBColor; 4] =
    [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(148, 103, 189)];

/// A line chart of several series against the epoch, with a point on each
/// value (so a one-epoch run still shows) and a legend naming the series.
///
/// Non-finite values are left out of the lines and the axis range. The
/// chart is 640 pixels wide with text of at least 13 pixels, legible at the
/// book's column width.
pub fn line_chart(title: &str, y_label: &str, series: &[Series]) -> Svg {
    let n = series.iter().map(|s| s.values.len()).max().unwrap_or(0).max(1);
    let finite = || series.iter().flat_map(|s| s.values.iter().copied()).filter(|v| v.is_finite());
    let lo = finite().fold(f64::INFINITY, f64::min);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    // A margin of 5% of the span, or of the value when all values are equal.
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.05 * hi.abs().max(1.0) };
    let (y0, y1) = (lo - pad, hi + pad);
    let (x0, x1) = (0.5, n as f64 + 0.5);
    // Rising curves end in the upper right corner, falling ones in the lower
    // right: put the legend in the other corner so it hides no point.
    let rising = series.iter().filter_map(|s| Some(*s.values.last()? > *s.values.first()?)).filter(|&r| r).count();
    let legend_corner =
        if 2 * rising > series.len() { SeriesLabelPosition::LowerRight } else { SeriesLabelPosition::UpperRight };
    draw_svg(640, 400, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, font(18.0))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(y_label)
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .x_labels(n.min(10) + 1)
            .x_label_formatter(&|x| {
                // Epochs are whole numbers; the axis has ticks in between.
                if (x - x.round()).abs() < 1e-9 { format!("{}", x.round() as i64) } else { String::new() }
            })
            .draw()?;
        // Epoch i + 1 is value i.
        draw_lines_and_legend(&mut chart, series, |i, v| v.is_finite().then_some((i as f64 + 1.0, v)), legend_corner)
    })
}

/// Draws each series as a line in its colour of [`COLORS`] with a dot on
/// every point, then the legend naming the series, framed, in `corner`.
/// `point(i, v)` places value `i` of a series, `v`, or leaves it out (`None`:
/// a value the axis has no place for). Shared by the epoch and layer charts.
pub(super) fn draw_lines_and_legend<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    series: &[Series],
    point: impl Fn(usize, f64) -> Option<(f64, f64)>,
    corner: SeriesLabelPosition,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (k, s) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let points: Vec<(f64, f64)> = s.values.iter().enumerate().filter_map(|(i, &v)| point(i, v)).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(corner)
        .label_font(font(13.0))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Training and held-out loss (mean cross-entropy) per epoch: `train` and
/// `held_out` hold one value per epoch, epoch 1 first, and `held_out_name`
/// names the second line in the legend (`validation` or `test`;
/// `train::History::loss_curves` passes a run's).
pub fn loss_curves(train: &[f64], held_out: &[f64], held_out_name: &str) -> Svg {
    line_chart(
        "Loss",
        "mean cross-entropy",
        &[Series::new("train", train.to_vec()), Series::new(held_out_name, held_out.to_vec())],
    )
}

/// Training and held-out accuracy per epoch, given as fractions (0 to 1) and
/// drawn in percent, the second line named `held_out_name`
/// (`train::History::accuracy_curves` passes a run's).
pub fn accuracy_curves(train: &[f64], held_out: &[f64], held_out_name: &str) -> Svg {
    let percent = |a: &[f64]| a.iter().map(|v| 100.0 * v).collect();
    line_chart(
        "Accuracy",
        "accuracy (%)",
        &[Series::new("train", percent(train)), Series::new(held_out_name, percent(held_out))],
    )
}
