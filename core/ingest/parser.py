"""Turn a line source into validated records or rejections, one line at a time."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from costsight.core.ingest.lines import MAX_LINE_BYTES, LineSource, RawLine, read_lines
from costsight.core.ingest.records import (
    Invalid,
    RecordKind,
    csv_header,
    record_from_csv,
    record_from_object,
)

UTF8_BOM = b"\xef\xbb\xbf"

#: How much of a rejected line is kept for the rejects file.
RAW_KEEP_CHARS = 2000


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _raw_text(raw: RawLine) -> str:
    return raw.data[:RAW_KEEP_CHARS * 4].decode("utf-8", "backslashreplace")[:RAW_KEEP_CHARS]


def _decode(raw: RawLine) -> str:
    if raw.oversized:
        raise Invalid("line", f"longer than {MAX_LINE_BYTES} bytes")
    try:
        return raw.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid("line", f"not valid UTF-8 (byte {exc.start + 1} of the line)") from None


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object, refusing a repeated key: parsers disagree on which copy wins (the
    first, the last, both), so a line like ``"tenant_id":"t1","tenant_id":"t2"`` is ambiguous."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def _parse_json_line(text: str) -> tuple[RecordKind, BaseModel]:
    try:
        obj = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant,
                         object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise Invalid(exc.key or "line",
                      f"the key {exc.key!r} appears more than once in one object "
                      "(each key at most once)") from None
    except RecursionError:
        raise Invalid("line", "JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, integers of > 4300 digits
        raise Invalid("line", f"not valid JSON: {exc}") from None
    return record_from_object(obj)


def parse_source(source: LineSource, fmt: InputFormat = InputFormat.AUTO, *,
                 on_bytes: Callable[[int], None] | None = None
                 ) -> Iterator[Parsed | Rejection]:
    """Every non-blank line of ``source`` as Parsed or Rejection, in file order.

    CSV: the first non-blank line is the header; each later physical line is one row (quoted
    fields may not span lines). A bad header rejects every row.
    """
    fmt = detect_format(source.name, fmt)
    header: tuple[str, ...] | None = None
    header_error: Invalid | None = None
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
                text = _decode(raw)
                if fmt is InputFormat.JSONL:
                    kind, record = _parse_json_line(text)
                    yield Parsed(source.name, raw.number, kind, record)
                    continue
                row = _csv_row(text)
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
                yield Parsed(source.name, raw.number, RecordKind.COST_RECORD,
                             record_from_csv(header, row))
            except Invalid as exc:
                yield Rejection(source.name, raw.number, exc.field, exc.reason, _raw_text(raw))


def _csv_row(text: str) -> list[str]:
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as exc:
        raise Invalid("line", f"not a valid CSV row: {exc}") from None
    return rows[0] if rows else []
