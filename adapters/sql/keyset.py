"""Keyset pagination over (timestamp desc, id desc) and over a single ascending text key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.sql.elements import ColumnElement

from costsight.core.errors import ValidationError
from costsight.core.pagination import (
    Page,
    cursor_instant,
    decode_cursor,
    encode_cursor,
    require_positive,
)

T = TypeVar("T")

_BAD = ValidationError("cursor", "not a cursor returned by this list",
                       allowed="the next_cursor of a previous page")


def check_limit(limit: int) -> int:
    return require_positive("limit", limit)


def newest_first_after(cursor: str | None, ts_col: ColumnElement[Any],
                       id_col: ColumnElement[Any], *, int_id: bool = False
                       ) -> ColumnElement[bool] | None:
    """Rows strictly after the cursor in (ts desc, id desc) order; None without a cursor."""
    if cursor is None:
        return None
    raw_ts, raw_id = decode_cursor(cursor, 2)
    ts = cursor_instant(raw_ts)
    key: int | str = str(raw_id)
    if int_id:
        # bool is an int to Python but never an id; a float (even Infinity) is tampering.
        if isinstance(raw_id, bool) or not isinstance(raw_id, int | str):
            raise _BAD
        try:
            key = int(raw_id)
        except ValueError:
            raise _BAD from None
    return or_(ts_col < ts, and_(ts_col == ts, id_col < key))


def newest_first(stmt: Select[Any], cursor: str | None, ts_col: ColumnElement[Any],
                 id_col: ColumnElement[Any], limit: int, *, int_id: bool = False) -> Select[Any]:
    """``stmt`` continued after the cursor, ordered (ts desc, id desc), fetching ``limit + 1``
    rows so that ``page_of`` can tell whether there is another page."""
    after = newest_first_after(cursor, ts_col, id_col, int_id=int_id)
    if after is not None:
        stmt = stmt.where(after)
    return stmt.order_by(ts_col.desc(), id_col.desc()).limit(limit + 1)


def ascending_after(cursor: str | None, key_col: ColumnElement[Any]) -> ColumnElement[bool] | None:
    """Rows strictly after the cursor in ascending ``key_col`` order."""
    if cursor is None:
        return None
    (key,) = decode_cursor(cursor, 1)
    if not isinstance(key, str):
        raise _BAD
    return key_col > key


def page_of(items: Sequence[T], limit: int, sort_key: Callable[[T], tuple[Any, ...]]) -> Page[T]:
    """A page from up to ``limit + 1`` fetched items (the extra one proves there is more)."""
    if len(items) <= limit:
        return Page[T](items=list(items), next_cursor=None)
    kept = list(items[:limit])
    return Page[T](items=kept, next_cursor=encode_cursor(*_jsonable(sort_key(kept[-1]))))


def _jsonable(key: tuple[Any, ...]) -> list[Any]:
    return [k.isoformat() if isinstance(k, datetime) else k for k in key]
