"""Writing untrusted text into cells so that it stays text.

Invariant: a value from a unit's workbook (a kommentar, an åtgärd, an orsak) written into
another workbook is never turned into a formula: text starting with =, +, -, @, a tab or a
carriage return is stored as a string with Excel's quote prefix, as if typed after an
apostrophe. Use ``put`` for every value that did not come from budgetbook itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def put(cell: Cell, value: Any) -> Cell:
    """Write a value; text is always stored as text, never as a formula."""
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise take "=..." for a formula
        if is_formula_like(value):
            cell.quotePrefix = True
        return cell
    cell.value = value
    return cell


def json_safe_text(text: str) -> str:
    """Text for a JSON report that may later be opened in a spreadsheet (CSV injection)."""
    return "'" + text if is_formula_like(text) else text
