//! Feeds arbitrary text to `ostium_idl::parse`: it must never panic, and every error must be
//! located inside the input, on character boundaries, and render.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_idl::LineColumn;

fuzz_target!(|input: &[u8]| {
    let Ok(source) = std::str::from_utf8(input) else { return };
    match ostium_idl::parse(source, "fuzz.idol") {
        Ok(interface) => {
            for (i, op) in interface.ops.iter().enumerate() {
                assert_eq!(op.number.get() as usize, i + 1);
                assert_eq!(interface.op(op.name.as_str()), Some(op));
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for d in &errors {
                assert!(d.span.start <= d.span.end && d.span.end <= source.len(), "{d:?}");
                assert!(
                    source.is_char_boundary(d.span.start) && source.is_char_boundary(d.span.end)
                );
                assert_eq!(d.at, LineColumn::of(source, d.span.start));
                if let Some(note) = &d.note {
                    assert!(note.span.end <= source.len(), "{d:?}");
                }
            }
            let rendered = errors.to_string();
            assert!(rendered.starts_with("error: "));
        }
    }
});
