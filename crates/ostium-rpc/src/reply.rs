//! The client's reading of a reply, one function per kind of Idol reply: the status says
//! which of the operation's answers came, and the data decode as the declared type.

use super::{Failure, RequestError};
use ostium::Reply;
use ostium::wire::Status;

/// The status code of a `Complex` error: the error itself is in the reply data.
pub const COMPLEX_ERROR: u32 = 1;

/// A `Simple(T)` or `ServerDeath` reply: only success is an answer.
pub fn simple<T>(
    reply: Reply,
    op: &'static str,
    decode: impl FnOnce(&[u8]) -> Option<T>,
) -> Result<T, Failure> {
    match reply.status {
        Status::Ok => decode(&reply.data).ok_or(Failure::BadReply { op }),
        Status::Error(_) => Err(Failure::BadReply { op }),
        Status::Fault(fault) => Err(Failure::Fault(fault)),
    }
}

/// A `Result(ok: T, err: CLike(E))` reply: an error is its code alone.
pub fn clike<T, E: TryFrom<u32>>(
    reply: Reply,
    op: &'static str,
    decode: impl FnOnce(&[u8]) -> Option<T>,
) -> Result<T, RequestError<E>> {
    match reply.status {
        Status::Ok => decode(&reply.data).ok_or(Failure::BadReply { op }.into()),
        Status::Error(code) => match E::try_from(code.get()) {
            Ok(error) => Err(RequestError::Runtime(error)),
            Err(_) => Err(Failure::BadReply { op }.into()),
        },
        Status::Fault(fault) => Err(Failure::Fault(fault).into()),
    }
}

/// A `Result(ok: T, err: Complex(E))` reply: an error is [`COMPLEX_ERROR`] and `E` encoded
/// in the data.
pub fn complex<T, E>(
    reply: Reply,
    op: &'static str,
    decode: impl FnOnce(&[u8]) -> Option<T>,
    decode_error: impl FnOnce(&[u8]) -> Option<E>,
) -> Result<T, RequestError<E>> {
    match reply.status {
        Status::Ok => decode(&reply.data).ok_or(Failure::BadReply { op }.into()),
        Status::Error(code) if code.get() == COMPLEX_ERROR => match decode_error(&reply.data) {
            Some(error) => Err(RequestError::Runtime(error)),
            None => Err(Failure::BadReply { op }.into()),
        },
        Status::Error(_) => Err(Failure::BadReply { op }.into()),
        Status::Fault(fault) => Err(Failure::Fault(fault).into()),
    }
}
