"""Alert routes (where a tenant's findings are sent) and the notifications of the outbox.

A route names a destination (a generic JSON webhook or a Slack incoming webhook), filters
(finding types per kind, a minimum severity), an optional HMAC secret and an enabled flag. A
notification is one finding for one route: a row of the transactional outbox, written in the
unit of work that stored the finding, delivered later by the dispatcher.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, StringConstraints, field_validator

from costsight.core.domain.anomalies import Anomaly
from costsight.core.domain.base import Frozen, TenantId
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.domain.predictions import Prediction
from costsight.core.timeutil import UtcDateTime

#: Route names are identifiers: letters, digits, ``_.-``, 1..64 characters.
RouteName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
TypeName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MAX_URL_LENGTH = 2048


class FindingKind(StrEnum):
    ANOMALY = "anomaly"
    PREDICTION = "prediction"
    PATTERN = "pattern"


class AlertSeverity(StrEnum):
    """One scale over the three kinds of findings (see ``finding_from_*``)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]


class DestinationKind(StrEnum):
    WEBHOOK = "webhook"
    SLACK = "slack"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class UnsafeDestination(ValueError):
    """A destination URL the dispatcher must not call (scheme or address)."""


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified addresses
    (an IPv4-mapped IPv6 address is judged as its IPv4 address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (address.is_private or address.is_loopback or address.is_link_local
                or address.is_multicast or address.is_reserved or address.is_unspecified)


def check_url_text(url: str, *, allow_private: bool) -> str:
    """The textual checks of a destination URL: https (http only with ``allow_private``), a
    host, no credentials, and no private literal address or ``localhost`` name. The resolved
    address is checked again at every delivery (``services.alert_safety``)."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeDestination(f"longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        raise UnsafeDestination(f"not a URL: {exc}") from None
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed_schemes:
        raise UnsafeDestination(f"scheme {parts.scheme or '(none)'!r} is not allowed; "
                                "use https://")
    if not host:
        raise UnsafeDestination("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestination("credentials in the URL are not allowed")
    if allow_private:
        return url
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeDestination(f"host {host!r} is loopback")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not is_public_address(literal):
        raise UnsafeDestination(f"address {host} is private, loopback or link-local")
    return url


class NewAlertRoute(Frozen):
    """A route to store; (tenant_id, name) is its key. ``None`` filters match every type of
    that kind, an empty list matches none."""

    tenant_id: TenantId
    name: RouteName
    destination: DestinationKind = DestinationKind.WEBHOOK
    url: Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH)]
    anomaly_types: list[TypeName] | None = None
    prediction_types: list[TypeName] | None = None
    pattern_types: list[TypeName] | None = None
    min_severity: AlertSeverity = AlertSeverity.LOW
    secret: SecretStr | None = None
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _https_url(cls, value: str) -> str:
        # The development switch lives in the shell's settings; the model only refuses what
        # is never a valid URL. Services call check_url_text with the switch applied.
        try:
            return check_url_text(value, allow_private=True)
        except UnsafeDestination as exc:
            raise ValueError(str(exc)) from None

    @field_validator("secret")
    @classmethod
    def _secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not 16 <= len(value.get_secret_value()) <= 256:
            raise ValueError("a secret must have 16 to 256 characters")
        return value

    def types_for(self, kind: FindingKind) -> list[str] | None:
        return {FindingKind.ANOMALY: self.anomaly_types,
                FindingKind.PREDICTION: self.prediction_types,
                FindingKind.PATTERN: self.pattern_types}[kind]

    def matches(self, finding: Finding) -> bool:
        """Whether this route (if enabled) wants ``finding``."""
        if not self.enabled or finding.tenant_id != self.tenant_id:
            return False
        if finding.severity.rank < self.min_severity.rank:
            return False
        types = self.types_for(finding.kind)
        return types is None or finding.finding_type in types

    def secret_value(self) -> str | None:
        return None if self.secret is None else self.secret.get_secret_value()


class AlertRoute(NewAlertRoute):
    created_at: UtcDateTime
    updated_at: UtcDateTime


class AlertRouteView(Frozen):
    """A route as shown to people and agents: never the secret, only whether one is set."""

    tenant_id: str
    name: str
    destination: DestinationKind
    url: str
    anomaly_types: list[str] | None
    prediction_types: list[str] | None
    pattern_types: list[str] | None
    min_severity: AlertSeverity
    has_secret: bool
    enabled: bool

    @classmethod
    def of(cls, route: NewAlertRoute) -> AlertRouteView:
        data = route.model_dump(exclude={"secret", "created_at", "updated_at"})
        return cls(**data, has_secret=route.secret is not None)


class Finding(Frozen):
    """What a notification is about, flattened over the three kinds of findings."""

    tenant_id: TenantId
    kind: FindingKind
    finding_id: str
    finding_type: str
    severity: AlertSeverity
    title: str
    summary: str
    subject: str = ""
    detected_at: UtcDateTime
    details: dict[str, Any] = Field(default_factory=dict)


def finding_from_anomaly(anomaly: Anomaly) -> Finding:
    subject = anomaly.entity_type + (f" {anomaly.entity_id}" if anomaly.entity_id else "")
    return Finding(
        tenant_id=anomaly.tenant_id, kind=FindingKind.ANOMALY, finding_id=anomaly.id,
        finding_type=anomaly.anomaly_type.value,
        severity=AlertSeverity(anomaly.severity.value.lower()),
        title=f"{anomaly.anomaly_type.value} on {subject}", summary=anomaly.message,
        subject=subject, detected_at=anomaly.detected_at,
        details={"current_value_cents": str(anomaly.current_value_cents),
                 "expected_value_cents": str(anomaly.expected_value_cents),
                 "deviation_pct": anomaly.deviation_pct,
                 "derived_cause": anomaly.derived_cause})


#: Prediction confidence at or above which a prediction is MEDIUM / HIGH.
PREDICTION_MEDIUM, PREDICTION_HIGH = 0.5, 0.8


def finding_from_prediction(prediction: Prediction) -> Finding:
    score = prediction.confidence_score
    severity = (AlertSeverity.HIGH if score >= PREDICTION_HIGH else
                AlertSeverity.MEDIUM if score >= PREDICTION_MEDIUM else AlertSeverity.LOW)
    subject = f"{prediction.subject_type} {prediction.subject_id}"
    return Finding(
        tenant_id=prediction.tenant_id, kind=FindingKind.PREDICTION, finding_id=prediction.id,
        finding_type=prediction.prediction_type, severity=severity,
        title=f"{prediction.prediction_type} predicted for {subject}",
        summary=prediction.notes or f"confidence {score:.2f}", subject=subject,
        detected_at=prediction.created_at, details={"confidence_score": score})


_PATTERN_SEVERITY = {"info": AlertSeverity.LOW, "warning": AlertSeverity.MEDIUM,
                     "critical": AlertSeverity.HIGH}


def finding_from_pattern(feedback: PatternFeedback) -> Finding:
    return Finding(
        tenant_id=feedback.tenant_id, kind=FindingKind.PATTERN, finding_id=feedback.id,
        finding_type=feedback.pattern_type, severity=_PATTERN_SEVERITY[feedback.severity.value],
        title=f"{feedback.pattern_type} ({feedback.occurrence_count}x)",
        summary=feedback.description, subject=feedback.signature[:128],
        detected_at=feedback.detected_at,
        details={"occurrence_count": feedback.occurrence_count})


class NewNotification(Frozen):
    """One finding for one route; ``id`` is the stable delivery id receivers dedupe on."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    tenant_id: TenantId
    route_name: RouteName
    finding: Finding
    created_at: UtcDateTime

    @property
    def severity_rank(self) -> int:
        return self.finding.severity.rank


class Notification(NewNotification):
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: UtcDateTime
    last_error: str | None = None
    sent_at: UtcDateTime | None = None
    claim_token: str | None = None
    claimed_until: UtcDateTime | None = None


class NotificationView(Frozen):
    """A notification as shown by the CLI and MCP (no claim internals)."""

    delivery_id: str
    tenant_id: str
    route_name: str
    kind: FindingKind
    finding_id: str
    finding_type: str
    severity: AlertSeverity
    title: str
    status: DeliveryStatus
    attempts: int
    created_at: UtcDateTime
    next_attempt_at: UtcDateTime | None
    sent_at: UtcDateTime | None
    last_error: str | None

    @classmethod
    def of(cls, n: Notification) -> NotificationView:
        f = n.finding
        return cls(delivery_id=n.id, tenant_id=n.tenant_id, route_name=n.route_name,
                   kind=f.kind, finding_id=f.finding_id, finding_type=f.finding_type,
                   severity=f.severity, title=f.title, status=n.status, attempts=n.attempts,
                   created_at=n.created_at,
                   next_attempt_at=n.next_attempt_at if n.status is DeliveryStatus.PENDING
                   else None, sent_at=n.sent_at, last_error=n.last_error)


_SECRETISH = re.compile(r"(?i)(secret|signature|authorization)[=:]\s*\S+")


def redact(text: str, secret: str | None = None) -> str:
    """An error text safe to store and show: the secret (if any) and key=value secrets cut,
    at most 500 characters."""
    if secret:
        text = text.replace(secret, "***")
    return _SECRETISH.sub(r"\1=***", text)[:500]


def finding_key(n: NewNotification) -> tuple[str, str, str, str]:
    """The outbox's dedupe key: a route hears of a finding once per severity it reaches."""
    return (n.tenant_id, n.route_name, n.finding.kind.value, n.finding.finding_id)


def routes_for(routes: list[AlertRoute], finding: Finding) -> list[AlertRoute]:
    return [r for r in routes if r.matches(finding)]

