"""Demo worker runs: steady schedules, a worker that started failing, one whose cost trends up."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from costsight.core.domain.costs import RunStatus, WorkerRun
from costsight.core.timeutil import day_start
from costsight.demo.catalog import MICRO, Tenant, Worker

DEMO_NAMESPACE = uuid.UUID("6f1c7d1e-4b8a-4f7e-9a35-0d3c5e2b7a10")
#: The failing worker fails on its schedule only over this many most recent days.
FAILING_DAYS = 8
FAILURE_ERROR = ("TimeoutError: OCR backend did not respond after 30s "
                 "(request {request}, attempt {attempt})")
RARE_ERRORS = (
    "ValueError: unsupported attachment type 'application/x-msdownload'",
    "HTTPError: 502 Bad Gateway from mail provider",
    "KeyError: 'customer_id' missing in webhook payload",
)


def demo_uuid(name: str) -> str:
    """A stable UUID for a demo entity (so a second load upserts instead of duplicating)."""
    return str(uuid.uuid5(DEMO_NAMESPACE, name))


def worker_runs(rng: random.Random, tenant: Tenant, first_day: date, last_day: date,
                end: datetime) -> Iterator[WorkerRun]:
    for worker in tenant.workers:
        yield from _runs_of(rng, tenant.tenant_id, worker, first_day, last_day, end)


def _fails(worker: Worker, index: int, day: date, last_day: date) -> bool:
    if not worker.fail_every or index % worker.fail_every not in worker.fail_slots:
        return False
    # The schedule-driven failure burst of a failing worker is recent; rare failures are not.
    if len(worker.fail_slots) > 1:
        return (last_day - day).days < FAILING_DAYS
    return True


def _runs_of(rng: random.Random, tenant_id: str, worker: Worker, first_day: date,
             last_day: date, end: datetime) -> Iterator[WorkerRun]:
    spacing = 86_400 / worker.runs_per_day
    day, index = first_day, 0
    while day <= last_day:
        growth = (1 + worker.cost_growth) ** (day - first_day).days
        for slot in range(worker.runs_per_day):
            index += 1
            name = f"{tenant_id}/{worker.worker_id}/{day:%Y%m%d}/{slot}"
            at = day_start(day) + timedelta(seconds=spacing * (slot + 0.5)
                                            + rng.uniform(-600, 600))
            noise = rng.uniform(0.92, 1.08)
            latency_ms = rng.randint(2_000, 45_000)
            failed = _fails(worker, index, day, last_day)
            error = None
            if failed:
                error = (FAILURE_ERROR.format(request=demo_uuid(name + "/req"),
                                              attempt=rng.randint(1, 3))
                         if len(worker.fail_slots) > 1
                         else RARE_ERRORS[index % len(RARE_ERRORS)])
            if at > end:
                continue
            cost = (worker.cost_cents * Decimal(repr(growth * noise))).quantize(MICRO)
            if failed:
                cost = (cost * Decimal("0.3")).quantize(MICRO)
            yield WorkerRun(
                id=demo_uuid(name), tenant_id=tenant_id, worker_id=worker.worker_id,
                status=RunStatus.FAILED if failed else RunStatus.COMPLETED,
                created_at=at, started_at=at,
                completed_at=at + timedelta(milliseconds=latency_ms),
                success=not failed, error=error,
                total_tokens=round(worker.tokens * growth * noise),
                total_latency_ms=latency_ms, cost_cents=cost)
        day += timedelta(days=1)
