//! [`serve`]: an HTTP application in Rust behind ostiumd, as a door whose handler takes and
//! returns the `http` crate's types.

use std::path::Path;

use ::http::{Request, Response, StatusCode, header};
use tracing::{debug, error};

use super::{HTTP_REQUEST, decode_request_with_fds, encode_response};
use ostium::wire::Fault;
use ostium::{Door, DoorError, DoorOptions};

/// Serves `handler` at the door `path`: each `HTTP_REQUEST` call is decoded into an
/// `http::Request` (with its [`Peer`](super::Peer) as an extension), handled on the door's
/// elastic pool (so `handler` runs on several threads at once under concurrent load), and
/// its response encoded as the reply.
///
/// - A call that is not `HTTP_REQUEST`, or whose arguments are not a request message, is
///   answered with the fault `UNKNOWN_OPERATION` or `BAD_MESSAGE` (ostiumd answers its
///   client 502: the two sides disagree).
/// - A response the format cannot carry (a framing field such as `content-length`, a
///   `1xx` status, a body with 204 or 304) is logged as an error and replaced with a
///   plain `500 Internal Server Error`.
/// - A handler that panics is answered with the fault `HANDLER_PANICKED` (ostiumd answers
///   500); the door goes on serving.
///
/// The door is served until the returned [`Door`] is dropped.
pub fn serve<H>(path: impl AsRef<Path>, options: DoorOptions, handler: H) -> Result<Door, DoorError>
where
    H: Fn(Request<Vec<u8>>) -> Response<Vec<u8>> + Send + Sync + 'static,
{
    Door::builder(path).options(options).serve(move |call| {
        if call.op != HTTP_REQUEST {
            return ostium::Answer::fault(Fault::UnknownOperation);
        }
        let request = match decode_request_with_fds(call.args, call.fds) {
            Ok(request) => request,
            Err(e) => {
                debug!(error = %e, "refusing a malformed HTTP request message");
                return ostium::Answer::fault(Fault::BadMessage);
            }
        };
        let response = handler(request);
        match encode_response(&response) {
            Ok(reply) => ostium::Answer::ok(reply),
            Err(e) => {
                let status = response.status().as_u16();
                static UNSENDABLE: ostium_sys::Throttle = ostium_sys::Throttle::per_second();
                if let Some(suppressed) = UNSENDABLE.pass() {
                    error!(status, error = %e, suppressed, "the application's response cannot be sent; answering 500");
                }
                ostium::Answer::ok(internal_error())
            }
        }
    })
}

/// The 500 that replaces a response the format cannot carry.
fn internal_error() -> Vec<u8> {
    let mut response = Response::new(b"500 Internal Server Error\n".to_vec());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
    // A fixed, valid response: encoding it cannot fail; were it to, ostiumd would see
    // an empty reply, a malformed message, and answer 502.
    encode_response(&response).unwrap_or_default()
}
