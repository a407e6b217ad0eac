"""The benchmark targets of issues 4, 6 and 8; each adds its rows to the report.

Invariant: every ratio compares competitors timed side by side in the same rounds
(bench.timing.compare) on the same files; a target whose code has not landed yet adds a
row that says so instead of failing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .generate import write_inbox
from .report import Report, Row, fmt_seconds, fmt_spread
from .timing import Sample, compare, paired_ratio

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "pandera", "openpyxl", "xlwings", "numpy")


@dataclass
class Config:
    quick: bool = False
    workbooks: int = 20  # files per round for read; validate uses max(this, validate_n)
    repeats: int = 7
    warmup: int = 1
    data: Path = Path(tempfile.gettempdir()) / "budgetbook-bench"
    consolidate_sizes: tuple[int, ...] = (50, 300, 2000)
    validate_n: int = 100
    # A consolidation that would take longer or use more memory than this (extrapolated from
    # the smaller sizes) is not started: the machine is shared.
    max_seconds: float = 20 * 60
    max_rss_kib: int = 6 * 1024 * 1024
    python: str = sys.executable

    def inbox(self, n: int, cached: bool = True) -> tuple[list[Path], Path]:
        name = f"units-{n}" + ("" if cached else "-nocache")
        return write_inbox(self.data / name, n, cached=cached)


# --- baselines ---------------------------------------------------------------------------

def calamine_all_sheets(path: Path) -> None:
    """The practical floor: python-calamine loading every sheet's values."""
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()


def openpyxl_load(path: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(str(path), data_only=True)


def _cell_objects(count: int) -> list:
    """What the Book model costs by itself: one Decimal and one CellValue per cell read (the
    reader makes nothing else per cell; calamine's floats are converted where they lie)."""
    from decimal import Decimal

    from budgetbook.book import CellValue

    return [CellValue(f"B{i}", Decimal(i), float(i)) for i in range(count)]


def _over(fn, paths):
    return lambda: [fn(p) for p in paths]


# --- read --------------------------------------------------------------------------------

def read(cfg: Config, rep: Report) -> None:
    from budgetbook.excel import read_workbook

    paths, _ = cfg.inbox(cfg.workbooks)
    raw, _ = cfg.inbox(cfg.workbooks, cached=False)
    n = len(paths)
    cells = [sum(1 for _ in read_workbook(p).iter_cells()) for p in paths]
    s = compare({
        "calamine": _over(calamine_all_sheets, paths),
        "read": _over(read_workbook, paths),
        "openpyxl": _over(openpyxl_load, paths),
        "read_raw": _over(read_workbook, raw),
        "objects": lambda: [_cell_objects(k) for k in cells],
    }, repeats=cfg.repeats, warmup=cfg.warmup, per=n)
    t = f"läsa ({n} arbetsböcker)"
    rep.time(t, "python-calamine, alla blad (golv)", s["calamine"])
    rep.time(t, "budgetbook read_workbook", s["read"])
    rep.time(t, "  d:o, formler utan sparat resultat", s["read_raw"])
    rep.time(t, f"  varav bara skapa Book-modellens cellobjekt ({sum(cells) // n} st)", s["objects"])
    rep.time(t, "openpyxl load_workbook(data_only=True)", s["openpyxl"])
    rep.ratio(t, "read_workbook / calamine", paired_ratio(s["read"], s["calamine"]), 1.5)
    rep.ratio(t, "openpyxl / read_workbook", paired_ratio(s["openpyxl"], s["read"]), 10, at_most=False)


# --- validate ----------------------------------------------------------------------------

def validate(cfg: Config, rep: Report) -> None:
    from budgetbook import engine
    from budgetbook.excel import read_workbook

    n = max(cfg.workbooks, cfg.validate_n)
    paths, _ = cfg.inbox(n)
    books = [read_workbook(p) for p in paths]
    context = engine.Context()
    rules = engine.rules()
    batch = getattr(engine, "batch_rules", lambda: [])()
    many = getattr(engine, "validate_many", None)  # all books in one pass of each batch rule
    t = f"validera ({n} arbetsböcker)"
    if not rules and not batch:
        rep.note("validera: inga regler registrerade ännu (budgetbook.rules.RULE_MODULES är tom); "
                 "mätningen gäller bara motorn.")
    fns = {
        "read": _over(read_workbook, paths),
        "one_by_one": lambda: [engine.validate(b, context) for b in books],
    }
    if many is not None:
        fns["batched"] = lambda: many(books, context)
    s = compare(fns, repeats=max(3, cfg.repeats // 2), warmup=cfg.warmup, per=n)
    findings = sum(len(f) for f in (many(books, context) if many else [engine.validate(b, context) for b in books]))
    rep.time(t, "läsa, per arbetsbok", s["read"])
    rep.time(t, f"alla regler, en bok i taget ({len(rules)} + {len(batch)} regler)", s["one_by_one"])
    best = "one_by_one"
    if many is not None:
        rep.time(t, "alla regler, alla böcker i ett anrop (validate_many)", s["batched"])
        best = "batched"
    rep.ratio(t, "validera / läsa", paired_ratio(s[best], s["read"]), 0.5)
    if findings:
        rep.note(f"validera: de genererade arbetsböckerna gav {findings} avvikelser "
                 f"({findings / n:.1f} per bok) — generatorn eller en regel behöver ses över.")
    per_rule = {f"{r.__module__.rsplit('.', 1)[-1]}.{r.__name__}": _rule_runner(r, books, context) for r in rules}
    per_rule.update({f"{r.__module__.rsplit('.', 1)[-1]}.{r.__name__} (batch)": _batch_runner(r, books, context)
                     for r in batch})
    if per_rule:
        timed = compare(per_rule, repeats=max(3, cfg.repeats // 2), warmup=0, per=n)
        total = sum(x.median() for x in timed.values()) or 1
        for name, sample in sorted(timed.items(), key=lambda kv: -kv[1].median())[:8]:
            rep.time(t, f"  regel {name} ({sample.median() / total:.0%})", sample)
    # Issue 4: one fully filled workbook, and a hundred, read and validated from the file.
    hundred = paths[:100]
    hundred_fn = ((lambda: many([read_workbook(p) for p in hundred], context)) if many is not None
                  else (lambda: [engine.validate(read_workbook(p), context) for p in hundred]))
    s1 = compare({
        "one": lambda: engine.validate(read_workbook(paths[0]), context),
        "hundred": hundred_fn,
    }, repeats=max(3, cfg.repeats // 2), warmup=cfg.warmup)
    rep.time("validera (issue 4)", "läsa + validera 1 arbetsbok", s1["one"])
    rep.time("validera (issue 4)", f"läsa + validera {len(hundred)} arbetsböcker", s1["hundred"])


def _batch_runner(rule, books, context):
    def run():
        for found in rule(books, context):
            for _ in found:
                pass
    return run


def _rule_runner(rule, books, context):
    def run():
        for b in books:
            for _ in rule(b, context):
                pass
    return run


# --- start-up ----------------------------------------------------------------------------

def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONSTARTUP", None)
    return env


def run_process(args: list[str], cwd: Path = REPO, codes: set[int] | None = None) -> tuple[float, float, int, str]:
    """Run a process to the end: (wall seconds, CPU seconds, peak RSS in KiB, stdout).

    Exit status 0 and 1 are results (1: findings); anything else is a failure.
    """
    w0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - w0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if codes is not None:
        codes.add(proc.returncode)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} gav {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out.decode(errors="replace")


def _process_sample(args: list[str]):
    sample = Sample()

    def run():
        wall, cpu, _, _ = run_process(args)
        sample.wall.append(wall)
        sample.cpu.append(cpu)
    return sample, run


def has_command(cfg: Config, name: str) -> bool:
    _, _, _, out = run_process([cfg.python, "-m", "budgetbook", "--help"])
    return any(line.strip(" │|").split(" ")[0] == name for line in out.splitlines())


def _importable(py: str, module: str) -> bool:
    return subprocess.run([py, "-c", f"import importlib.util as u, sys; sys.exit(u.find_spec({module!r}) is None)"],
                          cwd=REPO, env=_env(), capture_output=True).returncode == 0


def startup(cfg: Config, rep: Report) -> None:
    py = cfg.python
    paths, _ = cfg.inbox(max(1, min(cfg.workbooks, 2)))
    core = ("import sys; from budgetbook.excel import read_workbook; from budgetbook.engine import validate; "
            "validate(read_workbook(sys.argv[1])); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    # What the Validera button loads besides: xlwings (which imports pandas when it is
    # installed), the button and live-Excel adapters. Excel itself is not here to talk to.
    button = "import xlwings, budgetbook.excel.button, budgetbook.excel.live; " + core
    commands = {
        "python -c pass (tolken)": [py, "-c", "pass"],
        "import typer": [py, "-c", "import typer"],
        "import rich": [py, "-c", "import rich.console"],
        "import budgetbook.cli": [py, "-c", "import budgetbook.cli"],
        "import xlwings (drar in pandas)": [py, "-c", "import xlwings"],
        "import pandera.pandas": [py, "-c", "import pandera.pandas"],
        "budgetbook --help": [py, "-m", "budgetbook", "--help"],
    }
    has_validate = has_command(cfg, "validate")
    if has_validate:
        commands["budgetbook validate --help"] = [py, "-m", "budgetbook", "validate", "--help"]
    else:
        rep.note("start: kommandot validate finns inte ännu; validate --help mäts när det landat.")
    commands["läsa + validera 1 bok (python -c)"] = [py, "-c", core, str(paths[0])]
    if _importable(py, "budgetbook.excel.button"):
        commands["knappen: + import xlwings, knappens moduler"] = [py, "-c", button, str(paths[0])]
    samples = {}
    fns = {}
    for name, args in commands.items():
        samples[name], fns[name] = _process_sample(args)
    compare(fns, repeats=cfg.repeats, warmup=cfg.warmup)  # fills the samples (wall clock)
    t = "start (egen process)"
    for name, sample in samples.items():
        goal, limit = "", None
        if name.startswith("budgetbook"):
            goal, limit = "≤ 150 ms", 0.150
        elif name.startswith(("knappen", "läsa + validera")):
            goal, limit = "≤ 1 s", 1.0
        # Judged on the process's own CPU time: on an idle machine a start-up is CPU-bound and
        # wall ≈ CPU; on a shared one the wall clock mostly measures the other users.
        m = sample.median("cpu")
        rep.rows.append(Row(t, name, f"{fmt_seconds(m)} (vägg {fmt_seconds(sample.median('wall'))})",
                            fmt_spread(sample, "cpu"), goal=goal,
                            verdict="" if limit is None else ("uppfyllt" if m <= limit else "EJ uppfyllt")))
    _, _, _, heavy = run_process([py, "-c", core, str(paths[0])])
    rep.note(f"läsa + validera 1 bok: tunga moduler som laddas: {heavy.strip() or 'inga'}.")
    _, _, _, cli_heavy = run_process([py, "-c", f"import sys, budgetbook.cli; "
                                                f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"])
    rep.note(f"start: tunga moduler efter import budgetbook.cli: {cli_heavy.strip() or 'inga'}.")


# --- consolidate -------------------------------------------------------------------------

def _consolidate_args(cfg: Config, n: int, jobs: int = 1) -> list[str]:
    paths, config = cfg.inbox(n)
    return [cfg.python, "-m", "budgetbook", "consolidate", str(paths[0].parent), "--period", "2022-08",
            "-o", str(cfg.data / f"namnd-{n}-j{jobs}.xlsx"), "--config", str(config),
            "--history", str(cfg.data / f"historik-{n}-j{jobs}.sqlite"), "--jobs", str(jobs)]


def consolidate(cfg: Config, rep: Report) -> None:
    t = "konsolidera"
    if not has_command(cfg, "consolidate"):
        rep.value(t, "budgetbook consolidate", "–", goal="≤ 2.5 × calamine", verdict="ej mätt")
        rep.note("konsolidera: kommandot consolidate finns inte ännu i denna gren; målet mäts när det landat.")
        return
    points_cpu, points_wall, rss = [], [], {}
    codes: set[int] = set()
    for n in cfg.consolidate_sizes:
        guess = _predict(points_wall, rss, n)
        if guess and (guess[0] > cfg.max_seconds or guess[1] > cfg.max_rss_kib):
            rep.value(t, f"{n} arbetsböcker: budgetbook consolidate", "–", verdict="ej körd")
            rep.note(f"konsolidera: {n} arbetsböcker kördes inte — utifrån de mindre körningarna skulle det ta "
                     f"omkring {guess[0] / 60:.0f} min och {guess[1] / 1024 / 1024:.1f} GiB minne "
                     f"(gränser {cfg.max_seconds / 60:.0f} min, {cfg.max_rss_kib / 1024 / 1024:.0f} GiB) "
                     "på en maskin som delas med andra.")
            continue
        paths, _ = cfg.inbox(n)
        args = _consolidate_args(cfg, n)
        repeats = 1 if n >= 1000 else max(1, cfg.repeats // 3)
        run = Sample()
        peak: list[int] = []

        def once(args=args, run=run, peak=peak):
            wall, cpu, maxrss, _ = run_process(args, codes=codes)
            run.wall.append(wall)
            run.cpu.append(cpu)
            peak.append(maxrss)

        floor = Sample()

        def calamine(paths=paths, floor=floor):
            w0, c0 = time.perf_counter(), time.process_time()
            for p in paths:
                calamine_all_sheets(p)
            floor.wall.append(time.perf_counter() - w0)
            floor.cpu.append(time.process_time() - c0)

        compare({"calamine": calamine, "consolidate": once}, repeats=repeats, warmup=0)
        rss[n] = max(peak)
        points_cpu.append((n, run.median("cpu")))
        points_wall.append((n, run.median("wall")))
        rep.time(t, f"{n} arbetsböcker: calamine alla blad (golv)", floor)
        rep.rows.append(Row(t, f"{n} arbetsböcker: budgetbook consolidate",
                            f"{fmt_seconds(run.median('cpu'))} (vägg {fmt_seconds(run.median('wall'))})",
                            fmt_spread(run, "cpu")))
        rep.ratio(t, f"{n}: consolidate / calamine", paired_ratio(run, floor), 2.5)
        rep.value(t, f"{n}: toppminne (maxrss)", f"{rss[n] / 1024:.0f} MiB")
    if codes - {0}:
        rep.note(f"konsolidera: kommandot slutade med status {sorted(codes)} (1 = någon enhet hade fel "
                 "eller saknades); tiden gäller ändå hela körningen.")
    if len(points_cpu) >= 2:
        slope, icept = _fit(points_cpu)
        wslope, _ = _fit(points_wall)
        rep.value(t, "lutning: tid per arbetsbok", f"{fmt_seconds(slope)} (vägg {fmt_seconds(wslope)})")
        rep.value(t, "fast kostnad (start m.m.)", fmt_seconds(icept))
        lo, hi = min(rss), max(rss)
        r = rss[hi] / rss[lo]
        rep.rows.append(Row(t, f"toppminne {hi} / {lo} arbetsböcker", ratio=f"{r:.2f}", goal="≤ 1.5",
                            verdict="uppfyllt" if r <= 1.5 else "EJ uppfyllt"))
    # --jobs: wall-clock speed-up on the middle size, the runs interleaved.
    n = cfg.consolidate_sizes[min(1, len(cfg.consolidate_sizes) - 1)]
    jobs = {j: Sample() for j in sorted({1, 4, os.cpu_count() or 1})}  # issue 8: 1, 4 and all cores

    def runner(j):
        def run():
            wall, cpu, _, _ = run_process(_consolidate_args(cfg, n, j), codes=codes)
            jobs[j].wall.append(wall)
            jobs[j].cpu.append(cpu)
        return run

    compare({j: runner(j) for j in jobs}, repeats=max(1, cfg.repeats // 3), warmup=0)
    for j, sample in jobs.items():
        rep.time(t, f"{n} arbetsböcker, --jobs {j} (vägg)", sample, clock="wall")
        if j != 1:
            rep.ratio(t, f"uppsnabbning --jobs {j}", paired_ratio(jobs[1], sample, "wall"), clock="wall")


def _predict(points_wall: list[tuple[int, float]], rss: dict[int, int], n: int) -> tuple[float, float] | None:
    """Expected (wall seconds, peak KiB) for n workbooks from the runs so far (linear)."""
    if len(points_wall) < 2:
        return None
    slope, icept = _fit(points_wall)
    mslope, micept = _fit(sorted(rss.items()))
    return slope * n + icept, mslope * n + micept


def _fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares line through (workbooks, seconds): slope per workbook, intercept."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points) or 1
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return slope, my - slope * mx


# --- write -------------------------------------------------------------------------------

def write(cfg: Config, rep: Report) -> None:
    """The nämnd workbook for N units: the project's writer against openpyxl (and XlsxWriter)
    writing the same cell values, all three timed side by side."""
    t = "skriva nämndboken"
    n = cfg.consolidate_sizes[min(1, len(cfg.consolidate_sizes) - 1)]
    try:
        write_namnd, sheets = _namnd_writer(cfg, n)
    except (ImportError, AttributeError, TypeError) as exc:
        rep.value(t, f"namnd_writer ({n} enheter)", "–", goal="≤ 0.6 × openpyxl", verdict="ej mätt")
        rep.note(f"skriva: nämndbokens skrivare kan inte köras här ({type(exc).__name__}: {exc}); "
                 "målet mäts när konsolideringen landat.")
        return
    cells = sum(v is not None for rows in sheets.values() for r in rows for v in r)
    s = compare({
        "writer": write_namnd,
        "openpyxl": lambda: _openpyxl_write(sheets),
        "xlsxwriter": lambda: _xlsxwriter_write(sheets),
    }, repeats=max(2, cfg.repeats // 3), warmup=0)  # a warm-up run was made building the content
    rep.time(t, f"budgetbook namnd_writer, {n} enheter ({cells} celler)", s["writer"])
    rep.time(t, "openpyxl, samma värden (vanligt läge)", s["openpyxl"])
    rep.time(t, "XlsxWriter constant_memory, samma värden", s["xlsxwriter"])
    rep.ratio(t, "namnd_writer / openpyxl", paired_ratio(s["writer"], s["openpyxl"]), 0.6)


def _namnd_writer(cfg: Config, n: int):
    """(a function writing the nämnd workbook of n units, its sheets' values) via the library."""
    from budgetbook.config import load_config
    from budgetbook.consolidate import consolidate as build
    from budgetbook.excel import namnd_writer as writer
    from budgetbook.excel.intake import examine_task
    from budgetbook.period import Period
    import datetime as dt
    import python_calamine

    paths, config = cfg.inbox(n)
    conf = load_config(config)
    period = Period.parse("2022-08")
    names = tuple(v.namn for v in conf.verksamheter)
    units = [examine_task((str(p), p.name, period, conf.settings, names)) for p in paths]
    result = build(conf, period, units, include_failing=False, previous=None, unplaced=[])
    out = cfg.data / f"namnd-write-{n}.xlsx"
    run = writer.RunInfo(inbox=str(paths[0].parent), output=str(out), started=dt.datetime(2022, 9, 10, 8, 0))

    def write_namnd():
        wb = writer.section_workbook(result)
        writer.add_report_sheets(wb, result, [], run)
        writer.write(wb, out)

    write_namnd()
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    # calamine pads every row to the sheet's width with '': those are blanks, not content.
    sheets = {name: [[None if v == "" else v for v in row] for row in book.get_sheet_by_name(name).to_python()]
              for name in book.sheet_names}
    return write_namnd, sheets


def _openpyxl_write(sheets: dict[str, list[list]]) -> bytes:
    import io
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsxwriter_write(sheets: dict[str, list[list]]) -> bytes:
    import io
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "in_memory": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, r in enumerate(rows):
            ws.write_row(i, 0, r)
    wb.close()
    return buf.getvalue()


TARGETS = {"read": read, "validate": validate, "startup": startup, "consolidate": consolidate, "write": write}
