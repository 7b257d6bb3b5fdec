"""Tool registration: read-only annotations, bounded compact answers, errors the model can act on.

Every result goes out as its structured content plus one text block holding the same data as
compact JSON (never a pretty-printed copy), and must fit the answer budget (see
``answers``); a result that does not fit is an error naming what to narrow. Domain errors and
argument errors become one-line ``isError`` results naming the argument, what was wrong and
what is allowed (the SDK prefixes "Error executing tool <name>: "). Anything unexpected is
left to the SDK, which answers "Error executing tool <name>" and logs the traceback only on
the server.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from costsight.core.errors import Conflict, NotFound, OutOfScope, ValidationError
from costsight.mcp_server.answers import compact, structured
from costsight.mcp_server.schemas import lean_schema
from costsight.mcp_server.state import server_state

#: destructive and idempotent hints mean something only for tools that write (MCP spec), so a
#: read-only tool list leaves them out.
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
LifespanT = TypeVar("LifespanT")


def error_text(exc: Exception) -> str:
    """A one-line explanation of a domain error for the model."""
    if isinstance(exc, ValidationError):
        text = f"invalid parameter '{exc.field}': {exc.reason}"
        return f"{text} (allowed: {exc.allowed})" if exc.allowed else text
    if isinstance(exc, OutOfScope):
        return f"invalid parameter 'tenant_id': {exc}"
    if isinstance(exc, NotFound):
        return f"{exc}; use the matching list tool to find existing ids"
    return str(exc)


def _allowed(error: Any, prop: dict[str, Any]) -> str:
    """What the argument allows, from its published schema (else the error's own context)."""
    if "enum" in prop:
        return ", ".join(repr(v) for v in prop["enum"])
    if "minimum" in prop or "maximum" in prop:
        return f"{prop.get('minimum', '')}..{prop.get('maximum', '')}"
    ctx = error.get("ctx") or {}
    if "max_length" in ctx:
        return f"at most {ctx['max_length']} characters"
    if "min_length" in ctx:
        return f"at least {ctx['min_length']} characters"
    kind = str(error.get("type", ""))
    if kind == "missing":
        return "a value (this argument is required)"
    if kind == "extra_forbidden":
        return "only the arguments in the tool's input schema"
    names = {"integer": "an integer", "boolean": "true or false", "string": "a string"}
    return names.get(str(prop.get("type")), "see the tool's input schema")


def argument_error_text(exc: PydanticValidationError, schema: dict[str, Any] | None) -> str:
    """The first invalid argument as one line: name, what was wrong, what is allowed."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ())]
    name = ".".join(loc) or "arguments"
    props = (schema or {}).get("properties", {})
    prop = props.get(loc[0], {}) if loc else {}
    reason = str(first.get("msg", "is invalid")).replace("\n", " ")
    more = f" ({len(errors) - 1} more invalid)" if len(errors) > 1 else ""
    return f"invalid parameter '{name}': {reason} (allowed: {_allowed(first, prop)}){more}"


class ToolServer(MCPServer[LifespanT]):
    """An MCPServer whose argument-validation errors are one line without library links, and
    whose tool list publishes lean schemas (``schemas.lean_schema``)."""

    async def list_tools(self) -> list[MCPTool]:
        return [tool.model_copy(update={
                    "input_schema": lean_schema(tool.input_schema, output=False),
                    "output_schema": None if tool.output_schema is None
                    else lean_schema(tool.output_schema, output=True)})
                for tool in await super().list_tools()]

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(exc, UnexpectedToolError) or not isinstance(
                    cause, PydanticValidationError):
                raise
            schema = self._tool_input_schema(name)
            raise ToolError(f"Error executing tool {name}: {argument_error_text(cause, schema)}"
                            ) from cause


def _answer(result: object, budget: int, narrow: str) -> object:
    if not isinstance(result, BaseModel):
        return result
    data = structured(result)
    text = compact(data)
    if len(text) > budget:
        raise ToolError(f"the answer is {len(text)} characters, over the budget of {budget}; "
                        f"narrow it: {narrow}")
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def guarded(fn: F, narrow: str) -> F:
    """Turn domain errors raised by ``fn`` into ToolErrors; send its result compact and bounded."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = await fn(*args, **kwargs)
        except (ValidationError, OutOfScope, NotFound, Conflict) as exc:
            raise ToolError(error_text(exc)) from exc
        except PydanticValidationError as exc:
            raise ToolError(error_text(ValidationError.from_pydantic(exc))) from exc
        ctx = kwargs.get("ctx")
        budget = server_state(ctx).max_result_chars if ctx is not None else None
        return result if budget is None else _answer(result, budget, narrow)

    # functools.wraps keeps fn's signature for the SDK, which reads it to build the input schema;
    # the wrapper may return a CallToolResult instead of fn's model, which F cannot express.
    return wrapper  # type: ignore[return-value]


DEFAULT_NARROW = "use more specific filters"


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    fn: Callable[..., Awaitable[Any]]
    narrow: str = DEFAULT_NARROW

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or "")


class ToolGroup:
    """The tools of one domain module, registered on a server together."""

    def __init__(self) -> None:
        self.specs: list[ToolSpec] = []

    def tool(self, name: str, *, title: str, narrow: str = DEFAULT_NARROW) -> Callable[[F], F]:
        """Register ``fn``; ``narrow`` tells the model what to narrow when the answer is too big."""
        def decorator(fn: F) -> F:
            if not fn.__doc__:
                raise TypeError(f"tool {name} needs a model-facing docstring")
            self.specs.append(ToolSpec(name=name, title=title, fn=fn, narrow=narrow))
            return fn

        return decorator

    def register(self, server: MCPServer[Any]) -> None:
        for spec in self.specs:
            server.add_tool(guarded(spec.fn, spec.narrow), name=spec.name, title=spec.title,
                            description=spec.description, annotations=READ_ONLY,
                            structured_output=True)
