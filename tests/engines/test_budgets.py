"""Budget rules, pure (no storage)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costsight.core.domain.anomalies import AnomalyType, Severity
from costsight.plugins.anomaly.budgets import BudgetDetector
from tests.engines.builders import anomaly_context, budget

DETECT = BudgetDetector().detect


@pytest.mark.parametrize(("spent", "expected"), [
    ("79", None),
    ("79.999999", None),
    ("80", (AnomalyType.BUDGET_WARNING, Severity.MEDIUM, 0.80)),
    ("89.9", (AnomalyType.BUDGET_WARNING, Severity.MEDIUM, 0.80)),
    ("90", (AnomalyType.BUDGET_WARNING, Severity.HIGH, 0.80)),
    ("99.999999", (AnomalyType.BUDGET_WARNING, Severity.HIGH, 0.80)),
    ("100", (AnomalyType.BUDGET_EXCEEDED, Severity.HIGH, 1.0)),
    ("250", (AnomalyType.BUDGET_EXCEEDED, Severity.HIGH, 1.0)),
])
def test_usage_bands(spent: str, expected: tuple | None) -> None:
    found = DETECT(anomaly_context(budgets=[budget(daily="100", spent_today=spent)])).anomalies
    if expected is None:
        assert found == ()
        return
    [anomaly] = found
    assert (anomaly.anomaly_type, anomaly.severity, anomaly.threshold_ratio) == expected
    assert anomaly.usage_pct == pytest.approx(float(spent))
    assert anomaly.deviation_pct == pytest.approx(float(spent) - 100)
    assert anomaly.period == "daily"
    assert anomaly.current_value_cents == Decimal(spent)
    assert anomaly.expected_value_cents == Decimal(100)
    assert anomaly.derived_cause == "UNKNOWN" and anomaly.breach_count == 1


def test_messages_and_metadata() -> None:
    found = DETECT(anomaly_context(budgets=[
        budget("feature", "chat.reply", daily="200", monthly="1000", spent_today="170",
               spent_month="1000")])).anomalies
    daily, monthly = found
    assert daily.message == "Daily budget WARNING for feature 'chat.reply': 85.0%"
    assert daily.metadata == {"period": "daily", "limit_cents": 200,
                              "budget_id": "cb_featurechat.reply", "warn_threshold_pct": 80}
    assert monthly.message == "Monthly budget EXCEEDED for feature 'chat.reply': 100.0%"
    assert monthly.metadata == {"period": "monthly", "limit_cents": 1000,
                                "budget_id": "cb_featurechat.reply"}
    assert (daily.entity_type, daily.entity_id) == ("feature", "chat.reply")


def test_daily_and_monthly_are_separate_findings_with_distinct_keys() -> None:
    found = DETECT(anomaly_context(budgets=[
        budget(daily="100", monthly="1000", spent_today="120", spent_month="1200")])).anomalies
    assert [a.period for a in found] == ["daily", "monthly"]
    assert found[0].dedupe_key != found[1].dedupe_key
    assert found[0].message == "Daily budget EXCEEDED for tenant: 120.0%"


def test_unset_or_zero_limits_are_not_evaluated() -> None:
    found = DETECT(anomaly_context(budgets=[
        budget(daily=None, monthly="0", spent_today="5", spent_month="5")])).anomalies
    assert found == ()


def test_custom_warn_threshold() -> None:
    found = DETECT(anomaly_context(budgets=[
        budget("user", "u1", daily="100", warn=50, spent_today="50")])).anomalies
    assert found[0].threshold_ratio == 0.5 and found[0].severity is Severity.MEDIUM
