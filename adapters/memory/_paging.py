"""Keyset pagination over in-memory rows, with the cursors of ``costsight.core.pagination``.

A cursor carries the sort key of the last row of a page; the next page holds the rows strictly
after that key in the list's order. Datetimes travel as ISO 8601 strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from costsight.core.errors import ValidationError
from costsight.core.pagination import (
    Page,
    cursor_instant,
    decode_cursor,
    encode_cursor,
    require_positive,
)

T = TypeVar("T")

_BAD_CURSOR = ("not a cursor returned by this list", "the next_cursor of a previous page")


def check_limit(limit: int) -> int:
    return require_positive("limit", limit)


def _encode_part(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _decode_part(raw: object, kind: type) -> object:
    if kind is datetime:
        return cursor_instant(raw)
    if kind is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError("expected an integer")
        return raw
    if not isinstance(raw, kind):
        raise ValueError(f"expected {kind.__name__}")
    return raw


def decode_key(cursor: str, kinds: Sequence[type]) -> tuple[Any, ...]:
    """The typed sort key of a cursor; anything else is a ValidationError."""
    raw = decode_cursor(cursor, len(kinds))
    try:
        return tuple(_decode_part(part, kind) for part, kind in zip(raw, kinds, strict=True))
    except (TypeError, ValueError):
        raise ValidationError("cursor", _BAD_CURSOR[0], allowed=_BAD_CURSOR[1]) from None


def keyset_page(rows: Sequence[T], *, key: Callable[[T], tuple[Any, ...]],
                kinds: Sequence[type], limit: int, cursor: str | None,
                descending: bool) -> Page[T]:
    """One page of ``rows`` ordered by ``key`` (every component in the same direction)."""
    check_limit(limit)
    ordered = sorted(rows, key=key, reverse=descending)
    if cursor is not None:
        after = decode_key(cursor, kinds)
        if descending:
            ordered = [row for row in ordered if key(row) < after]
        else:
            ordered = [row for row in ordered if key(row) > after]
    items = ordered[:limit]
    next_cursor = None
    if len(ordered) > limit:
        next_cursor = encode_cursor(*(_encode_part(part) for part in key(items[-1])))
    return Page[T](items=items, next_cursor=next_cursor)
