//! [`Loopback`]: an SPI controller for the Idol README's `Spi` interface whose lines are
//! looped back — what an `exchange` writes is what it reads — with one device, index 0.
//! The runnable `spi` example and the tests serve it on a door.

use ostium::{Caller, R, W};
use ostium_rpc::{HandlerError, Lease};

use crate::spi::drv_spi_api::SpiError;
use crate::spi::{ConcurrentSpiImpl, CsState};

/// A controller with one device, index 0, whose lines are looped back.
#[derive(Debug, Default)]
pub struct Loopback;

impl ConcurrentSpiImpl for Loopback {
    fn read(
        &self,
        _: &Caller,
        device: u8,
        mut sink: Lease<'_, W, [u8]>,
    ) -> Result<(), HandlerError<SpiError>> {
        check(device)?;
        // Nothing is driving the input line: it reads high.
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
