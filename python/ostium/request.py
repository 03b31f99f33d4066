"""What a door's handler gets (:class:`Request`, with its :class:`LeaseView`\\ s) and
returns (:class:`Answer`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from . import transport, wire
from .transport import Credentials


class LeaseError(Exception):
    """A handler read a lease it may not read, wrote one it may not write, or went past
    its end; the call is answered ``BAD_LEASE``."""


class LeaseView:
    """One lease of a call: the caller's memory, lent for the length of the call.

    Reads and writes are copies, bounds- and access-checked; for a lease in a memfd they go
    to the caller's memory directly (the caller may change it meanwhile, to its own loss
    only)."""

    def __init__(
        self, access: int, length: int, inline: Optional[bytes], fd: Optional[int]
    ) -> None:
        self.access = access
        self.length = length
        self._inline = bytearray(inline) if inline is not None else None
        self._fd = fd

    def __len__(self) -> int:
        return self.length

    @property
    def readable(self) -> bool:
        """Whether the handler may read it."""
        return bool(self.access & wire.READ)

    @property
    def writable(self) -> bool:
        """Whether the handler may write it."""
        return bool(self.access & wire.WRITE)

    def read(self, offset: int = 0, length: Optional[int] = None) -> bytes:
        """``length`` bytes from ``offset`` (all the rest by default)."""
        if not self.readable:
            raise LeaseError("the lease is not readable")
        length = self.length - offset if length is None else length
        self._check(offset, length)
        if self._inline is not None:
            return bytes(self._inline[offset : offset + length])
        return transport.read_at(self._fd, offset, length)

    def write(self, offset: int, data: bytes) -> None:
        """Writes ``data`` at ``offset``."""
        if not self.writable:
            raise LeaseError("the lease is not writable")
        self._check(offset, len(data))
        if self._inline is not None:
            self._inline[offset : offset + len(data)] = data
        else:
            transport.write_at(self._fd, offset, data)

    def returned(self) -> Optional[bytes]:
        """The contents to send back: a writable inline lease's, else ``None``."""
        if self._inline is not None and self.writable:
            return bytes(self._inline)
        return None

    def _check(self, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > self.length:
            raise LeaseError(f"bytes {offset}..{offset + length} of a {self.length}-byte lease")


@dataclass
class Request:
    """One call, as the handler sees it."""

    #: The operation number.
    op: int
    #: The argument bytes.
    args: bytes
    #: The descriptors passed: the handler owns them (closes or keeps them).
    fds: List[int]
    #: Who called: process id, user and group, as the kernel reported them.
    caller: Credentials
    #: The leases lent, in order.
    leases: List[LeaseView] = field(default_factory=list)


@dataclass
class Answer:
    """A handler's answer: a status (0, an application error code, or a fault), the reply
    data, and descriptors passed back (they are closed once sent)."""

    status: int = 0
    data: bytes = b""
    fds: Sequence[int] = ()

    @staticmethod
    def ok(data: bytes = b"", fds: Sequence[int] = ()) -> Answer:
        """Success, with ``data`` and ``fds``."""
        return Answer(0, bytes(data), fds)

    @staticmethod
    def error(code: int, data: bytes = b"") -> Answer:
        """An application error: ``code`` (1 to 0xFFFF_FEFF) and ``data``."""
        if not 1 <= code <= wire.ERROR_MAX:
            raise ValueError(f"an application error code is 1 to {wire.ERROR_MAX:#x}")
        return Answer(code, bytes(data))

    @staticmethod
    def fault(fault: wire.Fault) -> Answer:
        """A fault of the runtime's (``BAD_MESSAGE`` for arguments that do not decode)."""
        return Answer(int(fault))
