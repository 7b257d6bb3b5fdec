"""The noise gate: a breach must also stand out from the entity's own day-to-day variability.

A ratio threshold alone treats every entity alike, but a small entity's day varies a lot by
chance (a user with ~19 calls a day varies ~20 % from day to day, so 1.4x its baseline on two
days happens on quiet days). So a spike breach also needs

    z = (current - mean) / s  >=  spike_min_z   (default 3)

where ``mean`` and ``s`` are the mean and the sample standard deviation (n - 1) of the very
baseline days the ratio is computed against (the same weekday of earlier weeks for a seasonal
baseline, the active days of the flat window otherwise). 3 standard deviations is the usual
one-sided "not by chance" bound (about 1 in 740 for normal noise).

The gate passes trivially when it cannot judge: a baseline with zero variance (flat: any rise
is significant), fewer than two days, or no per-day rows for the entity (the flat baseline of
users and features is read as a summary only; see ``AnomalyContext``). ``spike_min_z = 0``
turns it off. Comparisons are exact (fractions), as the ratio's are.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from costsight.core.engines.exact import as_fraction


def significant(current: Decimal | Fraction, days: Sequence[Decimal], min_z: float) -> bool:
    """Whether ``current`` is at least ``min_z`` sample standard deviations above the mean of
    ``days``; True when the days cannot tell (fewer than 2, zero variance) or ``min_z <= 0``."""
    n = len(days)
    if min_z <= 0 or n < 2:
        return True
    values = [as_fraction(d) for d in days]
    mean = sum(values, start=Fraction(0)) / n
    variance = sum(((v - mean) ** 2 for v in values), start=Fraction(0)) / (n - 1)
    if variance == 0:
        return True
    excess = as_fraction(current) - mean
    z = as_fraction(min_z)
    return excess > 0 and excess * excess >= z * z * variance
