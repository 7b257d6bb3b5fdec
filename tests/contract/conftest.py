"""Every SQL statement a contract test issues must be routable to one tenant's shard.

While a contract test body runs (not its fixtures' set-up: migrations, truncation), a
``before_cursor_execute`` listener on every SQLAlchemy engine records the statements; the test
fails when one reads a tenant table without ``tenant_id = <one tenant>`` and is not a named
cross-tenant operator statement (``tests/contract/tenant_routing.py``; ARCHITECTURE.md,
"Scaling out").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.contract.tenant_routing import routing_problem


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    problems: list[str] = []
    seen: set[str] = set()

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if statement in seen:
            return
        seen.add(statement)
        problem = routing_problem(statement, conn.dialect.name)
        if problem is not None:
            problems.append(f"{problem}:\n    {' '.join(statement.split())[:600]}")

    event.listen(Engine, "before_cursor_execute", listen)
    try:
        result = yield
    finally:
        event.remove(Engine, "before_cursor_execute", listen)
    if problems:
        raise AssertionError(
            f"{len(problems)} statement(s) of {item.name} span tenants (on Citus they would "
            "not route to one shard); pin them with tenant_id = :tenant or name them in "
            "tests/contract/tenant_routing.CROSS_TENANT:\n" + "\n".join(problems))
    return result
