//! Every way a message can be malformed, each refused at the offset of its fault.

use super::super::*;
use super::{sample_request, sample_response};
use ErrorKind::*;

fn request_error(msg: &[u8]) -> (usize, ErrorKind) {
    let e = decode_request_parts(msg).unwrap_err();
    // The conversion to the http types refuses the same message at the same place.
    assert_eq!(decode_request(msg).unwrap_err(), e);
    (e.offset(), e.kind())
}

fn response_error(msg: &[u8]) -> (usize, ErrorKind) {
    let e = decode_response(msg).unwrap_err();
    assert_eq!(decode_http_response(msg).unwrap_err(), e);
    (e.offset(), e.kind())
}

/// The sample request with `bytes` written at `at`.
fn request_with(at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut msg = sample_request();
    msg[at..at + bytes.len()].copy_from_slice(bytes);
    msg
}

fn response_with(at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut msg = sample_response();
    msg[at..at + bytes.len()].copy_from_slice(bytes);
    msg
}

#[test]
fn request_fixed_header() {
    let short = |needed, available| Truncated { field: "magic", needed, available };
    assert_eq!(request_error(b""), (0, short(4, 0)));
    assert_eq!(request_error(b"OHR"), (0, short(4, 3)));
    assert_eq!(request_error(&request_with(0, b"OHRS")), (0, BadMagic(*b"OHRS")));
    assert_eq!(request_error(&request_with(4, &[2, 0])), (4, UnsupportedVersion(2)));
    assert_eq!(request_error(&request_with(6, &[7, 0])), (6, UnknownFlags(4)));
    assert_eq!(request_error(&request_with(8, &[1, 2])), (8, HttpVersion { major: 1, minor: 2 }));
    assert_eq!(request_error(&request_with(10, &[5])), (10, AddressFamily(5)));
    assert_eq!(request_error(&request_with(11, &[0])), (11, AddressFamily(0)));
    assert_eq!(request_error(&request_with(31, &[1])), (16, NonCanonicalAddress));
    assert_eq!(request_error(&request_with(36, &[1])), (32, NonCanonicalAddress));
    assert_eq!(request_error(&request_with(48, &[1])), (16, NonCanonicalAddress));
    assert_eq!(request_error(&request_with(52, &[1])), (32, NonCanonicalAddress));
    let mapped = "::ffff:10.1.2.3".parse::<std::net::Ipv6Addr>().unwrap().octets();
    let mut msg = request_with(10, &[6]);
    msg[16..32].copy_from_slice(&mapped);
    assert_eq!(request_error(&msg), (16, NonCanonicalAddress));
    assert_eq!(request_error(&request_with(56, &[0, 0])), (56, MethodLength(0)));
    assert_eq!(request_error(&request_with(56, &[65, 0])), (56, MethodLength(65)));
    assert_eq!(request_error(&request_with(58, &[0, 0])), (58, TargetLength(0)));
    assert_eq!(request_error(&request_with(58, &[1, 0x80])), (58, TargetLength(0x8001)));
    let count = (MAX_HEADERS as u32 + 1).to_le_bytes();
    assert_eq!(request_error(&request_with(60, &count)), (60, HeaderCount(10_001)));
    let len = (MAX_HEADER_BYTES as u32 + 1).to_le_bytes();
    assert_eq!(request_error(&request_with(64, &len)), (64, HeaderBytes(2 * 1024 * 1024 + 1)));
    assert_eq!(request_error(&request_with(70, &[1])), (68, ReservedNotZero { field: "reserved" }));
    let truncated = sample_request()[..79].to_vec();
    let needed = Truncated { field: "body_len", needed: 8, available: 7 };
    assert_eq!(request_error(&truncated), (72, needed));
}

#[test]
fn request_parts() {
    assert_eq!(request_error(&request_with(81, b"(")), (81, MethodByte(b'(')));
    assert_eq!(request_error(&request_with(85, b" ")), (85, TargetByte(b' ')));
    assert_eq!(request_error(&request_with(83, b"?")), (83, Target));
    // An authority form made of the format's bytes, but not a URI.
    assert_eq!(request_error(&request_with(83, b"a::]")), (83, Target));
    let mut long_method = request_with(56, &[64, 0]);
    long_method.truncate(100);
    let needed = Truncated { field: "method", needed: 64, available: 20 };
    assert_eq!(request_error(&long_method), (80, needed));
}

#[test]
fn request_body_length() {
    let msg = sample_request();
    let body_at = msg.len() - 3;
    let mut more = msg.clone();
    more[72] = 4;
    assert_eq!(
        request_error(&more),
        (body_at, Truncated { field: "body", needed: 4, available: 3 })
    );
    let mut huge = msg.clone();
    huge[72..80].copy_from_slice(&u64::MAX.to_le_bytes());
    let needed = Truncated { field: "body", needed: u64::MAX, available: 3 };
    assert_eq!(request_error(&huge), (body_at, needed));
    let mut less = msg.clone();
    less[72] = 1;
    assert_eq!(request_error(&less), (body_at + 1, TrailingBytes { extra: 2 }));
    let mut extra = msg;
    extra.push(0);
    assert_eq!(request_error(&extra), (body_at + 3, TrailingBytes { extra: 1 }));
}

/// The header block of the sample request starts at 87: `host` (entry at 87, name at 93,
/// value at 97), then `x` (entry at 98, name at 104, value at 105); the body at 106.
#[test]
fn request_header_block() {
    assert_eq!(request_error(&request_with(87, &[0, 0])), (87, NameLength(0)));
    assert_eq!(request_error(&request_with(87, &[1, 1])), (87, NameLength(257)));
    let value_len = (MAX_VALUE as u32 + 1).to_le_bytes();
    assert_eq!(request_error(&request_with(89, &value_len)), (89, ValueLength(65_537)));
    assert_eq!(request_error(&request_with(94, b"O")), (94, NameByte(b'O')));
    assert_eq!(request_error(&request_with(93, b":")), (93, NameByte(b':')));
    assert_eq!(request_error(&request_with(97, b"\n")), (97, ValueByte(b'\n')));
    assert_eq!(request_error(&request_with(93, b"te\x00\x00")).1, NameByte(0));
    // A hop-by-hop field: `x` renamed `te` needs a longer entry; rename `host` to `upgrade`
    // in a message made for it instead.
    let msg = raw_request(&[(b"upgrade", b"h2c")]);
    assert_eq!(request_error(&msg), (93, HopByHop("upgrade")));
    // Entries that overrun the declared block, or leave part of it unused.
    let mut over = request_with(64, &[18, 0, 0, 0]);
    over.remove(105);
    assert_eq!(request_error(&over), (105, Truncated { field: "value", needed: 1, available: 0 }));
    let one = request_with(60, &[1, 0, 0, 0]);
    let used = HeaderBlockMismatch { declared: 19, used: 11 };
    assert_eq!(request_error(&one), (98, used));
    let three = request_with(60, &[3, 0, 0, 0]);
    let short = Truncated { field: "name_len", needed: 2, available: 0 };
    assert_eq!(request_error(&three), (106, short));
}

/// A request message with the given fields, written by hand (the encoder would drop a
/// hop-by-hop field).
fn raw_request(headers: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut msg = sample_request()[..87].to_vec();
    let mut block = Vec::new();
    for (name, value) in headers {
        block.extend_from_slice(&(name.len() as u16).to_le_bytes());
        block.extend_from_slice(&(value.len() as u32).to_le_bytes());
        block.extend_from_slice(name);
        block.extend_from_slice(value);
    }
    msg[60..64].copy_from_slice(&(headers.len() as u32).to_le_bytes());
    msg[64..68].copy_from_slice(&(block.len() as u32).to_le_bytes());
    msg[72] = 0;
    msg.extend_from_slice(&block);
    msg
}

#[test]
fn response_fixed_header() {
    assert_eq!(response_error(&response_with(0, b"OHRQ")), (0, BadMagic(*b"OHRQ")));
    assert_eq!(response_error(&response_with(4, &[0, 1])), (4, UnsupportedVersion(256)));
    assert_eq!(response_error(&response_with(6, &[1, 0])), (6, UnknownFlags(1)));
    assert_eq!(response_error(&response_with(8, &[101, 0])), (8, Status(101)));
    assert_eq!(response_error(&response_with(8, &[0x58, 0x02])), (8, Status(600)));
    assert_eq!(
        response_error(&response_with(11, &[1])),
        (10, ReservedNotZero { field: "reserved" })
    );
    assert_eq!(
        response_error(&response_with(20, &[1])),
        (20, ReservedNotZero { field: "reserved" })
    );
    assert_eq!(response_error(&response_with(8, &[204, 0])), (24, BodyNotAllowed(204)));
    assert_eq!(response_error(&response_with(8, &[0x30, 0x01])), (24, BodyNotAllowed(304)));
    let count = (MAX_HEADERS as u32 + 1).to_le_bytes();
    assert_eq!(response_error(&response_with(12, &count)), (12, HeaderCount(10_001)));
    // The single field `x` (entry at 32, name at 38, value at 39), body at 40.
    assert_eq!(response_error(&response_with(38, b"X")), (38, NameByte(b'X')));
    assert_eq!(response_error(&response_with(39, b"\x00")), (39, ValueByte(0)));
    let msg = response_with(24, &[1]);
    assert_eq!(response_error(&msg), (41, TrailingBytes { extra: 1 }));
    let short = Truncated { field: "headers_len", needed: 4, available: 3 };
    assert_eq!(response_error(&msg[..19]), (16, short));
}

#[test]
fn a_response_may_not_frame_itself() {
    for name in HOP_BY_HOP {
        let mut msg = sample_response()[..32].to_vec();
        msg[12] = 1;
        msg[16..20].copy_from_slice(&(6 + name.len() as u32 + 1).to_le_bytes());
        msg[24] = 0;
        msg.extend_from_slice(&(name.len() as u16).to_le_bytes());
        msg.extend_from_slice(&1u32.to_le_bytes());
        msg.extend_from_slice(name.as_bytes());
        msg.push(b'1');
        assert_eq!(response_error(&msg), (38, HopByHop(name)), "{name}");
    }
}
