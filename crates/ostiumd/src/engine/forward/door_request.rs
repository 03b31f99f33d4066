//! The one place a decoded HTTP request becomes a door call (docs/http-over-doors.md §3):
//! its request message, the file of a spooled body as the call's descriptor (§3.3), and
//! whether the call may be made again on a new connection. The way back, a response
//! message into an HTTP response, is `http_conn`'s `fill_response`.

use std::net::SocketAddr;
use std::os::fd::OwnedFd;

use ostium_http::{EncodeError, Peer, RequestParts};

use crate::http::{Body, Request, Version};

/// A request to make a door call for: answer it with [`HttpConn::on_reply`] and its `seq`.
///
/// [`HttpConn::on_reply`]: super::http_conn::HttpConn::on_reply
#[derive(Debug)]
pub struct Call {
    /// The request's place on the connection.
    pub seq: u64,
    /// The call's arguments: the request message.
    pub args: Vec<u8>,
    /// The call's one descriptor, when the body was spooled to a file.
    pub body_file: Option<OwnedFd>,
    /// Whether the call may be made again on a new connection if the first found the
    /// application gone before it was sent: an idempotent method, and no descriptor (a
    /// retry resends the arguments only).
    pub retryable: bool,
}

/// Who a request came from and where it arrived: the message's addresses.
#[derive(Debug, Clone, Copy)]
pub struct Endpoints {
    /// The client: the socket's peer, or the one a PROXY header named.
    pub client: SocketAddr,
    /// The forward's address.
    pub local: SocketAddr,
}

/// The door call for request `seq`, or why the door format cannot carry it (a method or
/// target too long for it, say: the client gets 400).
pub fn door_call(seq: u64, request: Request, at: Endpoints) -> Result<Call, EncodeError> {
    let (in_memory, file) = match request.body {
        Body::Memory(bytes) => (bytes, None),
        Body::File { file, len } => (Vec::new(), Some((OwnedFd::from(file), len))),
    };
    let parts = RequestParts {
        method: request.method.as_bytes(),
        target: request.target.as_bytes(),
        version: match request.version {
            Version::Http10 => ::http::Version::HTTP_10,
            Version::Http11 => ::http::Version::HTTP_11,
        },
        peer: Peer::new(at.client, at.local),
        headers: request.headers.iter().map(|h| (h.name.as_bytes(), h.value.as_slice())),
        body: &in_memory,
        body_in_fd: file.as_ref().map(|&(_, len)| len),
    };
    let args = ostium_http::encode_request(&parts)?;
    let idempotent = matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS");
    Ok(Call {
        seq,
        args,
        retryable: idempotent && file.is_none(),
        body_file: file.map(|(fd, _)| fd),
    })
}
