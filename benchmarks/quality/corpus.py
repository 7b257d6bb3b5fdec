"""The labelled synthetic corpus: one tenant per scenario, daily spend from a seed.

Every tenant has ``DAYS`` days of history starting on Monday 2026-01-05, ``CALLS`` calls a day
spread at random over 5 users, 3 features and 2 models, with log-normal day-to-day noise of
the tenant's spend (sigma 0.08).
Quiet tenants are flat or weekly-seasonal (weekends at 35 % of weekdays). Incident tenants
(flat or seasonal background, alternately) carry one labelled incident with an onset day:
- ``spike``: one UTC day at 1.5x, 2x, 3x or 5x the expected spend (one user's calls);
- ``step``: from the onset on, 1.5x or 2x;
- ``drift``: a linear ramp from the onset to 1.6x over 21 days, then flat;
- ``retry_storm``: one day with retried calls adding 2x the expected spend;
- ``model_switch``: from the onset on, the calls move to a model 2.5x as expensive;
- ``budget``: a monthly tenant budget at 1.15x the expected February spend and a 1.5x step
  early in February, so the month breaches late in the month (``budget_quiet`` tenants have
  the same budget and no step: no breach).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from costsight.core.domain.costs import NewCostRecord

START = date(2026, 1, 5)  # a Monday
DAYS = 63  # nine weeks: to 2026-03-08
EVAL_FIRST = 35  # incidents start, and findings are counted, from this day on
FEBRUARY = (date(2026, 2, 1) - START).days  # day index of Feb 1
MARCH = (date(2026, 3, 1) - START).days
USERS = ("u1", "u2", "u3", "u4", "u5")
FEATURES = ("chat.reply", "search.query", "docs.summarize")
WEEKEND_FACTOR = 0.35
NOISE = 0.08
SPIKE_SIZES = (1.5, 2.0, 3.0, 5.0)
#: calls a day: about 19 per user and 32 per feature, so an entity's day varies by ~20 %
CALLS = 96
STEP_SIZES = (1.5, 2.0)


@dataclass(frozen=True)
class Incident:
    kind: str  # spike, step, drift, retry_storm, model_switch, budget
    onset: int  # day index
    size: float = 0.0


@dataclass(frozen=True)
class Scenario:
    tenant_id: str
    seasonal: bool
    level: float  # expected weekday spend in cents
    incident: Incident | None = None
    budget_cents: Decimal | None = None
    calls: int = 0  # calls a day; 0: CALLS

    @property
    def kind(self) -> str:
        return self.incident.kind if self.incident else (
            "quiet_weekly" if self.seasonal else "quiet_flat")


def day_of(index: int) -> date:
    return START + timedelta(days=index)


def rhythm(s: Scenario, index: int) -> float:
    return WEEKEND_FACTOR if s.seasonal and day_of(index).weekday() >= 5 else 1.0


def multiplier(s: Scenario, index: int) -> float:
    """The incident's effect on day ``index`` (1.0 = none)."""
    i = s.incident
    if i is None or index < i.onset:
        return 1.0
    if i.kind in ("spike", "retry_storm"):
        return i.size if index == i.onset else 1.0
    if i.kind in ("step", "model_switch", "budget"):
        return i.size
    if i.kind == "drift":
        return 1.0 + (i.size - 1.0) * min(1.0, (index - i.onset + 1) / 21)
    return 1.0


def scenarios(seed: int, per_class: int, *, tiny: bool = False) -> list[Scenario]:
    """The corpus; ``tiny`` (CI): one spike and one step size, a quarter of the calls."""
    rng = random.Random(seed)
    spike_sizes = (2.0,) if tiny else SPIKE_SIZES
    step_sizes = (1.5,) if tiny else STEP_SIZES
    calls = CALLS // 4 if tiny else 0
    out: list[Scenario] = []

    def add(prefix: str, n: int, incident: tuple[str, float] | None, *,
            onset: tuple[int, int] = (EVAL_FIRST + 1, DAYS - 8),
            budget: bool = False) -> None:
        for k in range(n):
            seasonal = k % 2 == 1
            level = rng.uniform(200, 2000)
            found = None
            if incident is not None:
                found = Incident(incident[0], rng.randint(*onset), incident[1])
            limit = None
            if budget:
                expected = sum(level * (WEEKEND_FACTOR if seasonal and day_of(d).weekday() >= 5
                                        else 1.0) for d in range(FEBRUARY, MARCH))
                limit = Decimal(str(round(expected * 1.15, 2)))
            out.append(Scenario(f"{prefix}-{k}", seasonal, level, found, limit, calls))

    add("quiet", 2 * per_class, None)
    for size in spike_sizes:
        add(f"spike{size:g}x", per_class, ("spike", size))
    for size in step_sizes:
        add(f"step{size:g}x", per_class, ("step", size))
    add("drift", per_class, ("drift", 1.6), onset=(EVAL_FIRST - 7, EVAL_FIRST + 5))
    add("retry", per_class, ("retry_storm", 3.0))
    add("switch", max(1, per_class // 2), ("model_switch", 2.5))
    add("budget", per_class, ("budget", 1.5), onset=(FEBRUARY + 2, FEBRUARY + 9), budget=True)
    if not tiny:
        add("budgetquiet", max(1, per_class // 2), None, budget=True)
    return out


def records(s: Scenario, seed: int) -> list[NewCostRecord]:
    """Every call of the tenant, reproducible from (seed, tenant id)."""
    rng = random.Random(f"{seed}:{s.tenant_id}")
    out: list[NewCostRecord] = []
    for index in range(DAYS):
        base = s.level * rhythm(s, index) * math.exp(rng.gauss(0.0, NOISE))
        factor = multiplier(s, index)
        kind = s.incident.kind if s.incident else ""
        calls = s.calls or CALLS
        normal = base * (1.0 if kind in ("spike", "retry_storm") else factor)
        switched = kind == "model_switch" and factor > 1.0
        for c in range(calls):
            out.append(_call(s, index, c, normal / calls, rng,
                             model="o3" if switched else None))
        if kind == "spike" and factor > 1.0:
            # the extra spend of a spike: one user's burst of calls
            for c in range(6):
                out.append(_call(s, index, 100 + c, base * (factor - 1.0) / 6, rng, user="u1"))
        if kind == "retry_storm" and factor > 1.0:
            for c in range(24):
                out.append(_call(s, index, 200 + c, base * (factor - 1.0) / 24, rng,
                                 retry=True))
    return out


def _call(s: Scenario, index: int, n: int, cents: float, rng: random.Random, *,
          user: str | None = None, model: str | None = None,
          retry: bool = False) -> NewCostRecord:
    at = datetime.combine(day_of(index), datetime.min.time(), UTC) + timedelta(
        seconds=rng.randint(0, 86_399))
    return NewCostRecord(
        tenant_id=s.tenant_id, model=model or rng.choice(("gpt-4o-mini", "gpt-4o")),
        input_tokens=rng.randint(200, 2000), output_tokens=rng.randint(50, 500),
        cost_cents=Decimal(str(round(max(cents, 0.0), 4))), created_at=at,
        user_id=user or rng.choice(USERS), feature_tag=rng.choice(FEATURES),
        request_id=f"{s.tenant_id}-{index}-{n}", is_retry=retry)
