//! [`ForwardService`]: the service of one loop for one forward, whichever its mode — so
//! that the daemon runs every forward the same way.

use std::sync::Arc;

use ostium_reactor::{Buffer, CloseReason, ConnId, Context, Flow, Origin, Readiness, Service};
use ostium_reactor::{TimerId, WatchId};

use super::bytes_service::BytesService;
use super::core::CoreService;
use super::handoff_service::HandoffService;
use super::http_service::HttpService;
use super::udp_service::UdpService;
use crate::access_log::{AccessLog, Format};
use crate::config::{Forward, Mode};
use crate::metrics::ForwardMetrics;

use super::admission::Admission;

/// One loop's service for one forward.
pub enum ForwardService {
    /// `http` mode.
    Http(HttpService),
    /// `bytes` mode over TCP.
    Bytes(BytesService),
    /// `handoff` mode.
    Handoff(HandoffService),
    /// `bytes` mode over UDP.
    Udp(UdpService),
}

impl ForwardService {
    /// The service of a UDP forward, reading `socket`.
    pub fn udp(
        forward: Arc<Forward>,
        socket: ostium_sys::UdpSocket,
        _metrics: ForwardMetrics,
    ) -> ForwardService {
        ForwardService::Udp(UdpService::new(forward, socket))
    }

    /// The service a TCP forward's mode asks for.
    pub fn new(
        forward: Arc<Forward>,
        metrics: ForwardMetrics,
        admission: Arc<Admission>,
        access_log: Option<(AccessLog, Format)>,
    ) -> ForwardService {
        match forward.mode {
            Mode::Http => {
                ForwardService::Http(HttpService::new(forward, metrics, admission, access_log))
            }
            Mode::Bytes => ForwardService::Bytes(BytesService::new(forward, metrics, admission)),
            Mode::Handoff => {
                ForwardService::Handoff(HandoffService::new(forward, metrics, admission))
            }
        }
    }

    /// Stops taking requests; the loop stops once those in progress are answered (in
    /// `http` mode, those unanswered at `deadline` are answered `503`).
    pub fn begin_drain(&mut self, cx: &mut Context<'_>, deadline: std::time::Duration) {
        // No new connection: the listener closes (the kernel refuses what comes after).
        cx.close_listeners();
        match self {
            ForwardService::Http(s) => s.begin_drain(cx, deadline),
            ForwardService::Bytes(s) => s.drain(cx),
            ForwardService::Handoff(s) => s.drain(cx),
            ForwardService::Udp(s) => s.begin_drain(cx),
        }
    }

    /// The forward's mode, as this service serves it.
    pub fn mode(&self) -> Mode {
        match self {
            ForwardService::Http(_) => Mode::Http,
            ForwardService::Bytes(_) | ForwardService::Udp(_) => Mode::Bytes,
            ForwardService::Handoff(_) => Mode::Handoff,
        }
    }

    /// Applies a reloaded configuration of the same forward, in the same mode.
    pub fn reconfigure(&mut self, cx: &mut Context<'_>, forward: Arc<Forward>) {
        match self {
            ForwardService::Http(s) => s.reconfigure(cx, forward),
            ForwardService::Bytes(s) => s.core().reconfigure(cx, forward),
            ForwardService::Handoff(s) => s.core().reconfigure(cx, forward),
            ForwardService::Udp(s) => s.core().reconfigure(cx, forward),
        }
    }

    fn inner(&mut self) -> &mut dyn Service {
        match self {
            ForwardService::Http(s) => s,
            ForwardService::Bytes(s) => s,
            ForwardService::Handoff(s) => s,
            ForwardService::Udp(s) => s,
        }
    }
}

impl Service for ForwardService {
    fn on_start(&mut self, cx: &mut Context<'_>) {
        self.inner().on_start(cx);
    }

    fn on_open(&mut self, cx: &mut Context<'_>, conn: ConnId, origin: Origin) {
        self.inner().on_open(cx, conn, origin);
    }

    fn on_data(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        self.inner().on_data(cx, conn, input, output)
    }

    fn on_read_closed(
        &mut self,
        cx: &mut Context<'_>,
        conn: ConnId,
        input: &mut Buffer,
        output: &mut Buffer,
    ) -> Flow {
        self.inner().on_read_closed(cx, conn, input, output)
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        self.inner().on_timer(cx, timer);
    }

    fn on_ready(&mut self, cx: &mut Context<'_>, watch: WatchId, ready: Readiness) {
        self.inner().on_ready(cx, watch, ready);
    }

    fn on_turn_end(&mut self, cx: &mut Context<'_>) {
        self.inner().on_turn_end(cx);
    }

    fn on_close(&mut self, cx: &mut Context<'_>, conn: ConnId, reason: &CloseReason) {
        self.inner().on_close(cx, conn, reason);
    }
}
