"""Pure helpers: exact comparisons, severity bands, error signatures."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from fractions import Fraction

import pytest

from costsight.core.domain.anomalies import Severity
from costsight.core.engines.exact import above, as_fraction, at_least, pct_over, rounded, to_cents
from costsight.core.engines.severity import classify_deviation
from costsight.core.engines.signature import EMPTY_ERROR, error_signature, normalize_error
from costsight.core.settings import EngineSettings


def test_configured_floats_are_read_as_written() -> None:
    assert as_fraction(1.4) == Fraction(7, 5)
    assert as_fraction(Decimal("0.1")) == Fraction(1, 10)
    assert at_least(Decimal(140), Decimal(100), 1.4)
    assert not at_least(Decimal("139.999999"), Decimal(100), 1.4)
    assert not above(Decimal(150), Decimal(100), 1.5) and above(Decimal("150.000001"), 100, 1.5)
    assert not at_least(1, 0, 1.0) and not above(1, 0, 0.0)


def test_pct_rounding_and_cents() -> None:
    assert pct_over(Decimal(140), Decimal(100)) == 40
    assert to_cents(Fraction(1, 3)) == Decimal("0.333333")
    assert to_cents(Fraction(2, 3)) == Decimal("0.666667")
    assert rounded(Fraction(1, 3), 3) == 0.333


@pytest.mark.parametrize(("pct", "severity"), [
    (0, Severity.LOW), (14.99, Severity.LOW), (15, Severity.LOW), (24.99, Severity.LOW),
    (25, Severity.MEDIUM), (39.99, Severity.MEDIUM), (40, Severity.HIGH), (500, Severity.HIGH)])
def test_severity_bands(pct: float, severity: Severity) -> None:
    assert classify_deviation(pct, EngineSettings()) is severity


@pytest.mark.parametrize(("raw", "normalised"), [
    ("  Timeout after 30 seconds  ", "timeout after <n> seconds"),
    ("Run 3F2504E0-4F89-11D3-9A0C-0305E82C3301 failed", "run <uuid> failed"),
    ("at 2026-01-31T12:00:05 retry", "at <timestamp> retry"),
    ("at 2026-01-31 12:00:05.123+00:00 retry", "at <timestamp> retry"),
    ("at 2026-01-31T12:00:05Z retry", "at <timestamp> retry"),
    ("code 500 on port 8080, id abc123", "code <n> on port <n>, id abc123"),
])
def test_normalisation(raw: str, normalised: str) -> None:
    assert normalize_error(raw) == normalised


def test_signature_is_the_full_sha256_of_the_normalised_text() -> None:
    expected = hashlib.sha256(b"run <uuid> failed after <n> ms").hexdigest()
    assert error_signature("Run 0b7e8f1c-1111-2222-3333-444455556666 failed after 12 ms") == expected
    assert len(expected) == 64
    assert error_signature("RUN 0B7E8F1C-9999-2222-3333-444455556666 FAILED AFTER 7 MS") == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_error(raw: str | None) -> None:
    assert error_signature(raw) == EMPTY_ERROR
