"""`budgetbook addin build|install|uninstall`: thin over budgetbook.excel.addin."""

from __future__ import annotations

from pathlib import Path


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True), Console(stderr=True, highlight=False, soft_wrap=True)


def _show_config(out, config) -> None:
    from ..excel.addin import CONF_SHEET

    out.print(f"Konfiguration (bladet {CONF_SHEET} i tillägget):")
    for key, value in config.rows():
        out.print(f"  {key} = {value}")


def run_build(out_dir: Path, interpreter: str | None) -> int:
    from ..excel.addin import AddinConfig, AddinError, build_addin, interpreter_needed

    out, err = _console()
    why = interpreter_needed(None, interpreter)
    if why:
        err.print(f"[red]{why}[/red]")
        return 2
    config = AddinConfig.for_interpreter(interpreter)
    try:
        path = build_addin(out_dir, config)
    except AddinError as exc:
        err.print(f"[red]{exc}[/red]")
        return 1
    out.print(f"skrev {path}")
    _show_config(out, config)
    return 0


def run_install(dry_run: bool, platform: str | None, interpreter: str | None) -> int:
    """Install, or with ``dry_run`` show what would be written where, always: a dry run also
    shows the plan where Excel is not found or ``--interpreter`` is missing, and says so."""
    from ..excel.addin import (AddinConfig, AddinError, current_platform, install, interpreter_needed, locate,
                               plan_install)

    out, err = _console()
    platform = platform or current_platform() or "linux"
    place = locate(platform)
    no_excel = (f"Excel hittades inte ({place.reason}). Tillägget kan bara installeras på en dator med Excel "
                f"för Windows eller Mac. Utan Excel: kör budgetbook validate FIL --write-back.")
    why = interpreter_needed(platform, interpreter)
    if place.startup is None or not dry_run and (not place.found or why):
        err.print(f"[red]{why if place.found and why else no_excel}[/red]")
        return 2
    config = AddinConfig.for_interpreter(interpreter)
    try:
        plan = plan_install(place, config)
    except AddinError as exc:
        err.print(f"[red]{exc}[/red]")
        return 1
    verb = "skulle skriva" if dry_run else "skriver"
    for note in ([] if place.found else [no_excel + " Så här skulle installationen se ut:"]) + ([why] if why else []):
        out.print(f"[yellow]{note}[/yellow]")
    out.print(f"Excels startmapp ({platform}): {place.startup}")
    for d in plan.dirs:
        out.print(f"{'skulle skapa' if dry_run else 'skapar'} mappen {d}")
    for path in plan.files:
        out.print(f"{verb} {path}")
    for path in plan.kept:
        out.print(f"finns redan, lämnas orörd: {path}")
    out.print(f"{verb} installationslistan {place.manifest} (det som uninstall tar bort)")
    _show_config(out, config)
    if dry_run:
        return 0
    try:
        install(plan)
    except OSError as exc:
        err.print(f"[red]Kunde inte skriva: {exc}. Stäng Excel och försök igen.[/red]")
        return 1
    out.print("Klart. Starta om Excel: fliken budgetbook med knappen Validera visas.")
    return 0


def run_uninstall(dry_run: bool, platform: str | None) -> int:
    from ..excel.addin import current_platform, locate, plan_uninstall, uninstall

    out, err = _console()
    platform = platform or current_platform() or "linux"
    place = locate(platform)
    plan = plan_uninstall(place)
    if plan.manifest is None:
        out.print(f"Inget att ta bort: budgetbook har inte installerat tillägget här ({place.manifest} saknas).")
        return 0
    verb = "skulle ta bort" if dry_run else "tar bort"
    for p in plan.remove:
        out.print(f"{verb} {p}")
    for p in plan.gone:
        out.print(f"redan borta: {p}")
    for p in plan.changed:
        err.print(f"[yellow]{p} har ändrats sedan installationen och lämnas kvar; ta bort den själv om du vill.[/yellow]")
    if dry_run:
        return 0
    try:
        uninstall(plan)
    except OSError as exc:
        err.print(f"[red]Kunde inte ta bort: {exc}. Stäng Excel och försök igen.[/red]")
        return 1
    out.print("Klart. Starta om Excel.")
    return 1 if plan.changed else 0
