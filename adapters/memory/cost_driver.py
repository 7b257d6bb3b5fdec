"""In-memory CostDriverPort: per-value spend of an entity's records in two windows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from costsight.adapters.memory._tables import Tx
from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.costs import CostRecord
from costsight.core.domain.drivers import FIRST_ATTEMPT, RETRIED, DriverDimension, SpendSplit
from costsight.core.domain.statistics import Dimension, TimeWindow


class MemoryCostDriver:
    """CostDriverPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _labels(self, tenant_id: str) -> dict[DriverDimension, Callable[[CostRecord], str]]:
        runs = self._tx.worker_runs

        def worker(record: CostRecord) -> str:
            run = runs.get(record.worker_run_id) if record.worker_run_id else None
            return (run.worker_id if run is not None and run.tenant_id == tenant_id
                    else Dimension.WORKER.null_label)

        return {
            DriverDimension.MODEL: lambda r: r.model or Dimension.MODEL.null_label,
            DriverDimension.FEATURE: lambda r: r.feature_tag or Dimension.FEATURE.null_label,
            DriverDimension.USER: lambda r: r.user_id or Dimension.USER.null_label,
            DriverDimension.WORKER: worker,
            DriverDimension.RETRY: lambda r: RETRIED if r.is_retry else FIRST_ATTEMPT,
        }

    async def spend_splits(self, tenant_id: str, entities: Sequence[tuple[EntityType, str]], *,
                           current: TimeWindow,
                           baseline: Sequence[TimeWindow]) -> list[SpendSplit]:
        wanted = {(EntityType(t), e) for t, e in entities}
        if not wanted:
            return []
        labels = self._labels(tenant_id)
        sums: dict[tuple[str, str, str, str], list[Decimal]] = {}
        for r in self._tx.cost_records.rows(lambda r: r.tenant_id == tenant_id):
            in_current = current.start <= r.created_at < current.end
            in_baseline = any(w.start <= r.created_at < w.end for w in baseline)
            if not (in_current or in_baseline):
                continue
            scopes = [(EntityType.TENANT, tenant_id), (EntityType.USER, r.user_id),
                      (EntityType.FEATURE, r.feature_tag)]
            for entity_type, entity_id in scopes:
                if entity_id is None or (entity_type, entity_id) not in wanted:
                    continue
                for dimension, label in labels.items():
                    key = (entity_type.value, entity_id, dimension.value, label(r))
                    pair = sums.setdefault(key, [Decimal(0), Decimal(0)])
                    if in_current:
                        pair[0] += r.cost_cents
                    if in_baseline:
                        pair[1] += r.cost_cents
        return [SpendSplit(entity_type=t, entity_id=e,
                           dimension=DriverDimension(d), value=v, current_cents=cur,
                           baseline_cents=base)
                for (t, e, d, v), (cur, base) in sorted(sums.items())]
