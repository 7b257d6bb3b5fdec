"""Findings as JSON-ready dicts and as rich tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from costsight.core.domain.anomalies import Anomaly
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.domain.predictions import Prediction
from costsight.core.plugins.reports import EngineFailure, PluginInfo, PluginLoadError


def anomaly_dict(anomaly: Anomaly) -> dict[str, Any]:
    return anomaly.model_dump(mode="json")


def prediction_dict(prediction: Prediction) -> dict[str, Any]:
    return prediction.model_dump(mode="json")


def pattern_dict(feedback: PatternFeedback) -> dict[str, Any]:
    return feedback.model_dump(mode="json")


def findings_json(anomalies: Sequence[Anomaly], predictions: Sequence[Prediction],
                  patterns: Sequence[PatternFeedback]) -> dict[str, Any]:
    return {"anomalies": [anomaly_dict(a) for a in anomalies],
            "predictions": [prediction_dict(p) for p in predictions],
            "patterns": [pattern_dict(f) for f in patterns]}


def engine_error_dict(failure: EngineFailure) -> dict[str, Any]:
    return {"engine": failure.engine, "tenant_id": failure.tenant_id, "error": failure.error}


def plugin_error_dict(error: PluginLoadError) -> dict[str, Any]:
    return {"plugin": error.plugin, "error": error.error}


def plugins_json(plugins: Sequence[PluginInfo],
                 errors: Sequence[PluginLoadError]) -> dict[str, Any]:
    return {"plugins": [plugin.as_dict() for plugin in plugins],
            "errors": [plugin_error_dict(error) for error in errors]}


def plugin_table(plugins: Sequence[PluginInfo], title: str = "Plugins") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("name", "source", "hooks"):
        table.add_column(column)
    for plugin in plugins:
        source = plugin.origin.source
        if plugin.origin.distribution:
            source += f" ({plugin.origin.distribution} {plugin.origin.version})"
        table.add_row(plugin.name, source, "\n".join(plugin.hooks))
    return table


def _entity(entity_type: str, entity_id: str) -> str:
    return f"{entity_type} {entity_id}" if entity_id else entity_type


def anomaly_table(anomalies: Sequence[Anomaly], title: str = "Anomalies") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("tenant", "type", "severity", "entity", "period", "deviation", "days",
                   "cause"):
        table.add_column(column)
    style = {"HIGH": "bold red", "MEDIUM": "yellow", "LOW": "cyan"}
    for a in anomalies:
        table.add_row(a.tenant_id, a.anomaly_type.value,
                      f"[{style.get(a.severity.value, '')}]{a.severity.value}[/]",
                      _entity(a.entity_type, a.entity_id), a.period or "",
                      f"{a.deviation_pct:+.1f}%", str(a.breach_count), a.derived_cause)
    return table


def prediction_table(predictions: Sequence[Prediction], title: str = "Predictions") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("tenant", "type", "subject", "confidence", "detail"):
        table.add_column(column)
    for p in predictions:
        value = p.prediction_value
        if "failure_rate" in value:
            detail = (f"failure rate {float(value['failure_rate']):.0%} "
                      f"({value.get('recent_failures')}/{value.get('total_runs')} runs)")
        elif value.get("predicted_outcome") == "budget_breach":
            detail = (f"{value.get('period')} projected {value.get('projected_cents')}¢ of "
                      f"{value.get('limit_cents')}¢, breach {value.get('breach_date')}")
        elif "overrun_percent" in value:
            detail = (f"projected {value.get('projected_cost_cents')}¢ vs "
                      f"{value.get('historical_avg_cents')}¢ (+{value['overrun_percent']}%)")
        else:
            detail = ", ".join(f"{k}={v}" for k, v in value.items())
        table.add_row(p.tenant_id, p.prediction_type, f"{p.subject_type} {p.subject_id}",
                      f"{p.confidence_score:.3f}", detail)
    return table


def pattern_table(patterns: Sequence[PatternFeedback], title: str = "Patterns") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("tenant", "type", "severity", "count", "description"):
        table.add_column(column)
    for f in patterns:
        table.add_row(f.tenant_id, f.pattern_type, f.severity.value, str(f.occurrence_count),
                      f.description[:100])
    return table
