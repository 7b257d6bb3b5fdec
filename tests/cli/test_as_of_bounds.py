"""``--as-of`` outside 1970..2200 UTC is an error naming the option and the range (it used to
crash the detection cycles with OverflowError)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.sqlite


@pytest.mark.parametrize("instant", ["9999-12-31T23:00:00Z", "0001-01-01T00:00:00+14:00",
                                     "1969-12-31T23:59:59Z"])
def test_detect_as_of_out_of_range_is_a_clear_error(cli, instant: str) -> None:
    result = cli("detect", "--as-of", instant, "--json")
    assert result.code == 2, result.err
    assert "--as-of" in result.err and "1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z" in result.err
    assert "Traceback" not in result.err and result.out == ""


def test_detect_as_of_at_the_bounds_runs(cli) -> None:
    for instant in ("1970-01-01T00:00:00Z", "2200-01-01T00:00:00+00:00"):
        result = cli("detect", "--as-of", instant, "--json")
        assert result.code == 0, result.err
