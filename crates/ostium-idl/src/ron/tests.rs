//! Table and property tests of the tokenizer and parser.

use proptest::prelude::*;

use super::parser::{self, number};
use super::token::{Tok, tokenize};
use super::value::Kind;
use crate::error::ErrorKind;
use crate::span::Span;

fn toks(src: &str) -> Vec<Tok> {
    tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
}

fn lex_error(src: &str) -> (ErrorKind, Span) {
    let e = tokenize(src).unwrap_err();
    (e.kind, e.span)
}

#[test]
fn tokens_of_each_kind() {
    use Tok::*;
    let ident = |s: &str| Ident(s.to_owned());
    let string = |s: &str| Str(s.to_owned());
    let table: &[(&str, Vec<Tok>)] = &[
        ("", vec![Eof]),
        ("  \t\r\n", vec![Eof]),
        ("Interface(", vec![ident("Interface"), Punct('('), Eof]),
        ("( ) [ ] { } , : # !", "()[]{},:#!".chars().map(Punct).chain([Eof]).collect()),
        ("type: recv", vec![ident("type"), Punct(':'), ident("recv"), Eof]),
        ("r#type", vec![ident("type"), Eof]),
        ("_x9", vec![ident("_x9"), Eof]),
        (r#""u8""#, vec![string("u8"), Eof]),
        (r#""a\"b\\c\n\t\u{e9}\u00e9\x41\/""#, vec![string("a\"b\\c\n\té\u{e9}A/"), Eof]),
        (r##"r#"raw "quoted""#"##, vec![string("raw \"quoted\""), Eof]),
        (r#"r"raw""#, vec![string("raw"), Eof]),
        ("'a' '\\n'", vec![Char('a'), Char('\n'), Eof]),
        ("1 -2 +3 0x1F 1_000 1.5 1e-3", vec![Number; 7].into_iter().chain([Eof]).collect()),
        ("a // comment\nb", vec![ident("a"), ident("b"), Eof]),
        ("a /* one /* two */ still */ b", vec![ident("a"), ident("b"), Eof]),
        ("a/**/b", vec![ident("a"), ident("b"), Eof]),
        ("// only a comment", vec![Eof]),
        ("\"multi\nline\"", vec![string("multi\nline"), Eof]),
    ];
    for (src, expected) in table {
        assert_eq!(&toks(src), expected, "{src:?}");
    }
}

#[test]
fn token_spans_cover_their_text() {
    let src = "Interface( name: \"Spi\" ) // x";
    let spans: Vec<&str> = tokenize(src).unwrap().iter().map(|t| t.span.text(src)).collect();
    assert_eq!(spans, ["Interface", "(", "name", ":", "\"Spi\"", ")", ""]);
}

#[test]
fn lexical_errors_are_located() {
    let table: &[(&str, ErrorKind, Span)] = &[
        ("a @", ErrorKind::UnexpectedCharacter('@'), Span::new(2, 3)),
        ("x \"open", ErrorKind::UnterminatedString, Span::new(2, 7)),
        ("r#\"open\"", ErrorKind::UnterminatedString, Span::new(0, 8)),
        ("a /* open /* */", ErrorKind::UnterminatedComment, Span::new(2, 4)),
        ("\"\\q\"", ErrorKind::InvalidEscape, Span::new(1, 3)),
        ("\"\\u{110000}\"", ErrorKind::InvalidEscape, Span::new(1, 11)),
        ("\"\\x80\"", ErrorKind::InvalidEscape, Span::new(1, 5)),
        ("'ab'", ErrorKind::InvalidChar, Span::new(0, 2)),
        ("''", ErrorKind::InvalidChar, Span::new(0, 2)),
        ("r#1", ErrorKind::UnexpectedCharacter('#'), Span::new(1, 2)),
    ];
    for (src, kind, span) in table {
        assert_eq!(lex_error(src), (kind.clone(), *span), "{src:?}");
    }
}

#[test]
fn numbers() {
    let table: &[(&str, Option<Kind>)] = &[
        ("0", Some(Kind::Int(0))),
        ("65535", Some(Kind::Int(65535))),
        ("-7", Some(Kind::Int(-7))),
        ("+7", Some(Kind::Int(7))),
        ("0xff", Some(Kind::Int(255))),
        ("0o17", Some(Kind::Int(15))),
        ("0b101", Some(Kind::Int(5))),
        ("1_000_000", Some(Kind::Int(1_000_000))),
        ("1.5", Some(Kind::Float)),
        ("1e9", Some(Kind::Float)),
        ("0xfg", None),
        ("1x", None),
        ("0x", None),
        ("1e", None),
        ("340282366920938463463374607431768211456", None),
    ];
    for (text, expected) in table {
        assert_eq!(&number(text), expected, "{text}");
    }
}

#[test]
fn documents() {
    let doc = parser::parse(
        "#![enable(implicit_some)] (a: 1, b: [x, \"y\"], c: {1: ()}, d: Some(2), e: None)",
    )
    .unwrap();
    assert!(doc.implicit_some);
    let Kind::Struct { name: None, fields } = &doc.value.kind else { panic!("{doc:?}") };
    let names: Vec<_> = fields.iter().map(|f| f.name.text.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    assert!(!parser::parse("Simple((type: \"u8\"))").unwrap().implicit_some);
    assert!(parser::parse("#![enable(unwrap_newtypes)] 1").is_err());
    assert!(parser::parse("(a: 1) (b: 2)").is_err());
    assert!(parser::parse("(a: 1,,)").is_err());
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(parser::parse(&deep).unwrap_err().kind, ErrorKind::TooDeep);
}

/// Renders a token as source text that lexes back to it.
fn render(tok: &Tok) -> String {
    match tok {
        Tok::Ident(s) => s.clone(),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Char(c) => format!("{c:?}"),
        Tok::Number => "42".to_owned(),
        Tok::Punct(c) => c.to_string(),
        Tok::Eof => String::new(),
    }
}

fn arb_tok() -> impl Strategy<Value = Tok> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_map(Tok::Ident),
        any::<String>().prop_map(Tok::Str),
        any::<char>().prop_map(Tok::Char),
        Just(Tok::Number),
        prop::sample::select(&['(', ')', '[', ']', '{', '}', ',', ':', '#', '!'][..])
            .prop_map(Tok::Punct),
    ]
}

fn arb_blank() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" ".to_owned()),
        Just("\n\t".to_owned()),
        "[^\n]{0,10}".prop_map(|c| format!("//{c}\n")),
        "[a-z ]{0,10}".prop_map(|c| format!("/* {c} /* nested */ */")),
    ]
}

proptest! {
    /// Any sequence of tokens, rendered with blanks and comments between them, lexes back to
    /// itself, each span covering exactly its rendering.
    #[test]
    fn rendered_tokens_lex_back(toks in prop::collection::vec((arb_tok(), arb_blank()), 0..20)) {
        let mut src = String::new();
        let mut expected = Vec::new();
        for (tok, blank) in &toks {
            let start = src.len();
            src.push_str(&render(tok));
            expected.push((tok.clone(), Span::new(start, src.len())));
            src.push_str(blank);
        }
        let got: Vec<_> = tokenize(&src).unwrap().into_iter().map(|t| (t.tok, t.span)).collect();
        prop_assert_eq!(&got[..got.len() - 1], &expected[..]);
        prop_assert_eq!(&got[got.len() - 1].0, &Tok::Eof);
    }

    /// Any input: no panic, and every span lies on character boundaries, in order.
    #[test]
    fn arbitrary_input_lexes_or_fails_cleanly(src in any::<String>()) {
        match tokenize(&src) {
            Ok(tokens) => {
                let mut last = 0;
                for t in tokens {
                    prop_assert!(t.span.start >= last && t.span.end >= t.span.start && t.span.end <= src.len());
                    prop_assert!(src.is_char_boundary(t.span.start) && src.is_char_boundary(t.span.end));
                    last = t.span.end;
                }
            }
            Err(e) => prop_assert!(e.span.end <= src.len() && src.is_char_boundary(e.span.start)),
        }
        let _ = parser::parse(&src);
    }
}
