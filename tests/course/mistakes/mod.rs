//! Every catalogued mistake, written as a student would write it, is
//! diagnosed by its name: one file per layer.

/// One `#[test]` per line `test_name: exercise = answer => "mistake"`: the
/// crate's answers with `exercise` replaced by `answer` (a closure) are
/// diagnosed as `mistake` on every seed. Each test keeps its own name, so
/// a failure names the mistake.
macro_rules! diagnoses {
    ($($test:ident: $exercise:ident = $answer:expr => $mistake:literal;)*) => {$(
        #[test]
        fn $test() {
            let answers = Answers { $exercise: $answer, ..reference() };
            assert_diagnosed(stringify!($exercise), answers, $mistake);
        }
    )*};
}

pub(crate) mod conv;
mod fc;
mod lenet;
mod pooling_relu;
mod softmax;
mod strided;
