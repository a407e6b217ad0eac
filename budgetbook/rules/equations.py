"""The arithmetic the spec declares, evaluated exactly and rounding-aware.

Invariant: every equation comes from the spec and none names a column: a computed
column's formula (on data rows and on total rows whose columns are all totalled), a
section's row relations (sjukfrånvaro total = kort + lång), and each total row's items for
every column whose ``total == "sum"``. Values are Decimals from the reader. The tolerance
is half a unit of the last printed digit of every typed term and of the total itself
(formula results are exact), so a difference explained by rounding is silent; a larger
one is a ``Violation`` naming every cell, for root-cause folding. Pure: no I/O, no pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterator

from ..book import CellValue, SectionData, SectionRow
from ..findings import Location, fmt_value
from ..rootcause import CellFact, Violation
from ..spec import Column, Kind, Linear, Ratio, Section
from ..spec.model import Formula

ZERO = Decimal(0)
RATIO_PLACES = Decimal("0.000001")  # a ratio's expected value, as reported


@dataclass(frozen=True)
class RowCheck:
    """One row-level equation of a section: ``target`` = ``formula`` on a row."""

    name: str  # stable: "calc:<column>" or "rel:<column>"
    target: str
    formula: Formula

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.target, *self.formula.inputs)


def row_checks(section: Section) -> tuple[RowCheck, ...]:
    return (tuple(RowCheck(f"calc:{c.key}", c.key, c.formula) for c in section.computed_columns)
            + tuple(RowCheck(f"rel:{r.column}", r.column, r.formula) for r in section.relations))


def checks_total_rows(section: Section, check: RowCheck) -> bool:
    """A total row obeys a row equation when every column in it is totalled."""
    return all(section.column(k).total for k in check.keys)


@dataclass(frozen=True)
class Scope:
    """One section of one book, with what its numbers mean (unit, printed precision)."""

    data: SectionData
    order: int  # the section's position in the spec: sorts findings and roots
    unit: str  # tkr | mnkr
    rounding: Decimal  # half a unit of an amount's last printed digit
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # per-validation cache

    @property
    def section(self) -> Section:
        return self.data.spec

    def cell(self, row: SectionRow, key: str) -> CellValue | None:
        return row.cells.get(key)

    def fact(self, row: SectionRow, key: str) -> CellFact:
        cell = row.cells[key]
        col_order = self.section.column_keys.index(key)
        loc = Location(section=self.section.key, sheet=self.data.sheet, cell=cell.ref,
                       row_label=row.label, column=key)
        return CellFact(key=(self.order, row.excel_row, col_order, self.section.key, key), location=loc,
                        value=cell.number, typed=not cell.formula, filled=cell.filled,
                        checks=self.participation(row, key), header=self.section.column(key).header,
                        show=self.show(key))

    def spec_formula(self, row: SectionRow, key: str) -> bool:
        """The cell holds the formula the template puts there (computed column or total)."""
        cell, col = row.cells.get(key), self.section.column(key)
        return bool(cell is not None and cell.formula
                    and ((row.is_total and col.total == "sum") or col.formula is not None))

    def _inputs(self, row: SectionRow, key: str) -> list[tuple[SectionRow, str, Decimal | None]]:
        """What a spec formula cell is computed from, with d(cell)/d(input) (None: a ratio)."""
        col = self.section.column(key)
        if row.is_total and col.total == "sum":
            return [(r, key, Decimal(1)) for r in total_items(self.data, row)]
        if isinstance(col.formula, Linear):
            return [(row, k, Decimal(w)) for k, w in col.formula.terms]
        return [(row, k, None) for k in col.formula.inputs]

    def sources(self, row: SectionRow, key: str) -> list[tuple[SectionRow, str, Decimal | None]]:
        """The typed cells a formula cell is computed from, through formulas, each with
        d(cell)/d(source) (None through a ratio): a wrong source breaks the cell's checks."""
        if not self.spec_formula(row, key):
            return []
        out = []
        for r, k, w in self._inputs(row, key):
            deeper = self.sources(r, k)
            if deeper:
                out += [(r2, k2, w * w2 if w is not None and w2 is not None else None) for r2, k2, w2 in deeper]
            elif r.cells.get(k) is not None and r.cells[k].number is not None:
                out.append((r, k, w))
        return out

    def reliable(self, row: SectionRow, key: str) -> bool:
        """False for an unreadable cell (the reader reports it) and for a formula computed
        from one: a check through it would only repeat the reader's finding, wrongly placed."""
        memo_key = ("reliable", row.position, key)
        if memo_key not in self.memo:
            cell = row.cells.get(key)
            # IN-010 (a number typed as text) was read correctly: it is checked like any number.
            ok = cell is not None and cell.error is None and cell.problem in (None, "IN-010")
            if ok and self.spec_formula(row, key):
                ok = all(self.reliable(r, k) for r, k, _ in self._inputs(row, key) if k in r.cells)
            self.memo[memo_key] = ok
        return self.memo[memo_key]

    def expand(self, coefs: list[tuple[SectionRow, str, Decimal | None]]
               ) -> dict[tuple[int, str], tuple[SectionRow, str, Decimal | None]]:
        """Each cell's net coefficient in a check (formula cells also through the typed cells
        they are computed from; None through a ratio). A cell whose contributions cancel
        (an avvikelse formula and the netto it is computed from) cannot break the check."""
        out: dict[tuple[int, str], tuple[SectionRow, str, Decimal | None]] = {}

        def add(r: SectionRow, k: str, c: Decimal | None) -> None:
            prev = out.get((r.position, k))
            if prev is not None:
                c = None if c is None or prev[2] is None else prev[2] + c
            out[(r.position, k)] = (r, k, c)

        for r, k, c in coefs:
            add(r, k, c)
            for r2, k2, w in self.sources(r, k):
                add(r2, k2, None if c is None or w is None else c * w)
        return {key: v for key, v in out.items() if v[2] != 0}

    def participation(self, row: SectionRow, key: str) -> int:
        """How many of the section's checks a cell takes part in, directly or through the
        formulas computed from it; a check the template's own formula makes true (a total
        cell holding its SUM) proves nothing and is not counted."""
        if "participation" not in self.memo:
            counts: dict[tuple[int, str], int] = {}
            for cells in self._check_cells():
                for c in cells:
                    counts[c] = counts.get(c, 0) + 1
            self.memo["participation"] = counts
        return self.memo["participation"].get((row.position, key), 0)

    def _check_cells(self) -> Iterator[set[tuple[int, str]]]:
        sec, data = self.section, self.data
        for row in data.rows:
            if row.empty:
                continue
            for check in row_checks(sec):
                target = row.cells.get(check.target)
                if target is None or target.number is None or (row.is_total and not checks_total_rows(sec, check)):
                    continue
                if target.formula and (not row.is_total or sec.column(check.target).total == "formula"):
                    continue
                f = check.formula
                terms = (f.terms if isinstance(f, Linear) else ((f.numerator, None), (f.denominator, None)))
                coefs = [(row, check.target, Decimal(1))] + [
                    (row, k, None if w is None else Decimal(-w)) for k, w in terms]
                yield set(self.expand(coefs))
        for total in data.total_rows():
            items = total_items(data, total)
            for col in sec.columns:
                cell = total.cells.get(col.key)
                if col.total == "sum" and cell is not None and cell.number is not None and not cell.formula:
                    yield set(self.expand([(total, col.key, Decimal(1))]
                                          + [(r, col.key, Decimal(-1)) for r in items]))

    def uncertainty(self, row: SectionRow, key: str) -> Decimal:
        """How far a cell's value may be from the truth because figures were printed rounded.

        A typed value: half a unit of its last printed digit. A formula the spec puts in
        the cell (a computed column, a total): the rounding of what it adds up, since an
        exact sum of rounded terms is no more exact than they are. Blank: exactly 0.
        """
        memo_key = (row.position, key)
        if memo_key not in self.memo:
            self.memo[memo_key] = self._uncertainty(row, key)
        return self.memo[memo_key]

    def _uncertainty(self, row: SectionRow, key: str) -> Decimal:
        cell, col = row.cells.get(key), self.section.column(key)
        v = cell.number if cell is not None else None
        if v is None:
            return ZERO
        if row.is_total and col.total == "sum":
            # A total may be the rounded true total or the sum of the printed rows: either way
            # it is no further from the truth than the rows' rounding (formula: exactly that).
            rows = sum((self.uncertainty(r, key) for r in total_items(self.data, row)), ZERO)
            return rows if cell.formula else max(rows, self.rounding if col.kind is Kind.AMOUNT else ZERO)
        if cell.formula and col.formula is not None:
            f = col.formula
            if isinstance(f, Linear):
                return sum((self.uncertainty(row, k) for k in f.inputs), ZERO)
            return ratio_uncertainty(row.number(f.numerator), row.number(f.denominator),
                                     self.uncertainty(row, f.numerator), self.uncertainty(row, f.denominator))
        if col.kind is Kind.AMOUNT:
            return self.rounding
        if col.kind in (Kind.PERCENT, Kind.NUMBER):
            return printed_rounding(v, col.kind)
        return ZERO

    def show(self, key: str) -> Callable[[Decimal | None], str]:
        return shower(self.section.column(key), self.unit)


def printed_rounding(v: Decimal, kind: Kind) -> Decimal:
    """How far a typed percent or number may be from the truth by its printed rounding."""
    if kind is Kind.NUMBER and v == v.to_integral_value():
        return ZERO  # a count
    # A fraction is printed at least as whole percent (0,63 = 63 %).
    places = max(2, -v.normalize().as_tuple().exponent)
    return Decimal(5).scaleb(-places - 1)


def shower(col: Column, unit: str) -> Callable[[Decimal | None], str]:
    def show(v: Decimal | None) -> str:
        if v is None:
            return "(tomt)"
        if col.kind is Kind.AMOUNT:
            return f"{fmt_value(v)} {unit}"
        if col.kind is Kind.PERCENT or (col.kind is Kind.NUMBER and abs(v) < 2 and v != v.to_integral_value()):
            return f"{fmt_value((v * 100).quantize(Decimal('0.1')).normalize())} %"
        return fmt_value(v.quantize(Decimal("0.0001")).normalize() if v != v.to_integral_value() else v)
    return show


def linear_violation(scope: Scope, code: str, target: tuple[SectionRow, str],
                     terms: list[tuple[SectionRow, str, int]], what: str,
                     difference: bool = False, target_uncertainty: Decimal | None = None) -> Violation | None:
    """Check target = Σ weight × term; None when it holds within rounding or cannot be told."""
    t_row, t_key = target
    t_cell = scope.cell(t_row, t_key)
    cells = [scope.cell(r, k) for r, k, _ in terms]
    if t_cell is None or t_cell.number is None or not all(scope.reliable(r, k) for r, k in
                                                          [target, *((r, k) for r, k, _ in terms)]):
        return None
    if all(c.blank for c in cells):  # nothing to check against (a netto typed without its parts)
        return None
    values = [c.number if c.number is not None else ZERO for c in cells]
    expected = sum((w * v for (_, _, w), v in zip(terms, values)), ZERO)
    found = t_cell.number
    own = scope.uncertainty(t_row, t_key) if target_uncertainty is None else target_uncertainty
    tol = own + sum((scope.uncertainty(r, k) for r, k, _ in terms), ZERO)
    if abs(found - expected) <= tol:
        return None
    if difference and expected * found < 0:
        code = "SIGN-003"
    coefs = [(t_row, t_key, Decimal(1))] + [(r, k, Decimal(-w)) for r, k, w in terms]
    facts, solved = involved(scope, coefs, found - expected)
    return Violation(code=code, cells=facts, solved=solved, what=what, tolerance=tol, params={"unit": scope.unit})


def ratio_violation(scope: Scope, code: str, row: SectionRow, target: str, f: Ratio,
                    what: str) -> Violation | None:
    t, n, d = (scope.cell(row, k) for k in (target, f.numerator, f.denominator))
    if not all(scope.reliable(row, k) for k in (target, f.numerator, f.denominator)) \
            or None in (t.number, n.number, d.number) or d.number == 0:
        return None
    expected = n.number / d.number
    found = t.number
    tol = scope.uncertainty(row, target) + ratio_uncertainty(
        n.number, d.number, scope.uncertainty(row, f.numerator), scope.uncertainty(row, f.denominator))
    if abs(found - expected) <= tol:
        return None
    solved = (expected.quantize(RATIO_PLACES), found * d.number, n.number / found if found else None)
    facts, solved = involved(scope, [(row, target, Decimal(1)), (row, f.numerator, None),
                                     (row, f.denominator, None)], None, solved)
    return Violation(code=code, cells=facts, solved=solved, what=what, tolerance=tol, params={"unit": scope.unit})


def involved(scope: Scope, coefs: list[tuple[SectionRow, str, Decimal | None]], residual: Decimal | None,
             direct: tuple[Decimal | None, ...] | None = None
             ) -> tuple[tuple[CellFact, ...], tuple[Decimal | None, ...]]:
    """A broken check's cells, formula cells expanded into their typed sources, each with
    the value it would need if it alone were wrong: its value − residual / its coefficient
    (``direct`` gives the direct cells' values where the check is not linear)."""
    facts, solved = [], []
    for i, (r, k, c) in enumerate(scope.expand(coefs).values()):
        fact = scope.fact(r, k)
        facts.append(fact)
        if direct is not None and i < len(coefs) and (r, k) == coefs[i][:2]:
            solved.append(direct[i])
        elif residual is not None and c is not None and fact.value is not None:
            solved.append(fact.value - residual / c)
        else:
            solved.append(None)
    return tuple(facts), tuple(solved)


def ratio_uncertainty(n: Decimal | None, d: Decimal | None, q_n: Decimal, q_d: Decimal) -> Decimal:
    """How far n / d may be off when n and d are each off by at most q_n and q_d."""
    if n is None or d is None or d == 0:
        return ZERO
    r = abs(n / d)
    slack = abs(d) - q_d
    return (q_n + r * q_d) / slack if slack > 0 else r


def _formula_text(section: Section, target: str, f: Formula) -> str:
    h = lambda k: section.column(k).header  # noqa: E731
    if isinstance(f, Ratio):
        return f"{h(target)} = {h(f.numerator)} / {h(f.denominator)}"
    parts = "".join((" + " if w > 0 else " − ") + h(k) for k, w in f.terms)
    return f"{h(target)} = {parts[3:] if parts.startswith(' + ') else '−' + parts[3:]}"


def row_violations(scope: Scope, row: SectionRow, check: RowCheck) -> Violation | None:
    """The row equation ``check`` on ``row``, exactly."""
    sec = scope.section
    if row.is_total and not checks_total_rows(sec, check):
        return None
    what = _formula_text(sec, check.target, check.formula)
    if isinstance(check.formula, Linear):
        terms = [(row, k, w) for k, w in check.formula.terms]
        return linear_violation(scope, "CALC-001", (row, check.target), terms, what,
                                difference=check.formula.is_difference)
    return ratio_violation(scope, "CALC-001", row, check.target, check.formula, what)


def total_items(data: SectionData, total: SectionRow) -> list[SectionRow]:
    """The rows a total row adds up, as the template's SUM formula does."""
    spec = total.spec
    if spec.all_rows:
        return [r for r in data.rows if r.position < total.position and not r.is_total and not r.empty]
    return [r for r in (data.row(c) for c in spec.items) if r is not None]


def sum_violation(scope: Scope, total: SectionRow, col: Column) -> Violation | None:
    """A total row's cell in a column totalled by "sum" against the sum of its rows, exactly."""
    items = total_items(scope.data, total)
    if not items or col.total != "sum" or col.key not in total.cells:
        return None
    if total.spec.all_rows:
        over = f"summan av raderna {items[0].excel_row}–{items[-1].excel_row}"
    else:
        over = " + ".join(r.label for r in items)
    cell = total.cells[col.key]
    # The total's own printed rounding (a formula total is exact).
    own = ZERO if cell.formula or col.kind is not Kind.AMOUNT else scope.rounding
    return linear_violation(scope, "SUM-001", (total, col.key), [(r, col.key, 1) for r in items],
                            f"{total.label} {col.header} = {over}", target_uncertainty=own)
