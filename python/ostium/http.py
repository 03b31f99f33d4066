"""HTTP over doors (``docs/http-over-doors.md``): the request message ostiumd sends an
application, and the response message it answers with.

:func:`decode_request` checks everything §6 lists and raises :class:`wire.DecodeError`
naming the field and offset; :func:`encode_response` refuses what the format cannot carry
(:class:`ValueError`).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import struct
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from .wire import DecodeError

#: The door operation of an HTTP request.
HTTP_REQUEST = 1
REQUEST_MAGIC = b"OHRQ"
RESPONSE_MAGIC = b"OHRS"
FORMAT_VERSION = 1
FLAG_TLS = 1
FLAG_BODY_FD = 2
REQUEST_HEADER_SIZE = 80
RESPONSE_HEADER_SIZE = 32
MAX_METHOD = 64
MAX_TARGET = 32_768
MAX_FIELDS = 10_000
MAX_HEADERS_LEN = 2_097_152
MAX_NAME = 256
MAX_VALUE = 65_536
#: Fields that are ostiumd's business and never appear in either message (§5).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "content-length",
        "expect",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
HTTP_VERSIONS = {(0, 9), (1, 0), (1, 1), (2, 0), (3, 0)}

_REQUEST = struct.Struct("<4sHHBBBBHH16s16sIIHHIIIQ")
_RESPONSE = struct.Struct("<4sHHHHIIIQ")
_FIELD = struct.Struct("<HI")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_LOWER_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-z]+\Z")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_TARGET = re.compile(rb'[^\x21-\x7e]|["#<>`]')

Fields = List[Tuple[str, bytes]]


@dataclass
class Address:
    """One end of the client's connection."""

    host: str
    port: int
    family: int
    scope: int = 0


@dataclass
class HttpRequest:
    """A decoded request message."""

    method: str
    target: str
    version: Tuple[int, int]
    #: Header fields in order, names lower case (latin-1 strings), values as bytes.
    fields: Fields
    body_len: int
    #: The body bytes, unless the body is in the call's descriptor (``body_fd``).
    body: bytes
    body_fd: bool
    tls: bool
    remote: Address
    local: Address


@dataclass
class HttpResponse:
    """A response to encode: status, fields in order (any case; sent lower case), body."""

    status: int
    fields: Fields = field(default_factory=list)
    body: bytes = b""


def decode_request(msg: bytes) -> HttpRequest:
    """Decodes a request message (§3, §6)."""
    _check(len(msg) >= REQUEST_HEADER_SIZE, "shorter than the fixed header", "length", len(msg))
    (
        magic,
        version,
        flags,
        major,
        minor,
        rfam,
        lfam,
        rport,
        lport,
        raddr,
        laddr,
        rscope,
        lscope,
        method_len,
        target_len,
        count,
        headers_len,
        reserved,
        body_len,
    ) = _REQUEST.unpack_from(msg)
    _check(magic == REQUEST_MAGIC, "not OHRQ", "magic", 0)
    _check(version == FORMAT_VERSION, "not version 1", "version", 4)
    _check(flags & ~(FLAG_TLS | FLAG_BODY_FD) == 0, "reserved bits set", "flags", 6)
    _check((major, minor) in HTTP_VERSIONS, "an unknown HTTP version", "http_major", 8)
    remote = _address(rfam, raddr, rscope, rport, 10, 16)
    local = _address(lfam, laddr, lscope, lport, 11, 32)
    _check(1 <= method_len <= MAX_METHOD, "out of range", "method_len", 56)
    _check(1 <= target_len <= MAX_TARGET, "out of range", "target_len", 58)
    _check(count <= MAX_FIELDS, "above 10,000", "header_count", 60)
    _check(headers_len <= MAX_HEADERS_LEN, "above 2 MiB", "headers_len", 64)
    _check(reserved == 0, "reserved field not zero", "reserved", 68)
    offset = REQUEST_HEADER_SIZE
    body_fd = bool(flags & FLAG_BODY_FD)
    end = offset + method_len + target_len + headers_len + (0 if body_fd else body_len)
    _check(len(msg) == end, f"{len(msg)} bytes where the lengths say {end}", "length", offset)
    method = msg[offset : offset + method_len]
    _check(_TOKEN.match(method) is not None, "not a token", "method", offset)
    offset += method_len
    target = msg[offset : offset + target_len]
    _check(_target_ok(target), "not a request-target", "target", offset)
    offset += target_len
    fields = _decode_fields(msg, offset, count, headers_len)
    offset += headers_len
    body = b"" if body_fd else bytes(msg[offset : offset + body_len])
    return HttpRequest(
        method.decode("ascii"),
        target.decode("ascii"),
        (major, minor),
        fields,
        body_len,
        body,
        body_fd,
        bool(flags & FLAG_TLS),
        remote,
        local,
    )


def encode_request(request: HttpRequest) -> bytes:
    """Encodes a request message (for tests and clients of HTTP doors)."""
    flags = (FLAG_TLS if request.tls else 0) | (FLAG_BODY_FD if request.body_fd else 0)
    method = request.method.encode("ascii")
    target = request.target.encode("ascii")
    headers = _encode_fields(request.fields)
    rfam, raddr, rscope = _pack_address(request.remote)
    lfam, laddr, lscope = _pack_address(request.local)
    head = _REQUEST.pack(
        REQUEST_MAGIC,
        FORMAT_VERSION,
        flags,
        request.version[0],
        request.version[1],
        rfam,
        lfam,
        request.remote.port,
        request.local.port,
        raddr,
        laddr,
        rscope,
        lscope,
        len(method),
        len(target),
        len(request.fields),
        len(headers),
        0,
        request.body_len,
    )
    body = b"" if request.body_fd else request.body
    return b"".join([head, method, target, headers, body])


def encode_response(response: HttpResponse) -> bytes:
    """Encodes a response message; :class:`ValueError` for what §4 and §5 forbid."""
    if not 200 <= response.status <= 599:
        raise ValueError(f"status {response.status} is outside 200-599")
    body = bytes(response.body)
    if response.status in (204, 304) and body:
        raise ValueError(f"a {response.status} response has no body")
    fields = [(name.lower(), value) for name, value in response.fields]
    for name, _ in fields:
        if name in HOP_BY_HOP:
            raise ValueError(f"the field {name!r} is ostiumd's to set")
    headers = _encode_fields(fields)
    head = _RESPONSE.pack(
        RESPONSE_MAGIC,
        FORMAT_VERSION,
        0,
        response.status,
        0,
        len(fields),
        len(headers),
        0,
        len(body),
    )
    return b"".join([head, headers, body])


def decode_response(msg: bytes) -> HttpResponse:
    """Decodes a response message (§4, §6)."""
    _check(len(msg) >= RESPONSE_HEADER_SIZE, "shorter than the fixed header", "length", len(msg))
    magic, version, flags, status, r1, count, headers_len, r2, body_len = _RESPONSE.unpack_from(msg)
    _check(magic == RESPONSE_MAGIC, "not OHRS", "magic", 0)
    _check(version == FORMAT_VERSION, "not version 1", "version", 4)
    _check(flags == 0, "reserved bits set", "flags", 6)
    _check(200 <= status <= 599, "outside 200-599", "status", 8)
    _check(r1 == 0 and r2 == 0, "reserved field not zero", "reserved", 10)
    _check(count <= MAX_FIELDS, "above 10,000", "header_count", 12)
    _check(headers_len <= MAX_HEADERS_LEN, "above 2 MiB", "headers_len", 16)
    _check(status not in (204, 304) or body_len == 0, "a body with 204 or 304", "body_len", 24)
    end = RESPONSE_HEADER_SIZE + headers_len + body_len
    _check(
        len(msg) == end,
        f"{len(msg)} bytes where the lengths say {end}",
        "length",
        RESPONSE_HEADER_SIZE,
    )
    fields = _decode_fields(msg, RESPONSE_HEADER_SIZE, count, headers_len)
    body = bytes(msg[RESPONSE_HEADER_SIZE + headers_len :])
    return HttpResponse(status, fields, body)


def _decode_fields(msg: bytes, start: int, count: int, length: int) -> Fields:
    fields: Fields = []
    offset, end = start, start + length
    for _ in range(count):
        _check(end - offset >= _FIELD.size, "fields need more bytes", "headers_len", offset)
        name_len, value_len = _FIELD.unpack_from(msg, offset)
        _check(1 <= name_len <= MAX_NAME, "out of range", "name_len", offset)
        _check(value_len <= MAX_VALUE, "above 65,536", "value_len", offset + 2)
        offset += _FIELD.size
        _check(
            end - offset >= name_len + value_len, "fields need more bytes", "headers_len", offset
        )
        name = msg[offset : offset + name_len]
        _check(_LOWER_TOKEN.match(name) is not None, "not a lower-case token", "name", offset)
        offset += name_len
        value = bytes(msg[offset : offset + value_len])
        _check(_BAD_VALUE.search(value) is None, "a control byte", "value", offset)
        offset += value_len
        text = name.decode("ascii")
        _check(
            text not in HOP_BY_HOP,
            f"{text} is ostiumd's business",
            "name",
            offset - value_len - name_len,
        )
        fields.append((text, value))
    _check(offset == end, "bytes left in the header block", "headers_len", offset)
    return fields


def _encode_fields(fields: Sequence[Tuple[str, bytes]]) -> bytes:
    parts = []
    for name, value in fields:
        raw = name.encode("latin-1")
        value = value.encode("latin-1") if isinstance(value, str) else bytes(value)
        if not 1 <= len(raw) <= MAX_NAME or _LOWER_TOKEN.match(raw) is None:
            raise ValueError(f"{name!r} is not a lower-case field name")
        if len(value) > MAX_VALUE or _BAD_VALUE.search(value):
            raise ValueError(f"the value of {name!r} is too long or has control bytes")
        parts += [_FIELD.pack(len(raw), len(value)), raw, value]
    if len(fields) > MAX_FIELDS:
        raise ValueError("more than 10,000 fields")
    block = b"".join(parts)
    if len(block) > MAX_HEADERS_LEN:
        raise ValueError("a header block over 2 MiB")
    return block


def _address(
    family: int, raw: bytes, scope: int, port: int, family_at: int, addr_at: int
) -> Address:
    _check(family in (4, 6), "not 4 or 6", "family", family_at)
    host = _host(family, raw, scope)
    _check(host is not None, "an address in a form §3.1 forbids", "addr", addr_at)
    return Address(host, port, family, scope if family == 6 else 0)


@functools.lru_cache(maxsize=4096)
def _host(family: int, raw: bytes, scope: int) -> Optional[str]:
    """The text of an address (cached: a client sends many requests from one address);
    ``None`` for an IPv4 address with more bytes or a scope, or an IPv4-mapped IPv6 one."""
    if family == 4:
        if raw[4:] != bytes(12) or scope != 0:
            return None
        return str(ipaddress.IPv4Address(raw[:4]))
    address = ipaddress.IPv6Address(raw)
    return None if address.ipv4_mapped is not None else str(address)


def _pack_address(address: Address) -> Tuple[int, bytes, int]:
    parsed = ipaddress.ip_address(address.host)
    if parsed.version == 4:
        return 4, parsed.packed + bytes(12), 0
    return 6, parsed.packed, address.scope


def _target_ok(target: bytes) -> bool:
    if _BAD_TARGET.search(target):
        return False
    if target.startswith(b"/") or target == b"*":
        return True
    first = target[:1]
    return first.isalnum() or first == b"["


def _check(condition: bool, what: str, field_name: str, offset: int) -> None:
    if not condition:
        raise DecodeError(what, field_name, offset)
