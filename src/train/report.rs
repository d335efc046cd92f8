//! Looking into a trained model: the feature maps of an image, the readable
//! pass of one image, the first image it gets wrong.

use crate::data::Dataset;
use crate::model::{LeNet, Trace};
use crate::plots::{self, Svg};
use ndarray::{Axis, s};

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
