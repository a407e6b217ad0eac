"""Text from a unit's cells stays text wherever budgetbook writes it (pure).

A value starting with =, +, -, @, a tab or a carriage return is what a spreadsheet would
take for a formula (formula/CSV injection).
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def json_safe_text(text: str) -> str:
    """Text for a report that may later be opened in a spreadsheet: "=..." becomes "'=..."."""
    return "'" + text if is_formula_like(text) else text
