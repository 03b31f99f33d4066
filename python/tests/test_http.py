"""HTTP over doors: the appendix byte for byte, and every rule of §6 refused."""

from __future__ import annotations

import pytest

from ostium import http
from ostium.wire import DecodeError

REQUEST = bytes.fromhex(
    "4f485251 0100 0000 0101 0404 50c3 901f"
    "c0000207 00000000 00000000 00000000"
    "7f000001 00000000 00000000 00000000"
    "00000000 00000000"
    "0400 0400 02000000 13000000 00000000"
    "0300000000000000"
    "504f5354 2f613f62"
    "0400 01000000 686f7374 68"
    "0100 01000000 78 31"
    "616263"
)
RESPONSE = bytes.fromhex(
    "4f485253 0100 0000 c800 0000"
    "01000000 1c000000 00000000"
    "0200000000000000"
    "0c00 0a000000 636f6e74656e742d74797065"
    "746578742f706c61696e"
    "6f6b"
)


def test_the_appendix_request_and_response_byte_for_byte() -> None:
    request = http.decode_request(REQUEST)
    assert (request.method, request.target, request.version) == ("POST", "/a?b", (1, 1))
    assert request.fields == [("host", b"h"), ("x", b"1")]
    assert (request.remote.host, request.remote.port) == ("192.0.2.7", 50000)
    assert (request.local.host, request.local.port) == ("127.0.0.1", 8080)
    assert request.body == b"abc" and not request.body_fd
    assert http.encode_request(request) == REQUEST
    response = http.HttpResponse(200, [("Content-Type", b"text/plain")], b"ok")
    assert http.encode_response(response) == RESPONSE
    assert http.decode_response(RESPONSE).body == b"ok"


def _patched(offset: int, data: bytes) -> bytes:
    raw = bytearray(REQUEST)
    raw[offset : offset + len(data)] = data
    return bytes(raw)


@pytest.mark.parametrize(
    "message, field_name",
    [
        (_patched(0, b"OHRX"), "magic"),
        (_patched(4, b"\x02"), "version"),
        (_patched(6, b"\x04"), "flags"),
        (_patched(8, b"\x01\x07"), "http_major"),
        (_patched(10, b"\x05"), "family"),
        (_patched(20, b"\x01"), "addr"),
        (_patched(56, b"\x00\x00"), "method_len"),
        (_patched(68, b"\x01"), "reserved"),
        (_patched(80, b"P OS"), "method"),
        (_patched(84, b" "), "target"),
        (_patched(94, b"H"), "name"),
        (_patched(98, b"\x01"), "value"),
        (REQUEST + b"x", "length"),
        (REQUEST[:-1], "length"),
    ],
)
def test_a_malformed_request_is_refused_with_its_field(message: bytes, field_name: str) -> None:
    with pytest.raises(DecodeError) as err:
        http.decode_request(message)
    assert err.value.field == field_name, str(err.value)


def test_fields_that_are_ostiumds_business_are_refused_both_ways() -> None:
    request = http.decode_request(REQUEST)
    request.fields.append(("transfer-encoding", b"chunked"))
    with pytest.raises(DecodeError, match="ostiumd"):
        http.decode_request(http.encode_request(request))
    with pytest.raises(ValueError, match="connection"):
        http.encode_response(http.HttpResponse(200, [("Connection", b"close")]))
    with pytest.raises(ValueError):
        http.encode_response(http.HttpResponse(204, [], b"body"))
    with pytest.raises(ValueError):
        http.encode_response(http.HttpResponse(101))


def test_a_body_in_a_descriptor_leaves_the_message_without_it() -> None:
    request = http.decode_request(REQUEST)
    request.body_fd, request.body_len = True, 1_000_000
    decoded = http.decode_request(http.encode_request(request))
    assert decoded.body_fd and decoded.body_len == 1_000_000 and decoded.body == b""
