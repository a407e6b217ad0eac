from __future__ import annotations

from pathlib import Path


def run(*, enhet: str, config: Path | None, history: Path | None, console=None) -> int:
    from rich.console import Console
    from rich.markup import escape

    from ..config import ConfigError, load_config
    from ..history import History, HistoryError
    from .consolidate import find_config

    err = Console(stderr=True)
    cfg = None
    config_path = find_config(config)
    if config is not None or history is None or config_path.exists():
        try:
            cfg = load_config(config_path)
        except ConfigError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            err.print("Ange --config FIL eller --history FIL.")
            return 2
    if cfg is not None and cfg.enhet(enhet) is None:
        known = ", ".join(e.kod for e in cfg.enheter)
        err.print(f"[red]Enhet {escape(enhet)} finns inte i konfigurationen {escape(str(config_path))}. "
                  f"Kända enheter: {escape(known)}.[/red]")
        return 2
    history = history if history is not None else cfg.history_path
    namnd = cfg.namnd if cfg is not None else None
    if not history.exists():
        err.print(f"[red]Historiken {escape(str(history))} finns inte; den skapas av budgetbook consolidate.[/red]")
        return 2
    try:
        with History(history) as h:
            rows = h.submissions(enhet, namnd)
    except HistoryError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        return 2
    console = console or Console()
    if not rows:
        if cfg is None:  # nothing to tell a typo from a unit that has not reported yet
            err.print(f"[red]Enhet {escape(enhet)} finns inte i historiken {escape(str(history))}; "
                      "ange --config FIL för att kontrollera koden.[/red]")
            return 2
        console.print(f"Enhet {escape(enhet)} har inte lämnat något som konsoliderats ännu "
                      f"(historiken {escape(str(history))}).", highlight=False)
        return 0
    console.print(submissions_table(enhet, rows, console.width))
    return 0


def submissions_table(enhet: str, rows, width: int):
    """What a unit submitted, one line per period; the less essential columns only when the
    console is wide enough."""
    from ..render.tables import Col, fitted_table

    wide = width >= 140
    cols = [Col("Period"), Col("Konsoliderad"), Col("Fil", 3)]
    if wide:
        cols += [Col("SHA-256"), Col("Lämnad av", 2), Col("Datum")]
    cols += [Col("Resultat", 2), Col("Fel", justify="right"), Col("Varn.", justify="right"), Col("Sigill", 2)]
    if wide:
        cols.append(Col("Anmärkning", 3))
    out = []
    for r in rows:
        cells = [r.period, r.skapad.replace("T", " ")[:16], r.filer or "–"]
        if wide:
            cells += [r.sha256[:12], r.uppgiftslamnare, r.datum]
        cells += [r.status, r.fel, r.varningar, r.sigill]
        if wide:
            cells.append(r.anmarkning)
        out.append(cells)
    return fitted_table(f"Enhet {enhet} {rows[-1].enhet_namn}: inlämningar", cols, out, width)
