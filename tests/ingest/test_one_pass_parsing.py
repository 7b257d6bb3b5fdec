"""The one-pass parser decodes and validates each line once, and answers exactly as the strict
path does: orjson only when provably exact (a repeated key, a float, an escape or a nested
value go to the strict parser), pydantic list validation with build_record's own rejections."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costsight.core.ingest import json_lines
from costsight.core.ingest.batch_validation import build_records
from costsight.core.ingest.json_lines import fast_object, strict_object
from costsight.core.ingest.lines import BytesSource
from costsight.core.ingest.parser import Parsed, Rejection, parse_source
from costsight.core.ingest.records import Invalid, RecordKind, build_record
from tests.ingest.lines import cost, jsonl

DUPLICATES = [
    b'{"type":"cost_record","tenant_id":"t1","tenant_id":"t2"}',
    b'{"a":1,"a":1}',
    b'{"a":"x:y","a":"x:y"}',
    b'{"a:b":1,"a:b":2}',
    b'{"a":{"b":1},"a":2}',          # the dropped copy was nested, the kept one is flat
    b'{"a" : 1 , "a" : 2}',           # whitespace around the colons
    b'{"k":"12:00:00","k":"12:00:00","z":"a"}',
    b'{"t\\"":"q","t\\"":"q"}',       # an escaped quote in the key, no \\u
]


@pytest.mark.parametrize("line", DUPLICATES)
def test_a_repeated_key_never_takes_the_fast_path(line: bytes) -> None:
    assert fast_object(line) is None
    with pytest.raises(Invalid, match="appears more than once"):
        strict_object(line.decode())


STRICT_ONLY = [
    b'{"cost_cents":1.5}',                      # a float: must stay an exact Decimal
    b'{"a":123456789012345678901234567890}',    # orjson reads it as a float
    b'{"a":"\\u0000"}',                         # an escape may hide a NUL
    b'{"a":"\\ud800"}',                         # ... or an unpaired surrogate
    b'{"a":"x\\u003ay","a":"z"}',               # ... or a colon
    b'{"a":[1]}', b'{"a":{"b":1}}',             # nested: depth and text checks
    b'[1,2]', b'"text"', b'12',                 # not an object
    b'{"a":NaN}', b'{"a":1,}', b'{"a":"\x01"}', b'{"a":"\xff"}', b'{"a":1}x',
]


@pytest.mark.parametrize("line", STRICT_ONLY)
def test_what_orjson_cannot_prove_goes_to_the_strict_parser(line: bytes) -> None:
    assert fast_object(line) is None


def test_a_flat_line_takes_the_fast_path_and_equals_the_strict_parse() -> None:
    line = jsonl([cost(1)]).strip()
    obj = fast_object(line)
    assert obj is not None
    assert obj == strict_object(line.decode())


_KEYS = st.sampled_from(["a", "b", "a:b", ":", "type", "t\"", "é", "x\\y"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                     st.text(alphabet=st.sampled_from("ab:\"\\é\x00\t 1."), max_size=6),
                     st.decimals(allow_nan=False, allow_infinity=False, places=3))


def _render(members: list[tuple[str, Any]], spaced: bool) -> bytes:
    sep, colon = (" , ", " : ") if spaced else (",", ":")
    parts = [json.dumps(k, ensure_ascii=False) + colon
             + (str(v) if isinstance(v, Decimal) else json.dumps(v, ensure_ascii=False))
             for k, v in members]
    return ("{" + sep.join(parts) + "}").encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_KEYS, _SCALARS), max_size=6), st.booleans())
def test_the_fast_path_is_the_strict_parse_or_declines(members: list[tuple[str, Any]],
                                                       spaced: bool) -> None:
    line = _render(members, spaced)
    try:
        strict: Any = strict_object(line.decode())
    except Invalid:
        strict = None
    fast = fast_object(line)
    if fast is not None:
        assert strict is not None and fast == strict
        assert all(type(fast[k]) is type(strict[k]) for k in fast)  # no float for a Decimal
    keys = [k for k, _ in members]
    if len(set(keys)) != len(keys):
        assert fast is None and strict is None  # a repeated key: refused, never decoded


def test_batch_validation_equals_build_record_row_by_row() -> None:
    good = [{k: v for k, v in json.loads(jsonl([cost(i)])).items() if k != "type"}
            for i in range(5)]
    bad = [
        {**good[0], "cost_cents": "-1"},
        {**good[0], "created_at": "2300-01-01T00:00:00Z"},
        {**good[0], "model": ""},
        {**good[0], "input_tokens": "many"},
        {**good[0], "cost_cents": "1e30"},
        {**good[0], "unknown": 1},
    ]
    rows = [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4], bad[5], good[3]]
    built = build_records(RecordKind.COST_RECORD, rows)
    for row, result in zip(rows, built, strict=True):
        try:
            expected: Any = build_record(RecordKind.COST_RECORD, row)
        except Invalid as exc:
            expected = exc
        assert result == expected
    assert sum(isinstance(r, Invalid) for r in built) == len(bad)
    # All valid: one list validation, the same models.
    assert build_records(RecordKind.COST_RECORD, good) == [
        build_record(RecordKind.COST_RECORD, row) for row in good]


def test_each_line_is_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"fast": 0, "strict": 0}
    fast, strict = json_lines.fast_object, json_lines.strict_object

    def counting_fast(data: bytes) -> Any:
        calls["fast"] += 1
        return fast(data)

    def counting_strict(text: str) -> Any:
        calls["strict"] += 1
        return strict(text)

    import costsight.core.ingest.parser as parser

    monkeypatch.setattr(parser, "fast_object", counting_fast)
    monkeypatch.setattr(parser, "strict_object", counting_strict)
    data = jsonl([cost(i) for i in range(30)]) + b'{"type":"cost_record","a":1,"a":2}\n'
    items = list(parse_source(BytesSource("x.jsonl", data), chunk_lines=7))
    assert [type(i) for i in items] == [Parsed] * 30 + [Rejection]
    assert [i.line for i in items] == list(range(1, 32))
    assert calls == {"fast": 31, "strict": 1}  # the repeated key alone went strict


class CountingSource:
    """A BytesSource that counts how often ingest opens it."""

    def __init__(self, name: str, data: bytes) -> None:
        self.inner = BytesSource(name, data)
        self.name, self.size, self.opened = name, len(data), 0

    def open(self) -> Any:
        self.opened += 1
        return self.inner.open()

    def identity(self) -> Any:
        return self.inner.identity()


async def test_all_or_nothing_reads_each_source_once_and_reports_every_rejection() -> None:
    from costsight.adapters.memory.storage import MemoryStorage
    from costsight.core.services.ingest import IngestService
    from costsight.core.timeutil import SystemClock

    storage = MemoryStorage()
    service = IngestService(storage, SystemClock(), batch_size=10)
    good = CountingSource("good.jsonl", jsonl([cost(i) for i in range(45)]))
    report = await service.ingest([good])
    assert good.opened == 1 and report.written and report.inserted == 45

    lines = [cost(100 + i, tenant="t2") for i in range(40)]
    data = jsonl(lines[:25]) + b'{"type":"cost_record"}\n' + jsonl(lines[25:]) + b"nope\n"
    bad = CountingSource("bad.jsonl", data)
    report = await service.ingest([bad])
    assert bad.opened == 1 and not report.written
    assert [(r.line, r.field) for r in report.rejections] == [(26, "tenant_id"), (42, "line")]
    async with storage.unit_of_work() as uow:  # the 2 batches streamed before line 26: gone
        assert list(await uow.analytics.known_tenants()) == ["t1"]


async def test_read_ahead_keeps_order_and_raises_the_iterators_error_as_it_was() -> None:
    from costsight.core.ingest.read_ahead import ReadAhead

    async with ReadAhead(iter(range(25)), 10) as ahead:
        chunks = []
        while chunk := await ahead.next():
            chunks.append(chunk)
    assert chunks == [list(range(10)), list(range(10, 20)), list(range(20, 25))]

    def failing() -> Any:
        yield 1
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        async with ReadAhead(failing(), 10) as ahead:
            while await ahead.next():
                pass

    class Stop(Exception):
        pass

    with pytest.raises(Stop):  # the consumer's own error, not an exception group
        async with ReadAhead(iter(range(100)), 10) as ahead:
            await ahead.next()
            raise Stop


async def test_read_ahead_buffers_up_to_depth_chunks_and_no_more() -> None:
    from costsight.core.ingest.read_ahead import ReadAhead

    taken: list[int] = []
    fifty = threading.Event()

    def counted() -> Any:
        for i in range(100):
            taken.append(i)
            if len(taken) == 50:
                fifty.set()
            yield i

    async with ReadAhead(counted(), 10, depth=3) as ahead:
        first = await ahead.next()
        # the producer runs as far as it may
        assert await anyio.to_thread.run_sync(fifty.wait, 30)
        for _ in range(5):  # and no further
            await anyio.sleep(0.01)
        # one chunk consumed, three buffered, one parsed and waiting to be sent
        assert first == list(range(10)) and len(taken) == 50
        chunks = [first]
        while chunk := await ahead.next():
            chunks.append(chunk)
    assert [i for c in chunks for i in c] == list(range(100))
    with pytest.raises(ValueError, match="depth"):
        ReadAhead(iter(()), 10, depth=0)
