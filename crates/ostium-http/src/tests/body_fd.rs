//! Bodies in a descriptor (flag `BODY_FD`, §3.3): the message carries the length, the
//! call carries the file.

use std::io::Write;
use std::os::fd::OwnedFd;

use super::*;

fn spooled(len: u64) -> Vec<u8> {
    encode_request(&RequestParts {
        method: b"POST",
        target: b"/up",
        version: ::http::Version::HTTP_11,
        peer: peer(),
        headers: fields(&[("Host", "h")]),
        body: b"",
        body_in_fd: Some(len),
    })
    .unwrap()
}

/// A file holding `bytes`, as ostiumd's spool would pass it.
fn file_with(bytes: &[u8]) -> OwnedFd {
    let mut file = ostium_sys::unlinked_file(&std::env::temp_dir()).unwrap();
    file.write_all(bytes).unwrap();
    file.into()
}

#[test]
fn the_flag_and_the_length_travel_and_the_body_does_not() {
    let msg = spooled(5);
    assert_eq!(u16::from_le_bytes([msg[6], msg[7]]), FLAG_BODY_FD);
    assert_eq!(u64::from_le_bytes(msg[72..80].try_into().unwrap()), 5);
    let parts = decode_request_parts(&msg).unwrap();
    assert_eq!((parts.body, parts.body_in_fd), (&b""[..], Some(5)));
}

#[test]
fn the_application_reads_the_body_from_the_descriptor() {
    let request = decode_request_with_fds(&spooled(5), vec![file_with(b"hello")]).unwrap();
    assert_eq!(request.body(), b"hello");
    assert_eq!(request.uri().path(), "/up");
}

#[test]
fn a_missing_or_short_descriptor_is_a_located_error() {
    let missing = decode_request(&spooled(5)).unwrap_err();
    assert_eq!((missing.offset(), missing.kind()), (6, ErrorKind::MissingBodyFd));
    let short = decode_request_with_fds(&spooled(5), vec![file_with(b"hel")]).unwrap_err();
    assert_eq!(short.kind(), ErrorKind::BodyFdRead(std::io::ErrorKind::UnexpectedEof));
    assert_eq!(short.offset(), 72);
}

#[test]
fn body_bytes_after_a_body_fd_message_are_trailing() {
    let mut msg = spooled(5);
    msg.extend_from_slice(b"hello");
    let err = decode_request_parts(&msg).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TrailingBytes { extra: 5 });
}

#[test]
fn a_body_in_both_places_is_refused() {
    let err = encode_request(&RequestParts {
        method: b"POST",
        target: b"/up",
        version: ::http::Version::HTTP_11,
        peer: peer(),
        headers: fields(&[]),
        body: b"x",
        body_in_fd: Some(1),
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BodyTwice);
}
