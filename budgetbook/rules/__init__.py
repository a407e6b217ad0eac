"""The rule registry: an explicit, immutable list of rule modules.

Each module exposes ``RULES`` (functions ``(book, context) -> Iterable[Finding]``) and
``CODES`` (its catalogue entries); budgetbook.catalogue lists the same modules.
"""

RULE_MODULES: tuple[str, ...] = (
    "budgetbook.rules.periods",
    "budgetbook.rules.prognos",
    "budgetbook.rules.xref",
    "budgetbook.rules.hygiene",
    "budgetbook.rules.text",
)
