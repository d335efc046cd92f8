//! (being written)
/// placeholder
#[derive(Clone, Debug, PartialEq)]
pub struct Sym;
