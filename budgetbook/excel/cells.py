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

from ..textsafety import is_formula_like


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
