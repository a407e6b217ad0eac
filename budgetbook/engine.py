"""The only loop: run every rule over a book, collect everything, sort deterministically.

Invariant: pure (no I/O). Rules are functions ``(book, context) -> Iterable[Finding]``
(``RULES``) or ``(books, context) -> one iterable per book`` (``BATCH_RULES``: one call
over many books, as consolidation validates hundreds) listed in the immutable registry
``budgetbook.rules.RULE_MODULES``. A rule yields findings, or ``Violation``s (checks that
relate several cells), which the engine folds so that one wrong cell is one finding with
the checks it breaks (``budgetbook.rootcause``). The engine adds the reader's findings,
applies severity overrides from the settings, folds findings that another rule's finding
explains (a module's ``SUPPRESSES``: cause code → codes it explains) into that cause, and
returns one sorted list per book. The
same call serves the CLI, the Excel button and the consolidated nämnd book.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import Callable, Iterable, Sequence

from .book import Book
from .findings import Finding, Severity, sort_findings
from .period import Period
from .rootcause import Violation, explain, fold
from .settings import Settings

Rule = Callable[[Book, "Context"], Iterable[Finding | Violation]]
BatchRule = Callable[[Sequence[Book], "Context"], Sequence[Iterable[Finding | Violation]]]


@dataclass(frozen=True)
class Context:
    settings: Settings = field(default_factory=Settings)
    period: Period | None = None  # --period: the period the workbook must be for
    # The nämnd's verksamheter (names) when a configuration is known; None: any name.
    verksamheter: Sequence[str] | None = None
    # One validation run's work that several rules share (the batched section tables), set
    # by validate_many for that run only; None: each rule derives what it needs itself.
    shared: dict | None = field(default=None, compare=False, repr=False)


def rules() -> list[Rule]:
    from .rules import RULE_MODULES

    out: list[Rule] = []
    for name in RULE_MODULES:
        out.extend(getattr(import_module(name), "RULES", ()))
    return out


def batch_rules() -> list[BatchRule]:
    from .rules import RULE_MODULES

    out: list[BatchRule] = []
    for name in RULE_MODULES:
        out.extend(getattr(import_module(name), "BATCH_RULES", ()))
    return out


def suppressions() -> dict[str, frozenset[str]]:
    """Cause code → the codes its findings explain, from every rule module's ``SUPPRESSES``."""
    from .rules import RULE_MODULES

    out: dict[str, frozenset[str]] = {}
    for name in RULE_MODULES:
        for cause, codes in getattr(import_module(name), "SUPPRESSES", {}).items():
            out[cause] = out.get(cause, frozenset()) | frozenset(codes)
    return out


def validate(book: Book, context: Context | None = None) -> list[Finding]:
    return validate_many([book], context)[0]


def validate_many(books: Sequence[Book], context: Context | None = None) -> list[list[Finding]]:
    """Validate many books with one pass of each batch rule; one sorted list per book."""
    from .catalogue import code

    context = replace(context or Context(), shared={})
    results: list[list[Finding | Violation]] = [[] for _ in books]
    live = [i for i, b in enumerate(books) if b.sections or b.header is not None]
    for rule in rules():
        for i in live:
            results[i].extend(rule(books[i], context))
    for batch in batch_rules():
        for i, found in zip(live, batch([books[i] for i in live], context)):
            results[i].extend(found)
    off = {c for c, s in context.settings.severities.items() if s == "av"}
    explains = suppressions()
    out = []
    for book, found in zip(books, results):
        violations = [v for v in found if isinstance(v, Violation) and v.code not in off]
        findings = list(book.findings) + [f for f in found if isinstance(f, Finding)] + fold(violations, code)
        findings = [f.with_file(book.source) if not f.location.file else f for f in findings]
        findings = explain(_apply_severities(findings, context.settings), explains, _sheets_of(book))
        out.append(sort_findings(findings))
    return out


def _sheets_of(book: Book) -> Callable[[Sequence[str]], set[str]]:
    def sheets(sections: Sequence[str]) -> set[str]:
        return {book.sections[k].sheet for k in sections if k in book.sections}
    return sheets


def _apply_severities(found: list[Finding], settings: Settings) -> list[Finding]:
    if not settings.severities:
        return found
    out = []
    for f in found:
        s = settings.severities.get(f.code)
        if s == "av":
            continue
        out.append(replace(f, severity=Severity(s)) if s else f)
    return out


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.FEL for f in findings)
