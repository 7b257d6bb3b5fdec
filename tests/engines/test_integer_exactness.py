"""The apportionment and the within-weekday variance compute in integers (one common
denominator) what they computed with one Fraction per value: the same exact answers."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from costsight.core.engines.drivers import apportion
from costsight.core.engines.exact import common_scale
from costsight.core.engines.noise import weekday_variance

FIRST = date(2026, 3, 1)


def amounts(rng: random.Random, n: int) -> list[Decimal]:
    """Cents with 0 to 6 decimals, zeros and a few huge ones."""
    out = []
    for _ in range(n):
        places = rng.randint(0, 6)
        value = Decimal(rng.choice([0, rng.randint(1, 10**4), rng.randint(1, 10**18)]))
        out.append(value.scaleb(-places))
    return out


def fraction_apportion(target: int, weights: list[Decimal]) -> list[int]:
    """The Fraction form of ``apportion`` (the reference)."""
    total = sum(weights, start=Decimal(0))
    if total <= 0 or not weights:
        return [0] * len(weights)
    exact = [Fraction(target) * Fraction(w) / Fraction(total) for w in weights]
    parts = [q.numerator // q.denominator for q in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:target - sum(parts)]:
        parts[i] += 1
    return parts


def fraction_weekday_variance(spend: dict[date, Decimal], weeks: int) -> Fraction:
    squares = Fraction(0)
    for offset in range(7):
        same = [Fraction(spend.get(FIRST + timedelta(days=offset + 7 * w), Decimal(0)))
                for w in range(weeks)]
        mean = sum(same, start=Fraction(0)) / weeks
        squares += sum(((v - mean) ** 2 for v in same), start=Fraction(0))
    return squares / (7 * (weeks - 1))


@pytest.mark.parametrize("seed", range(40))
def test_apportion_matches_the_fraction_form(seed: int) -> None:
    rng = random.Random(seed)
    weights = amounts(rng, rng.randint(1, 8))
    if seed % 5 == 0:
        weights = [Decimal("0.000001"), Decimal("0.000001"), Decimal("0.000001")]  # ties
    target = rng.choice([0, 1, 7, rng.randint(1, 10**15), -rng.randint(1, 10**9)])
    assert apportion(target, weights) == fraction_apportion(target, weights)


@pytest.mark.parametrize("seed", range(40))
def test_weekday_variance_matches_the_fraction_form(seed: int) -> None:
    rng = random.Random(seed)
    weeks = rng.randint(2, 6)
    days = [FIRST + timedelta(days=n) for n in range(7 * weeks) if rng.random() < 0.8]
    spend = dict(zip(days, amounts(rng, len(days)), strict=True))
    assert weekday_variance(spend, FIRST, weeks) == fraction_weekday_variance(spend, weeks)


def test_common_scale_is_exact() -> None:
    values = [Decimal("1.5"), Decimal("0.000001"), Fraction(1, 3), 7, Decimal("-2.25")]
    scaled, den = common_scale(values)
    assert [Fraction(n, den) for n in scaled] == [Fraction(v) for v in values]
    assert common_scale([]) == ([], 1)
