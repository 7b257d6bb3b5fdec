"""Which stored price entry applies to a call: scope, name match, provider, effective date."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from costsight.core.domain.prices import ModelPrice, normalise_name

#: A dated model id's suffix: -20250514, -2025-05-14, @20250514 (Vertex), -0613 style ids keep.
_DATE_SUFFIX = re.compile(r"(?:[-@_](?:20\d\d-?[01]\d-?[0-3]\d))(?:-v\d+(?::\d+)?)?$")


def candidate_names(model: str, aliases: Iterable[str] = ()) -> list[str]:
    """Names a stored entry may carry for ``model``, best match first: the name as given
    (lowercase), without its date suffix, then the aliases (genai-prices' canonical ids)."""
    name = normalise_name(model)
    names = [name]
    undated = _DATE_SUFFIX.sub("", name)
    if undated and undated != name:
        names.append(undated)
    for alias in aliases:
        alias = normalise_name(alias)
        if alias not in names:
            names.append(alias)
    return names


def choose(entries: Sequence[ModelPrice], tenant_id: str, providers: Iterable[str],
           names: Sequence[str], at: datetime) -> ModelPrice | None:
    """The entry for a call at ``at``: the tenant's scope over the global one, then the best
    name match, then an entry of the call's provider over a provider-less one, then the
    latest ``effective_from`` at or before ``at``."""
    rank = {name: i for i, name in enumerate(names)}
    wanted = set(providers)
    best: tuple[int, int, int, datetime] | None = None
    chosen: ModelPrice | None = None
    for entry in entries:
        if entry.effective_from > at or entry.model not in rank:
            continue
        if entry.provider is not None and entry.provider not in wanted:
            continue
        if entry.tenant_id is not None and entry.tenant_id != tenant_id:
            continue
        key = (0 if entry.tenant_id is not None else 1, rank[entry.model],
               0 if entry.provider is not None else 1, entry.effective_from)
        # lower scope/name/provider ranks win; among equals the later effective_from
        if best is None or key[:3] < best[:3] or (key[:3] == best[:3] and key[3] > best[3]):
            best, chosen = key, entry
    return chosen
