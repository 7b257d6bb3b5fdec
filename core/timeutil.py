"""Aware UTC time: the validated datetime type, the Clock port and calendar helpers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Protocol

from pydantic import AfterValidator

from costsight.core.errors import ValidationError

#: Every instant costsight accepts from outside (ingest fields, MCP start/end/as_of, cursors,
#: ``--as-of``) lies in [MIN_INSTANT, MAX_INSTANT], both inclusive, whatever its offset. The
#: margin keeps every window and horizon computed from an accepted instant representable.
MIN_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(2200, 1, 1, tzinfo=UTC)
INSTANT_RANGE = "1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z (UTC, inclusive)"

_ALLOWED = f"ISO 8601 with offset, e.g. 2026-01-31T12:00:00+00:00, from {INSTANT_RANGE}"

#: Fractional seconds beyond microseconds: allowed only as trailing zeros (exact, nothing cut).
_FRACTION = re.compile(r"[.,](\d{7,})")


def require_aware(value: datetime) -> datetime:
    """Reject naive datetimes; convert aware ones to UTC (ValueError, never OverflowError)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("timestamp must carry a UTC offset (e.g. 2026-01-31T12:00:00+00:00)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 has no UTC instant in datetime's range
        raise ValueError(f"{value.isoformat()} is out of range (allowed: {INSTANT_RANGE})") \
            from None


def require_in_range(value: datetime) -> datetime:
    """An aware instant inside [MIN_INSTANT, MAX_INSTANT], as UTC; ValueError otherwise."""
    instant = require_aware(value)
    if not MIN_INSTANT <= instant <= MAX_INSTANT:
        raise ValueError(f"{value.isoformat()} is out of range (allowed: {INSTANT_RANGE})")
    return instant


UtcDateTime = Annotated[datetime, AfterValidator(require_aware)]
"""A timezone-aware datetime, normalised to UTC."""


def parse_instant(text: str, *, field: str = "timestamp") -> datetime:
    """Parse ISO 8601 with an offset (``Z`` accepted) into aware UTC inside the allowed range.

    The one parser of instants that come from outside. Sub-microsecond digits are refused
    unless they are zeros: an instant is stored in microseconds and is never silently cut.
    Every failure is a ValidationError naming ``field`` and what is allowed.
    """
    if not isinstance(text, str):
        raise ValidationError(field, f"expected an ISO 8601 timestamp string, got "
                                     f"{type(text).__name__}", allowed=_ALLOWED)
    if "." in text or "," in text:
        fraction = _FRACTION.search(text)
        if fraction is not None and fraction.group(1)[6:].strip("0"):
            raise ValidationError(field, f"{text[:80]!r} is more precise than a microsecond",
                                  allowed="at most 6 fractional digits (more only if they are 0)")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"not an ISO 8601 timestamp: {text[:80]!r}",
                              allowed=_ALLOWED) from None
    try:
        return require_in_range(value)
    except ValueError as exc:
        raise ValidationError(field, str(exc).split(" (allowed:")[0], allowed=_ALLOWED) from None


def day_start(day: date) -> datetime:
    """00:00 UTC of a calendar day."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def utc_day(instant: datetime) -> date:
    """The UTC calendar day of an instant."""
    return instant.astimezone(UTC).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def days_between(first: date, last: date) -> list[date]:
    """Every day from first to last, both inclusive."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class Clock(Protocol):
    """Where "now" comes from. Nothing in costsight reads the wall clock directly."""

    def now(self) -> datetime:
        """The current instant, aware UTC."""
        ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock frozen at one instant (tests, and runs "as of" an instant); can be moved."""

    def __init__(self, instant: datetime) -> None:
        self._instant = require_aware(instant)

    def now(self) -> datetime:
        return self._instant

    def set(self, instant: datetime) -> None:
        self._instant = require_aware(instant)

    def advance(self, delta: timedelta) -> None:
        self._instant += delta
