//! `idl-bench`: a generated Idol stub's call against a raw door call of the same operation
//! and bytes, in one run; see the module `idl_bench` for what is measured.
//!
//! ```text
//! cargo build --release -p ostium-bench && target/release/idl-bench
//! ```

#![forbid(unsafe_code)]

#[path = "../idl_bench/mod.rs"]
mod idl_bench;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let config = idl_bench::Config::parse();
    let rows = idl_bench::run(&config)?;
    idl_bench::print(&config, &rows);
    Ok(())
}
