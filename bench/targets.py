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


def _over(fn, paths):
    return lambda: [fn(p) for p in paths]


# --- read --------------------------------------------------------------------------------

def read(cfg: Config, rep: Report) -> None:
    from budgetbook.excel import read_workbook

    paths, _ = cfg.inbox(cfg.workbooks)
    raw, _ = cfg.inbox(cfg.workbooks, cached=False)
    n = len(paths)
    s = compare({
        "calamine": _over(calamine_all_sheets, paths),
        "read": _over(read_workbook, paths),
        "openpyxl": _over(openpyxl_load, paths),
        "read_raw": _over(read_workbook, raw),
    }, repeats=cfg.repeats, warmup=cfg.warmup, per=n)
    t = f"läsa ({n} arbetsböcker)"
    rep.time(t, "python-calamine, alla blad (golv)", s["calamine"])
    rep.time(t, "budgetbook read_workbook", s["read"])
    rep.time(t, "  d:o, formler utan sparat resultat", s["read_raw"])
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
    t = f"validera ({n} arbetsböcker)"
    if not rules:
        rep.note("validera: inga regler registrerade ännu (budgetbook.rules.RULE_MODULES är tom); "
                 "mätningen gäller bara motorn.")
    findings = sum(len(engine.validate(b, context)) for b in books)
    s = compare({
        "read": _over(read_workbook, paths),
        "validate": lambda: [engine.validate(b, context) for b in books],
    }, repeats=max(3, cfg.repeats // 2), warmup=cfg.warmup, per=n)
    rep.time(t, "läsa, per arbetsbok", s["read"])
    rep.time(t, f"alla regler, per arbetsbok ({len(rules)} regler)", s["validate"])
    rep.ratio(t, "validera / läsa", paired_ratio(s["validate"], s["read"]), 0.5)
    if findings:
        rep.note(f"validera: de genererade arbetsböckerna gav {findings} avvikelser "
                 f"({findings / n:.1f} per bok) — generatorn eller en regel behöver ses över.")
    if rules:
        per_rule = compare({f"{r.__module__.rsplit('.', 1)[-1]}.{r.__name__}": _rule_runner(r, books, context)
                            for r in rules}, repeats=max(3, cfg.repeats // 2), warmup=0, per=n)
        total = sum(x.median() for x in per_rule.values()) or 1
        top = sorted(per_rule.items(), key=lambda kv: -kv[1].median())[:8]
        for name, sample in top:
            rep.time(t, f"  regel {name} ({sample.median() / total:.0%})", sample)
    # Issue 4: one fully filled workbook, and a hundred, read and validated from the file.
    hundred = paths[:100]
    s1 = compare({
        "one": lambda: engine.validate(read_workbook(paths[0]), context),
        "hundred": lambda: [engine.validate(read_workbook(p), context) for p in hundred],
    }, repeats=max(3, cfg.repeats // 2), warmup=cfg.warmup)
    rep.time("validera (issue 4)", "läsa + validera 1 arbetsbok", s1["one"])
    rep.time("validera (issue 4)", f"läsa + validera {len(hundred)} arbetsböcker", s1["hundred"])


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


def run_process(args: list[str], cwd: Path = REPO) -> tuple[float, float, int, str]:
    """Run a process to the end: (wall seconds, CPU seconds, peak RSS in KiB, stdout)."""
    w0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - w0
    proc.returncode = os.waitstatus_to_exitcode(status)
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

def consolidate(cfg: Config, rep: Report) -> None:
    if not has_command(cfg, "consolidate"):
        rep.value("konsolidera", "budgetbook consolidate", "–", goal="≤ 2.5 × calamine",
                  verdict="ej mätt")
        rep.note("konsolidera: kommandot consolidate finns inte ännu i denna gren; målet mäts när det landat.")
        return
    t = "konsolidera"
    points = []
    rss = {}
    for n in cfg.consolidate_sizes:
        paths, config = cfg.inbox(n)
        inbox = paths[0].parent
        out = cfg.data / f"namnd-{n}.xlsx"
        args = [cfg.python, "-m", "budgetbook", "consolidate", str(inbox), "--period", "2022-08",
                "-o", str(out), "--config", str(config)]
        repeats = 1 if n >= 1000 else max(1, cfg.repeats // 3)
        floor = compare({"calamine": _over(calamine_all_sheets, paths)}, repeats=repeats, warmup=0)["calamine"]
        sample, run = _process_sample(args)
        peak = []
        def run_and_rss():
            w0 = time.perf_counter()
            wall, cpu, maxrss, _ = run_process(args)
            sample.wall.append(wall)
            sample.cpu.append(cpu)
            peak.append(maxrss)
        compare({"consolidate": run_and_rss}, repeats=repeats, warmup=0)
        m = sample.median("wall")
        fl = floor.median("wall")
        points.append((n, m))
        rss[n] = max(peak)
        rep.time(t, f"{n} arbetsböcker, calamine alla blad", floor, clock="wall")
        rep.time(t, f"{n} arbetsböcker, consolidate (hela kommandot)", sample, clock="wall")
        rep.ratio(t, f"{n}: consolidate / calamine", Sample(wall=[m / fl], cpu=[m / fl]), 2.5, clock="wall")
        rep.value(t, f"{n}: toppminne (maxrss)", f"{rss[n] / 1024:.0f} MiB")
    if len(points) >= 2:
        slope, icept = _fit(points)
        rep.value(t, "lutning (tid per arbetsbok)", fmt_seconds(slope))
        rep.value(t, "fast kostnad (start, skrivning)", fmt_seconds(icept))
        lo, hi = min(rss), max(rss)
        r = rss[hi] / rss[lo]
        rep.rows.append(Row(
            t, f"toppminne {hi} / {lo}", ratio=f"{r:.2f}", goal="≤ 1.5",
            verdict="uppfyllt" if r <= 1.5 else "EJ uppfyllt"))
    # --jobs: speed-up on the middle size.
    n = cfg.consolidate_sizes[min(1, len(cfg.consolidate_sizes) - 1)]
    paths, config = cfg.inbox(n)
    jobs = {}
    fns = {}
    for j in sorted({1, 2, os.cpu_count() or 1}):
        args = [cfg.python, "-m", "budgetbook", "consolidate", str(paths[0].parent), "--period", "2022-08",
                "-o", str(cfg.data / f"namnd-{n}-j{j}.xlsx"), "--config", str(config), "--jobs", str(j)]
        jobs[j], fns[j] = _process_sample(args)
    try:
        compare(fns, repeats=max(1, cfg.repeats // 3), warmup=0)
    except RuntimeError as exc:
        rep.note(f"konsolidera --jobs: {exc}")
        return
    for j, sample in jobs.items():
        rep.time(t, f"{n} arbetsböcker, --jobs {j}", sample, clock="wall")
        if j != 1:
            rep.ratio(t, f"uppsnabbning --jobs {j}", paired_ratio(jobs[1], sample, "wall"), clock="wall")


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
    try:
        import budgetbook.excel.namnd_writer  # noqa: F401
    except ImportError:
        rep.value("skriva nämndboken", "namnd_writer (300 enheter)", "–", goal="≤ 0.6 × openpyxl",
                  verdict="ej mätt")
        rep.note("skriva: budgetbook.excel.namnd_writer finns inte ännu i denna gren; målet mäts när det landat.")
        return
    rep.note("skriva: namnd_writer finns men benchmarken för den är inte skriven ännu.")


TARGETS = {"read": read, "validate": validate, "startup": startup, "consolidate": consolidate, "write": write}
