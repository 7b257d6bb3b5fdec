"""Fuzz harness for the JSON Lines / CSV parser and the ingest service (bounded time, see
``fuzz_budget``): mutated valid lines of every record type, duplicated keys, BOMs, instants of
every year, offset and precision, random CSV headers and cells, random bytes.

Invariants: every line ends as a validated record or a rejection naming a field (one of the
formats' fields, ``line``/``type``/``header``, or a key present in the line); accepted instants
lie in the allowed range; nothing raises; an all-or-nothing ingest with a rejection commits
nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import anyio
from hypothesis import strategies as st

from costsight.adapters.memory import MemoryStorage
from costsight.adapters.memory.storage import MemoryUnitOfWork
from costsight.core.ingest.lines import BytesSource
from costsight.core.ingest.parser import Parsed, Rejection, parse_source
from costsight.core.ingest.records import CSV_FIELDS, MODELS
from costsight.core.services.ingest import IngestService
from costsight.core.timeutil import MAX_INSTANT, MIN_INSTANT, SystemClock
from tests.ingest.lines import good_lines
from tests.reliability.bad_lines import json_values
from tests.reliability.fuzz_budget import fuzz_for

TEMPLATES = [{k: v for k, v in line.items()} for line in good_lines()]
KNOWN_FIELDS = {name for model in MODELS.values() for name in model.model_fields} | {
    "line", "type", "header"}
BOM = b"\xef\xbb\xbf"

_offsets = st.sampled_from(["Z", "+00:00", "+14:00", "-12:00", "+05:30", "", "-23:59", "z"])
_fractions = st.one_of(st.just(""), st.integers(1, 12).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n).map(lambda d: "." + d)))


_EDGES = [datetime(1970, 1, 1), datetime(2200, 1, 1), datetime(1, 1, 1),
          datetime(9999, 12, 31, 23, 59, 59)]


@st.composite
def instants(draw: st.DrawFn) -> str:
    """ISO 8601-ish text: any year 1..9999, any offset, up to 12 fractional digits; often near
    the accepted bounds and the ends of datetime's range, where the bugs live."""
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1),
                               max_value=datetime(9999, 12, 31, 23, 59, 59)))
    if draw(st.booleans()):
        edge = draw(st.sampled_from(_EDGES))
        try:
            moment = edge + timedelta(seconds=draw(st.integers(-86_400, 86_400)))
        except OverflowError:
            moment = edge
    text = moment.replace(microsecond=0).isoformat() + draw(_fractions) + draw(_offsets)
    return text if draw(st.integers(0, 9)) else draw(st.text(max_size=30))


_values = st.one_of(json_values(), instants(), st.decimals(allow_nan=False).map(str),
                    st.integers(-(2**70), 2**70))
_keys = st.one_of(st.sampled_from(sorted(KNOWN_FIELDS - {"line", "header"})),
                  st.text(max_size=8))


@st.composite
def json_line(draw: st.DrawFn) -> bytes:
    fields = dict(draw(st.sampled_from(TEMPLATES)))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["set", "set", "drop", "time"]))
        if op == "drop" and fields:
            fields.pop(draw(st.sampled_from(sorted(fields))))
        elif op == "time":
            name = draw(st.sampled_from(["created_at", "started_at", "completed_at",
                                         "decision_timestamp"]))
            fields[name] = draw(instants())
        else:
            fields[draw(_keys)] = draw(_values)
    raw = json.dumps(fields, default=str).encode()
    if draw(st.integers(0, 4)) == 0 and raw.endswith(b"}") and len(raw) > 2:
        key = draw(_keys)  # a repeated key, with another value
        raw = raw[:-1] + b", " + json.dumps(key).encode() + b": " + \
            json.dumps(draw(_values), default=str).encode() + b"}"
    cut = draw(st.integers(0, 12))
    if cut == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif cut == 1:
        raw = draw(st.binary(max_size=40))
    return raw


@st.composite
def csv_file(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from([*CSV_FIELDS, "colour"]), min_size=1,
                           max_size=len(CSV_FIELDS), unique=True))
    required = ["tenant_id", "model", "cost_cents", "created_at"]
    if draw(st.booleans()):
        header = list(dict.fromkeys([*required, *header]))
    cell = st.one_of(st.text(alphabet="abc19.,:-+TZ\" ", max_size=12), instants(),
                     st.decimals(allow_nan=False).map(str), st.just(""))
    rows = [",".join(header)]
    for _ in range(draw(st.integers(0, 4))):
        count = len(header) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        values = [draw(instants()) if h == "created_at" else draw(cell) for h in header]
        rows.append(",".join((values + ["x"])[:max(count, 0)]))
    return "\n".join(rows).encode("utf-8", "surrogatepass") + b"\n"


@st.composite
def files(draw: st.DrawFn) -> tuple[str, bytes]:
    if draw(st.integers(0, 3)) == 0:
        name, data = "fuzz.csv", draw(csv_file())
    else:
        name = "fuzz.jsonl"
        data = b"\n".join(draw(st.lists(json_line(), min_size=1, max_size=6))) + b"\n"
    if draw(st.booleans()):
        data = BOM + data
    return name, data


class CommitCountingStorage(MemoryStorage):
    """The memory storage, counting committed units of work."""

    commits = 0

    def unit_of_work(self) -> MemoryUnitOfWork:
        uow = super().unit_of_work()
        commit = uow.commit

        async def counted() -> None:
            await commit()
            self.commits += 1

        # a spy on this one unit's commit; mypy refuses assigning to a method by design
        uow.commit = counted  # type: ignore[method-assign]
        return uow


def _line_keys(raw: bytes) -> set[str]:
    """Every key of a JSON line at any depth (repeats included); CSV: the header's cells."""
    found: set[str] = set()

    def collect(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found.update(key for key, _ in pairs)
        return dict(pairs)

    try:
        json.loads(raw.decode("utf-8"), object_pairs_hook=collect)
    except (ValueError, RecursionError):
        found.update(c.strip() for c in raw.decode("utf-8", "replace").split(","))
    return found


def _names_a_field(field: str, keys: set[str]) -> bool:
    names = KNOWN_FIELDS | keys
    return any(field == n or field.startswith((f"{n}.", f"{n}[")) for n in names)


def _check_item(item: Parsed | Rejection, lines: list[bytes]) -> None:
    if isinstance(item, Rejection):
        assert item.field and item.reason, item
        assert "Traceback" not in item.reason, item
        keys = _line_keys(lines[item.line - 1]) | _line_keys(lines[0])
        assert _names_a_field(item.field, keys), item
        return
    for name, value in item.record:
        if isinstance(value, datetime):
            assert value.tzinfo is not None and MIN_INSTANT <= value <= MAX_INSTANT, (name, value)


def check_file(case: tuple[str, bytes]) -> None:
    name, data = case
    source = BytesSource(name, data)
    items = list(parse_source(source))
    lines = data.removeprefix(BOM).split(b"\n")
    for item in items:
        _check_item(item, lines)
    if name.endswith(".jsonl"):
        assert len(items) == sum(1 for line in lines if line.strip()), items

    async def ingest() -> None:
        strict = CommitCountingStorage()
        report = await IngestService(strict, SystemClock()).ingest([source])
        if report.rejected:
            assert not report.written and strict.commits == 0, report.as_dict()
        lenient = CommitCountingStorage()
        skipped = await IngestService(lenient, SystemClock()).ingest([source], skip_invalid=True)
        assert skipped.rejected == report.rejected or report.written is False
        assert skipped.valid_lines + skipped.rejected >= len(items) - skipped.superseded

    anyio.run(ingest)


def test_fuzz_the_ingest_parser_and_service() -> None:
    tried = fuzz_for(check_file, files())
    assert tried > 0
    print(f"ingest fuzz: {tried} files")


