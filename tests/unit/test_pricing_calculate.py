"""The cost of one call: each token priced once, one exact sum, one half-even rounding."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from costsight.core.domain.costs import NewCostRecord
from costsight.core.domain.prices import Rate, Tier
from costsight.core.pricing.calculate import cost_micros

T = datetime(2026, 1, 1, tzinfo=UTC)


def call(**tokens: int) -> NewCostRecord:
    return NewCostRecord(tenant_id="t", model="m", created_at=T, **tokens)


def test_half_a_micro_cent_rounds_to_even() -> None:
    rates = {"input_mtok": Rate(base=1)}
    assert cost_micros(rates, call(input_tokens=500_000)) == 0   # 0.5 -> 0
    assert cost_micros(rates, call(input_tokens=1_500_000)) == 2  # 1.5 -> 2
    assert cost_micros(rates, call(input_tokens=1_500_001)) == 2


def test_a_kind_without_a_rate_leaves_its_tokens_with_the_parent() -> None:
    rates = {"input_mtok": Rate(base=1_000_000), "output_mtok": Rate(base=2_000_000)}
    # no cache or reasoning rates: cached input at the input rate, reasoning at output's
    assert cost_micros(rates, call(input_tokens=10, cache_read_tokens=4, output_tokens=3,
                                   reasoning_tokens=2)) == 10 + 6


def test_requests_are_charged_once_per_call_and_tiers_by_total_input() -> None:
    rates = {"requests_kcount": Rate(base=3_000),
             "input_mtok": Rate(base=1_000_000, tiers=(Tier(start=100, rate=2_000_000),))}
    assert cost_micros(rates, call(input_tokens=100)) == 3 + 100
    assert cost_micros(rates, call(input_tokens=101)) == 3 + 202


@given(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1), st.integers(0, 10**15),
       st.integers(0, 10**15), st.integers(0, 10**15))
def test_the_integer_sum_equals_the_exact_fraction(inputs: int, outputs: int, r_in: int,
                                                   r_cache: int, r_out: int) -> None:
    cached = inputs // 3
    rates = {"input_mtok": Rate(base=r_in), "cache_read_mtok": Rate(base=r_cache),
             "output_mtok": Rate(base=r_out)}
    exact = Fraction((inputs - cached) * r_in + cached * r_cache + outputs * r_out, 10**6)
    assert cost_micros(rates, call(input_tokens=inputs, cache_read_tokens=cached,
                                   output_tokens=outputs)) == round(exact)
