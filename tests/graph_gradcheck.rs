//! Backpropagation on a graph of scalars (`lenet_core::graph`): each gate's
//! local gradients, sums where a value forks, and central finite differences.

use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::graph::{Graph, NodeId, example, example_at};
use lenet::ndarray::{Array1, array};
use lenet::rng::Rng;

/// The gradients of the inputs by backpropagation and by central finite
/// differences of the rebuilt graph.
fn both(build: impl Fn(&[f64]) -> (Graph, Vec<NodeId>, NodeId), at: &[f64]) -> (Array1<f64>, Array1<f64>) {
    let (mut g, inputs, f) = build(at);
    g.backward(f);
    let analytic = inputs.iter().map(|&i| g.grad(i)).collect();
    let numeric = numerical_grad(&mut Array1::from(at.to_vec()), 1e-5, |p| {
        let (g, _, f) = build(p.as_slice().unwrap());
        g.value(f)
    });
    (analytic, numeric)
}

#[test]
fn the_example_matches_finite_differences() {
    let (mut g, [x, y, z, f]) = example();
    let (s, m) = (3, 4);
    assert_eq!((g.value(s), g.value(m), g.value(f)), (4.0, 3.0, 12.0));
    g.backward(f);
    // ∂f/∂s = m, ∂f/∂m = s (the multiply gate swaps); x gets ∂f/∂s
    // through the add; y gets ∂f/∂s + ∂f/∂m (it forks); z lost the max.
    assert_eq!((g.grad(s), g.grad(m)), (g.value(m), g.value(s)));
    assert_eq!([g.grad(x), g.grad(y), g.grad(z)], [g.grad(s), g.grad(s) + g.grad(m), 0.0]);
    let build = |p: &[f64]| {
        let (g, [x, y, z, f]) = example_at(p[0], p[1], p[2]);
        (g, vec![x, y, z], f)
    };
    let (analytic, numeric) = both(build, &[1.0, 3.0, 2.0]);
    assert!(rel_error(&analytic, &numeric) < 1e-7, "{analytic} vs {numeric}");
}

/// A deeper graph with every gate and values reused, at random inputs
/// (away from ties of max): g = max(x·y + z, x)·(x + x)·y.
#[test]
fn a_graph_with_forks_matches_finite_differences_at_random_inputs() {
    let build = |p: &[f64]| {
        let mut g = Graph::new();
        let (x, y, z) = (g.input("x", p[0]), g.input("y", p[1]), g.input("z", p[2]));
        let xy = g.mul("xy", x, y);
        let u = g.add("u", xy, z);
        let m = g.max("m", u, x);
        let twice = g.add("2x", x, x);
        let v = g.mul("v", m, twice);
        let out = g.mul("g", v, y);
        (g, vec![x, y, z], out)
    };
    let mut rng = Rng::new(19);
    let mut checked = 0;
    while checked < 20 {
        let p = [rng.uniform_in(-2.0, 2.0), rng.uniform_in(-2.0, 2.0), rng.uniform_in(-2.0, 2.0)];
        let (g, ..) = build(&p);
        if (g.value(4) - p[0]).abs() < 1e-3 {
            continue; // max has no derivative at a tie
        }
        let (analytic, numeric) = both(build, &p);
        assert!(rel_error(&analytic, &numeric) < 1e-7, "at {p:?}: {analytic} vs {numeric}");
        checked += 1;
    }
}

#[test]
fn a_value_used_twice_by_one_gate_collects_both_terms() {
    // x·x: each use passes back x, so ∂/∂x = 2x (overwriting instead of
    // adding would give x).
    let mut g = Graph::new();
    let x = g.input("x", 3.0);
    let sq = g.mul("x²", x, x);
    g.backward(sq);
    assert_eq!(g.grad(x), 2.0 * g.value(x));
}

#[test]
fn each_gate_routes_the_gradient_as_its_local_gradients_say() {
    let mut g = Graph::new();
    let (u, v) = (g.input("u", 5.0), g.input("v", -2.0));
    let add = g.add("a", u, v);
    let mul = g.mul("p", u, v);
    let max = g.max("m", u, v);
    assert_eq!(g.local_grads(add), [1.0, 1.0]);
    assert_eq!(g.local_grads(mul), [g.value(v), g.value(u)]);
    assert_eq!(g.local_grads(max), [1.0, 0.0]);
    let tie = g.max("t", v, v);
    assert_eq!(g.local_grads(tie), [1.0, 0.0], "at a tie the first input takes the gradient");
    g.backward(max);
    assert_eq!([g.grad(u), g.grad(v), g.grad(add)], [1.0, 0.0, 0.0]);
    g.backward(u);
    assert_eq!(array![g.grad(u), g.grad(v)], array![1.0, 0.0], "a second backward starts from zero");
}

#[test]
#[should_panic(expected = "node 7 does not exist (the graph has 1 nodes)")]
fn a_gate_on_a_missing_node_names_it() {
    let mut g = Graph::new();
    let x = g.input("x", 1.0);
    g.add("s", x, 7);
}
