"""collector.paused: the cyclic collector off inside, restored after, one collection on request."""

from __future__ import annotations

import gc
import weakref

from budgetbook import collector


class Node:
    pass


def cycle() -> weakref.ref:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_paused_restores_the_collector_and_nests():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves it to the outer one
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()


def test_paused_collects_on_request_even_nested():
    with collector.paused():
        with collector.paused():
            kept = cycle()
        assert kept() is not None  # nothing collects a cycle while paused …
        with collector.paused(collect=True):
            freed = cycle()
        assert freed() is None and kept() is None  # … until a pause collects on its way out


def test_paused_restores_after_an_exception():
    try:
        with collector.paused(collect=True):
            raise ValueError("x")
    except ValueError:
        pass
    assert gc.isenabled()
