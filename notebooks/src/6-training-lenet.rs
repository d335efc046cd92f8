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
// *Reading time: about 35 minutes, plus a minute or two of training. You will:*
// - *train the LeNet-5 of chapter 5 on 8,000 handwritten digits with minibatch
//   SGD, momentum and weight decay, and watch loss and accuracy per epoch;*
// - *look at what the network learned: its first-layer kernels, its feature
//   maps and its mistakes;*
// - *follow δ backwards through one real digit the trained network gets wrong;*
// - *measure, layer by layer, why the scale of the initial weights matters
//   (N(0, 1), 0.01·N(0, 1), Xavier and He) and train from each;*
// - *see how σ′ ≤ 1/4 for the sigmoid and ≤ 1 for tanh shrinks δ on its way
//   back, unlike ReLU, and count the ReLUs that died.*
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
// `lenet train --help`, and the outputs below call them so: the data set
// knows what its held-out split is (`split.held_out`, a validation set here, the
// official test set for MNIST), and the training history takes the name from
// it. The field that holds the held-out split is still called `test`
// (`split.test`, `outcome.test`). It is a validation set because this chapter
// looks at it after every epoch, and a set that guides the choices made in
// training can no longer give an unbiased final score. The first eight training
// images with their labels:

// %%
println!("{} training images, {} {} images", split.train.len(), split.test.len(), split.held_out);

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
println!("{} accuracy after {} epochs: {:.2}%", first.history.held_out, first.history.epochs.len(), 100.0 * first.test.accuracy());

// %% [markdown]
// `train::resume` picks the run up from that checkpoint and continues it to a
// given number of epochs in total, with the learning rate still shrinking on
// schedule. Because the checkpoint holds everything the next step depends on,
// the result is the same, bit for bit, as eight epochs in one go
// (`tests/train.rs` checks this), which is also what `lenet train --resume` does
// after an interrupted run.

// %%
let second = train::resume(&first.checkpoint, Some(6), None, &split, &mut Silent).expect("training");
println!("{} accuracy after {} epochs: {:.2}%", second.history.held_out, second.history.epochs.len(), 100.0 * second.test.accuracy());

// %%
let outcome = train::resume(&second.checkpoint, Some(8), None, &split, &mut Silent).expect("training");
println!("{} accuracy after {} epochs: {:.2}%", outcome.history.held_out, outcome.history.epochs.len(), 100.0 * outcome.test.accuracy());

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
// each epoch. `History::table` lays them out, each column headed by what it
// measured (it is the table `lenet train` prints, without the timings).

// %%
outcome.history.table()

// %%
outcome.history.loss_curves()

// %%
outcome.history.accuracy_curves()

// %% [markdown]
// The training loss falls in every epoch, but the validation loss does not: it
// is lowest after epoch 7 (0.0816) and rises to 0.0905 in epoch 8, while the
// validation accuracy drops from 97.40% to 97.25%. The network is starting to
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
// ## The scale of the initial weights
//
// Training starts from random weights, and how large they are matters before
// the first step is taken. A unit of a layer adds up $n_{\text{in}}$ products
// $w\,a$ (its *fan-in*: 25 for conv1, 6·25 = 150 for conv2, 400, 120 and 84
// for fc1 to fc3). With independent weights of mean 0 and variance
// $\operatorname{Var}(w)$,
// $$\operatorname{Var}(z) = n_{\text{in}} \operatorname{Var}(w)\, \mathbb{E}[a^2],$$
// so every layer multiplies the size of the signal by about
// $\sqrt{n_{\text{in}} \operatorname{Var}(w)}$. On the way back,
// $\delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l)$
// multiplies by the same weights, now summed over the *fan-out*
// $n_{\text{out}}$ (the outputs that read one input). Two classic choices keep
// these factors near 1:
//
// - **Xavier** (Glorot): $\operatorname{Var}(w) = 2/(n_{\text{in}} + n_{\text{out}})$, a compromise
//   between the forward ($n_{\text{in}}$) and backward ($n_{\text{out}}$) condition, for
//   units like tanh with $\sigma'(0) = 1$;
// - **He** (Kaiming): $\operatorname{Var}(w) = 2/n_{\text{in}}$. ReLU sets about half of its
//   inputs to zero, which halves $\mathbb{E}[a^2]$; the 2 makes up for it.
//
// `lenet::init` draws LeNet's weights from a normal distribution with one of
// four scales, $N(0, 1)$, $0.01 \cdot N(0, 1)$, Xavier or He, and zero biases
// (`init::params(Init::He, seed)`; the same seed gives the same weights). For
// each, `lenet::diagnostics::layer_stats` reads off a trace of 256 training
// digits, layer by layer: the standard deviation of the output $a^l$ over the
// batch, the size of $\delta^l$ (its norm per digit, $\sqrt{\text{mean}_n \lVert \delta^l_n \rVert^2}$), and the norm
// $\lVert \partial C/\partial W^l \rVert$ of the weight gradient that SGD steps by.
// First for the network of this chapter (ReLU and max pooling):

// %%
use lenet::activation::Activation;
use lenet::diagnostics::{layer_stats, LayerStats};
use lenet::init::{self, Init};
use lenet::model::{LeNet, Pooling};
use lenet::plots::{layer_chart, line_chart, Series};
const LAYERS: [&str; 5] = ["conv1", "conv2", "fc1", "fc2", "fc3"];
let (probe, probe_labels) = split.train.batch::<f64>(&(0..256).collect::<Vec<_>>());
/// The statistics of each layer of `arch` with weights drawn as `init` says.
fn at_init(arch: Arch, init: Init, x: &lenet::ndarray::Array4<f64>, labels: &[usize]) -> Vec<LayerStats> {
    let net = LeNet::from_params(arch, init::params(init, 1)).expect("LeNet's shapes");
    layer_stats(&arch, &net.trace(x, labels))
}
/// One row per layer and initialisation.
fn init_table(runs: &[(Init, Vec<LayerStats>)]) -> Matrix<String> {
    let head = ["init", "layer", "std of a", "‖δ‖ per digit", "‖∂C/∂W‖", "mean σ′(z)"].map(String::from);
    let rows = runs.iter().flat_map(|(init, stats)| stats.iter().map(move |s| [
        init.name(),
        s.layer.to_string(),
        format!("{:.2e}", s.output_std),
        format!("{:.2e}", s.delta_norm),
        format!("{:.2e}", s.weight_grad_norm),
        s.mean_slope.map_or("–".to_string(), |m| format!("{m:.3}")),
    ]));
    Matrix::from_rows(&std::iter::once(head).chain(rows).collect::<Vec<_>>())
}
let modern: Vec<(Init, Vec<LayerStats>)> =
    Init::COMPARED.iter().map(|&i| (i, at_init(Arch::modern(), i, &probe, &probe_labels))).collect();
init_table(&modern)

// %%
fn per_layer(runs: &[(Init, Vec<LayerStats>)], value: fn(&LayerStats) -> f64) -> Vec<Series> {
    runs.iter().map(|(i, stats)| Series::new(i.name(), stats.iter().map(value).collect())).collect()
}
layer_chart("Spread of each layer's output at initialisation", "std of a (log scale)", &LAYERS,
            &per_layer(&modern, |s| s.output_std))

// %%
layer_chart("Weight gradient per layer at initialisation", "‖∂C/∂W‖ (log scale)", &LAYERS,
            &per_layer(&modern, |s| s.weight_grad_norm))

// %% [markdown]
// Read each scale downwards. With $N(0, 1)$ every layer multiplies the spread
// by 9 to 16 (from 1.21 at conv1 to $3.2 \cdot 10^4$ at the logits), far beyond
// where the softmax gives anything but probabilities of 0 and 1; δ grows to $10^4$ at conv1, and
// every weight gradient is of order $10^4$, so a step of $\eta = 0.02$ moves
// each weight by hundreds. With $0.01 \cdot N(0, 1)$ it is the reverse: the
// spread falls by a factor of 6 to 11 per layer, to $3 \cdot 10^{-6}$ at the
// logits, so every digit gets $p \approx 1/10$; δ starts at its full size at
// fc3 but shrinks by the same small weights on its way back, and every weight
// gradient is about $2 \cdot 10^{-5}$: the steps change nothing. Xavier and He
// keep the spreads between 0.1 and 1.5 in every layer and δ between 0.37 and
// 1.22 (He, made for ReLU, keeps δ levellest: 1.02 to 1.22).
//
// The column of mean $\sigma'(z)$ is the same for all four, and the spreads of
// $N(0, 1)$ are exactly $100^l$ times those of $0.01 \cdot N(0, 1)$ at the
// $l$-th layer. That is no accident: the four draws share a seed, so each
// layer's weights are the same numbers times a different constant; with zero
// biases, ReLU and max pooling commute with a positive factor
// ($\max(0, cz) = c \max(0, z)$ for $c > 0$), so the signs of every $z$, and
// with them ReLU's gates, do not depend on the scale at all. Only the sizes do.
//
// With tanh and mean pooling (the classic LeNet) the same four scales fail
// differently, because tanh is bounded. This is chapter 1's *Try it* with the
// weights multiplied by 100, now in every layer at once:

// %%
let classic: Vec<(Init, Vec<LayerStats>)> =
    Init::COMPARED.iter().map(|&i| (i, at_init(Arch::classic(), i, &probe, &probe_labels))).collect();
init_table(&classic)

// %% [markdown]
// tanh is bounded, so with $N(0, 1)$ the outputs cannot blow up: their spread
// stays below 1 up to fc2. But they stay there by saturating. The mean of
// $\sigma'(z)$ falls to 0.151 at conv2 and 0.055 at fc1, against 0.97 to 0.98
// with Xavier: most units sit on the flat tails of tanh, where a change of
// weight hardly changes the output. That is chapter 1's exercise again: there,
// weights 100 times too large pushed the sigmoid to within $10^{-4}$ of 0 or 1.
// With $0.01 \cdot N(0, 1)$, tanh works in its linear middle
// ($\sigma'(z) = 1.000$ to three decimals) and fails exactly like the ReLU
// network at that scale: the signal vanishes, and so do the gradients
// ($5 \cdot 10^{-5}$).
//
// Now the same training run from each of the four starting points: the same
// seed, so the same minibatches in the same order (`train::train_from` takes
// the initial model; `config.seed` orders the batches), three epochs each, with
// the settings of the run above.

// %%
/// Trains `arch` from each initial scale for three epochs and returns the
/// runs' histories (or where each diverged).
fn train_each(arch: Arch, split: &lenet::data::Split) -> Vec<(Init, Result<train::History, String>)> {
    let config = TrainConfig { epochs: 3, ..TrainConfig::default() };
    Init::COMPARED.iter().enumerate().map(|(k, &i)| {
        let out_dir = std::env::temp_dir().join(format!("lenet-notebook-init-{}-{k}", arch.activation.name()));
        let net = LeNet::from_params(arch, init::params(i, config.seed)).expect("LeNet's shapes");
        let run = train::train_from(&TrainConfig { out_dir, ..config.clone() }, net, split, &mut Silent);
        (i, run.map(|o| o.history.clone()).map_err(|e| match e {
            lenet::Error::Diverged { epoch, batch, .. } => format!("diverged in epoch {epoch}, batch {batch}"),
            other => other.to_string(),
        }))
    }).collect()
}
fn accuracy_table(runs: &[(Init, Result<train::History, String>)]) -> Matrix<String> {
    let head = ["init", "train loss, epoch 1", "validation accuracy after epochs 1, 2, 3"].map(String::from);
    let rows = runs.iter().map(|(i, run)| match run {
        Ok(h) => [
            i.name(),
            format!("{:.4}", h.epochs[0].train_loss),
            h.epochs.iter().map(|e| format!("{:.2}%", 100.0 * e.held_out_accuracy)).collect::<Vec<_>>().join(", "),
        ],
        Err(e) => [i.name(), "–".into(), e.clone()],
    });
    Matrix::from_rows(&std::iter::once(head).chain(rows).collect::<Vec<_>>())
}
fn curves(runs: &[(Init, Result<train::History, String>)], title: &str) -> lenet::plots::Svg {
    let series: Vec<Series> = runs.iter().filter_map(|(i, run)| {
        let h = run.as_ref().ok()?;
        Some(Series::new(i.name(), h.epochs.iter().map(|e| 100.0 * e.held_out_accuracy).collect()))
    }).collect();
    line_chart(title, "validation accuracy (%)", &series)
}
let modern_runs = train_each(Arch::modern(), &split);
accuracy_table(&modern_runs)

// %%
curves(&modern_runs, "ReLU and max pooling: validation accuracy by initial scale")

// %%
let classic_runs = train_each(Arch::classic(), &split);
accuracy_table(&classic_runs)

// %%
curves(&classic_runs, "tanh and mean pooling: validation accuracy by initial scale")

// %% [markdown]
// The measurements predict the runs. Too small, $0.01 \cdot N(0, 1)$: the loss
// stays at $\ln 10 \approx 2.30$ and the validation accuracy at 10.40% (chance) for
// all three epochs, with either network. Too large, $N(0, 1)$: with ReLU the
// first epoch's loss averages 15,256, its huge first steps leave a network
// that is no better than chance; with tanh it learns, but slowly
// (73.30% after three epochs), because its saturated units pass little
// gradient. Xavier and He both reach 93–97% within the three epochs; here He
// is ahead for both networks (96.50% and 94.35%), Xavier at 95.75% and 93.25%.
// A single seed and three epochs do not make a ranking of those two, but the
// gap to the other two scales is far beyond any such noise.
//
// ## Why ReLU
//
// Each step of δ towards the input multiplies by $\sigma'(z^l)$, entry by
// entry. For the sigmoid, $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ is at most
// $1/4$ (at $z = 0$, where $\sigma = 1/2$); for tanh, $1 - \tanh^2 z$ is at most
// 1, also only at $z = 0$, and both fall towards 0 as $|z|$ grows. So through
// $L$ sigmoid layers δ shrinks by at least $4^L$ on top of whatever the weights
// do, and tanh can only lose as well. ReLU's $\sigma'$ is exactly 1 where
// $z > 0$: δ passes unchanged through the open gates, and the weights alone set
// its size.
//
// Measured on the same 256 digits, with each network's default initial
// weights (`LeNet::new`: Xavier for tanh and the sigmoid, He for ReLU): the mean
// of $\sigma'(z^l)$ over the batch and the size of $\delta^l$, read from fc3
// back to conv1.

// %%
let sigmoid_mean = Arch { activation: Activation::Sigmoid, pooling: Pooling::Mean };
let by_activation: Vec<(&str, Vec<LayerStats>)> = [
    ("sigmoid + mean", sigmoid_mean),
    ("tanh + mean (classic)", Arch::classic()),
    ("ReLU + max (modern)", Arch::modern()),
]
.iter()
.map(|&(name, arch)| (name, layer_stats(&arch, &LeNet::new(arch, 1).trace(&probe, &probe_labels))))
.collect();
{
    let head = ["network", "quantity", "fc3", "fc2", "fc1", "conv2", "conv1"].map(String::from);
    let rows = by_activation.iter().flat_map(|(name, stats)| {
        let back: Vec<&LayerStats> = stats.iter().rev().collect();
        [
            std::iter::once(name.to_string()).chain(std::iter::once("‖δ‖".to_string()))
                .chain(back.iter().map(|s| format!("{:.2e}", s.delta_norm))).collect::<Vec<_>>(),
            std::iter::once(String::new()).chain(std::iter::once("mean σ′".to_string()))
                .chain(back.iter().map(|s| s.mean_slope.map_or("–".to_string(), |m| format!("{m:.3}")))).collect(),
        ]
    });
    Matrix::from_rows(&std::iter::once(head.to_vec()).chain(rows).collect::<Vec<_>>())
}

// %%
let series: Vec<Series> = by_activation.iter()
    .map(|(name, stats)| Series::new(*name, stats.iter().map(|s| s.delta_norm).collect()))
    .collect();
layer_chart("Size of δ per layer at initialisation", "‖δ‖ per digit (log scale)", &LAYERS, &series)

// %% [markdown]
// The sigmoid's mean $\sigma'(z)$ is 0.23 to 0.25 in every layer, just under its
// bound of 1/4, and δ shrinks by a factor of 3 to 11 per layer: from 0.975 at
// the logits to $1.04 \cdot 10^{-3}$ at conv1, almost a thousand times smaller, so
// conv1's weights would learn a thousand times slower than fc3's. With tanh
// near its middle ($\sigma'$ about 0.97) δ keeps its size through the fully
// connected layers and loses some at each mean pooling, which halves the norm
// of what passes it (the gradient is split in four equal parts, a norm of
// $\sqrt{4}/4 = 1/2$ of what arrived): 0.79 at conv2, 0.27 at conv1. With ReLU and max pooling δ stays between 1.0
// and 1.2 all the way: $\sigma'$ is 1 on the open gates (about half of them;
// a quarter in conv1, where much of each digit's surroundings is blank), 0 on
// the rest, and max pooling hands the whole gradient to one entry; He's
// weights make up for the closed half. Saturation, as in the first table of
// tanh, would shrink every $\sigma'$ further, on top of these bounds.
//
// ### Dead ReLUs
//
// ReLU pays for its open gates with closed ones: where $z \le 0$,
// $\sigma'(z) = 0$ and nothing passes. A unit whose $z$ is $\le 0$ for *every*
// digit is **dead** on them: it outputs 0 whatever the image, no gradient
// reaches its weights through it, so SGD cannot bring it back.
// `LayerStats::dead_fraction` is the share of such units (each position of each
// feature map, or each neuron) over the 256 digits; here for the network before
// training, after the eight epochs above, and after one epoch with the learning
// rate 0.5 of the *Try it* box, which stalled at chance.

// %%
let (probe32, labels32) = split.train.batch::<f32>(&(0..256).collect::<Vec<_>>());
let too_fast = train::train(
    &TrainConfig { epochs: 1, lr: 0.5, out_dir: std::env::temp_dir().join("lenet-notebook-lr-0.5"), ..TrainConfig::default() },
    &split, &mut Silent,
).expect("training");
println!("lr 0.5, one epoch: validation accuracy {:.2}%", 100.0 * too_fast.test.accuracy());
{
    let dead_of = |net: &LeNet<f32>| layer_stats(&net.arch, &net.trace(&probe32, &labels32));
    let columns = [
        ("before training", dead_of(&LeNet::new(Arch::modern(), TrainConfig::default().seed))),
        ("after 8 epochs", dead_of(&outcome.model)),
        ("1 epoch at lr 0.5", dead_of(&too_fast.model)),
    ];
    let head = std::iter::once("dead ReLUs".to_string()).chain(columns.iter().map(|(n, _)| n.to_string()));
    let rows = (0..4).map(|l| std::iter::once(LAYERS[l].to_string())
        .chain(columns.iter().map(|(_, s)| format!("{:.1}%", 100.0 * s[l].dead_fraction.expect("ReLU"))))
        .collect::<Vec<_>>());
    Matrix::from_rows(&std::iter::once(head.collect::<Vec<_>>()).chain(rows).collect::<Vec<_>>())
}

// %% [markdown]
// Before training, 11.1% of conv1's units are dead on these digits. Dead on a
// batch is not always broken: a conv1 unit whose window is blank in all 256
// digits has $z = b = 0$ for each of them. After the eight epochs 9.8% of conv1
// and 13.3% of fc1 are dead, at most 2.4% elsewhere: a network can afford
// that.
// One epoch at learning rate 0.5 kills every unit of conv1, conv2 and fc2 and
// 95.8% of fc1: the steps were so large that every $z$ turned
// negative, no gradient gets past the dead layers any more, and the network is
// stuck at chance (9.10% on validation), the cause the *Try it* box above
// suspected. Smaller learning rates (or a start that is not too large, as
// above) avoid it; leaky ReLU, which keeps a small slope for $z < 0$, is
// another cure.

// %% [markdown]
// > [!NOTE]
// > **Training in one box.** One step of minibatch SGD: run the forward and
// > backward pass of chapter 5 on $N$ = 64 images, average the parameter
// > gradients over them, then move every parameter against its gradient,
// > $W \leftarrow W - \eta\,\partial C/\partial W$. Momentum keeps a share of the previous step;
// > weight decay adds $\lambda\theta$ to the gradient of every parameter $\theta$. Accuracy is measured on
// > digits the network never trained on.
