//! `ostiumd-bench`: ostiumd and the hello application against nginx, in one run, under the
//! same wrk load, with the ratios against issue 5's targets.
//!
//! ```text
//! apt-get install -y nginx-light wrk
//! cargo build --release -p ostiumd -p hello -p ostium-bench && target/release/ostiumd-bench
//! ```
//!
//! The servers ([`peers`]), each answering `GET /echo?hello-ostium` with the 12-byte body
//! `hello-ostium` as `text/plain`:
//!
//! - `ostiumd`: ostiumd in `http` mode, starting the hello application with `exec`; hello's
//!   `/echo` route answers the query string, so it does the least an application can;
//! - `nginx-proxy`: nginx as a reverse proxy to `http-backend` ([`backend`]), a minimal
//!   synchronous HTTP/1.1 server on a Unix socket with a thread per connection, with
//!   upstream keep-alive (what a tuned production nginx does: see [`nginx`]);
//! - `nginx-static`: nginx answering `return 200 "hello-ostium"` itself.
//!
//! ostiumd gets as many loops as nginx gets workers: one per CPU the servers run on. With at
//! least two CPUs the servers (and whatever they start) run on all but the last, and wrk on
//! the last ([`pinning`]); on this project's two-CPU machines, one loop and one worker.
//!
//! The loads ([`measure`]): for each of `--connections` (1 and 50), each round, each server
//! is started afresh, checked (one request must get `200` and the body), loaded by
//! `wrk -t1 -cN -d10s --latency` after a 1 s warm-up, and stopped; odd rounds take the
//! servers in the reverse order, so that neither is always first after a quiet machine. A
//! row gives req/s, p50 and p99 latency and errors as wrk printed them, the CPU time per
//! request of the front (ostiumd; nginx's master and workers) and of the back (hello;
//! `http-backend`) from `/proc/PID/stat` deltas around the run, wrk's own CPU, and the most
//! threads the application had. The lines under the table ([`table`]) compare the medians
//! over the rounds: req/s of ostiumd + hello over nginx → backend (target ≥ 1.5×) and over
//! nginx static (≥ 0.7×), and ostiumd's own CPU per forwarded request (≤ 5 µs).
//!
//! Then, on fresh servers: hello's door threads (`ostium-door`, from `/proc/PID/task`) at
//! the peak of a 3 s load of 1, 8 and 50 connections; and at rest ([`idle`]): ostiumd's and
//! nginx's idle RSS, their memory per idle keep-alive connection (10,000 connections opened
//! by this process, RSS delta over connections), and their threads' context switches over
//! 3 s, idle and with the connections open (expected: none).
//!
//! A missing program is named with the command that provides it ([`tools`]), and what can
//! run without it is measured. About 2.5 minutes with the defaults.
//!
//! - [`cli`]: the command line.
//! - [`tools`]: finding the programs.
//! - [`child`]: a server as a child process, stopped with `SIGTERM` on drop.
//! - [`pinning`]: which CPUs the servers and wrk run on.
//! - [`peers`]: the three servers, their configurations and checks; [`nginx`]: nginx's.
//! - [`backend`]: `http-backend`, the application behind nginx.
//! - [`client`]: the harness's own HTTP requests.
//! - [`wrk`]: running wrk and reading its output.
//! - [`measure`]: one load; [`table`]: its rows, medians and ratios.
//! - [`procfs`]: memory, children, threads and context switches from `/proc`.
//! - [`idle`]: a server at rest.

pub mod backend;
pub mod child;
pub mod cli;
pub mod client;
pub mod idle;
pub mod measure;
pub mod nginx;
pub mod peers;
pub mod pinning;
pub mod procfs;
pub mod table;
pub mod tools;
pub mod wrk;
