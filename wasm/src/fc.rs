//! Chapter 1's widget: the 2-3-2 sigmoid network of [`lenet_core::worked::fc_network`]
//! with squared error on one sample, every value and gradient, and a
//! central finite-difference check ([`lenet_core::gradcheck::numerical_grad`])
//! of each parameter's gradient beside the backpropagated one.
//!
//! The page sends the 21 numbers in the order of [`PARAMETERS`]: x (2),
//! y (2), W¹ (3×2), b¹ (3), W² (2×3), b² (2), matrices row by row.

use crate::common::{answer, matrix, numbers};
use lenet_core::activation::Activation;
use lenet_core::gradcheck::{numerical_grad, rel_error};
use lenet_core::ndarray::Array2;
use lenet_core::{Matrix, fc, loss, worked};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

/// The blocks of the page's numbers: name and (rows, columns).
pub const PARAMETERS: [(&str, (usize, usize)); 6] =
    [("x", (2, 1)), ("y", (2, 1)), ("W1", (3, 2)), ("b1", (3, 1)), ("W2", (2, 3)), ("b2", (2, 1))];

/// The step of the finite differences: 1e-5 suits a smooth function in f64
/// (see [`numerical_grad`]).
pub const STEP: f64 = 1e-5;

const ACT: Activation = Activation::Sigmoid;

/// The network's numbers, as the page sends them.
#[derive(Clone)]
struct Net {
    x: Array2<f64>,
    y: Array2<f64>,
    w1: Array2<f64>,
    b1: Array2<f64>,
    w2: Array2<f64>,
    b2: Array2<f64>,
}

impl Net {
    fn read(values: &[f64]) -> Result<Net, String> {
        let total: usize = PARAMETERS.iter().map(|(_, (r, c))| r * c).sum();
        if values.len() != total {
            return Err(format!(
                "the network needs {total} numbers (x, y, W¹, b¹, W², b²) but the page sent {}",
                values.len()
            ));
        }
        let mut rest = values;
        let mut blocks = Vec::new();
        for (name, (r, c)) in PARAMETERS {
            let (head, tail) = rest.split_at(r * c);
            blocks.push(matrix(name, head, r, c)?.0);
            rest = tail;
        }
        let [x, y, w1, b1, w2, b2] = <[Array2<f64>; 6]>::try_from(blocks).expect("six blocks");
        Ok(Net { x, y, w1, b1, w2, b2 })
    }

    /// The cost C = ½‖σ(W² σ(W¹x + b¹) + b²) − y‖².
    fn cost(&self) -> f64 {
        let a1 = ACT.apply(&fc::forward(&self.w1, &self.x, &self.b1).0);
        let a2 = ACT.apply(&fc::forward(&self.w2, &a1, &self.b2).0);
        loss::mse(&a2, &self.y).0
    }
}

/// chapter 1's numbers ([`worked::fc_network`]) in the page's order.
pub fn defaults() -> Value {
    let worked::FcNetwork { x, y, w1, b1, w2, b2 } = worked::fc_network();
    let flat: Vec<f64> = [x, y, w1, b1, w2, b2].iter().flat_map(|m| m.iter().copied().collect::<Vec<_>>()).collect();
    json!({ "values": flat, "blocks": PARAMETERS.iter().map(|(n, (r, c))| json!([n, r, c])).collect::<Vec<_>>() })
}

/// The central-difference gradient of C with respect to one block of the
/// network (`pick` chooses which), with the others held.
fn numerical(net: &Net, pick: fn(&mut Net) -> &mut Array2<f64>) -> Array2<f64> {
    let mut probe = net.clone();
    let mut block = pick(&mut probe).clone();
    numerical_grad(&mut block, STEP, |b| {
        *pick(&mut probe) = b.clone();
        probe.cost()
    })
}

fn m(a: Array2<f64>) -> Value {
    numbers(&Matrix(a))
}

/// Forward and backward pass and the finite-difference check for the
/// page's 21 numbers.
pub fn network(values: &[f64]) -> Result<Value, String> {
    let net = Net::read(values)?;
    let z1 = fc::forward(&net.w1, &net.x, &net.b1);
    let a1 = ACT.apply(&z1.0);
    let z2 = fc::forward(&net.w2, &a1, &net.b2);
    let a2 = ACT.apply(&z2.0);
    let (cost, grad_a2) = loss::mse(&a2, &net.y);
    let delta2 = fc::output_delta(&grad_a2, &z2, ACT);
    let delta1 = fc::backprop_delta(&net.w2, &delta2, &z1, ACT);
    let analytic = [
        ("W1", fc::weight_grad(&delta1, &net.x).0, numerical(&net, |n| &mut n.w1)),
        ("b1", fc::bias_grad(&delta1).0, numerical(&net, |n| &mut n.b1)),
        ("W2", fc::weight_grad(&delta2, &a1).0, numerical(&net, |n| &mut n.w2)),
        ("b2", fc::bias_grad(&delta2).0, numerical(&net, |n| &mut n.b2)),
    ];
    let mut grads = serde_json::Map::new();
    for (name, g, num) in analytic {
        let err = rel_error(&g, &num);
        grads.insert(name.into(), json!({ "backprop": m(g), "numerical": m(num), "rel_error": err }));
    }
    Ok(json!({
        "z1": numbers(&z1), "a1": m(a1), "z2": numbers(&z2), "a2": m(a2), "cost": cost,
        "grad_a2": m(grad_a2), "delta2": numbers(&delta2), "delta1": numbers(&delta1),
        "grad_x": numbers(&fc::input_grad(&net.w1, &delta1)),
        "grads": grads, "step": STEP,
    }))
}

/// [`defaults`] as JSON text for the page.
#[wasm_bindgen]
pub fn fc_defaults() -> String {
    defaults().to_string()
}

/// [`network`] as JSON text for the page.
#[wasm_bindgen]
pub fn fc_network(values: &[f64]) -> String {
    answer(network(values))
}
