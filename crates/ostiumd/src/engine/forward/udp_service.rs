//! `bytes` mode over UDP on one loop: one datagram, one door call, one reply datagram.
//!
//! The loop watches its member of the forward's `SO_REUSEPORT` UDP group and takes at
//! most [`BATCH`] datagrams per turn, so that a flood cannot starve its other work. A
//! reply that comes after `reply-timeout` is dropped (the call's door connection with
//! it), and so is a reply too large for a datagram (logged): UDP clients retry.

use rustc_hash::FxHashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use ostium_reactor::{Buffer, ConnId, Context, Flow, Readiness, Service, TimerId, WatchId};
use ostium_sys::{Interest, UdpSocket};
use tracing::{debug, warn};

use super::core::{CoreService, ForwardCore};
use super::door_pool::{Done, Job};
use crate::config::Forward;

/// The door operation that carries a datagram.
pub const DATAGRAM: u32 = 1;
/// Datagrams taken per turn of the loop, at most.
pub const BATCH: usize = 32;
/// The largest datagram: the most a UDP payload can be.
const MAX_DATAGRAM: usize = 65_535;

/// The UDP service of one loop for one forward.
pub struct UdpService {
    core: ForwardCore<u64>,
    socket: UdpSocket,
    watch: Option<WatchId>,
    /// Calls in flight: whom to answer, and the reply timer.
    pending: FxHashMap<u64, (SocketAddr, TimerId)>,
    timers: FxHashMap<TimerId, u64>,
    next_tag: u64,
    buf: Vec<u8>,
}

impl UdpService {
    /// The service for `forward` on one loop, reading `socket`.
    pub fn new(forward: Arc<Forward>, socket: UdpSocket) -> UdpService {
        UdpService {
            core: ForwardCore::new(forward),
            socket,
            watch: None,
            pending: FxHashMap::default(),
            timers: FxHashMap::default(),
            next_tag: 0,
            buf: vec![0; MAX_DATAGRAM],
        }
    }

    /// Stops reading datagrams; the loop stops once the calls in flight are answered.
    pub fn begin_drain(&mut self, cx: &mut Context<'_>) {
        if let Some(watch) = self.watch.take() {
            cx.unwatch(watch);
        }
        self.drain(cx);
    }

    /// Takes the datagrams waiting, up to a batch, each becoming a call.
    fn receive(&mut self, cx: &mut Context<'_>) {
        for _ in 0..BATCH {
            let (len, from) = match self.socket.recv_from(&mut self.buf) {
                Ok(received) => received,
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(err) => {
                    debug!(%err, "a datagram could not be received");
                    continue;
                }
            };
            let tag = self.next_tag;
            self.next_tag += 1;
            let timer = cx.set_timer(self.core.forward.timeouts.reply);
            self.timers.insert(timer, tag);
            self.pending.insert(tag, (from, timer));
            let args = self.buf[..len].to_vec();
            let job = Job { tag, op: DATAGRAM, args, fds: Vec::new(), retryable: false };
            self.core.submit(cx, job);
        }
    }

    fn deliver(&mut self, cx: &mut Context<'_>) {
        while let Some(Done { tag, outcome }) = self.core.done.pop() {
            let Some((to, timer)) = self.pending.remove(&tag) else { continue };
            cx.cancel_timer(timer);
            self.timers.remove(&timer);
            match outcome {
                Ok(reply) => {
                    if let Err(err) = self.socket.send_to(&reply.data, to) {
                        static SEND_FAILED: ostium_sys::Throttle =
                            ostium_sys::Throttle::per_second();
                        if let Some(suppressed) = SEND_FAILED.pass() {
                            warn!(%err, %to, len = reply.data.len(), suppressed, "a reply datagram was not sent");
                        }
                    }
                }
                Err(err) => debug!(%err, %to, "a datagram's call failed; no reply"),
            }
        }
        self.stop_if_drained(cx);
    }
}

impl CoreService for UdpService {
    type Tag = u64;

    fn core(&mut self) -> &mut ForwardCore<u64> {
        &mut self.core
    }

    fn is_quiet(&self) -> bool {
        self.pending.is_empty()
    }

    fn deliver_finished(&mut self, cx: &mut Context<'_>) {
        self.deliver(cx);
    }
}

impl Service for UdpService {
    fn on_start(&mut self, cx: &mut Context<'_>) {
        match cx.watch(&self.socket, Interest::READABLE) {
            Ok(watch) => self.watch = Some(watch),
            Err(err) => warn!(%err, "could not watch the UDP socket; this loop serves nothing"),
        }
    }

    fn on_data(&mut self, _: &mut Context<'_>, _: ConnId, _: &mut Buffer, _: &mut Buffer) -> Flow {
        // A UDP loop has no listener, so no connection.
        Flow::Close
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        let Some(tag) = self.timers.remove(&timer) else { return };
        if self.pending.remove(&tag).is_some() {
            debug!("a datagram's call timed out; no reply");
            self.core.pool.abandon(cx, &tag, &mut self.core.done);
        }
        self.deliver(cx);
    }

    fn on_turn_end(&mut self, cx: &mut Context<'_>) {
        self.turn_ended(cx);
    }

    fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        if Some(watch) == self.watch {
            self.receive(cx);
        } else {
            self.core.on_ready(cx, watch, ready);
        }
        self.deliver(cx);
    }
}
