"""Tool registration: read-only annotations on every tool, and errors the model can act on.

Domain errors become ``isError`` results whose text names the parameter at fault and what is
allowed (the SDK prefixes "Error executing tool <name>: "). Anything unexpected is left to the
SDK, which answers "Error executing tool <name>" and logs the traceback on the server only.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import ValidationError as PydanticValidationError

from costsight.core.errors import Conflict, NotFound, OutOfScope, ValidationError

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
P = ParamSpec("P")
R = TypeVar("R")


def error_text(exc: Exception) -> str:
    """A one-paragraph explanation of a domain error for the model."""
    if isinstance(exc, ValidationError):
        text = f"invalid parameter '{exc.field}': {exc.reason}"
        return f"{text} (allowed: {exc.allowed})" if exc.allowed else text
    if isinstance(exc, OutOfScope):
        return f"invalid parameter 'tenant_id': {exc}"
    if isinstance(exc, NotFound):
        return f"{exc}; use the matching list tool to find existing ids"
    return str(exc)


def guarded(fn: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Turn domain errors raised by ``fn`` into ToolErrors (isError results)."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except (ValidationError, OutOfScope, NotFound, Conflict) as exc:
            raise ToolError(error_text(exc)) from exc
        except PydanticValidationError as exc:
            raise ToolError(error_text(ValidationError.from_pydantic(exc))) from exc

    return wrapper


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    fn: Callable[..., Awaitable[Any]]

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or "")


class ToolGroup:
    """The tools of one domain module, registered on a server together."""

    def __init__(self) -> None:
        self.specs: list[ToolSpec] = []

    def tool(self, name: str, *, title: str) -> Callable[[F], F]:
        def decorator(fn: F) -> F:
            if not fn.__doc__:
                raise TypeError(f"tool {name} needs a model-facing docstring")
            self.specs.append(ToolSpec(name=name, title=title, fn=fn))
            return fn

        return decorator

    def register(self, server: MCPServer) -> None:
        for spec in self.specs:
            server.add_tool(guarded(spec.fn), name=spec.name, title=spec.title,
                            description=spec.description, annotations=READ_ONLY,
                            structured_output=True)
