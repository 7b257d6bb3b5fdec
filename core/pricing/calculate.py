"""The exact cost of one call from its token counts and a price entry's rates.

Cached tokens are part of ``input_tokens`` and reasoning tokens part of ``output_tokens``
(OpenTelemetry GenAI semantics), so each token is priced once: cache reads at
``cache_read_mtok``, cache writes at ``cache_write_mtok``, the uncached rest of the input at
``input_mtok``; a kind without a rate leaves its tokens with their parent (a cache read of a
model without a cache price costs the input rate), as genai-prices does. The sum is exact and
rounded once, half to even, to whole micro-cents.
"""

from __future__ import annotations

from collections.abc import Mapping

from costsight.core.domain.costs import NewCostRecord
from costsight.core.domain.prices import Rate

MTOK = 1_000_000
#: Kinds a cost record carries a count for; other kinds are stored and shown, never applied.
APPLIED_KINDS = ("input_mtok", "cache_read_mtok", "cache_write_mtok", "output_mtok",
                 "output_reasoning_mtok", "requests_kcount")


def counts(rates: Mapping[str, Rate], record: NewCostRecord) -> dict[str, tuple[int, int]]:
    """Per applied kind with a rate: (units, units per rate) for this record."""
    uncached = record.input_tokens
    out: dict[str, tuple[int, int]] = {}
    if "cache_read_mtok" in rates:
        out["cache_read_mtok"] = (record.cache_read_tokens, MTOK)
        uncached -= record.cache_read_tokens
    if "cache_write_mtok" in rates:
        out["cache_write_mtok"] = (record.cache_write_tokens, MTOK)
        uncached -= record.cache_write_tokens
    if "input_mtok" in rates:
        out["input_mtok"] = (uncached, MTOK)
    output = record.output_tokens
    if "output_reasoning_mtok" in rates:
        out["output_reasoning_mtok"] = (record.reasoning_tokens, MTOK)
        output -= record.reasoning_tokens
    if "output_mtok" in rates:
        out["output_mtok"] = (output, MTOK)
    if "requests_kcount" in rates:
        out["requests_kcount"] = (1, 1000)
    return out


def cost_micros(rates: Mapping[str, Rate], record: NewCostRecord) -> int:
    """The call's cost in whole micro-cents (exact integer sum over the common denominator
    10^6, one half-even rounding)."""
    total = 0
    for kind, (units, per) in counts(rates, record).items():
        total += units * rates[kind].at(record.input_tokens) * (MTOK // per)
    whole, rest = divmod(total, MTOK)
    if 2 * rest > MTOK or (2 * rest == MTOK and whole % 2):
        whole += 1
    return whole
