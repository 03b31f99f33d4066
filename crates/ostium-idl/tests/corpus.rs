//! Every interface of Hubris parses and validates unchanged, and the model agrees with the
//! corpus statistics of `tests/corpus/README.md` (and `../shared/corpus/hubris-idl`).

use std::path::{Path, PathBuf};

use ostium_idl::{Access, Encoding, ErrorType, Interface, Recv, Reply, Shape};

fn corpus() -> Vec<(PathBuf, Interface)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "idol"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut parsed = Vec::new();
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match ostium_idl::parse(&source, &name) {
            Ok(interface) => parsed.push((path, interface)),
            Err(errors) => failures.push(errors.to_string()),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    parsed
}

#[test]
fn every_hubris_interface_parses_and_validates() {
    let corpus = corpus();
    assert_eq!(corpus.len(), 44, "the corpus has 44 files");
    for (path, interface) in &corpus {
        for (i, op) in interface.ops.iter().enumerate() {
            assert_eq!(op.number.get() as usize, i + 1, "{} {}", path.display(), op.name);
        }
    }
}

#[test]
fn the_model_agrees_with_the_corpus_statistics() {
    let corpus = corpus();
    let ops: Vec<_> = corpus.iter().flat_map(|(_, i)| &i.ops).collect();
    let count = |f: &dyn Fn(&&ostium_idl::Operation) -> bool| ops.iter().filter(|op| f(op)).count();
    assert_eq!(ops.len(), 459);
    assert_eq!(count(&|op| op.encoding == Encoding::Zerocopy), 309);
    assert_eq!(count(&|op| op.encoding == Encoding::Hubpack), 143);
    assert_eq!(count(&|op| op.encoding == Encoding::Ssmarshal), 7);
    assert_eq!(count(&|op| matches!(op.reply, Reply::Simple(_))), 86);
    assert_eq!(count(&|op| matches!(op.reply.err(), Some(ErrorType::CLike(_)))), 309);
    assert_eq!(count(&|op| matches!(op.reply.err(), Some(ErrorType::Complex(_)))), 54);
    assert_eq!(count(&|op| matches!(op.reply.err(), Some(ErrorType::ServerDeath))), 10);
    assert_eq!(count(&|op| op.idempotent), 186);
    assert_eq!(count(&|op| op.doc.is_some()), 305 + 21);

    let leases: Vec<_> = ops.iter().flat_map(|op| &op.leases).collect();
    assert_eq!(leases.len(), 68);
    assert_eq!(leases.iter().filter(|l| l.access == Access::Read).count(), 29);
    assert_eq!(leases.iter().filter(|l| l.access == Access::Write).count(), 39);
    assert_eq!(leases.iter().filter(|l| l.max_len.is_some()).count(), 28);
    assert_eq!(leases.iter().filter(|l| !l.ty.is_sized()).count(), 67, "all but one are [u8]");
    let array = leases.iter().find(|l| l.ty.shape == Shape::Array).unwrap();
    assert_eq!(array.ty.text, "[usize; hubris_num_tasks::NUM_TASKS]");
    assert!(array.ty.element().is_some() && array.ty.array_len().is_some());

    let args: Vec<_> = ops.iter().flat_map(|op| &op.args).collect();
    let from_primitive =
        args.iter().filter(|a| matches!(a.value.recv, Recv::FromPrimitive(_))).count();
    assert_eq!(from_primitive, 52);
    assert_eq!(args.iter().filter(|a| a.value.ty.shape == Shape::Bool).count(), 30);
    let replies =
        ops.iter().filter(|op| matches!(op.reply.ok().recv, Recv::FromPrimitive(_))).count();
    assert_eq!(replies, 14);
}

#[test]
fn the_shared_corpus_is_the_same_as_the_copy() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/hubris-idl");
    let Ok(entries) = std::fs::read_dir(&shared) else {
        println!("{} is absent: only the copy in tests/corpus was checked", shared.display());
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let copy = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus")
            .join(path.file_name().unwrap());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&copy).unwrap(),
            "{}",
            path.display()
        );
    }
}
