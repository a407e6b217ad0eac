"""`budgetbook demo [DIR]`: the whole product on a generated nämnd, in one command.

It writes the configuration and an inbox of unit workbooks (budgetbook.demo), validates
every unit as `budgetbook validate` does, writes the findings into copies of the units
that have any (as the Validera button does), consolidates the inbox as `budgetbook
consolidate` does, and says what to open next. The planted errors are the demo's content:
the run succeeds (0) when each of them is found, every correct unit passes and the
consolidation places every unit as expected; it fails (1) only when something did not work
as designed, and 2 when DIR cannot be used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from rich.markup import escape

from ..demo import DEMO_PERIOD, DEMO_SEED, DemoDirError, DemoFiles, planted_found, write_demo
from ..findings import Finding, Severity
from ..period import Period

VALIDATED_DIR = "validerad"  # copies of the units with findings, after write-back


@dataclass
class DemoRun:
    """What the run saw: the findings per unit and what did not work."""

    files: DemoFiles
    period: Period
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # enhet kod → findings
    planted_status: dict[str, bool] = field(default_factory=dict)  # enhet kod → planted error found
    problems: list[str] = field(default_factory=list)  # the run did not work as designed
    outputs: list[tuple[str, Path]] = field(default_factory=list)  # (what, path) to open next

    def label(self, path: Path) -> str:
        """A file as the user finds it: relative to the demo folder."""
        return str(path.relative_to(self.files.root))


def run(directory: Path, seed: int = DEMO_SEED, period: str = DEMO_PERIOD) -> int:
    from rich.console import Console

    from ..config import ConfigError, load_config

    console = Console()
    err = Console(stderr=True)
    try:
        p = Period.parse(period)
        files = write_demo(directory, seed=seed, period=p)
    except (DemoDirError, ValueError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        return 2
    demo = DemoRun(files, p)
    _show_created(console, demo)
    try:
        cfg = load_config(files.config)
    except ConfigError as exc:
        demo.problems.append(f"Demons konfiguration läses inte: {exc}")
    else:
        for what, step in (("Valideringen", _validate_units), ("Inskrivningen av resultaten", _write_back_copies),
                           ("Konsolideringen", _consolidate)):
            try:
                step(console, demo, cfg)
            except Exception as exc:  # a crash is the demo's own failure: said, never a traceback
                demo.problems.append(f"{what} kraschade: {exc!r}")
    _show_next(console, demo)
    return 1 if demo.problems else 0


def _show_created(console, demo: DemoRun) -> None:
    files, units = demo.files, demo.files.units
    console.rule(f"[bold]budgetbook demo[/bold] · {units[0].header['namnd']} · {demo.period} "
                 f"({demo.period.rapporttyp})")
    console.print(f"Skapade [bold]{escape(str(files.root))}[/bold]:")
    console.print(f"  {files.config.name:<18} nämndens konfiguration: {len(units)} enheter")
    console.print(f"  {files.inbox.name + '/':<18} {len(files.workbooks)} ifyllda arbetsböcker; "
                  f"de {len(files.correct)} korrekta är validerade av sina controller")
    console.print()
    console.print("Inplanterade fel (ett per enhet; de andra enheterna är korrekta):")
    for pe in files.planted:
        unit = next(u for u in units if u.enhet.kod == pe.enhet)
        console.print(f"  • {pe.enhet} {unit.enhet.namn}: {pe.description}")
    console.print()


def _validate_units(console, demo: DemoRun, cfg) -> None:
    """Every unit as `budgetbook validate` sees it; each planted error must be among the findings."""
    from ..engine import Context, validate_many
    from ..excel import read_workbook
    from ..render.console import render_report
    from ..render.json import FileReport

    files = demo.files
    console.rule("Validering av varje enhet (som budgetbook validate)")
    context = Context(settings=cfg.settings, period=demo.period, verksamheter=[v.namn for v in cfg.verksamheter])
    units = [u for u in files.units if u.enhet.kod in files.workbooks]
    books = [read_workbook(files.workbooks[u.enhet.kod], file_label=demo.label(files.workbooks[u.enhet.kod]))
             for u in units]
    for u, book, found in zip(units, books, validate_many(books, context)):
        demo.findings[u.enhet.kod] = found
        render_report(console, FileReport(file=book.source, findings=found))
        errors = sorted({f.code for f in found if f.severity is Severity.FEL})
        if u.planted is None and errors:
            demo.problems.append(f"{u.enhet.kod} {u.enhet.namn} är korrekt men fick fel: {', '.join(errors)}")
        elif u.planted is not None:
            demo.planted_status[u.enhet.kod] = found_here = planted_found(u.planted, found)
            if not found_here:
                demo.problems.append(f"Det inplanterade felet i {u.enhet.kod} {u.enhet.namn} hittades inte "
                                     f"({u.planted.code} {u.planted.cell or u.planted.section}).")
    for u in files.units:
        if u.missing:
            console.print(f"{u.enhet.kod} {u.enhet.namn}: ingen arbetsbok i inkorgen")
    console.print()
    console.print("Hittades de inplanterade felen?")
    for pe in files.planted:
        if pe.kind == "saknas":
            continue  # the consolidation reports the missing unit
        where = pe.cell or pe.sheet
        ok = demo.planted_status.get(pe.enhet)
        mark = f"[green]✓[/green] {pe.code} i {where}" if ok else f"[red]✗[/red] {pe.code} saknas i {where}"
        console.print(f"  {pe.enhet}: {mark}")
    console.print()


def _write_back_copies(console, demo: DemoRun, cfg) -> None:
    """Copies of the units with findings as the Validera button leaves them (the inbox stays)."""
    import shutil

    from ..excel import read_workbook
    from ..excel.writeback import write_back_file

    out = demo.files.root / VALIDATED_DIR
    for u in demo.files.units:
        found = demo.findings.get(u.enhet.kod)
        if not found:
            continue
        out.mkdir(exist_ok=True)
        copy = out / demo.files.workbooks[u.enhet.kod].name
        shutil.copyfile(demo.files.workbooks[u.enhet.kod], copy)
        when = dt.datetime.combine(u.header["datum"], dt.time(10, 15))  # the day the unit reports
        write_back_file(copy, read_workbook(copy), found, now=when).unlink()  # the demo's copy: no backup kept
    if out.exists():
        first = demo.files.workbooks[demo.files.planted[0].enhet].name
        demo.outputs.append(("en enhet med fel efter Validera: bladet Kontroll och markerade celler",
                             out / first))


def _consolidate(console, demo: DemoRun, cfg) -> None:
    """The inbox as `budgetbook consolidate` builds it; each unit must land where it should."""
    from ..consolidate import EXCLUDED, INCLUDED, MISSING, SEAL_OK
    from ..history import History
    from .consolidate import run as consolidate_run

    files = demo.files
    output = files.root / f"{_ascii_name(cfg.namnd)}-{demo.period}.xlsx"
    console.rule("Konsolidering av inkorgen (som budgetbook consolidate)")
    status = consolidate_run(inbox=files.inbox, period=str(demo.period), output=output, config=files.config,
                             include_failing=False, jobs=1, history=None)
    if status == 2 or not output.exists():
        demo.problems.append(f"Konsolideringen skrev inte {demo.label(output)} (status {status}).")
        return
    demo.outputs.append(("nämndens arbetsbok: verksamheterna summerade, bladen Status och Spårbarhet", output))
    with History(cfg.history_path) as hist:
        for u in files.units:
            stored = [s for s in hist.submissions(u.enhet.kod, cfg.namnd) if s.period == str(demo.period)]
            errors = any(f.severity is Severity.FEL for f in demo.findings.get(u.enhet.kod, ()))
            want = MISSING if u.missing else EXCLUDED if errors else INCLUDED
            got = stored[-1].status if stored else "(inte med)"
            if got != want:
                demo.problems.append(f"Konsolideringen gav {u.enhet.kod} {u.enhet.namn} status ”{got}”, "
                                     f"väntat ”{want}”.")
            elif u.planted is None and stored[-1].sigill != SEAL_OK:
                demo.problems.append(f"{u.enhet.kod} {u.enhet.namn}: sigillet är ”{stored[-1].sigill}”, "
                                     f"väntat ”{SEAL_OK}”.")
    console.print()


def _ascii_name(text: str) -> str:
    return text.lower().translate(str.maketrans("åäö ", "aao-"))


def _show_next(console, demo: DemoRun) -> None:
    files = demo.files
    console.rule("Öppna sedan")
    console.print(f"  {escape(str(files.config))}  — nämndens konfiguration (verksamheter och enheter)")
    console.print(f"  {escape(str(files.workbooks[files.correct[0]]))}  — en korrekt enhets arbetsbok, "
                  "validerad av sin controller")
    for what, path in demo.outputs:
        console.print(f"  {escape(str(path))}  — {escape(what)}")
    console.print(f"  budgetbook validate {escape(str(files.inbox))}/*.xlsx --period {demo.period} --config {escape(str(files.config))}"
                  "  — validera själv")
    if demo.problems:
        console.print()
        console.print("[red bold]Demon fungerade inte som avsett:[/red bold]")
        for prob in demo.problems:
            console.print(f"  [red]✗[/red] {escape(prob)}")
    else:
        console.print()
        console.print("[green]Demon gick som avsett: varje inplanterat fel hittades, varje korrekt enhet "
                      "kom med och den saknade enheten listades.[/green]")
