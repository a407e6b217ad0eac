from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ..period import Period, PeriodError
from ..spec import SPEC


def run(*, enhet: str, period: str, sections: list[str], output: Path, config: Path | None,
        enhet_namn: str | None, namnd: str | None, belopp_i: str, force: bool) -> int:
    from rich.console import Console
    from rich.markup import escape

    from ..excel.template import BookContent, build_workbook, save_workbook
    from ..excel.writeback import backup_path

    err = Console(stderr=True)
    try:
        p = Period.parse(period)
    except PeriodError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        return 2
    unknown = [s for s in sections if s not in SPEC.section_keys]
    if unknown:
        err.print(f"[red]Okänd sektion: {', '.join(unknown)}. Giltiga: {', '.join(SPEC.section_keys)}[/red]")
        return 2
    if belopp_i not in ("tkr", "mnkr"):
        err.print("[red]--belopp-i ska vara tkr eller mnkr[/red]")
        return 2
    if output.suffix.lower() != ".xlsx":
        err.print(f"[red]Filen {escape(str(output))} ska sluta på .xlsx: arbetsboken är en Excel-arbetsbok utan makron.[/red]")
        return 2
    verksamheter: list[str] = []
    own: list[str] = []
    if config is not None:
        from ..config import ConfigError, load_config

        try:
            cfg = load_config(config)
        except ConfigError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            return 2
        unit = cfg.enhet(enhet)
        if unit is None:
            err.print(f"[red]Enheten {escape(enhet)} finns inte i {escape(str(config))}.[/red]")
            return 2
        namnd = namnd or cfg.namnd
        enhet_namn = enhet_namn or unit.namn
        verksamheter = [v.namn for v in cfg.verksamheter]
        own = [cfg.verksamhet(v).namn for v in unit.verksamheter]
        belopp_i = cfg.belopp_i or belopp_i
    header = {"namnd": namnd or "", "enhet_kod": enhet, "enhet_namn": enhet_namn or "", "ar": p.year,
              "manad": p.month, "rapporttyp": p.rapporttyp, "belopp_i": belopp_i}
    # datum is left to the controller: consolidation trusts it to tell a newer submission.
    rows = {}
    if own:
        rows = {"ekonomi": [{"verksamhet": v} for v in own], "kommentarer": [{"verksamhet": v} for v in own]}
    chosen = [SPEC.section(s) for s in sections] if sections else list(SPEC.sections)
    wb = build_workbook(chosen, BookContent(header=header, rows=rows, verksamheter=verksamheter))
    if output.exists():
        if not force:
            err.print(f"[red]{escape(str(output))} finns redan; använd --force för att ersätta den "
                      "(en kopia sparas).[/red]")
            return 2
        backup = backup_path(output, tag="före-ny")
        shutil.copy2(output, backup)
        err.print(f"Den tidigare filen sparades som {escape(str(backup))}")
    save_workbook(wb, output)
    Console().print(f"skrev {escape(str(output))} ({', '.join(s.key for s in chosen)}; {p})")
    return 0
