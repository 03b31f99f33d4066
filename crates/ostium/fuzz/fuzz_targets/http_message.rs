//! Feeds arbitrary bytes to the decoders of `ostium_http`: none may panic; whatever
//! decodes must encode back to exactly the bytes it came from; and what the `http` crate's
//! types make of a message must survive their own round trip.
//!
//! The input is the message itself; both the request and the response decoders see it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_http::{
    decode_http_response, decode_request, decode_request_parts, decode_response,
    encode_http_request, encode_request, encode_response, encode_response_parts,
};

fuzz_target!(|msg: &[u8]| {
    if let Ok(parts) = decode_request_parts(msg) {
        assert_eq!(parts.headers.len(), parts.headers.clone().count());
        let again = encode_request(&parts).expect("a decoded request encodes");
        assert_eq!(again, msg, "request");
    }
    if let Ok(request) = decode_request(msg) {
        assert!(decode_request_parts(msg).is_ok());
        // The http types may respell an absolute target (a scheme in lower case) or
        // regroup fields by name, so the bytes may differ; the request may not.
        let encoded = encode_http_request(&request).expect("a decoded request re-encodes");
        let again = decode_request(&encoded).expect("a re-encoded request decodes");
        assert_eq!(again.method(), request.method());
        assert_eq!(again.uri(), request.uri());
        assert_eq!(again.version(), request.version());
        assert_eq!(again.headers(), request.headers());
        assert_eq!(again.body(), request.body());
    }
    if let Ok(parts) = decode_response(msg) {
        let again = encode_response_parts(&parts).expect("a decoded response encodes");
        assert_eq!(again, msg, "response");
    }
    if let Ok(response) = decode_http_response(msg) {
        let encoded = encode_response(&response).expect("a decoded response re-encodes");
        let again = decode_http_response(&encoded).expect("a re-encoded response decodes");
        assert_eq!(again.status(), response.status());
        assert_eq!(again.headers(), response.headers());
        assert_eq!(again.body(), response.body());
    }
});
