"""The edges: the only package that imports openpyxl, python-calamine or xlwings.

``read_workbook`` is the one entry for reading a file: it never raises on bad input; a
file that cannot be read comes back as a Book with no sections and a READ-* finding.
"""

from __future__ import annotations

from pathlib import Path

from ..book import Book, BookMeta
from ..catalogue import code as catalogue_code
from ..findings import Location, make_finding
from ..reader import read_book
from ..spec import SPEC, ReportSpec


def read_workbook(path: str | Path, spec: ReportSpec = SPEC, engine: str = "fast",
                  file_label: str | None = None) -> Book:
    from .openpyxl_source import OpenpyxlSource
    from .package import EngineFault, PackageError, lock_file

    label = file_label if file_label is not None else str(path)
    if engine == "openpyxl":
        Source = OpenpyxlSource
    else:
        from .fast_source import FastSource as Source
    try:
        try:
            book = read_book(Source.open(str(path)), spec, file_label=label)
        except EngineFault:  # calamine cannot convert a value: the slow source can
            book = read_book(OpenpyxlSource.open(str(path)), spec, file_label=label)
    except PackageError as exc:
        return _unreadable(label, spec, exc.code, **exc.params)
    except Exception as exc:  # our fault on input nobody foresaw: the batch goes on
        return _unreadable(label, spec, "READ-009", error=f"{type(exc).__name__}: {exc}")
    lock = lock_file(Path(path))
    if lock is not None:
        name, owner = lock
        book.findings.append(make_finding(catalogue_code("READ-007"), Location(file=label), lock=name,
                                          who=f" hos {owner}" if owner else ""))
    return book


def _unreadable(label: str, spec: ReportSpec, code: str, **params) -> Book:
    finding = make_finding(catalogue_code(code), Location(file=label), **params)
    return Book(source=label, header=None, sections={}, findings=[finding], meta=BookMeta(), spec=spec)
