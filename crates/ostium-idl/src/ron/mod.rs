//! A small RON reader that keeps positions: tokenizer, parser and spanned value tree.
//!
//! Why not `ron` + serde: `ron::Value` drops every position (no error could say where a
//! semantic rule is broken) and its maps keep only the last of duplicate keys, while Idol
//! must report both. RON as Idol uses it is small enough to read by hand.

mod parser;
mod token;
mod value;

pub(crate) use parser::parse;
pub(crate) use value::{Document, Field, Kind, Name, Value};

#[cfg(test)]
mod tests;
