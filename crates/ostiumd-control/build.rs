//! Generates the control door's client and server from `idl/ostiumd.idol`: `status` open
//! to whoever may open the door, `reload` and `stop` restricted to the user ostiumd runs as
//! and root.

use std::path::{Path, PathBuf};

use ostium_idl::Allowed;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let idol = Path::new("../../idl/ostiumd.idol");
    let operators = Allowed::new().owner().uid(0);
    let generator = ostium_idl::Generator::new()
        .client(true)
        .server(true)
        .restrict("reload", operators.clone())
        .restrict("stop", operators);
    if let Err(error) = generator.generate(idol, out.join("ostiumd.rs")) {
        panic!("{error}");
    }
}
