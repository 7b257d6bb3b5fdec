"""Exact arithmetic for the engines: money and thresholds compared as fractions, never floats.

Thresholds are configured as floats (1.40, 30.0); ``as_fraction`` reads them through their
shortest repr, so ``1.4`` is exactly 7/5 and a ratio of exactly 1.40 counts as a breach.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from math import lcm

_MICRO = Decimal("0.000001")


def as_fraction(value: float | int | Decimal | Fraction) -> Fraction:
    """The exact value of an amount or the decimal a configured float was written as."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def common_scale(values: Sequence[Decimal | Fraction | int]) -> tuple[list[int], int]:
    """Integers ``n`` and one denominator ``d`` with ``values[i] == n[i] / d`` exactly (d >= 1):
    sums, squares and comparisons of amounts in integers, with one Fraction at the end."""
    ratios = [v.as_integer_ratio() for v in values]
    den = lcm(*(d for _, d in ratios)) if ratios else 1
    return [n * (den // d) for n, d in ratios], den


def at_least(numerator: Fraction | Decimal, denominator: Fraction | Decimal,
             threshold: float | Fraction) -> bool:
    """``numerator / denominator >= threshold``, exactly; a denominator <= 0 is never enough."""
    if denominator <= 0:
        return False
    return as_fraction(numerator) >= as_fraction(denominator) * as_fraction(threshold)


def above(numerator: Fraction | Decimal, denominator: Fraction | Decimal,
          threshold: float | Fraction) -> bool:
    """``numerator / denominator > threshold``, exactly; a denominator <= 0 is never above."""
    if denominator <= 0:
        return False
    return as_fraction(numerator) > as_fraction(denominator) * as_fraction(threshold)


def to_cents(value: Fraction | Decimal) -> Decimal:
    """A cents amount rounded (half-even) to the micro-cent, the storage precision."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(_MICRO, rounding=ROUND_HALF_EVEN)


def pct_over(numerator: Fraction | Decimal, denominator: Fraction | Decimal) -> Fraction:
    """(numerator / denominator - 1) x 100, exactly. The denominator must be > 0."""
    return (as_fraction(numerator) / as_fraction(denominator) - 1) * 100


def rounded(value: Fraction | Decimal | float, digits: int) -> float:
    """A float for reports, rounded half-even to ``digits`` decimals from the exact value."""
    exact = as_fraction(value)
    return float(round(exact, digits))
