"""The detection pass pauses the cyclic collector and always resumes it."""

from __future__ import annotations

import gc

import pytest

from costsight.core.services.cycle_support import collector_paused


def test_paused_inside_and_resumed_after_nested_passes() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pass still holds it
    assert gc.isenabled()


def test_resumed_when_the_pass_fails() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
