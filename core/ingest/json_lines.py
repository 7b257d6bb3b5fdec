"""Decoding one JSON Lines line: orjson when that is provably the strict answer, else the strict
stdlib parser (exact Decimal numbers, a repeated key refused, its error texts).

``fast_object`` is the hot path: a flat object (every value a string, an integer, a boolean or
null) whose bytes hold no ``\\u`` escape. For such a line orjson decodes exactly what the
strict parser decodes, provided no key is repeated, and orjson cannot tell (it keeps the last
copy). The check compares colons: ``line.count(b":") == orjson.dumps(obj).count(b":")``.
Without ``\\u`` escapes every colon inside a string is a literal colon in the line, and
orjson writes keys and strings back unescaped (no control characters can be in them), so
without a repeated key both sides count the same members and the same strings. A repeated key
leaves one member (and the dropped copy's strings) out of ``obj``: the line has more colons.
Anything else (a float, which must stay an exact Decimal; a nested value; a ``\\u`` escape,
which may hide a NUL, a surrogate or a colon; anything orjson refuses) goes through
``strict_object``, which also writes every error text.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

from costsight.core.ingest.records import Invalid

#: Value types of a flat object that orjson decodes exactly as the strict parser does.
_SCALARS = frozenset({str, int, bool, type(None)})


def fast_object(data: bytes) -> dict[str, Any] | None:
    """The line's object when orjson's answer is provably the strict parser's, else None.

    The object is flat and free of ``\\u`` escapes, so ``check_json_value`` has nothing to find
    in it (no NUL, no unpaired surrogate: raw control characters and invalid UTF-8 are refused
    by orjson; no nesting).
    """
    if b"\\u" in data:
        return None
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if type(obj) is not dict or not _SCALARS.issuperset(map(type, obj.values())):
        return None  # a float (exact Decimal needed), a list or an object: be strict
    try:
        again = orjson.dumps(obj)
    except orjson.JSONEncodeError:  # an integer orjson reads but cannot write: be strict
        return None
    if data.count(b":") != again.count(b":"):
        return None  # a key appears more than once: the strict parser names it
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object, refusing a repeated key: parsers disagree on which copy wins (the
    first, the last, both), so a line like ``"tenant_id":"t1","tenant_id":"t2"`` is ambiguous."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def strict_object(text: str) -> Any:
    """The strict parse of one line's text; ``Invalid`` names what is wrong."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant,
                          object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise Invalid(exc.key or "line",
                      f"the key {exc.key!r} appears more than once in one object "
                      "(each key at most once)") from None
    except RecursionError:
        raise Invalid("line", "JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, integers of > 4300 digits
        raise Invalid("line", f"not valid JSON: {exc}") from None
