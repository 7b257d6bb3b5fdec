"""Root-cause reads: an entity's spend split by dimension, current window against baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.drivers import SpendSplit
from costsight.core.domain.statistics import TimeWindow


class CostDriverPort(Protocol):
    """What the driver analysis reads for anomalies, in ONE statement per call."""

    async def spend_splits(self, tenant_id: str, entities: Sequence[tuple[EntityType, str]], *,
                           current: TimeWindow,
                           baseline: Sequence[TimeWindow]) -> list[SpendSplit]:
        """For each entity asked (``tenant``: every record of the tenant; ``user`` / ``feature``:
        records with that user_id / feature_tag), each ``DriverDimension`` and each value seen:
        the exact spend of records created in ``current`` and in any of the ``baseline``
        windows (half-open; a record inside two baseline windows counts once).

        Values are labelled as breakdowns label them (null model / user / worker ``unknown``,
        null feature ``untagged``; worker through the record's run of the same tenant);
        the retry dimension has ``retry`` and ``first_attempt``. Only values with at least one
        record in a window appear. Ordered by (entity_type, entity_id, dimension, value).
        """
        ...
