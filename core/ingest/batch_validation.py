"""Validation of many records of one kind at once, with exactly ``build_record``'s answers."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from costsight.core.ingest.records import (
    MODELS,
    Invalid,
    RecordKind,
    finish_record,
    prepare_fields,
    validate_record,
)


def build_records(kind: RecordKind, rows: list[Mapping[str, Any]]) -> list[BaseModel | Invalid]:
    """``build_record`` of every row, in order, each a model or its ``Invalid``.

    The models are validated as one list (pydantic's list validation costs about half of one
    ``model_validate`` per row). When that list has any error, its rows are validated one by
    one again, so each rejection is exactly what ``build_record`` says for that row.
    """
    out: list[BaseModel | Invalid] = []
    prepared: list[dict[str, Any]] = []
    where: list[int] = []
    for fields in rows:
        try:
            prepared.append(prepare_fields(kind, fields))
        except Invalid as exc:
            out.append(exc)
            continue
        where.append(len(out))
        out.append(_PENDING)
    try:
        models: list[BaseModel] | None = _list_adapter(kind).validate_python(prepared)
    except (PydanticValidationError, ArithmeticError):
        models = None
    for j, index in enumerate(where):
        try:
            record = models[j] if models is not None else validate_record(kind, prepared[j])
            out[index] = finish_record(kind, record)
        except Invalid as exc:
            out[index] = exc
    return out


_PENDING = Invalid("line", "not validated")


@cache
def _list_adapter(kind: RecordKind) -> TypeAdapter[list[BaseModel]]:
    # list[model] of a runtime model class: the items are instances of that model.
    item: Any = MODELS[kind]
    adapter: TypeAdapter[list[BaseModel]] = TypeAdapter(list[item])
    return adapter
