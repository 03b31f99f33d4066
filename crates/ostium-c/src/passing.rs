//! Door descriptors passed through a door, as illumos passes them: the receiver can call
//! the door it got.
//!
//! Sending ([`outgoing`]): a descriptor that is a door does not travel as itself, since it
//! is the sender's own connection, which the sender goes on using. A new connection to the
//! same door travels in its place: for a door this process created, one end of a socket
//! pair whose other end the door serves ([`LocalDoor::new_connection`]), so the door needs
//! no name and the receiver no permission on one; for a door opened by its path, a new
//! connection to that path, or where there is none (a door received without one, or
//! detached), one the door makes on request (the protocol's `CONNECT`).
//!
//! Receiving ([`adopt`]): a descriptor stays an ordinary socket until the program calls
//! `door_call` or `door_info` on it. Then a Unix `SOCK_SEQPACKET` socket is taken for a
//! door connection: the `HELLO` is exchanged on it and it is registered as a door. So a
//! socket passed for another purpose is never written to unless the program treats it as
//! a door.
//!
//! [`LocalDoor::new_connection`]: crate::local::LocalDoor::new_connection

use std::ffi::c_int;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, PoisonError};

use ostium::Client;
use ostium_sys::unix::SeqpacketConn;

use crate::errno;
use crate::handles::{self, Door, DoorHandle};

/// What to pass in place of `fd`: a new connection to the door if it is one (`None`: pass
/// `fd` itself); `EBADF` if the door gives none (gone, revoked, or at its limits).
pub fn outgoing(fd: c_int) -> Result<Option<OwnedFd>, c_int> {
    let Some(handle) = handles::lookup(fd).filter(|handle| handles::is_current(fd, handle)) else {
        return Ok(None);
    };
    match &handle.door {
        Door::Local(door) => door.new_connection().map(Some),
        Door::Opened { client, .. } => {
            // By its path if it has one (the receiver may then connect again for calls at
            // once), else through the door itself (`CONNECT`).
            let by_path = match client.path().as_os_str().is_empty() {
                true => None,
                false => SeqpacketConn::connect(client.path()).ok().map(OwnedFd::from),
            };
            match by_path {
                Some(connection) => Ok(Some(connection)),
                None => client.connect_another().map(Some).map_err(|_| libc::EBADF),
            }
        }
    }
}

/// Takes `fd`, which the registry does not know, for a connection to a door if it is a
/// Unix `SOCK_SEQPACKET` socket whose server answers the `HELLO`; `None` otherwise.
pub fn adopt(fd: c_int) -> Option<Arc<DoorHandle>> {
    // Two threads taking the same descriptor must not both say HELLO on it.
    static ADOPTING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = ADOPTING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = handles::lookup(fd).filter(|handle| handles::is_current(fd, handle)) {
        return Some(handle);
    }
    // SAFETY: F_GETFD reads a flag of a number, open or not.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: `fd` is open (checked above), and is only duplicated here.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    let copy = rustix::io::fcntl_dupfd_cloexec(borrowed, 3).ok()?;
    let conn = SeqpacketConn::from_fd(copy).ok()?;
    let server_pid = conn.peer_cred().ok().and_then(|cred| cred.pid);
    let path = conn.peer_path().ok()?;
    let socket = OwnedFd::from(conn);
    let client = match path {
        // A connection whose server dropped it (its HELLO came too late) is replaced.
        Some(path) => Client::adopt(&path, socket).or_else(|_| Client::open(&path)).ok()?,
        None => Client::adopt_unnamed(socket).ok()?,
    };
    let registered = handles::register(fd, Door::Opened { client, server_pid });
    registered.map_err(|err| errno::of(&err)).ok()?;
    handles::lookup(fd)
}
