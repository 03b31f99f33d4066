//! [`NotifyError`]: why a notification source could not be set up.

use core::fmt;
use std::io;

use ostium_sys::Signal;

/// Why a notification source could not be added.
#[derive(Debug)]
#[non_exhaustive]
pub enum NotifyError {
    /// A source was given no bits to post.
    NoBits,
    /// The signal is not blocked in the calling thread: a thread not blocking it would take
    /// it (and, for most signals, die of it) before the event thread could read it. Call
    /// [`block_signals`](ostium::block_signals) in `main`, before starting threads.
    SignalNotBlocked(Signal),
    /// The system refused a descriptor the source needs.
    Io {
        /// What was being set up.
        what: &'static str,
        /// What the system said.
        source: io::Error,
    },
}

impl NotifyError {
    pub(crate) fn io(what: &'static str) -> impl FnOnce(io::Error) -> NotifyError {
        move |source| NotifyError::Io { what, source }
    }
}

impl fmt::Display for NotifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotifyError::NoBits => f.write_str("a notification source needs at least one bit"),
            NotifyError::SignalNotBlocked(signal) => write!(
                f,
                "{signal:?} is not blocked: block it in every thread (block_signals in main) \
                 before taking it as a notification"
            ),
            NotifyError::Io { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

impl std::error::Error for NotifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NotifyError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
