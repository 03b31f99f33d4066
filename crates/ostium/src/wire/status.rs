//! Reply status codes (§6): success, the application's error, or the runtime's fault.
//!
//! The split is Hubris's: an [`ErrorCode`] is the operation's own answer, for the caller's
//! domain logic; a [`Fault`] says the runtime could not carry the call out, or that the caller
//! broke the rules. Every `u32` is a status, so decoding one never fails, and
//! [`Status::from_u32`] and [`Status::to_u32`] round-trip every value exactly.

use core::fmt;
use core::num::NonZeroU32;

/// The status of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// `0`: the operation succeeded; the data are its result.
    Ok,
    /// The operation failed with this application code; the data may hold an encoded error.
    Error(ErrorCode),
    /// The runtime's fault; such a reply carries no data, descriptors or lease contents.
    Fault(Fault),
}

/// An application error code: `1..=0xFFFF_FEFF` (an Idol `CLike` error's value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrorCode(NonZeroU32);

impl ErrorCode {
    /// The highest application error code; the codes above it are faults.
    pub const MAX: u32 = 0xFFFF_FEFF;

    /// The application error `code`, if it is one (`1..=0xFFFF_FEFF`).
    pub const fn new(code: u32) -> Option<ErrorCode> {
        match NonZeroU32::new(code) {
            Some(nz) if code <= Self::MAX => Some(ErrorCode(nz)),
            _ => None,
        }
    }

    /// The code's value.
    pub const fn get(self) -> u32 {
        self.0.get()
    }
}

/// A fault of the runtime (§6): a code above the application range, `0xFFFF_FF01` and up
/// named, the others reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// `0xFFFF_FF01`: no such operation.
    UnknownOperation,
    /// `0xFFFF_FF02`: the call was malformed, or its arguments did not decode.
    BadMessage,
    /// `0xFFFF_FF03`: a lease was missing, of the wrong size or access, failed the memfd
    /// checks, or the handler went outside it.
    BadLease,
    /// `0xFFFF_FF04`: the caller is not allowed this operation.
    AccessViolation,
    /// `0xFFFF_FF05`: the reply could not be sent (too large for the client and no memfd).
    ReplyTooLarge,
    /// `0xFFFF_FF06`: the handler failed; the server is still serving.
    HandlerPanicked,
    /// `0xFFFF_FF07`: the door was revoked and takes no new calls.
    Revoked,
    /// `0xFFFF_FF08`: the arguments or leases exceed the server's limits.
    RequestTooLarge,
    /// `0xFFFF_FF09`: (in `HELLO`) no common protocol version.
    UnsupportedVersion,
    /// `0xFFFF_FF0A`: the handler let the call go without replying.
    ReplyDropped,
    /// `0xFFFF_FF0B`: the server skipped the call because its deadline had passed.
    DeadlineExceeded,
    /// `0xFFFF_FF0C`: the door takes no descriptors, and the call passed some.
    DescriptorsRefused,
    /// `0xFFFF_FF0D`: the call passed more descriptors than the door takes.
    TooManyDescriptors,
    /// A reserved fault code this version does not know; reported with its code.
    Unknown(UnknownFault),
}

/// A fault code above those version 1 names, as received. Only decoding makes one, so it
/// always holds a reserved code and re-encodes to the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownFault(u32);

impl UnknownFault {
    /// The code as received.
    pub const fn code(self) -> u32 {
        self.0
    }
}

/// Each named fault with its code, name and meaning (§6).
const NAMED: [(Fault, u32, &str, &str); 13] = [
    (Fault::UnknownOperation, 0xFFFF_FF01, "UNKNOWN_OPERATION", "no such operation"),
    (Fault::BadMessage, 0xFFFF_FF02, "BAD_MESSAGE", "the call was malformed"),
    (Fault::BadLease, 0xFFFF_FF03, "BAD_LEASE", "a lease was missing, wrong or overstepped"),
    (Fault::AccessViolation, 0xFFFF_FF04, "ACCESS_VIOLATION", "the caller may not call this"),
    (Fault::ReplyTooLarge, 0xFFFF_FF05, "REPLY_TOO_LARGE", "the reply was too large to send"),
    (Fault::HandlerPanicked, 0xFFFF_FF06, "HANDLER_PANICKED", "the handler failed"),
    (Fault::Revoked, 0xFFFF_FF07, "REVOKED", "the door was revoked"),
    (Fault::RequestTooLarge, 0xFFFF_FF08, "REQUEST_TOO_LARGE", "the request exceeds limits"),
    (Fault::UnsupportedVersion, 0xFFFF_FF09, "UNSUPPORTED_VERSION", "no common version"),
    (Fault::ReplyDropped, 0xFFFF_FF0A, "REPLY_DROPPED", "the handler dropped the call"),
    (Fault::DeadlineExceeded, 0xFFFF_FF0B, "DEADLINE_EXCEEDED", "the deadline had passed"),
    (
        Fault::DescriptorsRefused,
        0xFFFF_FF0C,
        "DESCRIPTORS_REFUSED",
        "the door takes no descriptors",
    ),
    (Fault::TooManyDescriptors, 0xFFFF_FF0D, "TOO_MANY_DESCRIPTORS", "too many descriptors"),
];

impl Fault {
    /// The fault whose code is `code`, if `code` is a fault code (above `0xFFFF_FEFF`).
    pub fn from_code(code: u32) -> Option<Fault> {
        (code > ErrorCode::MAX).then(|| Self::from_fault_code(code))
    }

    /// The fault of a code known to be above the application range.
    fn from_fault_code(code: u32) -> Fault {
        NAMED.iter().find(|n| n.1 == code).map_or(Fault::Unknown(UnknownFault(code)), |n| n.0)
    }

    /// The fault's code.
    pub fn code(self) -> u32 {
        match self {
            Fault::Unknown(unknown) => unknown.0,
            // Every named variant is in NAMED; the default is never used.
            named => NAMED.iter().find(|n| n.0 == named).map_or(u32::MAX, |n| n.1),
        }
    }

    /// The name the protocol gives the fault, such as `BAD_MESSAGE`.
    pub fn name(self) -> &'static str {
        NAMED.iter().find(|n| n.0 == self).map_or("unknown fault", |n| n.2)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match NAMED.iter().find(|n| n.0 == *self) {
            Some((_, _, name, meaning)) => write!(f, "{meaning} ({name})"),
            None => write!(f, "unknown fault {:#x}", self.code()),
        }
    }
}

impl Status {
    /// The status whose code is `code`; every `u32` is one.
    pub fn from_u32(code: u32) -> Status {
        if code == 0 {
            return Status::Ok;
        }
        match ErrorCode::new(code) {
            Some(error) => Status::Error(error),
            None => Status::Fault(Fault::from_fault_code(code)),
        }
    }

    /// The status's code, as sent on the wire.
    pub fn to_u32(self) -> u32 {
        match self {
            Status::Ok => 0,
            Status::Error(code) => code.get(),
            Status::Fault(fault) => fault.code(),
        }
    }

    /// Whether this is a fault, which carries no payload.
    pub const fn is_fault(self) -> bool {
        matches!(self, Status::Fault(_))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Ok => f.write_str("ok"),
            Status::Error(code) => write!(f, "application error {}", code.get()),
            Status::Fault(fault) => write!(f, "fault: {fault}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        let edges = [0, 1, 2, 0xFFFF_FEFE, 0xFFFF_FEFF, 0xFFFF_FF00, 0xFFFF_FF01, 0xFFFF_FF0B];
        let more = [0xFFFF_FF0C, 0xFFFF_FFFE, u32::MAX, 0x8000_0000];
        for code in edges.into_iter().chain(more) {
            assert_eq!(Status::from_u32(code).to_u32(), code, "{code:#x}");
        }
        // A sweep over the fault range and a stride over the rest.
        for code in (0xFFFF_FE00..=u32::MAX).chain((0..u32::MAX).step_by(65_521)) {
            assert_eq!(Status::from_u32(code).to_u32(), code, "{code:#x}");
        }
    }

    #[test]
    fn ranges_follow_the_spec() {
        assert_eq!(Status::from_u32(0), Status::Ok);
        assert!(matches!(Status::from_u32(0xFFFF_FEFF), Status::Error(_)));
        // 0xFFFF_FF00 is above the application range and unnamed: a reserved fault.
        assert!(matches!(Status::from_u32(0xFFFF_FF00), Status::Fault(Fault::Unknown(_))));
        assert_eq!(Status::from_u32(0xFFFF_FF01), Status::Fault(Fault::UnknownOperation));
        assert_eq!(Status::from_u32(0xFFFF_FF09), Status::Fault(Fault::UnsupportedVersion));
        assert_eq!(Status::from_u32(0xFFFF_FF0B), Status::Fault(Fault::DeadlineExceeded));
        assert!(ErrorCode::new(0).is_none() && ErrorCode::new(0xFFFF_FF00).is_none());
    }

    #[test]
    fn display() {
        assert_eq!(Status::Ok.to_string(), "ok");
        assert_eq!(Status::from_u32(5).to_string(), "application error 5");
        assert_eq!(
            Status::Fault(Fault::BadMessage).to_string(),
            "fault: the call was malformed (BAD_MESSAGE)"
        );
        assert_eq!(Status::from_u32(u32::MAX).to_string(), "fault: unknown fault 0xffffffff");
    }
}
