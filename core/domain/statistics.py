"""Statistics read models: time windows, buckets and breakdowns."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import model_validator

from costsight.core.domain.base import Frozen
from costsight.core.money import Cents
from costsight.core.timeutil import UtcDateTime

MAX_WINDOW_DAYS = 90


class Resolution(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def step(self) -> timedelta:
        return timedelta(hours=1) if self is Resolution.HOUR else timedelta(days=1)


class Dimension(StrEnum):
    """What spend can be broken down by. Missing values read as ``unknown`` (feature: ``untagged``)."""

    MODEL = "model"
    FEATURE = "feature"
    USER = "user"
    WORKER = "worker"
    WORKFLOW = "workflow"
    SKILL = "skill"
    COST_SOURCE = "cost_source"  # reported / priced / unpriced

    @property
    def null_label(self) -> str:
        return "untagged" if self is Dimension.FEATURE else "unknown"


class TimeWindow(Frozen):
    """Half-open window [start, end) of at most 90 days, aware UTC."""

    start: UtcDateTime
    end: UtcDateTime

    @model_validator(mode="after")
    def _check(self) -> TimeWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > timedelta(days=MAX_WINDOW_DAYS):
            raise ValueError(f"window must be at most {MAX_WINDOW_DAYS} days")
        return self


class UsageBucket(Frozen):
    """Requests (row count) and tokens of one time bucket (zero-filled)."""

    ts: UtcDateTime
    requests: int = 0
    tokens: int = 0


class SpendBucket(Frozen):
    ts: UtcDateTime
    spend_cents: Cents = Decimal(0)
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    #: calls with cost_source unpriced (cost 0, no known price) and their input + output tokens
    unpriced_calls: int = 0
    unpriced_tokens: int = 0


class BreakdownRow(Frozen):
    """Spend of one value of a dimension (``key`` is the label, null shown as unknown/untagged)."""

    key: str
    spend_cents: Cents
    requests: int
    input_tokens: int
    output_tokens: int
    unpriced_calls: int = 0
    unpriced_tokens: int = 0


class TopBreakdown(Frozen):
    """The first ``top_n`` rows of a breakdown (in ``cost_breakdown``'s order) and the sums of
    all the others in ``rest`` (key ``other``), which ``rest_groups`` values make up."""

    rows: list[BreakdownRow]
    rest: BreakdownRow
    rest_groups: int


def top_of(rows: list[BreakdownRow], top_n: int) -> TopBreakdown:
    """``rows`` (already in breakdown order) cut after ``top_n``."""
    top, rest = rows[:top_n], rows[top_n:]
    return TopBreakdown(rows=top, rest_groups=len(rest), rest=BreakdownRow(
        key="other", spend_cents=sum((r.spend_cents for r in rest), Decimal(0)),
        requests=sum(r.requests for r in rest), input_tokens=sum(r.input_tokens for r in rest),
        output_tokens=sum(r.output_tokens for r in rest),
        unpriced_calls=sum(r.unpriced_calls for r in rest),
        unpriced_tokens=sum(r.unpriced_tokens for r in rest)))


class SpendOverview(Frozen):
    """Spend per bucket and by some dimensions over one window: what ``cost_spend`` and
    ``cost_breakdown`` answer, read at once."""

    series: list[SpendBucket]
    breakdowns: dict[Dimension, list[BreakdownRow]]


class CostFilter(Frozen):
    """Which cost records a series or breakdown counts (every field None: all of them).

    A dimension value matches like a breakdown label: the null label (``unknown``,
    ``untagged`` for feature) matches records with no value. ``retry`` selects retried
    (True) or first-attempt (False) LLM calls.
    """

    model: str | None = None
    feature: str | None = None
    user: str | None = None
    worker: str | None = None
    workflow: str | None = None
    skill: str | None = None
    retry: bool | None = None

    def dimensions(self) -> dict[Dimension, str]:
        """The dimension filters that are set."""
        values = {Dimension.MODEL: self.model, Dimension.FEATURE: self.feature,
                  Dimension.USER: self.user, Dimension.WORKER: self.worker,
                  Dimension.WORKFLOW: self.workflow, Dimension.SKILL: self.skill}
        return {d: v for d, v in values.items() if v is not None}

    @property
    def is_empty(self) -> bool:
        return not self.dimensions() and self.retry is None


class TenantActivity(Frozen):
    """The first and last instant a tenant recorded a cost or a worker run."""

    tenant_id: str
    first_seen: UtcDateTime
    last_seen: UtcDateTime
