from __future__ import annotations

import json
import sys
from pathlib import Path

from ..book import Book
from ..findings import _jsonable


def book_as_dict(book: Book) -> dict:
    """The typed section data with every value's address, as other tools consume it."""
    return {
        "file": book.source,
        "header": {k: {"cell": f"{book.header.sheet}!{v.ref}", "value": _jsonable(v.value)}
                   for k, v in book.header.fields.items()} if book.header else None,
        "sections": {
            key: {
                "sheet": sec.sheet,
                "table": sec.spec.table,
                "ref": sec.table_ref,
                "rows": [
                    {"position": r.position, "row": r.excel_row, "label": r.label, "code": r.code,
                     "total": r.is_total,
                     "values": {k: {"cell": c.ref, "value": _jsonable(c.value),
                                    **({"error": c.error} if c.error else {}),
                                    **({"computed_by_reader": True} if c.filled else {})}
                                for k, c in r.cells.items() if not c.blank}}
                    for r in sec.rows if not r.empty
                ],
            }
            for key, sec in book.sections.items()
        },
        "findings": [f.to_dict() for f in book.findings],
    }


def run(files: list[Path], engine: str) -> int:
    from ..excel import read_workbook

    out = [book_as_dict(read_workbook(f, engine=engine)) for f in files]
    sys.stdout.write(json.dumps(out if len(out) > 1 else out[0], ensure_ascii=False, indent=2) + "\n")
    return 2 if any(not b["sections"] for b in out) else 0
