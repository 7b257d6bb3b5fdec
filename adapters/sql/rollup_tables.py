"""Rollup tables: exact sums of cost records per tenant, time bucket and key, kept at write time.

Three grains, chosen by what the reads group and filter by (ARCHITECTURE.md, "Rollups"):

- ``cost_rollup_hourly`` and ``cost_rollup_daily``: (tenant, bucket, model, feature_tag, is_retry,
  cost_source): statistics, series, breakdowns and detection of the tenant and its features;
- ``cost_rollup_user_daily``: (tenant, day, user_id, is_retry, cost_source): breakdowns,
  detection and budgets of users.

A record without a feature tag or user is keyed ``''`` (never a valid tag or user id, both have
``min_length=1``) because a NULL in a unique key would never conflict. Cost is kept as the sums
of its high and low 32-bit halves, so no sum can overflow BIGINT on either dialect and reads
recombine it exactly in Python.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, String, Table

from costsight.adapters.sql.metadata import metadata
from costsight.adapters.sql.types import UtcDateTime

#: The summed columns of every rollup row, in this order.
SUMS = ("calls", "cost_hi", "cost_lo", "input_tokens", "output_tokens")


def _sums() -> list[Column[int]]:
    return [Column(name, BigInteger, nullable=False) for name in SUMS]


def _rollup(name: str, *keys: Column[str]) -> Table:
    return Table(
        name, metadata,
        Column("tenant_id", String(64), primary_key=True),
        Column("bucket", UtcDateTime, primary_key=True),
        *keys,
        Column("is_retry", Boolean, primary_key=True),
        Column("cost_source", String(16), primary_key=True),
        *_sums(),
    )


cost_rollup_hourly = _rollup("cost_rollup_hourly",
                             Column("model", String(64), primary_key=True),
                             Column("feature_tag", String(128), primary_key=True))
cost_rollup_daily = _rollup("cost_rollup_daily",
                            Column("model", String(64), primary_key=True),
                            Column("feature_tag", String(128), primary_key=True))
cost_rollup_user_daily = _rollup("cost_rollup_user_daily",
                                 Column("user_id", String(64), primary_key=True))

ROLLUP_TABLES = (cost_rollup_hourly, cost_rollup_daily, cost_rollup_user_daily)
