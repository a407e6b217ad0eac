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
from .. import collector, engine
from ..engine import Context
from ..findings import Location, make_finding
from ..catalogue import code as catalogue_code
from ..period import Period
from ..reader import read_book
from ..settings import Settings
from ..spec import SPEC

SEAL_NAME = SPEC.status_names[2]  # valideringssigill


def examine(path: str, label: str, period: Period | None, settings: Settings,
            verksamheter: Sequence[str] | None) -> UnitFile:
    """Read and validate one file; the Context is the consolidation's (period, settings, names)."""
    return examine_batch([(path, label)], period, settings, verksamheter)[0]


def examine_batch(files: Sequence[tuple[str, str]], period: Period | None, settings: Settings,
                  verksamheter: Sequence[str] | None) -> list[UnitFile]:
    """Read a batch of (path, label) files and validate them with one ``validate_many`` call
    (batch rules run once over all of them); the same findings as one file at a time. Only this
    batch's books are held at once, so memory is bounded by the batch size, not the inbox."""
    read = [_read(path, label) for path, label in files]
    context = Context(settings=settings, period=period,
                      verksamheter=tuple(verksamheter) if verksamheter else None)
    found = engine.validate_many([book for book, _, _ in read], context)
    return [unit_file(book, findings, file=label, seal=seal_status(stored, book), mtime=mtime)
            for (book, stored, mtime), findings, (_, label) in zip(read, found, files)]


def _read(path: str, label: str) -> tuple[Book, Any, dt.datetime | None]:
    """(book, the seal stored in the file, mtime); never raises."""
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
    return book, stored, mtime


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
    """Picklable entry for a worker process: one file."""
    return examine(*args)


def examine_batch_task(args: tuple) -> list[UnitFile]:
    """Picklable entry for a worker process: (files, period, settings, verksamheter). The cyclic
    collector is paused for the batch (a fifth of its time otherwise) and collects once after."""
    with collector.paused(collect=True):
        return examine_batch(*args)


__all__ = ["examine", "examine_batch", "examine_task", "examine_batch_task"]
