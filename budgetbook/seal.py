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
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v else "NaN"
    if v is None or isinstance(v, (str, int, bool)):
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
        for row in sec.rows:
            if row.empty:
                continue
            vals = []
            for col in sec.spec.columns:
                cell = row.cells.get(col.key)
                if cell is None:
                    continue
                if col.computed or row.is_total:
                    vals.append([col.key, "=" if cell.formula else _canon(cell.value)])
                else:
                    vals.append([col.key, _canon(cell.value), cell.error])
            rows.append([row.position, row.label, vals])
        secs[key] = rows
    doc["sections"] = secs
    blob = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return SEAL_PREFIX + hashlib.sha256(blob).hexdigest()
