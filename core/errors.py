"""Typed domain errors. Every message says what was wrong and what is allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pydantic


class CostsightError(Exception):
    """Base class of every error the core raises on purpose."""


class ValidationError(CostsightError):
    """Bad input: names the field, what was wrong and what is allowed. Nothing was written."""

    def __init__(self, field: str, message: str, *, allowed: str | None = None) -> None:
        self.field = field
        self.reason = message
        self.allowed = allowed
        #: (field, message) of every error, when converted from a pydantic ValidationError
        self.all_errors: list[tuple[str, str]] = []
        text = f"{field}: {message}"
        if allowed:
            text += f" (allowed: {allowed})"
        super().__init__(text)

    @classmethod
    def from_pydantic(cls, exc: pydantic.ValidationError, *, prefix: str = "") -> ValidationError:
        """Turn a pydantic ValidationError into one domain error naming the first bad field."""
        errors = exc.errors()
        first = errors[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "input"
        if prefix:
            field = f"{prefix}.{field}"
        err = cls(field, first.get("msg", "invalid value"))
        err.all_errors = [
            (".".join(str(p) for p in e.get("loc", ())), e.get("msg", "")) for e in errors
        ]
        return err


class NotFound(CostsightError):
    """The entity does not exist for this tenant."""

    def __init__(self, entity: str, entity_id: object, tenant_id: str | None = None) -> None:
        self.entity = entity
        self.entity_id = entity_id
        where = f" for tenant {tenant_id!r}" if tenant_id is not None else ""
        super().__init__(f"{entity} {entity_id!r} not found{where}")


class Conflict(CostsightError):
    """The write conflicts with stored state (duplicate key, terminal run, bad transition)."""


class OutOfScope(CostsightError):
    """The caller asked for a tenant outside its configured scope."""

    def __init__(self, tenant_id: str, allowed: list[str] | None = None) -> None:
        self.tenant_id = tenant_id
        self.allowed = allowed
        msg = f"tenant_id {tenant_id!r} is outside this server's scope"
        if allowed is not None:
            msg += f" (allowed: {', '.join(allowed) or 'none'})"
        super().__init__(msg)


class SchemaOutOfDate(CostsightError):
    """The database schema is older than this code; the message carries the upgrade command."""
