//! `SignalFd`: signals as a descriptor, which a poller waits for like a socket.
//!
//! # Safety
//!
//! rustix has no `signalfd`; the call goes through the `libc` crate's declaration, in one
//! `unsafe` block that says why it is sound. Reading the descriptor is an ordinary `read`.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use rustix::io::Errno;

use crate::error::retry_on_intr;
use crate::signal::{Signal, sigset};

/// The size of a `struct signalfd_siginfo`, what one read returns per signal.
const SIGINFO_SIZE: usize = 128;

/// A signalfd: readable while one of its signals is pending. The signals must be blocked in
/// every thread (see [`block_signals`](crate::block_signals)), or a thread may take them
/// before the descriptor sees them.
#[derive(Debug)]
pub struct SignalFd {
    fd: OwnedFd,
}

impl SignalFd {
    /// `signalfd(-1, signals, SFD_CLOEXEC | SFD_NONBLOCK)`.
    pub fn new(signals: &[Signal]) -> io::Result<SignalFd> {
        let set = sigset(signals);
        let flags = libc::SFD_CLOEXEC | libc::SFD_NONBLOCK;
        // SAFETY: `set` is a valid `sigset_t` living across the call; -1 asks for a new
        // descriptor, so no descriptor of ours is touched.
        let raw = unsafe { libc::signalfd(-1, &set, flags) };
        if raw < 0 {
            let plain = io::Error::last_os_error();
            return Err(io::Error::new(plain.kind(), format!("signalfd: {plain}")));
        }
        // SAFETY: the kernel has just made `raw` for this call; nobody else knows it, so it
        // gets exactly one owner.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(SignalFd { fd })
    }

    /// `read`: the next pending signal, taken off the pending set; `None` when none is
    /// pending. Never waits. A signal of a number [`Signal`] does not name (which this
    /// descriptor was not asked for) is skipped.
    pub fn read(&self) -> io::Result<Option<Signal>> {
        let mut info = [0u8; SIGINFO_SIZE];
        loop {
            match retry_on_intr(|| rustix::io::read(&self.fd, &mut info)) {
                Ok(SIGINFO_SIZE) => {
                    // `ssi_signo` is the first field, a `u32` in native byte order.
                    let number = u32::from_ne_bytes([info[0], info[1], info[2], info[3]]);
                    match i32::try_from(number).ok().and_then(Signal::from_number) {
                        Some(signal) => return Ok(Some(signal)),
                        None => continue,
                    }
                }
                Ok(n) => return Err(io::Error::other(format!("signalfd: a read of {n} bytes"))),
                Err(Errno::AGAIN) => return Ok(None),
                Err(errno) => return Err(errno.into()),
            }
        }
    }
}

impl AsFd for SignalFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for SignalFd {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block_signals;

    #[test]
    fn a_signal_sent_to_a_blocking_thread_is_read() {
        // Process-directed signals could reach the test harness's other threads, which do
        // not block them; a signal raised in this thread (`raise` is thread-directed)
        // stays with it.
        std::thread::spawn(|| {
            block_signals(&[Signal::User2]).unwrap();
            let fd = SignalFd::new(&[Signal::User2]).unwrap();
            assert_eq!(fd.read().unwrap(), None);
            raise(Signal::User2);
            assert_eq!(fd.read().unwrap(), Some(Signal::User2));
            assert_eq!(fd.read().unwrap(), None);
        })
        .join()
        .unwrap();
    }

    fn raise(signal: Signal) {
        // SAFETY: `raise` takes a valid signal number, which is blocked in this thread, so no
        // handler runs and the signal only becomes pending.
        let rc = unsafe { libc::raise(signal.number()) };
        assert_eq!(rc, 0);
    }
}
