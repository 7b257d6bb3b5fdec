"""``completion/complete``: suggestions for the prompts' arguments and the templates' variables.

Every suggestion comes through the read services and the caller's scope: a tenant id is
suggested only when the caller may read it, and dimension values (models, features, users,
...) only from a tenant inside the scope. A prefix narrows the suggestions; at most 100 are
returned (the protocol's limit), with ``total`` and ``hasMore`` saying how many matched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mcp.server.mcpserver import MCPServer
from mcp.types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

from costsight.core.domain.statistics import Dimension
from costsight.core.errors import CostsightError
from costsight.core.pagination import MAX_LIMIT
from costsight.mcp_server.state import ServerState, caller_scope

MAX_VALUES = 100  # the protocol caps a completion at 100 values

#: prompt or template argument -> the dimension whose values complete it
DIMENSION_ARGUMENTS = {"model": Dimension.MODEL, "feature": Dimension.FEATURE,
                       "user": Dimension.USER, "worker": Dimension.WORKER,
                       "workflow": Dimension.WORKFLOW, "skill": Dimension.SKILL}


@dataclass
class StateCell:
    """The running server's state, set by its lifespan: the SDK's completion hook receives the
    request but not the lifespan context, so the server hands it over through this cell."""

    state: ServerState | None = None


def completion(values: Iterable[str], prefix: str) -> Completion:
    matches = sorted({v for v in values if v.startswith(prefix)})
    return Completion(values=matches[:MAX_VALUES], total=len(matches),
                      has_more=len(matches) > MAX_VALUES)


async def tenant_ids(state: ServerState) -> list[str]:
    """The tenants the caller may read: the scope's own list, or every known tenant."""
    scope = caller_scope(state)
    if scope.tenants is not None:
        return sorted(scope.tenants)
    async with state.app.storage.unit_of_work() as uow:
        return await uow.analytics.known_tenants()


async def dimension_values(state: ServerState, arguments: dict[str, str],
                           dimension: Dimension) -> list[str]:
    """Values of ``dimension`` for the tenant named in the other arguments (or the only one)."""
    try:
        tenant = caller_scope(state).resolve(arguments.get("tenant_id", ""))
    except CostsightError:
        return []  # no tenant chosen yet, or one outside the scope: nothing to suggest
    page = await state.queries.dimension_values(tenant, dimension, None, limit=MAX_LIMIT)
    return page.items


async def complete(state: ServerState, argument: CompletionArgument,
                   context: CompletionContext | None) -> Completion:
    arguments = dict(context.arguments or {}) if context else {}
    name, prefix = argument.name, argument.value
    if name == "tenant_id":
        return completion(await tenant_ids(state), prefix)
    if name == "dimension":
        return completion((str(d) for d in Dimension), prefix)
    if name in DIMENSION_ARGUMENTS:
        return completion(await dimension_values(state, arguments, DIMENSION_ARGUMENTS[name]),
                          prefix)
    if name == "value":
        try:
            dimension = Dimension(arguments.get("dimension", ""))
        except ValueError:
            return completion((), prefix)  # the dimension decides what a value is
        return completion(await dimension_values(state, arguments, dimension), prefix)
    return completion((), prefix)


def register_completions(server: MCPServer[ServerState], cell: StateCell) -> None:
    async def handle(ref: PromptReference | ResourceTemplateReference,
                     argument: CompletionArgument,
                     context: CompletionContext | None) -> Completion | None:
        if cell.state is None:
            return None
        return await complete(cell.state, argument, context)

    server.completion()(handle)  # type: ignore[no-untyped-call]  # the SDK leaves it untyped
