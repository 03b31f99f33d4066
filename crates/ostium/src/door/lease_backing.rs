//! Where a call's leases are, as the server sees them: inline in the message, or in a
//! memfd checked as protocol §4.3 asks and mapped (or a mapping the connection kept).

use std::os::fd::OwnedFd;

use ostium_sys::Memfd;
use ostium_sys::memfd::Seals;

use super::conn::Conn;
use crate::lease::Backing;
use crate::wire::{self, Access, Fault, Payload};

/// Where lease `index` of a call is, checked as §4.3 asks: a memfd sealed against
/// shrinking and at least as long as the lease (mapped shared, or taken from the mappings
/// the connection kept), or, for a read-only lease, sealed against writing too (mapped
/// read-only).
pub(super) fn lease_backing(
    conn: &Conn,
    view: &wire::CallView<'_>,
    index: usize,
    fds: &[OwnedFd],
    msg: &[u8],
) -> Result<(Access, Backing), Fault> {
    let lease = view.lease(index).ok_or(Fault::BadLease)?;
    let backing = match lease.contents {
        Payload::Inline(bytes) if !lease.access.can_write() => {
            // The bytes are a slice of `msg`; keep their place in it rather than a borrow.
            let start = bytes.as_ptr() as usize - msg.as_ptr() as usize;
            Backing::InlineRead(start..start + bytes.len())
        }
        Payload::Inline(bytes) => Backing::InlineWrite(bytes.to_vec()),
        Payload::InMemfd { len } => {
            let fd = view.lease_fd(index).and_then(|i| fds.get(i)).ok_or(Fault::BadLease)?;
            let memfd = fd.try_clone().and_then(Memfd::from_fd).map_err(|_| Fault::BadLease)?;
            let len = len as usize;
            let (id, size) = memfd.identity().map_err(|_| Fault::BadLease)?;
            if size < len as u64 {
                return Err(Fault::BadLease);
            }
            if let Some(map) = conn.take_lease_map(id, len) {
                Backing::MemfdShared(map, len, id)
            } else if !lease.access.can_write()
                && memfd.seals().map_err(|_| Fault::BadLease)?.contains(Seals::WRITE)
            {
                let map = memfd.map_sealed().map_err(|_| Fault::BadLease)?;
                if map.as_slice().len() < len {
                    return Err(Fault::BadLease);
                }
                Backing::MemfdRead(map, len)
            } else {
                // `map_shared` refuses a memfd that could shrink under the mapping.
                let map = memfd.map_shared().map_err(|_| Fault::BadLease)?;
                if map.len() < len {
                    return Err(Fault::BadLease);
                }
                Backing::MemfdShared(map, len, id)
            }
        }
    };
    Ok((lease.access, backing))
}
