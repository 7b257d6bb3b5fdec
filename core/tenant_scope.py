"""Tenant scope: which tenants a server, a receiver or a bearer token may act for (the MCP
server and the OTLP receiver share it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from costsight.core.errors import OutOfScope, ValidationError

ALL_TENANTS = "*"


def one_tenant(value: str, option: str = "--tenant") -> str:
    """The value of an option that names exactly one tenant id: a comma is refused, not split,
    so ``--tenant "acme,globex"`` can never widen a scope to two tenants."""
    if "," in value:
        raise ValidationError(option, f"{value!r} contains a comma; {option} takes exactly one "
                                      "tenant id",
                              allowed="one tenant id; use --tenants a,b to serve several")
    if not value.strip():
        raise ValidationError(option, "is empty", allowed="one non-empty tenant id")
    return value.strip()


@dataclass(frozen=True)
class TenantScope:
    """A fixed set of tenant ids, or every tenant (``tenants is None``)."""

    tenants: frozenset[str] | None

    @classmethod
    def of(cls, tenants: Iterable[str]) -> TenantScope:
        """A scope of exactly these tenants (at least one, none empty)."""
        ids = frozenset(t.strip() for t in tenants)
        if not ids or "" in ids:
            raise ValidationError("tenants", "a scope needs at least one non-empty tenant id",
                                  allowed="--tenant T, --tenants a,b or --all-tenants")
        return cls(ids)

    @classmethod
    def all(cls) -> TenantScope:
        return cls(None)

    @classmethod
    def parse(cls, value: object) -> TenantScope:
        """From a token-file value: ``"*"`` (every tenant), one tenant id, or a list of ids."""
        if value == ALL_TENANTS or value == [ALL_TENANTS]:
            return cls.all()
        if isinstance(value, str):
            return cls.of([value])
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return cls.of(value)
        raise ValidationError("scope", f"not a tenant scope: {value!r}",
                              allowed='"*", a tenant id, or a list of tenant ids')

    @property
    def is_all(self) -> bool:
        return self.tenants is None

    def describe(self) -> str:
        return "every tenant" if self.tenants is None else ", ".join(sorted(self.tenants))

    def intersect(self, other: TenantScope) -> TenantScope:
        """Tenants allowed by both scopes (may be empty: then nothing is allowed)."""
        if self.tenants is None:
            return other
        if other.tenants is None:
            return self
        return TenantScope(self.tenants & other.tenants)

    def contains(self, tenant_id: str) -> bool:
        return self.tenants is None or tenant_id in self.tenants

    def resolve(self, tenant_id: str) -> str:
        """The tenant a call is about: the given one if inside the scope, else the only one.

        Raises ``OutOfScope`` for a tenant outside the scope and ``ValidationError`` when none
        was given and the scope does not name exactly one tenant.
        """
        tenant_id = tenant_id.strip()
        if tenant_id:
            if not self.contains(tenant_id):
                raise OutOfScope(tenant_id, sorted(self.tenants or ()))
            return tenant_id
        if self.tenants is not None and len(self.tenants) == 1:
            return next(iter(self.tenants))
        if self.tenants is None:
            raise ValidationError("tenant_id", "is required: this server answers for every tenant",
                                  allowed="any tenant id")
        if not self.tenants:
            raise ValidationError("tenant_id", "no tenant is inside this caller's scope",
                                  allowed="none")
        raise ValidationError("tenant_id", "is required: this server answers for several tenants",
                              allowed=self.describe())
