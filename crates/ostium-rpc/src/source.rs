//! [`Source`]: the client a closed receive is closed on (Hubris's `recv_source`), named by
//! its process.
//!
//! Hubris names a task; Ostium names the client's process, as the kernel reported it when
//! the connection was made. A process's calls may come on several connections (a
//! [`Client`](ostium::Client) keeps one per concurrent call, and one per CPU with lanes), so
//! the process is what "this client" means to a server; two clients in one process are one
//! source.

use ostium::Caller;

/// A client process a server may serve alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    pid: u32,
}

impl Source {
    /// The process of `caller`; `None` when its pid is not visible from this process's pid
    /// namespace (such a caller cannot be served alone).
    pub fn of(caller: &Caller) -> Option<Source> {
        caller.pid.map(|pid| Source { pid })
    }

    /// The process id.
    pub fn pid(self) -> u32 {
        self.pid
    }
}
