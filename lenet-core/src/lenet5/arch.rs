//! LeNet-5's layers and shapes, written once: the parameters, the readable
//! pass, the fast pass and the diagram all read their sizes from here.
//!
//! The network (shapes per sample):
//!
//! | layer | computation | output |
//! |---|---|---|
//! | input | a grey image | 1×28×28 |
//! | conv1 | 6 kernels 5×5, padding 2, then activation | 6×28×28 |
//! | pool1 | 2×2, stride 2 | 6×14×14 |
//! | conv2 | 16 kernels 6×5×5, no padding, then activation | 16×10×10 |
//! | pool2 | 2×2, stride 2 | 16×5×5 = 400 |
//! | fc1 | z = W a + b, W 120×400, then activation | 120 |
//! | fc2 | W 84×120, then activation | 84 |
//! | fc3 | W 10×84 (the logits) | 10 |
//!
//! followed by softmax cross-entropy over the 10 classes. The constants
//! below are that table; the sizes that follow from others (a convolution's
//! output side n + 2p − k + 1, a pooled side n/2, the 400 = 16·5·5 inputs
//! of fc1) are computed from them, not written again. What may vary between
//! LeNets is only [`Arch`]: the activation and the pooling.

use crate::activation::Activation;

/// Side of the square input images, and their channels (grey: one).
pub const IMAGE_SIDE: usize = 28;
pub const IMAGE_CHANNELS: usize = 1;
/// Side of both layers' convolution kernels.
pub const KERNEL: usize = 5;
/// conv1 pads its input by 2, so its output keeps the image's 28×28.
pub const CONV1_PADDING: usize = 2;
pub const CONV1_CHANNELS: usize = 6;
/// conv2 does not pad.
pub const CONV2_PADDING: usize = 0;
pub const CONV2_CHANNELS: usize = 16;
/// Both pooling layers: POOL×POOL windows with stride POOL.
pub const POOL: usize = 2;
pub const FC1_UNITS: usize = 120;
pub const FC2_UNITS: usize = 84;
/// The classes, i.e. fc3's outputs (the logits).
pub const CLASSES: usize = 10;

/// A convolution's output side for input side `n` and padding `p`:
/// n + 2p − k + 1 with k = [`KERNEL`].
pub const fn conv_side(n: usize, padding: usize) -> usize {
    n + 2 * padding + 1 - KERNEL
}

/// 28: conv1's output side.
pub const CONV1_SIDE: usize = conv_side(IMAGE_SIDE, CONV1_PADDING);
/// 14: pool1's output side.
pub const POOL1_SIDE: usize = CONV1_SIDE / POOL;
/// 10: conv2's output side.
pub const CONV2_SIDE: usize = conv_side(POOL1_SIDE, CONV2_PADDING);
/// 5: pool2's output side.
pub const POOL2_SIDE: usize = CONV2_SIDE / POOL;
/// 400 = 16·5·5: pool2's output flattened, fc1's input.
pub const FLAT: usize = POOL2.len();

/// What one stage of the network holds per sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `channels` feature maps of `side × side`.
    Maps { channels: usize, side: usize },
    /// A vector of `units` entries.
    Vector { units: usize },
}

impl Shape {
    /// The number of entries per sample.
    pub const fn len(self) -> usize {
        match self {
            Shape::Maps { channels, side } => channels * side * side,
            Shape::Vector { units } => units,
        }
    }

    /// Whether it holds no entries (never, for LeNet).
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The per-sample dimensions: `[channels, side, side]` or `[units]`.
    pub fn dims(self) -> Vec<usize> {
        match self {
            Shape::Maps { channels, side } => vec![channels, side, side],
            Shape::Vector { units } => vec![units],
        }
    }

    /// `6×28×28`-style text (see [`shape_text`](crate::invalid::shape_text)).
    pub fn text(self) -> String {
        crate::invalid::shape_text(&self.dims())
    }
}

/// The input, 1×28×28.
pub const INPUT: Shape = Shape::Maps { channels: IMAGE_CHANNELS, side: IMAGE_SIDE };
/// conv1's output, 6×28×28.
pub const CONV1: Shape = Shape::Maps { channels: CONV1_CHANNELS, side: CONV1_SIDE };
/// pool1's output, 6×14×14.
pub const POOL1: Shape = Shape::Maps { channels: CONV1_CHANNELS, side: POOL1_SIDE };
/// conv2's output, 16×10×10.
pub const CONV2: Shape = Shape::Maps { channels: CONV2_CHANNELS, side: CONV2_SIDE };
/// pool2's output, 16×5×5.
pub const POOL2: Shape = Shape::Maps { channels: CONV2_CHANNELS, side: POOL2_SIDE };
/// fc1's output, 120.
pub const FC1: Shape = Shape::Vector { units: FC1_UNITS };
/// fc2's output, 84.
pub const FC2: Shape = Shape::Vector { units: FC2_UNITS };
/// fc3's output, the 10 logits.
pub const FC3: Shape = Shape::Vector { units: CLASSES };

/// One stage of the network: its name and what it outputs per sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stage {
    pub name: &'static str,
    pub output: Shape,
}

/// The stages from the input to the logits, in order.
pub const STAGES: [Stage; 8] = [
    Stage { name: "input", output: INPUT },
    Stage { name: "conv1", output: CONV1 },
    Stage { name: "pool1", output: POOL1 },
    Stage { name: "conv2", output: CONV2 },
    Stage { name: "pool2", output: POOL2 },
    Stage { name: "fc1", output: FC1 },
    Stage { name: "fc2", output: FC2 },
    Stage { name: "fc3", output: FC3 },
];

/// conv1's kernels, out × in × k × k: 6×1×5×5.
pub const CONV1_W: [usize; 4] = [CONV1_CHANNELS, IMAGE_CHANNELS, KERNEL, KERNEL];
/// conv2's kernels: 16×6×5×5.
pub const CONV2_W: [usize; 4] = [CONV2_CHANNELS, CONV1_CHANNELS, KERNEL, KERNEL];
/// The fully connected weights, out × in: 120×400, 84×120, 10×84.
pub const FC1_W: [usize; 2] = [FC1_UNITS, FLAT];
pub const FC2_W: [usize; 2] = [FC2_UNITS, FC1_UNITS];
pub const FC3_W: [usize; 2] = [CLASSES, FC2_UNITS];

/// The shape of each parameter tensor, in the order of
/// [`PARAM_NAMES`](super::PARAM_NAMES): each weight, then its bias (one
/// entry per output).
pub const PARAM_SHAPES: [&[usize]; 10] = [
    &CONV1_W,
    &[CONV1_CHANNELS],
    &CONV2_W,
    &[CONV2_CHANNELS],
    &FC1_W,
    &[FC1_UNITS],
    &FC2_W,
    &[FC2_UNITS],
    &FC3_W,
    &[CLASSES],
];

/// How the two subsampling layers reduce each 2×2 window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Pooling {
    /// The largest entry; the gradient flows back only to it.
    Max,
    /// The average; a quarter of the gradient flows back to each of the four entries.
    Mean,
}

/// The choices that distinguish LeNet variants; the shapes never change.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Arch {
    pub activation: Activation,
    pub pooling: Pooling,
}

impl Arch {
    /// ReLU and max pooling: what trains fastest today.
    pub fn modern() -> Self {
        Arch { activation: Activation::Relu, pooling: Pooling::Max }
    }

    /// tanh and mean pooling: close to LeCun's original and to the notes,
    /// whose saturating units make the vanishing of δ visible.
    pub fn classic() -> Self {
        Arch { activation: Activation::Tanh, pooling: Pooling::Mean }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_lenets_sizes() {
        let sides = [CONV1_SIDE, POOL1_SIDE, CONV2_SIDE, POOL2_SIDE];
        assert_eq!(sides, [28, 14, 10, 5]);
        assert_eq!(FLAT, 400);
        let texts: Vec<String> = STAGES.iter().map(|s| s.output.text()).collect();
        let want = ["1×28×28", "6×28×28", "6×14×14", "16×10×10", "16×5×5", "120", "84", "10"];
        assert_eq!(texts, want);
        let scalars: usize = PARAM_SHAPES.iter().map(|s| s.iter().product::<usize>()).sum();
        assert_eq!(scalars, 61_706);
    }
}
