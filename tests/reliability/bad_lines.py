"""Bad ingest lines: a hand-written catalog of every kind of bad input, and hypothesis
strategies that break exactly one field of a valid cost record. Each comes with the field
the rejection must name."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

GOOD: dict[str, Any] = {
    "type": "cost_record", "tenant_id": "tenant-f", "model": "gpt-4o", "input_tokens": 10,
    "output_tokens": 5, "cost_cents": "1.25", "created_at": "2026-03-02T10:00:00+00:00",
    "user_id": "u1", "request_id": "req-good",
}
GOOD_RUN: dict[str, Any] = {"type": "worker_run", "id": "run-f-1", "tenant_id": "tenant-f",
                            "worker_id": "w1", "status": "completed",
                            "created_at": "2026-03-02T10:00:00+00:00"}
SQL = "'; DROP TABLE cost_records; --"
INJECTIONS = (SQL, "Robert'); DELETE FROM cost_records WHERE ('1'='1", "1 OR 1=1",
              "\"; TRUNCATE worker_runs; --", "%' OR tenant_id LIKE '%")


def line(**changes: Any) -> bytes:
    """GOOD with fields changed (a value of ``...`` removes the field), as one JSON line."""
    fields = {**GOOD}
    for name, value in changes.items():
        if value is ...:
            fields.pop(name)
        else:
            fields[name] = value
    return json.dumps(fields).encode()


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


PROVENANCE = {"type": "provenance", "tenant_id": "tenant-f", "variant_slug": "v2",
              "source": "sandbox", "v1_cost": 1, "v2_cost": 2}

#: (label, raw line, the field its rejection must name)
CATALOG: list[tuple[str, bytes, str]] = [
    ("tokens as text", line(input_tokens="many"), "input_tokens"),
    ("tokens as a list", line(output_tokens=[1, 2]), "output_tokens"),
    ("fractional tokens", line(input_tokens=1.5), "input_tokens"),
    ("cost as words", line(cost_cents="ten cents"), "cost_cents"),
    ("cost as an object", line(cost_cents={"amount": 1}), "cost_cents"),
    ("cost as a boolean", line(cost_cents=True), "cost_cents"),
    ("timestamp as a number", line(created_at=1767225600), "created_at"),
    ("model as a number", line(model=42), "model"),
    ("retry flag as words", line(is_retry="perhaps"), "is_retry"),
    ("missing tenant", line(tenant_id=...), "tenant_id"),
    ("missing model", line(model=...), "model"),
    # without cost_cents a record is priced from its token counts; without both it is refused
    ("missing cost and tokens", line(cost_cents=..., input_tokens=..., output_tokens=...),
     "cost_cents"),
    ("cache reads above the input", line(cache_read_tokens=11), "cache_read_tokens"),
    ("cache writes above the input", line(cache_read_tokens=6, cache_write_tokens=5),
     "cache_write_tokens"),
    ("reasoning above the output", line(reasoning_tokens=6), "reasoning_tokens"),
    ("missing timestamp", line(created_at=...), "created_at"),
    ("missing type", json.dumps({k: v for k, v in GOOD.items() if k != "type"}).encode(),
     "type"),
    ("unknown type", line(type="invoice"), "type"),
    ("unknown field", line(colour="blue"), "colour"),
    ("naive timestamp", line(created_at="2026-03-02T10:00:00"), "created_at"),
    ("date only", line(created_at="2026-03-02"), "created_at"),
    ("impossible date", line(created_at="2026-02-30T10:00:00+00:00"), "created_at"),
    ("negative cost", line(cost_cents="-0.01"), "cost_cents"),
    ("negative tokens", line(input_tokens=-1), "input_tokens"),
    ("enormous cost", line(cost_cents="1e30"), "cost_cents"),
    ("enormous integer cost", line(cost_cents=10**40), "cost_cents"),
    ("tokens beyond int32", line(output_tokens=2**31), "output_tokens"),
    ("cost with 7 decimals", line(cost_cents="0.0000001"), "cost_cents"),
    ("empty tenant", line(tenant_id=""), "tenant_id"),
    ("tenant of 65 characters", line(tenant_id="t" * 65), "tenant_id"),
    ("NUL in the model", line(model="gpt\u00004o"), "model"),
    ("unpaired surrogate", b'{"type": "cost_record", "tenant_id": "tenant-f", "model": '
                           b'"gpt-\\ud800", "cost_cents": 1, '
                           b'"created_at": "2026-03-02T10:00:00+00:00"}', "model"),
    ("SQL as the cost", line(cost_cents=f"1{SQL}"), "cost_cents"),
    ("SQL as the timestamp", line(created_at=SQL), "created_at"),
    ("SQL as the type", line(type=SQL), "type"),
    ("NaN cost", line(cost_cents="NaN"), "cost_cents"),
    ("bare NaN", line().replace(b'"1.25"', b"NaN"), "line"),
    ("bare Infinity", line().replace(b'"1.25"', b"Infinity"), "line"),
    ("integer of 5,000 digits", line().replace(b'"1.25"', b"9" * 5000), "line"),
    ("not UTF-8", line(model="MODEL").replace(b"MODEL", b"\xff\xfe\xfa"), "line"),
    ("Latin-1 bytes", line(user_id="USER").replace(b"USER", b"caf\xe9"), "line"),
    ("truncated JSON", line()[:-10], "line"),
    ("a JSON array", b'[1, 2, 3]', "line"),
    ("a JSON string", b'"cost_record"', "line"),
    ("payload nested 40 deep", json.dumps({**PROVENANCE, "payload": _nested(40)}).encode(),
     "payload"),
    ("JSON nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, "line"),
    ("payload not an object", json.dumps({**PROVENANCE, "payload": [1]}).encode(), "payload"),
    ("line over 1 MiB", line(user_id="u" * (1 << 20)), "line"),
]

# --- hypothesis: one field of a good line broken in a way that must be refused ----------

_letters = st.text(alphabet="abcxyz !?;'", min_size=1, max_size=12).filter(
    lambda s: s.strip() not in {"", "NaN", "nan", "Infinity", "inf"})
_structures = st.one_of(st.lists(st.integers(), max_size=3),
                        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
_long = st.integers(65, 300).map(lambda n: "x" * n)
_naive = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.isoformat())

BROKEN_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "cost_cents": st.one_of(
        st.integers(max_value=-1), st.integers(min_value=10**20, max_value=10**100),
        st.integers(max_value=-1).map(lambda n: str(Decimal(n).scaleb(-6))),
        st.integers(1, 10**6).map(lambda n: f"{n}.1234567"), _letters, _structures),
    "input_tokens": st.one_of(st.integers(max_value=-1), st.integers(min_value=2**31),
                              _letters, _structures,
                              st.floats(0.1, 1e6).filter(lambda f: not f.is_integer())),
    "output_tokens": st.one_of(st.integers(max_value=-1), st.integers(min_value=2**31),
                               _letters, _structures),
    "created_at": st.one_of(_naive, _letters, st.integers(), _structures),
    "model": st.one_of(st.just(""), _long, st.integers(), _structures,
                       st.text(min_size=1, max_size=5).map(lambda s: f"{s}\u0000")),
    "tenant_id": st.one_of(st.just(""), _long, st.integers(), _structures),
    "user_id": st.one_of(_long, st.integers(), _structures),
    "request_id": st.one_of(_long, st.integers(), _structures),
    "is_retry": st.one_of(_letters.filter(lambda s: s.lower() not in {
        "yes", "no", "on", "off", "true", "false", "t", "f", "y", "n"}),
        st.integers(2, 1000), _structures),
}
REQUIRED = ("tenant_id", "model", "created_at")  # cost_cents: optional with token counts


@st.composite
def broken_lines(draw: st.DrawFn) -> tuple[bytes, str]:
    """A good cost_record line with one field broken (or a required one missing)."""
    if draw(st.booleans()) and draw(st.booleans()):
        name = draw(st.sampled_from(REQUIRED))
        return line(**{name: ...}), name
    name = draw(st.sampled_from(sorted(BROKEN_FIELDS)))
    return line(**{name: draw(BROKEN_FIELDS[name])}), name


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                        st.floats(allow_nan=False, allow_infinity=False))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
        max_leaves=10)


#: Fields a fuzzed cost_record line may carry (known ones, so rejections name one of them).
FUZZ_FIELDS = tuple(sorted({*GOOD, *BROKEN_FIELDS, "workflow_id", "feature_tag"} - {"type"}))


@st.composite
def arbitrary_lines(draw: st.DrawFn) -> list[bytes]:
    """One line of random bytes and three cost_record lines with random values in random
    fields (each with its own request id)."""
    lines = [draw(st.binary(max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b))]
    for n in range(3):
        changes = draw(st.dictionaries(st.sampled_from(FUZZ_FIELDS), json_values(),
                                       max_size=3))
        lines.append(line(**{"request_id": f"fuzz-{n}", **changes}))
    return lines
