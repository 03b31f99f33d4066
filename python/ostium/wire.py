"""The door protocol's messages (``docs/door-protocol.md``): encoding and decoding.

Every decoder checks each length against the bytes and descriptors actually received
before using it, and raises :class:`DecodeError` naming the field and the byte offset
where the message is wrong; none trusts a length or crashes on a malformed message.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

MAGIC = b"DOOR"
VERSION = 1
#: The smallest ``max_message`` a peer may announce.
MIN_MAX_MESSAGE = 4096
#: Descriptors in one message at most (Linux's ``SCM_MAX_FD``).
MAX_FDS = 253
#: Leases in one call at most.
MAX_LEASES = 64
#: The highest application status (error code); above it are faults.
ERROR_MAX = 0xFFFF_FEFF

HELLO_SIZE = 48
CALL_HEADER_SIZE = 32
LEASE_SIZE = 16
REPLY_HEADER_SIZE = 24

_HELLO = struct.Struct("<BBH4sHHIQ16sII")
_CALL = struct.Struct("<BBHIIIHHIQ")
_LEASE = struct.Struct("<BBHIQ")
_REPLY = struct.Struct("<BBHIIIH6s")


class Kind(enum.IntEnum):
    """A message's first byte."""

    HELLO = 1
    CALL = 2
    REPLY = 3
    CALL_BATCH = 4
    REPLY_BATCH = 5
    RING_SETUP = 6
    DOORBELL = 7


class Capability(enum.IntFlag):
    """The ``HELLO`` capability bits (§3.1)."""

    MEMFD = 1 << 0
    CPU_LANES = 1 << 1
    PIPELINING = 1 << 2
    RING = 1 << 3


class Op(enum.IntEnum):
    """The reserved operations (§4.4); the application's are 1 to 0xFFFF_FEFF."""

    PING = 0xFFFF_FF01
    DESCRIBE = 0xFFFF_FF02
    CONNECT = 0xFFFF_FF03


#: The highest operation number an application may use.
MAX_APPLICATION_OP = 0xFFFF_FEFF


class Fault(enum.IntEnum):
    """The runtime's status codes (§6): above the application's range."""

    UNKNOWN_OPERATION = 0xFFFF_FF01
    BAD_MESSAGE = 0xFFFF_FF02
    BAD_LEASE = 0xFFFF_FF03
    ACCESS_VIOLATION = 0xFFFF_FF04
    REPLY_TOO_LARGE = 0xFFFF_FF05
    HANDLER_PANICKED = 0xFFFF_FF06
    REVOKED = 0xFFFF_FF07
    REQUEST_TOO_LARGE = 0xFFFF_FF08
    UNSUPPORTED_VERSION = 0xFFFF_FF09
    REPLY_DROPPED = 0xFFFF_FF0A
    DEADLINE_EXCEEDED = 0xFFFF_FF0B
    DESCRIPTORS_REFUSED = 0xFFFF_FF0C
    TOO_MANY_DESCRIPTORS = 0xFFFF_FF0D


def fault_name(code: int) -> str:
    """The protocol's name of a fault code, or ``fault 0x…`` for one this version lacks."""
    try:
        return Fault(code).name
    except ValueError:
        return f"fault {code:#x}"


class DecodeError(ValueError):
    """A malformed message: what is wrong, the field, and the byte offset where it is."""

    def __init__(self, what: str, field_name: str, offset: int) -> None:
        super().__init__(f"{what}: {field_name} at byte {offset}")
        self.what = what
        self.field = field_name
        self.offset = offset


# Lease access bits and transports (§4.2).
READ = 1
WRITE = 2
INLINE = 0
MEMFD = 1

ARGS_IN_MEMFD = 1
DATA_IN_MEMFD = 1
#: ``REPLY_LEN`` meaning "the reply is on the socket".
ON_SOCKET = 0xFFFF_FFFF


@dataclass(frozen=True)
class Hello:
    """A ``HELLO`` (§3): what a side speaks and accepts."""

    max_message: int
    capabilities: int = 0
    min_version: int = VERSION
    max_version: int = VERSION
    instance: bytes = bytes(16)
    status: int = 0
    lane: int = 0

    def encode(self) -> bytes:
        """The 48 bytes of this ``HELLO``."""
        return _HELLO.pack(
            Kind.HELLO,
            0,
            0,
            MAGIC,
            self.min_version,
            self.max_version,
            self.max_message,
            self.capabilities,
            self.instance,
            self.status,
            self.lane,
        )

    @staticmethod
    def decode(msg: bytes, nfds: int, from_server: bool) -> Hello:
        """Decodes a ``HELLO`` sent by a server (``from_server``) or by a client."""
        _expect_length(msg, HELLO_SIZE, "HELLO")
        (kind, flags, reserved, magic, min_v, max_v, max_message, caps, instance, status, lane) = (
            _HELLO.unpack(msg)
        )
        _expect(kind == Kind.HELLO, "not a HELLO", "kind", 0)
        _expect(flags == 0, "reserved bits set", "flags", 1)
        _expect(reserved == 0, "reserved field not zero", "reserved", 2)
        _expect(magic == MAGIC, "the magic is not DOOR", "magic", 4)
        _expect(max_message >= MIN_MAX_MESSAGE, "below 4096", "max_message", 12)
        _expect(nfds == 0, "descriptors with a HELLO", "descriptors", 0)
        if from_server:
            _expect(status == 0 or status > ERROR_MAX, "an application status", "status", 40)
            _expect(status != 0 or min_v == max_v, "versions not chosen", "min_version", 8)
            _expect(lane == 0, "a lane from the server", "lane", 44)
        else:
            _expect(instance == bytes(16), "an instance from a client", "instance", 24)
            _expect(status == 0, "a status from a client", "status", 40)
        return Hello(max_message, caps, min_v, max_v, instance, status, lane)


@dataclass(frozen=True)
class LeaseSpec:
    """One lease descriptor of a call (§4.2)."""

    access: int
    transport: int
    length: int


@dataclass
class Call:
    """A decoded ``CALL``: the header, the lease descriptors, and where the parts are."""

    id: int
    op: int
    flags: int
    arg_len: int
    fd_count: int
    deadline_ms: int
    leases: List[LeaseSpec]
    #: The argument bytes (``None`` when they are in a memfd).
    args: Optional[bytes]
    #: The contents of each ``INLINE`` lease, by lease index.
    inline: dict = field(default_factory=dict)

    @property
    def args_in_memfd(self) -> bool:
        """Whether the arguments travel in the first descriptor."""
        return bool(self.flags & ARGS_IN_MEMFD)

    def memfd_count(self) -> int:
        """Descriptors the runtime takes before the handler's: the args', the leases'."""
        leases = sum(1 for lease in self.leases if lease.transport == MEMFD)
        return int(self.args_in_memfd) + leases


def call_id(msg: bytes) -> Optional[int]:
    """The id of a call whose header can be read, so that a malformed one can be answered."""
    if len(msg) >= CALL_HEADER_SIZE and msg[0] == Kind.CALL:
        return struct.unpack_from("<I", msg, 4)[0]
    return None


def encode_call(
    call_id_: int,
    op: int,
    args: bytes,
    *,
    leases: Sequence[LeaseSpec] = (),
    inline_contents: Sequence[bytes] = (),
    fd_count: int = 0,
    deadline_ms: int = 0,
    args_in_memfd: bool = False,
) -> bytes:
    """A ``CALL``: the header, the lease descriptors, the arguments (unless they travel in a
    memfd) and the contents of the ``INLINE`` leases, in lease order."""
    flags = ARGS_IN_MEMFD if args_in_memfd else 0
    arg_len = len(args)
    parts = [
        _CALL.pack(
            Kind.CALL, flags, len(leases), call_id_, op, arg_len, fd_count, 0, deadline_ms, 0
        )
    ]
    parts.extend(_LEASE.pack(lease.access, lease.transport, 0, lease.length, 0) for lease in leases)
    if not args_in_memfd:
        parts.append(bytes(args))
    parts.extend(bytes(contents) for contents in inline_contents)
    return b"".join(parts)


def decode_call(msg: bytes, nfds: int) -> Call:
    """Decodes a ``CALL`` received with ``nfds`` descriptors (§4, §7)."""
    _expect(len(msg) >= CALL_HEADER_SIZE, "shorter than a CALL header", "length", len(msg))
    (kind, flags, lease_count, id_, op, arg_len, fd_count, reserved, deadline_ms, reserved2) = (
        _CALL.unpack_from(msg)
    )
    _expect(kind == Kind.CALL, "not a CALL", "kind", 0)
    _expect(flags & ~ARGS_IN_MEMFD == 0, "reserved bits set", "flags", 1)
    _expect(lease_count <= MAX_LEASES, "more than 64 leases", "lease_count", 2)
    _expect(reserved == 0, "reserved field not zero", "reserved", 18)
    _expect(reserved2 == 0, "reserved field not zero", "reserved", 24)
    offset = CALL_HEADER_SIZE
    _expect(
        len(msg) >= offset + lease_count * LEASE_SIZE,
        "lease descriptors cut short",
        "lease_count",
        2,
    )
    leases = []
    for index in range(lease_count):
        access, transport, reserved, length, reserved2 = _LEASE.unpack_from(msg, offset)
        _expect(access in (READ, WRITE, READ | WRITE), "bad access bits", "access", offset)
        _expect(transport in (INLINE, MEMFD), "unknown transport", "transport", offset + 1)
        _expect(
            reserved == 0 and reserved2 == 0, "reserved field not zero", f"lease {index}", offset
        )
        leases.append(LeaseSpec(access, transport, length))
        offset += LEASE_SIZE
    args_in_memfd = bool(flags & ARGS_IN_MEMFD)
    args = None
    if not args_in_memfd:
        _expect(len(msg) >= offset + arg_len, "arguments cut short", "arg_len", 12)
        args = bytes(msg[offset : offset + arg_len])
        offset += arg_len
    inline = {}
    for index, lease in enumerate(leases):
        if lease.transport == INLINE:
            _expect(
                len(msg) >= offset + lease.length,
                "lease contents cut short",
                f"lease {index}",
                offset,
            )
            inline[index] = bytes(msg[offset : offset + lease.length])
            offset += lease.length
    _expect(offset == len(msg), "bytes past the end of the call", "length", offset)
    call = Call(id_, op, flags, arg_len, fd_count, deadline_ms, leases, args, inline)
    needed = call.memfd_count() + fd_count
    _expect(needed <= MAX_FDS, "more than 253 descriptors", "fd_count", 16)
    _expect(nfds == needed, f"{nfds} descriptors where {needed} are due", "fd_count", 16)
    return call


@dataclass
class Reply:
    """A decoded ``REPLY`` header and its inline parts."""

    id: int
    status: int
    flags: int
    data_len: int
    fd_count: int
    #: The data (``None`` when they are in a memfd).
    data: Optional[bytes]
    #: The returned contents of the call's writable ``INLINE`` leases, in order.
    lease_contents: List[bytes]

    @property
    def data_in_memfd(self) -> bool:
        """Whether the data travel in the first descriptor."""
        return bool(self.flags & DATA_IN_MEMFD)


def encode_reply(
    call_id_: int,
    status: int,
    data: bytes = b"",
    *,
    fd_count: int = 0,
    lease_contents: Sequence[bytes] = (),
    data_in_memfd: bool = False,
    data_len: Optional[int] = None,
) -> bytes:
    """A ``REPLY``: the header, the data (unless in a memfd), the writable inline leases."""
    flags = DATA_IN_MEMFD if data_in_memfd else 0
    length = len(data) if data_len is None else data_len
    header = _REPLY.pack(
        Kind.REPLY, flags, len(lease_contents), call_id_, status, length, fd_count, bytes(6)
    )
    body = b"" if data_in_memfd else bytes(data)
    return b"".join([header, body, *(bytes(part) for part in lease_contents)])


def encode_fault(call_id_: int, fault: int) -> bytes:
    """A fault reply: the status alone."""
    return encode_reply(call_id_, fault)


def decode_reply(msg: bytes, nfds: int, writable_inline: Sequence[int]) -> Reply:
    """Decodes a ``REPLY`` to a call whose writable ``INLINE`` leases have the lengths
    ``writable_inline`` (§5, §7)."""
    _expect(len(msg) >= REPLY_HEADER_SIZE, "shorter than a REPLY header", "length", len(msg))
    kind, flags, lease_count, id_, status, data_len, fd_count, reserved = _REPLY.unpack_from(msg)
    _expect(kind == Kind.REPLY, "not a REPLY", "kind", 0)
    _expect(flags & ~DATA_IN_MEMFD == 0, "reserved bits set", "flags", 1)
    _expect(reserved == bytes(6), "reserved field not zero", "reserved", 18)
    if status > ERROR_MAX:
        fault_clean = flags == 0 and lease_count == 0 and data_len == 0 and fd_count == 0
        _expect(fault_clean, "a fault with contents", "status", 8)
        _expect(len(msg) == REPLY_HEADER_SIZE, "bytes past a fault", "length", len(msg))
        _expect(nfds == 0, "descriptors with a fault", "fd_count", 16)
        return Reply(id_, status, flags, 0, 0, b"", [])
    _expect(
        lease_count == len(writable_inline),
        "not the call's writable inline leases",
        "lease_count",
        2,
    )
    offset = REPLY_HEADER_SIZE
    data = None
    if not flags & DATA_IN_MEMFD:
        _expect(len(msg) >= offset + data_len, "data cut short", "data_len", 12)
        data = bytes(msg[offset : offset + data_len])
        offset += data_len
    contents = []
    for index, length in enumerate(writable_inline):
        _expect(len(msg) >= offset + length, "lease contents cut short", f"lease {index}", offset)
        contents.append(bytes(msg[offset : offset + length]))
        offset += length
    _expect(offset == len(msg), "bytes past the end of the reply", "length", offset)
    needed = int(bool(flags & DATA_IN_MEMFD)) + fd_count
    _expect(nfds == needed, f"{nfds} descriptors where {needed} are due", "fd_count", 16)
    return Reply(id_, status, flags, data_len, fd_count, data, contents)


def decode_doorbell(msg: bytes) -> int:
    """The ``seq`` of a ``DOORBELL`` (§3.3)."""
    _expect_length(msg, 8, "DOORBELL")
    kind, r1, r2, r3, seq = struct.unpack("<BBBBI", msg)
    _expect(kind == Kind.DOORBELL, "not a DOORBELL", "kind", 0)
    _expect((r1, r2, r3) == (0, 0, 0), "reserved field not zero", "reserved", 1)
    return seq


def _expect(condition: bool, what: str, field_name: str, offset: int) -> None:
    if not condition:
        raise DecodeError(what, field_name, offset)


def _expect_length(msg: bytes, size: int, name: str) -> None:
    _expect(
        len(msg) == size, f"a {name} is {size} bytes, not {len(msg)}", "length", min(len(msg), size)
    )
