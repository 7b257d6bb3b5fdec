"""Line sources: numbered lines of bounded length, read lazily (memory stays bounded)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Protocol

#: A line longer than this is rejected (and skipped without being held in memory).
MAX_LINE_BYTES = 1 << 20
_SKIP_CHUNK = 1 << 16


@dataclass(frozen=True)
class SourceIdentity:
    """What must not change while a source is ingested: for a file, its device, inode, size
    and modification time (a truncation, an append, an edit or a replacement all change it)."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    def change_from(self, earlier: SourceIdentity) -> str:
        """How this identity differs from an earlier one, in words."""
        changes = []
        if (self.device, self.inode) != (earlier.device, earlier.inode):
            changes.append("it was replaced by another file")
        if self.size != earlier.size:
            changes.append(f"its size went from {earlier.size} to {self.size} bytes")
        if self.mtime_ns != earlier.mtime_ns and not changes:
            changes.append("it was modified")
        return "; ".join(changes) or "it changed"


class LineSource(Protocol):
    """Something ingest reads (once, in one pass): a file, bytes in a test."""

    @property
    def name(self) -> str:
        """Shown in reports (a path, ``<stdin>``, a test name)."""
        ...

    @property
    def size(self) -> int | None:
        """Total bytes when known (drives the progress bar), else None."""
        ...

    def open(self) -> AbstractContextManager[BinaryIO]:
        """A fresh binary stream positioned at the start."""
        ...

    def identity(self) -> SourceIdentity:
        """The source's identity now; ingest refuses to commit when it changed since the start."""
        ...


@dataclass(frozen=True)
class BytesSource:
    """An in-memory source (tests, generated workloads)."""

    name: str
    data: bytes

    @property
    def size(self) -> int | None:
        return len(self.data)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        yield io.BytesIO(self.data)

    def identity(self) -> SourceIdentity:
        return SourceIdentity(0, 0, len(self.data), 0)  # bytes cannot change


@dataclass(frozen=True)
class RawLine:
    """One physical line: 1-based number, its bytes (without the newline) and bytes consumed.

    ``oversized`` lines carry only their first ``MAX_LINE_BYTES`` bytes.
    """

    number: int
    data: bytes
    consumed: int
    oversized: bool = False


def read_lines(stream: BinaryIO, *, max_bytes: int = MAX_LINE_BYTES) -> Iterator[RawLine]:
    """Yield numbered lines; never holds more than ``max_bytes`` of one line in memory."""
    number = 0
    while True:
        chunk = stream.readline(max_bytes + 1)
        if not chunk:
            return
        number += 1
        consumed = len(chunk)
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            # Drain the rest of the oversized line in bounded chunks.
            while True:
                rest = stream.readline(_SKIP_CHUNK)
                consumed += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield RawLine(number, chunk[:max_bytes], consumed, oversized=True)
            continue
        yield RawLine(number, chunk.rstrip(b"\r\n"), consumed)
