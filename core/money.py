"""Exact money: Decimal cents in the domain, integer micro-cents in storage."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

MICROS_PER_CENT = 1_000_000
_QUANTUM = Decimal("0.000001")
#: Largest absolute amount that fits a BIGINT of micro-cents (about 92 billion dollars).
MAX_CENTS = Decimal(2**63 - 1) / MICROS_PER_CENT


def to_cents(value: object) -> Decimal:
    """Parse a cents amount exactly; at most 6 decimals, finite, within BIGINT micro-cents."""
    if isinstance(value, bool):
        raise ValueError("expected a number of cents, got a boolean")
    if not isinstance(value, int | float | str | Decimal):
        # Decimal() also reads a (sign, digits, exponent) tuple: a JSON array is not an amount.
        raise ValueError(f"expected a number of cents, got {type(value).__name__}")
    if isinstance(value, float):
        value = repr(value)  # shortest repr keeps what the writer meant (0.1 -> "0.1")
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"expected a number of cents, got {value!r}") from None
    if not amount.is_finite():
        raise ValueError("cents must be a finite number")
    # Bound first: quantizing a huge value would overflow the decimal context.
    if abs(amount) > MAX_CENTS:
        raise ValueError(f"cents must be within +/-{MAX_CENTS:.0f}")
    if amount != amount.quantize(_QUANTUM, rounding="ROUND_DOWN"):
        raise ValueError("cents allow at most 6 decimal places (micro-cents)")
    return amount.quantize(_QUANTUM).normalize() if amount else Decimal(0)


def cents_to_micros(cents: Decimal) -> int:
    """Storage form: integer micro-cents."""
    return int(cents * MICROS_PER_CENT)


def micros_to_cents(micros: int | None) -> Decimal:
    """Domain form of a stored micro-cents integer (None reads as zero)."""
    if not micros:
        return Decimal(0)
    return (Decimal(int(micros)) / MICROS_PER_CENT).normalize()


def cents_json(cents: Decimal) -> float | int:
    """JSON rendering: a number with at most 6 decimals."""
    if cents == cents.to_integral_value():
        return int(cents)
    return float(cents)


Cents = Annotated[
    Decimal,
    BeforeValidator(to_cents),
    PlainSerializer(cents_json, return_type=int | float, when_used="json"),
    WithJsonSchema({"type": "number"}, mode="serialization"),
]
"""A cents amount: exact, at most 6 decimals; rendered in JSON as a plain number."""
