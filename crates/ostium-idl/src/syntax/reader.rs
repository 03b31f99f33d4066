//! Reading RON values as Idol's schema wants them: structs with known fields, maps with
//! string keys, strings, booleans, options and enum variants. Every mismatch is recorded as
//! a located error and reading goes on, so that one pass reports every error of the file.

use std::collections::HashMap;

use crate::error::{Error, ErrorKind, Item};
use crate::ron::{Field, Kind, Name, Value};
use crate::span::Span;

use super::ast::Text;

/// The fields of a struct, checked for duplicates.
pub(crate) struct Fields<'v> {
    fields: &'v [Field],
}

impl<'v> Fields<'v> {
    /// The value of field `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&'v Value> {
        self.fields.iter().find(|f| f.name.text == name).map(|f| &f.value)
    }
}

/// The payload of an enum variant: `A`, `A(x, y)` or `A(f: x)`.
pub(crate) enum Payload<'v> {
    Unit,
    Tuple(&'v [Value]),
    Struct,
}

/// Reads values, collecting errors.
pub(crate) struct Reader<'s> {
    pub(crate) source: &'s str,
    pub(crate) implicit_some: bool,
    pub(crate) errors: Vec<Error>,
}

/// The span of a value's first token: its struct name, or its first byte.
pub(crate) fn head(value: &Value) -> Span {
    match &value.kind {
        Kind::Struct { name: Some(n), .. } | Kind::Tuple { name: Some(n), .. } | Kind::Unit(n) => {
            n.span
        }
        _ => Span::new(value.span.start, (value.span.start + 1).min(value.span.end)),
    }
}

impl<'s> Reader<'s> {
    pub(crate) fn error(&mut self, kind: ErrorKind, span: Span) {
        self.errors.push(Error::new(kind, span));
    }

    fn wrong_kind(&mut self, expected: &'static str, value: &Value) {
        let found = value.kind.describe();
        self.error(ErrorKind::WrongKind { expected, found }, value.span);
    }

    /// A struct named `expected` or unnamed, whose fields Idol reads are `known`. Other
    /// fields are rejected if `strict` (which describes the known ones for the message), and
    /// otherwise allowed, with duplicates inside them reported.
    pub(crate) fn structure<'v>(
        &mut self,
        value: &'v Value,
        expected: &'static str,
        known: &'static [&'static str],
        strict: Option<&'static str>,
    ) -> Option<Fields<'v>> {
        let (name, fields): (&Option<Name>, &'v [Field]) = match &value.kind {
            Kind::Struct { name, fields } => (name, fields),
            Kind::Tuple { name, items } if items.is_empty() => (name, &[]),
            _ => {
                self.wrong_kind("a struct `(field: value, ..)`", value);
                return None;
            }
        };
        if let Some(name) = name.as_ref().filter(|n| n.text != expected) {
            let found = name.text.clone();
            self.error(ErrorKind::WrongStructName { expected, found }, name.span);
            return None;
        }
        self.report_duplicates(
            Item::Field,
            fields.iter().map(|f| (f.name.text.as_str(), f.name.span)),
        );
        for field in fields.iter().filter(|f| !known.contains(&f.name.text.as_str())) {
            match strict {
                Some(expected) => {
                    let kind = ErrorKind::UnknownField { field: field.name.text.clone(), expected };
                    self.error(kind, field.name.span);
                }
                None => self.check_duplicates(&field.value),
            }
        }
        Some(Fields { fields })
    }

    /// A required field.
    pub(crate) fn required<'v>(
        &mut self,
        fields: &Fields<'v>,
        name: &'static str,
        of: &Value,
    ) -> Option<&'v Value> {
        let value = fields.get(name);
        if value.is_none() {
            self.error(ErrorKind::MissingField { field: name }, head(of));
        }
        value
    }

    /// A map whose keys are strings naming `item`s, in order, duplicates reported.
    pub(crate) fn keyed<'v>(
        &mut self,
        value: &'v Value,
        item: Item,
    ) -> Option<Vec<(Text, &'v Value)>> {
        let Kind::Map(entries) = &value.kind else {
            self.wrong_kind("a map `{\"name\": value, ..}`", value);
            return None;
        };
        let mut out: Vec<(Text, &Value)> = Vec::with_capacity(entries.len());
        let mut seen: HashMap<String, Span> = HashMap::new();
        for (key, value) in entries {
            let Some(key) = self.string(key) else { continue };
            if let Some(&first) = seen.get(&key.value) {
                let kind = ErrorKind::Duplicate { item, name: key.value };
                self.errors.push(Error::new(kind, key.span).note("first defined here", first));
                continue;
            }
            seen.insert(key.value.clone(), key.span);
            out.push((key, value));
        }
        Some(out)
    }

    pub(crate) fn string(&mut self, value: &Value) -> Option<Text> {
        match &value.kind {
            Kind::Str(s) => Some(Text { value: s.clone(), span: value.span }),
            _ => {
                self.wrong_kind("a string", value);
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, value: &Value) -> Option<bool> {
        match value.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.wrong_kind("`true` or `false`", value);
                None
            }
        }
    }

    /// `None`, `Some(v)`, or, with `implicit_some`, a bare `v`. `Err` if an error was
    /// recorded.
    pub(crate) fn option<'v>(&mut self, value: &'v Value) -> Result<Option<&'v Value>, ()> {
        match &value.kind {
            Kind::Unit(n) if n.text == "None" => Ok(None),
            Kind::Tuple { name: Some(n), items } if n.text == "Some" => match &items[..] {
                [inner] => Ok(Some(inner)),
                _ => {
                    self.wrong_kind("`Some(value)`", value);
                    Err(())
                }
            },
            _ if self.implicit_some => Ok(Some(value)),
            _ => {
                self.error(ErrorKind::BareOption, value.span);
                Err(())
            }
        }
    }

    /// An enum variant: its name and payload. `expected` describes the enum's variants.
    pub(crate) fn variant<'v>(
        &mut self,
        value: &'v Value,
        expected: &'static str,
    ) -> Option<(&'v Name, Payload<'v>)> {
        match &value.kind {
            Kind::Unit(name) => Some((name, Payload::Unit)),
            Kind::Tuple { name: Some(name), items } => Some((name, Payload::Tuple(items))),
            Kind::Struct { name: Some(name), .. } => Some((name, Payload::Struct)),
            _ => {
                self.wrong_kind(expected, value);
                None
            }
        }
    }

    /// Reports duplicate keys and fields anywhere inside a value Idol does not interpret.
    pub(crate) fn check_duplicates(&mut self, value: &Value) {
        match &value.kind {
            Kind::Map(entries) => {
                let source = self.source;
                self.report_duplicates(
                    Item::Key,
                    entries.iter().map(|(k, _)| (key_text(k, source), k.span)),
                );
                for (key, value) in entries {
                    self.check_duplicates(key);
                    self.check_duplicates(value);
                }
            }
            Kind::Struct { fields, .. } => {
                self.report_duplicates(
                    Item::Field,
                    fields.iter().map(|f| (f.name.text.as_str(), f.name.span)),
                );
                for field in fields {
                    self.check_duplicates(&field.value);
                }
            }
            Kind::List(items) | Kind::Tuple { items, .. } => {
                items.iter().for_each(|v| self.check_duplicates(v))
            }
            _ => {}
        }
    }
}

impl Reader<'_> {
    /// Reports every key seen before among `keys`, with a note at its first place.
    fn report_duplicates<'k>(&mut self, item: Item, keys: impl Iterator<Item = (&'k str, Span)>) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for (key, span) in keys {
            match seen.get(key) {
                Some(&first) => {
                    let kind = ErrorKind::Duplicate { item, name: key.to_owned() };
                    self.errors.push(Error::new(kind, span).note("first defined here", first));
                }
                None => {
                    seen.insert(key, span);
                }
            }
        }
    }
}

/// A map key's identity: a string's value, or any other key's source text.
fn key_text<'a>(key: &'a Value, source: &'a str) -> &'a str {
    match &key.kind {
        Kind::Str(s) => s,
        _ => key.span.text(source),
    }
}
