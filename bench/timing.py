"""Timing with warm-up, repeats, medians and spreads; competitors interleaved in one run.

Invariant: a ratio is always computed from measurements taken side by side — each round
times every competitor once, in a rotating order — so load from other processes on a
shared machine hits both sides of a ratio alike. CPU time (``time.process_time``) is the
default clock for in-process work: it counts what this process spent, not the time the
scheduler gave to others. Wall time is kept too, and used where waiting is the point
(subprocesses, ``--jobs``).
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Sample:
    """Seconds per unit of work (per call, or per workbook when ``per`` is given)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def values(self, clock: str = "cpu") -> list[float]:
        return self.cpu if clock == "cpu" else self.wall

    def median(self, clock: str = "cpu") -> float:
        return statistics.median(self.values(clock))

    def spread(self, clock: str = "cpu") -> float:
        """Interquartile range relative to the median (0.05 = ±5 % band), 0 for < 3 runs."""
        v = sorted(self.values(clock))
        if len(v) < 3:
            return (v[-1] - v[0]) / self.median(clock) if len(v) == 2 and self.median(clock) else 0.0
        q = statistics.quantiles(v, n=4, method="inclusive")
        m = self.median(clock)
        return (q[2] - q[0]) / m if m else 0.0


def _once(fn: Callable[[], object]) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def compare(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 1,
            per: int = 1) -> dict[str, Sample]:
    """Time each function ``repeats`` times, interleaved (rotating order) after ``warmup`` rounds.

    ``per``: how many units of work one call does (seconds are divided by it).
    """
    names = list(fns)
    out = {n: Sample() for n in names}
    for i in range(warmup + repeats):
        order = names[i % len(names):] + names[:i % len(names)]
        for n in order:
            gc.collect()  # start clean: no competitor pays for the other's garbage
            wall, cpu = _once(fns[n])
            if i >= warmup:
                out[n].wall.append(wall / per)
                out[n].cpu.append(cpu / per)
    return out


def paired_ratio(a: Sample, b: Sample, clock: str = "cpu") -> Sample:
    """a / b round by round (both measured in the same round); median and spread as a Sample."""
    r = [x / y for x, y in zip(a.values(clock), b.values(clock)) if y > 0]
    return Sample(wall=r, cpu=r)
