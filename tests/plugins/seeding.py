"""Seeding through the write ports (the same path on every backend)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from costsight.core.domain.costs import BudgetUpsert, NewCostRecord, NewFeatureTag, WorkerRun
from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager
from costsight.core.services.anomaly_cycle import AnomalyCycle
from costsight.core.services.pattern_cycle import PatternCycle
from costsight.core.services.prediction_cycle import PredictionCycle
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import FixedClock


def cost(tenant: str, at: datetime, cents: str | int | Decimal, *, user: str | None = None,
         feature: str | None = None, retry: bool = False, tokens: int = 100) -> NewCostRecord:
    return NewCostRecord(tenant_id=tenant, model="gpt-4o", input_tokens=tokens,
                         output_tokens=10, cost_cents=Decimal(str(cents)), created_at=at,
                         user_id=user, feature_tag=feature, is_retry=retry)


async def record(storage: object, records: Iterable[NewCostRecord]) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs(list(records))
        await uow.commit()


async def tags(storage: object, tenant: str, names: Sequence[str]) -> None:
    async with storage.unit_of_work() as uow:
        for name in names:
            await uow.costs.create_feature_tag(NewFeatureTag(tenant_id=tenant, tag=name,
                                                             display_name=name))
        await uow.commit()


async def budgets(storage: object, items: Sequence[BudgetUpsert]) -> None:
    async with storage.unit_of_work() as uow:
        for item in items:
            await uow.costs.upsert_budget(item)
        await uow.commit()


async def runs(storage: object, items: Sequence[WorkerRun]) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.upsert_worker_runs(list(items))
        await uow.commit()


def engines(settings: EngineSettings | None = None) -> Engines:
    return Engines(build_plugin_manager(settings or EngineSettings(), load_entrypoints=False))


def cycles(storage: object, as_of: datetime, settings: EngineSettings | None = None,
           eng: Engines | None = None) -> tuple[AnomalyCycle, PredictionCycle, PatternCycle]:
    s = settings or EngineSettings()
    e = eng or engines(s)
    clock = FixedClock(as_of)
    return (AnomalyCycle(storage, clock, s, e), PredictionCycle(storage, clock, s, e),
            PatternCycle(storage, clock, s, e))
