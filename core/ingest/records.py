"""Record types of the ingest format and their validation into domain models.

Each JSON Lines object names its ``type``; CSV rows are always ``cost_record``. Validation is
the domain models' own (pydantic), plus what a database would otherwise choke on: NUL
characters and unpaired surrogates in text, nesting deeper than ``MAX_DEPTH``, integers too big
for their column, timestamps that are not ISO 8601 strings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from costsight.core.domain.alerts import NewAlertRoute, UnsafeDestination, check_url_text
from costsight.core.domain.audit import AuditRecord
from costsight.core.domain.costs import BudgetUpsert, NewCostRecord, NewFeatureTag, WorkerRun
from costsight.core.domain.prices import NewModelPrice, rates_from_cents
from costsight.core.domain.provenance import NewProvenance
from costsight.core.errors import ValidationError
from costsight.core.money import MAX_CENTS
from costsight.core.timeutil import parse_instant

MAX_DEPTH = 32
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


class RecordKind(StrEnum):
    """The ``type`` of an ingest line, in the order batches are flushed (tags before costs)."""

    FEATURE_TAG = "feature_tag"
    BUDGET = "budget"
    WORKER_RUN = "worker_run"
    MODEL_PRICE = "model_price"
    COST_RECORD = "cost_record"
    PROVENANCE = "provenance"
    AUDIT_RECORD = "audit_record"
    ALERT_ROUTE = "alert_route"


ALLOWED_TYPES = ", ".join(kind.value for kind in RecordKind)

MODELS: dict[RecordKind, type[BaseModel]] = {
    RecordKind.COST_RECORD: NewCostRecord,
    RecordKind.WORKER_RUN: WorkerRun,
    RecordKind.FEATURE_TAG: NewFeatureTag,
    RecordKind.BUDGET: BudgetUpsert,
    RecordKind.PROVENANCE: NewProvenance,
    RecordKind.AUDIT_RECORD: AuditRecord,
    RecordKind.ALERT_ROUTE: NewAlertRoute,
    RecordKind.MODEL_PRICE: NewModelPrice,
}

#: The development switch the shell's settings read too (``Settings.alerts_allow_private``).
ALLOW_PRIVATE_ENV = "COSTSIGHT_ALERTS_ALLOW_PRIVATE"


def private_destinations_allowed() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}

MONEY_FIELDS = frozenset({"cost_cents", "budget_cents", "daily_limit_cents",
                          "monthly_limit_cents", "v1_cost", "v2_cost"})
TIMESTAMP_FIELDS = frozenset({"created_at", "started_at", "completed_at", "decision_timestamp",
                              "effective_from"})

#: Integer columns narrower than what the domain model bounds (the database would overflow).
INT_LIMITS: dict[RecordKind, dict[str, int]] = {
    RecordKind.WORKER_RUN: {"total_latency_ms": INT64_MAX, "attempt": INT32_MAX},
    RecordKind.PROVENANCE: {"runtime_ms": INT64_MAX},
    RecordKind.AUDIT_RECORD: {"active_envelopes_count": INT32_MAX},
}

#: Fields a CSV header may name (the cost_record fields).
CSV_FIELDS = tuple(NewCostRecord.model_fields)
CSV_REQUIRED = tuple(name for name, info in NewCostRecord.model_fields.items()
                     if info.is_required())


@dataclass(frozen=True)
class Invalid(Exception):
    """Why one line was rejected: the field (or ``line``/``type``) and the reason."""

    field: str
    reason: str


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "line"


_FIELD_MESSAGE = re.compile(r"^Value error, ([a-z_]+): (.*)$", re.DOTALL)


def _pydantic_invalid(exc: PydanticValidationError) -> Invalid:
    errors = exc.errors(include_url=False)
    first = errors[0]
    reason = first.get("msg", "invalid value")
    # A whole-record rule names its field first ("cost_cents: required unless ...").
    named = _FIELD_MESSAGE.match(reason) if not first.get("loc") else None
    if named is not None and len(errors) == 1:
        return Invalid(named.group(1), named.group(2))
    if len(errors) > 1:
        more = "; ".join(f"{_loc(e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[1:4])
        extra = f" (also {more}" + ("; ..." if len(errors) > 4 else "") + ")"
        reason += extra
    return Invalid(_loc(first.get("loc", ())), reason)


def check_json_value(value: Any) -> None:
    """Reject text a database cannot store and nesting deeper than ``MAX_DEPTH`` (iteratively)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            top = path.split(".", 1)[0].split("[", 1)[0] or "line"
            raise Invalid(top, f"nested deeper than {MAX_DEPTH} levels (at {path[:80]})")
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, path or "line")
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))


def _check_text(text: str, field: str) -> None:
    if "\x00" in text:
        raise Invalid(field or "line", "text must not contain NUL (\\u0000) characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(field or "line", "text contains an unpaired UTF-16 surrogate") from None


def _floats(value: Any) -> Any:
    """JSON numbers were parsed as Decimal (exact cents); free-form payloads keep plain floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) \
            else float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value


def build_record(kind: RecordKind, fields: Mapping[str, Any]) -> BaseModel:
    """Validate one record's fields into its domain model; ``Invalid`` names field and reason."""
    return finish_record(kind, validate_record(kind, prepare_fields(kind, fields)))


def prepare_fields(kind: RecordKind, fields: Mapping[str, Any]) -> dict[str, Any]:
    """What the model does not check itself: instants through the one parser, money
    magnitudes, provenance payload numbers; ``Invalid`` on the first problem."""
    data = dict(fields)
    for name in TIMESTAMP_FIELDS.intersection(data):
        if data[name] is not None:
            data[name] = _instant(name, data[name])
    if kind is RecordKind.PROVENANCE and data.get("payload") is not None:
        if not isinstance(data["payload"], dict):
            raise Invalid("payload", "expected a JSON object")
        data["payload"] = _floats(data["payload"])
    for name in MONEY_FIELDS.intersection(data):
        _check_magnitude(name, data[name])
    if kind is RecordKind.MODEL_PRICE:
        try:  # cents per unit group as written -> exact integer micro-cents
            data["rates"] = rates_from_cents(data.get("rates"))
        except ValueError as exc:
            field, _, reason = str(exc).partition(": ")
            raise Invalid(field, reason) from None
    return data


def validate_record(kind: RecordKind, data: dict[str, Any]) -> BaseModel:
    """The domain model of prepared fields; ``Invalid`` from pydantic's first errors."""
    try:
        return MODELS[kind].model_validate(data)
    except PydanticValidationError as exc:
        raise _pydantic_invalid(exc) from None
    except ArithmeticError:  # decimal signals on absurd magnitudes: never a crash
        raise Invalid("line", "a number is out of range") from None


def finish_record(kind: RecordKind, record: BaseModel) -> BaseModel:
    """Checks across a validated record's fields (and column limits); the record."""
    if kind is RecordKind.PROVENANCE:
        for name in ("v1_cost", "v2_cost"):
            value = getattr(record, name)
            if value is not None and value < 0:
                raise Invalid(name, "a cost must be >= 0 cents")
    if isinstance(record, NewAlertRoute):
        # The text of the URL here; the dispatcher checks the resolved address at every try.
        try:
            check_url_text(record.url, allow_private=private_destinations_allowed())
        except UnsafeDestination as exc:
            raise Invalid("url", f"{exc} (allowed: https:// URLs of public hosts)") from None
    for name, limit in INT_LIMITS.get(kind, {}).items():
        value = getattr(record, name)
        if value is not None and value > limit:
            raise Invalid(name, f"must be at most {limit}")
    return record


def _instant(name: str, value: Any) -> datetime:
    """The one parser of instants (bounded, never silently cut), its error as a rejection."""
    if not isinstance(value, str):
        raise Invalid(name, "expected an ISO 8601 timestamp string with a UTC offset, "
                            "e.g. 2026-01-31T12:00:00+00:00")
    try:
        return parse_instant(value, field=name)
    except ValidationError as exc:
        raise Invalid(name, f"{exc.reason} (allowed: {exc.allowed})") from None


def _check_magnitude(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return
    try:
        amount = Decimal(value)
    except ArithmeticError:
        return  # not a number at all: the model's own validation names it
    if amount.is_finite() and abs(amount) > MAX_CENTS:
        raise Invalid(name, f"must be within +/-{MAX_CENTS:.0f} cents")


def record_from_object(obj: Any) -> tuple[RecordKind, BaseModel]:
    """A decoded JSON Lines object -> (kind, validated model)."""
    kind, fields = split_object(obj)
    return kind, build_record(kind, fields)


def split_object(obj: Any, *, checked: bool = False) -> tuple[RecordKind, dict[str, Any]]:
    """A decoded JSON Lines object -> (kind, fields without ``type``), not yet validated.

    ``checked``: the caller knows ``check_json_value`` has nothing to find (a flat object
    decoded from bytes without ``\\u`` escapes: no NUL, no surrogate, no nesting).
    """
    if not isinstance(obj, dict):
        raise Invalid("line", f"expected a JSON object with a \"type\", got {type(obj).__name__}")
    if not checked:
        check_json_value(obj)
    raw_type = obj.get("type")
    if raw_type is None:
        raise Invalid("type", f"missing (allowed: {ALLOWED_TYPES})")
    try:
        kind = RecordKind(raw_type)
    except ValueError:
        raise Invalid("type", f"unknown record type {raw_type!r} (allowed: {ALLOWED_TYPES})") \
            from None
    fields = dict(obj)
    del fields["type"]
    return kind, fields


def csv_header(columns: list[str]) -> tuple[str, ...]:
    """Validate a CSV header of cost_record field names."""
    names = tuple(c.strip() for c in columns)
    unknown = [n for n in names if n not in CSV_FIELDS]
    if unknown:
        raise Invalid("header", f"unknown column(s) {', '.join(unknown)} "
                                f"(allowed: {', '.join(CSV_FIELDS)})")
    missing = [n for n in CSV_REQUIRED if n not in names]
    if missing:
        raise Invalid("header", f"missing required column(s) {', '.join(missing)}")
    if len(set(names)) != len(names):
        raise Invalid("header", "a column is named twice")
    return names


def record_from_csv(header: tuple[str, ...], values: list[str]) -> BaseModel:
    """One CSV row (strings; empty means absent) -> a validated NewCostRecord."""
    return build_record(RecordKind.COST_RECORD, csv_fields(header, values))


def csv_fields(header: tuple[str, ...], values: list[str]) -> dict[str, Any]:
    """One CSV row (strings; empty means absent) -> checked cost_record fields, not validated."""
    if len(values) != len(header):
        raise Invalid("line", f"expected {len(header)} columns, got {len(values)}")
    fields = {name: value for name, value in zip(header, values, strict=True) if value != ""}
    check_json_value(fields)
    return fields

