//! What Idol accepts beyond the corpus: every form of its format, and the model it yields.

use ostium_idl::{Access, Encoding, ErrorType, Int, Recv, Reply, Shape, parse};

#[test]
fn every_form_of_the_format() {
    let source = r#"
        #![enable(implicit_some)]
        /* A block comment /* nested */ before the interface. */
        Interface(
            name: "Every",
            doc: "The interface's doc.",
            version: 3, // an unknown field, ignored
            ops: {
                "simple": (
                    doc: "Simple, bool and doc.",
                    description: "And a description.",
                    args: { "flag": "bool", "value": (type: "u32") },
                    reply: Simple("bool"),
                    idempotent: false,
                    tags: ["x", "y"],
                ),
                "recvs": (
                    args: {
                        "p": (type: "Kind", recv: FromPrimitive("u8")),
                        "f": (type: "Wide", recv: From("u64", None)),
                        "g": (type: "Wide", recv: From("u64", Some("Wide::from_raw"))),
                        "h": (type: "Wide", recv: From("u64", "convert")),
                        "i": (type: "Wide", recv: From("u64")),
                        "b": AttributedTy(type: "u8", recv: FromBytes),
                    },
                    reply: Result(ok: (type: "Kind", recv: FromPrimitive("u16")), err: CLike("E")),
                ),
                "leases": Operation(
                    leases: {
                        "r": (type: "[u32]", read: true, max_len: 4),
                        "w": Lease(type: "[u8; 16]", write: true, doc: "sixteen"),
                        "rw": (type: "Header", read: true, write: true, max_len: None, note: "x"),
                    },
                    reply: Result(ok: "Option<(f32, u64)>", err: Complex("Bad")),
                    encoding: Hubpack,
                ),
                "death": (reply: Result(ok: "()", err: ServerDeath), encoding: Ssmarshal),
            },
        )
    "#;
    let every = parse(source, "every.idol").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(every.name.as_str(), "Every");
    assert_eq!(every.doc.as_deref(), Some("The interface's doc."));
    let numbers: Vec<_> = every.ops.iter().map(|op| (op.name.as_str(), op.number.get())).collect();
    assert_eq!(numbers, [("simple", 1), ("recvs", 2), ("leases", 3), ("death", 4)]);
    assert_eq!(every.op_by_number(3).unwrap().name.as_str(), "leases");
    assert!(every.op_by_number(0).is_none() && every.op_by_number(5).is_none());

    let simple = every.op("simple").unwrap();
    assert_eq!(simple.doc.as_deref(), Some("Simple, bool and doc.\n\nAnd a description."));
    assert_eq!(simple.args[0].value.ty.shape, Shape::Bool);
    assert_eq!(simple.args[0].value.carried_shape(Encoding::Zerocopy), Shape::Int(Int::U8));
    assert!(simple.args[0].value.converts(Encoding::Zerocopy));
    assert_eq!(simple.args[0].value.carried_shape(Encoding::Hubpack), Shape::Bool);
    assert!(!simple.args[1].value.converts(Encoding::Zerocopy));
    assert!(matches!(simple.reply, Reply::Simple(_)));
    assert!(!simple.idempotent);

    let recvs = every.op("recvs").unwrap();
    let recv: Vec<_> = recvs.args.iter().map(|a| &a.value.recv).collect();
    assert_eq!(recv[0], &Recv::FromPrimitive(Int::U8));
    let Recv::From { raw, via: None } = recv[1] else { panic!("{:?}", recv[1]) };
    assert_eq!(raw.text, "u64");
    let Recv::From { via: Some(via), .. } = recv[2] else { panic!("{:?}", recv[2]) };
    assert_eq!(via.text, "Wide::from_raw");
    assert!(matches!(recv[3], Recv::From { via: Some(_), .. }));
    assert!(matches!(recv[4], Recv::From { via: None, .. }));
    assert_eq!(recv[5], &Recv::FromBytes);
    assert_eq!(recvs.reply.ok().recv, Recv::FromPrimitive(Int::U16));
    assert!(matches!(recvs.reply.err(), Some(ErrorType::CLike(e)) if e.text == "E"));

    let leases = every.op("leases").unwrap();
    assert_eq!(leases.encoding, Encoding::Hubpack);
    let [r, w, rw] = &leases.leases[..] else { panic!() };
    assert_eq!(
        (r.access, r.max_len.map(|n| n.get()), r.ty.is_sized()),
        (Access::Read, Some(4), false)
    );
    assert_eq!(r.ty.element().map(quote_free), Some("u32".to_owned()));
    assert_eq!(
        (w.access, w.ty.shape, w.doc.as_deref()),
        (Access::Write, Shape::Array, Some("sixteen"))
    );
    assert_eq!((rw.access, rw.max_len, rw.ty.shape), (Access::ReadWrite, None, Shape::Named));
    assert!(rw.access.readable() && rw.access.writable());
    assert_eq!(leases.reply.ok().ty.shape, Shape::Option);
    assert!(matches!(leases.reply.err(), Some(ErrorType::Complex(_))));

    let death = every.op("death").unwrap();
    assert_eq!(death.reply.err(), Some(&ErrorType::ServerDeath));
    assert_eq!(death.encoding, Encoding::Ssmarshal);
}

/// The single identifier of a path type.
fn quote_free(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p.path.get_ident().unwrap().to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn structs_may_be_unnamed_at_the_top_and_ops_may_be_empty() {
    let empty = parse("(name: \"Empty\", ops: {})", "empty.idol").unwrap();
    assert!(empty.ops.is_empty() && empty.doc.is_none());
}

#[test]
fn raw_strings_and_escapes_in_docs() {
    let source = "Interface(name: \"T\", ops: { \"a\": (doc: r#\"say \"hi\"\"#, reply: Simple(\"()\")), \"b\": (doc: \"tab\\there\", reply: Simple(\"()\")) })";
    let t = parse(source, "t.idol").unwrap();
    assert_eq!(t.ops[0].doc.as_deref(), Some("say \"hi\""));
    assert_eq!(t.ops[1].doc.as_deref(), Some("tab\there"));
}
