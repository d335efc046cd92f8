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
// # 6. Training LeNet
//
// *Reading time: about 20 minutes, plus a few seconds of training. You will:*
// - *train the LeNet-5 of chapter 5 on 8,000 handwritten digits with minibatch
//   SGD, momentum and weight decay, and watch loss and accuracy per epoch;*
// - *look at what the network learned: its first-layer kernels, its feature
//   maps and its mistakes;*
// - *follow δ backwards through one real digit the trained network gets wrong.*
//
// Chapter 5 assembled LeNet-5 by hand and pushed one digit through it, forward
// and backward. Training repeats that backward pass many thousands of times:
// take 64 images, compute the mean loss and its gradient by backpropagation,
// step every parameter against it, repeat. Here it runs on the 8,000
// handwritten digits compiled into the crate, and is measured on 2,000 others it
// never trains on. The network is the modern LeNet-5 of chapter 5's table (ReLU
// and max pooling), computed by the crate's fast path, which
// `tests/fast_vs_readable.rs` checks against the readable one.

// %% [markdown]
// The first code cell is the set-up of every notebook, with one difference:
// this time the build is asked for fast code, because training runs millions
// of multiply-adds per image. `:opt 3` asks for full optimisation, and the two
// `:build_env` lines turn off the debugging checks that the kernel otherwise
// builds into every dependency, so the training below runs at the speed of
// `cargo run --release`. The book's appendix on reading the Rust here explains
// each of these lines.

// %%
// :dep lenet = { path = "..", default-features = false }
// :preserve_vars_on_panic 0
// :cache 500
// :build_env CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false
// :build_env CARGO_PROFILE_DEV_OVERFLOW_CHECKS=false
// :opt 3
use lenet::data::{self, Source, DIGIT_CLASSES};
use lenet::model::Arch;
use lenet::ndarray::{s, Axis};
use lenet::plots::{self, heatmap_grid, Panel};
use lenet::train::{self, Silent, TrainConfig};
use lenet::Matrix;
let split = data::load(&Source::Embedded).expect("the embedded digits");

// %% [markdown]
// The whole network on one page: the forward pass, and, in red, what the
// gradient becomes at each step on the way back, each step one of the earlier
// chapters (the δ recursion of chapter 1, the full convolution of
// chapter 2, the routing through pooling and the gate of ReLU of chapter 3);
// in green, the gradients each layer with parameters reads off its δ.

// %%
plots::lenet_diagram(&Arch::modern())

// %% [markdown]
// ## The data
//
// Each image is 28×28 grey levels, scaled to $[0, 1]$. The 2,000 digits held
// out of training are the **validation** digits, as in chapter 5 and in
// `lenet train --help`; the code calls the held-out part of a data set `test`
// (for MNIST it is the official test set), so the outputs below say "test".
// They are a validation set all the same: this chapter looks at them after
// every epoch, and a set that guides the choices made in training can no longer
// give an unbiased final score. The first eight training images with their
// labels:

// %%
println!("{} training images, {} test images", split.train.len(), split.test.len());

// %%
let (first, first_labels) = split.train.batch::<f32>(&(0..8).collect::<Vec<_>>());
let panels: Vec<Panel> = (0..8)
    .map(|i| Panel::new(format!("label {}", first_labels[i]), first.slice(s![i, 0, .., ..])))
    .collect();
heatmap_grid("Training images", &panels, 8)

// %% [markdown]
// ## Training
//
// Eight passes over the training set (the crate's default is ten), with the
// crate's other default settings: batches of
// 64, learning rate $\eta = 0.02$ shrinking by a factor 0.8 per epoch, momentum 0.9
// (each step keeps 0.9 of the previous one, which smooths the noisy minibatch
// gradients), weight decay $5\cdot10^{-4}$ (a pull of every weight towards zero), two
// threads and a fixed seed, so the run is the same every time.
//
// The eight epochs run in three cells (three epochs, three more, the last two),
// so each cell stays short and the accuracy can be watched as it climbs. The
// first trains a fresh model; after every epoch it saves a checkpoint (the
// weights, the momentum, the epoch reached and the history so far) into
// `out_dir`.

// %%
let config = TrainConfig {
    epochs: 3,
    out_dir: std::env::temp_dir().join("lenet-notebook-training"),
    ..TrainConfig::default()
};
let first = train::train(&config, &split, &mut Silent).expect("training");
println!("test accuracy after {} epochs: {:.2}%", first.history.epochs.len(), 100.0 * first.test.accuracy());

// %% [markdown]
// `train::resume` picks the run up from that checkpoint and continues it to a
// given number of epochs in total, with the learning rate still shrinking on
// schedule. Because the checkpoint holds everything the next step depends on,
// the result is the same, bit for bit, as eight epochs in one go
// (`tests/train.rs` checks this), which is also what `lenet train --resume` does
// after an interrupted run.

// %%
let second = train::resume(&first.checkpoint, Some(6), None, &split, &mut Silent).expect("training");
println!("test accuracy after {} epochs: {:.2}%", second.history.epochs.len(), 100.0 * second.test.accuracy());

// %%
let outcome = train::resume(&second.checkpoint, Some(8), None, &split, &mut Silent).expect("training");
println!("test accuracy after {} epochs: {:.2}%", outcome.history.epochs.len(), 100.0 * outcome.test.accuracy());

// %% [markdown]
// > [!TIP]
// > **Try it.** Train the classic LeNet instead, with tanh and mean pooling:
// > add `arch: Arch::classic(),` to the `TrainConfig` above (a few epochs are
// > enough to compare). Then raise the learning rate. With `lr: 0.5` training
// > stalls at chance: the loss stays near $\ln 10 \approx 2.30$ and about one digit
// > in ten is right. (A common cause: big first steps push many ReLUs to where
// > $\sigma'(z) = 0$ for every image, and no gradient gets through them any more.) With `lr: 50.0` the
// > loss becomes NaN within the first epoch, and `train::train` stops with an
// > error naming the epoch and batch. (Measured with `lenet train --lr 0.5
// > --epochs 3`: validation accuracy 11.25 %; `--lr 50`: NaN at batch 24 of epoch 1.)

// %% [markdown]
// How long it took on this machine (this cell's output changes from run to run,
// so the notebook tests leave it out of their comparison):

// %% tags=["nbval-ignore-output"]
let seconds = outcome.history.total_seconds();
println!("{seconds:.1} s of training, {:.0} images per second",
         (outcome.history.epochs.len() * split.train.len()) as f64 / seconds);

// %% [markdown]
// Loss and accuracy per epoch. The training numbers are averaged over the
// minibatches as they were trained on; the validation numbers are measured at the end of
// each epoch.

// %%
let rows: Vec<[String; 5]> = std::iter::once(["epoch", "train loss", "train accuracy", "test loss", "test accuracy"].map(String::from))
    .chain(outcome.history.epochs.iter().map(|e| [
        e.epoch.to_string(),
        format!("{:.4}", e.train_loss),
        format!("{:.2}%", 100.0 * e.train_accuracy),
        format!("{:.4}", e.test_loss),
        format!("{:.2}%", 100.0 * e.test_accuracy),
    ]))
    .collect();
Matrix::from_rows(&rows)

// %%
outcome.history.loss_curves()

// %%
outcome.history.accuracy_curves()

// %% [markdown]
// The training loss falls in every epoch, but the validation loss does not: it
// is lowest after epoch 7 (0.0818) and rises to 0.0908 in epoch 8, while the
// validation accuracy drops from 97.45% to 97.25%. The network is starting to
// fit its 8,000 training digits more closely than digits it has not seen
// (overfitting). With a validation set one keeps the weights of the best epoch
// (early stopping), or adds regularisation, and a final score would then come
// from a third set of digits that no choice has looked at.
//
// ## What the first layer learned
//
// The six 5×5 kernels of conv1. Each one is a small pattern detector: the
// convolution output is large where the image looks like the kernel (red weights
// reward ink, blue ones punish it), so they come out as strokes and edges of
// various directions.

// %%
plots::kernels(outcome.model.params.conv1_w.view())

// %% [markdown]
// ## Feature maps
//
// The first validation image and what the two convolution layers make of it (after
// ReLU): six maps of 28×28, then sixteen of 10×10 that respond to combinations of
// the first layer's strokes.

// %%
train::report::feature_maps_of(&outcome.model, &split.test, 0)

// %% [markdown]
// ## The confusion matrix
//
// Row $t$, column $p$ counts the validation images of digit $t$ that the network called $p$;
// the diagonal holds the right answers.

// %%
plots::confusion(&outcome.test.confusion, &DIGIT_CLASSES)

// %% [markdown]
// ## δ flowing backwards through one digit
//
// Finally, one real digit through the *readable* network, which keeps every
// intermediate value, forward and backward. At the output
// $\delta = p - y$: the predicted probabilities minus the one-hot label. For a
// digit the network already gets right with confidence, $p \approx y$ and δ is
// almost zero everywhere: nothing to learn. So we take the first validation digit it
// gets wrong.

// %%
let (wrong, predicted) = train::report::first_mistake(&outcome.model, &split.test, 2).expect("a misclassified digit");
println!("test image {wrong}: label {}, predicted {predicted}", split.test.label(wrong));

// %% [markdown]
// `train::report::trace_of` runs that one image through `LeNet::trace`, the
// readable network, and keeps everything it computes (chapter 5 built the
// same pass by hand).

// %%
let trace = train::report::trace_of(&outcome.model, &split.test, wrong);
plots::heatmap(&trace.x.slice(s![0, 0, .., ..]).to_owned(), "the digit")

// %%
let probs = Matrix::from_fn(2, 10, |r, k| if r == 0 { k.to_string() } else { format!("{:.3}", trace.probs[(k, 0)]) });
println!("probabilities; loss −log p_label = {:.4}", trace.loss);
probs

// %%
Matrix::from_fn(2, 10, |r, k| if r == 0 { k.to_string() } else { format!("{:.3}", trace.delta_fc3[(k, 0)]) })

// %% [markdown]
// Going back, $\delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l)$ through fc2 and fc1,
// then into the flattened pool2 output, through max pooling (only the recorded
// maxima receive anything) and ReLU (only where the activation was positive), and
// through the convolutions as full convolutions, exactly the steps chapter 5 took
// by hand. The size of the gradient at every layer:

// %%
/// Root mean square and the share of non-zero entries of a gradient.
fn size_of<'a>(v: impl Iterator<Item = &'a f32> + Clone) -> [String; 2] {
    let n = v.clone().count() as f64;
    let rms = (v.clone().map(|&x| (x as f64) * (x as f64)).sum::<f64>() / n).sqrt();
    let nonzero = v.filter(|&&x| x != 0.0).count() as f64 / n;
    [format!("{rms:.2e}"), format!("{:.0}%", 100.0 * nonzero)]
}
let mut layers: Vec<[String; 4]> = vec![["gradient".into(), "shape".into(), "root mean square".into(), "non-zero".into()]];
for (name, shape, [rms, nonzero]) in [
    ("δ at fc3 (the logits)", "10", size_of(trace.delta_fc3.iter())),
    ("δ at fc2", "84", size_of(trace.delta_fc2.iter())),
    ("δ at fc1", "120", size_of(trace.delta_fc1.iter())),
    ("∂C/∂a at the pool2 output", "16×5×5", size_of(trace.dcost_dpool2.iter())),
    ("δ at conv2", "16×10×10", size_of(trace.delta_conv2.iter())),
    ("∂C/∂a at the pool1 output", "6×14×14", size_of(trace.dcost_dpool1.iter())),
    ("δ at conv1", "6×28×28", size_of(trace.delta_conv1.iter())),
] {
    layers.push([name.into(), shape.into(), rms, nonzero]);
};
Matrix::from_rows(&layers)

// %% [markdown]
// As pictures, one layer at a time (each picture has its own colour scale; red
// positive, blue negative, white zero). In δ of conv2 and conv1 only about one
// entry in eight is non-zero (the table above): max pooling passed the gradient
// on to one entry in four, and ReLU blocked it wherever the feature map was not positive. What remains outlines the strokes of
// the digit that the loss would like changed.

// %%
fn maps(t: &lenet::ndarray::Array4<f32>, name: &str) -> Vec<Panel> {
    t.index_axis(Axis(0), 0).outer_iter().enumerate()
        .map(|(k, m)| Panel::new(format!("{name} {}", k + 1), m))
        .collect()
}
heatmap_grid("∂C/∂a at the pool2 output", &maps(&trace.dcost_dpool2, "channel"), 8)

// %%
heatmap_grid("δ at conv2", &maps(&trace.delta_conv2, "channel"), 8)

// %%
heatmap_grid("∂C/∂a at the pool1 output", &maps(&trace.dcost_dpool1, "channel"), 6)

// %%
heatmap_grid("δ at conv1", &maps(&trace.delta_conv1, "channel"), 6)

// %% [markdown]
// > [!NOTE]
// > **Training in one box.** One step of minibatch SGD: run the forward and
// > backward pass of chapter 5 on $N$ = 64 images, average the parameter
// > gradients over them, then move every parameter against its gradient,
// > $W \leftarrow W - \eta\,\partial C/\partial W$. Momentum keeps a share of the previous step;
// > weight decay adds $\lambda\theta$ to the gradient of every parameter $\theta$. Accuracy is measured on
// > digits the network never trained on.
