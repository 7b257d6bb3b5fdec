"""Time buckets, running sums and input checks shared by the memory read ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from costsight.core.domain.costs import CostRecord, CostSource
from costsight.core.domain.statistics import Resolution, TimeWindow
from costsight.core.errors import ValidationError
from costsight.core.timeutil import require_aware


def bucket_of(instant: datetime, resolution: Resolution) -> datetime:
    """The UTC hour or calendar day that contains ``instant`` (its start)."""
    if resolution is Resolution.HOUR:
        return instant.replace(minute=0, second=0, microsecond=0)
    return instant.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_starts(window: TimeWindow, resolution: Resolution) -> list[datetime]:
    """Every bucket from the one containing window.start to the last starting before end."""
    step = Resolution(resolution).step
    current = bucket_of(window.start, Resolution(resolution))
    starts = []
    while current < window.end:
        starts.append(current)
        current += step
    return starts


def in_window(instant: datetime, window: TimeWindow) -> bool:
    """Half-open [start, end)."""
    return window.start <= instant < window.end


def aware(value: datetime, field: str) -> datetime:
    """An aware datetime in UTC, or a ValidationError naming the field (the SQL column type
    rejects naive datetimes the same way)."""
    if not isinstance(value, datetime):
        raise ValidationError(field, f"expected a datetime, got {type(value).__name__}",
                              allowed="an aware UTC datetime")
    try:
        return require_aware(value)
    except ValueError as exc:
        raise ValidationError(field, str(exc), allowed="an aware UTC datetime") from None


@dataclass
class Sums:
    """Running sums over cost records: what the SQL adapter's SUM/COUNT columns compute."""

    spend_cents: Decimal = Decimal(0)
    requests: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    unpriced_calls: int = 0
    unpriced_tokens: int = 0

    def add(self, record: CostRecord) -> None:
        if record.cost_source is CostSource.UNPRICED:
            self.unpriced_calls += 1
            self.unpriced_tokens += record.input_tokens + record.output_tokens
        self.spend_cents += record.cost_cents
        self.requests += 1
        self.retries += int(record.is_retry)
        self.input_tokens += record.input_tokens
        self.output_tokens += record.output_tokens
