"""Exact V1/V2 drift statistics over provenance rows.

Count, sum and sum of squares of cost_delta are exact integers (micro-cents), so avg and the
SAMPLE standard deviation are computed exactly in Python and rounded once to float. Postgres
aggregates in SQL (NUMERIC, no overflow) and classifies verdicts with exact integer bounds;
SQLite, whose integer sums overflow at 2**63, streams (v1, delta) pairs and applies the
domain's own ``drift_verdict``.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from sqlalchemy import Numeric, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.tables import costsim_provenance
from costsight.core.domain.provenance import DriftStats, DriftVerdict, drift_verdict
from costsight.core.money import MICROS_PER_CENT, micros_to_cents

p = costsim_provenance.c

# drift_verdict bands round(0.6 * min(|d| / max(v1, 1 cent), 1), 4) at 0.05 / 0.15 / 0.30;
# rounding to 4 dp moves each band edge up by 0.00005, i.e. |d| / m <= (edge + 0.00005) / 0.6,
# which is 1001/12000, 3001/12000 and 6001/12000 exactly.
_BANDS = ((DriftVerdict.MATCH, 1001), (DriftVerdict.MINOR_DRIFT, 3001),
          (DriftVerdict.MAJOR_DRIFT, 6001))


def _summarise(n: int, total: int, squares: int, low: int, high: int,
               verdicts: dict[str, int]) -> DriftStats:
    if n == 0:
        return DriftStats()
    avg = float(Fraction(total, n * MICROS_PER_CENT))
    stddev = 0.0
    if n > 1:
        variance = Fraction(n * squares - total * total, n * (n - 1) * MICROS_PER_CENT ** 2)
        with localcontext() as ctx:
            ctx.prec = 60
            root = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        stddev = float(root)
    return DriftStats(total=n, avg_delta=avg, min_delta=float(micros_to_cents(low)),
                      max_delta=float(micros_to_cents(high)), stddev_delta=stddev,
                      verdicts={k: v for k, v in verdicts.items() if v})


async def drift_stats(conn: AsyncConnection, dialect: SqlDialect,
                      where: ColumnElement[bool]) -> DriftStats:
    if dialect.exact_big_sums:
        return await _in_sql(conn, where)
    return await _streamed(conn, where)


async def _in_sql(conn: AsyncConnection, where: ColumnElement[bool]) -> DriftStats:
    delta = cast(p.cost_delta_micros, Numeric)
    scale = case((p.v1_cost_micros > MICROS_PER_CENT, cast(p.v1_cost_micros, Numeric)),
                 else_=MICROS_PER_CENT)
    verdict = case(
        (p.v1_cost_micros <= 0, DriftVerdict.MATCH.value),
        *((12000 * func.abs(delta) <= bound * scale, name.value) for name, bound in _BANDS),
        else_=DriftVerdict.MISMATCH.value,
    )
    counts = [func.sum(case((verdict == v.value, 1), else_=0)) for v in DriftVerdict]
    stmt = select(func.count(), func.sum(delta), func.sum(delta * delta),
                  func.min(p.cost_delta_micros), func.max(p.cost_delta_micros),
                  *counts).where(where)
    row: Any = (await conn.execute(stmt)).one()
    n = int(row[0])
    if n == 0:
        return DriftStats()
    verdicts = {v.value: int(c or 0) for v, c in zip(DriftVerdict, row[5:], strict=True)}
    return _summarise(n, int(row[1]), int(row[2]), int(row[3]), int(row[4]), verdicts)


async def _streamed(conn: AsyncConnection, where: ColumnElement[bool]) -> DriftStats:
    stmt = select(p.v1_cost_micros, p.v2_cost_micros).where(where)
    n = total = squares = 0
    low = high = 0
    verdicts = {v.value: 0 for v in DriftVerdict}
    result = await conn.stream(stmt)
    async for v1, v2 in result:
        d = v2 - v1
        if n == 0:
            low = high = d
        else:
            low, high = min(low, d), max(high, d)
        n += 1
        total += d
        squares += d * d
        verdict = drift_verdict(micros_to_cents(v1), micros_to_cents(v2))
        verdicts[verdict.value] += 1
    return _summarise(n, total, squares, low, high, verdicts)
