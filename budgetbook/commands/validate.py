"""``budgetbook validate FILE...``: read, validate (batched), render; exit status from findings.

Exit status: 0 no errors (warnings allowed), 1 errors, 2 a file could not be read
(READ-001..006) or the call itself was wrong (bad --period, --settings, --config).
"""

from __future__ import annotations

import sys
from pathlib import Path

UNREADABLE = {f"READ-00{i}" for i in range(1, 7)}


class CallError(Exception):
    """The call was wrong: said on stderr, exit status 2."""


def context_from(period: str | None, settings: Path | None, config: Path | None):
    """The validation context for the options; raises CallError with a Swedish message."""
    from ..engine import Context
    from ..period import Period, PeriodError
    from ..settings import Settings, SettingsError

    try:
        p = Period.parse(period) if period is not None else None
        s = Settings.load(settings) if settings is not None else Settings()
    except (PeriodError, SettingsError) as exc:
        raise CallError(str(exc)) from None
    verksamheter = None
    if config is not None:
        from ..config import ConfigError, load_config

        try:
            cfg = load_config(config)
        except ConfigError as exc:
            raise CallError(str(exc)) from None
        verksamheter = [v.namn for v in cfg.verksamheter]
        if settings is None:  # the nämnd's own [validering], unless --settings overrides it
            s = cfg.settings
    return Context(settings=s, period=p, verksamheter=verksamheter)


def run(files: list[Path], *, period: str | None = None, format: str = "text",
        settings: Path | None = None, config: Path | None = None, write_back: bool = False,
        console=None) -> int:
    from rich.console import Console

    from .. import __version__
    from ..engine import has_errors, validate_many
    from ..excel import read_workbook
    from ..render.json import FileReport, dumps, report_dict
    from ..spec import SPEC

    err = Console(stderr=True)
    try:
        context = context_from(period, settings, config)
        if format not in ("text", "json"):
            raise CallError(f"--format ska vara text eller json, inte {format}.")
    except CallError as exc:
        err.print(f"[red]{exc}[/red]")
        return 2
    books = [read_workbook(f) for f in files]
    results = validate_many(books, context)
    reports = [FileReport(file=b.source, findings=found,
                          readable=not any(f.code in UNREADABLE for f in b.findings))
               for b, found in zip(books, results)]
    status = 2 if not all(r.readable for r in reports) else 1 if any(has_errors(r.findings) for r in reports) else 0
    if write_back:
        from ..excel.writeback import write_back_file

        for path, book, report in zip(files, books, reports):
            if report.readable and book.sections:
                try:
                    report.backup = str(write_back_file(Path(path), book, report.findings))
                except OSError as exc:
                    err.print(f"[red]{path}: resultatet kunde inte skrivas i arbetsboken: {exc}[/red]")
                    status = 2
    if format == "json":
        sys.stdout.write(dumps(report_dict(reports, period=str(context.period) if context.period else None,
                                           exit_status=status, spec_version=SPEC.version, version=__version__)))
    else:
        from ..render.console import render_reports

        render_reports(console or Console(), reports)
    return status
