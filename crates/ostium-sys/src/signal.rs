//! [`Signal`]: the signals a server may take as notifications, blocking them
//! ([`block_signals`]) so that a [`SignalFd`](crate::SignalFd) receives them instead of a
//! handler, and sending one ([`Signal::send_to`]).
//!
//! A signal sent to a process goes to any one of its threads that does not block it. For a
//! signalfd to see it, *every* thread must block it; threads inherit the mask of the thread
//! that starts them, so a program blocks its signals first thing in `main`, before any
//! thread exists.
//!
//! # Safety
//!
//! rustix offers no safe `pthread_sigmask` or `sigset_t`, so this module calls the `libc`
//! crate's declarations; each `unsafe` block says why it is sound.

use std::io;

use rustix::process::{Pid, kill_process};

use crate::error::Named;

/// A signal a program may want to hear about (the ones whose default action is not a
/// core dump or that are commonly used to ask a server something).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// `SIGHUP`: conventionally, reload.
    Hangup,
    /// `SIGINT`: Ctrl-C.
    Interrupt,
    /// `SIGTERM`: please stop.
    Terminate,
    /// `SIGUSR1`: the application's own meaning.
    User1,
    /// `SIGUSR2`: the application's own meaning.
    User2,
    /// `SIGCHLD`: a child changed state.
    Child,
    /// `SIGWINCH`: the terminal changed size.
    WindowChange,
}

impl Signal {
    /// Every signal this type names.
    pub const ALL: [Signal; 7] = [
        Signal::Hangup,
        Signal::Interrupt,
        Signal::Terminate,
        Signal::User1,
        Signal::User2,
        Signal::Child,
        Signal::WindowChange,
    ];

    /// The signal's number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Hangup => libc::SIGHUP,
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::User1 => libc::SIGUSR1,
            Signal::User2 => libc::SIGUSR2,
            Signal::Child => libc::SIGCHLD,
            Signal::WindowChange => libc::SIGWINCH,
        }
    }

    /// The signal numbered `number`, if this type names it.
    pub fn from_number(number: i32) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.number() == number)
    }

    /// `kill(pid, signal)`: sends the signal to process `pid`.
    pub fn send_to(self, pid: u32) -> io::Result<()> {
        let raw = i32::try_from(pid).ok().and_then(Pid::from_raw).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("kill: {pid} is not a pid"))
        })?;
        kill_process(raw, self.rustix()).named(|| format!("kill({pid}, {self:?})"))
    }

    fn rustix(self) -> rustix::process::Signal {
        use rustix::process::Signal as S;
        match self {
            Signal::Hangup => S::HUP,
            Signal::Interrupt => S::INT,
            Signal::Terminate => S::TERM,
            Signal::User1 => S::USR1,
            Signal::User2 => S::USR2,
            Signal::Child => S::CHILD,
            Signal::WindowChange => S::WINCH,
        }
    }
}

/// A `sigset_t` holding `signals`.
pub(crate) fn sigset(signals: &[Signal]) -> libc::sigset_t {
    // SAFETY: `sigset_t` is plain data (an array of words) for which all-zero bytes are a
    // valid value; `sigemptyset` below gives it its defined empty state anyway.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable `sigset_t` living across the call.
    unsafe { libc::sigemptyset(&mut set) };
    for signal in signals {
        // SAFETY: as above; the number is a valid signal, so `sigaddset` cannot fail.
        unsafe { libc::sigaddset(&mut set, signal.number()) };
    }
    set
}

/// `pthread_sigmask(SIG_BLOCK, signals)`: blocks `signals` in the calling thread and in the
/// threads it starts from now on. Call it in `main` before starting any thread, so that no
/// thread takes the signals a [`SignalFd`](crate::SignalFd) is to read.
pub fn block_signals(signals: &[Signal]) -> io::Result<()> {
    let set = sigset(signals);
    // SAFETY: `set` is a valid `sigset_t`; a null old-set pointer is allowed.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if rc != 0 {
        let plain = io::Error::from_raw_os_error(rc);
        return Err(io::Error::new(plain.kind(), format!("pthread_sigmask(SIG_BLOCK): {plain}")));
    }
    Ok(())
}

/// `pthread_sigmask(SIG_BLOCK, NULL, &old)`: whether the calling thread blocks `signal`.
pub fn is_blocked(signal: Signal) -> io::Result<bool> {
    let mut old = sigset(&[]);
    let empty = sigset(&[]);
    // SAFETY: both sets are valid `sigset_t`s living across the call; blocking the empty
    // set changes nothing and fills `old` with the current mask.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &empty, &mut old) };
    if rc != 0 {
        let plain = io::Error::from_raw_os_error(rc);
        return Err(io::Error::new(plain.kind(), format!("pthread_sigmask: {plain}")));
    }
    // SAFETY: `old` is a valid `sigset_t` the call filled.
    Ok(unsafe { libc::sigismember(&old, signal.number()) } == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for signal in Signal::ALL {
            assert_eq!(Signal::from_number(signal.number()), Some(signal));
        }
        assert_eq!(Signal::from_number(libc::SIGKILL), None);
    }

    #[test]
    fn blocking_is_per_thread_and_inherited() {
        std::thread::spawn(|| {
            assert!(!is_blocked(Signal::WindowChange).unwrap());
            block_signals(&[Signal::WindowChange]).unwrap();
            assert!(is_blocked(Signal::WindowChange).unwrap());
            let child = std::thread::spawn(|| is_blocked(Signal::WindowChange).unwrap());
            assert!(child.join().unwrap(), "a thread inherits its starter's mask");
        })
        .join()
        .unwrap();
    }
}
