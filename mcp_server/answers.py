"""Bounded answers: every tool result fits a text budget, as compact JSON.

The budget (``COSTSIGHT_MCP_MAX_RESULT_CHARS``, default 20,000 characters) counts the text
block; the structured content carries the same data. Series are coarsened and pages shortened
by the tools themselves (``fit_page`` here, ``fit_series`` in the statistics tools); what still
does not fit becomes an error that names what to narrow.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from costsight.core.errors import ValidationError
from costsight.core.pagination import Page
from costsight.mcp_server.cursors import bind_cursor, open_cursor

BUDGET_ENV = "COSTSIGHT_MCP_MAX_RESULT_CHARS"
DEFAULT_BUDGET = 20_000
MIN_BUDGET = 2_000
#: Room kept for the envelope of a shortened page (its cursor grows by the tool name).
_PAGE_SLACK = 400

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def budget_from_env() -> int:
    """The answer budget in characters; a bad value is refused when the server starts."""
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if not raw:
        return DEFAULT_BUDGET
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < MIN_BUDGET:
        raise ValidationError(BUDGET_ENV, f"{raw!r} is not a usable budget",
                              allowed=f"an integer of at least {MIN_BUDGET} (characters)")
    return value


def structured(model: BaseModel) -> dict[str, Any]:
    """The model as JSON data without null fields (kept where the schema requires them)."""
    lean = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    try:
        type(model).model_validate(lean)
    except Exception:  # a required nullable field: keep the nulls rather than break the schema
        return model.model_dump(mode="json", by_alias=True)
    return lean


def compact(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def size_of(model: BaseModel) -> int:
    return len(compact(structured(model)))


async def fit_page(tool: str, filters: dict[str, object], cursor: str, limit: int, budget: int,
                   fetch: Callable[[int, str | None], Awaitable[Page[T]]],
                   build: Callable[[Sequence[T], str | None], M]) -> M:
    """One page of a list tool, shortened (with a next_cursor) until it fits the budget."""
    inner = open_cursor(tool, filters, cursor)
    page = await fetch(limit, inner)
    result = build(page.items, bind_cursor(tool, filters, page.next_cursor))
    if len(page.items) <= 1 or size_of(result) <= budget:
        return result
    used = size_of(build([], None)) + _PAGE_SLACK
    fits = 0
    for item in page.items:
        used += len(compact(item.model_dump(mode="json") if isinstance(item, BaseModel)
                            else item)) + 1
        if used > budget:
            break
        fits += 1
    page = await fetch(max(fits, 1), inner)
    return build(page.items, bind_cursor(tool, filters, page.next_cursor))


def page_key(tenant_id: str, filters: BaseModel | dict[str, object] | None = None
             ) -> dict[str, object]:
    """What a list's cursor is bound to: the tenant and the filters of the call."""
    data = filters.model_dump(mode="json") if isinstance(filters, BaseModel) else filters
    return {"tenant": tenant_id, "filters": data or {}}
