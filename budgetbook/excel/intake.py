"""Reading one received unit workbook for consolidation: read, validate, seal, reduce.

Invariant: never raises for a file (a broken file comes back unreadable with its finding)
and never writes anything; what it returns is the small ``UnitFile`` consolidation keeps,
so a worker process hands back kilobytes, not the whole workbook.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, Sequence

from ..book import Book, BookMeta
from ..consolidate import UnitFile, seal_status, unit_file
from ..engine import Context, validate
from ..findings import Location, make_finding
from ..catalogue import code as catalogue_code
from ..period import Period
from ..reader import read_book
from ..seal import seal
from ..settings import Settings
from ..spec import SPEC

SEAL_NAME = SPEC.status_names[2]  # valideringssigill


def examine(path: str, label: str, period: Period | None, settings: Settings,
            verksamheter: Sequence[str] | None) -> UnitFile:
    """Read and validate one file; the Context is the consolidation's (period, settings, names)."""
    from .fast_source import FastSource
    from .package import PackageError

    try:
        mtime = dt.datetime.fromtimestamp(os.stat(path).st_mtime).replace(microsecond=0)
    except OSError:
        mtime = None
    stored: Any = None
    try:
        source = FastSource.open(path)
        book = read_book(source, SPEC, file_label=label)
        stored = _defined_value(source, SEAL_NAME)
    except PackageError as exc:
        book = _unreadable(label, exc.code, exc.params)
    except Exception as exc:  # one odd file must not stop a batch of hundreds
        book = _unreadable(label, "READ-004", {"reason": f"{type(exc).__name__}: {exc}"})
    findings = validate(book, Context(settings=settings, period=period,
                                      verksamheter=tuple(verksamheter) if verksamheter else None))
    return unit_file(book, findings, file=label, seal=seal_status(stored, seal(book)), mtime=mtime)


def _unreadable(label: str, code: str, params: dict) -> Book:
    finding = make_finding(catalogue_code(code), Location(file=label), **params)
    return Book(source=label, header=None, sections={}, findings=[finding], meta=BookMeta())


def _defined_value(source, name: str) -> Any:
    from ..excel_refs import cell_pos

    target = source.defined_names.get(name.lower())
    if target is None:
        return None
    sheet, ref = target
    try:
        row, col = cell_pos(ref)
    except ValueError:
        return None
    return source.grid(sheet, row).cell(row, col).value


def examine_task(args: tuple) -> UnitFile:
    """Picklable entry for a worker process."""
    return examine(*args)


__all__ = ["examine", "examine_task"]
