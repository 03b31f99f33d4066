//! `cargo run -p ostium-idl --example gen -- [--client] [--server] FILE`: prints the code
//! generated from a `.idol` file (both client and server if neither flag is given).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let client = args.iter().any(|a| a == "--client");
    let server = args.iter().any(|a| a == "--server");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: gen [--client] [--server] FILE");
        return ExitCode::FAILURE;
    };
    let both = !client && !server;
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let generator = ostium_idl::Generator::new().client(client || both).server(server || both);
    match generator.render(&source, path) {
        Ok(code) => {
            print!("{code}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
