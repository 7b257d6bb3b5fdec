"""All-or-nothing holds even if a file changes while it is ingested: a source truncated,
appended to or replaced between the validating read and the commit rolls everything back and
says so (it used to commit the rows it still found, exit 0)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from costsight.cli.ingest_cmd import FileSource
from costsight.core.services.ingest import IngestService, SourceChanged
from costsight.core.timeutil import SystemClock
from tests.ingest.lines import cost, jsonl

LINES = 2_000
KEPT = 600


def _write(path: Path, count: int) -> bytes:
    data = jsonl([cost(n) for n in range(count)])
    path.write_bytes(data)
    return data


class CutDuringWrite:
    """A progress sink that acts on the file once the writing pass has read ``after`` bytes."""

    def __init__(self, action, after: int) -> None:
        self.action = action
        self.after = after
        self.writing = False
        self.read = 0
        self.done = False

    def phase(self, description: str, total_bytes: int | None) -> None:
        self.writing = description.startswith(("writing", "ingesting"))
        self.read = 0

    def advance(self, nbytes: int) -> None:
        self.read += nbytes
        if self.writing and not self.done and self.read >= self.after:
            self.done = True
            self.action()


async def _stored(storage) -> list[str]:
    async with storage.unit_of_work() as uow:
        return list(await uow.analytics.known_tenants())


async def _ingest(storage, path: Path, progress, **options):
    return await IngestService(storage, SystemClock()).ingest(
        [FileSource(path.name, path)], batch_size=100, progress=progress, **options)


async def test_a_file_truncated_while_it_is_written_rolls_everything_back(storage,
                                                                         tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    data = _write(path, LINES)
    cut_at = len(jsonl([cost(n) for n in range(KEPT)]))

    def truncate() -> None:
        with path.open("r+b") as f:
            f.truncate(cut_at)

    with pytest.raises(SourceChanged) as caught:
        await _ingest(storage, path, CutDuringWrite(truncate, after=cut_at // 2))
    message = str(caught.value)
    assert "big.jsonl changed while it was being ingested" in message
    assert f"from {len(data)} to {cut_at} bytes" in message and "nothing was written" in message
    assert await _stored(storage) == []


async def test_a_file_replaced_between_the_two_reads_is_refused(storage, tmp_path: Path) -> None:
    path = tmp_path / "swap.jsonl"
    _write(path, 50)
    other = tmp_path / "other.jsonl"
    other.write_bytes(jsonl([cost(n, tenant="t2") for n in range(50)]))

    def replace() -> None:
        os.replace(other, path)  # same size, another inode (an editor's "safe save")

    # The swap happens as soon as the writing pass starts reading.
    with pytest.raises(SourceChanged, match="replaced by another file"):
        await _ingest(storage, path, CutDuringWrite(replace, after=1))
    assert await _stored(storage) == []


async def test_an_append_during_skip_invalid_stops_before_the_next_commit(storage,
                                                                          tmp_path: Path) -> None:
    path = tmp_path / "grow.jsonl"
    _write(path, 500)

    def append() -> None:
        with path.open("ab") as f:
            f.write(jsonl([cost(9_999)]))

    batch_bytes = len(jsonl([cost(n) for n in range(100)]))
    with pytest.raises(SourceChanged, match=r"the 1 batch\(es\) committed before .* were kept"):
        await _ingest(storage, path, CutDuringWrite(append, after=batch_bytes + 10),
                      skip_invalid=True)
    assert await _stored(storage) == ["t1"]
