//! The Idol README's `Spi` interface, generated from Hubris's own `spi.idol`, served on a
//! door by a loopback controller (what it writes is what it reads) and called through the
//! generated client.

mod common;

use std::sync::Arc;

use idl_kv::spi::drv_spi_api::SpiError;
use idl_kv::spi::{ConcurrentSpiImpl, CsState, Spi, SpiServer};
use ostium::rpc::{HandlerError, Lease, RequestError};
use ostium::{Caller, DoorOptions, R, W};

/// A controller with one device, index 0, whose lines are looped back.
struct Loopback;

impl ConcurrentSpiImpl for Loopback {
    fn read(
        &self,
        _: &Caller,
        device: u8,
        mut sink: Lease<'_, W, [u8]>,
    ) -> Result<(), HandlerError<SpiError>> {
        check(device)?;
        let ones = vec![0xFF; sink.len()];
        sink.write_range(0..ones.len(), &ones).map_err(HandlerError::bad_lease)
    }

    fn write(
        &self,
        _: &Caller,
        device: u8,
        _: Lease<'_, R, [u8]>,
    ) -> Result<(), HandlerError<SpiError>> {
        check(device)
    }

    fn exchange(
        &self,
        _: &Caller,
        device: u8,
        source: Lease<'_, R, [u8]>,
        mut sink: Lease<'_, W, [u8]>,
    ) -> Result<(), HandlerError<SpiError>> {
        check(device)?;
        if source.len() != sink.len() {
            return Err(SpiError::BadTransferSize.into());
        }
        let bytes = source.read_to_vec().map_err(HandlerError::bad_lease)?;
        sink.write_range(0..bytes.len(), &bytes).map_err(HandlerError::bad_lease)
    }

    fn lock(&self, _: &Caller, _: u8, _: CsState) {}

    fn release(&self, _: &Caller) {}
}

fn check(device: u8) -> Result<(), HandlerError<SpiError>> {
    if device == 0 { Ok(()) } else { Err(SpiError::BadDevice.into()) }
}

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
