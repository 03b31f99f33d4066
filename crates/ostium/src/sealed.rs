//! Payloads too large for a message, in memfds sealed against any change, as protocol §4.3
//! asks of read-only payloads: a client's arguments, a door's reply data.

use std::io;

use ostium_sys::Memfd;
use ostium_sys::memfd::Seals;

/// A memfd named `name` (as `/proc/PID/fd` shows it) holding `data`, sealed against any
/// change.
pub(crate) fn sealed_memfd(name: &str, data: &[u8]) -> io::Result<Memfd> {
    let memfd = Memfd::create(name, data.len() as u64)?;
    memfd.write_all_at(data, 0)?;
    memfd.seal(Seals::SHRINK | Seals::GROW | Seals::WRITE | Seals::SEAL)?;
    Ok(memfd)
}
