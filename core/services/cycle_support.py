"""What the detection cycles share: the "as of" instant, the tenants to run for, the results."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from costsight.core.errors import ValidationError
from costsight.core.plugins.reports import EngineFailure
from costsight.core.ports import Storage
from costsight.core.timeutil import Clock, UtcDateTime, require_aware


def resolve_as_of(as_of: datetime | None, clock: Clock) -> datetime:
    """``as_of`` as aware UTC, or the clock's now; a naive instant is rejected."""
    if as_of is None:
        return require_aware(clock.now())
    if not isinstance(as_of, datetime):
        raise ValidationError("as_of", f"expected a datetime, got {type(as_of).__name__}")
    try:
        return require_aware(as_of)
    except ValueError as exc:
        raise ValidationError("as_of", str(exc)) from None


async def resolve_tenants(storage: Storage, tenant_id: str | None) -> list[str]:
    """``[tenant_id]``, or every known tenant (operator-wide run) when it is None."""
    if tenant_id is not None:
        if not isinstance(tenant_id, str) or not tenant_id or len(tenant_id) > 64:
            raise ValidationError("tenant_id", f"invalid tenant id {tenant_id!r}",
                                  allowed="a non-empty string of at most 64 characters")
        return [tenant_id]
    async with storage.unit_of_work() as uow:
        return list(await uow.analytics.known_tenants())


class CycleResult(BaseModel):
    """Common part of every cycle result: when, for whom, and engines that failed.

    ``engine_errors``: one entry per engine that failed for a tenant (engine name, tenant id,
    error), in tenant order; that engine's findings for that tenant were dropped, everything
    else was kept and stored.
    """

    model_config = ConfigDict(frozen=True)

    as_of: UtcDateTime
    tenant_ids: list[str]
    engine_errors: list[EngineFailure] = Field(default_factory=list)
    #: notifications written to the outbox with the findings (see ``alert_outbox``)
    notifications: int = 0

    @property
    def errors(self) -> list[str]:
        """``engine_errors`` as one line each."""
        return [failure.describe() for failure in self.engine_errors]
