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
    from .package import PackageError

    label = file_label if file_label is not None else str(path)
    try:
        if engine == "openpyxl":
            from .openpyxl_source import OpenpyxlSource as Source
        else:
            from .fast_source import FastSource as Source
        source = Source.open(str(path))
        return read_book(source, spec, file_label=label)
    except PackageError as exc:
        finding = make_finding(catalogue_code(exc.code), Location(file=label), **exc.params)
        return Book(source=label, header=None, sections={}, findings=[finding], meta=BookMeta(), spec=spec)
