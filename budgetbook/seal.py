"""The validation seal: a hash of the values a unit validated.

Invariant: the same input values give the same seal whoever reads them (file or live
Excel, with or without cached formula results). It covers the header and every input
cell, and for computed cells only whether they still hold a formula (or else the typed
constant), so "validated, then changed" is told apart from "validated".
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from .book import Book

SEAL_PREFIX = "bb1:"  # bump when what is hashed changes


def _canon(v: Any) -> Any:
    if v is None or type(v) is str:  # the common case first
        return v
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v else "NaN"
    if isinstance(v, (str, int, bool)):
        return v
    return str(v)


def seal(book: Book) -> str:
    """``bb1:`` + hex sha256 of the book's canonical input values."""
    doc: dict[str, Any] = {}
    if book.header is not None:
        doc["header"] = {k: _canon(c.value) for k, c in sorted(book.header.fields.items())}
    secs = {}
    for key, sec in sorted(book.sections.items()):
        rows = []
        columns = [(col.key, col.computed) for col in sec.spec.columns]  # looked up once per section
        for row in sec.rows:
            if row.empty:
                continue
            cells = row.cells
            total = row.is_total
            vals = []
            for col_key, computed in columns:
                cell = cells.get(col_key)
                if cell is None:
                    continue
                if computed or total:
                    vals.append([col_key, "=" if cell.formula else _canon(cell.value)])
                else:
                    vals.append([col_key, _canon(cell.value), cell.error])
            rows.append([row.position, row.label, vals])
        secs[key] = rows
    doc["sections"] = secs
    blob = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return SEAL_PREFIX + hashlib.sha256(blob).hexdigest()
