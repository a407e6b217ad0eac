"""`budgetbook demo [DIR]`: the whole product on a generated nämnd, in one command.

It writes the configuration and an inbox of unit workbooks (budgetbook.demo), validates
every unit, consolidates, and says what to open next. The planted errors are the demo's
content: the run succeeds (0) when each of them is found and every correct unit passes,
and fails (1) only when something did not work as designed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from rich.markup import escape

from ..demo import DEMO_PERIOD, DEMO_SEED, DemoDirError, DemoFiles, planted_found, write_demo
from ..findings import Finding, Severity, count_by_severity
from ..period import Period


@dataclass
class DemoRun:
    """What the run saw: the findings per unit, what did not work, what is not built yet."""

    files: DemoFiles
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # enhet kod → findings
    problems: list[str] = field(default_factory=list)  # the run did not work as designed
    planted_status: dict[str, bool] = field(default_factory=dict)  # enhet kod → planted error found
    unavailable: list[str] = field(default_factory=list)  # parts of budgetbook not built yet
    outputs: list[tuple[str, Path]] = field(default_factory=list)  # (what, path) to open next


def run(directory: Path, seed: int = DEMO_SEED, period: str = DEMO_PERIOD) -> int:
    from rich.console import Console

    console = Console()
    err = Console(stderr=True)
    try:
        p = Period.parse(period)
        files = write_demo(directory, seed=seed, period=p)
    except (DemoDirError, ValueError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        return 2
    demo = DemoRun(files)
    _show_created(console, files, p)
    _check_config(console, demo)
    _validate_units(console, demo, p)
    _show_next(console, demo)
    return 1 if demo.problems else 0


def _show_created(console, files: DemoFiles, p: Period) -> None:
    units = files.units
    missing = [u for u in units if u.missing]
    console.rule(f"[bold]budgetbook demo[/bold] · {units[0].header['namnd']} · {p} ({p.rapporttyp})")
    console.print(f"Skapade [bold]{escape(str(files.root))}[/bold]:")
    console.print(f"  {files.config.name:<18} nämndens konfiguration: 6 verksamheter, {len(units)} enheter")
    console.print(f"  {files.inbox.name + '/':<18} {len(files.workbooks)} ifyllda arbetsböcker "
                  f"({len(missing)} enhet har inte skickat in)")
    console.print()
    console.print("Inplanterade fel (ett per enhet; de andra enheterna är korrekta):")
    for pe in files.planted:
        unit = next(u for u in units if u.enhet.kod == pe.enhet)
        console.print(f"  • {pe.enhet} {unit.enhet.namn}: {pe.description}")
    console.print()


def _check_config(console, demo: DemoRun) -> None:
    try:
        from ..config import ConfigError, load_config
    except ImportError:
        demo.unavailable.append("konfigurationsläsaren (budgetbook.config)")
        return
    try:
        cfg = load_config(demo.files.config)
    except ConfigError as exc:
        demo.problems.append(f"Demons konfiguration läses inte: {exc}")
        return
    expected = sorted(u.enhet.kod for u in demo.files.units)
    if sorted(e.kod for e in cfg.enheter) != expected:
        demo.problems.append("Konfigurationen har inte demons enheter.")


def _validate_units(console, demo: DemoRun, p: Period) -> None:
    from ..catalogue import all_codes
    from ..demo import demo_organisation
    from ..engine import Context, rules, validate
    from ..excel import read_workbook

    files = demo.files
    codes = all_codes()
    if not rules():
        demo.unavailable.append("valideringsreglerna (bara inläsningskontrollerna körs)")
    context = Context(period=p, verksamheter=[v.namn for v in demo_organisation(p.year).verksamheter])
    console.rule("Validering av varje enhet")
    for u in files.units:
        path = files.workbooks.get(u.enhet.kod)
        if path is None:
            continue
        try:
            found = validate(read_workbook(path), context)
        except Exception as exc:  # the demo reports a crash as its own failure, never a traceback
            demo.problems.append(f"Valideringen av {path.name} kraschade: {exc!r}")
            continue
        demo.findings[u.enhet.kod] = found
        errors = [f for f in found if f.severity is Severity.FEL]
        if u.planted is None and errors:
            demo.problems.append(f"{u.enhet.kod} {u.enhet.namn} är korrekt men fick {len(errors)} fel: "
                                 + ", ".join(sorted({f.code for f in errors})))
        if u.planted is not None and u.planted.code in codes:
            demo.planted_status[u.enhet.kod] = planted_found(u.planted, found)
            if not demo.planted_status[u.enhet.kod]:
                demo.problems.append(f"Det inplanterade felet i {u.enhet.kod} {u.enhet.namn} hittades inte "
                                     f"({u.planted.code} {u.planted.cell or u.planted.section}).")
    _render_findings(console, demo)
    _render_planted(console, demo)


def _render_findings(console, demo: DemoRun) -> None:
    from rich.table import Table

    table = Table(show_lines=False)
    for c in ("Enhet", "Fil", "Fel", "Varningar", "Koder"):
        table.add_column(c)
    for u in demo.files.units:
        if u.enhet.kod not in demo.findings:
            table.add_row(u.enhet.kod, "[yellow]saknas[/yellow]", "", "", "")
            continue
        found = demo.findings[u.enhet.kod]
        counts = count_by_severity(found)
        table.add_row(u.enhet.kod, demo.files.workbooks[u.enhet.kod].name,
                      str(counts[Severity.FEL]), str(counts[Severity.VARNING]),
                      ", ".join(sorted({f.code for f in found})))
    console.print(table)


def _render_planted(console, demo: DemoRun) -> None:
    console.print()
    console.print("Hittades de inplanterade felen?")
    for pe in demo.files.planted:
        if pe.kind == "saknas":
            continue  # the consolidation reports the missing unit
        where = pe.cell or pe.sheet
        if pe.enhet not in demo.planted_status:
            mark = f"[yellow]–[/yellow] {pe.code} kan inte kontrolleras ännu"
        elif demo.planted_status[pe.enhet]:
            mark = f"[green]✓[/green] {pe.code} i {where}"
        else:
            mark = f"[red]✗[/red] {pe.code} saknas i {where}"
        console.print(f"  {pe.enhet}: {mark}")


def _show_next(console, demo: DemoRun) -> None:
    files = demo.files
    if demo.unavailable:
        console.print()
        console.print("[yellow]Inte tillgängligt ännu i den här versionen:[/yellow] "
                      + "; ".join(demo.unavailable) + ".")
    console.print()
    console.rule("Öppna sedan")
    console.print(f"  {escape(str(files.config))}  — nämndens konfiguration (verksamheter och enheter)")
    sample = next(iter(files.workbooks.values()))
    console.print(f"  {escape(str(sample))}  — en enhets arbetsbok som controllern ser den")
    for what, path in demo.outputs:
        console.print(f"  {escape(str(path))}  — {escape(what)}")
    if find_spec("budgetbook.commands.validate") is not None:
        period = f"{files.units[0].header['ar']}-{files.units[0].header['manad']:02d}"
        console.print(f"  budgetbook validate {escape(str(files.inbox))}/*.xlsx --period {period}  — validera själv")
    if demo.problems:
        console.print()
        console.print("[red bold]Demon fungerade inte som avsett:[/red bold]")
        for prob in demo.problems:
            console.print(f"  [red]✗[/red] {escape(prob)}")
