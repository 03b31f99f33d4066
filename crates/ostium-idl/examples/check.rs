//! `cargo run -p ostium-idl --example check -- FILE…`: parses and validates `.idol` files,
//! printing located errors like rustc; exits with 1 if any file has an error.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        let source = match std::fs::read_to_string(&path) {
            Ok(source) => source,
            Err(e) => {
                eprintln!("error: {path}: {e}");
                failed = true;
                continue;
            }
        };
        match ostium_idl::parse(&source, &path) {
            Ok(interface) => println!(
                "{path}: interface {} with {} operations",
                interface.name,
                interface.ops.len()
            ),
            Err(errors) => {
                eprintln!("{errors}\n");
                failed = true;
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
