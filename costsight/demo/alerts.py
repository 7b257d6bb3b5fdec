"""The demo's alert route: which notifications a Slack route of acme would have received
over the replayed days (computed, nothing stored and nothing sent)."""

from __future__ import annotations

from collections.abc import Sequence

from costsight.core.domain.alerts import (
    AlertSeverity,
    DestinationKind,
    Finding,
    NewAlertRoute,
    NewNotification,
    finding_from_anomaly,
    finding_from_pattern,
    finding_from_prediction,
    finding_key,
)
from costsight.core.services.alert_outbox import plan_notifications
from costsight.demo.replay import DayFindings

DEMO_ROUTE = NewAlertRoute(
    tenant_id="acme", name="oncall-slack", destination=DestinationKind.SLACK,
    url="https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    min_severity=AlertSeverity.HIGH, pattern_types=[])


def day_findings(day: DayFindings) -> list[Finding]:
    return ([finding_from_anomaly(a) for a in day.anomalies]
            + [finding_from_prediction(p) for p in day.predictions]
            + [finding_from_pattern(f) for f in day.patterns])


def route_preview(days: Sequence[DayFindings], route: NewAlertRoute = DEMO_ROUTE
                  ) -> list[NewNotification]:
    """What the outbox would have held for ``route``: one notification per finding and
    severity reached, day by day (the rule ``NotificationPort.enqueue`` keeps)."""
    reached: dict[tuple[str, str, str, str], int] = {}
    out: list[NewNotification] = []
    for day in days:
        for note in plan_notifications([route], day_findings(day), day.as_of):
            key = finding_key(note)
            if reached.get(key, 0) < note.severity_rank:
                reached[key] = note.severity_rank
                out.append(note)
    return out
