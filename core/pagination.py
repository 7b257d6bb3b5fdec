"""Keyset pagination: a page of items and an opaque cursor to the next page."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from costsight.core.errors import ValidationError
from costsight.core.timeutil import INSTANT_RANGE, parse_instant

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """Items in the list's order, and the cursor of the next page (None on the last page)."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    next_cursor: str | None = None


class PageRequest(BaseModel):
    """How much to read and where to continue."""

    model_config = ConfigDict(frozen=True)

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = None


def require_positive(name: str, value: object) -> int:
    """Limits and per-worker counts are positive integers (booleans are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(name, f"must be a positive integer, got {value!r}",
                              allowed="1 or more")
    return value


def encode_cursor(*key: object) -> str:
    """Opaque cursor for the sort key of the last item returned."""
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_NOT_A_CURSOR = ("not a cursor returned by this list", "the next_cursor of a previous page")


def cursor_instant(raw: object) -> datetime:
    """The timestamp part of a cursor: an ISO 8601 string inside the accepted range of instants
    (``costsight.core.timeutil.MIN_INSTANT`` .. ``MAX_INSTANT``); anything else is a tampered
    cursor (ValidationError naming ``cursor``), never an OverflowError."""
    if not isinstance(raw, str):
        raise ValidationError("cursor", _NOT_A_CURSOR[0], allowed=_NOT_A_CURSOR[1])
    try:
        return parse_instant(raw, field="cursor")
    except ValidationError as exc:
        raise ValidationError("cursor", f"{_NOT_A_CURSOR[0]}: {exc.reason}",
                              allowed=f"{_NOT_A_CURSOR[1]} (its instant within "
                                      f"{INSTANT_RANGE})") from None


def decode_cursor(cursor: str, arity: int) -> list[object]:
    """The sort key carried by a cursor; a tampered cursor is a ValidationError."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise ValidationError("cursor", "not a cursor returned by this list",
                              allowed="the next_cursor of a previous page") from None
    if not isinstance(key, list) or len(key) != arity:
        raise ValidationError("cursor", "not a cursor returned by this list",
                              allowed="the next_cursor of a previous page")
    return key
