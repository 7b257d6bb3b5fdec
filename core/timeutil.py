"""Aware UTC time: the validated datetime type, the Clock port and calendar helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Protocol

from pydantic import AfterValidator


def require_aware(value: datetime) -> datetime:
    """Reject naive datetimes; convert aware ones to UTC."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("timestamp must carry a UTC offset (e.g. 2026-01-31T12:00:00+00:00)")
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(require_aware)]
"""A timezone-aware datetime, normalised to UTC."""


def parse_instant(text: str, *, field: str = "timestamp") -> datetime:
    """Parse ISO 8601 with an offset (``Z`` accepted) into aware UTC."""
    from costsight.core.errors import ValidationError

    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except (TypeError, ValueError):
        raise ValidationError(field, f"not an ISO 8601 timestamp: {text!r}",
                              allowed="ISO 8601 with offset, e.g. 2026-01-31T12:00:00+00:00") from None
    try:
        return require_aware(value)
    except ValueError as exc:
        raise ValidationError(field, str(exc)) from None


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
