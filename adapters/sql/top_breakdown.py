"""A breakdown's top values and the sums of the rest in one statement, so the answer to "the
top 10 users" does not carry every user out of the database.

The groups are ranked by exact spend: cost is kept as summed high and low 32-bit halves, so
each group's halves are normalised (the carry of the low sum moved into the high one) and
ordered as a pair, then by key in code-point order, as ``cost_breakdown`` orders them. Groups
ranked after ``top_n`` collapse into one row keyed NULL (a label is never NULL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.sql.selectable import FromClause

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.rollup_source import label, money, total
from costsight.adapters.sql.rollup_writes import high_half, low_half
from costsight.core.domain.statistics import Dimension

#: The summed columns of a group, in the order the statement returns them.
SUMMED = ("cost_hi", "cost_lo", "calls", "input_tokens", "output_tokens", "unpriced_calls",
          "unpriced_tokens")


def top_statement(dialect: SqlDialect, s: FromClause, dimension: Dimension,
                  top_n: int) -> Select[Any]:
    """Rows (key or NULL for the rest, rank, groups, *SUMMED) over the spend rows ``s``."""
    key = label(s, dimension)
    sums = [*money(s), *(total(s, name) for name in SUMMED[2:])]
    groups = select(key.label("key"), *(v.label(n) for v, n in zip(sums, SUMMED, strict=True))
                    ).group_by(key).subquery("groups")
    g = groups.c
    # money() reads the sums as BIGINT already: carry the low sum's high half upwards
    high = g.cost_hi + high_half(g.cost_lo)
    rank = func.row_number().over(order_by=(high.desc(), low_half(g.cost_lo).desc(),
                                            dialect.text_key(g.key).asc()))
    ranked = select(g.key, *(g[n] for n in SUMMED), rank.label("rank")).subquery("ranked")
    r = ranked.c
    shown = case((r.rank <= bindparam("top_n", top_n), r.key))
    return (select(shown, func.min(r.rank), func.count(), *(func.sum(r[n]) for n in SUMMED))
            .group_by(shown))
