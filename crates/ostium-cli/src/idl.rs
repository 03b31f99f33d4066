//! `ostium idl check` and `ostium idl gen`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

/// Checks every file, printing each one's errors; fails if any has one.
pub(crate) fn check(files: &[impl AsRef<Path>]) -> anyhow::Result<ExitCode> {
    let mut failed = 0;
    for file in files {
        let file = file.as_ref();
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("error: {}: {error}", file.display());
                failed += 1;
                continue;
            }
        };
        match ostium_idl::source_text(bytes, file).and_then(|s| ostium_idl::parse(&s, file)) {
            Ok(interface) => println!(
                "{}: ok (interface {}, {} operations)",
                file.display(),
                interface.name,
                interface.ops.len()
            ),
            Err(diagnostics) => {
                eprintln!("{}\n", diagnostics.to_string().trim_end());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        eprintln!("error: {failed} of {} files have errors", files.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Generates the client, the server, or (neither asked) both, to `out` or stdout.
pub(crate) fn generate(
    file: &Path,
    client: bool,
    server: bool,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let source = match ostium_idl::source_text(bytes, file) {
        Ok(source) => source,
        Err(diagnostics) => {
            eprintln!("{}\n", diagnostics.to_string().trim_end());
            return Ok(ExitCode::FAILURE);
        }
    };
    let both = !client && !server;
    let generator = ostium_idl::Generator::new().client(client || both).server(server || both);
    let name = file.display().to_string();
    let code = match generator.render(&source, &name) {
        Ok(code) => code,
        Err(ostium_idl::GenerateError::Invalid(diagnostics)) => {
            eprintln!("{}\n", diagnostics.to_string().trim_end());
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    match out {
        Some(out) => {
            std::fs::write(out, code).with_context(|| format!("writing {}", out.display()))?
        }
        None => print!("{code}"),
    }
    Ok(ExitCode::SUCCESS)
}
