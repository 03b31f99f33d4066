//! The load generator: closed-loop ping-pong over many connections, on the calling thread.
//!
//! Each of the connections keeps one message in flight: it sends, waits until the whole
//! message has come back, records the round trip, and sends the next (see
//! [`PingPong`]). One thread drives them all with an epoll [`Poller`], so the load is as
//! high as the server can answer and no higher, and the generator needs one CPU.
//!
//! The run has a warm-up, during which nothing is counted, and a measurement window. The
//! window's length, its messages, their latencies and the CPU time used in it (by the server
//! and by this thread) are what [`run`] returns. Every run is bounded in time: a connection
//! whose message has not come back after [`STALL`] fails the run, as does any wrong byte.
//!
//! A caller that measures the server some other way (`echo-bench --callgrind` zeroes and
//! dumps its instruction counters) does so at the window's [`Edge`]s: `run` calls it just
//! before the window opens and just after it closes, on this thread, so the window's length
//! does not include that call. The messages in flight at each edge (at most one per
//! connection) are the measurement's fuzz: the server may handle those in flight at the
//! opening before the caller's measurement starts although they are counted, and handles
//! those in flight at the closing after the window although they are not; the two roughly
//! cancel, and are few next to the window's messages.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ostium_sys::{Event, Events, Poller, Token};

use crate::cputime::{CpuClock, CpuTime};
use crate::histogram::Histogram;
use crate::pingpong::PingPong;

/// How long a message may stay unanswered before the server is declared stalled.
pub const STALL: Duration = Duration::from_secs(5);
/// How often connections are checked for a stall.
const STALL_CHECK: Duration = Duration::from_secs(1);
/// Bytes read per call at most.
const SCRATCH: usize = 64 * 1024;

/// The load to apply.
#[derive(Clone, Debug)]
pub struct Load {
    /// The server's address.
    pub addr: SocketAddr,
    /// How many connections, each with one message in flight.
    pub connections: usize,
    /// Bytes per message.
    pub size: usize,
    /// How long to run before measuring.
    pub warmup: Duration,
    /// How long to measure.
    pub measure: Duration,
}

/// What the measurement window saw.
#[derive(Debug)]
pub struct Outcome {
    /// Round trips completed in the window.
    pub messages: u64,
    /// The window's actual length.
    pub window: Duration,
    /// Round-trip latencies of those messages, in nanoseconds.
    pub latency: Histogram,
    /// CPU time the server used in the window.
    pub server_cpu: CpuTime,
    /// CPU time the load generator's thread used in the window.
    pub generator_cpu: CpuTime,
}

/// An edge of the measurement window, as told to [`run`]'s caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// The window is about to open: the warm-up is over.
    Opening,
    /// The window has closed: its length and CPU times are taken.
    Closed,
}

/// Applies `load`, measuring the server's CPU time with `server` and this thread's with
/// `generator` (a [`CpuClock::current_thread`], read on the calling thread), and calling
/// `at_edge` at both edges of the measurement window.
pub fn run(
    load: &Load,
    server: &CpuClock,
    generator: &CpuClock,
    at_edge: &mut dyn FnMut(Edge) -> Result<()>,
) -> Result<Outcome> {
    let poller = Poller::new()?;
    let mut conns = (0..load.connections)
        .map(|i| PingPong::connect(load.addr, load.size, Token(i as u64), &poller))
        .collect::<Result<Vec<_>>>()?;
    let mut events = Events::with_capacity(load.connections.min(1024));
    let mut scratch = vec![0; SCRATCH];

    let start = Instant::now();
    let measure_from = start + load.warmup;
    for (i, conn) in conns.iter_mut().enumerate() {
        conn.send(start, &poller).with_context(|| format!("connection {i} to {}", load.addr))?;
    }
    let mut window: Option<Window> = None;
    let mut latency = Histogram::new();
    let mut messages = 0u64;
    let mut next_check = start + STALL_CHECK;
    loop {
        let mut now = Instant::now();
        if window.is_none() && now >= measure_from {
            at_edge(Edge::Opening).context("opening the measurement window")?;
            now = Instant::now();
            window = Some(Window::open(now, server, generator)?);
        }
        let until = window.as_ref().map(|w| w.opened + load.measure);
        if until.is_some_and(|until| now >= until) {
            break;
        }
        if now >= next_check {
            check_stalls(&conns, now)?;
            next_check = now + STALL_CHECK;
        }
        let deadline = until.unwrap_or(measure_from);
        poller.wait(&mut events, Some(deadline.min(next_check).saturating_duration_since(now)))?;
        for event in events.iter() {
            let i = event.token().0 as usize;
            let served = serve(&mut conns[i], &event, &poller, &mut scratch)
                .with_context(|| format!("connection {i} to {}", load.addr))?;
            if let Some(round_trip) = served
                && window.is_some()
            {
                latency.record(round_trip.as_nanos() as u64);
                messages += 1;
            }
        }
    }
    let window = window.expect("the window opens before the run ends");
    let (length, server_cpu, generator_cpu) = window.close(server, generator)?;
    at_edge(Edge::Closed).context("closing the measurement window")?;
    Ok(Outcome { messages, window: length, latency, server_cpu, generator_cpu })
}

/// Handles one event of `conn`: writes what is pending, reads what came back, and when the
/// message is complete sends the next one and returns the round trip's latency.
fn serve(
    conn: &mut PingPong,
    event: &Event,
    poller: &Poller,
    scratch: &mut [u8],
) -> Result<Option<Duration>> {
    if event.is_writable() {
        conn.on_writable(poller)?;
    }
    if !event.is_readable() || !conn.on_readable(scratch)? {
        return Ok(None);
    }
    let now = Instant::now();
    let round_trip = now - conn.sent_at();
    conn.send(now, poller)?;
    Ok(Some(round_trip))
}

/// Fails if a connection has waited for its echo longer than [`STALL`].
fn check_stalls(conns: &[PingPong], now: Instant) -> Result<()> {
    if let Some(i) = conns.iter().position(|c| now - c.sent_at() > STALL) {
        bail!("connection {i}: no complete echo for {STALL:?}; the server stalled");
    }
    Ok(())
}

/// The start of the measurement window: when, and the CPU clocks then.
struct Window {
    opened: Instant,
    server_cpu: CpuTime,
    generator_cpu: CpuTime,
}

impl Window {
    fn open(now: Instant, server: &CpuClock, generator: &CpuClock) -> Result<Window> {
        Ok(Window { opened: now, server_cpu: server.read()?, generator_cpu: generator.read()? })
    }

    /// The window's length and the CPU time used in it, by the server and the generator.
    fn close(
        self,
        server: &CpuClock,
        generator: &CpuClock,
    ) -> Result<(Duration, CpuTime, CpuTime)> {
        let length = self.opened.elapsed();
        let server_cpu = server.read()?.since(&self.server_cpu);
        let generator_cpu = generator.read()?.since(&self.generator_cpu);
        Ok((length, server_cpu, generator_cpu))
    }
}
