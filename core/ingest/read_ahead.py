"""Read ahead: the next chunk of parsed lines is produced in a worker thread while the caller
awaits the database with the current one, so Python's parsing overlaps the server's work.

At most ``depth + 2`` chunks exist at once (one being consumed, ``depth`` buffered, one being
parsed), so memory stays bounded. Ingest buffers a whole write batch ahead: while the database
takes one batch, the next is parsed (with one chunk buffered, parsing stopped after two chunks
and the rest of the batch was parsed while the database waited). The iterator is advanced by
one worker thread at a time, never two.
Whatever the iterator calls (a progress callback, a source's ``open``) runs in that thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from types import TracebackType
from typing import Generic, TypeVar

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

T = TypeVar("T")


class ReadAhead(Generic[T]):
    """``async with ReadAhead(items, size) as ahead: while chunk := await ahead.next(): ...``

    ``depth``: how many chunks of ``size`` items may wait, parsed, for the consumer.
    """

    def __init__(self, items: Iterator[T], size: int, depth: int = 1) -> None:
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self._take: Callable[[], list[T]] = lambda: list(islice(items, size))
        self._depth = depth
        self._group: TaskGroup | None = None
        self._send: MemoryObjectSendStream[list[T] | Exception]
        self._receive: MemoryObjectReceiveStream[list[T] | Exception]

    async def __aenter__(self) -> ReadAhead[T]:
        self._send, self._receive = anyio.create_memory_object_stream[list[T] | Exception](
            self._depth)
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        self._group.start_soon(self._produce)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> bool | None:
        assert self._group is not None
        self._group.cancel_scope.cancel()  # a consumer that stops early stops the producer
        self._receive.close()
        try:
            return await self._group.__aexit__(exc_type, exc, tb)
        except BaseExceptionGroup as group:
            # The task group wraps the consumer's own error; callers expect it as it was.
            if exc is not None and list(group.exceptions) == [exc]:
                raise exc from None
            raise

    async def next(self) -> list[T]:
        """The next chunk; empty at the end. An error of the iterator is raised here."""
        try:
            chunk = await self._receive.receive()
        except anyio.EndOfStream:
            return []
        if isinstance(chunk, Exception):
            raise chunk
        return chunk

    async def _produce(self) -> None:
        async with self._send:
            try:
                while chunk := await anyio.to_thread.run_sync(self._take):
                    await self._send.send(chunk)
            except Exception as exc:  # handed to the consumer, raised where it reads
                await self._send.send(exc)
