"""The memory tables' deletes (raw retention): private to the unit until commit, gone on
rollback, and the (tenant, request_id) claims stay (as in SQL's cost_request_ids)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from costsight.adapters.memory import MemoryStorage
from costsight.adapters.memory._tables import TxTable
from costsight.core.domain.costs import NewCostRecord

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
LATER = T0 + timedelta(days=1)


def cost(request_id: str) -> NewCostRecord:
    return NewCostRecord(tenant_id="t1", model="gpt-4o", cost_cents=Decimal("0.1"),
                         created_at=T0, request_id=request_id)


def test_tx_table_delete_hides_then_removes_at_apply() -> None:
    committed = {"a": 1, "b": 2}
    table: TxTable[str, int] = TxTable("t", committed, None)
    table.delete("a")
    table.delete("missing")
    assert table.get("a") is None and "a" not in table and table.rows() == [2]
    assert committed == {"a": 1, "b": 2}  # nothing published before apply
    table.put("a", 3)  # written again after the delete: the new row wins
    assert table.rows() == [3, 2]
    table.delete("a")
    table.apply()
    assert committed == {"b": 2}
    table.delete("b")
    table.discard()
    assert committed == {"b": 2} and table.rows() == [2]


async def test_a_delete_is_private_until_commit_and_keeps_the_request_id() -> None:
    storage = MemoryStorage()
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs([cost("r1"), cost("r2")])
        await uow.commit()
    async with storage.unit_of_work() as deleter:
        assert await deleter.raw_retention.delete_raw_before("t1", LATER, batch=1) == 1
        async with storage.unit_of_work() as reader:
            assert await reader.raw_retention.count_raw_before("t1", LATER) == 2
        await deleter.commit()
    async with storage.unit_of_work() as uow:
        assert await uow.raw_retention.count_raw_before("t1", LATER) == 1
        replay = await uow.costs.record_costs([cost("r1"), cost("r2")])
        # one of the two was removed, yet both request ids are still claimed: duplicates
        assert (replay.inserted, len(replay.duplicate_request_ids)) == (0, 2)
