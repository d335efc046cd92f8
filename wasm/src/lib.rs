//! The book's interactive widgets. Every number a widget shows is computed
//! here, by lenet-core's own layer functions compiled to WebAssembly; the
//! JavaScript beside each chapter (chapters/widgets/) only draws and forwards
//! events. Each function the page calls returns JSON text, `{"error": …}`
//! when the page sent something the layer cannot take (never a panic).
//!
//! | module | widget | chapter |
//! |---|---|---|
//! | [`conv`] | convolution, backward: ∂C/∂a and ∂C/∂W entry by entry | 2 |
//! | [`pool`] | pooling routing, max and mean, any window and stride | 3 |
//! | [`fc`] | a 2-3-2 network with a live finite-difference check | 1 |
//! | [`digit`] | a drawn digit, backwards through LeNet-5 | 5 |

pub mod common;
pub mod conv;
pub mod digit;
pub mod fc;
pub mod pool;
