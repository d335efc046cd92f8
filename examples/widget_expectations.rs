//! The numbers the book's widgets must show, computed natively by lenet's
//! own functions, for scripts/check-widgets.py to compare with what the
//! WebAssembly build shows in the browser (issue 12).
//!
//!     cargo run --release --example widget_expectations -- target/widgets-expected.json
//!
//! Each widget has a list of steps: the inputs the browser test types or
//! sets, the entry it clicks, whether the erratum toggle is on, and every
//! number the page must then show, by the `data-key` the page gives it
//! (1-based indices, as the book counts). A lost entry (erratum 8 has no
//! value for the border of ∂C/∂a) is the string "lost".
//!
//! Nothing here calls the widget crate (wasm/): the expectations come from
//! lenet directly, so a widget that wired the wrong function fails.

use lenet::activation::Activation;
use lenet::gradcheck::{numerical_grad, rel_error};
use lenet::ndarray::{Array2, Array4};
use lenet::rng::Rng;
use lenet::{Matrix, Sym, conv, errata, fc, loss, pool, worked};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

fn rows(m: &Matrix<f64>) -> Value {
    json!(m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

fn put(shown: &mut Map<String, Value>, prefix: &str, m: &Array2<f64>) {
    for ((i, j), v) in m.indexed_iter() {
        shown.insert(format!("{prefix}.{}.{}", i + 1, j + 1), json!(v));
    }
}

/// One step of the convolution widget.
fn conv_step(
    name: &str,
    a: Matrix<f64>,
    w: Matrix<f64>,
    d: Matrix<f64>,
    written: bool,
    pick: (&str, usize, usize),
) -> Value {
    let (h, k, m) = (a.nrows(), w.nrows(), d.nrows());
    let (sa, sw, sd) = (Sym::matrix("a", h, h), Sym::matrix("w", k, k), Sym::matrix("δ", m, m));
    let value = |v: &lenet::symbolic::Var| {
        let src = match v.name.as_str() {
            "a" => &a,
            "w" => &w,
            _ => &d,
        };
        src[(v.index[0] - 1, v.index[1] - 1)]
    };
    let mut shown = Map::new();
    let (da_f, dw, dw_f);
    if written {
        // Erratum 8: only the interior of ∂C/∂a, offset by k − 1; erratum 13.
        let o = k - 1;
        let da_w = (m >= k).then(|| (errata::delta_as_written(&d, &w), errata::delta_as_written(&sd, &sw)));
        for i in 0..h {
            for j in 0..h {
                let inside = da_w.as_ref().filter(|(g, _)| i >= o && j >= o && i - o < g.nrows() && j - o < g.ncols());
                shown.insert(
                    format!("da.{}.{}", i + 1, j + 1),
                    inside.map_or(json!("lost"), |(g, _)| json!(g[(i - o, j - o)])),
                );
            }
        }
        da_f = da_w.and_then(|(_, f)| {
            let (i, j) = (pick.1 - 1, pick.2 - 1);
            (i >= o && j >= o && i - o < f.nrows() && j - o < f.ncols()).then(|| f[(i - o, j - o)].clone())
        });
        dw = errata::true_conv_kernel_grad_as_written(&a, &d);
        dw_f = errata::true_conv_kernel_grad_as_written(&sa, &sd);
    } else {
        put(&mut shown, "da", &conv::input_grad(&d, &w));
        da_f = Some(conv::input_grad(&sd, &sw)[(pick.1 - 1, pick.2 - 1)].clone());
        dw = conv::kernel_grad(&a, &d);
        dw_f = conv::kernel_grad(&sa, &sd);
    }
    put(&mut shown, "dw", &dw);
    let formula = match pick.0 {
        "da" => da_f,
        _ => Some(dw_f[(pick.1 - 1, pick.2 - 1)].clone()),
    };
    match &formula {
        Some(f) => {
            shown.insert("formula-value".into(), json!(f.eval(value)));
            // Each term: its factors' values and its product, in the
            // formula's order.
            for (n, (c, factors)) in f.terms().enumerate() {
                let values: Vec<f64> = factors.iter().map(value).collect();
                for (m, v) in values.iter().enumerate() {
                    shown.insert(format!("term.{}.{}", n + 1, m + 1), json!(v));
                }
                shown.insert(format!("term.{}", n + 1), json!(values.iter().fold(c as f64, |p, v| p * v)));
            }
            // The picture: the matrix the window slides over (base) and what
            // lies on it (top): rot180(w) on δ padded, or unpadded as the
            // notes wrote it; δ on a, or rot180(δ) as the notes' code did.
            let (base, top) = match (pick.0, written) {
                ("da", false) => (conv::pad(&d, k - 1, k - 1), conv::rot180(&w)),
                ("da", true) => (d.clone(), conv::rot180(&w)),
                (_, false) => (a.clone(), d.clone()),
                (_, true) => (a.clone(), conv::rot180(&d)),
            };
            put(&mut shown, "base", &base);
            put(&mut shown, "top", &top);
            if (pick.0, written) == ("da", false) {
                put(&mut shown, "rot", &conv::rot180(&w));
            }
        }
        None => {
            shown.insert("lost-value".into(), json!(conv::input_grad(&d, &w)[(pick.1 - 1, pick.2 - 1)]));
        }
    }
    json!({
        "name": name, "h": h, "k": k, "a": rows(&a), "w": rows(&w), "delta": rows(&d),
        "written": written, "pick": [pick.0, pick.1, pick.2],
        "formula": formula.map(|f| f.to_string()), "shown": shown,
    })
}

fn conv_steps() -> Vec<Value> {
    let ex = worked::numbers();
    let f = |m: &Matrix<i64>| m.map(|&v| v as f64);
    let (a, mut w, d) = (f(&ex.a), f(&ex.w), f(&ex.delta));
    let mut steps =
        vec![conv_step("the notes' example, ∂C/∂a₂₂", a.clone(), w.clone(), d.clone(), false, ("da", 2, 2))];
    w[(0, 0)] = 5.0;
    steps.push(conv_step("w₁₁ = 5", a.clone(), w.clone(), d.clone(), false, ("da", 2, 2)));
    steps.push(conv_step("w₁₁ = 5, as the notes wrote it", a.clone(), w.clone(), d.clone(), true, ("da", 2, 2)));
    steps.push(conv_step("w₁₁ = 5, as written, ∂C/∂a₁₁ (lost)", a, w, d, true, ("da", 1, 1)));
    // A 5×5 input and a 3×3 kernel with numbers from a seeded generator
    // (halves, both signs), δ 3×3.
    let mut rng = Rng::new(12);
    let mut draw = |n: usize| Matrix::from_fn(n, n, |_, _| (rng.below(13) as f64 - 6.0) / 2.0);
    let (a, w, d) = (draw(5), draw(3), draw(3));
    steps.push(conv_step("5×5 input, 3×3 kernel, ∂C/∂w₁₂", a.clone(), w.clone(), d.clone(), false, ("dw", 1, 2)));
    steps.push(conv_step(
        "5×5, 3×3, as the notes wrote it, ∂C/∂w₁₂",
        a.clone(),
        w.clone(),
        d.clone(),
        true,
        ("dw", 1, 2),
    ));
    steps.push(conv_step("5×5, 3×3, as written, ∂C/∂a₃₃", a, w, d, true, ("da", 3, 3)));
    steps
}

/// A pooling layer's backward pass: ∂C/∂a to ∂C/∂x.
type Backward = Box<dyn Fn(&Array4<f64>) -> Array4<f64>>;

fn plane(m: &Matrix<f64>) -> Array4<f64> {
    let (r, c) = m.shape2();
    Array4::from_shape_fn((1, 1, r, c), |(_, _, i, j)| m[(i, j)])
}

#[allow(clippy::too_many_arguments)] // one argument per control of the widget
fn pool_step(
    name: &str,
    x: Matrix<f64>,
    size: usize,
    stride: usize,
    max: bool,
    dy: Matrix<f64>,
    written: bool,
    pick: (usize, usize),
) -> Value {
    let (xa, dya) = (plane(&x), plane(&dy));
    let (y, backward): (Array4<f64>, Backward) = if max {
        let (y, argmax) = pool::max_forward(&xa, size, stride);
        let assigning = written;
        (
            y,
            Box::new(move |g| {
                if assigning { errata::max_backward_assigning(g, &argmax) } else { pool::max_backward(g, &argmax) }
            }),
        )
    } else {
        let shape = xa.dim();
        (pool::mean_forward(&xa, size, stride), Box::new(move |g| pool::mean_backward(g, shape, size, stride)))
    };
    let two =
        |a: &Array4<f64>| a.index_axis(lenet::ndarray::Axis(0), 0).index_axis(lenet::ndarray::Axis(0), 0).to_owned();
    let mut shown = Map::new();
    put(&mut shown, "y", &two(&y));
    put(&mut shown, "dx", &two(&backward(&dya)));
    // The route of the picked output: the correct backward of ∂C/∂a with
    // every other entry zeroed, at the inputs a unit gradient reaches.
    let correct: Backward = if max {
        let (_, argmax) = pool::max_forward(&xa, size, stride);
        Box::new(move |g| pool::max_backward(g, &argmax))
    } else {
        let shape = xa.dim();
        Box::new(move |g| pool::mean_backward(g, shape, size, stride))
    };
    shown.insert("picked-dy".into(), json!(dy[(pick.0 - 1, pick.1 - 1)]));
    let mut unit = Array4::zeros(dya.dim());
    unit[[0, 0, pick.0 - 1, pick.1 - 1]] = 1.0;
    let reached = two(&correct(&unit));
    unit[[0, 0, pick.0 - 1, pick.1 - 1]] = dya[[0, 0, pick.0 - 1, pick.1 - 1]];
    let part = two(&correct(&unit));
    for ((i, j), r) in reached.indexed_iter() {
        if *r != 0.0 {
            shown.insert(format!("route.{}.{}", i + 1, j + 1), json!(part[(i, j)]));
        }
    }
    json!({
        "name": name, "n": x.nrows(), "size": size, "stride": stride, "mode": if max { "max" } else { "mean" },
        "x": rows(&x), "dy": rows(&dy), "written": written, "pick": [pick.0, pick.1], "shown": shown,
    })
}

fn pool_steps() -> Vec<Value> {
    let x = Matrix::from_view(
        worked::pool_input().index_axis(lenet::ndarray::Axis(0), 0).index_axis(lenet::ndarray::Axis(0), 0),
    );
    let dy2 = Matrix::from_view(
        worked::pool_output_grad().index_axis(lenet::ndarray::Axis(0), 0).index_axis(lenet::ndarray::Axis(0), 0),
    );
    let dy3 = Matrix::from_rows(&[[4.0, -8.0, 2.0], [12.0, -4.0, 4.0], [-8.0, 2.0, 12.0]]);
    let x5 = Matrix::from_rows(&[
        [1.0, 5.0, 2.0, 0.0, 3.0],
        [3.0, 4.0, 8.0, 1.0, 2.0],
        [0.0, 2.0, 6.0, 7.0, 9.0],
        [9.0, 1.0, 3.0, 5.0, 4.0],
        [2.0, 6.0, 0.0, 8.0, 1.0],
    ]);
    vec![
        pool_step("chapter 3's plane, max, 2×2 stride 2, y₁₂", x.clone(), 2, 2, true, dy2.clone(), false, (1, 2)),
        pool_step("the same, assigning (erratum 15): no overlap, no change", x.clone(), 2, 2, true, dy2, true, (1, 2)),
        pool_step("stride 1 (overlapping), y₁₂", x.clone(), 2, 1, true, dy3.clone(), false, (1, 2)),
        pool_step("stride 1, assigning (erratum 15)", x.clone(), 2, 1, true, dy3.clone(), true, (1, 2)),
        pool_step("stride 1, mean, y₂₂", x, 2, 1, false, dy3.clone(), false, (2, 2)),
        pool_step("5×5, window 3, stride 1, max, y₂₁", x5.clone(), 3, 1, true, dy3.clone(), false, (2, 1)),
        pool_step("5×5, window 3, stride 1, assigning", x5, 3, 1, true, dy3, true, (2, 1)),
    ]
}

/// Chapter 1's network as the page's 21 numbers: x, y, W¹, b¹, W², b².
fn fc_values(net: &worked::FcNetwork) -> Vec<f64> {
    [&net.x, &net.y, &net.w1, &net.b1, &net.w2, &net.b2]
        .iter()
        .flat_map(|m| m.iter().copied().collect::<Vec<_>>())
        .collect()
}

fn fc_step(name: &str, net: worked::FcNetwork) -> Value {
    let act = Activation::Sigmoid;
    let worked::FcNetwork { x, y, w1, b1, w2, b2 } = net.clone();
    let z1 = fc::forward(&w1, &x, &b1);
    let a1 = act.apply(&z1.0);
    let z2 = fc::forward(&w2, &a1, &b2);
    let a2 = act.apply(&z2.0);
    let (cost, grad_a2) = loss::mse(&a2, &y.0);
    let delta2 = fc::output_delta(&grad_a2, &z2, act);
    let delta1 = fc::backprop_delta(&w2, &delta2, &z1, act);
    let mut shown = Map::new();
    shown.insert("cost".into(), json!(cost));
    let column = |shown: &mut Map<String, Value>, p: &str, m: &Array2<f64>| {
        for (i, v) in m.iter().enumerate() {
            shown.insert(format!("{p}.{}", i + 1), json!(v));
        }
    };
    column(&mut shown, "x", &x);
    column(&mut shown, "y", &y);
    column(&mut shown, "z1", &z1);
    column(&mut shown, "a1", &a1);
    column(&mut shown, "z2", &z2);
    column(&mut shown, "a2", &a2);
    column(&mut shown, "delta1", &delta1);
    column(&mut shown, "delta2", &delta2);
    column(&mut shown, "grad_x", &fc::input_grad(&w1, &delta1));
    column(&mut shown, "backprop.x", &fc::input_grad(&w1, &delta1));
    let cost_of = |n: &worked::FcNetwork| {
        let a1 = act.apply(&fc::forward(&n.w1, &n.x, &n.b1).0);
        loss::mse(&act.apply(&fc::forward(&n.w2, &a1, &n.b2).0), &n.y.0).0
    };
    type Pick = fn(&mut worked::FcNetwork) -> &mut Matrix<f64>;
    let blocks: [(&str, Matrix<f64>, Pick); 4] = [
        ("W1", fc::weight_grad(&delta1, &x), |n| &mut n.w1),
        ("b1", fc::bias_grad(&delta1), |n| &mut n.b1),
        ("W2", fc::weight_grad(&delta2, &a1), |n| &mut n.w2),
        ("b2", fc::bias_grad(&delta2), |n| &mut n.b2),
    ];
    let mut rel = Map::new();
    for (b, g, pick) in blocks {
        let mut probe = net.clone();
        let mut block = pick(&mut probe).0.clone();
        let num = numerical_grad(&mut block, 1e-5, |v| {
            pick(&mut probe).0.assign(v);
            cost_of(&probe)
        });
        rel.insert(b.into(), json!(rel_error(&g, &num)));
        for ((i, j), v) in g.indexed_iter() {
            let key = if b.starts_with('W') { format!("{b}.{}.{}", i + 1, j + 1) } else { format!("{b}.{}", i + 1) };
            shown.insert(format!("backprop.{key}"), json!(v));
            shown.insert(format!("numerical.{key}"), json!(num[(i, j)]));
        }
    }
    for (k, v) in [("value.x", &x), ("value.y", &y), ("value.b1", &b1), ("value.b2", &b2)] {
        column(&mut shown, k, v);
    }
    put(&mut shown, "value.W1", &w1);
    put(&mut shown, "value.W2", &w2);
    json!({ "name": name, "values": fc_values(&net), "rel_error": rel, "shown": shown })
}

fn fc_steps() -> Vec<Value> {
    let net = worked::fc_network();
    let mut moved = net.clone();
    moved.x[(0, 0)] = 1.0;
    moved.w2[(0, 0)] = -0.75;
    moved.y[(1, 0)] = 0.5;
    vec![fc_step("chapter 1's network", net), fc_step("x₁ = 1, w²₁₁ = −0.75, y₂ = 0.5", moved)]
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/widgets-expected.json".into()));
    let all = json!({ "conv": conv_steps(), "pool": pool_steps(), "fc": fc_steps() });
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("widget_expectations: cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    if let Err(e) = std::fs::write(&out, serde_json::to_string_pretty(&all).expect("JSON of numbers")) {
        eprintln!("widget_expectations: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
    println!("widget_expectations: wrote {}", out.display());
}
