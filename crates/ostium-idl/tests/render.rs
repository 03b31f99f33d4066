//! Rendered errors look like rustc's: headline, `--> file:line:column`, the source line and
//! a caret under the offending text, then notes and help.

use ostium_idl::parse;

#[test]
fn an_error_shows_its_line_and_a_caret_under_the_text() {
    let source = "Interface(\n    name: \"Spi\",\n    ops: {\n        \"read\": (reply: Simple(\"[u8]\")),\n    },\n)\n";
    let errors = parse(source, "idl/spi.idol").unwrap_err();
    let expected = "\
error: type `[u8]` is unsized: arguments and replies must be sized
 --> idl/spi.idol:4:32
  |
4 |         \"read\": (reply: Simple(\"[u8]\")),
  |                                ^^^^^^
  |
  = help: pass unsized data as a lease";
    assert_eq!(errors.to_string(), expected);
}

#[test]
fn a_note_shows_the_related_place_with_dashes() {
    let source = "Interface(name: \"T\", ops: {\n  \"a\": (reply: Simple(\"()\")),\n  \"a\": (reply: Simple(\"()\")),\n})";
    let errors = parse(source, "t.idol").unwrap_err();
    let expected = "\
error: duplicate operation `a`
 --> t.idol:3:3
  |
3 |   \"a\": (reply: Simple(\"()\")),
  |   ^^^
  |
note: first defined here
 --> t.idol:2:3
  |
2 |   \"a\": (reply: Simple(\"()\")),
  |   ---";
    assert_eq!(errors.to_string(), expected);
}

#[test]
fn line_numbers_of_different_widths_align() {
    let mut source = "Interface(name: \"T\", ops: {\n".to_owned();
    source.push_str(&"\n".repeat(8));
    source
        .push_str("  \"x\": (reply: Simple(\"()\"), idempotent: true, reply: Simple(\"()\")),\n})");
    let rendered = parse(&source, "t.idol").unwrap_err().to_string();
    assert!(rendered.contains("  --> t.idol:10:"), "{rendered}");
    assert!(rendered.contains("\n10 |   \"x\""), "{rendered}");
    assert!(rendered.contains("\n   |"), "{rendered}");
}

#[test]
fn an_error_at_the_end_of_the_file_still_has_a_caret() {
    let rendered = parse("Interface(name: \"T\",", "t.idol").unwrap_err().to_string();
    assert_eq!(
        rendered,
        "error: expected a field name, found end of file\n --> t.idol:1:21\n  |\n1 | Interface(name: \"T\",\n  |                     ^"
    );
}
