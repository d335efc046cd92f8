//! `cargo test --release`: one test per exercise, the same checks and
//! verdicts as `lenet course check`. A failing test prints the report: what
//! is wrong, where, and the seed that reproduces it (`LENET_SEED=N cargo test
//! --release`). Without LENET_SEED the inputs change from run to run.

use backprop_homework::answers;

/// The seed of this run: LENET_SEED, or six digits from the clock (as
/// `lenet course check` draws it), the same for every test of the run.
fn seed() -> u64 {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| match std::env::var("LENET_SEED") {
        Ok(s) => s.trim().parse().expect("LENET_SEED must be a whole number"),
        Err(_) => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            (now.as_secs() ^ u64::from(now.subsec_nanos())) % 1_000_000
        }
    })
}

fn check(exercise: &str) {
    let report = lenet::course::check(exercise, &answers(), seed())
        .unwrap_or_else(|| panic!("{exercise} is not an exercise of lenet::course::EXERCISES"));
    assert!(report.passed(), "\n{report}");
}

macro_rules! exercises {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*

        /// Every exercise of the catalogue has its test here.
        #[test]
        fn every_exercise_is_tested() {
            assert_eq!([$(stringify!($name)),*], lenet::course::EXERCISES);
        }
    };
}

exercises!(
    fc_forward,
    fc_backprop_delta,
    fc_weight_grad,
    fc_bias_grad,
    correlate_valid,
    full_convolve,
    kernel_grad,
    bias_grad,
    conv_backward,
    conv_backward_strided,
    mean_pool_backward,
    max_pool_backward,
    relu_backward,
    softmax_cross_entropy_grad,
    lenet_backward,
);
