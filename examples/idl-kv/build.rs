//! Generates the `Kv` client and server from `idl/kv.idol`, with `shutdown` restricted.

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("kv.rs");
    let nobody = ostium_idl::Allowed::new().user("no-such-user-of-ostium");
    let generated = ostium_idl::Generator::new()
        .client(true)
        .server(true)
        .restrict("shutdown", nobody)
        .generate("idl/kv.idol", out);
    if let Err(error) = generated {
        panic!("{error}");
    }
}
