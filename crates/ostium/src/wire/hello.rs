//! HELLO (§3): the 48-byte message each side sends once, to agree on a version and limits.

use core::fmt;

use super::error::{DecodeError, DecodeErrorKind as K, EncodeError};
use super::status::Fault;
use super::{Kind, MIN_MAX_MESSAGE, Side, check_fds, open};

/// A set of capability bits (§3.1). Those in use are the ones both sides set.
///
/// Unknown bits are kept, so that a decoded `HELLO` re-encodes to the same bytes, and are
/// ignored by version 1: [`intersection`](Self::intersection) with what this side supports
/// drops them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u64);

impl Capabilities {
    /// No capability.
    pub const NONE: Capabilities = Capabilities(0);
    /// Bit 0: payloads and leases may travel in sealed memfds.
    pub const MEMFD: Capabilities = Capabilities(1);
    /// Bit 1: a client connection may name the CPU its calls come from (its *lane*), and
    /// the server serves it on a thread kept on that CPU.
    pub const CPU_LANES: Capabilities = Capabilities(2);
    /// Bit 2: the client may have several calls outstanding on a connection; the server
    /// answers them in order, and may send replies that were ready together.
    pub const PIPELINING: Capabilities = Capabilities(4);
    /// Bit 3: replies through a slot of memory shared with the client, with a futex to wake it
    /// (§3.3): the client sends `RING_SETUP`.
    pub const RING: Capabilities = Capabilities(8);

    /// The set whose bits are `bits`, unknown ones included.
    pub const fn from_bits(bits: u64) -> Capabilities {
        Capabilities(bits)
    }

    /// The bits of the set.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Whether every capability of `other` is in the set.
    pub const fn contains(self, other: Capabilities) -> bool {
        self.0 & other.0 == other.0
    }

    /// The capabilities in both sets: those in use on a connection.
    pub const fn intersection(self, other: Capabilities) -> Capabilities {
        Capabilities(self.0 & other.0)
    }

    /// The capabilities in either set.
    pub const fn union(self, other: Capabilities) -> Capabilities {
        Capabilities(self.0 | other.0)
    }
}

/// The 16 random bytes a server chooses when it starts serving: a new one after a reconnect
/// means the server restarted. A client sends zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InstanceId(pub [u8; 16]);

impl InstanceId {
    /// The all-zero id a client sends.
    pub const ZERO: InstanceId = InstanceId([0; 16]);

    /// Whether this is the all-zero id.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 16]
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The status of a `HELLO`: `0` (a client's, or a server accepting), or the fault for which a
/// server refuses the connection before closing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HelloStatus {
    /// `0`.
    Accepted,
    /// A fault code, such as [`Fault::UnsupportedVersion`].
    Refused(Fault),
}

/// A `HELLO` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hello {
    /// The lowest protocol version the sender speaks.
    pub min_version: u16,
    /// The highest protocol version the sender speaks. An accepting server sends
    /// `min_version = max_version =` the version it chose.
    pub max_version: u16,
    /// The largest message, in bytes, the sender accepts; at least [`MIN_MAX_MESSAGE`].
    pub max_message: u32,
    /// The capabilities the sender supports.
    pub capabilities: Capabilities,
    /// The server's instance id; [`InstanceId::ZERO`] from a client.
    pub instance: InstanceId,
    /// Accepted, or the server's refusal; always accepted from a client.
    pub status: HelloStatus,
    /// A client's lane: the CPU its calls on this connection come from (§3.2). Always
    /// `None` from a server.
    pub lane: Option<u32>,
}

impl Hello {
    /// The size of a `HELLO` on the wire.
    pub const SIZE: usize = 48;
    /// The magic bytes at offset 4.
    pub const MAGIC: [u8; 4] = *b"DOOR";

    /// A client's `HELLO` for protocol version 1.
    pub const fn client(max_message: u32, capabilities: Capabilities) -> Hello {
        Hello {
            min_version: super::VERSION,
            max_version: super::VERSION,
            max_message,
            capabilities,
            instance: InstanceId::ZERO,
            status: HelloStatus::Accepted,
            lane: None,
        }
    }

    /// The version a server speaking `server_min..=server_max` chooses for `client`: the
    /// highest both speak, or `Err(Fault::UnsupportedVersion)` if there is none.
    pub fn negotiate(client: &Hello, server_min: u16, server_max: u16) -> Result<u16, Fault> {
        let high = client.max_version.min(server_max);
        let low = client.min_version.max(server_min);
        if low <= high { Ok(high) } else { Err(Fault::UnsupportedVersion) }
    }

    /// The server's answer to `client`, where `self` is the server's own offer (its version
    /// range, limits, capabilities and instance): accepting with the chosen version, or
    /// refusing with `UNSUPPORTED_VERSION` and the server's own range.
    pub fn answer(&self, client: &Hello) -> Hello {
        match Self::negotiate(client, self.min_version, self.max_version) {
            Ok(v) => Hello {
                min_version: v,
                max_version: v,
                status: HelloStatus::Accepted,
                lane: None,
                ..*self
            },
            Err(fault) => Hello { status: HelloStatus::Refused(fault), lane: None, ..*self },
        }
    }

    /// Appends the message's 48 bytes to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.max_message < MIN_MAX_MESSAGE {
            return Err(EncodeError::MaxMessageTooSmall(self.max_message));
        }
        // The lane travels as CPU + 1, so that zero (what older peers send) means none.
        let lane = match self.lane {
            None => 0,
            Some(cpu) => cpu.checked_add(1).ok_or(EncodeError::LaneOutOfRange(cpu))?,
        };
        let status = match self.status {
            HelloStatus::Accepted => 0,
            HelloStatus::Refused(fault) => fault.code(),
        };
        out.reserve(Self::SIZE);
        out.extend_from_slice(&[Kind::Hello as u8, 0, 0, 0]);
        out.extend_from_slice(&Self::MAGIC);
        out.extend_from_slice(&self.min_version.to_le_bytes());
        out.extend_from_slice(&self.max_version.to_le_bytes());
        out.extend_from_slice(&self.max_message.to_le_bytes());
        out.extend_from_slice(&self.capabilities.bits().to_le_bytes());
        out.extend_from_slice(&self.instance.0);
        out.extend_from_slice(&status.to_le_bytes());
        out.extend_from_slice(&lane.to_le_bytes());
        Ok(())
    }

    /// Decodes and checks a `HELLO` that `from` sent with `fds_received` descriptors.
    ///
    /// Besides the checks of every message, a client's `HELLO` must have a zero `instance`
    /// and `status`; a server's must have status `0` or a fault code and, accepting, one
    /// version (`min_version == max_version`).
    pub fn decode(msg: &[u8], fds_received: usize, from: Side) -> Result<Hello, DecodeError> {
        let mut r = open(msg, Kind::Hello, "HELLO", Self::SIZE)?;
        r.reserved::<1>("flags")?;
        r.reserved::<2>("bytes 2..4")?;
        let magic = r.array::<4>("magic")?;
        if magic != Self::MAGIC {
            return Err(DecodeError::new(4, K::BadMagic(magic)));
        }
        let min_version = r.u16("min_version")?;
        let max_version = r.u16("max_version")?;
        let max_message = r.u32("max_message")?;
        if max_message < MIN_MAX_MESSAGE {
            return Err(DecodeError::new(12, K::MaxMessageTooSmall(max_message)));
        }
        let capabilities = Capabilities(r.u64("capabilities")?);
        let instance = InstanceId(r.array("instance")?);
        if from == Side::Client && !instance.is_zero() {
            return Err(DecodeError::new(24, K::ClientHelloNotZero { field: "instance" }));
        }
        let code = r.u32("status")?;
        let status = match (from, Fault::from_code(code)) {
            _ if code == 0 => HelloStatus::Accepted,
            (Side::Client, _) => {
                return Err(DecodeError::new(40, K::ClientHelloNotZero { field: "status" }));
            }
            (Side::Server, Some(fault)) => HelloStatus::Refused(fault),
            (Side::Server, None) => return Err(DecodeError::new(40, K::BadHelloStatus(code))),
        };
        if from == Side::Server && status == HelloStatus::Accepted && min_version != max_version {
            let kind = K::NoVersionChosen { min: min_version, max: max_version };
            return Err(DecodeError::new(8, kind));
        }
        let lane = match (from, r.u32("lane")?) {
            (_, 0) => None,
            (Side::Client, plus_one) => Some(plus_one - 1),
            (Side::Server, value) => {
                let kind = K::ReservedNotZero { field: "lane", value: value.into() };
                return Err(DecodeError::new(44, kind));
            }
        };
        r.finish()?;
        check_fds(0, 0, fds_received)?;
        Ok(Hello { min_version, max_version, max_message, capabilities, instance, status, lane })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> Hello {
        Hello {
            min_version: 1,
            max_version: 3,
            max_message: 1 << 16,
            capabilities: Capabilities::MEMFD,
            instance: InstanceId([7; 16]),
            status: HelloStatus::Accepted,
            lane: None,
        }
    }

    #[test]
    fn client_hello_bytes() {
        let mut out = Vec::new();
        Hello::client(4096, Capabilities::MEMFD).encode(&mut out).unwrap();
        let mut want = vec![1, 0, 0, 0, b'D', b'O', b'O', b'R', 1, 0, 1, 0, 0, 0x10, 0, 0, 1];
        want.resize(48, 0);
        assert_eq!(out, want);
        assert_eq!(
            Hello::decode(&out, 0, Side::Client),
            Ok(Hello::client(4096, Capabilities::MEMFD))
        );
    }

    #[test]
    fn negotiation_takes_the_highest_common_version() {
        let client =
            Hello { min_version: 1, max_version: 2, ..Hello::client(4096, Capabilities::NONE) };
        assert_eq!(Hello::negotiate(&client, 1, 1), Ok(1));
        assert_eq!(Hello::negotiate(&client, 1, 5), Ok(2));
        assert_eq!(Hello::negotiate(&client, 3, 5), Err(Fault::UnsupportedVersion));
        let answer = server().answer(&client);
        assert_eq!(
            (answer.min_version, answer.max_version, answer.status),
            (2, 2, HelloStatus::Accepted)
        );
        let refusal = Hello { min_version: 3, ..server() }.answer(&client);
        assert_eq!(refusal.status, HelloStatus::Refused(Fault::UnsupportedVersion));
        assert_eq!((refusal.min_version, refusal.max_version), (3, 3));
    }

    #[test]
    fn server_hello_round_trips_both_ways() {
        let answer = server().answer(&Hello::client(4096, Capabilities::MEMFD));
        let refusal = Hello { status: HelloStatus::Refused(Fault::Revoked), ..server() };
        for hello in [answer, refusal] {
            let mut out = Vec::new();
            hello.encode(&mut out).unwrap();
            assert_eq!(Hello::decode(&out, 0, Side::Server), Ok(hello));
        }
    }

    #[test]
    fn side_specific_checks() {
        let mut out = Vec::new();
        server().encode(&mut out).unwrap();
        // Accepting with a range rather than a choice.
        assert_eq!(Hello::decode(&out, 0, Side::Server).unwrap_err().offset(), 8);
        let err = Hello::decode(&out, 0, Side::Client).unwrap_err();
        assert_eq!((err.offset(), err.kind()), (24, K::ClientHelloNotZero { field: "instance" }));
        out[40] = 5; // an application code
        assert_eq!(Hello::decode(&out, 0, Side::Server).unwrap_err().kind(), K::BadHelloStatus(5));
    }

    #[test]
    fn capabilities() {
        let both = Capabilities::from_bits(0b101).intersection(Capabilities::MEMFD);
        assert_eq!(both, Capabilities::MEMFD);
        assert!(Capabilities::from_bits(3).contains(Capabilities::MEMFD));
        assert!(!Capabilities::NONE.contains(Capabilities::MEMFD));
        assert_eq!(InstanceId([0xab; 16]).to_string(), "ab".repeat(16));
    }

    #[test]
    fn encode_refuses_a_small_max_message() {
        let mut out = Vec::new();
        let err = Hello::client(4095, Capabilities::NONE).encode(&mut out);
        assert_eq!(err, Err(EncodeError::MaxMessageTooSmall(4095)));
        assert!(out.is_empty());
    }
}
