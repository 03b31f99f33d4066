//! `ostium ping` and `ostium describe`, and fetching a door's description for `call`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use ostium::wire::{Fault, Op, Status};
use ostium::{CallError, Client};

use crate::description::Description;

/// Opens the door at `path`.
pub(crate) fn open(path: &Path) -> anyhow::Result<Client> {
    Client::open(path).with_context(|| format!("opening the door {}", path.display()))
}

pub(crate) fn ping(path: &Path) -> anyhow::Result<ExitCode> {
    let client = open(path)?;
    let start = Instant::now();
    client.ping().with_context(|| format!("pinging {}", path.display()))?;
    println!("{}: alive, {:?} round trip", path.display(), start.elapsed());
    Ok(ExitCode::SUCCESS)
}

/// The door's description; `None` when it does not describe itself (a door that is not a
/// generated Idol server answers `UNKNOWN_OPERATION`, or its handler answers `DESCRIBE` as
/// it answers anything); an error when what it answers is not a description.
pub(crate) fn fetch(client: &Client) -> anyhow::Result<Option<Description>> {
    match client.call(Op::DESCRIBE.0, &[]) {
        Ok(reply) if reply.status != Status::Ok => Ok(None),
        Ok(reply) => Description::parse(&reply.data).map(Some).map_err(anyhow::Error::msg),
        Err(CallError::Fault(Fault::UnknownOperation)) => Ok(None),
        Err(error) => Err(error).context("calling DESCRIBE"),
    }
}

pub(crate) fn describe(path: &Path) -> anyhow::Result<ExitCode> {
    let client = open(path)?;
    let Some(d) = fetch(&client)? else {
        bail!("{} does not describe itself (not an Idol server)", path.display());
    };
    let check = if d.hash_matches() { "" } else { " (does not match the text below!)" };
    println!("interface {}\nhash      {:016x}{check}\n", d.interface, d.hash);
    println!(
        "{:>4}  {:<24} {:>10} {:>8} {:>12} {:>12}",
        "op", "name", "calls", "errors", "mean", "max"
    );
    for op in &d.ops {
        let mean = op.mean().map_or_else(|| "-".to_owned(), |m| format!("{m:?}"));
        println!(
            "{:>4}  {:<24} {:>10} {:>8} {:>12} {:>12}",
            op.number,
            op.name,
            op.calls,
            op.errors,
            mean,
            format!("{:?}", op.max)
        );
    }
    println!("\n{}", d.idol.trim_end());
    Ok(ExitCode::SUCCESS)
}
