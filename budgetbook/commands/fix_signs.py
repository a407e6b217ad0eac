"""``budgetbook fix-signs FILE -o OUT``: a copy in report convention; FILE is never touched."""

from __future__ import annotations

from pathlib import Path


def run(file: Path, output: Path, force: bool = False, console=None) -> int:
    from rich.console import Console

    from ..convention import ledger_sections, sign_flips
    from ..engine import validate
    from ..excel import read_workbook
    from ..excel.fix_signs import write_flipped
    from .validate import UNREADABLE

    out = console or Console()
    err = Console(stderr=True) if console is None else console
    if output.resolve() == file.resolve():
        err.print(f"[red]Utfilen får inte vara {file} själv: fix-signs skriver alltid en kopia och "
                  "lämnar originalet orört.[/red]")
        return 2
    if output.exists() and not force:
        err.print(f"[red]{output} finns redan; välj ett annat namn eller använd --force.[/red]")
        return 2
    book = read_workbook(file)
    unreadable = [f for f in book.findings if f.code in UNREADABLE]
    if unreadable or not book.sections:
        msg = unreadable[0].message if unreadable else "arbetsboken har ingen av budgetbooks tabeller."
        err.print(f"[red]{file}: {msg}[/red]")
        return 2
    sections = ledger_sections(validate(book))
    if not sections:
        out.print(f"{file}: ingen sektion har bokföringens tecken (kostnader +, intäkter −); ingen kopia skrevs.")
        return 0
    n = write_flipped(file, output, sign_flips(book, sections))
    sheets = ", ".join(book.section(k).sheet for k in sections)
    out.print(f"skrev {output}: {n} belopp bytte tecken på {'bladen' if len(sections) > 1 else 'bladet'} "
              f"{sheets} (intäkter +, kostnader −). Originalet {file} är orört.")
    return 0
