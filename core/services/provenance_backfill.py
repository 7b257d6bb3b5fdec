"""V1 baseline backfill: load historical V1 costs as provenance rows, reporting truthfully."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from costsight.core.domain.provenance import BackfillReport, NewProvenance
from costsight.core.ports import Storage

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 100


async def backfill_v1_baseline(storage: Storage, tenant_id: str,
                               records: Iterable[Mapping[str, Any]], *,
                               batch_size: int = DEFAULT_BATCH_SIZE) -> BackfillReport:
    """Write each record as a ``v1`` / ``backfill`` row with ``v1_cost`` = the record's ``cost``.

    A record whose (tenant, v1, input_hash) is already stored - or repeats an earlier record
    of the input - is skipped; a record that does not validate is an error (with its message)
    and processing continues. Each batch is committed in its own unit of work, so ``inserted``
    counts rows that are durably stored. The input hash is computed from ``payload`` when absent.
    """
    inserted = skipped = errors = 0
    messages: list[str] = []
    batch: list[NewProvenance] = []

    async def flush() -> None:
        nonlocal inserted, skipped
        if not batch:
            return
        async with storage.unit_of_work() as uow:
            ids = await uow.provenance.write_missing(batch)
            await uow.commit()
        written = sum(1 for i in ids if i is not None)
        inserted += written
        skipped += len(ids) - written
        batch.clear()

    for position, record in enumerate(records):
        try:
            batch.append(NewProvenance(
                tenant_id=tenant_id, variant_slug="v1", source="backfill",
                run_id=record.get("run_id"), input_hash=record.get("input_hash"),
                payload=record.get("payload"), v1_cost=record.get("cost"),
            ))
        except (PydanticValidationError, TypeError, AttributeError) as exc:
            errors += 1
            messages.append(f"record {position}: {exc}".splitlines()[0])
            log.warning("backfill record %s rejected: %s", position, exc)
            continue
        if len(batch) >= batch_size:
            await flush()
    await flush()
    return BackfillReport(inserted=inserted, skipped=skipped, errors=errors,
                          error_messages=messages)
