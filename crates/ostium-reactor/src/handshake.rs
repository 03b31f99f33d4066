//! Outgoing connections: the states a connection passes through before it is usable.
//!
//! [`Context::connect`](crate::Context::connect) starts a non-blocking connect; the loop
//! then drives the connection through
//! `Initiated → SentHandshake → AwaitingAck → Connected`: when the connect completes it
//! sends the handshake's hello, once the hello has left it waits for the peer's
//! acknowledgement, and only when the handshake accepts it is the connection handed to the
//! service ([`Service::on_open`](crate::Service::on_open)). A connection without a
//! handshake goes from `Initiated` to `Connected` when the connect completes. Failure at any
//! step, or the deadline passing first, closes it with a reason.

/// Where an outgoing connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectState {
    /// The connect is under way.
    Initiated,
    /// Connected; the hello is being sent.
    SentHandshake,
    /// The hello has been sent; waiting for the peer's acknowledgement.
    AwaitingAck,
    /// Usable: the service has it.
    Connected,
}

/// What an acknowledgement check found in the bytes received so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ack {
    /// Not enough bytes yet.
    Incomplete,
    /// Accepted; the acknowledgement took the first `consumed` bytes, and any further bytes
    /// are the service's input.
    Accepted {
        /// Bytes of input that belonged to the acknowledgement.
        consumed: usize,
    },
    /// Refused, for the reason given.
    Rejected(String),
}

/// The protocol-specific part of establishing an outgoing connection.
pub trait Handshake: Send {
    /// The bytes sent first, once the connect completes.
    fn hello(&mut self) -> Vec<u8>;

    /// Examines the bytes received so far (all of them, from the first).
    fn check_ack(&mut self, received: &[u8]) -> Ack;
}
