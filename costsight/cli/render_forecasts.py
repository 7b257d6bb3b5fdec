"""How ``costsight detect`` shows forecasts: JSON summaries and a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from costsight.core.services.forecast_cycle import ForecastSummary


def forecast_dict(summary: ForecastSummary) -> dict[str, Any]:
    """One tenant's snapshot summary with its budget projections, as JSON values."""
    return summary.model_dump(mode="json")


def forecast_table(forecasts: Sequence[ForecastSummary], title: str = "Forecasts") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("tenant", "days", "series", "methods", "tenant forecast", "budgets"):
        table.add_column(column)
    for f in forecasts:
        methods = ", ".join(f"{name} {count}" for name, count in f.methods.items())
        total = "" if f.tenant_forecast_cents is None else f"{f.tenant_forecast_cents:.2f}¢"
        budgets = "; ".join(
            f"{p.budget_type.value} {p.entity_id or '-'} {p.period.value}: "
            f"{p.projected_cents:.2f}¢ of {p.limit_cents:.2f}¢, "
            f"P(exceed) {p.probability_exceed:.0%}"
            + (f", breach {p.breach_date}" if p.breach_date else "")
            for p in f.projections)
        table.add_row(f.tenant_id, f"{f.start_day} +{f.horizon_days}", str(f.series), methods,
                      total, budgets)
    return table
