//! The server's writing of a reply, one function per kind of Idol reply: the inverse of
//! [`reply`](super::reply).

use super::HandlerError;
use super::reply::COMPLEX_ERROR;
use ostium::Answer;

/// The reply of a `Simple(T)` (or `ServerDeath`) operation: success, with `data`.
pub fn simple(data: Vec<u8>) -> Answer {
    Answer::ok(data)
}

/// The reply of a `Result(ok: T, err: CLike(E))` operation. `E` converts into its code,
/// which must be in `1..=0xFFFF_FEFF`; a code of 0 is the handler's mistake and the caller
/// gets the fault `HandlerPanicked`.
pub fn clike<T, E: Into<u32>>(
    result: Result<T, HandlerError<E>>,
    encode: impl FnOnce(T) -> Vec<u8>,
) -> Answer {
    match result {
        Ok(value) => Answer::ok(encode(value)),
        Err(HandlerError::Runtime(error)) => Answer::error(error.into(), Vec::new()),
        Err(HandlerError::Fault(fault)) => Answer::fault(fault),
    }
}

/// The reply of a `Result(ok: T, err: Complex(E))` operation.
pub fn complex<T, E>(
    result: Result<T, HandlerError<E>>,
    encode: impl FnOnce(T) -> Vec<u8>,
    encode_error: impl FnOnce(E) -> Vec<u8>,
) -> Answer {
    match result {
        Ok(value) => Answer::ok(encode(value)),
        Err(HandlerError::Runtime(error)) => Answer::error(COMPLEX_ERROR, encode_error(error)),
        Err(HandlerError::Fault(fault)) => Answer::fault(fault),
    }
}
