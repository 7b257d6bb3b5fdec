"""Default prices from the ``genai-prices`` package (historical, exact Decimal, with matching).

Its data gives each model a price, or a list of prices with start dates (or times of day);
we take the one genai-prices itself selects for the call's instant and convert it to integer
micro-cents per unit group (USD x 10^8). 28 of the ~6,000 bundled values are float artefacts
(``0.18000000000000002``): they round, half to even, to their intended micro-cent.
Request-context price variants (service tiers such as ``flex`` / ``priority``) are not
applied: the standard price is used. Model and provider matching (aliases, dated ids, the
OpenTelemetry provider names such as ``aws.bedrock``, ``gcp.vertex_ai``) is genai-prices' own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from importlib.metadata import version
from typing import TYPE_CHECKING

from costsight.core.domain.prices import ModelPrice, Rate, Tier, normalise_name
from costsight.core.pricing.book import Defaults
from costsight.core.timeutil import MIN_INSTANT

# genai-prices itself (and httpx, which it imports) is imported by the first lookup, not by
# every command that opens a storage: about 0.1 s of start-up, and most ingests carry their
# costs and never look a default price up.
if TYPE_CHECKING:
    from genai_prices import types

PREFIX = "genai-prices:"
GENAI_PRICES_VERSION = version("genai-prices")
_MICROS_PER_USD = Decimal(100 * 1_000_000)


def _micros(usd: Decimal) -> int:
    return int((usd * _MICROS_PER_USD).to_integral_value(ROUND_HALF_EVEN))


def _rate(value: Decimal | types.TieredPrices) -> Rate:
    if isinstance(value, Decimal):
        return Rate(base=_micros(value))
    return Rate(base=_micros(value.base),
                tiers=tuple(Tier(start=t.start, rate=_micros(t.price)) for t in value.tiers))


def _rates(price: types.ModelPrice) -> dict[str, Rate]:
    return {key: _rate(value) for key, value in vars(price).items()
            if not key.startswith("_") and value is not None}


@lru_cache(maxsize=4096)
def _find(provider: str | None, model: str) -> tuple[types.Provider, types.ModelInfo] | None:
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    attempts = [provider, None] if provider else [None]
    for provider_id in attempts:
        try:
            return snapshot.find_provider_model(model, None, provider_id, None)
        except LookupError:
            continue
    return None


def provider_id(provider: str | None) -> str | None:
    """genai-prices' id of a provider name (``aws.bedrock`` -> ``aws``), if it knows it."""
    from genai_prices import data_snapshot

    if not provider:
        return None
    found = data_snapshot.find_provider_by_id(data_snapshot.get_snapshot().providers, provider)
    return None if found is None else found.id


def aliases(provider: str | None, model: str) -> list[str]:
    """genai-prices' canonical ids of the model (names stored overrides may use): under the
    call's provider, then under the provider its name alone matches."""
    out: list[str] = []
    for prov in ([normalise_name(provider)] if provider else []) + [None]:
        found = _find(prov, normalise_name(model))
        if found is not None and found[1].id not in out:
            out.append(found[1].id)
    return out


def _entry(provider: types.Provider, model: types.ModelInfo, index: int | None,
           price: types.ModelPrice, effective_from: datetime) -> ModelPrice:
    suffix = "" if index is None else f"@{index}"
    return ModelPrice(id=f"{PREFIX}{provider.id}/{model.id}{suffix}"[:128],
                      provider=provider.id, model=model.id[:128], default=True,
                      effective_from=effective_from, rates=_rates(price))


def _conditional(model: types.ModelInfo, at: datetime) -> tuple[int | None, types.ModelPrice]:
    from genai_prices import types

    if isinstance(model.prices, types.ModelPrice):
        return None, model.prices
    chosen = 0
    for i in reversed(range(len(model.prices))):  # the last active one wins, as in genai-prices
        constraint = model.prices[i].constraint
        if constraint is None or constraint.active(at):
            chosen = i
            break
    return chosen, model.prices[chosen].prices


def _start(model: types.ModelInfo, index: int | None) -> datetime:
    from genai_prices import types

    if index is None or isinstance(model.prices, types.ModelPrice):
        return MIN_INSTANT
    constraint = model.prices[index].constraint
    if isinstance(constraint, types.StartDateConstraint):
        start = constraint.start_date
        return datetime(start.year, start.month, start.day, tzinfo=UTC)
    return MIN_INSTANT


def default_price(provider: str | None, model: str, at: datetime) -> ModelPrice | None:
    """The genai-prices price of ``model`` at ``at`` (None when genai-prices has none)."""
    found = _find(normalise_name(provider) if provider else None, normalise_name(model))
    if found is None:
        return None
    prov, info = found
    index, price = _conditional(info, at)
    return _cached_entry(prov.id, info.id, index)


@lru_cache(maxsize=4096)
def _cached_entry(provider_key: str, model_id: str, index: int | None) -> ModelPrice | None:
    from genai_prices import data_snapshot, types

    snapshot = data_snapshot.get_snapshot()
    prov = data_snapshot.find_provider_by_id(snapshot.providers, provider_key)
    info = next((m for m in prov.models if m.id == model_id), None) if prov else None
    if prov is None or info is None:
        return None
    if index is None:
        if not isinstance(info.prices, types.ModelPrice):
            return None
        return _entry(prov, info, None, info.prices, MIN_INSTANT)
    if isinstance(info.prices, types.ModelPrice) or index >= len(info.prices):
        return None
    return _entry(prov, info, index, info.prices[index].prices, _start(info, index))


def default_by_id(price_id: str) -> ModelPrice | None:
    """A default entry by its id (``genai-prices:<provider>/<model>[@<n>]``)."""
    if not price_id.startswith(PREFIX):
        return None
    rest = price_id[len(PREFIX):]
    provider_key, _, model_part = rest.partition("/")
    model_id, at_sign, index_text = model_part.rpartition("@")
    if at_sign and index_text.isdigit():
        return _cached_entry(provider_key, model_id, int(index_text))
    return _cached_entry(provider_key, model_part, None)


#: The defaults both price book adapters fall back to.
GENAI_DEFAULTS = Defaults(default_price, aliases, provider_id, default_by_id)
