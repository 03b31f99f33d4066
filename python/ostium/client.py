"""``Client``: calling a door (any door: Rust, C or Python) from any number of threads.

Each concurrent call uses a connection of its own; connections are kept for reuse, the
most recently used first. A call's arguments, leases and reply travel inline while they
fit the receiver's ``max_message`` and this side's send buffer, and in sealed memfds
otherwise (``docs/door-protocol.md`` §4.3).
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Union

from . import transport, wire
from .errors import (
    ApplicationError,
    DeadlineExceeded,
    FaultError,
    NoDoor,
    ProtocolError,
    ServerDeath,
)

#: What this client accepts inline in one message; larger replies come in memfds.
MAX_MESSAGE = 256 * 1024
#: Leases up to this many bytes travel inline, larger ones in a memfd.
DEFAULT_INLINE_LEASE_MAX = 4096

Buffer = Union[bytes, bytearray, memoryview]


class Lease:
    """Memory lent to the server for the length of one call: read (``wire.READ``),
    written (``wire.WRITE``, which needs a writable buffer such as a ``bytearray``), or
    both. What the server writes is copied into the buffer when the reply comes."""

    def __init__(self, buffer: Buffer, access: int = wire.READ) -> None:
        if access not in (wire.READ, wire.WRITE, wire.READ | wire.WRITE):
            raise ValueError("access is wire.READ, wire.WRITE or both")
        view = memoryview(buffer).cast("B")
        if access & wire.WRITE and view.readonly:
            raise ValueError("a writable lease needs a writable buffer (a bytearray)")
        self.view = view
        self.access = access

    @property
    def writable(self) -> bool:
        """Whether the server may write it."""
        return bool(self.access & wire.WRITE)


@dataclass
class Reply:
    """A call's outcome: its status (0, or an application error code), its data, and the
    descriptors it returned (the caller owns them: close them, or use :meth:`close`)."""

    status: int
    data: bytes
    fds: List[int] = field(default_factory=list)

    def raise_for_status(self) -> Reply:
        """Raises :class:`ApplicationError` unless the status is 0; returns the reply."""
        if self.status != 0:
            raise ApplicationError(self.status, self.data)
        return self

    def close(self) -> None:
        """Closes the returned descriptors."""
        transport.close_all(self.fds)
        self.fds = []


class _Connection:
    """One connection to a door, after its ``HELLO``."""

    def __init__(self, path: str, deadline: Optional[float], sock: Optional[socket.socket]):
        if sock is None:
            try:
                sock = transport.connect(path, _remaining(deadline))
            except (FileNotFoundError, ConnectionRefusedError) as err:
                raise NoDoor(f"no door at {path}: {err}") from err
            except socket.timeout as err:
                raise DeadlineExceeded(f"connecting to {path}") from err
        self.sock = sock
        self.next_id = 1
        try:
            self.server = self._hello(deadline)
        except BaseException:
            sock.close()
            raise
        self.max_send = transport.max_inline(sock, self.server.max_message)
        self.memfd = bool(self.server.capabilities & wire.Capability.MEMFD)

    def _hello(self, deadline: Optional[float]) -> wire.Hello:
        hello = wire.Hello(max_message=MAX_MESSAGE, capabilities=wire.Capability.MEMFD)
        self.sock.settimeout(_remaining(deadline))
        try:
            transport.send(self.sock, hello.encode())
            message = transport.receive(self.sock, MAX_MESSAGE)
        except socket.timeout as err:
            raise DeadlineExceeded("waiting for the server's HELLO") from err
        except (ConnectionResetError, BrokenPipeError) as err:
            raise ServerDeath("the server closed the connection at HELLO") from err
        if not message.data:
            raise ServerDeath("the server closed the connection at HELLO")
        try:
            server = wire.Hello.decode(message.data, len(message.fds), from_server=True)
        except wire.DecodeError as err:
            raise ProtocolError(f"the server's HELLO: {err}") from err
        finally:
            transport.close_all(message.fds)
        if server.status != 0:
            raise FaultError(server.status)
        if server.max_version != wire.VERSION:
            raise ProtocolError(f"the server chose version {server.max_version}")
        return server

    def close(self) -> None:
        self.sock.close()

    def call(
        self,
        op: int,
        args: bytes,
        fds: Sequence[int],
        leases: Sequence[Lease],
        deadline: Optional[float],
        inline_lease_max: int,
    ) -> Reply:
        """One call; raises :class:`FaultError` for a fault (the connection stays usable)
        and the other errors for a connection that is not."""
        call_id = self.next_id
        self.next_id = (self.next_id + 1) & 0xFFFF_FFFF or 1
        outgoing = _Outgoing(self, call_id, op, args, fds, leases, deadline, inline_lease_max)
        try:
            transport.send(self.sock, outgoing.message, outgoing.fds)
        except (BrokenPipeError, ConnectionResetError) as err:
            outgoing.close()
            raise ServerDeath("the server closed the connection") from err
        try:
            return self._receive(outgoing, deadline)
        finally:
            outgoing.close()

    def _receive(self, outgoing: _Outgoing, deadline: Optional[float]) -> Reply:
        self.sock.settimeout(_remaining(deadline))
        while True:
            try:
                message = transport.receive(self.sock, MAX_MESSAGE)
            except socket.timeout as err:
                raise DeadlineExceeded("no reply before the deadline") from err
            except ConnectionResetError as err:
                raise ServerDeath("the connection was reset during the call") from err
            except transport.Truncated as err:
                raise ProtocolError(str(err)) from err
            if not message.data:
                raise ServerDeath("the server closed the connection during the call")
            if message.data[0] == wire.Kind.DOORBELL:
                transport.close_all(message.fds)
                continue
            return outgoing.finish(message)


class _Outgoing:
    """A call being made: its message and descriptors, and the leases to write back."""

    def __init__(
        self,
        conn: _Connection,
        call_id: int,
        op: int,
        args: bytes,
        fds: Sequence[int],
        leases: Sequence[Lease],
        deadline: Optional[float],
        inline_lease_max: int,
    ) -> None:
        self.call_id = call_id
        self.leases = list(leases)
        self.owned: List[int] = []
        specs, inline, self.lease_fds = [], [], []
        for lease in self.leases:
            if len(lease.view) <= inline_lease_max or not conn.memfd:
                specs.append(wire.LeaseSpec(lease.access, wire.INLINE, len(lease.view)))
                inline.append(lease.view)
                self.lease_fds.append(None)
            else:
                fd = transport.lease_memfd(lease.view.tobytes())
                self.owned.append(fd)
                specs.append(wire.LeaseSpec(lease.access, wire.MEMFD, len(lease.view)))
                self.lease_fds.append(fd)
        deadline_ms = (
            0 if deadline is None else max(1, math.ceil((deadline - time.monotonic()) * 1000))
        )

        def encode(args_in_memfd: bool) -> bytes:
            return wire.encode_call(
                call_id,
                op,
                args,
                leases=specs,
                inline_contents=inline,
                fd_count=len(fds),
                deadline_ms=deadline_ms,
                args_in_memfd=args_in_memfd,
            )

        message = encode(False)
        args_fd = []
        if len(message) > conn.max_send:
            if not conn.memfd:
                raise ValueError("the call is too large and the server takes no memfds")
            args_fd = [transport.sealed_memfd(bytes(args))]
            self.owned.extend(args_fd)
            message = encode(True)
            if len(message) > conn.max_send:
                raise ValueError("the inline leases do not fit one message")
        self.message = message
        self.fds = args_fd + [fd for fd in self.lease_fds if fd is not None] + list(fds)
        self.writable_inline = [
            len(lease.view)
            for lease, fd in zip(self.leases, self.lease_fds)
            if fd is None and lease.writable
        ]

    def finish(self, message: transport.Message) -> Reply:
        """Decodes the reply, writes the leases back, and returns it (or raises its fault)."""
        try:
            reply = wire.decode_reply(message.data, len(message.fds), self.writable_inline)
        except wire.DecodeError as err:
            transport.close_all(message.fds)
            raise ProtocolError(f"a malformed reply: {err}") from err
        if reply.id != self.call_id:
            transport.close_all(message.fds)
            raise ProtocolError(f"a reply to call {reply.id} while {self.call_id} waited")
        if reply.status > wire.ERROR_MAX:
            raise FaultError(reply.status)
        fds = list(message.fds)
        data = reply.data
        if reply.data_in_memfd:
            memfd = fds.pop(0)
            try:
                data = transport.read_sealed(memfd, reply.data_len)
            except (ValueError, OSError) as err:
                transport.close_all(fds)
                raise ProtocolError(f"the reply's data memfd: {err}") from err
            finally:
                os.close(memfd)
        self._write_back(reply.lease_contents)
        return Reply(reply.status, data or b"", fds)

    def _write_back(self, contents: List[bytes]) -> None:
        returned = iter(contents)
        for lease, fd in zip(self.leases, self.lease_fds):
            if not lease.writable:
                continue
            if fd is None:
                lease.view[:] = next(returned)
            else:
                lease.view[:] = transport.read_at(fd, 0, len(lease.view))

    def close(self) -> None:
        transport.close_all(self.owned)
        self.owned = []


class Client:
    """A door's client, shared by any number of threads.

    >>> client = Client("/run/echo.door")          # doctest: +SKIP
    >>> client.call(1, b"hello").data              # doctest: +SKIP
    b'hello'
    """

    def __init__(
        self,
        path: str,
        *,
        timeout: Optional[float] = None,
        inline_lease_max: int = DEFAULT_INLINE_LEASE_MAX,
    ) -> None:
        """Connects to the door at ``path`` now, so that a missing door is reported here
        (:class:`NoDoor`)."""
        self.path = os.fspath(path)
        self.inline_lease_max = inline_lease_max
        self._idle: List[_Connection] = []
        self._lock = threading.Lock()
        first = _Connection(self.path, _deadline(timeout), None)
        self.instance = first.server.instance
        self._idle.append(first)

    @classmethod
    def adopt(cls, path: str, sock: socket.socket) -> Client:
        """A client whose first connection is ``sock``, already connected to the door at
        ``path`` (or, with an empty ``path``, one end of a socket pair the door serves)."""
        client = cls.__new__(cls)
        client.path = os.fspath(path)
        client.inline_lease_max = DEFAULT_INLINE_LEASE_MAX
        client._idle = []
        client._lock = threading.Lock()
        first = _Connection(client.path, None, sock)
        client.instance = first.server.instance
        client._idle.append(first)
        return client

    def call(
        self,
        op: int,
        args: Buffer = b"",
        *,
        fds: Sequence[int] = (),
        leases: Sequence[Lease] = (),
        timeout: Optional[float] = None,
        retry: bool = False,
    ) -> Reply:
        """Calls operation ``op`` with ``args``, passing ``fds`` (the server gets copies)
        and lending ``leases``; waits for the reply at most ``timeout`` seconds.

        Returns the :class:`Reply` (an application error is its ``status``); raises
        :class:`FaultError` for a fault, :class:`ServerDeath` if the server died during
        the call, :class:`NoDoor` if nobody serves the door, :class:`DeadlineExceeded`.
        With ``retry`` (for an idempotent operation) and a ``timeout``, a call that met
        a dead or missing server is made again on a new connection until the timeout.
        """
        deadline = _deadline(timeout)
        backoff = 0.001
        while True:
            try:
                return self._call_once(op, bytes(args), fds, leases, deadline)
            except (ServerDeath, NoDoor):
                if not retry or deadline is None or time.monotonic() + backoff >= deadline:
                    raise
                time.sleep(backoff)
                backoff = min(backoff * 2, 0.1)

    def ping(self, timeout: Optional[float] = None) -> None:
        """Calls the reserved ``PING``: returns if the door answers."""
        self.call(wire.Op.PING, timeout=timeout)

    def close(self) -> None:
        """Closes the idle connections (calls in progress keep theirs)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call_once(
        self,
        op: int,
        args: bytes,
        fds: Sequence[int],
        leases: Sequence[Lease],
        deadline: Optional[float],
    ) -> Reply:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            if not self.path:
                raise NoDoor("the door has no path, and its connection is busy")
            conn = _Connection(self.path, deadline, None)
        try:
            reply = conn.call(op, args, fds, leases, deadline, self.inline_lease_max)
        except FaultError:
            self._put_back(conn)
            raise
        except BaseException:
            conn.close()
            raise
        self._put_back(conn)
        return reply

    def _put_back(self, conn: _Connection) -> None:
        with self._lock:
            self._idle.append(conn)


def _deadline(timeout: Optional[float]) -> Optional[float]:
    return None if timeout is None else time.monotonic() + timeout


def _remaining(deadline: Optional[float]) -> Optional[float]:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the deadline has passed")
    return left
