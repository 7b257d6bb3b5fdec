"""Price book entries: exact, effective-dated, global or per tenant, per provider and model.

A rate is integer micro-cents per ``per`` units of its kind. Kinds are the price keys of the
``genai-prices`` data (``input_mtok``, ``output_mtok``, ``cache_read_mtok``,
``cache_write_mtok``, ``output_reasoning_mtok``, ``requests_kcount``, ``web_searches_kcount``,
audio, image ...): ``*_mtok`` per million tokens, ``*_kcount`` per thousand. A tiered rate
(``tiers``) switches the whole kind to the highest tier whose ``start`` the call's total input
tokens exceed (the "cliff" model of genai-prices).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from costsight.core.domain.base import Frozen, TenantId
from costsight.core.money import MICROS_PER_CENT, Cents
from costsight.core.timeutil import UtcDateTime

#: Rates beyond this (micro-cents per unit group) are refused: 10^15 = $10M per unit group.
MAX_RATE_MICROS = 10**15

_KIND = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
Kind = Annotated[str, StringConstraints(pattern=_KIND.pattern)]
ModelName = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ProviderName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
RateMicros = Annotated[int, Field(ge=0, le=MAX_RATE_MICROS)]


class Tier(Frozen):
    """From more than ``start`` total input tokens, ``rate`` applies to the whole kind."""

    start: Annotated[int, Field(ge=0)]
    rate: RateMicros


class Rate(Frozen):
    base: RateMicros
    tiers: tuple[Tier, ...] = ()

    @field_validator("tiers")
    @classmethod
    def _ascending(cls, tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
        starts = [t.start for t in tiers]
        if starts != sorted(set(starts)):
            raise ValueError("tier starts must be strictly ascending")
        return tiers

    def at(self, input_tokens: int) -> int:
        """The rate for a call with ``input_tokens`` total input tokens."""
        for tier in reversed(self.tiers):
            if input_tokens > tier.start:
                return tier.rate
        return self.base

    @classmethod
    def from_cents(cls, cents: Cents | int | str) -> Rate:
        """A flat rate given in cents per unit group (at most 6 decimals: exact micro-cents)."""
        amount = Decimal(cents) * MICROS_PER_CENT
        if amount != amount.to_integral_value():
            raise ValueError(f"{cents} cents has more than 6 decimals")
        return cls(base=int(amount))


def normalise_name(name: str) -> str:
    return name.strip().lower()


class NewModelPrice(Frozen):
    """An override of the default (genai-prices) price of a model from ``effective_from`` on.

    ``tenant_id`` None is the global scope; a tenant's entry wins over a global one for that
    tenant. ``provider`` None matches the model under any provider. Names are stored lowercase.
    """

    tenant_id: TenantId | None = None
    provider: ProviderName | None = None
    model: ModelName
    effective_from: UtcDateTime
    rates: dict[Kind, Rate]

    @field_validator("model", "provider")
    @classmethod
    def _lower(cls, name: str | None) -> str | None:
        return None if name is None else normalise_name(name)

    @model_validator(mode="after")
    def _has_rates(self) -> NewModelPrice:
        if not self.rates:
            raise ValueError("rates: at least one rate is required (e.g. input_mtok, output_mtok)")
        return self


class ModelPrice(NewModelPrice):
    """A price entry: a stored override (``id`` from the book) or a genai-prices default
    (``id`` ``genai-prices:<provider>/<model>``, ``default`` True)."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    default: bool = False


class PriceLookup(Frozen):
    """Which price a call needs: its model and provider as reported, and its instant."""

    provider: str | None = None
    model: str
    at: UtcDateTime


def _micros_of(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ValueError(f"{where}: expected a number of cents (e.g. 250 or \"0.075\")")
    try:
        amount = Decimal(value) * MICROS_PER_CENT
    except ArithmeticError:
        raise ValueError(f"{where}: not a number") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_RATE_MICROS:
        raise ValueError(f"{where}: must be 0 .. {MAX_RATE_MICROS // MICROS_PER_CENT} cents")
    if amount != amount.to_integral_value():
        raise ValueError(f"{where}: at most 6 decimals (exact micro-cents)")
    return int(amount)


def rates_from_cents(raw: object) -> dict[str, Rate]:
    """Rates as written by people (ingest lines, the CLI): cents per unit group of each kind,
    ``{"input_mtok": 250, "output_mtok": "1000"}``, or tiered,
    ``{"input_mtok": {"base": 125, "tiers": [{"start": 200000, "rate": 250}]}}``.
    Errors start with the field (``rates.input_mtok``)."""
    if not isinstance(raw, dict) or not raw:
        raise ValueError("rates: expected an object of kind -> cents per unit group, e.g. "
                         "{\"input_mtok\": 250, \"output_mtok\": 1000}")
    out: dict[str, Rate] = {}
    for kind, value in raw.items():
        where = f"rates.{kind}"
        if not isinstance(kind, str) or not _KIND.match(kind):
            raise ValueError(f"{where}: a kind is lowercase letters, digits and '_' "
                             "(e.g. input_mtok, output_mtok, cache_read_mtok)")
        if isinstance(value, dict):
            unknown = set(value) - {"base", "tiers"}
            if unknown or "base" not in value:
                raise ValueError(f"{where}: a tiered rate is {{\"base\": cents, \"tiers\": "
                                 "[{\"start\": tokens, \"rate\": cents}, ...]}")
            tiers = value.get("tiers") or []
            if not isinstance(tiers, list) or not all(
                    isinstance(t, dict) and set(t) == {"start", "rate"} for t in tiers):
                raise ValueError(f"{where}.tiers: a list of {{\"start\": tokens, "
                                 "\"rate\": cents}")
            try:
                out[kind] = Rate(base=_micros_of(value["base"], f"{where}.base"),
                                 tiers=tuple(Tier(start=int(t["start"]),
                                                  rate=_micros_of(t["rate"], f"{where}.tiers"))
                                             for t in tiers))
            except PydanticError as exc:
                reason = exc.errors(include_url=False)[0].get("msg", "invalid")
                raise ValueError(f"{where}.tiers: {reason}") from None
            except (TypeError, ArithmeticError):
                raise ValueError(f"{where}.tiers: start must be a whole number of tokens") \
                    from None
        else:
            out[kind] = Rate(base=_micros_of(value, where))
    return out


def rates_as_cents(rates: dict[str, Rate]) -> dict[str, Any]:
    """The inverse of :func:`rates_from_cents` (what ``prices list --json`` prints)."""
    def cents(micros: int) -> Decimal:
        return Decimal(format((Decimal(micros) / MICROS_PER_CENT).normalize(), "f"))
    return {kind: cents(rate.base) if not rate.tiers else
            {"base": cents(rate.base),
             "tiers": [{"start": t.start, "rate": cents(t.rate)} for t in rate.tiers]}
            for kind, rate in rates.items()}
