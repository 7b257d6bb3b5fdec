"""Resolution shared by the price book adapters: stored overrides first, then the defaults."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from costsight.core.domain.prices import ModelPrice, PriceLookup, normalise_name
from costsight.core.pricing.resolve import candidate_names, choose


def sort_key(p: ModelPrice) -> tuple[str, str, str, datetime]:
    """The order ``list_prices`` returns: model, provider, scope (global first), date."""
    return (p.model, p.provider or "", p.tenant_id or "", p.effective_from)


class Defaults:
    """Where default prices come from (the genai-prices adapter; tests may pass others)."""

    def __init__(self, price: Callable[[str | None, str, datetime], ModelPrice | None],
                 aliases: Callable[[str | None, str], list[str]],
                 provider_id: Callable[[str | None], str | None],
                 by_id: Callable[[str], ModelPrice | None]) -> None:
        self.price = price
        self.aliases = aliases
        self.provider_id = provider_id
        self.by_id = by_id


def lookup_names(defaults: Defaults, lookups: Sequence[PriceLookup]) -> dict[
        tuple[str | None, str], tuple[list[str], list[str]]]:
    """Per distinct (provider, model): (candidate names, provider names) a stored entry may carry."""
    out: dict[tuple[str | None, str], tuple[list[str], list[str]]] = {}
    for lookup in lookups:
        key = (lookup.provider, lookup.model)
        if key in out:
            continue
        providers = []
        if lookup.provider:
            providers.append(normalise_name(lookup.provider))
            canonical = defaults.provider_id(lookup.provider)
            if canonical and canonical not in providers:
                providers.append(canonical)
        out[key] = (candidate_names(lookup.model, defaults.aliases(lookup.provider, lookup.model)),
                    providers)
    return out


def resolve(defaults: Defaults, stored: Sequence[ModelPrice], tenant_id: str,
            lookups: Sequence[PriceLookup],
            names: dict[tuple[str | None, str], tuple[list[str], list[str]]],
            ) -> list[ModelPrice | None]:
    """Each lookup's price: the stored override ``choose`` picks, else the default."""
    out: list[ModelPrice | None] = []
    for lookup in lookups:
        candidates, providers = names[(lookup.provider, lookup.model)]
        entry = choose(stored, tenant_id, providers, candidates, lookup.at)
        out.append(entry if entry is not None
                   else defaults.price(lookup.provider, lookup.model, lookup.at))
    return out
