//! `AF_UNIX` `SOCK_SEQPACKET` sockets: the transport of doors.
//!
//! A SEQPACKET socket is connected like a stream and keeps message boundaries like a
//! datagram: one send is one receive, whole or not at all. Messages carry descriptors
//! (`SCM_RIGHTS`, at most [`MAX_FDS`] per message) and the sender's credentials
//! (`SCM_CREDENTIALS`); [`SeqpacketConn::peer_cred`] and [`SeqpacketConn::peer_pidfd`] say
//! who is at the other end.
//!
//! Nothing is lost silently: a message or control data that does not fit the receiver's
//! room is an error ([`Truncated`]), and the descriptors that did arrive with it are
//! closed. Every descriptor, received ones included, is close-on-exec.
//!
//! # Why receiving does not go through rustix
//!
//! Sending uses rustix's `sendmsg`. Receiving calls `recvmsg` itself and reads the control
//! data as plain bytes, because rustix's `UCred` holds the pid as a non-zero integer while
//! the kernel reports pid 0 for a sender outside our pid namespace (a door served from a
//! container, a caller on the host): rustix would create an invalid value there, which is
//! undefined behaviour. For the same reason `SO_PEERCRED` is read into `libc::ucred`.
//!
//! # Safety
//!
//! The `unsafe` blocks here are system calls given pointers to memory borrowed for the
//! duration of the call (`recvmsg`, `getsockopt`), and `OwnedFd::from_raw_fd` on numbers the
//! kernel has just installed for us (`SCM_RIGHTS`, `SO_PEERPIDFD`): each such number is taken
//! exactly once, so no descriptor gets two owners. Control messages are parsed with bounds
//! checks on a byte slice, never through pointers.

mod cmsg;
mod conn;
mod credentials;
mod listener;
mod recv;
#[cfg(test)]
mod testing;

pub use conn::{SEND_MARGIN, SeqpacketConn};
pub use credentials::Credentials;
pub use listener::SeqpacketListener;
pub use recv::{Received, Truncated};

/// The most descriptors one message can carry (Linux's `SCM_MAX_FD`).
pub const MAX_FDS: usize = 253;
