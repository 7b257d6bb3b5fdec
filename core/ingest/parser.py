"""Turn a line source into validated records or rejections, in file order.

Lines are read, decoded and split into (kind, fields) one at a time, then validated in chunks
of ``CHUNK_LINES`` lines, one pydantic list validation per record kind of the chunk
(``batch_validation.build_records``); each line is decoded and validated exactly once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from costsight.core.ingest.batch_validation import build_records
from costsight.core.ingest.json_lines import fast_object, strict_object
from costsight.core.ingest.lines import MAX_LINE_BYTES, LineSource, RawLine, read_lines
from costsight.core.ingest.records import (
    Invalid,
    RecordKind,
    csv_fields,
    csv_header,
    split_object,
)

UTF8_BOM = b"\xef\xbb\xbf"

#: How much of a rejected line is kept for the rejects file.
RAW_KEEP_CHARS = 2000

#: Lines validated together (memory: a chunk's fields and models, a few MB at most).
CHUNK_LINES = 1000


class InputFormat(StrEnum):
    AUTO = "auto"
    JSONL = "jsonl"
    CSV = "csv"


@dataclass(frozen=True)
class Parsed:
    """A valid line: where it came from, its kind and the validated domain model."""

    source: str
    line: int
    kind: RecordKind
    record: BaseModel


@dataclass(frozen=True)
class Rejection:
    """A rejected line: where, which field, why, and (the start of) the raw text."""

    source: str
    line: int
    field: str
    reason: str
    raw: str = ""

    def describe(self) -> str:
        return f"{self.source}:{self.line}: {self.field}: {self.reason}"


def detect_format(name: str, requested: InputFormat = InputFormat.AUTO) -> InputFormat:
    """``.csv`` files are CSV; everything else is JSON Lines (unless a format is requested)."""
    if requested is not InputFormat.AUTO:
        return requested
    return InputFormat.CSV if name.lower().endswith(".csv") else InputFormat.JSONL


#: The values a rejected line never repeats: an alert route's HMAC secret and its URL (a Slack
#: incoming-webhook URL is itself the credential). A value cut short by the line's end goes too.
_SECRET_VALUES = re.compile(r'("(?:secret|url)"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)')


def _raw_text(raw: RawLine) -> str:
    """The start of a rejected line, secrets redacted, for the rejects file."""
    text = raw.data[:RAW_KEEP_CHARS * 4].decode("utf-8", "backslashreplace")
    return _SECRET_VALUES.sub(r'\1"[redacted]"', text)[:RAW_KEEP_CHARS]


def _decode(raw: RawLine) -> str:
    if raw.oversized:
        raise Invalid("line", f"longer than {MAX_LINE_BYTES} bytes")
    try:
        return raw.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid("line", f"not valid UTF-8 (byte {exc.start + 1} of the line)") from None


def _json_fields(raw: RawLine) -> tuple[RecordKind, dict[str, Any]]:
    """A JSON Lines line -> (kind, fields), decoded once: orjson when provably exact."""
    if not raw.oversized:
        obj = fast_object(raw.data)
        if obj is not None:
            return split_object(obj, checked=True)
    return split_object(strict_object(_decode(raw)))


@dataclass
class _Pending:
    """A decoded line waiting for its chunk's validation."""

    raw: RawLine
    kind: RecordKind
    fields: dict[str, Any]


def _validated(source: str, chunk: list[_Pending | Rejection]) -> Iterator[Parsed | Rejection]:
    """The chunk in order, every pending line validated (one list validation per kind)."""
    by_kind: dict[RecordKind, list[_Pending]] = {}
    for entry in chunk:
        if isinstance(entry, _Pending):
            by_kind.setdefault(entry.kind, []).append(entry)
    results: dict[int, BaseModel | Invalid] = {}
    for kind, entries in by_kind.items():
        built = build_records(kind, [entry.fields for entry in entries])
        results.update(zip((e.raw.number for e in entries), built, strict=True))
    for entry in chunk:
        if isinstance(entry, Rejection):
            yield entry
            continue
        result = results[entry.raw.number]
        if isinstance(result, Invalid):
            yield Rejection(source, entry.raw.number, result.field, result.reason,
                            _raw_text(entry.raw))
        else:
            yield Parsed(source, entry.raw.number, entry.kind, result)


def parse_source(source: LineSource, fmt: InputFormat = InputFormat.AUTO, *,
                 on_bytes: Callable[[int], None] | None = None,
                 chunk_lines: int = CHUNK_LINES) -> Iterator[Parsed | Rejection]:
    """Every non-blank line of ``source`` as Parsed or Rejection, in file order.

    Reading runs at most ``chunk_lines`` lines ahead of what was yielded (ingest passes its
    batch size when smaller, so a change to the file is seen before the next batch commits).

    CSV: the first non-blank line is the header; each later physical line is one row (quoted
    fields may not span lines). A bad header rejects every row.
    """
    fmt = detect_format(source.name, fmt)
    header: tuple[str, ...] | None = None
    header_error: Invalid | None = None
    chunk: list[_Pending | Rejection] = []
    with source.open() as stream:
        for raw in read_lines(stream):
            if on_bytes is not None:
                on_bytes(raw.consumed)
            if raw.number == 1 and raw.data.startswith(UTF8_BOM):
                # Editors on Windows (and Excel's "CSV UTF-8") start files with a BOM; it is
                # invisible, so refusing it would name a header or key that looks correct.
                raw = replace(raw, data=raw.data[len(UTF8_BOM):])
            if not raw.oversized and not raw.data.strip():
                continue
            try:
                if fmt is InputFormat.JSONL:
                    kind, fields = _json_fields(raw)
                    chunk.append(_Pending(raw, kind, fields))
                else:
                    row = _csv_row(_decode(raw))
                    if header is None and header_error is None:
                        try:
                            header = csv_header(row)
                        except Invalid as exc:
                            header_error = exc
                            raise
                        continue
                    if header_error is not None:
                        raise Invalid("header", f"no valid header: {header_error.reason}")
                    assert header is not None
                    chunk.append(_Pending(raw, RecordKind.COST_RECORD, csv_fields(header, row)))
            except Invalid as exc:
                chunk.append(Rejection(source.name, raw.number, exc.field, exc.reason,
                                       _raw_text(raw)))
            if len(chunk) >= chunk_lines:
                yield from _validated(source.name, chunk)
                chunk = []
    yield from _validated(source.name, chunk)


def _csv_row(text: str) -> list[str]:
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as exc:
        raise Invalid("line", f"not a valid CSV row: {exc}") from None
    return rows[0] if rows else []
