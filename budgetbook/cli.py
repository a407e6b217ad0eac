"""The command line: one thin function per command over one library call.

Invariant: importing this module imports none of pandas, pandera, openpyxl or xlwings;
each command imports what it needs when it runs, so ``--help`` stays instant.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    name="budgetbook",
    help="Standardmallar, validering och konsolidering av nämndens månads- och tertialrapporter.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
addin_app = typer.Typer(help="Excel-tillägget med knappen Validera.", no_args_is_help=True)
app.add_typer(addin_app, name="addin")


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command("spec")
def spec_cmd(format: Format = typer.Option(Format.text, "--format", help="text eller json")) -> None:
    """Visa rapportspecifikationen (sektioner, kolumner, huvudfält)."""
    from .commands.spec import run

    raise typer.Exit(run(format.value))


@app.command("templates")
def templates_cmd(out: Path = typer.Option(Path("workbook_templates"), "--out", help="Mapp att skriva mallarna i")) -> None:
    """Skriv en mall per sektion och en samlad mall."""
    from .commands.templates import run

    raise typer.Exit(run(out))


@app.command("new")
def new_cmd(
    enhet: str = typer.Option(..., "--enhet", help="Enhetens kod"),
    period: str = typer.Option(..., "--period", help="Rapportperiod ÅÅÅÅ-MM"),
    section: Optional[List[str]] = typer.Option(None, "--section", help="Sektion (kan upprepas); alla om utelämnad"),
    output: Path = typer.Option(..., "-o", "--output", help="Arbetsboken som skapas"),
    config: Optional[Path] = typer.Option(None, "--config", help="Nämndens konfiguration (budgetbook.toml)"),
    enhet_namn: Optional[str] = typer.Option(None, "--enhet-namn", help="Enhetens namn (annars ur konfigurationen)"),
    namnd: Optional[str] = typer.Option(None, "--namnd", help="Nämndens namn (annars ur konfigurationen)"),
    belopp_i: str = typer.Option("tkr", "--belopp-i", help="tkr eller mnkr"),
    force: bool = typer.Option(False, "--force", help="Skriv över en befintlig fil (en säkerhetskopia sparas)"),
) -> None:
    """Skapa en enhets arbetsbok för en period med huvudet ifyllt."""
    from .commands.new import run

    raise typer.Exit(run(enhet=enhet, period=period, sections=section or [], output=output, config=config,
                         enhet_namn=enhet_namn, namnd=namnd, belopp_i=belopp_i, force=force))


@app.command("read")
def read_cmd(
    files: List[Path] = typer.Argument(..., help="Arbetsböcker att läsa"),
    engine: str = typer.Option("fast", "--engine", help="fast (python-calamine) eller openpyxl"),
) -> None:
    """Läs arbetsböcker och skriv ut sektionernas värden med cell, som JSON."""
    from .commands.read import run

    raise typer.Exit(run(files, engine))


@app.command("validate")
def validate_cmd(
    files: List[Path] = typer.Argument(..., help="Arbetsböcker att validera"),
    period: Optional[str] = typer.Option(None, "--period", help="Perioden arbetsböckerna ska gälla, ÅÅÅÅ-MM"),
    format: Format = typer.Option(Format.text, "--format", help="text eller json"),
    settings: Optional[Path] = typer.Option(None, "--settings", help="Inställningar (TOML, tabellen [validering])"),
    config: Optional[Path] = typer.Option(None, "--config", help="Nämndens konfiguration (budgetbook.toml)"),
    write_back: bool = typer.Option(False, "--write-back", help="Skriv resultatet i arbetsboken (en kopia sparas)"),
) -> None:
    """Validera arbetsböcker. Slutstatus 0: inga fel, 1: fel, 2: en fil kunde inte läsas eller fel anrop."""
    from .commands.validate import run

    raise typer.Exit(run(files, period=period, format=format.value, settings=settings, config=config,
                         write_back=write_back))


@app.command("fix-signs")
def fix_signs_cmd(
    file: Path = typer.Argument(..., help="Arbetsboken med bokföringens tecken"),
    output: Path = typer.Option(..., "-o", "--output", help="Kopian med rapportens tecken som skrivs"),
    force: bool = typer.Option(False, "--force", help="Ersätt en befintlig utfil"),
) -> None:
    """Skriv en kopia där sektioner med bokföringens tecken (kostnader +) får rapportens (kostnader −)."""
    from .commands.fix_signs import run

    raise typer.Exit(run(file, output, force=force))


@app.command("init")
def init_cmd(
    directory: Path = typer.Argument(..., help="Mappen där budgetbook.toml skapas"),
    namnd: str = typer.Option("Socialnämnden", "--namnd", help="Nämndens namn"),
    ar: Optional[int] = typer.Option(None, "--ar", help="Rapportåret (annars innevarande år)"),
) -> None:
    """Skapa en dokumenterad konfiguration (budgetbook.toml) för en nämnd."""
    from .commands.init import run

    raise typer.Exit(run(directory, namnd, ar))


@app.command("consolidate")
def consolidate_cmd(
    inbox: Path = typer.Argument(..., help="Mappen med enheternas arbetsböcker (ändras aldrig)"),
    period: str = typer.Option(..., "--period", help="Rapportperiod ÅÅÅÅ-MM"),
    output: Path = typer.Option(..., "-o", "--output", help="Nämndens arbetsbok som skrivs (.xlsx)"),
    config: Optional[Path] = typer.Option(None, "--config", help="Nämndens konfiguration (standard: ./budgetbook.toml)"),
    include_failing: bool = typer.Option(False, "--include-failing", help="Ta med enheter som har fel (markeras)"),
    jobs: int = typer.Option(1, "--jobs", help="Antal processer som läser och validerar"),
    history: Optional[Path] = typer.Option(None, "--history", help="Historikdatabasen (standard: bredvid konfigurationen)"),
    wait: float = typer.Option(0.0, "--wait", help="Sekunder att vänta om en annan konsolidering pågår"),
) -> None:
    """Validera enheternas arbetsböcker och bygg nämndens arbetsbok med Status och Spårbarhet."""
    from .commands.consolidate import run

    raise typer.Exit(run(inbox=inbox, period=period, output=output, config=config,
                         include_failing=include_failing, jobs=jobs, history=history, wait=wait))


@app.command("history")
def history_cmd(
    enhet: str = typer.Option(..., "--enhet", help="Enhetens kod"),
    config: Optional[Path] = typer.Option(None, "--config", help="Nämndens konfiguration (standard: ./budgetbook.toml)"),
    history: Optional[Path] = typer.Option(None, "--history", help="Historikdatabasen"),
) -> None:
    """Visa vad en enhet har lämnat in, när, och med vilket resultat."""
    from .commands.history import run

    raise typer.Exit(run(enhet=enhet, config=config, history=history))


class Platform(str, Enum):
    windows = "windows"
    mac = "mac"


@addin_app.command("build")
def addin_build_cmd(
    out: Path = typer.Option(..., "--out", help="Mapp att skriva budgetbook.xlam i"),
    interpreter: Optional[str] = typer.Option(None, "--interpreter", help="Python som knappen kör (standard: denna)"),
) -> None:
    """Bygg budgetbook.xlam ur den installerade xlwings-mallen."""
    from .commands.addin import run_build

    raise typer.Exit(run_build(out, interpreter))


@addin_app.command("install")
def addin_install_cmd(
    dry_run: bool = typer.Option(False, "--dry-run", help="Visa bara vad som skulle skrivas var"),
    platform: Optional[Platform] = typer.Option(None, "--platform", help="windows eller mac (standard: denna dator)"),
    interpreter: Optional[str] = typer.Option(None, "--interpreter", help="Python som knappen kör (standard: denna)"),
) -> None:
    """Installera tillägget i Excels startmapp."""
    from .commands.addin import run_install

    raise typer.Exit(run_install(dry_run, platform.value if platform else None, interpreter))


@addin_app.command("uninstall")
def addin_uninstall_cmd(
    dry_run: bool = typer.Option(False, "--dry-run", help="Visa bara vad som skulle tas bort"),
    platform: Optional[Platform] = typer.Option(None, "--platform", help="windows eller mac (standard: denna dator)"),
) -> None:
    """Ta bort exakt det som install skrev."""
    from .commands.addin import run_uninstall

    raise typer.Exit(run_uninstall(dry_run, platform.value if platform else None))


@app.command("demo")
def demo_cmd(
    directory: Path = typer.Argument(Path("budgetbook-demo"), help="Mappen som demon skapas i"),
    seed: int = typer.Option(2022, "--seed", help="Slumpfrö för exempeldata (samma frö, samma data)"),
    period: str = typer.Option("2022-08", "--period", help="Rapportperiod ÅÅÅÅ-MM"),
) -> None:
    """Skapa en exempelnämnd med enheternas arbetsböcker, validera och konsolidera dem."""
    from .commands.demo import run

    raise typer.Exit(run(directory, seed=seed, period=period))


def main() -> None:  # console entry for `python -m budgetbook`
    app()
