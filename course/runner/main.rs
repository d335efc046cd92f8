//! The runner: built by lenet's grader from a student's `src/` (the library
//! `backprop_homework`) and this file, against `lenet-course-api`. It reads
//! one exercise's cases (JSON, `wire::Request`) on stdin, calls the
//! student's function on each, and writes what came back (`Vec<wire::Answer>`)
//! to the file named by its one argument. It holds no reference answer and
//! prints no verdict: lenet's own process compares and decides. Whatever
//! the student's code prints goes to stdout and stderr, which lenet keeps
//! apart from its reports; a runner that ends before writing its file (an
//! `exit(0)` in a function, a crash) gives no answers at all.

#[path = "wire.rs"]
mod wire;

use backprop_homework::answers;
use lenet::activation::Activation;
use lenet::conv::Geometry;
use lenet::course::Answers;
use lenet::model::Params;
use lenet::ndarray::{Array, Array1, Array2, Array4, ArrayD, Dimension, IxDyn};
use lenet::pool::Argmax;
use std::cell::RefCell;
use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use wire::{Answer, Input, Request, Tensor};

thread_local! {
    /// Where the last panic happened, as the panic hook saw it.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn array<D: Dimension>(t: &Tensor) -> Array<f64, D> {
    ArrayD::from_shape_vec(IxDyn(&t.shape), t.values())
        .expect("lenet sends as many entries as the shape holds")
        .into_dimensionality::<D>()
        .expect("lenet sends each argument with its dimension")
}

fn tensor<D: Dimension>(a: &Array<f64, D>) -> Tensor {
    Tensor::new(a.shape(), a.iter().copied())
}

fn m2(i: &Input) -> Array2<f64> {
    match i {
        Input::Tensor(t) => array(t),
        other => panic!("lenet sent {other:?} for a matrix"),
    }
}

fn m4(i: &Input) -> Array4<f64> {
    match i {
        Input::Tensor(t) => array(t),
        other => panic!("lenet sent {other:?} for a 4-D array"),
    }
}

fn whole(i: &Input) -> usize {
    match i {
        Input::Whole(v) => *v,
        other => panic!("lenet sent {other:?} for a number"),
    }
}

fn geometry(i: &Input) -> Geometry {
    match i {
        Input::Geometry { stride, padding } => Geometry::new(*stride, *padding),
        other => panic!("lenet sent {other:?} for a geometry"),
    }
}

fn labels(i: &Input) -> Vec<usize> {
    match i {
        Input::Labels(l) => l.clone(),
        other => panic!("lenet sent {other:?} for labels"),
    }
}

fn activation(i: &Input) -> Activation {
    match i {
        Input::Activation(name) if name == "relu" => Activation::Relu,
        Input::Activation(name) if name == "sigmoid" => Activation::Sigmoid,
        Input::Activation(name) if name == "tanh" => Activation::Tanh,
        other => panic!("lenet sent {other:?} for an activation"),
    }
}

fn shape4(i: &Input) -> (usize, usize, usize, usize) {
    match i {
        Input::Shape4([n, c, h, w]) => (*n, *c, *h, *w),
        other => panic!("lenet sent {other:?} for a shape"),
    }
}

fn argmax(i: &Input) -> Argmax {
    match i {
        Input::Argmax { input_shape: [n, c, h, w], index_shape: [a, b, d, e], index } => Argmax {
            input_shape: (*n, *c, *h, *w),
            index: Array4::from_shape_vec((*a, *b, *d, *e), index.clone()).expect("one index per output entry"),
        },
        other => panic!("lenet sent {other:?} for an argmax"),
    }
}

fn params(i: &Input) -> Params<f64> {
    match i {
        Input::Params(t) if t.len() == 10 => Params {
            conv1_w: array(&t[0]),
            conv1_b: array(&t[1]),
            conv2_w: array(&t[2]),
            conv2_b: array(&t[3]),
            fc1_w: array(&t[4]),
            fc1_b: array(&t[5]),
            fc2_w: array(&t[6]),
            fc2_b: array(&t[7]),
            fc3_w: array(&t[8]),
            fc3_b: array(&t[9]),
        },
        other => panic!("lenet sent {other:?} for LeNet's parameters"),
    }
}

/// Calls the student's function of `exercise` on one case's inputs.
fn call(s: &Answers, exercise: &str, i: &[Input]) -> Vec<Tensor> {
    match exercise {
        "fc_forward" => vec![tensor(&(s.fc_forward)(&m2(&i[0]), &m2(&i[1]), &m2(&i[2])))],
        "fc_backprop_delta" => {
            vec![tensor(&(s.fc_backprop_delta)(&m2(&i[0]), &m2(&i[1]), &m2(&i[2]), activation(&i[3])))]
        }
        "fc_weight_grad" => vec![tensor(&(s.fc_weight_grad)(&m2(&i[0]), &m2(&i[1])))],
        "fc_bias_grad" => vec![tensor(&(s.fc_bias_grad)(&m2(&i[0])))],
        "correlate_valid" => vec![tensor(&(s.correlate_valid)(&m2(&i[0]), &m2(&i[1])))],
        "full_convolve" => vec![tensor(&(s.full_convolve)(&m2(&i[0]), &m2(&i[1])))],
        "kernel_grad" => vec![tensor(&(s.kernel_grad)(&m2(&i[0]), &m2(&i[1])))],
        "bias_grad" => vec![tensor(&Array1::from_elem(1, (s.bias_grad)(&m2(&i[0]))))],
        "conv_backward" => {
            let (dx, dw, db) = (s.conv_backward)(&m4(&i[0]), &m4(&i[1]), &m4(&i[2]), whole(&i[3]));
            vec![tensor(&dx), tensor(&dw), tensor(&db)]
        }
        "conv_backward_strided" => {
            let (dx, dw, db) = (s.conv_backward_strided)(&m4(&i[0]), &m4(&i[1]), &m4(&i[2]), geometry(&i[3]));
            vec![tensor(&dx), tensor(&dw), tensor(&db)]
        }
        "mean_pool_backward" => {
            vec![tensor(&(s.mean_pool_backward)(&m4(&i[0]), shape4(&i[1]), whole(&i[2]), whole(&i[3])))]
        }
        "max_pool_backward" => vec![tensor(&(s.max_pool_backward)(&m4(&i[0]), &argmax(&i[1])))],
        "relu_backward" => vec![tensor(&(s.relu_backward)(&m4(&i[0]), &m4(&i[1])))],
        "softmax_cross_entropy_grad" => {
            vec![tensor(&(s.softmax_cross_entropy_grad)(&m2(&i[0]), &labels(&i[1])))]
        }
        "lenet_backward" => {
            let g = (s.lenet_backward)(&params(&i[0]), &m4(&i[1]), &labels(&i[2]));
            vec![
                tensor(&g.conv1_w),
                tensor(&g.conv1_b),
                tensor(&g.conv2_w),
                tensor(&g.conv2_b),
                tensor(&g.fc1_w),
                tensor(&g.fc1_b),
                tensor(&g.fc2_w),
                tensor(&g.fc2_b),
                tensor(&g.fc3_w),
                tensor(&g.fc3_b),
            ]
        }
        other => panic!("lenet asked for {other:?}, which is not an exercise"),
    }
}

/// The innermost frame of the panic's backtrace in the student's code: not
/// in the standard library, a registry crate or lenet's checkout (this
/// file's). A panic inside ndarray (an index out of bounds) is reported at
/// the student's line that indexed. Needs the line tables the grader's
/// `Cargo.toml` asks for.
fn student_frame() -> Option<String> {
    let checkout = std::path::Path::new(file!()).parent()?.parent()?.parent()?.to_string_lossy().into_owned();
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    trace.lines().filter_map(|l| l.trim().strip_prefix("at ")).map(str::to_string).find(|at| {
        !(at.starts_with("/rustc/")
            || at.contains("/.cargo/registry/")
            || at.contains("/library/std/")
            || at.contains("/library/core/")
            || at.starts_with(&checkout)
            || at.contains("course/runner/main.rs"))
    })
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic whose payload is not text".to_string()
    }
}

fn main() {
    let reply_path = std::env::args_os().nth(1).expect("lenet names the reply file");
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).expect("lenet sends the request on stdin");
    let request: Request = serde_json::from_str(&text).expect("lenet sends a well-formed request");
    // A panic's location is kept for the report, and nothing is printed:
    // the student's own prints are what stderr holds.
    panic::set_hook(Box::new(|info| {
        let at =
            student_frame().or_else(|| info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())));
        LOCATION.with(|c| *c.borrow_mut() = at);
    }));
    let s = answers();
    let mut answers = Vec::with_capacity(request.cases.len());
    for inputs in &request.cases {
        LOCATION.with(|c| *c.borrow_mut() = None);
        let answer = match panic::catch_unwind(AssertUnwindSafe(|| call(&s, &request.exercise, inputs))) {
            Ok(out) => Answer::Output(out),
            Err(payload) => Answer::Panicked {
                message: message(payload.as_ref()),
                location: LOCATION.with(|c| c.borrow_mut().take()),
            },
        };
        answers.push(answer);
    }
    let reply = serde_json::to_string(&answers).expect("answers are numbers and strings");
    std::fs::write(&reply_path, reply).expect("the reply file is writable");
}
