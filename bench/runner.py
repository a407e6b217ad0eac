"""``python -m bench [--quick] [--only read,validate,...]``: run the benchmarks, print one table."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .report import Report
from .targets import TARGETS, Config


def parse(argv: list[str] | None = None) -> tuple[Config, list[str]]:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="kort körning: färre böcker och upprepningar")
    p.add_argument("--only", default="", help="mål att köra, kommaseparerade: " + ",".join(TARGETS))
    p.add_argument("--workbooks", type=int, help="arbetsböcker per omgång (läsa, validera)")
    p.add_argument("--repeats", type=int, help="mätomgångar efter uppvärmningen")
    p.add_argument("--warmup", type=int, help="uppvärmningsomgångar")
    p.add_argument("--sizes", help="konsolideringens storlekar, t.ex. 50,300,2000")
    p.add_argument("--data", type=Path, help="mapp för genererade arbetsböcker (återanvänds)")
    a = p.parse_args(argv)
    cfg = Config()
    if a.quick:
        cfg.workbooks, cfg.repeats, cfg.validate_n, cfg.consolidate_sizes = 4, 3, 4, (10, 30)
    if a.workbooks is not None:
        cfg.workbooks = a.workbooks
        if a.quick:
            cfg.validate_n = a.workbooks
            cfg.consolidate_sizes = (a.workbooks, 2 * a.workbooks)
    if a.repeats is not None:
        cfg.repeats = a.repeats
    if a.warmup is not None:
        cfg.warmup = a.warmup
    if a.sizes:
        cfg.consolidate_sizes = tuple(int(x) for x in a.sizes.split(","))
    if a.data:
        cfg.data = a.data
    only = [x.strip() for x in a.only.split(",") if x.strip()] or list(TARGETS)
    unknown = [x for x in only if x not in TARGETS]
    if unknown:
        p.error(f"okänt mål {', '.join(unknown)}; välj bland {', '.join(TARGETS)}")
    return cfg, only


def main(argv: list[str] | None = None) -> int:
    cfg, only = parse(argv)
    rep = Report()
    t0 = time.perf_counter()
    for name in only:
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        TARGETS[name](cfg, rep)
    rep.note(f"klocka: CPU-tid för mätningar i processen, väggklocka för egna processer; "
             f"{cfg.repeats} omgångar efter {cfg.warmup} uppvärmning; spridning = halva "
             f"kvartilavståndet / median; kvoter parvis per omgång. Total tid "
             f"{time.perf_counter() - t0:.0f} s.")
    print(rep.render())
    return 0
