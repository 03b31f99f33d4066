"""Unix ``SOCK_SEQPACKET`` messages with descriptors, and sealed memfds (§1, §4.3 of
``docs/door-protocol.md``): the operating-system side of the protocol."""

from __future__ import annotations

import array
import fcntl
import mmap
import os
import socket
import struct
from dataclasses import dataclass
from typing import List, Optional, Sequence

from .wire import MAX_FDS

_FD_SIZE = array.array("i").itemsize
_CONTROL_SPACE = socket.CMSG_SPACE(MAX_FDS * _FD_SIZE) + socket.CMSG_SPACE(12)
_SEALED = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
#: What a sender keeps below its send buffer for the kernel's own overhead per message.
SEND_MARGIN = 1024


class Truncated(OSError):
    """A message, or its descriptors, did not fit what was offered to receive it; ``data``
    is the start of it (so that a call's id can still be read)."""

    def __init__(self, message: str, data: bytes = b"") -> None:
        super().__init__(message)
        self.data = data


@dataclass
class Message:
    """One received message: its bytes, the descriptors that came with it (owned by the
    receiver), and the sender's credentials when the socket asks for them."""

    data: bytes
    fds: List[int]
    credentials: Optional[Credentials] = None


@dataclass(frozen=True)
class Credentials:
    """A process's id and effective user and group, as the kernel reports them."""

    pid: int
    uid: int
    gid: int


def seqpacket() -> socket.socket:
    """A new Unix ``SOCK_SEQPACKET`` socket, close-on-exec."""
    return socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)


def connect(path: str, timeout: Optional[float] = None) -> socket.socket:
    """A socket connected to the door at ``path``."""
    sock = seqpacket()
    try:
        sock.settimeout(timeout)
        sock.connect(path)
    except BaseException:
        sock.close()
        raise
    return sock


def send(sock: socket.socket, data: bytes, fds: Sequence[int] = ()) -> None:
    """Sends one message with ``fds`` (``SCM_RIGHTS``)."""
    if not fds:
        sock.sendmsg([data])
        return
    rights = array.array("i", fds).tobytes()
    sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, rights)])


def receive(sock: socket.socket, capacity: int) -> Message:
    """Receives one message of at most ``capacity`` bytes. End of stream is an empty
    message; a message or descriptors cut short raise :class:`Truncated`, after closing
    any descriptors that came."""
    flags = socket.MSG_CMSG_CLOEXEC
    data, ancillary, msg_flags, _ = sock.recvmsg(capacity + 1, _CONTROL_SPACE, flags)
    fds: List[int] = []
    credentials = None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % _FD_SIZE
            fds.extend(array.array("i", payload[:usable]))
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid, uid, gid = struct.unpack("3i", payload[:12])
            credentials = Credentials(pid, uid, gid)
    if msg_flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC) or len(data) > capacity:
        close_all(fds)
        raise Truncated(
            f"a message larger than {capacity} bytes, or too many descriptors", data[:capacity]
        )
    return Message(data, fds, credentials)


def peer_credentials(sock: socket.socket) -> Credentials:
    """``SO_PEERCRED``: who connected, as of ``connect``."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return Credentials(*struct.unpack("3i", raw))


def max_inline(sock: socket.socket, peer_max: int) -> int:
    """The longest message this side may send: the peer's ``max_message``, and what its own
    send buffer carries (§4.3)."""
    sndbuf = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    return max(0, min(peer_max, sndbuf - SEND_MARGIN))


def close_all(fds: Sequence[int]) -> None:
    """Closes every descriptor, ignoring those already closed."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def sealed_memfd(contents: bytes, name: str = "ostium") -> int:
    """A memfd holding ``contents``, sealed against any change (arguments, reply data)."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        _write_all(fd, contents)
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SEALED | fcntl.F_SEAL_SEAL)
    except BaseException:
        os.close(fd)
        raise
    return fd


def lease_memfd(contents: bytes, name: str = "ostium-lease") -> int:
    """A memfd holding a lease's bytes, sealed against shrinking so that the server may
    write it in place."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        _write_all(fd, contents)
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_sealed(fd: int, length: int) -> bytes:
    """The first ``length`` bytes of a memfd that must be sealed against any change and at
    least that long; :class:`ValueError` if it is not."""
    seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    if seals & _SEALED != _SEALED:
        raise ValueError("the memfd is not sealed against change")
    if os.fstat(fd).st_size < length:
        raise ValueError("the memfd is shorter than the message says")
    return read_at(fd, 0, length)


def check_lease_memfd(fd: int, length: int) -> None:
    """Raises :class:`ValueError` unless ``fd`` is a lease memfd (sealed against
    shrinking) of at least ``length`` bytes."""
    try:
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    except OSError as err:
        raise ValueError(f"not a memfd: {err}") from err
    if not seals & fcntl.F_SEAL_SHRINK:
        raise ValueError("the lease memfd may shrink")
    if os.fstat(fd).st_size < length:
        raise ValueError("the lease memfd is shorter than the lease")


def read_at(fd: int, offset: int, length: int) -> bytes:
    """``length`` bytes of ``fd`` from ``offset`` (mapped when large)."""
    if length == 0:
        return b""
    if length >= 1 << 16:
        with mmap.mmap(fd, offset + length, mmap.MAP_SHARED, mmap.PROT_READ) as mapped:
            return mapped[offset : offset + length]
    parts = []
    while length > 0:
        chunk = os.pread(fd, length, offset)
        if not chunk:
            raise ValueError("the file ended early")
        parts.append(chunk)
        offset += len(chunk)
        length -= len(chunk)
    return b"".join(parts)


def write_at(fd: int, offset: int, data: bytes) -> None:
    """Writes all of ``data`` to ``fd`` at ``offset``."""
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def _write_all(fd: int, data: bytes) -> None:
    write_at(fd, 0, data)
