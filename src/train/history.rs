//! [`History`]: what each epoch of training measured, saved as `history.json`.

use crate::data::HeldOut;
use crate::matrix;
use crate::plots::{self, Svg};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The measurements of one epoch.
///
/// `train_loss` and `train_accuracy` are averaged over the epoch's minibatches
/// as they were trained on (each with the weights of that moment), which costs
/// nothing extra; `held_out_loss` and `held_out_accuracy` are measured on the
/// whole held-out split (validation or test set, as [`History::held_out`]
/// says) with the weights at the end of the epoch.
///
/// Files written before the held-out split had its name call these two
/// `test_loss` and `test_accuracy`; those names are still read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Epoch number, counting from 1.
    pub epoch: usize,
    /// Mean softmax cross-entropy over the epoch's training images.
    pub train_loss: f64,
    /// Fraction of training images classified correctly during the epoch.
    pub train_accuracy: f64,
    /// Mean softmax cross-entropy over the held-out split.
    #[serde(alias = "test_loss")]
    pub held_out_loss: f64,
    /// Fraction of the held-out split classified correctly.
    #[serde(alias = "test_accuracy")]
    pub held_out_accuracy: f64,
    /// Wall-clock seconds spent training the epoch (evaluation excluded).
    pub seconds: f64,
    /// Training images per second of the epoch.
    pub images_per_second: f64,
}

/// One [`EpochStats`] per finished epoch, in order, and what they were
/// measured on.
///
/// ```text
/// { "held_out": "validation", "epochs": [ { "epoch": 1, "train_loss": …, "train_accuracy": …,
///   "held_out_loss": …, "held_out_accuracy": …, "seconds": …, "images_per_second": … }, … ] }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The split each epoch was measured on: validation set or test set.
    /// Absent from files written before it was recorded, which are read as
    /// [`HeldOut::Test`], the name they used (a checkpoint's loader corrects
    /// it from the data the checkpoint records).
    #[serde(default)]
    pub held_out: HeldOut,
    pub epochs: Vec<EpochStats>,
}

impl History {
    /// An empty history of epochs to be measured on `held_out`.
    pub fn new(held_out: HeldOut) -> History {
        History { held_out, epochs: Vec::new() }
    }

    /// The last finished epoch, if any.
    pub fn last(&self) -> Option<&EpochStats> {
        self.epochs.last()
    }

    /// Total training seconds over all epochs; 0 (not −0) when there are
    /// none: `Sum` for `f64` starts from −0.0, which prints as "-0.0 s".
    pub fn total_seconds(&self) -> f64 {
        self.epochs.iter().fold(0.0, |sum, e| sum + e.seconds)
    }

    /// The history as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("History has only numbers and names")
    }

    /// Training and held-out loss per epoch, drawn ([`plots::loss_curves`]),
    /// the held-out line named after its split.
    pub fn loss_curves(&self) -> Svg {
        let (train, held_out): (Vec<f64>, Vec<f64>) =
            self.epochs.iter().map(|e| (e.train_loss, e.held_out_loss)).unzip();
        plots::loss_curves(&train, &held_out, self.held_out.name())
    }

    /// Training and held-out accuracy per epoch, drawn in percent
    /// ([`plots::accuracy_curves`]), the held-out line named after its split.
    pub fn accuracy_curves(&self) -> Svg {
        let (train, held_out): (Vec<f64>, Vec<f64>) =
            self.epochs.iter().map(|e| (e.train_accuracy, e.held_out_accuracy)).unzip();
        plots::accuracy_curves(&train, &held_out, self.held_out.name())
    }

    /// The per-epoch table: epoch, training loss and accuracy, and the loss
    /// and accuracy on the held-out split, headed by its name (`validation
    /// loss`, `test accuracy`, …). Only numbers a seed determines, so a
    /// notebook's output stays the same from run to run; [`History::timed_table`]
    /// adds the timings. Prints as aligned text; a notebook shows it as an
    /// HTML table.
    pub fn table(&self) -> EpochTable {
        self.table_with(false)
    }

    /// [`History::table`] with each epoch's training seconds and images per
    /// second: the table `lenet train` prints.
    pub fn timed_table(&self) -> EpochTable {
        self.table_with(true)
    }

    fn table_with(&self, timings: bool) -> EpochTable {
        let name = self.held_out.name();
        let mut heading: Vec<String> = vec![
            "epoch".into(),
            "train loss".into(),
            "train accuracy".into(),
            format!("{name} loss"),
            format!("{name} accuracy"),
        ];
        if timings {
            heading.extend(["seconds".into(), "images/s".into()]);
        }
        let rows = self.epochs.iter().map(|e| {
            let mut row = vec![
                e.epoch.to_string(),
                format!("{:.4}", e.train_loss),
                format!("{:.2}%", 100.0 * e.train_accuracy),
                format!("{:.4}", e.held_out_loss),
                format!("{:.2}%", 100.0 * e.held_out_accuracy),
            ];
            if timings {
                row.extend([format!("{:.2}", e.seconds), format!("{:.0}", e.images_per_second)]);
            }
            row
        });
        EpochTable { rows: std::iter::once(heading).chain(rows).collect() }
    }
}

/// A history's per-epoch table ([`History::table`]): a heading row, then
/// one row per epoch, every cell already formatted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochTable {
    /// The heading first, then the epochs in order.
    pub rows: Vec<Vec<String>>,
}

impl EpochTable {
    /// The table as HTML (the heading is the first row, like the notebooks'
    /// other tables).
    pub fn to_html(&self) -> String {
        matrix::html_table(&self.rows)
    }

    /// Shows the table as HTML when it is the value of a notebook cell (the
    /// evcxr kernel calls this method by name).
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT", self.to_html());
    }
}

impl fmt::Display for EpochTable {
    /// Every column right-aligned to its widest cell, two spaces apart, one
    /// line per row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns = self.rows.first().map_or(0, Vec::len);
        let width = |j: usize| self.rows.iter().filter_map(|r| r.get(j)).map(|c| c.chars().count()).max();
        let widths: Vec<usize> = (0..columns).map(|j| width(j).unwrap_or(0)).collect();
        for row in &self.rows {
            let cells: Vec<String> = row.iter().zip(&widths).map(|(c, &w)| format!("{c:>w$}")).collect();
            writeln!(f, "{}", cells.join("  "))?;
        }
        Ok(())
    }
}
