from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..config import CONFIG_NAME, ConfigError, config_template, parse_config


def run(directory: Path, namnd: str, ar: int | None) -> int:
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    year = ar if ar is not None else dt.date.today().year
    if not 2000 <= year <= 2100:
        err.print(f"[red]--ar ska vara ett år mellan 2000 och 2100, inte {year}.[/red]")
        return 2
    target = directory / CONFIG_NAME
    if target.exists():
        err.print(f"[red]{escape(str(target))} finns redan och skrivs inte över. Ändra den, eller ta bort den först.[/red]")
        return 2
    text = config_template(namnd=namnd, ar=year)
    try:
        parse_config(text, target)  # what init writes must load
    except ConfigError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        return 2
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
            fh.write(text)
    except FileExistsError:
        err.print(f"[red]{escape(str(target))} finns redan och skrivs inte över.[/red]")
        return 2
    Console().print(f"skrev {escape(str(target))}: ändra verksamheter och enheter så att de stämmer med nämnden.")
    return 0
