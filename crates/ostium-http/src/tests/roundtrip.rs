//! Round trips of arbitrary messages: what is encoded decodes to the same parts and
//! re-encodes to the same bytes, and no input makes a decoder panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use proptest::prelude::*;

use super::super::*;

fn addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<u32>(), any::<u16>())
            .prop_map(|(ip, port)| { SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port) }),
        (any::<u128>(), any::<u16>(), any::<u32>()).prop_map(|(ip, port, scope)| {
            let v6 = std::net::SocketAddrV6::new(Ipv6Addr::from(ip), port, 0, scope);
            SocketAddr::V6(v6)
        }),
    ]
}

fn peer() -> impl Strategy<Value = Peer> {
    (addr(), addr(), any::<bool>()).prop_map(|(r, l, tls)| Peer::new(r, l).with_tls(tls))
}

fn version() -> impl Strategy<Value = ::http::Version> {
    use ::http::Version as V;
    prop_oneof![
        Just(V::HTTP_09),
        Just(V::HTTP_10),
        Just(V::HTTP_11),
        Just(V::HTTP_2),
        Just(V::HTTP_3)
    ]
}

/// Header fields, lower-case names (with a few repeated), none of them hop-by-hop.
fn headers() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    let name = prop_oneof![
        Just(b"x-a".to_vec()),
        Just(b"set-cookie".to_vec()),
        "[a-z0-9!#$%&'*+.^_`|~-]{1,24}".prop_map(String::into_bytes),
    ]
    .prop_filter("not ostiumd's", |n| syntax::hop_by_hop(n).is_none());
    let value =
        proptest::collection::vec(prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..40);
    proptest::collection::vec((name, value), 0..12)
}

fn pairs(headers: &[(Vec<u8>, Vec<u8>)]) -> impl Iterator<Item = (&[u8], &[u8])> + Clone {
    headers.iter().map(|(n, v)| (n.as_slice(), v.as_slice()))
}

proptest! {
    #[test]
    fn requests_round_trip(
        method in "[A-Za-z!#$%&'*+.^_`|~-]{1,20}",
        target in "/[a-zA-Z0-9/?=&%.{}|^\\\\:@!$'()*+,;~_-]{0,60}",
        version in version(),
        peer in peer(),
        headers in headers(),
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let parts = RequestParts {
            method: method.as_bytes(),
            target: target.as_bytes(),
            version,
            peer,
            headers: pairs(&headers),
            body: &body,
            body_in_fd: None,
        };
        let msg = encode_request(&parts).unwrap();
        let decoded = decode_request_parts(&msg).unwrap();
        prop_assert_eq!(decoded.method, parts.method);
        prop_assert_eq!(decoded.target, parts.target);
        prop_assert_eq!(decoded.version, version);
        prop_assert_eq!(decoded.peer, peer);
        prop_assert!(decoded.headers.clone().eq(pairs(&headers)));
        prop_assert_eq!(decoded.body, &body[..]);
        prop_assert_eq!(&encode_request(&decoded).unwrap(), &msg);

        // Through the http types: the same request, which encodes to a message that
        // decodes to it again.
        let request = decode_request(&msg).unwrap();
        prop_assert_eq!(request.uri().to_string(), target);
        for (name, _) in &headers {
            let want: Vec<&[u8]> =
                headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_slice()).collect();
            let got: Vec<&[u8]> =
                request.headers().get_all(std::str::from_utf8(name).unwrap()).iter().map(|v| v.as_bytes()).collect();
            prop_assert_eq!(got, want);
        }
        let again = decode_request(&encode_http_request(&request).unwrap()).unwrap();
        prop_assert_eq!(again.method(), request.method());
        prop_assert_eq!(again.uri(), request.uri());
        prop_assert_eq!(again.headers(), request.headers());
        prop_assert_eq!(again.extensions().get::<Peer>(), Some(&peer));
        prop_assert_eq!(again.body(), request.body());
    }

    #[test]
    fn responses_round_trip(
        status in 200u16..600,
        headers in headers(),
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let body = if matches!(status, 204 | 304) { Vec::new() } else { body };
        let parts = ResponseParts { status, headers: pairs(&headers), body: &body };
        let msg = encode_response_parts(&parts).unwrap();
        let decoded = decode_response(&msg).unwrap();
        prop_assert_eq!(decoded.status, status);
        prop_assert!(decoded.headers.clone().eq(pairs(&headers)));
        prop_assert_eq!(decoded.body, &body[..]);
        prop_assert_eq!(&encode_response_parts(&decoded).unwrap(), &msg);

        let response = decode_http_response(&msg).unwrap();
        let again = decode_http_response(&encode_response(&response).unwrap()).unwrap();
        prop_assert_eq!(again.status(), response.status());
        prop_assert_eq!(again.headers(), response.headers());
        prop_assert_eq!(again.body(), response.body());
    }

    /// Arbitrary bytes after a valid preamble: never a panic, and whatever decodes
    /// re-encodes to exactly the same bytes.
    #[test]
    fn decoders_never_panic(
        request in any::<bool>(),
        tail in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut msg = if request { b"OHRQ\x01\x00".to_vec() } else { b"OHRS\x01\x00".to_vec() };
        msg.extend_from_slice(&tail);
        if let Ok(parts) = decode_request_parts(&msg) {
            prop_assert_eq!(encode_request(&parts).unwrap(), msg.clone());
        }
        if let Ok(parts) = decode_response(&msg) {
            prop_assert_eq!(encode_response_parts(&parts).unwrap(), msg.clone());
        }
        let _ = decode_request(&msg);
        let _ = decode_http_response(&msg);
    }

    #[test]
    fn every_origin_form_the_format_allows_is_a_uri(target in "/[\\x21-\\x7e]{0,80}") {
        if syntax::check_target(target.as_bytes()).is_ok() {
            prop_assert!(::http::Uri::try_from(target.as_str()).is_ok(), "{}", target);
        }
    }
}
