"""Pausing Python's cyclic garbage collector around steps that make many small objects.

Reading, validating and consolidating hundreds of units makes millions of small objects
that form no reference cycles. The collector, triggered by allocations, walks every young
object again and again meanwhile and finds nothing: a quarter to a half of those steps'
CPU. Reference counting frees them as usual; ``paused(collect=True)`` collects once at the
end, for the odd cycle (an exception kept with its traceback, say).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused(collect: bool = False) -> Iterator[None]:
    """The collector off inside (back on after the outermost pause); ``collect``: one
    collection on the way out, nested or not."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collect:
            gc.collect()
        if was:
            gc.enable()
