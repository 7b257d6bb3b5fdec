"""Plain read models shared by the read services: money as JSON numbers, shares, window echo."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from costsight.core.domain.statistics import MAX_WINDOW_DAYS, TimeWindow
from costsight.core.errors import ValidationError
from costsight.core.money import Cents

#: Cents in a read model: exact Decimal in Python, a plain JSON number (at most 6 decimals).
MoneyCents = Annotated[Cents, WithJsonSchema({"type": "number"})]


def _usd_json(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


#: Dollars (cents / 100), exact in Python, a JSON number.
MoneyUsd = Annotated[
    Decimal,
    PlainSerializer(_usd_json, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]

_TWO_DP = Decimal("0.01")


def cents_to_usd(cents: Decimal) -> Decimal:
    """Dollars from cents, exact."""
    return (cents / 100).normalize() if cents else Decimal(0)


def pct(part: Decimal, whole: Decimal) -> float:
    """part / whole x 100 rounded half-up to 2 dp; 0.0 when whole is 0."""
    if not whole:
        return 0.0
    return float((part * 100 / whole).quantize(_TWO_DP, rounding=ROUND_HALF_UP))


class ReadModel(BaseModel):
    """Base of every read-service result: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class WindowEcho(ReadModel):
    """The window a statistic was computed over: [start, end), ISO 8601 UTC."""

    start: str
    end: str


def iso(instant: datetime) -> str:
    """ISO 8601 text of an aware instant (UTC offset kept as +00:00)."""
    return instant.isoformat()


def time_window(start: datetime, end: datetime) -> TimeWindow:
    """A [start, end) window of at most 90 days; errors name the parameter at fault."""
    if end <= start:
        raise ValidationError("end", f"{iso(end)} is not after start {iso(start)}",
                              allowed="an instant after start (the window is [start, end))")
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        days = (end - start) / timedelta(days=1)
        raise ValidationError("start", f"the window spans {days:g} days",
                              allowed=f"at most {MAX_WINDOW_DAYS} days between start and end")
    return TimeWindow(start=start, end=end)
