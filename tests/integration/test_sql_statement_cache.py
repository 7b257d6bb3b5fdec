"""Rollup reads keep one statement per shape and bind each question's own tenant and window."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from costsight.adapters.sql import analytics
from costsight.adapters.sql.statement_cache import StatementCache
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.statistics import Dimension, Resolution, TimeWindow
from costsight.testing.contract.builders import OTHER_TENANT, T0, TENANT, cost, in_uow, record


def test_a_key_is_built_once_and_the_least_recently_used_leaves_first() -> None:
    cache = StatementCache(size=2)
    built: list[str] = []

    def build(name: str) -> str:
        built.append(name)
        return f"statement {name}"

    assert cache.get("a", lambda: build("a")) == "statement a"
    assert cache.get("a", lambda: build("a")) == "statement a"
    cache.get("b", lambda: build("b"))
    cache.get("a", lambda: build("a"))  # a is now the most recently used
    cache.get("c", lambda: build("c"))  # b leaves
    cache.get("a", lambda: build("a"))
    cache.get("b", lambda: build("b"))
    assert built == ["a", "b", "c", "b"]
    assert len(cache) == 2


@pytest.fixture
async def store(sql_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(sql_url)
    yield storage
    await storage.aclose()


async def test_one_statement_serves_every_tenant_and_window_of_a_shape(
        store: SqlStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = StatementCache()
    monkeypatch.setattr(analytics, "STATEMENTS", kept)
    # Two tenants, and windows shifted by whole days: the same cut (raw edges inside an hour,
    # hours, whole days), so the second question reuses the first one's statement.
    await record(store, *(cost(tenant_id=tenant, user_id=f"u{i}", cost_cents=Decimal(cents),
                               created_at=T0 - timedelta(days=d, minutes=7 * i))
                          for tenant, cents in ((TENANT, 3), (OTHER_TENANT, 5))
                          for d in range(6) for i in range(4)))
    windows = [TimeWindow(start=T0 - timedelta(days=4 + k, minutes=30),
                          end=T0 - timedelta(days=k, minutes=-30)) for k in (0, 1)]

    async def ask(tenant: str, window: TimeWindow) -> tuple[Decimal, list[str]]:
        async def both(uow: object) -> tuple[Decimal, list[str]]:
            series = await uow.analytics.cost_spend(  # type: ignore[attr-defined]
                tenant, window, Resolution.DAY)
            top = await uow.analytics.cost_top(  # type: ignore[attr-defined]
                tenant, window, Dimension.USER, 2)
            return sum((b.spend_cents for b in series), Decimal(0)), [r.key for r in top.rows]
        return await in_uow(store, both, commit=False)

    first = await ask(TENANT, windows[0])
    assert len(kept) == 2  # the series and the top users
    answers = [await ask(t, w) for t in (TENANT, OTHER_TENANT) for w in windows]
    assert len(kept) == 2  # no statement built for the later questions
    # Each answer is its own: 4 days + 1 h of calls (4 users a day, all within the window).
    calls = 4 * 4 + 4
    assert answers[0] == first
    assert answers[0][0] == Decimal(3 * calls)
    assert answers[2][0] == Decimal(5 * calls)
    assert answers[1][0] == answers[0][0] and answers[3][0] == answers[2][0]
    assert all(a[1] == ["u0", "u1"] for a in answers)
