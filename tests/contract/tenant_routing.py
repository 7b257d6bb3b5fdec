"""Is a SQL statement routable to one tenant's shard? (ARCHITECTURE.md, "Scaling out").

On Citus every tenant table is distributed by ``tenant_id`` (colocated), so a statement goes to
one shard when every reference to a tenant table is pinned to one tenant:

- read, updated or deleted rows: an equality ``tenant_id = <parameter or literal>`` among the
  AND-ed conditions (WHERE, or the JOIN's ON) of the query that reads the table, or an equality
  with another table's ``tenant_id`` (a colocated join on the distribution column);
- inserted rows: the INSERT names the ``tenant_id`` column (each row goes to its tenant's shard).

The tenant tables are every table of ``costsight.adapters.sql.tables`` with a ``tenant_id``
column, so tables added later are checked without a change here. The few operator statements
that span tenants on purpose are named in ``CROSS_TENANT`` (a name and a pattern of the SQL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from costsight.adapters.sql.tables import metadata

#: Tables with a ``tenant_id`` column that are reference tables on Citus (copied to every
#: node), with why: a statement on them never needs routing.
REFERENCE_TABLES = {
    "model_prices": "the price book: global entries ('' tenant) and tenant overrides are read "
                    "together (tenant_id = :tenant OR tenant_id = ''); small and rarely written",
}

#: Every other table with a ``tenant_id`` column: distributed by it on Citus.
TENANT_TABLES = frozenset(table.name for table in metadata.tables.values()
                          if "tenant_id" in table.c and table.name not in REFERENCE_TABLES)


@dataclass(frozen=True)
class CrossTenant:
    """An operator statement that spans tenants on purpose (why, and what its SQL looks like)."""

    name: str
    why: str
    pattern: str

    def matches(self, sql: str) -> bool:
        return re.search(self.pattern, " ".join(sql.split()), re.IGNORECASE) is not None


CROSS_TENANT = (
    CrossTenant("known_tenants", "the operator's list of tenants (CLI, worker, MCP all-tenant "
                "scope): a fan-out to every shard",
                r"^SELECT (DISTINCT )?\S*tenant_id FROM \w+ UNION SELECT \S*tenant_id FROM "),
    CrossTenant("tenants with records", "costsight rollups rebuild/verify of every tenant: "
                "the tenants whose raw records the rollups are rebuilt from (a fan-out)",
                r"^SELECT DISTINCT cost_records\.tenant_id FROM cost_records$"),
    CrossTenant("tenant_activity", "per-tenant first and last activity (list_tenants): the "
                "tenants of the daily rollup and the worker runs, each probed for its oldest "
                "and newest row (a fan-out to every shard, one probe per tenant and table)",
                r"^SELECT tenants\.tenant_id, \(SELECT min\(cost_records\.created_at\)"),
    CrossTenant("alert dispatcher", "the outbox dispatcher claims due notifications of every "
                "tenant and records each outcome by id and claim token (one dispatcher serves "
                "all tenants)",
                r"^UPDATE notifications SET .* WHERE notifications\.id (IN \(SELECT "
                r"notifications\.id FROM notifications WHERE notifications\.status = \S+ AND "
                r"notifications\.next_attempt_at <= |= \S+ AND notifications\.claim_token = )"),
)

#: Statements that are tenant-correct today but name rows by their primary key alone, so on
#: Citus they would fan out to every shard: the work listed in ARCHITECTURE.md ("Scaling out")
#: before costsight runs distributed. The test fails on any other unpinned statement.
KNOWN_GAPS = (
    CrossTenant("update by primary key", "anomalies, budgets, pattern feedback, predictions "
                "and worker runs are updated by id after a tenant-pinned read: add "
                "tenant_id = :tenant to the WHERE",
                r"^UPDATE (cost_anomalies|cost_budgets|pattern_feedback|prediction_events|"
                r"worker_runs) SET .* WHERE \1\.id = \S+( RETURNING [\w., ]+)?$"),
    CrossTenant("worker runs by id", "worker run ids are global (primary key id): the upsert "
                "reads the stored runs by id; on Citus the key becomes (tenant_id, id) and the "
                "read gains tenant_id IN (...)",
                r"^SELECT [\w., ]+ FROM worker_runs WHERE worker_runs\.id IN \([^()]*\)$"),
)

_PINNING_SIDES = (exp.Placeholder, exp.Parameter, exp.Literal)


def _conjuncts(condition: exp.Expression | None) -> list[exp.Expression]:
    """The AND-ed parts of a condition (an equality under OR pins nothing)."""
    if condition is None:
        return []
    if isinstance(condition, exp.Paren):
        return _conjuncts(condition.this)
    if isinstance(condition, exp.And):
        return _conjuncts(condition.left) + _conjuncts(condition.right)
    return [condition]


def _constant(node: exp.Expression) -> bool:
    """A bound parameter or a literal (asyncpg renders IN lists as ``$1::VARCHAR``)."""
    while isinstance(node, exp.Cast):
        node = node.this
    return isinstance(node, _PINNING_SIDES)


def _is_tenant_column(node: exp.Expression, names: set[str]) -> bool:
    return (isinstance(node, exp.Column) and node.name.lower() == "tenant_id"
            and (node.table in names or not node.table))


def _pinned(table: exp.Table, query: exp.Expression) -> bool:
    names = {table.alias_or_name, table.name}
    conditions = []
    where = query.args.get("where")
    if where is not None:
        conditions += _conjuncts(where.this)
    for join in query.args.get("joins") or []:
        conditions += _conjuncts(join.args.get("on"))
    for condition in conditions:
        if isinstance(condition, exp.In) and _is_tenant_column(condition.this, names) \
                and condition.expressions \
                and all(_constant(e) for e in condition.expressions):
            return True  # tenant_id IN (:a, :b): pruned to the shards of the tenants named
        if not isinstance(condition, exp.EQ):
            continue
        for mine, other in ((condition.left, condition.right),
                            (condition.right, condition.left)):
            if not _is_tenant_column(mine, names):
                continue
            if _constant(other):
                return True  # tenant_id = :tenant
            if isinstance(other, exp.Column) and other.name.lower() == "tenant_id" \
                    and other.table not in names:
                return True  # a colocated join on the distribution column
    return False


def _inserted_columns(table: exp.Table) -> list[str] | None:
    """The column list when ``table`` is an INSERT's target, else None."""
    parent = table.parent
    if isinstance(parent, exp.Schema) and isinstance(parent.parent, exp.Insert):
        return [c.name.lower() for c in parent.expressions]
    if isinstance(parent, exp.Insert) and parent.this is table:
        return []
    return None


def routing_problem(sql: str, dialect: str) -> str | None:
    """None when ``sql`` is routable to one tenant's shard (or an allowed operator statement);
    else which tenant table is not pinned."""
    words = set(re.findall(r"[a-z_]+", sql.lower()))
    if not words & TENANT_TABLES:
        return None
    if any(allowed.matches(sql) for allowed in CROSS_TENANT + KNOWN_GAPS):
        return None
    try:
        trees = sqlglot.parse(sql, read="postgres" if dialect == "postgresql" else "sqlite")
    except (ParseError, TokenError) as exc:
        return f"cannot parse a statement naming a tenant table: {exc}"
    for tree in trees:
        if tree is None:
            continue
        for table in tree.find_all(exp.Table):
            if table.name.lower() not in TENANT_TABLES:
                continue
            columns = _inserted_columns(table)
            if columns is not None:
                if "tenant_id" not in columns:
                    return f"INSERT INTO {table.name} without its tenant_id column"
                continue
            query = table.find_ancestor(exp.Select, exp.Update, exp.Delete)
            if query is None or not _pinned(table, query):
                return f"{table.name} is read without tenant_id = <one tenant>"
    return None
