"""Price book entries: exact, effective-dated, global or per tenant, per provider and model.

A rate is integer micro-cents per ``per`` units of its kind. Kinds are the price keys of the
``genai-prices`` data (``input_mtok``, ``output_mtok``, ``cache_read_mtok``,
``cache_write_mtok``, ``output_reasoning_mtok``, ``requests_kcount``, ``web_searches_kcount``,
audio, image ...): ``*_mtok`` per million tokens, ``*_kcount`` per thousand. A tiered rate
(``tiers``) switches the whole kind to the highest tier whose ``start`` the call's total input
tokens exceed (the "cliff" model of genai-prices).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from costsight.core.domain.base import Frozen, TenantId
from costsight.core.money import MICROS_PER_CENT, Cents
from costsight.core.timeutil import UtcDateTime

#: Rates beyond this (micro-cents per unit group) are refused: 10^15 = $10M per unit group.
MAX_RATE_MICROS = 10**15

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
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
