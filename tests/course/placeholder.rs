//! The starter's placeholders as text (`course/starter/src/*.rs`): each stub's
//! body is the macro call `todo!("NAME")`, which the end-to-end tests count
//! and replace.

/// The placeholder of exercise `name`, as the starter writes it.
pub fn of(name: &str) -> String {
    format!("todo!(\"{name}\")")
}

/// How many placeholders `text` still holds.
pub fn count(text: &str) -> usize {
    text.matches("todo!(\"").count()
}
