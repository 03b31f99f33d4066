//! Type strings: each must parse as a Rust type (`syn::parse_str::<syn::Type>`) that can
//! cross a process boundary: no references, pointers, function pointers, traits, `_`, `!`
//! or macros, anywhere inside it.

use crate::error::{Error, ErrorKind};
use crate::model::Type;
use crate::syntax::Text;

/// How deeply brackets may nest in a type string; deeper strings are refused before `syn`
/// sees them, so that its recursive parser cannot overflow the stack.
const MAX_NESTING: usize = 32;

/// Parses and checks a type string.
pub(crate) fn ty(text: &Text) -> Result<Type, Error> {
    let error = |kind| Err(Error::new(kind, text.span));
    if nesting(&text.value) > MAX_NESTING {
        let reason = format!("brackets nest more than {MAX_NESTING} levels deep");
        return error(ErrorKind::NotAType { text: text.value.clone(), reason });
    }
    let parsed = match syn::parse_str::<syn::Type>(&text.value) {
        Ok(parsed) => parsed,
        Err(e) => {
            // `syn` reports a failure to tokenize (an unbalanced bracket, a stray quote) so.
            let reason = match e.to_string() {
                r if r == "cannot parse string into token stream" => {
                    "its brackets or quotes do not balance".to_owned()
                }
                r => r,
            };
            return error(ErrorKind::NotAType { text: text.value.clone(), reason });
        }
    };
    if let Some(reason) = unsupported(&parsed) {
        return error(ErrorKind::UnsupportedType { text: text.value.clone(), reason });
    }
    Ok(Type::new(text.value.clone(), parsed, text.span))
}

/// The deepest nesting of `(`, `[`, `{` and `<` in `s`.
fn nesting(s: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for c in s.chars() {
        match c {
            '(' | '[' | '{' | '<' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' | '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Why `ty` cannot travel between processes, if it cannot.
fn unsupported(ty: &syn::Type) -> Option<&'static str> {
    use syn::Type as T;
    match ty {
        T::Reference(_) | T::Ptr(_) => {
            Some("a reference or pointer means nothing in another process")
        }
        T::BareFn(_) => Some("a function pointer means nothing in another process"),
        T::ImplTrait(_) | T::TraitObject(_) => Some("a trait is not a type with a representation"),
        T::Infer(_) => Some("`_` is not a type"),
        T::Never(_) => Some("`!` has no values to send"),
        T::Macro(_) => Some("macros are not expanded in interface types"),
        T::Paren(t) => unsupported(&t.elem),
        T::Group(t) => unsupported(&t.elem),
        T::Slice(t) => unsupported(&t.elem),
        T::Array(t) => unsupported(&t.elem),
        T::Tuple(t) => t.elems.iter().find_map(unsupported),
        T::Path(p) => {
            let qself = p.qself.as_ref().and_then(|q| unsupported(&q.ty));
            qself.or_else(|| {
                p.path.segments.iter().find_map(|s| match &s.arguments {
                    syn::PathArguments::AngleBracketed(a) => {
                        a.args.iter().find_map(|arg| match arg {
                            syn::GenericArgument::Type(t) => unsupported(t),
                            _ => None,
                        })
                    }
                    syn::PathArguments::Parenthesized(_) => Some("`Fn(..)` sugar names a trait"),
                    syn::PathArguments::None => None,
                })
            })
        }
        _ => Some("this kind of type is not supported"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn check(s: &str) -> Result<Type, ErrorKind> {
        ty(&Text { value: s.to_owned(), span: Span::new(0, 0) }).map_err(|e| e.kind)
    }

    #[test]
    fn rust_types_pass() {
        for ok in [
            "u8",
            "[u8]",
            "()",
            "[usize; hubris_num_tasks::NUM_TASKS]",
            "Option<(Result<f32, NoData>, u64)>",
            "drv_spi_api::SpiError",
            "<T as Trait>::Assoc",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn non_types_and_unsendable_types_are_refused() {
        for bad in ["", "u8 u8", "[u8", "Vec<", "fn", "1"] {
            assert!(matches!(check(bad), Err(ErrorKind::NotAType { .. })), "{bad:?}");
        }
        for bad in [
            "&u8",
            "*const u8",
            "fn()",
            "impl Copy",
            "dyn Copy",
            "_",
            "!",
            "m!()",
            "Option<&u8>",
            "[&u8; 2]",
            "(u8, &u8)",
            "Box<dyn Fn(u8)>",
        ] {
            assert!(matches!(check(bad), Err(ErrorKind::UnsupportedType { .. })), "{bad:?}");
        }
        let deep = format!("{}u8{}", "(".repeat(40), ")".repeat(40));
        assert!(matches!(check(&deep), Err(ErrorKind::NotAType { .. })));
    }
}
