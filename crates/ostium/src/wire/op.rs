//! Operation numbers (§4.4): the application's, and the runtime's reserved ones.

use core::fmt;

/// The operation a call asks for.
///
/// Any `u32` can be sent, so the field is public, like mio's `Token`; what a number means is
/// told by [`is_application`](Self::is_application) and the constants. The codec accepts every
/// value: answering `0` or a reserved number with `UNKNOWN_OPERATION` is the server's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Op(pub u32);

/// A bare operation number, for [`Client::call`](crate::Client::call).
impl From<u32> for Op {
    fn from(op: u32) -> Op {
        Op(op)
    }
}

impl Op {
    /// `0` is never a valid operation.
    pub const INVALID: Op = Op(0);
    /// The highest operation number an application may use; an Idol interface numbers its
    /// operations from 1 in order.
    pub const MAX_APPLICATION: Op = Op(0xFFFF_FEFF);
    /// `PING`: no arguments, no leases; the reply has status 0 and no data.
    pub const PING: Op = Op(0xFFFF_FF01);
    /// `DESCRIBE`: no arguments; the reply's data describe the interface.
    pub const DESCRIBE: Op = Op(0xFFFF_FF02);
    /// `CONNECT`: no arguments; the reply carries a new connection to the door, for
    /// another process.
    pub const CONNECT: Op = Op(0xFFFF_FF03);

    /// Whether this is one of the application's operations (`1..=0xFFFF_FEFF`).
    pub const fn is_application(self) -> bool {
        self.0 != 0 && self.0 <= Self::MAX_APPLICATION.0
    }

    /// Whether this number is reserved for the runtime (above `0xFFFF_FEFF`), `PING` and
    /// `DESCRIBE` included.
    pub const fn is_runtime(self) -> bool {
        self.0 > Self::MAX_APPLICATION.0
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::PING => f.write_str("PING"),
            Op::DESCRIBE => f.write_str("DESCRIBE"),
            Op::CONNECT => f.write_str("CONNECT"),
            Op(n) => write!(f, "op {n:#x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_the_spec() {
        assert!(!Op::INVALID.is_application() && !Op::INVALID.is_runtime());
        assert!(Op(1).is_application());
        assert!(Op::MAX_APPLICATION.is_application());
        assert!(!Op(0xFFFF_FF00).is_application() && Op(0xFFFF_FF00).is_runtime());
        assert!(Op::PING.is_runtime() && Op::DESCRIBE.is_runtime());
        assert!(Op(u32::MAX).is_runtime());
        assert_eq!(Op::PING.to_string(), "PING");
        assert_eq!(Op(3).to_string(), "op 0x3");
    }
}
