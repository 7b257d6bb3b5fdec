"""Builders of alert routes and notifications for the alert contract tests."""

from __future__ import annotations

from typing import Any

from costsight.core.domain.alerts import (
    AlertSeverity,
    Finding,
    FindingKind,
    NewAlertRoute,
    NewNotification,
)
from costsight.testing.contract.builders import T0, TENANT


def route(name: str = "ops", **overrides: Any) -> NewAlertRoute:
    fields: dict[str, Any] = {"tenant_id": TENANT, "name": name,
                              "url": "https://hooks.example.com/costsight"}
    fields.update(overrides)
    return NewAlertRoute.model_validate(fields)


def finding(finding_id: str = "ca_1", *, severity: str = "high", tenant_id: str = TENANT,
            kind: str = "anomaly", finding_type: str = "ABSOLUTE_SPIKE") -> Finding:
    return Finding(tenant_id=tenant_id, kind=FindingKind(kind), finding_id=finding_id,
                   finding_type=finding_type, severity=AlertSeverity(severity),
                   title=f"{finding_type} on tenant", summary="spend is 3x the baseline",
                   detected_at=T0)


def notification(notification_id: str, *, route_name: str = "ops", finding_id: str = "ca_1",
                 severity: str = "high", tenant_id: str = TENANT, created_at: Any = T0,
                 ) -> NewNotification:
    return NewNotification(id=notification_id, tenant_id=tenant_id, route_name=route_name,
                           finding=finding(finding_id, severity=severity, tenant_id=tenant_id),
                           created_at=created_at)
