"""Per-table checks as pandera schemas built from the spec, run over many books at once.

Invariant: one DataFrame per section holds the rows of every book being validated (one
pandera call per section, not one per small table, as consolidation validates hundreds of
workbooks); each frame row remembers which book and which SectionRow it came from, so
pandera's failure cases map back to cells. pandera is the fast, vectorised filter: it
flags rows whose row-wise equality or sign rule fails (with a hair of extra sensitivity
against float noise); the exact Decimal evaluation (``equations``) then decides and
supplies the numbers. pandas and pandera are imported only when a check runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from ..book import Book, SectionRow
from ..spec import Kind, Linear, Section, Sign
from ..spec.model import Formula
from .equations import RowCheck, Scope, checks_total_rows, row_checks

SLACK = 1e-9  # relative; the float filter flags a hair more than the exact check keeps


@dataclass(frozen=True)
class SignRule:
    """Amounts that must have a sign: a column's sign on data rows, or a row's sign
    (kostnadsslag) on every amount column the unit types (not the computed ones)."""

    name: str  # "sign:<column>" or "rowsign:<column>"
    column: str
    sign: Sign | None  # None: the row's sign decides


def sign_rules(section: Section) -> tuple[SignRule, ...]:
    out = [SignRule(f"sign:{c.key}", c.key, c.sign) for c in section.columns if c.sign is not None]
    if any(r.sign is not None and not r.is_total for r in section.fixed_rows):
        out += [SignRule(f"rowsign:{c.key}", c.key, None) for c in section.input_columns
                if c.kind is Kind.AMOUNT and c.sign is None]
    return tuple(out)


def row_sign(row: SectionRow) -> Sign | None:
    return row.spec.sign if row.spec is not None and not row.is_total else None


def required_sign(rule: SignRule, row: SectionRow) -> Sign | None:
    """The sign ``rule`` demands of its column on ``row`` (None: no demand there)."""
    if row.is_total:
        return None
    return rule.sign if rule.sign is not None else row_sign(row)


@dataclass(frozen=True)
class Flag:
    book: int  # index into the books being validated
    scope: Scope
    row: SectionRow
    check: str  # the pandera check name: a RowCheck or SignRule name


def numeric_keys(section: Section) -> tuple[str, ...]:
    return tuple(c.key for c in section.columns if c.kind.numeric)


def section_frame(scopes: Sequence[tuple[int, Scope]]):
    """One frame over the non-empty rows of one section in many books."""
    import pandas as pd

    if not scopes:
        return None, []
    section = scopes[0][1].section
    keys = numeric_keys(section)
    records, where = [], []
    for book_index, scope in scopes:
        for row in scope.data.rows:
            if row.empty:
                continue
            rec: dict = {"_book": book_index, "_total": row.is_total,
                         "_rowsign": {Sign.POSITIVE: 1, Sign.NEGATIVE: -1}.get(row_sign(row), 0)}
            for k in keys:
                cell = row.cells.get(k)
                usable = cell is not None and cell.number is not None
                rec[k] = float(cell.number) if usable else float("nan")
                rec["_q_" + k] = float(scope.uncertainty(row, k)) if usable else 0.0
            records.append(rec)
            where.append((book_index, scope, row))
    if not records:
        return None, []
    return pd.DataFrame.from_records(records), where


def _linear_ok(df, target: str, f: Linear):
    expected = sum(w * df[k].fillna(0.0) for k, w in f.terms)
    tol = df["_q_" + target] + sum(df["_q_" + k] for k in f.inputs)
    all_blank = df[list(f.inputs)].isna().all(axis=1)
    off = (df[target] - expected).abs() > tol * (1 - SLACK) - SLACK
    return ~off | df[target].isna() | all_blank


def _ratio_ok(df, target: str, numerator: str, denominator: str):
    n, d, t = df[numerator], df[denominator], df[target]
    r = n / d.where(d != 0)
    slack = (d.abs() - df["_q_" + denominator]).where(lambda s: s > 0)
    # As equations.ratio_uncertainty, vectorised.
    tol = df["_q_" + target] + ((df["_q_" + numerator] + r.abs() * df["_q_" + denominator]) / slack).fillna(r.abs())
    off = (t - r).abs() > tol * (1 - SLACK) - SLACK
    return ~off | t.isna() | r.isna()


def _equation_check(section: Section, check: RowCheck):
    import pandera.pandas as pa

    f: Formula = check.formula
    on_totals = checks_total_rows(section, check)

    def ok(df):
        res = (_linear_ok(df, check.target, f) if isinstance(f, Linear)
               else _ratio_ok(df, check.target, f.numerator, f.denominator))
        return res if on_totals else res | df["_total"]

    return pa.Check(ok, name=check.name, ignore_na=False)


def _sign_check(rule: SignRule):
    import pandera.pandas as pa

    def ok(df):
        v = df[rule.column]
        sign = (1 if rule.sign is Sign.POSITIVE else -1) if rule.sign is not None else df["_rowsign"]
        return df["_total"] | v.isna() | (v * sign >= 0)

    return pa.Check(ok, name=rule.name, ignore_na=False)


@lru_cache(maxsize=None)
def equation_schema(section: Section):
    """Row-wise equalities of a section (its computed columns and relations)."""
    return _schema(section, tuple(_equation_check(section, c) for c in row_checks(section)))


@lru_cache(maxsize=None)
def sign_schema(section: Section):
    """Sign rules of a section (column signs and row signs)."""
    return _schema(section, tuple(_sign_check(r) for r in sign_rules(section)))


def _schema(section: Section, checks: tuple):
    import pandera.pandas as pa

    columns = {k: pa.Column(float, nullable=True) for k in numeric_keys(section)}
    columns["_total"] = pa.Column(bool)
    return pa.DataFrameSchema(columns, checks=list(checks), name=section.key)


def run_schema(schema, frame, where) -> list[Flag]:
    """Validate lazily; every failure case becomes a Flag at its book and row."""
    import pandera.pandas as pa

    if frame is None or not schema.checks:
        return []
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["schema_context"] == "DataFrameSchema"].dropna(subset=["index"])
        seen = sorted({(int(i), str(c)) for i, c in zip(cases["index"], cases["check"])})
        return [Flag(where[i][0], where[i][1], where[i][2], check) for i, check in seen]
    return []


def scopes_by_section(books: Sequence[Book], settings) -> Iterable[tuple[Section, list[tuple[int, Scope]]]]:
    """Each section of the spec with the scopes of every book that has it."""
    if not books:
        return
    spec = books[0].spec
    for order, section in enumerate(spec.sections):
        scopes = []
        for i, book in enumerate(books):
            data = book.section(section.key)
            if data is None:
                continue
            unit = book.header.belopp_i if book.header is not None else "tkr"
            scopes.append((i, Scope(data=data, order=order, unit=unit, rounding=settings.rounding(unit))))
        if scopes:
            yield section, scopes
