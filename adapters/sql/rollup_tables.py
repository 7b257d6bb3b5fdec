"""Rollup tables: exact sums of cost records per tenant, time bucket and key, kept at write time.

Seven grains, chosen by what the reads group and filter by (ARCHITECTURE.md, "Rollups"):

- ``cost_rollup_hourly`` and ``cost_rollup_daily``: (tenant, bucket, model, feature_tag, is_retry,
  cost_source): statistics, series, breakdowns and detection of the tenant and its features;
- ``cost_rollup_user_daily``: (tenant, day, user_id): breakdowns, detection and budgets of
  users; retried and unpriced calls are sums here (``SPLIT_SUMS``), not keys, so a user-day is
  one row (the statistics' top-users read is the largest of these reads);
- ``cost_rollup_user_monthly``: the same per calendar month, for the whole months of a window
  (a user-month is one row where a user-day grain holds up to 31);
- ``cost_rollup_workflow_daily`` and ``cost_rollup_skill_daily``: (tenant, day, workflow_id) and
  (tenant, day, skill_id), shaped like the user-day grain: breakdowns and dimension values of
  workflows and skills;
- ``cost_rollup_run_daily``: (tenant, day, worker_run_id), shaped alike: breakdowns and filters
  of workers. A run's worker is looked up in ``worker_runs`` when a read labels the rows (a
  run may be recorded after its calls), so the grain keys the run, not the worker.

A record without a feature tag, user, workflow, skill or run is keyed ``''`` (never a valid tag or user id, both have
``min_length=1``; likewise the other ids) because a NULL in a unique key would never conflict. Cost is kept as the sums
of its high and low 32-bit halves, so no sum can overflow BIGINT on either dialect and reads
recombine it exactly in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, String, Table

from costsight.adapters.sql.metadata import metadata
from costsight.adapters.sql.types import UtcDateTime

#: The summed columns of every rollup row, in this order.
SUMS = ("calls", "cost_hi", "cost_lo", "input_tokens", "output_tokens")
#: What the user grain sums instead of keying by retry and cost source (one row per user-day).
SPLIT_SUMS = ("retry_calls", "unpriced_calls", "unpriced_tokens")


def _rollup(name: str, keys: list[tuple[str, Any]], sums: tuple[str, ...]) -> Table:
    """A rollup table: (tenant, bucket, *keys) as its primary key, then the summed columns."""
    return Table(
        name, metadata,
        Column("tenant_id", String(64), primary_key=True),
        Column("bucket", UtcDateTime, primary_key=True),
        *(Column(key, type_, primary_key=True) for key, type_ in keys),
        *(Column(s, BigInteger, nullable=False) for s in sums),
        # SQLite: one b-tree keyed by the primary key (no rowid table beside a key index), so
        # an upsert reads and writes one page instead of two (migration 0013).
        sqlite_with_rowid=False,
    )


_MODEL_KEYS = [("model", String(64)), ("feature_tag", String(128)), ("is_retry", Boolean),
               ("cost_source", String(16))]


def _model_rollup(name: str) -> Table:
    return _rollup(name, _MODEL_KEYS, SUMS)


def _entity_rollup(name: str, key: str) -> Table:
    """One row per bucket and value of ``key``; retries and unpriced calls summed."""
    return _rollup(name, [(key, String(64))], SUMS + SPLIT_SUMS)


cost_rollup_hourly = _model_rollup("cost_rollup_hourly")
cost_rollup_daily = _model_rollup("cost_rollup_daily")
cost_rollup_user_daily = _entity_rollup("cost_rollup_user_daily", "user_id")
cost_rollup_user_monthly = _entity_rollup("cost_rollup_user_monthly", "user_id")
cost_rollup_workflow_daily = _entity_rollup("cost_rollup_workflow_daily", "workflow_id")
cost_rollup_skill_daily = _entity_rollup("cost_rollup_skill_daily", "skill_id")
cost_rollup_run_daily = _entity_rollup("cost_rollup_run_daily", "worker_run_id")

ROLLUP_TABLES = (cost_rollup_hourly, cost_rollup_daily, cost_rollup_user_daily,
                 cost_rollup_user_monthly, cost_rollup_workflow_daily, cost_rollup_skill_daily,
                 cost_rollup_run_daily)
