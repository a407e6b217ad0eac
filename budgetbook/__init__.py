"""budgetbook: standard templates, validation and consolidation of nämnd reports.

``main()`` is what the Excel add-in's Validera button runs (the add-in file is named
budgetbook.xlam, and xlwings' ribbon template imports the module named like the file).
"""

__version__ = "0.1.0"


def main() -> None:
    """Entry point of the Excel add-in's Validera button: hands over to the button adapter."""
    from .excel.button import run_button

    run_button()
