//! What `lenet course check` runs: `cargo run --release -- [EXERCISE ...]
//! [--json] [--seed N]`. It hands your functions to lenet's checker, which
//! prints one report per exercise and exits with status 0 only when every
//! selected exercise passes.

fn main() -> std::process::ExitCode {
    lenet::course::main(backprop_homework::answers())
}
