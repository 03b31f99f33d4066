"""``wsgi.input``: a request body, in memory or in the file ostiumd passed (read by
position, never past the body's length), with the reading methods PEP 3333 names."""

from __future__ import annotations

import os
from typing import Iterator, List, Optional


class Input:
    """A request body as a readable, line-iterable stream of bytes."""

    def __init__(self, body: bytes = b"", fd: Optional[int] = None, length: int = 0) -> None:
        self._body = body
        self._fd = fd
        self._length = length if fd is not None else len(body)
        self._position = 0

    def _take(self, size: int) -> bytes:
        size = min(size, self._length - self._position)
        if size <= 0:
            return b""
        if self._fd is None:
            chunk = self._body[self._position : self._position + size]
        else:
            chunk = os.pread(self._fd, size, self._position)
        self._position += len(chunk)
        return chunk

    def read(self, size: Optional[int] = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when ``size`` is negative or ``None``)."""
        if size is None or size < 0:
            size = self._length - self._position
        parts = []
        while size > 0:
            chunk = self._take(size)
            if not chunk:
                break
            parts.append(chunk)
            size -= len(chunk)
        return b"".join(parts)

    def readline(self, size: Optional[int] = -1) -> bytes:
        """One line, its ``\\n`` included, of at most ``size`` bytes if given."""
        limit = self._length - self._position
        if size is not None and size >= 0:
            limit = min(limit, size)
        if self._fd is None:
            end = self._body.find(b"\n", self._position, self._position + limit)
            count = limit if end < 0 else end + 1 - self._position
            return self._take(count)
        parts, taken = [], 0
        while taken < limit:
            chunk = os.pread(self._fd, min(8192, limit - taken), self._position)
            if not chunk:
                break
            newline = chunk.find(b"\n")
            if newline >= 0:
                chunk = chunk[: newline + 1]
            self._position += len(chunk)
            taken += len(chunk)
            parts.append(chunk)
            if newline >= 0:
                break
        return b"".join(parts)

    def readlines(self, hint: Optional[int] = -1) -> List[bytes]:
        """The remaining lines (stopping once ``hint`` bytes were read, if given)."""
        lines, total = [], 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def close(self) -> None:
        """Closes the body's file, if it has one."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._length = self._position


class FileWrapper:
    """``wsgi.file_wrapper``: iterates a file-like object in blocks, and closes it."""

    def __init__(self, filelike: object, blksize: int = 8192) -> None:
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[bytes]:
        read = self.filelike.read  # type: ignore[attr-defined]
        while True:
            block = read(self.blksize)
            if not block:
                return
            yield block
