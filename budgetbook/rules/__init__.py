"""The rule registry: an explicit, immutable list of rule modules.

Each module exposes ``RULES`` (functions ``(book, context) -> Iterable[Finding]``) and/or
``BATCH_RULES`` (``(books, context)`` -> one iterable per book), and ``CODES`` (its
catalogue entries); budgetbook.catalogue lists the same modules. See budgetbook.engine.
"""

RULE_MODULES: tuple[str, ...] = (
    "budgetbook.rules.arithmetic",
    "budgetbook.rules.signs",
    "budgetbook.rules.periods",
    "budgetbook.rules.prognos",
    "budgetbook.rules.xref",
    "budgetbook.rules.hygiene",
    "budgetbook.rules.text",
)
