//! The files a finished run leaves in its folder: the model, the history
//! and the pictures.

use super::{Evaluation, History};
use crate::checkpoint;
use crate::data::Dataset;
use crate::model::{LeNet, Trace};
use crate::plots::{self, Svg};
use ndarray::{s, Axis};
use std::path::{Path, PathBuf};

/// File name of the final model inside the run folder.
pub const MODEL_FILE: &str = "model.json";

/// The feature-map picture of image `index` of `data`: the image, and the
/// activated outputs of conv1 and conv2 that [`LeNet::trace`] keeps.
pub fn feature_maps_of(model: &LeNet<f32>, data: &Dataset, index: usize) -> Svg {
    let t = trace_of(model, data, index);
    plots::feature_maps(t.x.slice(s![0, 0, .., ..]), t.conv1_a.index_axis(Axis(0), 0), t.conv2_a.index_axis(Axis(0), 0))
}

/// The readable forward and backward pass ([`LeNet::trace`]) of image
/// `index` of `data` alone, with every intermediate and every δ. A plain
/// `f32` function: a notebook cell calling it runs the pass compiled here,
/// instead of compiling the generic one again.
pub fn trace_of(model: &LeNet<f32>, data: &Dataset, index: usize) -> Trace<f32> {
    let (x, labels) = data.batch::<f32>(&[index]);
    model.trace(&x, &labels)
}

/// The first image of `data` that `model` classifies wrongly, as (index,
/// predicted class); `None` when it gets every image right.
pub fn first_mistake(model: &LeNet<f32>, data: &Dataset, threads: usize) -> Option<(usize, usize)> {
    let all: Vec<usize> = (0..data.len()).collect();
    let (x, labels) = data.batch::<f32>(&all);
    let predicted = model.predict(&x, threads);
    (0..labels.len()).find(|&i| predicted[i] != labels[i]).map(|i| (i, predicted[i]))
}

/// Writes `model.json`, `history.json` and the five pictures (`loss.svg`,
/// `accuracy.svg`, `kernels.svg`, `feature_maps.svg` of the first test image,
/// `confusion.svg`) into `dir`; returns the paths written.
///
/// # Errors
/// A message naming the file that could not be written.
pub fn write_run_files(
    dir: &Path,
    model: &LeNet<f32>,
    history: &History,
    test_set: &Dataset,
    test: &Evaluation,
    class_names: &[&str],
) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    let model_path = dir.join(MODEL_FILE);
    checkpoint::save(&model_path, model).map_err(|e| e.to_string())?;
    written.push(model_path);
    super::run::write_history(dir, history).map_err(|e| e.to_string())?;
    written.push(dir.join(super::HISTORY_FILE));
    let mut pictures = vec![
        ("loss.svg", plots::loss_curves(history)),
        ("accuracy.svg", plots::accuracy_curves(history)),
        ("kernels.svg", plots::kernels(model.params.conv1_w.view())),
        ("confusion.svg", plots::confusion(&test.confusion, class_names)),
    ];
    if !test_set.is_empty() {
        pictures.push(("feature_maps.svg", feature_maps_of(model, test_set, 0)));
    }
    for (name, svg) in pictures {
        let p = dir.join(name);
        plots::save_svg(&p, &svg).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        written.push(p);
    }
    Ok(written)
}
