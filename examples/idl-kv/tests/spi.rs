//! The Idol README's `Spi` interface, generated from Hubris's own `spi.idol`, served on a
//! door by the loopback controller ([`Loopback`]: what it writes is what it reads) and
//! called through the generated client. `cargo run -p idl-kv --example spi` runs it.

mod common;

use std::sync::Arc;

use idl_kv::Loopback;
use idl_kv::spi::drv_spi_api::SpiError;
use idl_kv::spi::{CsState, Spi, SpiServer};
use ostium::DoorOptions;
use ostium_rpc::RequestError;

#[test]
fn exchange_through_a_loopback_controller() {
    let path = common::door_path("spi");
    let _served =
        SpiServer::serve_concurrent(&path, DoorOptions::default(), Arc::new(Loopback)).unwrap();
    let spi = Spi::open(&path).unwrap();
    let source = *b"hello, spi";
    let mut sink = [0_u8; 10];
    spi.exchange(0, &source, &mut sink).unwrap();
    assert_eq!(&sink, b"hello, spi");
    let mut short = [0_u8; 3];
    assert!(matches!(
        spi.exchange(0, &source, &mut short),
        Err(RequestError::Runtime(SpiError::BadTransferSize))
    ));
    assert!(matches!(spi.write(4, &source), Err(RequestError::Runtime(SpiError::BadDevice))));
    spi.read(0, &mut short).unwrap();
    assert_eq!(short, [0xFF; 3]);
    spi.lock(0, CsState::Asserted).unwrap();
    spi.release().unwrap();
}
