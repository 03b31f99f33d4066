//! Idol's schema over the RON tree: which structs, fields and variants a `.idol` file has.
//!
//! - `Interface(name: "N", ops: {..})`; any other field is allowed (a `doc:` is kept).
//! - An operation: `args` (default none), `leases` (default none), `reply` (required),
//!   `idempotent` (default `false`), `encoding` (default `Zerocopy`), `doc` or
//!   `description`; any other field is allowed.
//! - An argument or a reply value: `"type"` or `(type: "type", recv: ..)`, nothing else.
//! - A lease: `type` (required), `read`, `write`, `max_len`, `doc`; others are allowed.
//! - `Result(ok: .., err: ..)` has exactly those two fields.
//!
//! Structs may be written unnamed or with Idol's own names (`Interface`, `Operation`,
//! `Lease`, `AttributedTy`), as RON allows.

use crate::error::{ErrorKind, Item};
use crate::model::Encoding;
use crate::ron::{Document, Kind, Value};

use super::ast::{
    AttributedSyntax, ErrorSyntax, InterfaceSyntax, LeaseSyntax, OperationSyntax, RecvSyntax,
    ReplySyntax, Text,
};
use super::reader::{Fields, Payload, Reader, head};

/// Reads the interface of a parsed document; `Err` holds every error found.
pub(crate) fn decode(
    doc: &Document,
    source: &str,
) -> Result<InterfaceSyntax, Vec<crate::error::Error>> {
    let mut reader = Reader { source, implicit_some: doc.implicit_some, errors: Vec::new() };
    let interface = reader.interface(&doc.value);
    match interface {
        Some(interface) if reader.errors.is_empty() => Ok(interface),
        _ => Err(reader.errors),
    }
}

/// The fields of an operation that Idol reads.
const OPERATION_FIELDS: &[&str] =
    &["args", "leases", "reply", "idempotent", "encoding", "doc", "description"];

impl Reader<'_> {
    /// Reports `value` as no variant of the enum `what`, whose variants `expected` lists.
    fn unknown_variant<T>(
        &mut self,
        what: &'static str,
        expected: &'static str,
        value: &Value,
    ) -> Option<T> {
        let at = head(value);
        let found = at.text(self.source).to_owned();
        self.error(ErrorKind::UnknownVariant { what, found, expected }, at);
        None
    }

    fn interface(&mut self, value: &Value) -> Option<InterfaceSyntax> {
        let fields =
            self.structure(value, "Interface", &["name", "ops", "doc", "description"], None)?;
        let name = self.required(&fields, "name", value).and_then(|v| self.string(v));
        let ops = self.required(&fields, "ops", value).and_then(|v| self.keyed(v, Item::Operation));
        let doc = self.doc(&fields);
        let ops: Vec<_> =
            ops?.into_iter().map(|(name, value)| self.operation(name, value)).collect();
        Some(InterfaceSyntax {
            name: name?,
            doc: doc?,
            ops: ops.into_iter().collect::<Option<_>>()?,
        })
    }

    /// `doc:` and `description:`, both strings if present, joined by a blank line.
    fn doc(&mut self, fields: &Fields<'_>) -> Option<Option<String>> {
        let mut parts = Vec::new();
        for key in ["doc", "description"] {
            if let Some(value) = fields.get(key) {
                parts.push(self.string(value)?.value);
            }
        }
        Some((!parts.is_empty()).then(|| parts.join("\n\n")))
    }

    fn operation(&mut self, name: Text, value: &Value) -> Option<OperationSyntax> {
        let fields = self.structure(value, "Operation", OPERATION_FIELDS, None)?;
        let args = match fields.get("args") {
            Some(v) => self.keyed(v, Item::Argument).map(|args| {
                args.into_iter().map(|(n, v)| Some((n, self.attributed(v)?))).collect::<Vec<_>>()
            }),
            None => Some(Vec::new()),
        };
        let leases = match fields.get("leases") {
            Some(v) => self.keyed(v, Item::Lease).map(|leases| {
                leases.into_iter().map(|(n, v)| Some((n, self.lease(v)?))).collect::<Vec<_>>()
            }),
            None => Some(Vec::new()),
        };
        let reply = self.required(&fields, "reply", value).and_then(|v| self.reply(v));
        let idempotent = match fields.get("idempotent") {
            Some(v) => self.boolean(v).map(|b| b.then_some(v.span)),
            None => Some(None),
        };
        let encoding = match fields.get("encoding") {
            Some(v) => self.encoding(v),
            None => Some(Encoding::default()),
        };
        let doc = self.doc(&fields);
        Some(OperationSyntax {
            name,
            doc: doc?,
            args: args?.into_iter().collect::<Option<_>>()?,
            leases: leases?.into_iter().collect::<Option<_>>()?,
            reply: reply?,
            idempotent: idempotent?,
            encoding: encoding?,
            encoding_span: fields.get("encoding").map(|v| v.span),
        })
    }

    fn encoding(&mut self, value: &Value) -> Option<Encoding> {
        const EXPECTED: &str = "`Zerocopy`, `Hubpack` or `Ssmarshal`";
        let (name, payload) = self.variant(value, "an encoding")?;
        match (Encoding::from_name(&name.text), payload) {
            (Some(encoding), Payload::Unit) => Some(encoding),
            _ => self.unknown_variant("encoding", EXPECTED, value),
        }
    }

    /// `"type"` or `(type: "type", recv: ..)`.
    fn attributed(&mut self, value: &Value) -> Option<AttributedSyntax> {
        if let Kind::Str(_) = value.kind {
            return Some(AttributedSyntax { ty: self.string(value)?, recv: RecvSyntax::FromBytes });
        }
        let fields =
            self.structure(value, "AttributedTy", &["type", "recv"], Some("`type` or `recv`"))?;
        let ty = self.required(&fields, "type", value).and_then(|v| self.string(v));
        let recv = match fields.get("recv") {
            Some(v) => self.recv(v),
            None => Some(RecvSyntax::FromBytes),
        };
        Some(AttributedSyntax { ty: ty?, recv: recv? })
    }

    fn recv(&mut self, value: &Value) -> Option<RecvSyntax> {
        const EXPECTED: &str = "`FromBytes`, `FromPrimitive(\"type\")` or `From(\"type\", None)`";
        let (name, payload) = self.variant(value, "a receive strategy")?;
        match (name.text.as_str(), payload) {
            ("FromBytes", Payload::Unit) => Some(RecvSyntax::FromBytes),
            ("FromPrimitive", Payload::Tuple([ty])) => {
                Some(RecvSyntax::FromPrimitive(self.string(ty)?))
            }
            ("From", Payload::Tuple([ty])) => Some(RecvSyntax::From(self.string(ty)?, None)),
            ("From", Payload::Tuple([ty, function])) => {
                let ty = self.string(ty);
                let function = match self.option(function) {
                    Ok(Some(f)) => Some(self.string(f)?),
                    Ok(None) => None,
                    Err(()) => return None,
                };
                Some(RecvSyntax::From(ty?, function))
            }
            _ => self.unknown_variant("receive strategy", EXPECTED, value),
        }
    }

    fn lease(&mut self, value: &Value) -> Option<LeaseSyntax> {
        let fields = self.structure(
            value,
            "Lease",
            &["type", "read", "write", "max_len", "doc", "description"],
            None,
        )?;
        let ty = self.required(&fields, "type", value).and_then(|v| self.string(v));
        let mut flag = |key| match fields.get(key) {
            Some(v) => self.boolean(v),
            None => Some(false),
        };
        let (read, write) = (flag("read"), flag("write"));
        let max_len = match fields.get("max_len").map(|v| self.option(v)) {
            None | Some(Ok(None)) => Some(None),
            Some(Ok(Some(v))) => self.max_len(v).map(|n| Some((n, v.span))),
            Some(Err(())) => None,
        };
        let doc = self.doc(&fields);
        Some(LeaseSyntax {
            ty: ty?,
            doc: doc?,
            read: read?,
            write: write?,
            max_len: max_len?,
            span: value.span,
        })
    }

    fn max_len(&mut self, value: &Value) -> Option<u32> {
        match value.kind {
            Kind::Int(n) => match u32::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.error(ErrorKind::OutOfRange { max: u32::MAX.into() }, value.span);
                    None
                }
            },
            ref other => {
                let found = other.describe();
                self.error(ErrorKind::WrongKind { expected: "an integer", found }, value.span);
                None
            }
        }
    }

    fn reply(&mut self, value: &Value) -> Option<ReplySyntax> {
        const EXPECTED: &str = "`Simple(type)` or `Result(ok: type, err: error)`";
        let (name, payload) = self.variant(value, "a reply")?;
        match (name.text.as_str(), payload) {
            ("Simple", Payload::Tuple([ok])) => Some(ReplySyntax::Simple(self.attributed(ok)?)),
            ("Result", Payload::Struct) => {
                let fields =
                    self.structure(value, "Result", &["ok", "err"], Some("`ok` or `err`"))?;
                let ok = self.required(&fields, "ok", value).and_then(|v| self.attributed(v));
                let err = self.required(&fields, "err", value);
                let err_span = err.map(|v| v.span);
                let err = err.and_then(|v| self.error_type(v));
                Some(ReplySyntax::Result { ok: ok?, err: err?, err_span: err_span? })
            }
            _ => self.unknown_variant("reply", EXPECTED, value),
        }
    }

    fn error_type(&mut self, value: &Value) -> Option<ErrorSyntax> {
        const EXPECTED: &str = "`CLike(\"type\")`, `Complex(\"type\")` or `ServerDeath`";
        let (name, payload) = self.variant(value, "an error type")?;
        match (name.text.as_str(), payload) {
            ("CLike", Payload::Tuple([ty])) => Some(ErrorSyntax::CLike(self.string(ty)?)),
            ("Complex", Payload::Tuple([ty])) => Some(ErrorSyntax::Complex(self.string(ty)?)),
            ("ServerDeath", Payload::Unit) => Some(ErrorSyntax::ServerDeath),
            _ => self.unknown_variant("error type", EXPECTED, value),
        }
    }
}
