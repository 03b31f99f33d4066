//! `door_info`: what is known of a door from a descriptor of it.
//!
//! For a door this process created: `di_target` is this process, `di_proc` and `di_data`
//! the procedure and cookie given to `door_create`, `di_attributes` its attributes with
//! `DOOR_LOCAL` (and `DOOR_REVOKED` once revoked).
//!
//! For a door another process serves: `di_target` is the server's process id as the
//! kernel reported it when the descriptor connected, or -1 once the server has gone;
//! `di_uniquifier` is the door's instance number from the protocol's `HELLO` (unique to one
//! serving of the door); `di_proc` and `di_data` are 0 (they are addresses in the server);
//! `DOOR_REVOKED` is set when the door refuses calls. Finding out costs one `PING`.

use std::ffi::c_int;

use ostium::wire::Fault;
use ostium::{CallError, Client};

use crate::abi::{DOOR_LOCAL, DOOR_REVOKED, DoorInfo};
use crate::errno;
use crate::handles::{self, Door};
use crate::local::LocalDoor;

/// `door_info(d, info)`: see door_info(3C) and `docs/c.md`.
///
/// # Safety
/// `info` is null (`EFAULT`) or valid for writing a `door_info_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn door_info(d: c_int, info: *mut DoorInfo) -> c_int {
    let handle = handles::lookup(d).filter(|handle| handles::is_current(d, handle));
    let Some(handle) = handle.or_else(|| crate::passing::adopt(d)) else {
        return errno::fail(libc::EBADF);
    };
    if info.is_null() {
        return errno::fail(libc::EFAULT);
    }
    let found = match &handle.door {
        Door::Opened { client, server_pid } => opened(client, *server_pid),
        Door::Local(door) => local(door),
    };
    // SAFETY: the caller's guarantee; unaligned, as a packed structure may be anywhere.
    unsafe { info.write_unaligned(found) };
    0
}

/// What is known of another process's door (or this one's, opened by path).
fn opened(client: &Client, server_pid: Option<u32>) -> DoorInfo {
    let mut found = DoorInfo {
        target: server_pid.and_then(|pid| libc::pid_t::try_from(pid).ok()).unwrap_or(-1),
        uniquifier: u64::from_le_bytes(client.instance().0[..8].try_into().unwrap_or([0; 8])),
        ..DoorInfo::default()
    };
    match client.ping() {
        Ok(()) => {}
        Err(CallError::Fault(Fault::Revoked)) => found.attributes |= DOOR_REVOKED,
        // The server has gone: its doors went with it.
        Err(_) => {
            found.target = -1;
            found.attributes |= DOOR_REVOKED;
        }
    }
    found
}

/// What is known of a door this process created.
pub(crate) fn local(door: &LocalDoor) -> DoorInfo {
    let revoked = if door.is_revoked() { DOOR_REVOKED } else { 0 };
    DoorInfo {
        target: libc::pid_t::try_from(std::process::id()).unwrap_or(-1),
        procedure: door.procedure as usize as u64,
        data: door.cookie as u64,
        attributes: door.attributes | DOOR_LOCAL | revoked,
        uniquifier: door.uniquifier,
        reserved: [0; 4],
    }
}
