"""Time-ordered prefixed ids: shape, order across calls and batches, uniqueness."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costsight.core import ids
from costsight.core.ids import COST_RECORD, ID_HEX_LENGTH, is_id, new_id, new_ids, new_uuid

PREFIXES = st.sampled_from([ids.COST_RECORD, ids.FEATURE_TAG, ids.BUDGET, ids.ANOMALY,
                            ids.BREACH, ids.DRIFT, ids.MODEL_PRICE, "nt_"])
# 2100-01-01T00:00:00Z: far from the real clock, so a test sees only the instants it sets.
FIXED_NS = 4_102_444_800_000 * 1_000_000


@pytest.fixture(autouse=True)
def own_counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from a fresh per-process counter and leaves the real one as it was."""
    monkeypatch.setattr(ids, "_last", 0)
    yield


def millis(value: str, prefix: str) -> int:
    return int(value[len(prefix):len(prefix) + 12], 16)


@given(prefix=PREFIXES, n=st.integers(min_value=0, max_value=300))
def test_shape_prefix_and_28_lowercase_hex(prefix: str, n: int) -> None:
    made = new_ids(prefix, n)
    assert len(made) == n
    for value in made:
        assert is_id(value, prefix)
        assert len(value) == len(prefix) + ID_HEX_LENGTH <= 32
        assert value == value.lower()
    assert is_id(new_id(prefix), prefix)


def test_is_id_refuses_other_shapes() -> None:
    good = new_id(COST_RECORD)
    assert not is_id(good, "ft_")
    assert not is_id(good + "0", COST_RECORD)
    assert not is_id(good[:-1], COST_RECORD)
    assert not is_id(good[:-1] + "G", COST_RECORD)
    assert not is_id("cr_" + "0123456789abcdef", COST_RECORD)  # the old 16-char shape


@settings(max_examples=50)
@given(sizes=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=20),
       prefix=PREFIXES)
def test_ids_made_later_sort_after_ids_made_earlier(sizes: list[int], prefix: str) -> None:
    made: list[str] = []
    for n in sizes:
        made += new_ids(prefix, n) if n != 1 else [new_id(prefix)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


@settings(max_examples=30)
@given(steps=st.lists(st.integers(min_value=-5_000, max_value=5_000), min_size=1, max_size=30),
       batch=st.integers(min_value=1, max_value=50))
def test_order_holds_when_the_clock_steps_back_or_stands_still(
        steps: list[int], batch: int) -> None:
    made: list[str] = []
    now = FIXED_NS
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ids, "_last", 0)
        for step_ms in steps:
            now += step_ms * 1_000_000
            patch.setattr(ids, "_clock", lambda t=now: t)
            made += new_ids(COST_RECORD, batch)
    assert made == sorted(made) and len(set(made)) == len(made)


def test_first_id_carries_the_clock_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_clock", lambda: FIXED_NS + 999_999)  # sub-ms part dropped
    first, second = new_ids(ids.BUDGET, 2)
    assert millis(first, ids.BUDGET) == millis(second, ids.BUDGET) == FIXED_NS // 1_000_000


def test_more_than_65536_ids_in_one_millisecond_carry_into_the_next(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_clock", lambda: FIXED_NS)
    made = new_ids(COST_RECORD, 70_000) + [new_id(COST_RECORD)]
    assert made == sorted(made)
    ms = FIXED_NS // 1_000_000
    assert millis(made[65_535], COST_RECORD) == ms
    assert millis(made[65_536], COST_RECORD) == millis(made[-1], COST_RECORD) == ms + 1


def test_a_million_ids_are_distinct() -> None:
    made = new_ids(COST_RECORD, 1_000_000)
    assert len(set(made)) == 1_000_000
    # The random tails alone (what keeps processes apart) look random: 48 bits each, so a
    # million of them repeat one about 0.2 % of the time (n^2 / 2^49: it happened in CI) and
    # four or more with a probability near 1e-12. A tail from too few bits would repeat often.
    assert 1_000_000 - len({value[-12:] for value in made}) <= 3


def _made_in_child(n: int) -> list[str]:
    return new_ids(COST_RECORD, n)


def test_ids_of_processes_started_together_are_distinct() -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        batches = pool.map(_made_in_child, [50_000, 50_000])
    assert all(batch == sorted(batch) for batch in batches)
    assert len(set(batches[0]) | set(batches[1])) == 100_000


def test_negative_count_is_refused_and_uuid_kept() -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        new_ids(COST_RECORD, -1)
    assert new_ids(COST_RECORD, 0) == []
    assert len(new_uuid()) == 36
