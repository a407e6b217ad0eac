"""The pure core without files: sums, traces and duplicate resolution as properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from budgetbook.config import parse_config
from budgetbook.consolidate import (CONFLICT, INCLUDED, Fig, Trace, UnitFile, UnitRow, UnitSection,
                                   consolidate)
from budgetbook.period import Period

from .test_consolidate import CONFIG

CFG = parse_config(CONFIG)
NAMES = [v.namn for v in CFG.verksamheter]
P = Period(2022, 8)
COLS = ("utfall_intakter", "utfall_kostnader", "arsbudget_netto", "prognos_netto")


def unit(kod: str, rows: list[tuple[str, dict[str, int]]], file: str | None = None, datum=dt.date(2022, 9, 5),
         mtime=dt.datetime(2022, 9, 5, 12)) -> UnitFile:
    ek = tuple(UnitRow(i, name, None, {"verksamhet": Fig(name, f"A{5 + i}"),
                                       **{k: Fig(Decimal(v), f"{'BCIJ'[j]}{5 + i}") for j, (k, v) in
                                          enumerate(vals.items())}})
               for i, (name, vals) in enumerate(rows))
    return UnitFile(file=file or f"{kod}.xlsx", readable=True, sha256=file or kod, enhet_kod=kod, year=2022,
                    month=8, datum=datum, mtime=mtime, sections={"ekonomi": UnitSection("ekonomi", "Ekonomi", ek)})


amounts = st.integers(min_value=-10**7, max_value=10**7)
row_values = st.fixed_dictionaries({k: amounts for k in COLS})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1001", "1002", "1003"]), st.sampled_from(NAMES), row_values),
                max_size=12))
def test_namnd_rows_are_the_sums_and_traces_add_up(data):
    per_unit: dict[str, list] = {}
    for kod, name, vals in data:
        if name not in [r[0] for r in per_unit.setdefault(kod, [])]:  # one row per verksamhet and unit
            per_unit[kod].append((name, vals))
    files = [unit(kod, rows) for kod, rows in per_unit.items()]
    result = consolidate(CFG, P, files)
    rows = {r["verksamhet"]: r for r in result.rows["ekonomi"]}
    for name in NAMES:
        for col in COLS:
            expected = [vals[col] for rows_ in per_unit.values() for n, vals in rows_ if n == name]
            assert rows[name].get(col) == (Decimal(sum(expected)) if expected else None)
    traced: dict = {}
    for t in result.traces:
        if t.column in COLS:
            traced[(t.position, t.column)] = traced.get((t.position, t.column), 0) + t.value
    for i, name in enumerate(NAMES):
        for col in COLS:
            if col in rows[name]:
                assert traced[(i, col)] == rows[name][col]


def test_duplicates_are_resolved_by_datum_then_mtime_else_conflict():
    a = unit("1001", [(NAMES[0], dict.fromkeys(COLS, -1))], file="a.xlsx")
    b = unit("1001", [(NAMES[0], dict.fromkeys(COLS, -2))], file="b.xlsx", datum=dt.date(2022, 9, 6))
    r = consolidate(CFG, P, [a, b]).unit("1001")
    assert [fu.file.file for fu in r.files if fu.sections] == ["b.xlsx"] and "nyare datum" in r.files[0].note
    c = unit("1001", [(NAMES[0], dict.fromkeys(COLS, -3))], file="c.xlsx",
             mtime=dt.datetime(2022, 9, 5, 12, 0, 30))  # 30 s later: not clearly newer
    r = consolidate(CFG, P, [a, c]).unit("1001")
    assert r.state == CONFLICT and not r.included
    d = unit("1001", [(NAMES[0], dict.fromkeys(COLS, -4))], file="d.xlsx", mtime=dt.datetime(2022, 9, 5, 13))
    r = consolidate(CFG, P, [a, d]).unit("1001")
    assert r.state == INCLUDED and r.sections["ekonomi"][0].file == "d.xlsx"


def test_traces_are_a_sequence_with_each_cells_fields():
    """Traces are stored column-wise; read back they are the same Trace items however reached."""
    files = [unit("1001", [(NAMES[0], dict.fromkeys(COLS, -1)), (NAMES[1], dict.fromkeys(COLS, 2))]),
             unit("1002", [(NAMES[0], dict.fromkeys(COLS, -3))])]
    traces = consolidate(CFG, P, files).traces
    items = list(traces)
    assert len(traces) == len(items) == 12 and list(traces) == items  # sized, iterable again
    assert [traces[i] for i in range(len(traces))] == items and traces[-1] == items[-1]
    assert traces[2:5] == items[2:5] and list(traces.between(3, 7)) == items[3:7]
    first = traces[0]
    assert first == Trace("ekonomi", 0, "utfall_intakter", NAMES[0], "1001", CFG.enhet("1001").namn,
                          "1001.xlsx", "Ekonomi", "B5", Decimal(-1), Decimal(1), "")
    # row by row, then column by column, then unit: both units' utfall_intakter in verksamhet 0 first
    assert [(t.enhet_kod, t.position, t.column, t.cell, t.value) for t in items[:3]] == [
        ("1001", 0, "utfall_intakter", "B5", Decimal(-1)), ("1002", 0, "utfall_intakter", "B5", Decimal(-3)),
        ("1001", 0, "utfall_kostnader", "C5", Decimal(-1))]
