//! One test per rule a `.idol` file can break: each asserts where the error is
//! (`line:column`), the offending text and the headline.

use ostium_idl::{Diagnostic, ErrorKind, Item, parse};

/// The errors of `source`, which must not parse.
fn errors(source: &str) -> Vec<Diagnostic> {
    match parse(source, "test.idol") {
        Ok(i) => panic!("accepted: {i:#?}"),
        Err(e) => e.into_iter().collect(),
    }
}

/// The one error of `source`, checked: line, column, offending text, headline.
#[track_caller]
fn rejects(source: &str, line: usize, column: usize, text: &str, message: &str) -> Diagnostic {
    let all = errors(source);
    assert_eq!(all.len(), 1, "{all:#?}");
    let d = all.into_iter().next().unwrap();
    assert_eq!(
        (d.at.line, d.at.column, d.text.as_str(), d.message().as_str()),
        (line, column, text, message),
        "{d}"
    );
    d
}

/// An interface with one operation `op` whose body is `body`: the body's first line is
/// line 5, indented by 12 columns.
fn op(body: &str) -> String {
    format!(
        "Interface(\n    name: \"T\",\n    ops: {{\n        \"op\": (\n{body}\n        ),\n    }},\n)\n"
    )
}

const OK: &str = "            reply: Simple(\"()\"),";

#[test]
fn duplicate_operation() {
    let src = "Interface(name: \"T\", ops: {\n  \"a\": (reply: Simple(\"()\")),\n  \"a\": (reply: Simple(\"()\")),\n})";
    let d = rejects(src, 3, 3, "\"a\"", "duplicate operation `a`");
    assert_eq!(d.kind, ErrorKind::Duplicate { item: Item::Operation, name: "a".into() });
    let note = d.note.unwrap();
    assert_eq!((note.label, note.at.line, note.at.column), ("first defined here", 2, 3));
}

#[test]
fn duplicate_argument() {
    let src = op(&format!("            args: {{ \"x\": \"u8\", \"x\": \"u16\" }},\n{OK}"));
    rejects(&src, 5, 32, "\"x\"", "duplicate argument `x`");
}

#[test]
fn duplicate_lease() {
    let src = op(&format!(
        "            leases: {{\n                \"buf\": (type: \"[u8]\", read: true),\n                \"buf\": (type: \"[u8]\", write: true),\n            }},\n{OK}"
    ));
    rejects(&src, 7, 17, "\"buf\"", "duplicate lease `buf`");
}

#[test]
fn duplicate_fields_anywhere() {
    // An operation's field.
    let src = op(&format!("{OK}\n{OK}"));
    rejects(&src, 6, 13, "reply", "duplicate field `reply`");
    // The interface's field.
    rejects(
        "Interface(name: \"T\", name: \"U\", ops: {})",
        1,
        22,
        "name",
        "duplicate field `name`",
    );
    // A lease's field.
    let src = op(&format!(
        "            leases: {{ \"b\": (type: \"[u8]\", read: true, read: false) }},\n{OK}"
    ));
    rejects(&src, 5, 55, "read", "duplicate field `read`");
    // Inside a field Idol ignores, a map key and a struct field.
    rejects(
        "Interface(name: \"T\", ops: {}, extra: {\"k\": 1, \"k\": 2})",
        1,
        47,
        "\"k\"",
        "duplicate key `k`",
    );
    rejects(
        "Interface(name: \"T\", ops: {}, extra: (a: 1, a: 2))",
        1,
        45,
        "a",
        "duplicate field `a`",
    );
}

#[test]
fn wrong_struct_name() {
    rejects(
        "Interfase(name: \"T\", ops: {})",
        1,
        1,
        "Interfase",
        "expected struct `Interface`, found `Interfase`",
    );
    let src =
        op(&format!("            leases: {{ \"b\": Lent(type: \"[u8]\", read: true) }},\n{OK}"));
    rejects(&src, 5, 28, "Lent", "expected struct `Lease`, found `Lent`");
}

#[test]
fn names_that_are_not_identifiers() {
    rejects(
        "Interface(name: \"Spi Bus\", ops: {})",
        1,
        17,
        "\"Spi Bus\"",
        "interface name `Spi Bus` is not a Rust identifier",
    );
    let src = "Interface(name: \"T\", ops: { \"read-all\": (reply: Simple(\"()\")) })";
    rejects(src, 1, 29, "\"read-all\"", "operation name `read-all` is not a Rust identifier");
    let src =
        op(&format!("            leases: {{ \"2nd\": (type: \"[u8]\", read: true) }},\n{OK}"));
    rejects(&src, 5, 23, "\"2nd\"", "lease name `2nd` is not a Rust identifier");
}

#[test]
fn names_that_are_keywords() {
    let src = op(&format!("            args: {{ \"type\": \"u8\" }},\n{OK}"));
    let d = rejects(&src, 5, 21, "\"type\"", "argument name `type` is a Rust keyword");
    assert_eq!(d.kind, ErrorKind::Keyword { item: Item::Argument, name: "type".into() });
    rejects(
        "Interface(name: \"Self\", ops: {})",
        1,
        17,
        "\"Self\"",
        "interface name `Self` is a Rust keyword",
    );
    let src = "Interface(name: \"T\", ops: { \"fn\": (reply: Simple(\"()\")) })";
    rejects(src, 1, 29, "\"fn\"", "operation name `fn` is a Rust keyword");
}

#[test]
fn type_strings_that_are_not_rust_types() {
    let src = op("            reply: Simple(\"[u8\"),");
    let d = rejects(
        &src,
        5,
        27,
        "\"[u8\"",
        "`[u8` is not a Rust type: its brackets or quotes do not balance",
    );
    assert!(matches!(d.kind, ErrorKind::NotAType { .. }));
    let src = op(&format!("            args: {{ \"a\": \"u8 u16\" }},\n{OK}"));
    assert!(matches!(errors(&src)[0].kind, ErrorKind::NotAType { .. }));
    let src = op(&format!("            args: {{ \"a\": \"&u8\" }},\n{OK}"));
    rejects(
        &src,
        5,
        26,
        "\"&u8\"",
        "type `&u8` cannot cross a process boundary: a reference or pointer means nothing in another process",
    );
}

#[test]
fn argument_and_lease_with_the_same_name() {
    let src = op(&format!(
        "            args: {{ \"data\": \"u32\" }},\n            leases: {{ \"data\": (type: \"[u8]\", read: true) }},\n{OK}"
    ));
    let d = rejects(
        &src,
        6,
        23,
        "\"data\"",
        "lease `data` has the name of an argument of the same operation",
    );
    let note = d.note.unwrap();
    assert_eq!((note.at.line, note.at.column, note.text.as_str()), (5, 21, "\"data\""));
}

#[test]
fn lease_neither_readable_nor_writable() {
    let src = op(&format!("            leases: {{ \"b\": (type: \"[u8]\", read: false) }},\n{OK}"));
    rejects(
        &src,
        5,
        28,
        "(type: \"[u8]\", read: false)",
        "lease `b` is neither readable nor writable",
    );
    let src = op(&format!("            leases: {{ \"b\": (type: \"[u8]\") }},\n{OK}"));
    rejects(&src, 5, 28, "(type: \"[u8]\")", "lease `b` is neither readable nor writable");
}

#[test]
fn max_len_on_a_sized_type() {
    let src = op(&format!(
        "            leases: {{ \"b\": (type: \"[u8; 4]\", read: true, max_len: Some(4)) }},\n{OK}"
    ));
    let d =
        rejects(&src, 5, 72, "4", "`max_len` on lease `b`, whose type `[u8; 4]` has a fixed size");
    assert_eq!(d.note.unwrap().text, "\"[u8; 4]\"");
    let src = op(&format!(
        "            leases: {{ \"b\": (type: \"u32\", write: true, max_len: Some(1)) }},\n{OK}"
    ));
    rejects(&src, 5, 69, "1", "`max_len` on lease `b`, whose type `u32` has a fixed size");
}

#[test]
fn max_len_zero() {
    let src = op(&format!(
        "            leases: {{ \"b\": (type: \"[u8]\", read: true, max_len: Some(0)) }},\n{OK}"
    ));
    rejects(&src, 5, 69, "0", "`max_len` of lease `b` is zero: it could hold nothing");
}

#[test]
fn max_len_beyond_u32() {
    let src = op(&format!(
        "            leases: {{ \"b\": (type: \"[u8]\", read: true, max_len: Some(4294967296)) }},\n{OK}"
    ));
    rejects(&src, 5, 69, "4294967296", "number out of range: at most 4294967295");
}

#[test]
fn complex_error_without_hubpack() {
    let src = op("            reply: Result(ok: \"()\", err: Complex(\"E\")),");
    let d = rejects(
        &src,
        5,
        42,
        "Complex(\"E\")",
        "`Complex` errors are sent with Hubpack, but this operation's encoding is Zerocopy",
    );
    assert_eq!(d.note.unwrap().label, "this operation has the default encoding");
    let src = op(
        "            reply: Result(ok: \"()\", err: Complex(\"E\")),\n            encoding: Ssmarshal,",
    );
    let d = rejects(
        &src,
        5,
        42,
        "Complex(\"E\")",
        "`Complex` errors are sent with Hubpack, but this operation's encoding is Ssmarshal",
    );
    let note = d.note.unwrap();
    assert_eq!((note.at.line, note.at.column, note.label), (6, 23, "the encoding is set here"));
}

#[test]
fn from_primitive_needs_a_primitive_integer() {
    let src = op(&format!(
        "            args: {{ \"s\": (type: \"State\", recv: FromPrimitive(\"u7\")) }},\n{OK}"
    ));
    rejects(&src, 5, 62, "\"u7\"", "`FromPrimitive` needs a primitive integer type, not `u7`");
    let src = op(&format!(
        "            args: {{ \"s\": (type: \"State\", recv: FromPrimitive(\"State\")) }},\n{OK}"
    ));
    rejects(
        &src,
        5,
        62,
        "\"State\"",
        "`FromPrimitive` needs a primitive integer type, not `State`",
    );
}

#[test]
fn from_primitive_into_a_primitive() {
    let src = op(&format!(
        "            args: {{ \"s\": (type: \"bool\", recv: FromPrimitive(\"u8\")) }},\n{OK}"
    ));
    rejects(&src, 5, 33, "\"bool\"", "`FromPrimitive` cannot convert into `bool`");
}

#[test]
fn zerocopy_cannot_carry_tuples_or_options() {
    let src = op("            reply: Simple(\"(f32, u64)\"),");
    rejects(
        &src,
        5,
        27,
        "\"(f32, u64)\"",
        "encoding Zerocopy cannot carry `(f32, u64)`: a tuple has no fixed layout",
    );
    let src = op(&format!("            args: {{ \"o\": \"Option<u16>\" }},\n{OK}"));
    rejects(
        &src,
        5,
        26,
        "\"Option<u16>\"",
        "encoding Zerocopy cannot carry `Option<u16>`: an `Option` has no fixed layout",
    );
    let src = op(&format!(
        "            args: {{ \"o\": (type: \"T\", recv: From(\"Option<u8>\", None)) }},\n{OK}"
    ));
    rejects(
        &src,
        5,
        49,
        "\"Option<u8>\"",
        "encoding Zerocopy cannot carry `Option<u8>`: an `Option` has no fixed layout",
    );
    // Hubpack carries them; FromPrimitive into Option<E> carries an integer.
    let ok = op(
        "            args: { \"o\": \"Option<u16>\", \"e\": (type: \"Option<E>\", recv: FromPrimitive(\"u8\")) },\n            reply: Simple(\"(f32, u64)\"),\n            encoding: Hubpack,",
    );
    parse(&ok, "ok.idol").unwrap();
    let ok = op(
        "            args: { \"e\": (type: \"Option<E>\", recv: FromPrimitive(\"u8\")) },\n            reply: Simple(\"()\"),",
    );
    parse(&ok, "ok.idol").unwrap();
}

#[test]
fn from_with_a_bad_function() {
    let src = op(&format!(
        "            args: {{ \"a\": (type: \"A\", recv: From(\"u32\", Some(\"to a\"))) }},\n{OK}"
    ));
    rejects(&src, 5, 61, "\"to a\"", "function name `to a` is not a Rust identifier");
}

#[test]
fn server_death_on_an_idempotent_operation() {
    let src = op(
        "            reply: Result(ok: \"()\", err: ServerDeath),\n            idempotent: true,",
    );
    let d = rejects(&src, 5, 42, "ServerDeath", "`ServerDeath` error on an idempotent operation");
    let note = d.note.unwrap();
    assert_eq!((note.at.line, note.at.column, note.text.as_str()), (6, 25, "true"));
}

#[test]
fn unknown_keys_inside_an_attributed_type() {
    let src = op(&format!("            args: {{ \"a\": (type: \"u8\", doc: \"no\") }},\n{OK}"));
    rejects(&src, 5, 39, "doc", "unknown field `doc`, expected `type` or `recv`");
    let src = op("            reply: Result(ok: \"()\", err: CLike(\"E\"), doc: \"no\"),");
    rejects(&src, 5, 54, "doc", "unknown field `doc`, expected `ok` or `err`");
}

#[test]
fn unsized_arguments_and_replies() {
    let src = op(&format!("            args: {{ \"a\": \"[u8]\" }},\n{OK}"));
    rejects(&src, 5, 26, "\"[u8]\"", "type `[u8]` is unsized: arguments and replies must be sized");
    rejects(
        &op("            reply: Simple(\"str\"),"),
        5,
        27,
        "\"str\"",
        "type `str` is unsized: arguments and replies must be sized",
    );
}

#[test]
fn leases_of_types_without_a_fixed_layout() {
    let src =
        op(&format!("            leases: {{ \"t\": (type: \"(u8, u32)\", read: true) }},\n{OK}"));
    rejects(
        &src,
        5,
        35,
        "\"(u8, u32)\"",
        "type `(u8, u32)` cannot cross a process boundary: a lease is memory lent as it is, and this type has no fixed layout",
    );
}

#[test]
fn bare_option_values_need_implicit_some() {
    let lease = "            leases: { \"b\": (type: \"[u8]\", read: true, max_len: 4) },";
    let src = op(&format!("{lease}\n{OK}"));
    let d = rejects(&src, 5, 64, "4", "expected `Some(..)` or `None`");
    assert!(d.to_string().contains("#![enable(implicit_some)]"));
    let with = format!("#![enable(implicit_some)]\n{src}");
    let interface = parse(&with, "ok.idol").unwrap();
    assert_eq!(interface.ops[0].leases[0].max_len.map(|n| n.get()), Some(4));
}

#[test]
fn schema_errors() {
    rejects("Interface(name: \"T\")", 1, 1, "Interface", "missing field `ops`");
    rejects(&op(""), 4, 15, "(", "missing field `reply`");
    rejects(
        &op(&format!("{OK}\n            encoding: Json,")),
        6,
        23,
        "Json",
        "unknown encoding `Json`, expected `Zerocopy`, `Hubpack` or `Ssmarshal`",
    );
    rejects(
        &op("            reply: Maybe(\"u8\"),"),
        5,
        20,
        "Maybe",
        "unknown reply `Maybe`, expected `Simple(type)` or `Result(ok: type, err: error)`",
    );
    rejects(
        &op("            reply: Result(ok: \"()\", err: Fatal),"),
        5,
        42,
        "Fatal",
        "unknown error type `Fatal`, expected `CLike(\"type\")`, `Complex(\"type\")` or `ServerDeath`",
    );
    rejects(
        &op(&format!("{OK}\n            idempotent: 1,")),
        6,
        25,
        "1",
        "expected `true` or `false`, found an integer",
    );
    rejects(
        "Interface(name: Spi, ops: {})",
        1,
        17,
        "Spi",
        "expected a string, found an identifier",
    );
    rejects(
        &op("            reply: Simple((type: \"u8\", recv: FromBits)),"),
        5,
        46,
        "FromBits",
        "unknown receive strategy `FromBits`, expected `FromBytes`, `FromPrimitive(\"type\")` or `From(\"type\", None)`",
    );
}

#[test]
fn syntax_errors_are_located() {
    rejects(
        "Interface(\n  name: \"T,\n  ops: {},\n)",
        2,
        9,
        "\"T,",
        "string literal is never closed",
    );
    rejects("Interface(name: \"T\" ops: {})", 1, 21, "ops", "expected `,` or `)`, found `ops`");
    rejects(
        "Interface(name: \"T\", ops: {})\nmore",
        2,
        1,
        "more",
        "expected end of file, found `more`",
    );
    rejects("", 1, 1, "", "expected a value, found end of file");
    rejects(
        "#![enable(unwrap_newtypes)]\nInterface()",
        1,
        11,
        "unwrap_newtypes",
        "unsupported RON extension `unwrap_newtypes`: only `implicit_some` is accepted",
    );
}

#[test]
fn every_error_is_reported_in_file_order() {
    let src = "Interface(name: \"T\", ops: {\n  \"fn\": (reply: Simple(\"[u8]\")),\n  \"b\": (reply: Result(ok: \"()\", err: Complex(\"E\"))),\n})";
    let all = errors(src);
    let at: Vec<_> = all.iter().map(|d| (d.at.line, d.at.column)).collect();
    assert_eq!(at, [(2, 3), (2, 24), (3, 38)], "{all:#?}");
}
