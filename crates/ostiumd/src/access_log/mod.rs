//! Access logs: one line per request (or per connection, in `bytes` and `handoff` modes),
//! in the common log format or as JSON lines, written by a thread of their own so that a
//! slow disk never stalls an event loop.
//!
//! The engine fills an [`AccessRecord`], formats it with [`Format::line`], and hands the
//! line to an [`AccessLog`], which queues it without blocking. When the queue is full —
//! the disk is slower than the traffic — the line is dropped and counted (the forward's
//! `ostiumd_access_log_dropped_total`), rather than holding up requests or growing memory
//! without bound.
//!
//! Times are UTC (`+0000` in the common format, `Z` in JSON): a daemon's logs should not
//! change meaning with the host's time zone.

mod common;
mod json;
mod record;
mod time;
mod writer;

pub use record::{AccessRecord, RequestLine};
pub use writer::{AccessLog, AccessLogThread, DEFAULT_CAPACITY, Destination, spawn};

/// How lines are written (the forward's access log format).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Format {
    /// The common log format of NCSA and Apache:
    /// `192.0.2.1 - - [10/Oct/2000:20:55:36 +0000] "GET / HTTP/1.1" 200 2326`.
    #[default]
    Common,
    /// One JSON object per line, with the forward and the duration too.
    Json,
}

impl Format {
    /// `record` as one line, ending in `\n`.
    pub fn line(self, record: &AccessRecord<'_>) -> String {
        match self {
            Format::Common => common::line(record),
            Format::Json => json::line(record),
        }
    }
}
