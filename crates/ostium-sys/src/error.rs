//! Turning rustix's bare `Errno` into `io::Error`s that say what failed.
//!
//! Setup calls (socket, bind, listen, connect, epoll_create, mmap…) are rare, so their errors
//! carry a message naming the call and its argument: "bind 127.0.0.1:9000: Address already in
//! use". Calls on the hot path (read, write, accept, recv, send, epoll_wait) return the plain
//! errno converted, with no allocation: `WouldBlock` is their normal outcome, not a failure,
//! and the caller knows which call it made.

use std::io;

use rustix::io::Errno;

/// Converts an errno into an `io::Error` whose message starts with `what`, keeping its kind.
pub(crate) fn named(what: impl std::fmt::Display, errno: Errno) -> io::Error {
    let plain = io::Error::from(errno);
    io::Error::new(plain.kind(), format!("{what}: {plain}"))
}

/// Adds the name of the failed call to a rustix result.
pub(crate) trait Named<T> {
    /// On error, prefix the message with `what` (evaluated only on error).
    fn named<D: std::fmt::Display>(self, what: impl FnOnce() -> D) -> io::Result<T>;
}

impl<T> Named<T> for Result<T, Errno> {
    fn named<D: std::fmt::Display>(self, what: impl FnOnce() -> D) -> io::Result<T> {
        self.map_err(|errno| named(what(), errno))
    }
}

/// Runs `call` again for as long as it fails with `EINTR`.
///
/// A signal that interrupts a system call is not an error of that call; retrying here means
/// no caller has to remember to.
pub(crate) fn retry_on_intr<T>(mut call: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    loop {
        match call() {
            Err(Errno::INTR) => continue,
            other => return other,
        }
    }
}

/// Whether `err` says the process or the system ran out of descriptors or memory
/// (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`): a condition that passes when something is
/// closed, not a fault of the call that met it.
pub fn is_out_of_resources(err: &io::Error) -> bool {
    let Some(raw) = err.raw_os_error() else { return false };
    [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM]
        .iter()
        .any(|e| e.raw_os_error() == raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_errors_keep_their_kind_and_say_what_failed() {
        let err = named("bind 127.0.0.1:1", Errno::ADDRINUSE);
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        let text = err.to_string();
        assert!(text.starts_with("bind 127.0.0.1:1: "), "{text}");
    }

    #[test]
    fn out_of_descriptors_is_recognised() {
        assert!(is_out_of_resources(&io::Error::from(Errno::MFILE)));
        assert!(!is_out_of_resources(&io::Error::from(Errno::CONNABORTED)));
        assert!(!is_out_of_resources(&io::Error::other("no errno")));
    }

    #[test]
    fn interrupted_calls_are_retried() {
        let mut calls = 0;
        let result = retry_on_intr(|| {
            calls += 1;
            if calls < 3 { Err(Errno::INTR) } else { Ok(calls) }
        });
        assert_eq!(result, Ok(3));
    }
}
