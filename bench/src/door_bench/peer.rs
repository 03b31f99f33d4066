//! The peers measured ([`Peer`]): each one's server, and its callers ([`Caller`]).
//!
//! Every server answers a call with the bytes it was given (an echo: a 4 KiB call returns
//! 4 KiB), so each round trip carries the same payload both ways whatever the peer:
//!
//! - `door`: an [`ostium::Door`] with default options (its elastic pool of threads) whose
//!   handler returns the arguments (of an [`ECHO_OP`] call; it also serves the lease
//!   benchmark's operations, [`lease`]); the callers share one [`ostium::Client`], which
//!   keeps one connection per concurrent caller (per CPU lane), as intended.
//! - `door-no-lanes`, `door-no-linger` and `door-no-ring`: the same door with CPU lanes
//!   off, with no linger, or with replies on the socket rather than in the reply slot (the
//!   client turns it off): the variants the defaults were chosen against, measured in the
//!   same run.
//! - `raw`: a `SOCK_SEQPACKET` listener and a thread per connection that receives a
//!   message and sends the same bytes back; each caller has its own connection. This is
//!   the floor a door call over the same socket type is held to.
//! - `raw-lanes`: the raw ping-pong kept on the caller's CPU as door lanes are
//!   ([`raw_lanes`]): the floor for a door call with lanes.
//! - `tonic`: gRPC, a unary call with a `bytes` field over a Unix socket ([`grpc`]); each
//!   caller has its own channel (connection).
//!
//! [`grpc`]: super::grpc
//! [`lease`]: super::lease
//! [`raw_lanes`]: super::raw_lanes

use std::fmt;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, ensure};
use ostium::{Answer, Client, Door, DoorOptions};
use ostium_sys::unix::{SeqpacketConn, SeqpacketListener};
use tokio::runtime::Runtime;

use super::grpc::{self, EchoClient};
use super::{lease, raw_lanes};

/// The operation every door call of the round trips uses; the door server's others are the
/// lease benchmark's ([`lease`]).
pub const ECHO_OP: u32 = 1;
/// The raw server's receive buffer, and the raw caller's: larger than any call.
pub const RAW_BUFFER: usize = 64 * 1024;
/// The raw listener's backlog.
const RAW_BACKLOG: i32 = 128;

/// One of the peers measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Peer {
    /// An Ostium door, called with `ostium::Client`.
    Door,
    /// The door without CPU lanes.
    DoorNoLanes,
    /// The door without the linger.
    DoorNoLinger,
    /// The door with replies on the socket, not in the reply slot.
    DoorNoRing,
    /// A raw SEQPACKET ping-pong.
    Raw,
    /// The raw ping-pong kept on the caller's CPU.
    RawLanes,
    /// gRPC with tonic over a Unix socket.
    Tonic,
}

impl Peer {
    /// Every peer.
    pub const ALL: [Peer; 7] = [
        Peer::Door,
        Peer::DoorNoLanes,
        Peer::DoorNoLinger,
        Peer::DoorNoRing,
        Peer::Raw,
        Peer::RawLanes,
        Peer::Tonic,
    ];

    /// The peers measured by default, in this order.
    pub const DEFAULT: [Peer; 4] = [Peer::Door, Peer::Raw, Peer::RawLanes, Peer::Tonic];

    /// Its name, as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Door => "door",
            Peer::DoorNoLanes => "door-no-lanes",
            Peer::DoorNoLinger => "door-no-linger",
            Peer::DoorNoRing => "door-no-ring",
            Peer::Raw => "raw",
            Peer::RawLanes => "raw-lanes",
            Peer::Tonic => "tonic",
        }
    }

    /// Whether this is one of the door variants.
    pub fn is_door(self) -> bool {
        matches!(self, Peer::Door | Peer::DoorNoLanes | Peer::DoorNoLinger | Peer::DoorNoRing)
    }

    /// The door options of a door variant.
    fn door_options(self) -> DoorOptions {
        match self {
            Peer::DoorNoLanes => DoorOptions { cpu_lanes: false, ..DoorOptions::default() },
            Peer::DoorNoLinger => {
                DoorOptions { linger: std::time::Duration::ZERO, ..DoorOptions::default() }
            }
            _ => DoorOptions::default(),
        }
    }

    /// How its server and callers are made, in a line.
    pub fn describe(self) -> &'static str {
        match self {
            Peer::Door => {
                "ostium::Door, default options (elastic pool, 1 to 64 threads, 1 ms linger, CPU \
                 lanes), handler returns the args; callers share one ostium::Client (a \
                 connection per concurrent caller and CPU)"
            }
            Peer::DoorNoLanes => "the door with cpu_lanes off (a connection per caller)",
            Peer::DoorNoLinger => "the door with linger 0 (each call goes through the leader)",
            Peer::DoorNoRing => {
                "the door with the client's reply slot off (replies on the socket, the caller \
                 asleep in recv)"
            }
            Peer::Raw => {
                "SOCK_SEQPACKET, a server thread per connection doing recv then send of the same \
                 bytes; a connection per caller"
            }
            Peer::RawLanes => {
                "raw, with a connection per caller and CPU: each call uses the one of the CPU \
                 the caller runs on, whose server thread is pinned to that CPU"
            }
            Peer::Tonic => {
                "gRPC unary call, message { bytes data = 1 }, over a Unix socket; server on \
                 tokio's default multi-thread runtime (a worker per CPU) behind tonic's router; \
                 each caller has its own channel on its own current-thread runtime"
            }
        }
    }

    /// Serves this peer at `path` in this process, until the [`Serving`] is dropped (for the
    /// raw server: until the process exits). Connections are accepted once this returns.
    pub fn serve(self, path: &Path) -> Result<Serving> {
        match self {
            Peer::Door | Peer::DoorNoLanes | Peer::DoorNoLinger | Peer::DoorNoRing => {
                let door = Door::builder(path)
                    .options(self.door_options())
                    .serve(|request| {
                        if request.op == ECHO_OP {
                            Answer::ok(request.args.to_vec())
                        } else {
                            lease::serve(request)
                        }
                    })
                    .with_context(|| format!("creating the door at {}", path.display()))?;
                Ok(Serving::Door(door))
            }
            Peer::Raw => {
                let listener = SeqpacketListener::bind(path, RAW_BACKLOG)
                    .with_context(|| format!("binding {}", path.display()))?;
                std::thread::Builder::new()
                    .name("raw-accept".into())
                    .spawn(move || accept_raw(&listener))
                    .context("starting the raw server's accept thread")?;
                Ok(Serving::Raw)
            }
            Peer::RawLanes => {
                let listener = SeqpacketListener::bind(path, RAW_BACKLOG)
                    .with_context(|| format!("binding {}", path.display()))?;
                std::thread::Builder::new()
                    .name("raw-accept".into())
                    .spawn(move || raw_lanes::accept(&listener))
                    .context("starting the raw-lanes server's accept thread")?;
                Ok(Serving::Raw)
            }
            Peer::Tonic => Ok(Serving::Tonic(grpc::serve(path)?)),
        }
    }

    /// `count` callers of the server at `path`, each for one thread.
    pub fn callers(self, path: &Path, count: usize) -> Result<Vec<Box<dyn Caller>>> {
        let mut callers: Vec<Box<dyn Caller>> = Vec::with_capacity(count);
        match self {
            Peer::Door | Peer::DoorNoLanes | Peer::DoorNoLinger | Peer::DoorNoRing => {
                let client = Arc::new(
                    Client::open(path)
                        .with_context(|| format!("opening the door at {}", path.display()))?,
                );
                client.set_reply_slot(self != Peer::DoorNoRing);
                for _ in 0..count {
                    callers
                        .push(Box::new(DoorCaller { client: Arc::clone(&client), reply: vec![] }));
                }
            }
            Peer::Raw => {
                for _ in 0..count {
                    let conn = SeqpacketConn::connect(path)
                        .with_context(|| format!("connecting to {}", path.display()))?;
                    callers.push(Box::new(RawCaller {
                        conn,
                        buf: vec![0; RAW_BUFFER],
                        fds: Vec::new(),
                    }));
                }
            }
            Peer::RawLanes => {
                for _ in 0..count {
                    callers.push(Box::new(raw_lanes::LaneCaller::connect(path)?));
                }
            }
            Peer::Tonic => {
                for _ in 0..count {
                    callers.push(Box::new(TonicCaller {
                        client: EchoClient::connect(path)?,
                        reply: Vec::new(),
                    }));
                }
            }
        }
        Ok(callers)
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A peer's server running in this process.
pub enum Serving {
    /// The door; dropping it revokes it.
    Door(Door),
    /// The raw server's threads run until the process exits.
    Raw,
    /// The gRPC server's runtime; dropping it stops the server.
    Tonic(Runtime),
}

/// Serves `peer` at `path`, prints [`READY`](super::child::READY) on stdout, and exits the
/// process when stdin closes: the body of `door-bench serve PEER PATH`.
pub fn serve_until_stdin_closes(peer: Peer, path: &Path) -> Result<()> {
    let _serving = peer.serve(path)?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", super::child::READY)?;
        stdout.flush()?;
    }
    // Read until end of file (the harness exited or dropped us), whatever comes.
    let mut sink = [0u8; 64];
    let mut stdin = std::io::stdin().lock();
    while !matches!(stdin.read(&mut sink), Ok(0) | Err(_)) {}
    // Exit without waiting for calls in flight or for the runtime's threads (no destructor
    // runs): nobody is left to answer.
    std::process::exit(0)
}

/// One caller: makes one call at a time on its thread.
pub trait Caller: Send {
    /// Sends `args` and returns the reply's bytes.
    fn call(&mut self, args: &[u8]) -> Result<&[u8]>;
}

/// A caller of a door, sharing its client with the other callers.
struct DoorCaller {
    client: Arc<Client>,
    reply: Vec<u8>,
}

impl Caller for DoorCaller {
    fn call(&mut self, args: &[u8]) -> Result<&[u8]> {
        self.reply = self.client.call(ECHO_OP, args).context("door call")?.data;
        Ok(&self.reply)
    }
}

/// A caller on its own SEQPACKET connection.
struct RawCaller {
    conn: SeqpacketConn,
    buf: Vec<u8>,
    fds: Vec<OwnedFd>,
}

impl Caller for RawCaller {
    fn call(&mut self, args: &[u8]) -> Result<&[u8]> {
        self.conn.send(args, &[]).context("raw send")?;
        let received = self.conn.recv(&mut self.buf, &mut self.fds).context("raw recv")?;
        self.fds.clear();
        ensure!(received.len > 0, "the raw server closed the connection");
        Ok(&self.buf[..received.len])
    }
}

/// A caller on its own gRPC channel.
struct TonicCaller {
    client: EchoClient,
    reply: Vec<u8>,
}

impl Caller for TonicCaller {
    fn call(&mut self, args: &[u8]) -> Result<&[u8]> {
        self.reply = self.client.echo(args.to_vec())?;
        Ok(&self.reply)
    }
}

/// The raw server's accept loop: a thread per connection.
fn accept_raw(listener: &SeqpacketListener) {
    loop {
        match listener.accept() {
            Ok(conn) => {
                let spawned = std::thread::Builder::new()
                    .name("raw-echo".into())
                    .spawn(move || echo_raw(&conn));
                if let Err(err) = spawned {
                    eprintln!("door-bench: raw server: starting a thread: {err}");
                }
            }
            Err(err) => {
                eprintln!("door-bench: raw server: accept: {err}");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}

/// Sends every message received on `conn` back, until the client goes.
fn echo_raw(conn: &SeqpacketConn) {
    let mut buf = vec![0u8; RAW_BUFFER];
    let mut fds = Vec::new();
    while let Ok(received) = conn.recv(&mut buf, &mut fds) {
        fds.clear();
        if received.len == 0 || conn.send(&buf[..received.len], &[]).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_peer_echoes_from_every_caller() {
        let dir = super::super::SocketDir::create().unwrap();
        for peer in Peer::ALL {
            let path = dir.path().join(format!("{peer}.sock"));
            let _serving = peer.serve(&path).unwrap();
            let mut callers = peer.callers(&path, 3).unwrap();
            assert_eq!(callers.len(), 3);
            for (i, caller) in callers.iter_mut().enumerate() {
                for size in [1, 8, 4096, 32 * 1024] {
                    let args: Vec<u8> = (0..size).map(|j| (i + j) as u8).collect();
                    assert_eq!(caller.call(&args).unwrap(), &args[..], "{peer}, {size} bytes");
                }
            }
        }
    }

    #[test]
    fn names_and_descriptions() {
        assert_eq!(
            Peer::ALL.map(Peer::name),
            [
                "door",
                "door-no-lanes",
                "door-no-linger",
                "door-no-ring",
                "raw",
                "raw-lanes",
                "tonic"
            ]
        );
        assert_eq!(Peer::Tonic.to_string(), "tonic");
        for peer in Peer::ALL {
            let value = <Peer as clap::ValueEnum>::from_str(peer.name(), false).unwrap();
            assert_eq!(value, peer);
            assert!(!peer.describe().is_empty());
        }
    }
}
