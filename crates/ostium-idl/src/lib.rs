//! Idol interface definitions for Ostium: the `.idol` files of Hubris, read exactly as Hubris
//! writes them, with every error located like rustc's, and one validation pass whose
//! [`Interface`] both client and server generation consume.
//!
//! ```
//! let source = r#"
//!     Interface(
//!         name: "Spi",
//!         ops: {
//!             "exchange": (
//!                 doc: "Writes `source` and reads `sink` at once.",
//!                 args: { "device_index": "u8" },
//!                 leases: {
//!                     "source": (type: "[u8]", read: true, max_len: Some(65535)),
//!                     "sink": (type: "[u8]", write: true, max_len: Some(65535)),
//!                 },
//!                 reply: Result(ok: "()", err: CLike("SpiError")),
//!             ),
//!         },
//!     )
//! "#;
//! let spi = ostium_idl::parse(source, "spi.idol").unwrap();
//! let exchange = spi.op("exchange").unwrap();
//! assert_eq!(exchange.number.get(), 1);
//! assert_eq!(exchange.leases.len(), 2);
//! assert!(!exchange.leases[0].ty.is_sized());
//!
//! let error = ostium_idl::parse("Interface(name: \"Spi\", ops: {}, ops: {})", "x.idol")
//!     .unwrap_err();
//! assert_eq!(error.to_string().lines().next(), Some("error: duplicate field `ops`"));
//! ```
//!
//! The pipeline, one module each: `ron` (tokens and a spanned value tree: a hand-written
//! reader, because `ron::Value` loses positions and duplicate keys) → `syntax` (Idol's
//! schema) → `validate` (every semantic rule, once) → [`model`].
//! Parsing never panics and never returns an error without a location.

#![forbid(unsafe_code)]

mod codegen;
mod diagnostic;
mod error;
pub mod model;
mod ron;
mod span;
mod syntax;
mod validate;

pub use codegen::{
    Allowed, GenerateError, Generator, Style, build_client_stub, build_restricted_server_support,
    build_server_support,
};
pub use diagnostic::{Diagnostic, Diagnostics, Note};
pub use error::{ErrorKind, Item};
pub use model::{
    Access, Arg, Encoding, ErrorType, Function, Int, Interface, Lease, Name, Operation, Recv,
    Reply, Shape, Type, ValueType,
};
pub use span::{LineColumn, Span};

/// A `.idol` file's bytes as text, or a diagnostic located at the first byte that is not
/// UTF-8 (shown as `\u{FFFD}`), for [`parse`] and [`Generator::render`].
pub fn source_text(
    bytes: Vec<u8>,
    file: impl AsRef<std::path::Path>,
) -> Result<String, Diagnostics> {
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        // The lossy text is the source up to the bad byte, then U+FFFD for it.
        let shown = String::from_utf8_lossy(err.as_bytes());
        let span = Span { start: at, end: at + char::REPLACEMENT_CHARACTER.len_utf8() };
        let error = error::Error::new(ErrorKind::NotUtf8, span);
        Diagnostics::new(&file.as_ref().display().to_string(), &shown, vec![error])
    })
}

/// Parses and validates one `.idol` file. `file` names it in diagnostics (a path, usually).
///
/// A syntax error stops reading at once. Otherwise every error of Idol's schema (wrong
/// kinds, duplicates, missing fields) is reported; if there is none, every error of
/// validation is. Errors come in the order of the file.
pub fn parse(source: &str, file: impl AsRef<std::path::Path>) -> Result<Interface, Diagnostics> {
    let file = file.as_ref().display().to_string();
    let located = |errors| Diagnostics::new(&file, source, errors);
    let document = ron::parse(source).map_err(|e| located(vec![e]))?;
    let syntax = syntax::decode(&document, source).map_err(located)?;
    validate::validate(&syntax).map_err(located)
}
