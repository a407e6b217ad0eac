from __future__ import annotations

import json
import sys

from ..spec import SPEC, spec_as_dict


def run(fmt: str) -> int:
    if fmt == "json":
        sys.stdout.write(json.dumps(spec_as_dict(SPEC), ensure_ascii=False, indent=2) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]budgetbook rapportspecifikation {SPEC.version}[/bold]")
    head = Table(title=f"Huvud (bladet {SPEC.header_sheet}; namn i Namnhanteraren)")
    for c in ("Nyckel / namn", "Rubrik", "Slag"):
        head.add_column(c)
    for f in SPEC.header:
        head.add_row(f.key, f.label, f.kind.value)
    console.print(head)
    for s in SPEC.sections:
        t = Table(title=f"{s.key}: {s.title} (blad {s.sheet}, tabell {s.table}"
                        + (f", summarad i ”{s.total_label}”" if s.total_label else "") + ")")
        for c in ("Nyckel", "Rubrik", "Slag", "Beräknad", "Tecken"):
            t.add_column(c)
        for col in s.columns:
            t.add_row(col.key, col.header, col.kind.value, "ja" if col.computed else "",
                      col.sign.value if col.sign else "")
        console.print(t)
    return 0
