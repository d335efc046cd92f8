//! Backpropagation on a computational graph of scalars, the view behind
//! every layer of the crate (and behind Karpathy's *micrograd*, a tiny
//! teaching library built on the same few rules).
//!
//! A computation such as f = (x + y)·max(y, z) is a graph: one node per
//! value, each computed from the nodes it points back to by a *gate*
//! (+, ×, max). The forward pass computes the values in order. The backward
//! pass computes, for every node v, the gradient ∂f/∂v, in reverse order,
//! with two rules:
//!
//! - **the chain rule**: a gate with output o and input u passes back
//!   ∂f/∂o · ∂o/∂u, the *upstream* gradient times the gate's *local*
//!   gradient;
//! - **gradients add where a value forks**: a value used by several gates
//!   affects f along each of them, so ∂f/∂u is the sum of what each gate
//!   passes back (the multivariable chain rule).
//!
//! The local gradients of the three gates say what each does with the
//! gradient:
//!
//! | gate | o | ∂o/∂u, ∂o/∂v | the gradient… |
//! |---|---|---|---|
//! | add | u + v | 1, 1 | is copied to both inputs |
//! | multiply | u·v | v, u | is scaled by the *other* input |
//! | max | max(u, v) | 1, 0 if u ≥ v (else 0, 1) | goes to the larger input only |
//!
//! A fully connected layer is the same graph with vectors: z = W a + b is
//! multiplies and adds, and Wᵀδ sums what each neuron passes back to an
//! input that forks into all of them.
//!
//! ```
//! use lenet_core::graph::Graph;
//! let mut g = Graph::new();
//! let (x, y) = (g.input("x", 3.0), g.input("y", -2.0));
//! let f = g.mul("f", x, y);
//! g.backward(f);
//! assert_eq!((g.grad(x), g.grad(y)), (-2.0, 3.0)); // each input gets the other one
//! ```

use std::fmt;

/// A node of a [`Graph`]: its index in [`Graph::nodes`].
pub type NodeId = usize;

/// How a node's value is computed from its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// A leaf: a value given from outside.
    Input,
    /// u + v.
    Add,
    /// u·v.
    Mul,
    /// max(u, v).
    Max,
}

impl fmt::Display for Gate {
    /// The gate's symbol: `+`, `·`, `max` (an input has none).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Gate::Input => "input",
            Gate::Add => "+",
            Gate::Mul => "·",
            Gate::Max => "max",
        })
    }
}

/// One value of the computation, with the gradient ∂f/∂(this value) once
/// [`Graph::backward`] has run.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The name printed in pictures, e.g. `"s"`.
    pub name: String,
    /// The gate that computes it.
    pub gate: Gate,
    /// The nodes it is computed from (none for an input, two for a gate).
    pub inputs: Vec<NodeId>,
    /// The value, computed when the node is added (the forward pass).
    pub value: f64,
    /// ∂f/∂value, 0 until [`Graph::backward`] runs.
    pub grad: f64,
}

/// A computation of scalars, built node by node: each node is added after
/// its inputs, so the order of [`Graph::nodes`] is an order in which the
/// forward pass can run, and its reverse one for the backward pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    /// The nodes in the order they were added.
    pub nodes: Vec<Node>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an input (a leaf) with the given value.
    pub fn input(&mut self, name: &str, value: f64) -> NodeId {
        self.push(name, Gate::Input, vec![], value)
    }

    /// Adds u + v.
    ///
    /// # Panics
    /// If `u` or `v` is not a node of this graph.
    pub fn add(&mut self, name: &str, u: NodeId, v: NodeId) -> NodeId {
        self.gate(name, Gate::Add, u, v)
    }

    /// Adds u·v.
    ///
    /// # Panics
    /// If `u` or `v` is not a node of this graph.
    pub fn mul(&mut self, name: &str, u: NodeId, v: NodeId) -> NodeId {
        self.gate(name, Gate::Mul, u, v)
    }

    /// Adds max(u, v).
    ///
    /// # Panics
    /// If `u` or `v` is not a node of this graph.
    pub fn max(&mut self, name: &str, u: NodeId, v: NodeId) -> NodeId {
        self.gate(name, Gate::Max, u, v)
    }

    fn gate(&mut self, name: &str, gate: Gate, u: NodeId, v: NodeId) -> NodeId {
        let n = self.nodes.len();
        for id in [u, v] {
            assert!(id < n, "Graph::{gate:?}: node {id} does not exist (the graph has {n} nodes)");
        }
        let (a, b) = (self.nodes[u].value, self.nodes[v].value);
        let value = match gate {
            Gate::Add => a + b,
            Gate::Mul => a * b,
            Gate::Max => a.max(b),
            Gate::Input => unreachable!("inputs are added by Graph::input"),
        };
        self.push(name, gate, vec![u, v], value)
    }

    fn push(&mut self, name: &str, gate: Gate, inputs: Vec<NodeId>, value: f64) -> NodeId {
        self.nodes.push(Node { name: name.to_string(), gate, inputs, value, grad: 0.0 });
        self.nodes.len() - 1
    }

    /// The value of a node.
    pub fn value(&self, id: NodeId) -> f64 {
        self.nodes[id].value
    }

    /// ∂f/∂(the node's value), for the f of the last [`Graph::backward`].
    pub fn grad(&self, id: NodeId) -> f64 {
        self.nodes[id].grad
    }

    // ANCHOR: local_grads
    /// The local gradients of a node, ∂o/∂u for each input u in order:
    /// (1, 1) for u + v, (v, u) for u·v, and for max(u, v) 1 for the larger
    /// input and 0 for the other. At a tie u = v max has no derivative; the
    /// first input takes the gradient, as max pooling keeps the first
    /// maximum. An input has no local gradients.
    pub fn local_grads(&self, id: NodeId) -> Vec<f64> {
        let node = &self.nodes[id];
        let value = |k: usize| self.nodes[node.inputs[k]].value;
        match node.gate {
            Gate::Input => vec![],
            Gate::Add => vec![1.0, 1.0],
            Gate::Mul => vec![value(1), value(0)],
            Gate::Max if value(0) >= value(1) => vec![1.0, 0.0],
            Gate::Max => vec![0.0, 1.0],
        }
    }
    // ANCHOR_END: local_grads

    // ANCHOR: backward
    /// The backward pass: sets every node's gradient to ∂f/∂(its value) for
    /// f = the value of `output`.
    ///
    /// ∂f/∂f = 1 starts it. Then, from the last node to the first, each node
    /// o passes to each of its inputs u the upstream gradient times the local
    /// one, ∂f/∂o · ∂o/∂u, and u *adds* it to what it has: a value that
    /// forks into several gates collects one term from each (the
    /// multivariable chain rule, ∂f/∂u = Σ_o ∂f/∂o · ∂o/∂u). The order is
    /// right because every gate comes after its inputs, so a node has
    /// collected from all its users before it passes its own gradient on.
    /// Nodes that `output` does not depend on keep gradient 0.
    ///
    /// # Panics
    /// If `output` is not a node of this graph.
    pub fn backward(&mut self, output: NodeId) {
        let n = self.nodes.len();
        assert!(output < n, "Graph::backward: node {output} does not exist (the graph has {n} nodes)");
        for node in &mut self.nodes {
            node.grad = 0.0;
        }
        self.nodes[output].grad = 1.0;
        for o in (0..=output).rev() {
            let upstream = self.nodes[o].grad;
            for (k, local) in self.local_grads(o).into_iter().enumerate() {
                let u = self.nodes[o].inputs[k];
                self.nodes[u].grad += upstream * local;
            }
        }
    }
    // ANCHOR_END: backward
}

/// The example of chapter 1: f = (x + y)·max(y, z) at x = 1, y = 3, z = 2,
/// as s = x + y, m = max(y, z), f = s·m. y forks (into the add and the max),
/// and z loses the max. Returns the graph (forward pass done) and the ids
/// of x, y, z and f.
pub fn example() -> (Graph, [NodeId; 4]) {
    example_at(1.0, 3.0, 2.0)
}

/// [`example`]'s graph at other inputs (for finite differences).
pub fn example_at(x: f64, y: f64, z: f64) -> (Graph, [NodeId; 4]) {
    let mut g = Graph::new();
    let (x, y, z) = (g.input("x", x), g.input("y", y), g.input("z", z));
    let s = g.add("s", x, y);
    let m = g.max("m", y, z);
    let f = g.mul("f", s, m);
    (g, [x, y, z, f])
}
