//! Rust types as an interface names them: [`Type`] (the text, the parsed `syn::Type` and
//! its [`Shape`]) and the primitive integers [`Int`].

use crate::span::Span;

/// A type string of the file, parsed and classified.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Type {
    /// The type as written, without the quotes.
    pub text: String,
    /// The type parsed by `syn`, ready to be quoted into generated code.
    pub syn: syn::Type,
    /// What kind of type it is, as far as code generation cares.
    pub shape: Shape,
    /// The string literal in the file, quotes included.
    pub span: Span,
}

/// The kinds of type code generation treats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shape {
    /// `()`.
    Unit,
    /// `bool`: travels as one byte under Zerocopy.
    Bool,
    /// A primitive integer.
    Int(Int),
    /// `f32` or `f64`.
    Float,
    /// `char`.
    Char,
    /// `str`: unsized.
    Str,
    /// `[T]`: unsized, so only a lease can have it.
    Slice,
    /// `[T; N]`.
    Array,
    /// `(A, B, ..)` with at least one element.
    Tuple,
    /// `Option<T>` (any path ending in `Option` with one type argument).
    Option,
    /// Any other named type: a struct or enum of the application, `Result<..>`, ….
    Named,
}

impl Type {
    pub(crate) fn new(text: String, syn: syn::Type, span: Span) -> Type {
        let shape = Shape::of(&syn);
        Type { text, syn, shape, span }
    }

    /// Whether values of this type have a size known at compile time. Only `[T]` and `str`
    /// do not; a lease of such a type is lent with a length chosen by the caller.
    pub fn is_sized(&self) -> bool {
        !matches!(self.shape, Shape::Slice | Shape::Str)
    }

    /// The element type of `[T]` or `[T; N]`.
    pub fn element(&self) -> Option<&syn::Type> {
        match strip(&self.syn) {
            syn::Type::Slice(s) => Some(&s.elem),
            syn::Type::Array(a) => Some(&a.elem),
            _ => None,
        }
    }

    /// The length expression of `[T; N]`.
    pub fn array_len(&self) -> Option<&syn::Expr> {
        match strip(&self.syn) {
            syn::Type::Array(a) => Some(&a.len),
            _ => None,
        }
    }
}

/// The type inside any parentheses or invisible groups.
pub(crate) fn strip(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Paren(p) => strip(&p.elem),
        syn::Type::Group(g) => strip(&g.elem),
        other => other,
    }
}

impl Shape {
    fn of(ty: &syn::Type) -> Shape {
        match strip(ty) {
            syn::Type::Tuple(t) if t.elems.is_empty() => Shape::Unit,
            syn::Type::Tuple(_) => Shape::Tuple,
            syn::Type::Slice(_) => Shape::Slice,
            syn::Type::Array(_) => Shape::Array,
            syn::Type::Path(p) if p.qself.is_none() => {
                if let Some(ident) = p.path.get_ident() {
                    let name = ident.to_string();
                    match name.as_str() {
                        "bool" => return Shape::Bool,
                        "f32" | "f64" => return Shape::Float,
                        "char" => return Shape::Char,
                        "str" => return Shape::Str,
                        _ => {}
                    }
                    if let Some(int) = Int::from_name(&name) {
                        return Shape::Int(int);
                    }
                }
                let last = p.path.segments.last();
                match last.map(|s| (s.ident == "Option", &s.arguments)) {
                    Some((true, syn::PathArguments::AngleBracketed(a))) if a.args.len() == 1 => {
                        Shape::Option
                    }
                    _ => Shape::Named,
                }
            }
            _ => Shape::Named,
        }
    }
}

/// A primitive integer type, as `FromPrimitive` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs, reason = "each variant is the integer type of its name")]
pub enum Int {
    U8,
    U16,
    U32,
    U64,
    U128,
    Usize,
    I8,
    I16,
    I32,
    I64,
    I128,
    Isize,
}

impl Int {
    /// Every integer type.
    pub const ALL: [Int; 12] = [
        Int::U8,
        Int::U16,
        Int::U32,
        Int::U64,
        Int::U128,
        Int::Usize,
        Int::I8,
        Int::I16,
        Int::I32,
        Int::I64,
        Int::I128,
        Int::Isize,
    ];

    /// The Rust name: `u8`, `isize`, ….
    pub const fn name(self) -> &'static str {
        match self {
            Int::U8 => "u8",
            Int::U16 => "u16",
            Int::U32 => "u32",
            Int::U64 => "u64",
            Int::U128 => "u128",
            Int::Usize => "usize",
            Int::I8 => "i8",
            Int::I16 => "i16",
            Int::I32 => "i32",
            Int::I64 => "i64",
            Int::I128 => "i128",
            Int::Isize => "isize",
        }
    }

    /// The integer type named `name`.
    pub fn from_name(name: &str) -> Option<Int> {
        Int::ALL.into_iter().find(|i| i.name() == name)
    }

    /// The type as `syn` sees it, for generated code.
    pub fn to_syn(self) -> syn::Type {
        named(self.name())
    }

    /// The `num_traits::FromPrimitive` method converting from this type: `from_u8`, ….
    pub fn from_primitive_method(self) -> String {
        format!("from_{}", self.name())
    }
}

/// The type named by one identifier, such as `u8`.
pub(crate) fn named(name: &str) -> syn::Type {
    let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
    syn::Type::Path(syn::TypePath { qself: None, path: ident.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Shape {
        Shape::of(&syn::parse_str(text).unwrap())
    }

    #[test]
    fn shapes_of_the_types_idol_files_use() {
        let table = [
            ("()", Shape::Unit),
            ("bool", Shape::Bool),
            ("u8", Shape::Int(Int::U8)),
            ("usize", Shape::Int(Int::Usize)),
            ("f32", Shape::Float),
            ("[u8]", Shape::Slice),
            ("[usize; hubris_num_tasks::NUM_TASKS]", Shape::Array),
            ("(f32, u64)", Shape::Tuple),
            ("Option<(f32, u64)>", Shape::Option),
            ("core::option::Option<u16>", Shape::Option),
            ("drv_spi_api::SpiError", Shape::Named),
            ("Result<f32, NoData>", Shape::Named),
            ("(u8)", Shape::Int(Int::U8)),
            ("str", Shape::Str),
        ];
        for (text, expected) in table {
            assert_eq!(shape(text), expected, "{text}");
        }
    }

    #[test]
    fn integer_names_round_trip() {
        for int in Int::ALL {
            assert_eq!(Int::from_name(int.name()), Some(int));
            assert_eq!(Shape::of(&int.to_syn()), Shape::Int(int));
        }
        assert_eq!(Int::U32.from_primitive_method(), "from_u32");
    }
}
