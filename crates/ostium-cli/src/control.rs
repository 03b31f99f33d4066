//! `ostium status`, `ostium reload`, `ostium stop`: ostiumd's control door
//! (`idl/ostiumd.idol`), called through its generated client.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use ostium::wire::Fault;
use ostium_rpc::Failure;
use ostiumd_control::Ostiumd;

/// Prints the daemon's status report.
pub(crate) fn status(door: &Path) -> Result<ExitCode> {
    let control = open(door)?;
    let mut report = vec![0u8; 64 * 1024];
    let len = control.status(&mut report).map_err(|e| failed("status", e))? as usize;
    if len > report.len() {
        // Larger than asked for: ask again with room for all of it.
        report.resize(len, 0);
        control.status(&mut report).map_err(|e| failed("status", e))?;
    }
    print!("{}", String::from_utf8_lossy(&report[..len.min(report.len())]));
    Ok(ExitCode::SUCCESS)
}

/// Asks the daemon to reload its configuration.
pub(crate) fn reload(door: &Path) -> Result<ExitCode> {
    open(door)?.reload().map_err(|e| failed("reload", e))?;
    println!("reload asked");
    Ok(ExitCode::SUCCESS)
}

/// Asks the daemon to stop.
pub(crate) fn stop(door: &Path) -> Result<ExitCode> {
    open(door)?.stop().map_err(|e| failed("stop", e))?;
    println!("stop asked");
    Ok(ExitCode::SUCCESS)
}

/// Why `what` failed, in a sentence.
fn failed(what: &str, failure: Failure) -> anyhow::Error {
    match failure {
        Failure::Fault(Fault::AccessViolation) => anyhow::anyhow!(
            "{what} refused: only the user ostiumd runs as, and root, may {what} it"
        ),
        other => anyhow::anyhow!("{what}: {other}"),
    }
}

fn open(door: &Path) -> Result<Ostiumd> {
    Ostiumd::open(door)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("ostiumd's control door at {}", door.display()))
}
