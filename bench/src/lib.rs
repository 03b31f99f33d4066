//! Benchmarks that run Ostium and a peer in the same run, under the same load, and print the
//! ratio.
//!
//! This library is the `echo-bench` program split into one module per concept so that its
//! parts can be unit-tested; it is not an API for other crates, so, like a binary, it reports
//! errors with `anyhow`. The peer servers (`tokio-echo`) are binaries of this crate: tokio is
//! a dependency of the benchmark only.
//!
//! - [`server`]: an echo server under test, as a child process killed on drop.
//! - [`loadgen`]: the load generator, closed-loop ping-pong over many connections on one
//!   thread, with [`pingpong`] for one connection.
//! - [`histogram`]: latency percentiles in constant memory.
//! - [`cputime`]: the CPU time of a process or thread, user and system, from `/proc`.
//! - [`callgrind`]: a server run under valgrind's callgrind, to count its instructions.
//! - [`report`]: the table and the ratios.
//!
//! `door-bench` (a door's call round trip against a raw SEQPACKET ping-pong and gRPC) has
//! its parts in [`door_bench`]; tonic and prost are dependencies of the benchmark only.
//!
//! `ostiumd-bench` (ostiumd + the hello application against nginx as a reverse proxy and as
//! a static server, under wrk) has its parts in [`ostiumd_bench`], and so has `http-backend`,
//! the minimal HTTP server nginx proxies to there; httparse is its dependency.

pub mod callgrind;
pub mod cputime;
pub mod door_bench;
pub mod histogram;
pub mod loadgen;
pub mod ostiumd_bench;
pub mod pingpong;
pub mod report;
pub mod server;
