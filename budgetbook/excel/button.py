"""The Validera button: validate the workbook on the screen and show the findings in it.

Invariant: a thin adapter over the same core as ``budgetbook validate`` (read_book →
engine.validate → writeback.write_back), reading and writing the open workbook live through
xlwings, so unsaved edits are what gets validated. ``run_button`` is the boundary with
Excel: it catches everything, logs it and says in a message box what to do, so Excel is
never left waiting on a Python traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import traceback
from pathlib import Path

from .writeback import WriteBackError, WriteBackResult, refusal

log = logging.getLogger("budgetbook.button")
TITLE = "budgetbook – Validera"


def log_path() -> Path:
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "budgetbook"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Logs" / "budgetbook"
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "budgetbook"
    return base / "knappen.log"


def _log(text: str) -> Path | None:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n{text}\n")
        return path
    except OSError:
        return None


class NotAReport(Exception):
    """The open workbook has none of budgetbook's tables or header names."""


def validate_open_book(book, now: dt.datetime | None = None) -> WriteBackResult:
    """Read the open workbook live, run every rule, write the results into it."""
    from ..engine import validate
    from ..reader import read_book
    from .live import LiveSource, LiveTarget
    from .writeback import write_back

    why = refusal([s.name for s in book.sheets])
    if why:
        raise WriteBackError(why)
    try:
        book.app.calculate()  # manual calculation mode must not leave stale results to validate
    except Exception:  # noqa: BLE001 - a workbook without formulas to calculate is fine as it is
        pass
    parsed = read_book(LiveSource(book), file_label=book.name)
    if not parsed.sections and parsed.header is None:
        raise NotAReport()
    findings = validate(parsed)
    app = book.app
    screen = app.screen_updating
    app.screen_updating = False
    target = LiveTarget(book)
    try:
        return write_back(target, parsed, findings, now)
    finally:
        try:
            target.restore_protection()  # even when the run stopped half-way
        finally:
            app.screen_updating = screen


def run_button() -> None:
    """What ``budgetbook.main()`` runs when the Validera button is pressed."""
    try:
        import xlwings as xw

        book = xw.Book.caller()
    except Exception:  # noqa: BLE001 - nothing to attach to: say so wherever we can
        where = _log(traceback.format_exc())
        _alert(None, "budgetbook hittar ingen öppen arbetsbok att kontrollera. Öppna enhetens "
                     "arbetsbok, klicka i den och tryck på Validera igen."
               + (f"\n\nDetaljer: {where}" if where else ""), critical=True)
        return
    try:
        result = validate_open_book(book)
    except WriteBackError as exc:
        _alert(book, str(exc), critical=True)
    except NotAReport:
        _alert(book, "Arbetsboken är ingen budgetbook-rapport: den saknar budgetbooks tabeller och "
                     "bladet Uppgifter. Öppna enhetens arbetsbok (skapad med budgetbook new eller en "
                     "mall) och tryck på Validera där. Inget har skrivits i den här arbetsboken.")
    except Exception:  # noqa: BLE001 - the boundary with Excel: never leave it hanging
        where = _log(traceback.format_exc())
        _alert(book, "Kontrollen kunde inte slutföras på grund av ett oväntat fel. Arbetsboken kan ha "
                     "fått en del av resultaten; tryck på Validera igen. Om felet kvarstår: spara "
                     "arbetsboken och kör budgetbook validate FIL --write-back, eller skicka filen "
                     "till ekonomiavdelningen"
               + (f" tillsammans med loggfilen {where}." if where else "."), critical=True)
    else:
        try:
            book.app.status_bar = f"budgetbook: {result.status}. Se bladet Kontroll."
        except Exception:  # noqa: BLE001 - the status bar is a courtesy
            pass


def _alert(book, text: str, critical: bool = False) -> None:
    try:
        if book is not None:
            app = book.app
        else:
            import xlwings as xw

            app = xw.apps.active
        app.alert(text, title=TITLE, mode="critical" if critical else "info")
    except Exception:  # noqa: BLE001 - no Excel to show it in: the log has it
        _log(f"(kunde inte visa meddelandet) {text}\n{traceback.format_exc()}")
