"""Tool parameter types (flat, no unions: empty string / "any" mean "not set") and parsers."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Literal, TypeVar

from pydantic import BeforeValidator, Field

from costsight.core.domain.statistics import CostFilter, TimeWindow
from costsight.core.errors import ValidationError
from costsight.core.pagination import MAX_LIMIT
from costsight.core.services.read_models import time_window
from costsight.core.timeutil import parse_instant

E = TypeVar("E", bound=Enum)

DEFAULT_STATS_DAYS = 7
ANY = "any"


def _upper(value: object) -> object:
    """Uppercase enum values are accepted in any case ("any" stays the no-filter sentinel)."""
    if isinstance(value, str) and value.lower() != ANY:
        return value.upper()
    return value


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


UpperChoice = BeforeValidator(_upper)
LowerChoice = BeforeValidator(_lower)


TenantIdParam = Annotated[str, Field(
    max_length=64,
    description="Empty: the tenant in scope.")]
LimitParam = Annotated[int, Field(
    ge=1, le=MAX_LIMIT,
    description="Page size.")]
CursorParam = Annotated[str, Field(
    max_length=1024,
    description="A next_cursor.")]
StatsStart = Annotated[str, Field(
    max_length=64,
    description=f"Window start (ISO 8601); empty: {DEFAULT_STATS_DAYS} days before end.")]
StatsEnd = Annotated[str, Field(
    max_length=64,
    description="Window end, exclusive; empty: now.")]
FilterStart = Annotated[str, Field(
    max_length=64,
    description="Only items at or after this instant.")]
FilterEnd = Annotated[str, Field(
    max_length=64,
    description="Only items before this instant.")]
ResolutionParam = Annotated[Literal["hour", "day"], BeforeValidator(_lower), Field(
    description="Series bucket size (UTC).")]
DimensionParam = Annotated[
    Literal["model", "feature", "user", "worker", "workflow", "skill"], BeforeValidator(_lower),
    Field(description="Group by (no value: 'unknown'/'untagged').")]


def optional_text(value: str) -> str | None:
    """Empty (or blank) means "not set"."""
    value = value.strip()
    return value or None


def optional_choice(value: str) -> str | None:
    """``any`` means "no filter"."""
    return None if value.lower() == ANY else value


def optional_enum(enum: type[E], value: str) -> E | None:
    """The enum member named by ``value``, or None for "any"."""
    choice = optional_choice(value)
    return None if choice is None else enum(choice)


def optional_instant(value: str, field: str) -> datetime | None:
    value = value.strip()
    return parse_instant(value, field=field) if value else None


def cursor_or_none(cursor: str) -> str | None:
    return cursor.strip() or None


def filter_range(start: str, end: str) -> tuple[datetime | None, datetime | None]:
    """Optional [start, end) bounds of a list filter; end must be after start when both set."""
    first, last = optional_instant(start, "start"), optional_instant(end, "end")
    if first is not None and last is not None and last <= first:
        raise ValidationError("end", f"{last.isoformat()} is not after start {first.isoformat()}",
                              allowed="an instant after start (the window is [start, end))")
    return first, last


def stats_window(start: str, end: str, now: datetime) -> TimeWindow:
    """The [start, end) window of a statistic: end defaults to now, start to 7 days earlier."""
    last = optional_instant(end, "end") or now.replace(microsecond=0)
    first = optional_instant(start, "start") or last - timedelta(days=DEFAULT_STATS_DAYS)
    return time_window(first, last)


def optional_window(start: str, end: str) -> TimeWindow | None:
    """A window only when start or end is given (a missing end is the start + 90 days)."""
    first, last = optional_instant(start, "start"), optional_instant(end, "end")
    if first is None and last is None:
        return None
    if first is None:
        raise ValidationError("start", "is required when end is given",
                              allowed="ISO 8601 with offset, at most 90 days before end")
    return time_window(first, last or first + timedelta(days=90))


def _only(what: str) -> object:
    return Field(max_length=128, description=f"Only {what}.")


ModelFilter = Annotated[str, _only("this model")]
FeatureFilter = Annotated[str, _only("this feature tag ('untagged': none)")]
UserFilter = Annotated[str, _only("this user id")]
WorkerFilter = Annotated[str, _only("this worker id")]
WorkflowFilter = Annotated[str, _only("this workflow id")]
SkillFilter = Annotated[str, _only("this skill id")]


def cost_filter(model: str, feature: str, user: str, worker: str, workflow: str,
                skill: str) -> CostFilter | None:
    """The dimension filters of a statistics tool (None when none is set)."""
    filters = CostFilter(model=optional_text(model), feature=optional_text(feature),
                         user=optional_text(user), worker=optional_text(worker),
                         workflow=optional_text(workflow), skill=optional_text(skill))
    return None if filters.is_empty else filters
