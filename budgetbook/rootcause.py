"""Root-cause folding: many broken checks, one finding per wrong cell.

Invariant: pure. Checks that relate several cells (a sum, a netto, an avvikelse, a sign
rule) do not emit findings; they emit ``Violation``s naming every cell involved and, for
each, the value that cell would need if it alone were wrong (a formula cell brings the
typed cells it is computed from). ``fold`` then picks the cell that explains the most
violations (a greedy hitting set), emits one finding there with the other checks it
breaks in ``related``, removes what it explains and repeats. Never a cell the reader
computed from its formula; among equals, the cell with fewer checks that hold, then a
total or computed cell (the check's target) before an input term, then sheet order.

``explain`` does the same across rules, for findings one rule cannot fold: a rule module
declares which codes a finding of its explains (``SUPPRESSES``), and a finding of such a
code that involves what the cause covers is folded into the cause's ``related`` (a section
in ledger convention, SIGN-002, explains the cross-section differences it causes).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable, Iterable, Sequence

from .findings import Code, Finding, Location, make_finding, quote_sheet

# Which check names a root cell when it breaks several: the most specific first.
CODE_PRIORITY = ("SIGN-003", "SIGN-001", "SUM-001", "CALC-001")
# A check that speaks of its target cell (SIGN-003: "the avvikelse has the wrong sign") reads
# as the equation it checks when the root is one of its terms (a prognos netto, not the
# avvikelse computed from it).
AS_TERM = {"SIGN-003": "CALC-001"}


@dataclass(frozen=True)
class CellFact:
    """One cell taking part in a check."""

    key: tuple  # (section order, excel row, column order, section key, column key): unique and sortable
    location: Location
    value: Decimal | None
    typed: bool  # a constant (not a formula): could be the wrong one
    filled: bool = False  # computed by the reader from its formula: never the root
    checks: int = 0  # how many checks the cell takes part in (broken or not)
    header: str = ""  # the column header, for the message
    show: Callable[[Decimal | None], str] | None = field(default=None, compare=False)  # how its values read


@dataclass(frozen=True)
class Violation:
    """A broken check. ``cells[0]`` is its target (the total, the computed cell)."""

    code: str
    cells: tuple[CellFact, ...]
    # For each cell (same order): the value it would need if it alone were wrong.
    solved: tuple[Decimal | None, ...]
    what: str  # the check in words: "Budget netto = Budget intäkter + Budget kostnader"
    tolerance: Decimal
    # Catalogue parameters for the finding (unit, …).
    params: dict[str, Any] = field(default_factory=dict)
    # False when ``solved`` is a guess (a sign rule can only say "the other sign"): the
    # finding then takes the value from an equation the same cell breaks, if any.
    exact: bool = True

    @property
    def target(self) -> CellFact:
        return self.cells[0]

    def label(self) -> str:
        return f"{self.code} {self.target.location.a1}: {self.what}"


def fold(violations: Sequence[Violation], catalogue: Callable[[str], Code]) -> list[Finding]:
    """One finding per root cell, with the checks it breaks; see the module docstring."""
    remaining = list(violations)
    out: list[Finding] = []
    while remaining:
        root = _pick_root(remaining)
        explained = [v for v in remaining if any(c.key == root.key for c in v.cells)]
        gone = {id(v) for v in explained}
        remaining = [v for v in remaining if id(v) not in gone]
        out.append(_finding(root, explained, catalogue))
    return out


def _pick_root(violations: Iterable[Violation]) -> CellFact:
    count: dict[tuple, int] = {}
    target_of: dict[tuple, bool] = {}
    facts: dict[tuple, CellFact] = {}
    for v in violations:
        for i, c in enumerate(v.cells):
            count[c.key] = count.get(c.key, 0) + 1
            target_of[c.key] = target_of.get(c.key, False) or i == 0
            facts[c.key] = c

    def rank(key: tuple) -> tuple:
        c = facts[key]
        # Larger is better. A cell whose other checks hold is less likely wrong than one
        # whose every check breaks; sheet order (smallest key) breaks the last tie.
        return (not c.filled, count[key], -max(0, c.checks - count[key]), target_of[key], c.typed)

    best = max(rank(k) for k in facts)
    return facts[min(k for k in facts if rank(k) == best)]


def _primary(root: CellFact, explained: list[Violation]) -> Violation:
    def order(v: Violation) -> tuple:
        is_target = v.target.key == root.key
        prio = CODE_PRIORITY.index(v.code) if v.code in CODE_PRIORITY else len(CODE_PRIORITY)
        return (not is_target, prio, v.target.key)

    return min(explained, key=order)


def _solved(v: Violation, root: CellFact) -> Decimal | None:
    return next(x for c, x in zip(v.cells, v.solved) if c.key == root.key)


def _finding(root: CellFact, explained: list[Violation], catalogue: Callable[[str], Code]) -> Finding:
    primary = _primary(root, explained)
    expected = _solved(primary, root)
    if not primary.exact:
        expected = next((x for v in sorted(explained, key=lambda v: v.target.key)
                         if v.exact and (x := _solved(v, root)) is not None), expected)
    actual = root.value
    difference = actual - expected if actual is not None and expected is not None else None
    show = root.show or (lambda v: "(tomt)" if v is None else str(v))
    related = tuple(v.label() for v in sorted(explained, key=lambda v: v.target.key) if v is not primary)
    code = primary.code if primary.target.key == root.key else AS_TERM.get(primary.code, primary.code)
    return make_finding(
        catalogue(code), root.location, expected=expected, actual=actual,
        difference=difference, related=related,
        what=primary.what, exp=show(expected), act=show(actual),
        diff=show(difference) if difference is None or difference <= 0 else "+" + show(difference),
        tol=show(primary.tolerance), checks=len(explained), header=root.header, **primary.params)


def explain(findings: Sequence[Finding], suppresses: dict[str, frozenset[str]],
            sheets_of: Callable[[Sequence[str]], set[str]]) -> list[Finding]:
    """Fold each finding that another finding explains into that cause: one cause, one finding.

    ``suppresses`` maps a cause's code to the codes it explains. A cause covers the sheets of
    the sections it names (``params["sections"]``: a section-wide finding such as SIGN-002;
    ``sheets_of`` maps section keys to sheet names), else its own cell. A finding of an
    explained code is folded when its cell, or a cell in its ``related``, lies in what the
    cause covers; the cause lists it in ``related`` as "CODE Sheet!A1".
    """
    causes = [f for f in findings if f.code in suppresses]
    if not causes:
        return list(findings)
    folded: dict[int, list[str]] = {}
    gone: set[int] = set()
    for f in findings:
        cells = {f.location.a1, *f.related}
        for i, cause in enumerate(causes):
            if f.code not in suppresses[cause.code] or not _covers(cause, f, cells, sheets_of):
                continue
            folded.setdefault(i, []).append(f"{f.code} {f.location.a1}")
            gone.add(id(f))
            break
    out = []
    for f in findings:
        if id(f) in gone:
            continue
        i = next((i for i, c in enumerate(causes) if c is f), None)
        out.append(replace(f, related=f.related + tuple(folded[i])) if i in folded else f)
    return out


def _covers(cause: Finding, f: Finding, cells: set[str], sheets_of) -> bool:
    sections = cause.params.get("sections")
    if not sections:
        return bool(cause.location.cell) and cause.location.a1 in cells
    sheets = sheets_of(sections)
    prefixes = tuple(quote_sheet(s) + "!" for s in sheets)
    return f.location.sheet in sheets or any(c.startswith(prefixes) for c in cells)
