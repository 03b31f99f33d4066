//! Generates the control door's client and server from `idl/ostiumd.idol`.

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let idol = Path::new("../../idl/ostiumd.idol");
    let generator = ostium_idl::Generator::new().client(true).server(true);
    if let Err(error) = generator.generate(idol, out.join("ostiumd.rs")) {
        panic!("{error}");
    }
}
