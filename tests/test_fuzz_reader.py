"""Fuzzing the reader: random workbooks written with openpyxl from our templates.

Random cell types and values in and around the template tables, random sheet and table
names and random header values. Reading (both engines) and validating never raise,
always end, give the same Book through calamine and openpyxl, and report every
unreadable cell as a finding at that cell.

CI runs a small profile; the long one is run by hand:
    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -q tests/test_fuzz_reader.py
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import string
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetbook.engine import validate
from budgetbook.excel import read_workbook
from budgetbook.excel.template import BookContent, build_workbook, save_workbook
from budgetbook.spec import SPEC, Kind
from budgetbook.values import EXCEL_ERRORS
from tests.helpers import HEADER, sample_value
from tests.reading import book_dump

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
FUZZ = settings(max_examples=1500 if LONG else 20, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
TIME_BOUND_S = 120  # reading and validating one small workbook must end well within this


class Stored:
    """An Excel error value stored as an error (t="e"), not typed as text."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Stored({self.text!r})"


class Formula:
    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


ERRORS = sorted(EXCEL_ERRORS)
STORABLE = ["#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"]
SWEDISH = st.builds(lambda n, sep, minus: minus + f"{n:,}".replace(",", sep),
                    st.integers(0, 10**7), st.sampled_from([" ", "\u00a0", "\u2009", "\u202f", ""]),
                    st.sampled_from(["", "-", "\u2212", "\u2013"]))
LETTERS = st.text(alphabet=string.ascii_letters + "åäöÅÄÖ ", min_size=1, max_size=12).filter(str.strip)

# Anything at all a cell can hold.
ANY = st.one_of(
    st.none(), st.booleans(), st.integers(-10**16, 10**16),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(max_size=40).map(lambda s: "".join(ch for ch in s if ch.isprintable())),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)),
    SWEDISH, st.sampled_from(ERRORS), st.sampled_from(STORABLE).map(Stored),
    st.sampled_from(["=1/0", "=A1+B1", "=SUM(A1:A3)", '="x"', "=NA()", "=@", "=+"]).map(Formula),
)


# Date cells get every kind of value and every serial: negative ones (IN-008 with the
# number on both engines, though calamine gives a time of day for them and openpyxl a date
# before 1900) and ones past 9999-12-31 (IN-008 on both) included.
NOT_A_NUMBER = ANY.filter(lambda v: isinstance(v, bool) or not isinstance(v, (int, float)))
DATE_SERIALS = st.integers(1, 2958465) | st.integers(2958466, 10**12) | st.floats(2958466, 1e15) | \
    st.integers(-10**6, -1) | st.floats(-1e6, -1e-6)


def any_for(kind: Kind):
    return st.one_of(NOT_A_NUMBER, DATE_SERIALS) if kind is Kind.DATE else ANY


def bad_for(kind: Kind):
    """Values no column of this kind can use: reading must report each at its cell."""
    common = [st.just(True), st.just(False), st.sampled_from(ERRORS), st.sampled_from(STORABLE).map(Stored)]
    if kind.numeric or kind in (Kind.DATE, Kind.MONTH):
        common.append(LETTERS)
    return st.one_of(common)


@st.composite
def workbooks(draw):
    keys = draw(st.lists(st.sampled_from(SPEC.section_keys), min_size=1, max_size=3, unique=True))
    sections = [SPEC.section(k) for k in keys]
    rows, fixed, tagged = {}, {}, {}
    for sec in sections:
        inputs = [c for c in sec.columns if not c.computed and not (sec.fixed_rows and c.key == sec.label_column)]
        slots = [r.code for r in sec.fixed_rows if not r.is_total] if sec.fixed_rows else \
            list(range(draw(st.integers(0, sec.blank_rows + 3))))
        filled = []
        for slot in slots:
            row = {}
            for col in inputs:
                how = draw(st.sampled_from(["blank", "good", "good", "bad", "any"]))
                if how == "good":
                    row[col.key] = sample_value(col.kind, draw(st.integers(0, 50)), col.choices)
                elif how == "bad":
                    row[col.key] = draw(bad_for(col.kind))
                    tagged[(sec.key, slot, col.key)] = row[col.key]
                elif how == "any":
                    row[col.key] = draw(any_for(col.kind))
            if sec.fixed_rows:
                fixed.setdefault(sec.key, {})[slot] = row
            else:
                filled.append(row)
        rows[sec.key] = filled
    header = dict(HEADER)
    for f in SPEC.header:
        if draw(st.integers(0, 5)) == 0:
            header[f.key] = draw(any_for(f.kind))
    junk = draw(st.lists(st.tuples(st.sampled_from(keys), st.integers(1, 40), st.integers(1, 30), ANY), max_size=12))
    rename_sheet = draw(st.sampled_from([None, None, None, "Blad 1", "Ekonomi", "x'y", "Résumé 2022"]))
    rename_table = draw(st.sampled_from([None, None, None, "Tabell1", "Statistik", "Indikatorer"]))
    hidden = draw(st.lists(st.integers(1, 30), max_size=2))
    return sections, BookContent(header=header, rows=rows, fixed=fixed), tagged, junk, rename_sheet, rename_table, hidden


def _write(cell, value) -> None:
    from budgetbook.excel.cells import put

    if isinstance(value, Stored):
        cell.value = value.text  # openpyxl stores a known error text as t="e"
    elif isinstance(value, Formula):
        cell.value = value.text
    else:
        put(cell, value)


@contextmanager
def time_bound(seconds: int):
    def expired(signum, frame):
        raise TimeoutError(f"reading did not end within {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@FUZZ
@given(workbooks())
def test_random_workbooks_read_and_validate_cleanly(tmp_path_factory, case):
    sections, content, tagged, junk, rename_sheet, rename_table, hidden = case
    # Stored errors and formulas go in after building: the template writes user text as text.
    late = {}
    for key, rows in content.rows.items():
        for i, row in enumerate(rows):
            late.update({(key, i, k): v for k, v in row.items() if isinstance(v, (Stored, Formula))})
    for key, by_code in content.fixed.items():
        for code, row in by_code.items():
            late.update({(key, code, k): v for k, v in row.items() if isinstance(v, (Stored, Formula))})
    late_header = {k: v for k, v in content.header.items() if isinstance(v, (Stored, Formula))}
    for key in late:
        _set_row_value(content, key, None)
    for k in late_header:
        content.header[k] = None
    wb = build_workbook(sections, content)
    for key, value in late.items():
        sheet, ref = content.placed[key].split("!")
        _write(wb[sheet][ref], value)
    for k, value in late_header.items():
        sheet, ref = next(wb.defined_names[k].destinations)
        _write(wb[sheet][ref.replace("$", "")], value)
    for key, r, c, value in junk:  # around the tables: to the right of and below them
        ws = wb[SPEC.section(key).sheet]
        _write(ws.cell(r if c > 16 else ws.max_row + r, c), value)
    for r in hidden:
        wb[sections[0].sheet].row_dimensions[r].hidden = True
    first = wb[sections[0].sheet]
    taken = {name.lower() for ws in wb.worksheets for name in ws.tables}
    if rename_table and rename_table.lower() not in taken and sections[0].table in first.tables:
        t = first.tables.pop(sections[0].table)
        t.name = t.displayName = rename_table
        first.add_table(t)
    sheet_names = {sec.sheet: sec.sheet for sec in sections}
    if rename_sheet and rename_sheet not in wb.sheetnames:
        first.title = rename_sheet
        sheet_names[sections[0].sheet] = rename_sheet
    path = tmp_path_factory.mktemp("fuzz") / "enhet.xlsx"
    save_workbook(wb, path)

    with time_bound(TIME_BOUND_S):
        fast = read_workbook(path)
        slow = read_workbook(path, engine="openpyxl")
        findings = validate(fast)
    assert "READ-009" not in {f.code for f in fast.findings + slow.findings}, \
        [f.message for f in fast.findings if f.code == "READ-009"]
    a, b = book_dump(fast), book_dump(slow)
    assert a == b, _difference(a, b)
    assert {f.code for f in fast.findings} <= {f.code for f in findings}

    at = {(f.location.sheet, f.location.cell) for f in findings}
    for sec in fast.sections.values():  # every unreadable cell that was read is reported
        for row in sec.rows:
            for cell in row.cells.values():
                if (cell.problem or (cell.error and not cell.formula)) and not row.empty:
                    assert (sec.sheet, cell.ref) in at, (sec.key, cell.ref, cell.raw)
    for (key, slot, col), value in tagged.items():  # every bad value written is reported
        if key not in fast.sections or (key, slot, col) not in content.placed:
            continue
        if fast.sections[key].table_ref != _table_ref(wb, key, sheet_names):
            continue  # a duplicate table was read instead (READ-014)
        sheet, ref = content.placed[(key, slot, col)].split("!")
        assert (sheet_names[sheet], ref) in at, (key, ref, value)


def _difference(a, b, path="") -> str:
    """Where two dumps first differ, for a readable failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return _difference(a.get(k), b.get(k), f"{path}/{k}")
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _difference(x, y, f"{path}[{i}]")
    return f"{path}: fast={a!r} openpyxl={b!r}"


def _set_row_value(content: BookContent, key, value) -> None:
    sec, slot, col = key
    if isinstance(slot, str):
        content.fixed[sec][slot][col] = value
    else:
        content.rows[sec][slot][col] = value


def _table_ref(wb, key: str, sheet_names: dict[str, str]) -> str | None:
    sec = SPEC.section(key)
    ws = wb[sheet_names[sec.sheet]]
    t = ws.tables.get(sec.table)
    return t.ref if t is not None else None
