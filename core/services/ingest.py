"""Ingest use case: stream JSON Lines / CSV sources, validate every line once, write in batches.

All-or-nothing (default): ONE pass. Each line is read, decoded and validated once (a worker
thread parses up to a batch ahead while the database takes the current batch) and streamed,
batch by batch, into ONE unit of work (the SQL adapters stage cost batches through a TEMP
table with COPY on Postgres; cost batches are ``bulk`` writes, whose rollups Postgres adds
once, at commit); the unit commits only after the last line of the last source was
accepted. When any line is rejected, writing stops, the rest is still validated (so every
rejection is reported, as before) and the unit rolls back: nothing of the sources is visible.
Memory stays bounded (one batch per record kind, one validation chunk).

``skip_invalid``: one pass; rejected lines go to ``on_reject``, valid lines are written in
batches, each batch its own unit of work. A batch storage refuses (a change to a terminal
worker run) is retried one record at a time and only the refused records are rejected.

Each source's identity (a file's device, inode, size and mtime) is recorded when ingest starts
and compared before every commit: a source truncated, appended to, edited or replaced while it
is read raises ``SourceChanged`` and the unit rolls back (with ``skip_invalid``, the batches
committed before the change was seen stay).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from costsight.core.errors import CostsightError
from costsight.core.ingest.lines import LineSource
from costsight.core.ingest.parser import (
    CHUNK_LINES,
    InputFormat,
    Parsed,
    Rejection,
    parse_source,
)
from costsight.core.ingest.read_ahead import ReadAhead
from costsight.core.ingest.records import Invalid, RecordKind
from costsight.core.ingest.writer import (
    DEFAULT_BATCH_SIZE,
    BatchBuffers,
    BatchConflict,
    KindCounts,
    write_batch,
)
from costsight.core.ports import Storage
from costsight.core.timeutil import Clock


class SourceChanged(CostsightError):
    """A source changed while it was being ingested; the unit of work was rolled back."""

    def __init__(self, name: str, change: str, *, committed_batches: int = 0) -> None:
        self.name = name
        kept = (f"; the {committed_batches} batch(es) committed before the change was seen "
                "were kept (--skip-invalid commits each batch)" if committed_batches
                else "; nothing was written")
        super().__init__(f"{name} changed while it was being ingested ({change}){kept}. "
                         "Ingest a file that is no longer being written (copy it first).")


class SourceGuard:
    """The identities of the sources when ingest started; ``check`` raises ``SourceChanged``."""

    def __init__(self, sources: Sequence[LineSource]) -> None:
        self.sources = list(sources)
        self.started = [source.identity() for source in self.sources]
        self.committed_batches = 0

    def check(self) -> None:
        for source, started in zip(self.sources, self.started, strict=True):
            now = source.identity()
            if now != started:
                raise SourceChanged(source.name, now.change_from(started),
                                    committed_batches=self.committed_batches)


#: Rejections kept on the report itself (all of them go to ``on_reject``).
REPORT_REJECTIONS = 100


class IngestProgress(Protocol):
    """Progress sink (the CLI's progress bar); called from the thread that reads ahead."""

    def phase(self, description: str, total_bytes: int | None) -> None: ...

    def advance(self, nbytes: int) -> None: ...


@dataclass
class IngestReport:
    """What an ingest did: counts per record type, rejections, and whether it wrote."""

    counts: dict[RecordKind, KindCounts] = field(
        default_factory=lambda: {kind: KindCounts() for kind in RecordKind})
    valid_lines: int = 0
    #: worker-run lines replaced by a later state of the same run in the same batch
    superseded: int = 0
    rejected: int = 0
    written: bool = False
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return sum(c.inserted for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def duplicates(self) -> int:
        return sum(c.duplicates for c in self.counts.values())

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.rejections) < REPORT_REJECTIONS:
            self.rejections.append(rejection)

    def as_dict(self) -> dict[str, Any]:
        return {
            "written": self.written, "valid_lines": self.valid_lines,
            "inserted": self.inserted, "updated": self.updated,
            "duplicates": self.duplicates, "superseded": self.superseded,
            "rejected": self.rejected,
            "by_type": {kind.value: c.as_dict() for kind, c in self.counts.items()
                        if c.inserted or c.updated or c.duplicates},
            "rejections": [
                {"source": r.source, "line": r.line, "field": r.field, "reason": r.reason}
                for r in self.rejections],
            "rejections_truncated": self.rejected > len(self.rejections),
        }


RejectSink = Callable[[Rejection], None]


class IngestService:
    """Streams sources into storage through the cost, provenance and audit ports."""

    def __init__(self, storage: Storage, clock: Clock, *,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.storage = storage
        self.clock = clock
        self.batch_size = batch_size

    async def ingest(self, sources: Sequence[LineSource], *, skip_invalid: bool = False,
                     fmt: InputFormat = InputFormat.AUTO, batch_size: int | None = None,
                     on_reject: RejectSink | None = None,
                     progress: IngestProgress | None = None) -> IngestReport:
        """Ingest ``sources`` (see the module docstring for the two modes)."""
        size = self.batch_size if batch_size is None else batch_size
        if size < 1:
            from costsight.core.errors import ValidationError

            raise ValidationError("batch_size", f"{size} is too small", allowed=">= 1")
        report = IngestReport()
        sink = _sink(report, on_reject)
        guard = SourceGuard(sources)
        if skip_invalid:
            await self._write_skipping(sources, fmt, size, report, sink, progress, guard)
            return report
        await self._write_all(sources, fmt, size, report, sink, progress, guard)
        return report

    async def _write_all(self, sources: Sequence[LineSource], fmt: InputFormat, size: int,
                         report: IngestReport, sink: RejectSink,
                         progress: IngestProgress | None, guard: SourceGuard) -> None:
        totals = {kind: KindCounts() for kind in RecordKind}
        buffers = BatchBuffers(size)
        valid = 0
        failed = False  # a line was rejected: write nothing more, validate the rest
        items = _parsed(sources, fmt, progress, min(size, CHUNK_LINES))
        async with self.storage.unit_of_work() as uow:
            # a whole batch parsed ahead: the next batch is parsed while this one is written
            async with ReadAhead(items, CHUNK_LINES, _read_ahead_chunks(size)) as ahead:
                while chunk := await ahead.next():
                    for item in chunk:
                        if isinstance(item, Rejection):
                            sink(item)
                            failed = True
                            continue
                        if failed:
                            continue
                        try:
                            due = buffers.append(item)
                        except Invalid as exc:
                            sink(_rejection(item, exc))
                            failed = True
                            continue
                        valid += 1
                        try:
                            for kind in due:
                                totals[kind].add(await write_batch(uow, kind, buffers.take(kind),
                                                                   now=self.clock.now(), bulk=True))
                        except BatchConflict as exc:
                            for rejection in _conflict_rejections(exc):
                                sink(rejection)
                            failed = True
            if failed:
                return  # the unit of work rolls back: nothing was written
            try:
                for kind in _flush_all_order(buffers):
                    totals[kind].add(await write_batch(uow, kind, buffers.take(kind),
                                                       now=self.clock.now(), bulk=True))
            except BatchConflict as exc:
                for rejection in _conflict_rejections(exc):
                    sink(rejection)
                return
            # A source cut short reads as a clean, shorter file: only its identity tells.
            guard.check()
            await uow.commit()
        report.counts, report.valid_lines, report.written = totals, valid, True
        report.superseded = buffers.superseded

    async def _write_skipping(self, sources: Sequence[LineSource], fmt: InputFormat,
                              size: int, report: IngestReport, sink: RejectSink,
                              progress: IngestProgress | None, guard: SourceGuard) -> None:
        buffers = BatchBuffers(size)
        report.written = True
        for source in sources:
            _phase(progress, f"ingesting {source.name}", source.size)
            for item in parse_source(source, fmt, on_bytes=_advance(progress),
                                        chunk_lines=min(size, CHUNK_LINES)):
                if isinstance(item, Rejection):
                    sink(item)
                    continue
                try:
                    due = buffers.append(item)
                except Invalid as exc:
                    sink(_rejection(item, exc))
                    continue
                report.valid_lines += 1
                for kind in due:
                    await self._commit_batch(kind, buffers.take(kind), report, sink, guard)
        for kind in _flush_all_order(buffers):
            await self._commit_batch(kind, buffers.take(kind), report, sink, guard)
        report.superseded = buffers.superseded

    async def _commit_batch(self, kind: RecordKind, items: list[Parsed], report: IngestReport,
                            sink: RejectSink, guard: SourceGuard) -> None:
        try:
            report.counts[kind].add(await self._in_own_unit(kind, items, guard))
            return
        except BatchConflict:
            pass
        # Isolate the refused records: one unit of work per record of this batch.
        for item in items:
            try:
                report.counts[kind].add(await self._in_own_unit(kind, [item], guard))
            except BatchConflict as exc:
                report.valid_lines -= 1
                for rejection in _conflict_rejections(exc):
                    sink(rejection)

    async def _in_own_unit(self, kind: RecordKind, items: list[Parsed],
                           guard: SourceGuard) -> KindCounts:
        async with self.storage.unit_of_work() as uow:
            counts = await write_batch(uow, kind, items, now=self.clock.now())
            guard.check()
            await uow.commit()
        guard.committed_batches += 1
        return counts


def _parsed(sources: Sequence[LineSource], fmt: InputFormat, progress: IngestProgress | None,
            chunk_lines: int) -> Iterator[Parsed | Rejection]:
    for source in sources:
        _phase(progress, f"ingesting {source.name}", source.size)
        yield from parse_source(source, fmt, on_bytes=_advance(progress), chunk_lines=chunk_lines)


#: At most this many parsed chunks wait for the writer (memory: a few MB per chunk at most).
READ_AHEAD_MAX_CHUNKS = 11


def _read_ahead_chunks(batch_size: int) -> int:
    """Chunks to parse ahead: a whole batch and one more, within READ_AHEAD_MAX_CHUNKS."""
    return min(-(-batch_size // CHUNK_LINES) + 1, READ_AHEAD_MAX_CHUNKS)


def _flush_all_order(buffers: BatchBuffers) -> list[RecordKind]:
    # RecordKind is declared in dependency order: tags, budgets, runs, then costs.
    return buffers.pending()


def _conflict_rejections(exc: BatchConflict) -> list[Rejection]:
    """Name the lines of a refused batch: those whose id the error mentions, else the first."""
    message = str(exc.error)
    named = [item for item in exc.items
             if (key := _item_key(item)) and key in message]
    if named:
        return [Rejection(item.source, item.line, "id", message) for item in named]
    first, last = exc.items[0], exc.items[-1]
    return [Rejection(first.source, first.line, "line",
                      f"storage refused the batch of lines {first.line}-{last.line}: {message}")]


def _rejection(item: Parsed, exc: Invalid) -> Rejection:
    return Rejection(item.source, item.line, exc.field, exc.reason)


def _item_key(item: Parsed) -> str | None:
    for name in ("id", "request_id", "audit_id", "tag"):
        value = getattr(item.record, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def _sink(report: IngestReport, on_reject: RejectSink | None) -> RejectSink:
    def sink(rejection: Rejection) -> None:
        report.reject(rejection)
        if on_reject is not None:
            on_reject(rejection)
    return sink


def _phase(progress: IngestProgress | None, description: str, total: int | None) -> None:
    if progress is not None:
        progress.phase(description, total)


def _advance(progress: IngestProgress | None) -> Callable[[int], None] | None:
    return progress.advance if progress is not None else None


__all__ = ["IngestProgress", "IngestReport", "IngestService", "InputFormat", "SourceChanged"]
