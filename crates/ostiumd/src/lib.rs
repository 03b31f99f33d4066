//! ostiumd, the portunusd of Ostium: it listens on network ports and forwards each request
//! or connection to the door of the application that serves the port.
//!
//! This crate holds the daemon's pure front ends, which do no I/O and read no clock, so
//! that they are tested and fuzzed on their own:
//!
//! - [`config`]: the configuration file — portunusd's grammar, so its files load as they
//!   are, with Ostium's per-forward blocks for the mode, limits, timeouts and `exec`.
//!   Every error names the file, line and column and shows the text.
//! - [`http`]: HTTP/1.1 request framing as a sans-I/O decoder (bytes in, requests or a
//!   located error with its status out; the phase it is in tells the caller which
//!   timeout applies), and the response serializer.
//! - [`proxy`]: the PROXY protocol header (v1 and v2) a load balancer sends first, as a
//!   sans-I/O decoder.
//! - [`metrics`]: counters, gauges and latency histograms updated lock-free by the
//!   loops, rendered in the Prometheus text format.
//!
//! And the parts of the daemon that do I/O:
//!
//! - [`access_log`]: access log lines (common log format or JSON) and the thread that
//!   writes them without holding up a loop.
//! - [`engine`]: between the clients' sockets and the applications' doors.
//! - [`supervise`]: `exec`, starting an application and restarting it with backoff.
//! - [`cli`]: the command line (here so that its manual page can be generated).

#![forbid(unsafe_code)]

pub mod access_log;
pub mod cli;
pub mod config;
pub mod engine;
pub mod http;
pub mod metrics;
pub mod proxy;
pub mod supervise;
