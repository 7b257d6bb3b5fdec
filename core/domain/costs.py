"""Metering: cost records, worker runs, feature tags and budgets."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from costsight.core.domain.base import Frozen, TenantId
from costsight.core.money import Cents
from costsight.core.timeutil import UtcDateTime

UNCLASSIFIED = "unclassified"

Id64 = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=128)]
TokenCount = Annotated[int, Field(ge=0, le=2**31 - 1)]


class CostSource(StrEnum):
    """How a stored record's cost was obtained."""

    REPORTED = "reported"  # the writer gave cost_cents
    PRICED = "priced"      # priced by costsight from the price book (price_id names the entry)
    UNPRICED = "unpriced"  # no price known: cost 0, flagged (never a silent zero)


#: Token fields whose presence lets a record omit cost_cents (it is priced instead).
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                "reasoning_tokens")


class NewCostRecord(Frozen):
    """One metered LLM call as written by a client (the id is assigned on write).

    ``cost_cents`` None means "price it": the write prices the record from the unit of work's
    price book at ``created_at`` (OpenTelemetry GenAI semantics: ``input_tokens`` include the
    cached tokens, ``output_tokens`` include the reasoning tokens).
    """

    tenant_id: TenantId
    model: Id64
    provider: Id64 | None = None
    input_tokens: TokenCount = 0
    output_tokens: TokenCount = 0
    cache_read_tokens: TokenCount = 0
    cache_write_tokens: TokenCount = 0
    reasoning_tokens: TokenCount = 0
    cost_cents: Annotated[Cents, Field(ge=0)] | None = None
    created_at: UtcDateTime
    user_id: Id64 | None = None
    feature_tag: Tag | None = None
    request_id: Id64 | None = None
    workflow_id: Id64 | None = None
    skill_id: Id64 | None = None
    worker_run_id: Id64 | None = None
    is_retry: bool = False

    @model_validator(mode="after")
    def _tokens_consistent(self) -> NewCostRecord:
        # Messages start with the field name: the ingest reader reports it as the field.
        cached = self.cache_read_tokens + self.cache_write_tokens
        if cached > self.input_tokens:
            field = ("cache_read_tokens" if self.cache_read_tokens > self.input_tokens
                     else "cache_write_tokens" if self.cache_write_tokens else "cache_read_tokens")
            raise ValueError(
                f"{field}: cache_read_tokens + cache_write_tokens ({cached}) must be at most "
                f"input_tokens ({self.input_tokens}): cached tokens are part of the input tokens")
        if self.reasoning_tokens > self.output_tokens:
            raise ValueError(
                f"reasoning_tokens: must be at most output_tokens ({self.output_tokens}): "
                "reasoning tokens are part of the output tokens")
        if self.cost_cents is None and not self.model_fields_set.intersection(TOKEN_FIELDS):
            raise ValueError(
                "cost_cents: required unless the record carries token counts (any of "
                f"{', '.join(TOKEN_FIELDS)}) to price it from the price book")
        return self


class CostRecord(NewCostRecord):
    """A stored cost record (feature_tag already normalised to a known tag or ``unclassified``).

    ``cost_cents`` is always set once stored: as given (``reported``), priced from the entry
    ``price_id`` (``priced``), or 0 with ``cost_source`` ``unpriced``.
    """

    id: str
    cost_cents: Cents
    cost_source: CostSource = CostSource.REPORTED
    price_id: Annotated[str, StringConstraints(max_length=128)] | None = None


class CostChange(Frozen):
    """A repriced record's new cost (repricing never changes a ``reported`` record)."""

    id: str
    cost_cents: Annotated[Cents, Field(ge=0)]
    cost_source: CostSource
    price_id: Annotated[str, StringConstraints(max_length=128)] | None = None

    @model_validator(mode="after")
    def _not_reported(self) -> CostChange:
        if self.cost_source is CostSource.REPORTED:
            raise ValueError("cost_source: a repriced record is priced or unpriced")
        return self


class RecordResult(Frozen):
    """Outcome of recording cost records: ids written, and request ids already stored."""

    inserted_ids: list[str] = Field(default_factory=list)
    duplicate_request_ids: list[str] = Field(default_factory=list)

    @property
    def inserted(self) -> int:
        return len(self.inserted_ids)

    @property
    def duplicates(self) -> int:
        return len(self.duplicate_request_ids)


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CRASHED = "crashed"

    @property
    def is_terminal(self) -> bool:
        return self in (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CRASHED)


class WorkerRun(Frozen):
    """A worker run; upserted by id while it progresses, immutable once terminal."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    tenant_id: TenantId
    worker_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    status: RunStatus
    created_at: UtcDateTime
    user_id: Id64 | None = None
    success: bool | None = None
    error: str | None = None
    total_tokens: TokenCount | None = None
    total_latency_ms: Annotated[int, Field(ge=0)] | None = None
    cost_cents: Annotated[Cents, Field(ge=0)] | None = None
    parent_run_id: Id64 | None = None
    attempt: Annotated[int, Field(ge=1)] = 1
    is_retry: bool = False
    started_at: UtcDateTime | None = None
    completed_at: UtcDateTime | None = None


class UpsertResult(Frozen):
    """Outcome of a worker-run upsert: how many rows were new, changed or identical replays."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


class NewFeatureTag(Frozen):
    tenant_id: TenantId
    tag: Tag
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    description: str | None = None
    budget_cents: Annotated[Cents, Field(ge=0)] | None = None
    is_active: bool = True

    @field_validator("tag")
    @classmethod
    def _tag_has_dot(cls, tag: str) -> str:
        if "." not in tag:
            raise ValueError("tag must look like namespace.action (contain a '.')")
        return tag


class FeatureTagUpdate(Frozen):
    """Partial update: only fields explicitly set are applied; an explicit None clears."""

    display_name: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None
    description: str | None = None
    budget_cents: Annotated[Cents, Field(ge=0)] | None = None
    is_active: bool | None = None

    @model_validator(mode="after")
    def _no_null_required(self) -> FeatureTagUpdate:
        for name in ("display_name", "is_active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


class FeatureTag(NewFeatureTag):
    id: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


class BudgetType(StrEnum):
    TENANT = "tenant"
    FEATURE = "feature"
    USER = "user"


class BudgetPeriod(StrEnum):
    DAILY = "daily"
    MONTHLY = "monthly"


Limit = Annotated[Cents, Field(ge=0)]


class BudgetUpsert(Frozen):
    """Create or update the budget keyed by (tenant, type, entity).

    Fields not set keep their stored value on update (defaults on create); a limit set
    explicitly to None is cleared. ``is_active`` defaults to True, so an upsert reactivates.
    Tenant budgets have ``entity_id`` ``""``.
    """

    tenant_id: TenantId
    budget_type: BudgetType
    entity_id: Annotated[str, StringConstraints(max_length=128)] = ""
    daily_limit_cents: Limit | None = None
    monthly_limit_cents: Limit | None = None
    warn_threshold_pct: Annotated[int, Field(ge=1, le=100)] = 80
    hard_limit_enabled: bool = False
    is_active: bool = True

    @model_validator(mode="after")
    def _entity_matches_type(self) -> BudgetUpsert:
        if self.budget_type is BudgetType.TENANT and self.entity_id:
            raise ValueError("entity_id must be empty for a tenant budget")
        if self.budget_type is not BudgetType.TENANT and not self.entity_id:
            raise ValueError(f"entity_id is required for a {self.budget_type.value} budget")
        return self


class Budget(Frozen):
    id: str
    tenant_id: TenantId
    budget_type: BudgetType
    entity_id: str = ""
    daily_limit_cents: Cents | None = None
    monthly_limit_cents: Cents | None = None
    warn_threshold_pct: int = 80
    hard_limit_enabled: bool = False
    is_active: bool = True
    created_at: UtcDateTime
    updated_at: UtcDateTime
