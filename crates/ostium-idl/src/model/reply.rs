//! [`Reply`]: what an operation returns, and the [`ErrorType`] of a fallible one.

use super::ty::Type;
use super::value::ValueType;

/// What an operation returns.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant, reason = "built once per file; boxing only burdens generators")]
pub enum Reply {
    /// `Simple(T)`: the operation cannot fail in the application's terms; the generated
    /// server method returns `T` itself.
    Simple(ValueType),
    /// `Result(ok: T, err: E)`.
    Result {
        /// The value of a success.
        ok: ValueType,
        /// How failures are sent.
        err: ErrorType,
    },
}

/// How a `Result` reply's errors travel.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorType {
    /// `CLike(E)`: the error is a non-zero status code alone, converted to and from `E`;
    /// the reply carries no data.
    CLike(Type),
    /// `Complex(E)`: the error is a value of `E` encoded with Hubpack in the reply data.
    Complex(Type),
    /// `ServerDeath`: the only error is the server's death during the call, for a
    /// non-idempotent operation (an idempotent one would be retried instead).
    ServerDeath,
}

impl Reply {
    /// The value of a success.
    pub fn ok(&self) -> &ValueType {
        match self {
            Reply::Simple(ok) | Reply::Result { ok, .. } => ok,
        }
    }

    /// The error type, for a `Result` reply.
    pub fn err(&self) -> Option<&ErrorType> {
        match self {
            Reply::Simple(_) => None,
            Reply::Result { err, .. } => Some(err),
        }
    }
}

impl ErrorType {
    /// The declared error type, unless the error is `ServerDeath`.
    pub fn ty(&self) -> Option<&Type> {
        match self {
            ErrorType::CLike(ty) | ErrorType::Complex(ty) => Some(ty),
            ErrorType::ServerDeath => None,
        }
    }
}
