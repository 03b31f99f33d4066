//! Who is to blame when a generated call fails, Hubris's split: [`RequestError::Runtime`]
//! is the operation's own answer, of the type the interface declares, for the caller's
//! domain logic; [`Failure`] says the call itself did not happen as asked (the server died,
//! faulted the call, broke the protocol, or the deadline passed). A handler's side of the
//! same split is [`HandlerError`].

use core::fmt;

use ostium::CallError;
use ostium::wire::Fault;

/// Why a generated client call produced no answer of the operation's own.
#[derive(Debug)]
#[non_exhaustive]
pub enum Failure {
    /// The server died (or was restarted) while the call was outstanding: whether it ran is
    /// unknown. Idempotent operations are retried before this is returned.
    ServerDeath,
    /// Nobody serves the door (it is absent, or nobody accepts there).
    NoServer(CallError),
    /// The server's runtime refused or failed the call with this fault: the call was
    /// malformed ([`Fault::BadMessage`]), a lease was wrong ([`Fault::BadLease`]), the caller
    /// is not allowed the operation ([`Fault::AccessViolation`]), the handler panicked or
    /// dropped its reply, and so on.
    Fault(Fault),
    /// The caller's deadline passed before the reply arrived.
    Deadline,
    /// The reply did not decode as the operation's reply: the server does not serve this
    /// interface, or another version of it.
    BadReply {
        /// The operation called.
        op: &'static str,
    },
    /// A lease is longer than the interface allows (`max_len`); the call was not sent.
    LeaseTooLong {
        /// The operation called.
        op: &'static str,
        /// The lease.
        lease: &'static str,
        /// Its length, in elements.
        len: usize,
        /// The most the interface allows.
        max: u32,
    },
    /// Any other failure of the door call (the server broke the protocol, I/O errors).
    Call(CallError),
}

impl From<CallError> for Failure {
    fn from(error: CallError) -> Failure {
        match error {
            CallError::ServerDeath { .. } => Failure::ServerDeath,
            CallError::Fault(fault) => Failure::Fault(fault),
            CallError::Deadline => Failure::Deadline,
            error @ CallError::NoDoor { .. } => Failure::NoServer(error),
            error => Failure::Call(error),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::ServerDeath => f.write_str("the server died during the call"),
            Failure::NoServer(error) | Failure::Call(error) => error.fmt(f),
            Failure::Fault(fault) => write!(f, "the door refused the call: {fault}"),
            Failure::Deadline => f.write_str("the call's deadline passed"),
            Failure::BadReply { op } => write!(f, "the reply to `{op}` did not decode"),
            Failure::LeaseTooLong { op, lease, len, max } => {
                write!(f, "`{op}`: lease `{lease}` has {len} elements; at most {max} allowed")
            }
        }
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Failure::NoServer(error) | Failure::Call(error) => Some(error),
            _ => None,
        }
    }
}

/// The result of calling an operation whose reply is `Result(ok: T, err: CLike(E) |
/// Complex(E))`: `Err` is either `E` or a [`Failure`].
#[derive(Debug)]
pub enum RequestError<E> {
    /// The operation answered with its declared error.
    Runtime(E),
    /// The call failed: no answer of the operation's own.
    Fail(Failure),
}

impl<E> RequestError<E> {
    /// The declared error, if the operation answered with one.
    pub fn runtime(self) -> Option<E> {
        match self {
            RequestError::Runtime(error) => Some(error),
            RequestError::Fail(_) => None,
        }
    }

    /// The fault of a refused call, if that is what happened.
    pub fn fault(&self) -> Option<Fault> {
        match self {
            RequestError::Fail(Failure::Fault(fault)) => Some(*fault),
            _ => None,
        }
    }
}

impl<E> From<Failure> for RequestError<E> {
    fn from(failure: Failure) -> RequestError<E> {
        RequestError::Fail(failure)
    }
}

impl<E: fmt::Debug> fmt::Display for RequestError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Runtime(error) => write!(f, "the operation failed: {error:?}"),
            RequestError::Fail(failure) => failure.fmt(f),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for RequestError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RequestError::Runtime(_) => None,
            RequestError::Fail(failure) => Some(failure),
        }
    }
}

/// What the handler of a fallible operation returns instead of its `Ok` value: the
/// declared error (`?` converts `E` into it), or a fault to answer the caller with, for a
/// caller that broke the rules (a lease too short for what it asks, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerError<E> {
    /// The declared error, sent to the caller as its [`RequestError::Runtime`].
    Runtime(E),
    /// A runtime fault, sent to the caller as its [`Failure::Fault`].
    Fault(Fault),
}

impl<E> From<E> for HandlerError<E> {
    fn from(error: E) -> HandlerError<E> {
        HandlerError::Runtime(error)
    }
}

impl<E> HandlerError<E> {
    /// [`Fault::BadLease`]: for a handler whose lease access failed
    /// (`.map_err(HandlerError::bad_lease)`).
    pub fn bad_lease<Any>(_: Any) -> HandlerError<E> {
        HandlerError::Fault(Fault::BadLease)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_errors_map_to_who_is_to_blame() {
        let death = CallError::ServerDeath { path: "/x".into() };
        assert!(matches!(Failure::from(death), Failure::ServerDeath));
        assert!(matches!(
            Failure::from(CallError::Fault(Fault::BadLease)),
            Failure::Fault(Fault::BadLease)
        ));
        assert!(matches!(Failure::from(CallError::Deadline), Failure::Deadline));
        let error: RequestError<u8> = Failure::Fault(Fault::AccessViolation).into();
        assert_eq!(error.fault(), Some(Fault::AccessViolation));
        assert_eq!(RequestError::<u8>::Runtime(3).runtime(), Some(3));
    }

    #[test]
    fn messages_name_the_operation_and_lease() {
        let failure = Failure::LeaseTooLong { op: "exchange", lease: "source", len: 9, max: 8 };
        assert_eq!(
            failure.to_string(),
            "`exchange`: lease `source` has 9 elements; at most 8 allowed"
        );
    }
}
