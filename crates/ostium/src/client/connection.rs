//! One connection of a client to a door: the `HELLO` exchange, then one call at a time.

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

use ostium_sys::Memfd;
use ostium_sys::memfd::Seals;
use ostium_sys::unix::SeqpacketConn;

use crate::wire::{self, Capabilities, Hello, HelloStatus, InstanceId, Op, Payload, Side, Status};
use crate::{CallError, Reply};

/// The largest reply message this client accepts inline; larger replies come in a memfd.
pub(crate) const MAX_MESSAGE: u32 = 64 * 1024;

/// How long connecting may wait for the server's `HELLO` when the call has no deadline.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Connection {
    socket: SeqpacketConn,
    pub(crate) instance: InstanceId,
    server_max_message: u32,
    capabilities: Capabilities,
    /// The receive timeout set on the socket now, to skip setting it again.
    read_timeout: Option<Duration>,
    incoming: Vec<u8>,
    outgoing: Vec<u8>,
}

/// The arguments of one call.
pub(crate) struct Outgoing<'a> {
    pub(crate) id: u32,
    pub(crate) op: u32,
    pub(crate) args: &'a [u8],
    pub(crate) fds: &'a [BorrowedFd<'a>],
    pub(crate) deadline: Option<Instant>,
}

impl Connection {
    /// Connects to the door at `path` and exchanges `HELLO`s.
    pub(crate) fn open(path: &Path, deadline: Option<Instant>) -> Result<Connection, CallError> {
        let socket = SeqpacketConn::connect(path)
            .map_err(|source| CallError::NoDoor { path: path.to_path_buf(), source })?;
        let mut conn = Connection {
            socket,
            instance: InstanceId::ZERO,
            server_max_message: wire::MIN_MAX_MESSAGE,
            capabilities: Capabilities::NONE,
            read_timeout: None,
            incoming: vec![0; MAX_MESSAGE as usize],
            outgoing: Vec::with_capacity(256),
        };
        Hello::client(MAX_MESSAGE, Capabilities::MEMFD)
            .encode(&mut conn.outgoing)
            .map_err(|err| CallError::Invalid(err.to_string()))?;
        conn.send(&[])?;
        let hello_deadline = deadline.unwrap_or_else(|| Instant::now() + HELLO_TIMEOUT);
        let mut fds = Vec::new();
        let len = conn.receive(&mut fds, Some(hello_deadline), path)?;
        let hello = Hello::decode(&conn.incoming[..len], fds.len(), Side::Server)
            .map_err(|err| CallError::Protocol(err.to_string()))?;
        if let HelloStatus::Refused(fault) = hello.status {
            return Err(CallError::Fault(fault));
        }
        conn.instance = hello.instance;
        conn.server_max_message = hello.max_message;
        conn.capabilities = hello.capabilities.intersection(Capabilities::MEMFD);
        Ok(conn)
    }

    /// Makes one call and waits for its reply.
    pub(crate) fn call(&mut self, call: Outgoing<'_>, path: &Path) -> Result<Reply, CallError> {
        let deadline_ms = call.deadline.map(|d| {
            let left = d.saturating_duration_since(Instant::now()).as_millis();
            u32::try_from(left).unwrap_or(u32::MAX).max(1)
        });
        let inline_len = wire::CallHeader::SIZE + call.args.len();
        let memfd = if inline_len > self.server_max_message as usize {
            if !self.capabilities.contains(Capabilities::MEMFD) {
                return Err(CallError::Invalid("arguments too large for this server".into()));
            }
            Some(sealed_memfd(call.args).map_err(CallError::Io)?)
        } else {
            None
        };
        let args = match memfd {
            Some(_) => Payload::InMemfd { len: u32::try_from(call.args.len()).unwrap_or(u32::MAX) },
            None => Payload::Inline(call.args),
        };
        let fd_count = u16::try_from(call.fds.len()).map_err(|_| {
            CallError::Invalid(format!("{} descriptors in one call", call.fds.len()))
        })?;
        let message = wire::Call {
            id: call.id,
            op: Op(call.op),
            deadline_ms: deadline_ms.and_then(std::num::NonZeroU32::new),
            args,
            leases: &[],
            fd_count,
        };
        self.outgoing.clear();
        message.encode(&mut self.outgoing).map_err(|err| CallError::Invalid(err.to_string()))?;
        let mut passed: Vec<BorrowedFd<'_>> = Vec::with_capacity(call.fds.len() + 1);
        passed.extend(memfd.as_ref().map(|m| m.as_fd()));
        passed.extend_from_slice(call.fds);
        if passed.len() > wire::MAX_FDS {
            return Err(CallError::Invalid(format!("{} descriptors in one call", passed.len())));
        }
        self.send(&passed).map_err(|err| match err {
            CallError::Io(err) if is_disconnect(&err) => {
                CallError::ServerDeath { path: path.to_path_buf() }
            }
            other => other,
        })?;
        let mut fds = Vec::new();
        let len = self.receive(&mut fds, call.deadline, path)?;
        let view = wire::decode_reply(&self.incoming[..len], fds.len(), None)
            .map_err(|err| CallError::Protocol(err.to_string()))?;
        if view.id() != call.id {
            return Err(CallError::Protocol(format!(
                "reply to call {} while waiting for {}",
                view.id(),
                call.id
            )));
        }
        let status = view.status();
        if let Status::Fault(fault) = status {
            return Err(CallError::Fault(fault));
        }
        let layout = view.fds();
        let data = match view.data() {
            Payload::Inline(bytes) => bytes.to_vec(),
            Payload::InMemfd { len } => {
                let index =
                    layout.data().ok_or_else(|| CallError::Protocol("no data memfd".into()))?;
                let fd = fds[index].try_clone().map_err(CallError::Io)?;
                let map = Memfd::from_fd(fd).and_then(|m| m.map_sealed()).map_err(|err| {
                    CallError::Protocol(format!("the reply's data memfd is unusable: {err}"))
                })?;
                map.as_slice()
                    .get(..len as usize)
                    .ok_or_else(|| {
                        CallError::Protocol("the reply's data memfd is too short".into())
                    })?
                    .to_vec()
            }
        };
        let returned: Vec<OwnedFd> = fds.drain(layout.returned()).collect();
        Ok(Reply { status, data, fds: returned })
    }

    fn send(&self, fds: &[BorrowedFd<'_>]) -> Result<(), CallError> {
        self.socket
            .send_vectored(&[IoSlice::new(&self.outgoing)], fds)
            .map(drop)
            .map_err(CallError::Io)
    }

    /// Receives one message into `incoming`; end of stream or a reset is the server's death,
    /// and passing `deadline` is [`CallError::Deadline`].
    fn receive(
        &mut self,
        fds: &mut Vec<OwnedFd>,
        deadline: Option<Instant>,
        path: &Path,
    ) -> Result<usize, CallError> {
        let timeout = match deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(CallError::Deadline);
                }
                Some(left)
            }
            None => None,
        };
        if timeout != self.read_timeout {
            self.socket.set_read_timeout(timeout).map_err(CallError::Io)?;
            self.read_timeout = timeout;
        }
        match self.socket.recv(&mut self.incoming, fds) {
            Ok(received) if received.len == 0 => {
                Err(CallError::ServerDeath { path: path.to_path_buf() })
            }
            Ok(received) => Ok(received.len),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Err(CallError::Deadline),
            Err(err) if is_disconnect(&err) => {
                Err(CallError::ServerDeath { path: path.to_path_buf() })
            }
            Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                Err(CallError::Protocol(err.to_string()))
            }
            Err(err) => Err(CallError::Io(err)),
        }
    }
}

fn is_disconnect(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe | io::ErrorKind::NotConnected
    )
}

/// A memfd holding `data`, sealed against any change, as §4.3 asks of read-only payloads.
fn sealed_memfd(data: &[u8]) -> io::Result<Memfd> {
    let memfd = Memfd::create("ostium-args", data.len() as u64)?;
    memfd.write_all_at(data, 0)?;
    memfd.seal(Seals::SHRINK | Seals::GROW | Seals::WRITE | Seals::SEAL)?;
    Ok(memfd)
}
