"""The only loop: run every rule over a book, collect everything, sort deterministically.

Invariant: pure (no I/O). Rules are functions ``(book, context) -> Iterable[Finding]``
listed in the immutable registry ``budgetbook.rules.RULE_MODULES``; the engine adds the
reader's findings, applies severity overrides from the settings and returns one sorted
list. The same call serves the CLI, the Excel button and the consolidated nämnd book.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import import_module
from typing import Callable, Iterable, Sequence

from .book import Book
from .findings import Finding, Severity, sort_findings
from .period import Period
from .settings import Settings

Rule = Callable[[Book, "Context"], Iterable[Finding]]


@dataclass(frozen=True)
class Context:
    settings: Settings = field(default_factory=Settings)
    period: Period | None = None  # --period: the period the workbook must be for
    # The nämnd's verksamheter (names) when a configuration is known; None: any name.
    verksamheter: Sequence[str] | None = None


def rules() -> list[Rule]:
    from .rules import RULE_MODULES

    out: list[Rule] = []
    for name in RULE_MODULES:
        out.extend(getattr(import_module(name), "RULES", ()))
    return out


def validate(book: Book, context: Context | None = None) -> list[Finding]:
    context = context or Context()
    found: list[Finding] = list(book.findings)
    if book.sections or book.header is not None:
        for rule in rules():
            found.extend(rule(book, context))
    found = [f.with_file(book.source) if not f.location.file else f for f in found]
    return sort_findings(_apply_severities(found, context.settings))


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
