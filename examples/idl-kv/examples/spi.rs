//! The Idol README's `Spi` example on Linux: `cargo run -p idl-kv --example spi`.
//!
//! Serves a loopback SPI controller on a door with the server generated from Hubris's
//! `spi.idol`, then calls `exchange` (a read lease and a write lease) through the
//! generated client, and shows a domain error coming back as the declared `SpiError`.

use std::sync::Arc;

use idl_kv::Loopback;
use idl_kv::spi::{Spi, SpiServer};
use ostium::DoorOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join(format!("ostium-spi-{}.door", std::process::id()));
    let _served = SpiServer::serve_concurrent(&path, DoorOptions::default(), Arc::new(Loopback))?;
    let spi = Spi::open(&path)?;
    let source = *b"hello, spi";
    let mut sink = [0_u8; 10];
    spi.exchange(0, &source, &mut sink)?;
    println!("exchange(0, {:?}) read back {:?}", as_text(&source), as_text(&sink));
    let mut short = [0_u8; 3];
    match spi.exchange(0, &source, &mut short) {
        Err(error) => println!("exchange with a 3-byte sink: {error:?}"),
        Ok(()) => println!("exchange with a 3-byte sink: unexpectedly fine"),
    }
    Ok(())
}

fn as_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
