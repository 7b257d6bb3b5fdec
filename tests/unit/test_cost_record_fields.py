"""Cost records without cost_cents, cache and reasoning tokens: what the ingest line accepts."""

from __future__ import annotations

import pytest

from costsight.core.domain.costs import NewCostRecord
from costsight.core.ingest.records import Invalid, record_from_object

BASE = {"type": "cost_record", "tenant_id": "t1", "model": "gpt-4o",
        "created_at": "2026-01-01T00:00:00+00:00"}


def test_a_record_with_tokens_may_omit_cost() -> None:
    _, record = record_from_object({**BASE, "input_tokens": 100, "output_tokens": 20,
                                    "provider": "openai", "cache_read_tokens": 40,
                                    "cache_write_tokens": 10, "reasoning_tokens": 5})
    assert isinstance(record, NewCostRecord)
    assert record.cost_cents is None
    assert (record.provider, record.cache_read_tokens, record.cache_write_tokens,
            record.reasoning_tokens) == ("openai", 40, 10, 5)


def test_a_record_without_cost_nor_tokens_is_rejected_naming_cost_cents() -> None:
    with pytest.raises(Invalid) as info:
        record_from_object(BASE)
    assert info.value.field == "cost_cents"
    assert "token counts" in info.value.reason


def test_a_reported_cost_still_needs_no_tokens() -> None:
    _, record = record_from_object({**BASE, "cost_cents": "1.5"})
    assert isinstance(record, NewCostRecord) and str(record.cost_cents) == "1.5"


@pytest.mark.parametrize(("fields", "field"), [
    ({"input_tokens": 10, "cache_read_tokens": 11}, "cache_read_tokens"),
    ({"input_tokens": 10, "cache_read_tokens": 6, "cache_write_tokens": 5}, "cache_write_tokens"),
    ({"input_tokens": 10, "output_tokens": 3, "reasoning_tokens": 4}, "reasoning_tokens"),
])
def test_cache_and_reasoning_tokens_are_parts_of_their_totals(fields: dict[str, int],
                                                              field: str) -> None:
    with pytest.raises(Invalid) as info:
        record_from_object({**BASE, **fields})
    assert info.value.field == field
    assert "part of the" in info.value.reason
