"""One table of results: absolute figures, spreads, ratios and the target each is held to."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field

from .timing import Sample


@dataclass
class Row:
    target: str
    what: str
    value: str = ""
    spread: str = ""
    ratio: str = ""
    goal: str = ""
    verdict: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def time(self, target: str, what: str, sample: Sample, clock: str = "cpu", unit: str = "ms") -> float:
        m = sample.median(clock)
        self.rows.append(Row(target, what, fmt_seconds(m, unit), fmt_spread(sample, clock)))
        return m

    def ratio(self, target: str, what: str, ratio: Sample, goal: float | None = None,
              at_most: bool = True, clock: str = "cpu") -> float:
        r = ratio.median(clock)
        verdict = ""
        goal_text = ""
        if goal is not None:
            ok = r <= goal if at_most else r >= goal
            verdict = "uppfyllt" if ok else "EJ uppfyllt"
            goal_text = f"{'≤' if at_most else '≥'} {goal:g}"
        self.rows.append(Row(target, what, ratio=f"{r:.2f}", spread=fmt_spread(ratio, clock),
                             goal=goal_text, verdict=verdict))
        return r

    def value(self, target: str, what: str, value: str, goal: str = "", verdict: str = "") -> None:
        self.rows.append(Row(target, what, value=value, goal=goal, verdict=verdict))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def render(self) -> str:
        head = Row("mål", "mätning", "median", "spridning", "kvot", "krav", "utfall")
        rows = [head] + self.rows
        cols = list(head.__dataclass_fields__)
        widths = {c: max(len(getattr(r, c)) for r in rows) for c in cols}
        lines = []
        for i, r in enumerate(rows):
            lines.append("| " + " | ".join(getattr(r, c).ljust(widths[c]) for c in cols) + " |")
            if i == 0:
                lines.append("|" + "|".join("-" * (widths[c] + 2) for c in cols) + "|")
        out = [machine(), ""] + lines
        if self.notes:
            out += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(out)


def fmt_seconds(s: float, unit: str = "ms") -> str:
    if unit == "s" or s >= 10:
        return f"{s:.2f} s"
    if s >= 0.1 or unit == "ms":
        return f"{s * 1000:.2f} ms" if s < 1 else f"{s * 1000:.0f} ms"
    return f"{s * 1e6:.0f} µs"


def fmt_spread(sample: Sample, clock: str = "cpu") -> str:
    n = len(sample.values(clock))
    return f"±{sample.spread(clock) * 50:.0f} % (n={n})" if n > 1 else "(n=1)"


def machine() -> str:
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), model)
    except OSError:
        pass
    load = ""
    try:
        load = " · belastning (1 min) %.1f" % os.getloadavg()[0]
    except OSError:
        pass
    return (f"Maskin: {os.cpu_count()} kärnor · {model} · Python {platform.python_version()} "
            f"({sys.platform}){load}")
