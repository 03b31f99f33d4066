//! Version 1: one line of US-ASCII text, `PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n`,
//! at most 107 bytes with its CRLF. Fields are separated by exactly one space; addresses
//! are canonical (no leading zeros in IPv4, hex groups and one `::` in IPv6); ports are
//! decimal without leading zeros. After `UNKNOWN`, the rest of the line is ignored.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::error::error;
use super::header::{Command, ProxyHeader, Version};
use super::{Decoded, ProxyError, ProxyErrorKind, signature_mismatch};

/// What a v1 header starts with.
pub(super) const SIGNATURE: &[u8] = b"PROXY";

/// The longest line, CRLF included (`PROXY UNKNOWN` with two full IPv6 addresses and
/// ports).
const MAX_LINE: usize = 107;

/// Decodes a v1 header from `input`, which starts with `P`.
pub(super) fn decode(input: &[u8]) -> Result<Decoded, ProxyError> {
    if let Some(offset) = signature_mismatch(input, SIGNATURE) {
        return Err(error(offset, ProxyErrorKind::Signature));
    }
    // The whole line is needed before its fields are read (the spec says so, and an
    // address cut short could still look valid); its end is checked as bytes come.
    let Some(end) = line_end(input)? else { return Ok(Decoded::Incomplete) };
    let header = parse_line(&input[..end])?;
    Ok(Decoded::Done { header, consumed: end + 2 })
}

/// The offset of the CR of the line's CRLF, `None` while it may still come, or the error
/// that the bytes so far already prove.
fn line_end(input: &[u8]) -> Result<Option<usize>, ProxyError> {
    let within = &input[..input.len().min(MAX_LINE)];
    for (i, &byte) in within.iter().enumerate().skip(SIGNATURE.len()) {
        match byte {
            b'\n' => return Err(error(i, ProxyErrorKind::LineEnd)),
            b'\r' if i + 2 > MAX_LINE => return Err(error(MAX_LINE, ProxyErrorKind::LineTooLong)),
            b'\r' => {
                return match input.get(i + 1) {
                    None => Ok(None),
                    Some(b'\n') => Ok(Some(i)),
                    Some(_) => Err(error(i, ProxyErrorKind::LineEnd)),
                };
            }
            _ => {}
        }
    }
    if input.len() >= MAX_LINE {
        return Err(error(MAX_LINE, ProxyErrorKind::LineTooLong));
    }
    Ok(None)
}

/// Reads the fields of a whole line (without its CRLF).
fn parse_line(line: &[u8]) -> Result<ProxyHeader, ProxyError> {
    let mut fields = Fields { line, at: SIGNATURE.len() };
    let (protocol_at, protocol) = fields.next()?;
    let family = match protocol {
        b"TCP4" => Family::V4,
        b"TCP6" => Family::V6,
        // Whatever follows UNKNOWN is to be ignored; only a separator must end the word.
        b"UNKNOWN" => return Ok(header(None, None)),
        _ => return Err(error(protocol_at, ProxyErrorKind::Protocol)),
    };
    let source = fields.next().and_then(|(at, text)| family.address(at, text))?;
    let destination = fields.next().and_then(|(at, text)| family.address(at, text))?;
    let source_port = fields.next().and_then(|(at, text)| port(at, text))?;
    let destination_port = fields.next().and_then(|(at, text)| port(at, text))?;
    if fields.at < line.len() {
        return Err(error(fields.at, ProxyErrorKind::Syntax));
    }
    Ok(header(
        Some(SocketAddr::new(source, source_port)),
        Some(SocketAddr::new(destination, destination_port)),
    ))
}

fn header(source: Option<SocketAddr>, destination: Option<SocketAddr>) -> ProxyHeader {
    ProxyHeader {
        version: Version::V1,
        command: Command::Proxy,
        source,
        destination,
        raw_tlvs: Box::default(),
    }
}

/// The space-separated fields of a line, each with its offset.
struct Fields<'a> {
    line: &'a [u8],
    /// The offset of the next field's separating space.
    at: usize,
}

impl<'a> Fields<'a> {
    /// The next field: exactly one space, then one or more other bytes.
    fn next(&mut self) -> Result<(usize, &'a [u8]), ProxyError> {
        if self.line.get(self.at) != Some(&b' ') {
            return Err(error(self.at, ProxyErrorKind::Syntax));
        }
        let start = self.at + 1;
        let len =
            self.line[start..].iter().position(|&b| b == b' ').unwrap_or(self.line.len() - start);
        if len == 0 {
            return Err(error(start, ProxyErrorKind::Syntax));
        }
        self.at = start + len;
        Ok((start, &self.line[start..self.at]))
    }
}

#[derive(Clone, Copy)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn address(self, at: usize, text: &[u8]) -> Result<IpAddr, ProxyError> {
        let parsed = match self {
            Family::V4 => ipv4(text).map(IpAddr::V4),
            Family::V6 => ipv6(text).map(IpAddr::V6),
        };
        parsed.ok_or(error(at, ProxyErrorKind::Address))
    }
}

/// Four decimal numbers in 0..=255, one dot between each, no leading zeros.
fn ipv4(text: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split(|&b| b == b'.');
    for octet in &mut octets {
        *octet = u8::try_from(decimal(parts.next()?, 3)?).ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

/// Hex groups separated by colons, with at most one `::`; the standard library's parser
/// does the rest once the dotted IPv4-in-IPv6 form, which the spec does not allow, is
/// excluded.
fn ipv6(text: &[u8]) -> Option<Ipv6Addr> {
    if !text.iter().all(|&b| b.is_ascii_hexdigit() || b == b':') {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// A port: decimal in 0..=65535, no leading zeros.
fn port(at: usize, text: &[u8]) -> Result<u16, ProxyError> {
    decimal(text, 5).and_then(|n| u16::try_from(n).ok()).ok_or(error(at, ProxyErrorKind::Port))
}

/// One to `max_digits` decimal digits without a leading zero (`0` itself is fine).
fn decimal(text: &[u8], max_digits: usize) -> Option<u32> {
    let well_formed = !text.is_empty()
        && text.len() <= max_digits
        && text.iter().all(u8::is_ascii_digit)
        && (text[0] != b'0' || text.len() == 1);
    well_formed.then(|| text.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
}
