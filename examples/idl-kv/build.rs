//! Generates the `Kv` client and server from `idl/kv.idol`, with `shutdown` restricted, the
//! `Events` client and server from `idl/events.idol`, and
//! clients and servers of two Hubris interfaces from ostium-idl's corpus (`spi.idol`, the
//! Idol README's example, and `user-leds.idol`) to show they compile as they are.

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let nobody = ostium_idl::Allowed::new().user("no-such-user-of-ostium");
    let kv = ostium_idl::Generator::new().client(true).server(true).restrict("shutdown", nobody);
    generate(&kv, Path::new("idl/kv.idol"), &out.join("kv.rs"));
    let events = ostium_idl::Generator::new().client(true).server(true);
    generate(&events, Path::new("idl/events.idol"), &out.join("events.rs"));
    let corpus = Path::new("../../crates/ostium-idl/tests/corpus");
    let both = ostium_idl::Generator::new().client(true).server(true);
    generate(&both, &corpus.join("spi.idol"), &out.join("spi.rs"));
    generate(&both, &corpus.join("user-leds.idol"), &out.join("user_leds.rs"));
}

fn generate(generator: &ostium_idl::Generator, idol: &Path, out: &Path) {
    if let Err(error) = generator.generate(idol, out) {
        panic!("{error}");
    }
}
