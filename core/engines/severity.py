"""Severity bands of a deviation percentage (ORIGINAL-BEHAVIOR 4.1)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from costsight.core.domain.anomalies import Severity
from costsight.core.engines.exact import as_fraction
from costsight.core.settings import EngineSettings


def classify_deviation(deviation_pct: Fraction | Decimal | float,
                       settings: EngineSettings) -> Severity:
    """HIGH from ``severity_high_pct`` (40), MEDIUM from ``severity_medium_pct`` (25), else LOW.

    The documented LOW band starts at 15 %, but nothing below it is dropped: a deviation under
    15 % is still LOW, as in the original classifier.
    """
    value = as_fraction(deviation_pct)
    if value >= as_fraction(settings.severity_high_pct):
        return Severity.HIGH
    if value >= as_fraction(settings.severity_medium_pct):
        return Severity.MEDIUM
    return Severity.LOW
