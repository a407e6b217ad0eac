"""Test helpers for comparing what reading gives: a Book as plain, comparable data."""

from __future__ import annotations

from budgetbook.book import Book


def book_dump(book: Book, shift: tuple[int, int] = (0, 0), sheet: str | None = None) -> dict:
    """Every value with its address, every finding with its place and message.

    ``shift`` (rows, columns) and ``sheet`` map the addresses of a moved table back, so a
    moved copy compares equal to the original.
    """
    from budgetbook.excel_refs import cell_pos, cell_ref, col_index, col_letter

    def ref(a1: str) -> str:
        r, c = cell_pos(a1)
        return cell_ref(r - shift[0], c - shift[1])

    header = None
    if book.header is not None:
        header = {k: (v.ref, v.value, v.formula, v.error, v.problem) for k, v in book.header.fields.items()}
    sections = {
        key: {
            "sheet": sheet or sec.sheet,
            "columns": {k: col_letter(col_index(v) - shift[1]) for k, v in sec.columns.items()},
            "rows": [(r.position, r.excel_row - shift[0], r.label, r.code, r.hidden,
                      {k: (ref(c.ref), c.value, c.formula, c.filled, c.error, c.problem)
                       for k, c in r.cells.items()}) for r in sec.rows],
        }
        for key, sec in book.sections.items()
    }
    findings = sorted((f.code, f.severity.value, f.location.section, f.location.sheet, f.location.cell,
                       f.location.column, f.message) for f in book.findings)
    return {"header": header, "sections": sections, "findings": findings}
