"""Append-only audit trail of envelope coordination decisions."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from costsight.core.domain.base import Frozen
from costsight.core.timeutil import UtcDateTime


class EnvelopeClass(StrEnum):
    SAFETY = "SAFETY"
    RELIABILITY = "RELIABILITY"
    COST = "COST"
    PERFORMANCE = "PERFORMANCE"


class AuditDecision(StrEnum):
    APPLIED = "APPLIED"
    REJECTED = "REJECTED"
    PREEMPTED = "PREEMPTED"


EnvelopeId = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class AuditRecord(Frozen):
    """One coordination decision. Class and decision are normalised to uppercase and validated."""

    audit_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    envelope_id: EnvelopeId
    envelope_class: EnvelopeClass
    decision: AuditDecision
    reason: Annotated[str, StringConstraints(min_length=1)]
    decision_timestamp: UtcDateTime
    conflicting_envelope_id: EnvelopeId | None = None
    preempting_envelope_id: EnvelopeId | None = None
    active_envelopes_count: int = Field(0, ge=0)
    tenant_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None

    @field_validator("envelope_class", "decision", mode="before")
    @classmethod
    def _uppercase(cls, value: object) -> object:
        return _upper(value)


class StoredAuditRecord(AuditRecord):
    created_at: UtcDateTime


class AuditFilter(Frozen):
    envelope_id: str | None = None
    decision: AuditDecision | None = None
    envelope_class: EnvelopeClass | None = None
    start: UtcDateTime | None = None
    end: UtcDateTime | None = None

    @field_validator("envelope_class", "decision", mode="before")
    @classmethod
    def _uppercase(cls, value: object) -> object:
        return _upper(value)
