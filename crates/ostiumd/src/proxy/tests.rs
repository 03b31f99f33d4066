//! The decoder against a table of valid and invalid headers, v1 and v2, each also fed in
//! every split: every prefix must decode to `Incomplete` or to the whole input's result.

use std::net::SocketAddr;

use super::crc32c::crc32c_zeroing;
use super::*;

/// What the application sends after the header; never part of it.
const BODY: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";

fn addr(text: &str) -> Option<SocketAddr> {
    Some(text.parse().unwrap())
}

/// A v2 header: version and command byte, family byte, then `block` (length computed).
fn v2(version_command: u8, family: u8, block: &[u8]) -> Vec<u8> {
    let mut out = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    out.push(version_command);
    out.push(family);
    out.extend_from_slice(&u16::try_from(block.len()).unwrap().to_be_bytes());
    out.extend_from_slice(block);
    out
}

/// An IPv4 block: 192.0.2.1:56324 -> 198.51.100.7:443.
fn inet_block() -> Vec<u8> {
    let mut block = vec![192, 0, 2, 1, 198, 51, 100, 7];
    block.extend_from_slice(&56324u16.to_be_bytes());
    block.extend_from_slice(&443u16.to_be_bytes());
    block
}

/// An IPv6 block: [2001:db8::1]:1234 -> [2001:db8::2]:80.
fn inet6_block() -> Vec<u8> {
    let source: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
    let destination: std::net::Ipv6Addr = "2001:db8::2".parse().unwrap();
    let mut block = source.octets().to_vec();
    block.extend_from_slice(&destination.octets());
    block.extend_from_slice(&1234u16.to_be_bytes());
    block.extend_from_slice(&80u16.to_be_bytes());
    block
}

fn tlv(kind: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
    out.extend_from_slice(value);
    out
}

/// An IPv4 PROXY header with an authority TLV and a correct CRC32C TLV.
fn with_crc() -> Vec<u8> {
    let mut block = inet_block();
    block.extend(tlv(0x02, b"example.com"));
    block.extend(tlv(0x03, &[0; 4]));
    let mut header = v2(0x21, 0x11, &block);
    let at = header.len() - 4;
    let crc = crc32c_zeroing(&header, at..at + 4);
    header[at..].copy_from_slice(&crc.to_be_bytes());
    header
}

fn ok(version: Version, command: Command, source: &str, destination: &str) -> ProxyHeader {
    let parse = |text: &str| if text.is_empty() { None } else { addr(text) };
    ProxyHeader {
        version,
        command,
        source: parse(source),
        destination: parse(destination),
        raw_tlvs: Box::default(),
    }
}

type ValidCase = (&'static str, Vec<u8>, ProxyHeader);

fn valid_cases() -> Vec<ValidCase> {
    [valid_v1_cases(), valid_v2_cases()].concat()
}

fn valid_v1_cases() -> Vec<ValidCase> {
    use Command::Proxy;
    use Version::V1;
    let four = ok(V1, Proxy, "192.0.2.1:56324", "198.51.100.7:443");
    vec![
        ("v1 tcp4", b"PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n".to_vec(), four),
        (
            "v1 tcp4 zeros",
            b"PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n".to_vec(),
            ok(V1, Proxy, "0.0.0.0:0", "255.255.255.255:65535"),
        ),
        (
            "v1 tcp6",
            b"PROXY TCP6 2001:db8::1 2001:DB8:0:0:0:0:0:2 1234 80\r\n".to_vec(),
            ok(V1, Proxy, "[2001:db8::1]:1234", "[2001:db8::2]:80"),
        ),
        (
            "v1 tcp6 longest",
            [
                &b"PROXY TCP6 "[..],
                &b"ffff:".repeat(7),
                b"ffff ",
                &b"ffff:".repeat(7),
                b"ffff 65535 65535\r\n",
            ]
            .concat(),
            ok(
                V1,
                Proxy,
                "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
                "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
            ),
        ),
        ("v1 unknown short", b"PROXY UNKNOWN\r\n".to_vec(), ok(V1, Proxy, "", "")),
        (
            "v1 unknown ignores the rest",
            b"PROXY UNKNOWN what ever 1 2\r\n".to_vec(),
            ok(V1, Proxy, "", ""),
        ),
        (
            "v1 unknown longest (107 bytes)",
            [&b"PROXY UNKNOWN "[..], &[b'f'; 39], b" ", &[b'f'; 39], b" 65535 65535\r\n"].concat(),
            ok(V1, Proxy, "", ""),
        ),
    ]
}

fn valid_v2_cases() -> Vec<ValidCase> {
    use Command::{Local, Proxy};
    use Version::V2;
    let mut tlvs = inet_block();
    tlvs.extend(tlv(0x01, b"h2"));
    tlvs.extend(tlv(0xE0, b""));
    let mut with_tlvs = ok(V2, Proxy, "192.0.2.1:56324", "198.51.100.7:443");
    with_tlvs.raw_tlvs = [tlv(0x01, b"h2"), tlv(0xE0, b"")].concat().into();
    let mut crc = with_crc()[16 + 12..].to_vec().into_boxed_slice();
    let mut crc_header = ok(V2, Proxy, "192.0.2.1:56324", "198.51.100.7:443");
    std::mem::swap(&mut crc_header.raw_tlvs, &mut crc);
    let mut unix = vec![0u8; 216];
    unix[..9].copy_from_slice(b"/run/a.sk");
    unix.extend(tlv(0x05, b"id"));
    let mut unix_header = ok(V2, Proxy, "", "");
    unix_header.raw_tlvs = tlv(0x05, b"id").into();
    vec![
        (
            "v2 tcp4",
            v2(0x21, 0x11, &inet_block()),
            ok(V2, Proxy, "192.0.2.1:56324", "198.51.100.7:443"),
        ),
        (
            "v2 udp4",
            v2(0x21, 0x12, &inet_block()),
            ok(V2, Proxy, "192.0.2.1:56324", "198.51.100.7:443"),
        ),
        (
            "v2 tcp6",
            v2(0x21, 0x21, &inet6_block()),
            ok(V2, Proxy, "[2001:db8::1]:1234", "[2001:db8::2]:80"),
        ),
        ("v2 tcp4 with tlvs", v2(0x21, 0x11, &tlvs), with_tlvs),
        ("v2 tcp4 with crc32c", with_crc(), crc_header),
        ("v2 unix, tlv after the paths", v2(0x21, 0x31, &unix), unix_header),
        ("v2 local, no block", v2(0x20, 0x00, &[]), ok(V2, Local, "", "")),
        ("v2 local ignores family and block", v2(0x20, 0xff, &[1, 2, 3]), ok(V2, Local, "", "")),
        ("v2 proxy unspec skips block", v2(0x21, 0x00, &[9; 5]), ok(V2, Proxy, "", "")),
        ("v2 inet unspecified transport", v2(0x21, 0x10, &[]), ok(V2, Proxy, "", "")),
    ]
}

fn invalid_cases() -> Vec<(&'static str, Vec<u8>, usize, ProxyErrorKind)> {
    use ProxyErrorKind::*;
    let mut too_long_line = b"PROXY UNKNOWN ".to_vec();
    too_long_line.resize(106, b'a');
    let line_107 = [&too_long_line[..], b"\r\n"].concat();
    let mut bad_crc = with_crc();
    *bad_crc.last_mut().unwrap() ^= 1;
    let mut crc_short = inet_block();
    crc_short.extend(tlv(0x03, &[0; 3]));
    let mut tlv_overrun = inet_block();
    tlv_overrun.extend([0x02, 0x00, 0x05, b'a']);
    let mut tlv_stub = inet_block();
    tlv_stub.extend([0x02, 0x00]);
    vec![
        ("empty-ish garbage", b"GET / HTTP/1.1\r\n".to_vec(), 0, Signature),
        ("v1 misspelt", b"PROXI TCP4".to_vec(), 4, Signature),
        ("v1 lowercase protocol", b"PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n".to_vec(), 6, Protocol),
        ("v1 no space", b"PROXYTCP4 1.2.3.4\r\n".to_vec(), 5, Syntax),
        ("v1 two spaces", b"PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n".to_vec(), 11, Syntax),
        ("v1 missing port", b"PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n".to_vec(), 28, Syntax),
        ("v1 trailing field", b"PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n".to_vec(), 30, Syntax),
        ("v1 trailing space", b"PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n".to_vec(), 30, Syntax),
        ("v1 unknownx", b"PROXY UNKNOWNX\r\n".to_vec(), 6, Protocol),
        (
            "v1 leading zero in address",
            b"PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n".to_vec(),
            11,
            Address,
        ),
        ("v1 octet 256", b"PROXY TCP4 1.2.3.4 1.2.3.256 1 2\r\n".to_vec(), 19, Address),
        ("v1 three octets", b"PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n".to_vec(), 11, Address),
        ("v1 five octets", b"PROXY TCP4 1.2.3.4.5 1.2.3.4 1 2\r\n".to_vec(), 11, Address),
        ("v1 ipv6 under tcp4", b"PROXY TCP4 ::1 1.2.3.4 1 2\r\n".to_vec(), 11, Address),
        ("v1 ipv4 under tcp6", b"PROXY TCP6 1.2.3.4 ::1 1 2\r\n".to_vec(), 11, Address),
        ("v1 dotted ipv6", b"PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n".to_vec(), 11, Address),
        ("v1 two double colons", b"PROXY TCP6 1::2::3 ::1 1 2\r\n".to_vec(), 11, Address),
        ("v1 port 65536", b"PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n".to_vec(), 27, Port),
        ("v1 port leading zero", b"PROXY TCP4 1.2.3.4 1.2.3.4 1 080\r\n".to_vec(), 29, Port),
        ("v1 port sign", b"PROXY TCP4 1.2.3.4 1.2.3.4 +1 2\r\n".to_vec(), 27, Port),
        ("v1 bare lf", b"PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n".to_vec(), 30, LineEnd),
        ("v1 bare cr", b"PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rGET".to_vec(), 30, LineEnd),
        ("v1 no crlf in 107 bytes", too_long_line.repeat(2), 107, LineTooLong),
        ("v1 crlf at 107..109", line_107, 107, LineTooLong),
        ("v2 bad signature", b"\r\n\r\n\0\r\nQUIT\r".to_vec(), 11, Signature),
        ("v2 version 1", v2(0x11, 0x11, &inet_block()), 12, Version),
        ("v2 version 3", v2(0x31, 0x11, &inet_block()), 12, Version),
        ("v2 command 2", v2(0x22, 0x11, &inet_block()), 12, Command),
        ("v2 family 4", v2(0x21, 0x41, &inet_block()), 13, Family),
        ("v2 transport 3", v2(0x21, 0x13, &inet_block()), 13, Family),
        ("v2 truncated inet", v2(0x21, 0x11, &inet_block()[..11]), 14, AddressTruncated),
        ("v2 truncated inet6", v2(0x21, 0x21, &inet_block()), 14, AddressTruncated),
        ("v2 truncated unix", v2(0x21, 0x31, &[0; 215]), 14, AddressTruncated),
        ("v2 length over the bound", v2(0x21, 0x11, &vec![0; MAX_V2_BLOCK + 1]), 14, TooLong),
        ("v2 length 0xffff", v2(0x21, 0x11, &vec![0; 0xffff]), 14, TooLong),
        ("v2 tlv overruns", v2(0x21, 0x11, &tlv_overrun), 28, Tlv),
        ("v2 tlv stub", v2(0x21, 0x11, &tlv_stub), 28, Tlv),
        ("v2 crc mismatch", bad_crc, 42, Checksum),
        ("v2 crc not 4 bytes", v2(0x21, 0x11, &crc_short), 28, Checksum),
    ]
}

/// Decodes `input` whole, checks every prefix against it, and returns the whole result.
fn decode_all_splits(name: &str, input: &[u8]) -> Result<Decoded, ProxyError> {
    let whole = decode(input);
    for cut in 0..input.len() {
        let part = decode(&input[..cut]);
        assert!(
            part == Ok(Decoded::Incomplete) || part == whole,
            "{name}: the first {cut} bytes give {part:?}, the whole {whole:?}"
        );
    }
    whole
}

#[test]
fn valid_headers_decode_in_every_split() {
    for (name, header, expected) in valid_cases() {
        let stream = [&header[..], BODY].concat();
        let result = decode_all_splits(name, &stream);
        let expected = Decoded::Done { header: expected, consumed: header.len() };
        assert_eq!(result, Ok(expected), "{name}");
        // Shorter than the header is never anything but incomplete.
        assert_eq!(decode(&header[..header.len() - 1]), Ok(Decoded::Incomplete), "{name}");
    }
}

#[test]
fn invalid_headers_are_refused_where_they_go_wrong_in_every_split() {
    for (name, header, offset, kind) in invalid_cases() {
        let stream = [&header[..], BODY].concat();
        let result = decode_all_splits(name, &stream);
        assert_eq!(result, Err(ProxyError { offset, kind }), "{name}");
        assert!(offset <= header.len(), "{name}");
    }
}

#[test]
fn errors_come_as_soon_as_the_bytes_prove_them() {
    let early = [
        (&b"X"[..], 0),
        (b"PROXX", 4),
        (b"\r\n\r\n\0\r\nQUIT\n\x31", 12),
        (b"\r\n\r\n\0\r\nQUIT\n\x21\x51", 13),
        (b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0b", 14),
    ];
    for (bytes, offset) in early {
        assert_eq!(decode(bytes).map_err(|e| e.offset), Err(offset), "{bytes:?}");
    }
    assert_eq!(decode(b""), Ok(Decoded::Incomplete));
    assert_eq!(decode(b"PROXY TCP4 1.2.3.4 1.2.3.4 1 2\r"), Ok(Decoded::Incomplete));
}

#[test]
fn tlvs_are_read_in_order_and_found_by_type() {
    let Ok(Decoded::Done { header, .. }) = decode(&with_crc()) else { panic!("valid") };
    let kinds: Vec<u8> = header.tlvs().map(|t| t.kind).collect();
    assert_eq!(kinds, [0x02, 0x03]);
    assert_eq!(header.tlv(0x02), Some(&b"example.com"[..]));
    assert_eq!(header.tlv(0x05), None);
}

#[test]
fn the_largest_accepted_header_is_max_header_len() {
    let mut block = inet_block();
    block.extend(tlv(0xE1, &vec![7; MAX_V2_BLOCK - block.len() - 3]));
    let header = v2(0x21, 0x11, &block);
    assert_eq!(header.len(), MAX_HEADER_LEN);
    let Ok(Decoded::Done { consumed, header }) = decode(&header) else { panic!("valid") };
    assert_eq!(consumed, MAX_HEADER_LEN);
    assert_eq!(header.tlv(0xE1).map(<[u8]>::len), Some(MAX_V2_BLOCK - 15));
}

#[test]
fn errors_name_the_problem_and_the_byte() {
    let err = decode(b"PROXY TCP4 1.2.3.4 1.2.3.4 1 99999\r\n").unwrap_err();
    assert_eq!(err.to_string(), "PROXY header: malformed port at byte 29");
}
