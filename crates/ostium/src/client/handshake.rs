//! The client's side of `HELLO` (protocol §3), sans I/O, for both clients: the message a
//! client sends ([`Greeting::hello`]) and the [`Session`] the server's answer settles
//! ([`Greeting::settle`]). Bytes in, bytes out; the caller owns the socket.

use crate::CallError;
use crate::wire::{Capabilities, Hello, HelloStatus, InstanceId, Side};

/// What a client offers in its `HELLO`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Greeting {
    /// The largest message the client accepts.
    pub(crate) max_message: u32,
    /// The capabilities it supports.
    pub(crate) capabilities: Capabilities,
    /// The CPU its calls come from, if it asks for a lane (§3.2).
    pub(crate) lane: Option<u32>,
}

/// What the `HELLO` exchange settled for a connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Session {
    /// The server's instance id.
    pub(crate) instance: InstanceId,
    /// The longest message to send the server inline: its `max_message`, capped by what
    /// the client's socket can send (`transport::sendable`).
    pub(crate) server_max_message: u32,
    /// The capabilities both sides have.
    pub(crate) capabilities: Capabilities,
    /// The lane the server keeps the connection's calls on, if it agreed to one.
    pub(crate) lane: Option<u32>,
}

impl Session {
    /// What a connection assumes until the server's `HELLO` comes: nothing beyond the
    /// protocol's floor.
    pub(crate) fn before_hello() -> Session {
        Session {
            instance: InstanceId::ZERO,
            server_max_message: crate::wire::MIN_MAX_MESSAGE,
            capabilities: Capabilities::NONE,
            lane: None,
        }
    }
}

impl Greeting {
    /// Appends the client's `HELLO` to `out`.
    pub(crate) fn hello(&self, out: &mut Vec<u8>) -> Result<(), CallError> {
        let hello = Hello { lane: self.lane, ..Hello::client(self.max_message, self.capabilities) };
        Ok(hello.encode(out)?)
    }

    /// The session the server's `HELLO` (`msg`, with `fds` descriptors) settles, given the
    /// longest message this client's socket can send (`sendable`): or the server's
    /// refusal ([`CallError::Fault`]), or a malformed answer.
    pub(crate) fn settle(
        &self,
        msg: &[u8],
        fds: usize,
        sendable: impl FnOnce(u32) -> u32,
    ) -> Result<Session, CallError> {
        let hello = Hello::decode(msg, fds, Side::Server)?;
        if let HelloStatus::Refused(fault) = hello.status {
            return Err(CallError::Fault(fault));
        }
        let capabilities = hello.capabilities.intersection(self.capabilities);
        let lane = self.lane.filter(|_| capabilities.contains(Capabilities::CPU_LANES));
        Ok(Session {
            instance: hello.instance,
            server_max_message: sendable(hello.max_message),
            capabilities,
            lane,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{self, Fault};

    const OURS: Greeting = Greeting {
        max_message: 64 * 1024,
        capabilities: Capabilities::MEMFD.union(Capabilities::CPU_LANES),
        lane: Some(1),
    };

    fn server(status: HelloStatus, capabilities: Capabilities) -> Vec<u8> {
        let hello = Hello {
            min_version: wire::VERSION,
            max_version: wire::VERSION,
            max_message: 1 << 20,
            capabilities,
            instance: InstanceId([7; 16]),
            status,
            lane: None,
        };
        let mut out = Vec::new();
        hello.encode(&mut out).unwrap();
        out
    }

    #[test]
    fn the_session_has_both_sides_capabilities_the_capped_size_and_the_lane_if_agreed() {
        let offered = Capabilities::MEMFD.union(Capabilities::CPU_LANES).union(Capabilities::RING);
        let msg = server(HelloStatus::Accepted, offered);
        let session = OURS.settle(&msg, 0, |theirs| theirs.min(200_000)).unwrap();
        assert_eq!(session.capabilities, Capabilities::MEMFD.union(Capabilities::CPU_LANES));
        assert_eq!((session.server_max_message, session.lane), (200_000, Some(1)));
        assert_eq!(session.instance, InstanceId([7; 16]));
        let no_lanes = server(HelloStatus::Accepted, Capabilities::MEMFD);
        assert_eq!(OURS.settle(&no_lanes, 0, |m| m).unwrap().lane, None);
    }

    #[test]
    fn a_refusal_is_the_servers_fault_and_garbage_is_a_protocol_error() {
        let refused = server(HelloStatus::Refused(Fault::UnsupportedVersion), Capabilities::MEMFD);
        assert!(matches!(
            OURS.settle(&refused, 0, |m| m),
            Err(CallError::Fault(Fault::UnsupportedVersion))
        ));
        assert!(matches!(OURS.settle(b"nonsense", 0, |m| m), Err(CallError::Protocol(_))));
    }

    #[test]
    fn the_hello_sent_is_a_clients() {
        let mut out = Vec::new();
        OURS.hello(&mut out).unwrap();
        let hello = Hello::decode(&out, 0, Side::Client).unwrap();
        assert_eq!((hello.max_message, hello.lane), (64 * 1024, Some(1)));
    }
}
