"""Two windows of one tenant side by side: what changed, by how much, and what drove it.

Each value of a dimension gets its spend, calls and tokens in both windows, the absolute and
relative change, and its share of the total spend change. Values are ranked by the size of
their spend change (the drivers); beyond ``top_n`` they are summed into one ``other`` row.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from costsight.core.domain.statistics import BreakdownRow, CostFilter, Dimension, TimeWindow
from costsight.core.errors import ValidationError
from costsight.core.ports import Storage
from costsight.core.services.read_models import (
    MoneyCents,
    ReadModel,
    WindowEcho,
    iso,
    pct,
)

MAX_COMPARE_TOP_N = 50


class PeriodMetrics(ReadModel):
    spend_cents: MoneyCents
    calls: int
    tokens: int


class Change(ReadModel):
    """current - previous; *_pct is the change relative to previous (absent when it was 0)."""

    spend_cents: MoneyCents
    spend_pct: float | None = None
    calls: int
    calls_pct: float | None = None
    tokens: int
    tokens_pct: float | None = None


class ChangeRow(ReadModel):
    key: str = Field(description="the value; missing values read as unknown (feature: untagged)")
    current: PeriodMetrics
    previous: PeriodMetrics
    change: Change
    share_of_change_pct: float | None = Field(
        None, description="this value's spend change / total spend change x 100")


class OtherChangeRow(ChangeRow):
    groups: int = Field(description="how many values were folded into this row")


class PeriodComparison(ReadModel):
    tenant_id: str
    dimension: Dimension
    current_window: WindowEcho
    previous_window: WindowEcho
    totals: ChangeRow = Field(description="every value together (key: total)")
    drivers: list[ChangeRow] = Field(description="values ranked by |spend change|, largest first")
    other: OtherChangeRow | None = Field(None, description="the values beyond top_n, summed")
    group_count: int = Field(description="distinct values in either window")


def _metrics(row: BreakdownRow | None) -> PeriodMetrics:
    if row is None:
        return PeriodMetrics(spend_cents=Decimal(0), calls=0, tokens=0)
    return PeriodMetrics(spend_cents=row.spend_cents, calls=row.requests,
                         tokens=row.input_tokens + row.output_tokens)


def _sum(metrics: list[PeriodMetrics]) -> PeriodMetrics:
    return PeriodMetrics(spend_cents=sum((m.spend_cents for m in metrics), Decimal(0)),
                         calls=sum(m.calls for m in metrics),
                         tokens=sum(m.tokens for m in metrics))


def _relative(now: Decimal | int, before: Decimal | int) -> float | None:
    return pct(Decimal(now) - Decimal(before), Decimal(before)) if before else None


def _row(key: str, current: PeriodMetrics, previous: PeriodMetrics,
         total_change: Decimal) -> ChangeRow:
    spend = current.spend_cents - previous.spend_cents
    change = Change(spend_cents=spend, spend_pct=_relative(current.spend_cents,
                                                            previous.spend_cents),
                    calls=current.calls - previous.calls,
                    calls_pct=_relative(current.calls, previous.calls),
                    tokens=current.tokens - previous.tokens,
                    tokens_pct=_relative(current.tokens, previous.tokens))
    share = pct(spend, total_change) if total_change else None
    return ChangeRow(key=key, current=current, previous=previous, change=change,
                     share_of_change_pct=share)


class ComparisonService:
    """compare_periods: spend, calls and tokens of two windows by one dimension."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def compare(self, tenant_id: str, current: TimeWindow, previous: TimeWindow,
                      dimension: Dimension, *, top_n: int = 10,
                      filters: CostFilter | None = None) -> PeriodComparison:
        if not 1 <= top_n <= MAX_COMPARE_TOP_N:
            raise ValidationError("top_n", f"{top_n} is out of range",
                                  allowed=f"1..{MAX_COMPARE_TOP_N}")
        async with self.storage.unit_of_work() as uow:
            now_rows = await uow.analytics.cost_breakdown(tenant_id, current, dimension, filters)
            before_rows = await uow.analytics.cost_breakdown(tenant_id, previous, dimension,
                                                             filters)
        now = {r.key: r for r in now_rows}
        before = {r.key: r for r in before_rows}
        keys = sorted(now.keys() | before.keys())
        pairs = {k: (_metrics(now.get(k)), _metrics(before.get(k))) for k in keys}
        total_now = _sum([p[0] for p in pairs.values()])
        total_before = _sum([p[1] for p in pairs.values()])
        total_change = total_now.spend_cents - total_before.spend_cents
        rows = [_row(k, c, p, total_change) for k, (c, p) in pairs.items()]
        rows.sort(key=lambda r: (-abs(r.change.spend_cents), -r.current.spend_cents, r.key))
        top, rest = rows[:top_n], rows[top_n:]
        other = None
        if rest:
            folded = _row("other", _sum([r.current for r in rest]),
                          _sum([r.previous for r in rest]), total_change)
            other = OtherChangeRow(**folded.model_dump(), groups=len(rest))
        return PeriodComparison(
            tenant_id=tenant_id, dimension=dimension,
            current_window=WindowEcho(start=iso(current.start), end=iso(current.end)),
            previous_window=WindowEcho(start=iso(previous.start), end=iso(previous.end)),
            totals=_row("total", total_now, total_before, total_change),
            drivers=top, other=other, group_count=len(keys))
