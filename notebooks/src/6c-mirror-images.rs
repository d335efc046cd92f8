// -*- coding: utf-8 -*-
// ---
// jupyter:
//   jupytext:
//     text_representation:
//       extension: .rs
//       format_name: percent
//       format_version: '1.3'
//       jupytext_version: 1.19.7
//   kernelspec:
//     display_name: Rust
//     language: rust
//     name: rust
// ---

// %% [markdown]
// # 6.2 Mirror images and test-time averaging
//
// [Section 6.1](training-well.md) distorted every training digit in ways that
// keep it the same digit. This section looks at one distortion that does not
// keep a digit a digit, the mirror image, and at a second use of augmentation:
// not in training, but when the trained network answers.
//
// *Reading time: about 10 minutes, plus a few seconds of training. You will:*
// - *see which classes survive a mirror and which do not;*
// - *average a network's answers for an image and its mirror image, and see
//   why the averaged classifier cannot tell left from right;*
// - *measure what that does to digits.*

// %% [markdown]
// The first code cell is the set-up of chapter 6 (fast code, `:opt 3`),
// because this section trains one network.

// %%
// :dep lenet = { path = "..", default-features = false }
// :preserve_vars_on_panic 0
// :cache 500
// :build_env CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false
// :build_env CARGO_PROFILE_DEV_OVERFLOW_CHECKS=false
// :opt 3

// %%
use lenet::augment::{self, Augment, Elastic};
use lenet::data::{self, Dataset, Source};
use lenet::ndarray::{s, Array2};
use lenet::plots::{heatmap_grid, Panel};
use lenet::train::{self, LrSchedule, Silent, TestTime, TrainConfig};
let split = data::load(&Source::Embedded).expect("the embedded digits");
/// Image `i` of `d` as a 28×28 array, grey levels in [0, 1].
fn image(d: &Dataset, i: usize) -> Array2<f32> {
    d.batch::<f32>(&[i]).0.slice(s![0, 0, .., ..]).to_owned()
}
println!("{} training digits, {} validation digits", split.train.len(), split.test.len());

// %% [markdown]
// ## Mirror images: for clothes, not digits
//
// `lenet::augment` has a fourth distortion, left out of every run of section
// 6.1 on purpose. `mirror` turns an image left to right, $x'_{ij} = x_{i,\,27-j}$, in
// half of the draws. A shirt, a sandal or a bag seen in a mirror is still a
// shirt, a sandal or a bag, so for Fashion-MNIST's clothes it adds a second
// picture of every training image for nothing. A digit in a mirror is mostly
// no digit at all, as the first digit of each class shows, each above its
// mirror image:

// %%
{
    let firsts: Vec<usize> = (0..10)
        .map(|d| (0..split.test.len()).find(|&i| split.test.label(i) == d).expect("every digit"))
        .collect();
    let mut panels: Vec<Panel> = firsts.iter().map(|&i| Panel::new(format!("a {}", split.test.label(i)), image(&split.test, i).view())).collect();
    for &i in &firsts {
        panels.push(Panel::new("mirrored", augment::mirror(image(&split.test, i).view()).view()));
    }
    heatmap_grid("The first validation digit of each class, and its mirror image", &panels, 10)
}

// %% [markdown]
// The same symmetry can be used a second time, when the network answers.
// **Test-time augmentation** classifies an image by more than one view of it.
// With `TestTime::Mirror` (`--test-time mirror` on the command line) the
// logits of an image $x$ and of its mirror image $\widetilde{x}$ are averaged,
//
// $$\bar z(x) = \tfrac12\bigl(z(x) + z(\widetilde{x})\bigr),$$
//
// and the class with the largest $\bar z$ is the answer. Mirroring twice gives
// the image back, so $\bar z(\widetilde{x}) = \bar z(x)$, exactly: the averaged
// classifier cannot tell left from right any more. A network trained with
// mirrored images has learnt both orientations, and each of its two answers
// is wrong on some images where the other is right; the average cancels part
// of those errors. The README reports what that adds on Fashion-MNIST's test
// set. Training is not changed at all: only the final answer is.

// %% [markdown]
// The network to try it on is section 6.1's best: 20 epochs on the cosine
// schedule with the elastic distortion and weight decay $5 \cdot 10^{-4}$,
// from seed 1 (the same settings give the same network, bit for bit).

// %%
let out_dir = std::env::temp_dir().join(format!("lenet-mirror-images-{}", std::process::id()));
let config = TrainConfig {
    augment: Augment { elastic: Some(Elastic::default()), ..Augment::none() },
    epochs: 20,
    lr_schedule: LrSchedule::Cosine,
    threads: 2,
    out_dir: out_dir.clone(),
    ..TrainConfig::default()
};
let elastic = train::train(&config, &split, &mut Silent).expect("training").model;
std::fs::remove_dir_all(&out_dir).expect("the run folder");

// %% [markdown]
// Evaluated both ways on the 2,000 validation digits:

// %%
{
    println!("{} with λ = {}, on the validation digits:", config.augment, config.weight_decay);
    for test_time in [TestTime::Plain, TestTime::Mirror] {
        let e = train::evaluate_with(&elastic, &split.test, None, 2, test_time);
        println!("  test time {test_time:6}: accuracy {:.2}% ({} wrong), loss {:.4}",
                 100.0 * e.accuracy(), e.total - e.correct, e.loss);
    }
};

// %% [markdown]
// On digits the averaging costs several points of validation accuracy (the
// two accuracies above). This network never saw a mirrored digit, so its answer
// for a mirror image is a guess about a shape that is no digit, and that
// guess makes up half of every averaged answer. Trained with mirrored digits
// instead, it would have had to learn that a 2 and its mirror image are the
// same digit, which they are not. Whether an image and its mirror image
// belong to the same class is a fact about the data, not about the network,
// and test-time augmentation is one more setting to choose on validation
// images, like the settings of section 6.1: for clothes it pays, for digits it
// does not.
