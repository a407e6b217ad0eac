from __future__ import annotations

from pathlib import Path


def run(*, enhet: str, config: Path | None, history: Path | None) -> int:
    from rich.console import Console
    from rich.table import Table

    from ..config import ConfigError, load_config
    from ..history import History, HistoryError
    from .consolidate import find_config

    err = Console(stderr=True)
    namnd = None
    if history is None:
        try:
            cfg = load_config(find_config(config))
        except ConfigError as exc:
            err.print(f"[red]{exc}[/red]")
            err.print("Ange --config FIL eller --history FIL.")
            return 2
        history, namnd = cfg.history_path, cfg.namnd
    if not history.exists():
        err.print(f"[red]Historiken {history} finns inte; den skapas av budgetbook consolidate.[/red]")
        return 2
    try:
        with History(history) as h:
            rows = h.submissions(enhet, namnd)
    except HistoryError as exc:
        err.print(f"[red]{exc}[/red]")
        return 2
    console = Console()
    if not rows:
        console.print(f"Enhet {enhet} finns inte i historiken {history}.")
        return 0
    t = Table(title=f"Enhet {enhet} {rows[-1].enhet_namn}: inlämningar")
    for c in ("Period", "Konsoliderad", "Fil", "SHA-256", "Uppgiftslämnare", "Datum", "Resultat", "Fel",
              "Varningar", "Sigill", "Anmärkning"):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(r.period, r.skapad.replace("T", " "), r.filer or "–", r.sha256[:12] if r.sha256 else "",
                  r.uppgiftslamnare, r.datum, r.status, str(r.fel), str(r.varningar), r.sigill, r.anmarkning)
    console.print(t)
    return 0
