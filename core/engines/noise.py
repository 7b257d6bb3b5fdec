"""The noise gate: a breach must also stand out from the entity's own day-to-day variability.

A ratio threshold alone treats every entity alike, but a small entity's day varies a lot by
chance (a user with ~19 calls a day varies ~20 % from day to day, so 1.4x its baseline on two
days happens on quiet days). So a breach also needs ``z >= min_z`` (``spike_min_z`` and
``drift_min_z``, default 3: the usual one-sided "not by chance" bound, about 1 in 740 for
normal noise), where z is the excess over the baseline in standard errors of the baseline's
own day-to-day variability, estimated from the very days the baseline averages:

- spike: ``z = (today - mean) / s``, ``s`` the sample standard deviation (n - 1) of the
  baseline days (the same weekday of earlier weeks for a seasonal baseline, the active days
  of the flat window otherwise);
- drift: ``z = (rolling - baseline) / (s / sqrt(rolling days))``, the rolling window being a
  mean of that many days; flat: ``s`` over the baseline's active days; seasonal (whole weeks,
  calendar days): ``s`` pooled within weekdays (each day against its weekday's mean over the
  baseline weeks, 7 x (weeks - 1) degrees of freedom), so the weekly rhythm, which the
  rolling window averages out, is not counted as noise.

The gate passes trivially when it cannot judge: a baseline with zero variance (flat: any rise
is significant, so the golden flat-baseline boundaries are unchanged), too few days for a
variance, or no per-day rows for the entity (the flat spike baseline of users and features is
read as a summary only; see ``AnomalyContext``). ``min_z = 0`` turns it off. Comparisons are
exact (fractions), as the ratios' are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from costsight.core.engines.exact import as_fraction, common_scale


def sample_variance(days: Sequence[Decimal | Fraction]) -> Fraction | None:
    """The sample variance (n - 1) of the values; None with fewer than two."""
    n = len(days)
    if n < 2:
        return None
    values = [as_fraction(d) for d in days]
    mean = sum(values, start=Fraction(0)) / n
    return sum(((v - mean) ** 2 for v in values), start=Fraction(0)) / (n - 1)


def weekday_variance(spend: Mapping[date, Decimal], first: date,
                     weeks: int) -> Fraction | None:
    """The within-weekday variance of ``weeks`` whole weeks from ``first`` (days without a
    row spend 0): each day against the mean of its weekday, pooled; None under two weeks."""
    if weeks < 2:
        return None
    zero = Decimal(0)
    values, den = common_scale([spend.get(first + timedelta(days=offset + 7 * w), zero)
                                for offset in range(7) for w in range(weeks)])
    # per weekday: sum of (v - mean)^2 = (weeks x sum of v^2 - (sum of v)^2) / weeks, in
    # integers (v = n / den), so one Fraction is built instead of one per day
    scaled = 0
    for offset in range(0, 7 * weeks, weeks):
        same = values[offset:offset + weeks]
        total = sum(same)
        scaled += weeks * sum(v * v for v in same) - total * total
    return Fraction(scaled, weeks * den * den * 7 * (weeks - 1))


def stands_out(excess: Fraction, variance: Fraction | None, min_z: float) -> bool:
    """``excess >= min_z x sqrt(variance)``, exactly; True when the variance is unknown or 0
    or ``min_z <= 0`` (nothing to judge the excess against)."""
    if min_z <= 0 or variance is None or variance == 0:
        return True
    z = as_fraction(min_z)
    return excess > 0 and excess * excess >= z * z * variance


def significant(current: Decimal | Fraction, days: Sequence[Decimal], min_z: float) -> bool:
    """The spike gate: ``current`` is at least ``min_z`` sample standard deviations above the
    mean of ``days``; True when the days cannot tell (fewer than 2, zero variance)."""
    if not days:
        return True
    mean = sum((as_fraction(d) for d in days), start=Fraction(0)) / len(days)
    return stands_out(as_fraction(current) - mean, sample_variance(days), min_z)
