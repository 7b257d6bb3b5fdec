"""Exact money: parsing, bounds and the storage round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costsight.core.money import MAX_CENTS, cents_json, cents_to_micros, micros_to_cents, to_cents


@pytest.mark.parametrize("raw, expected", [
    ("1.25", Decimal("1.25")), (0.1, Decimal("0.1")), (3, Decimal(3)),
    ("0.000001", Decimal("0.000001")), (Decimal("-2.5"), Decimal("-2.5")), ("0", Decimal(0)),
])
def test_parses_exactly(raw: object, expected: Decimal) -> None:
    assert to_cents(raw) == expected


@pytest.mark.parametrize("raw, reason", [
    ("0.0000001", "6 decimal places"), ("1e30", "within"), ("-1e400", "within"),
    ("nan", "finite"), ("inf", "finite"), (True, "boolean"), ("ten", "number of cents"),
    (None, "number of cents"), ([0, [1, 2, 5], -2], "got list"),
])
def test_rejects_with_a_reason(raw: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        to_cents(raw)


def test_storage_round_trip_is_exact_at_the_bounds() -> None:
    for cents in (Decimal("0.000001"), Decimal("123456789.123456"), MAX_CENTS.quantize(1) - 1):
        assert micros_to_cents(cents_to_micros(cents)) == cents
    assert micros_to_cents(None) == 0


def test_json_rendering() -> None:
    assert cents_json(Decimal(10)) == 10 and isinstance(cents_json(Decimal(10)), int)
    assert cents_json(Decimal("0.25")) == 0.25
