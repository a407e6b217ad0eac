"""The pandera schema of a section's arithmetic, validated over every book at once.

Invariant: a section's schema is generated from the spec (its row equations and its
"sum" totals, as ``equations`` reads them) once per section and cached. Each check is
vectorised: it reads whole columns of one frame that holds every non-empty row of the
section in every book being validated (``tables.SectionTable``: values, tolerances, and
on each total row what its rows add up to) and returns one boolean per row. One lazy
``validate`` per section per validation run lists, in its failure cases, the (row, check)
pairs that may fail; only those go to the exact Decimal checks. Batching is what makes
pandera affordable: a call costs about a millisecond however many books the frame holds,
where a call per small table would cost more than the rest of the validation.
pandas and pandera are imported only when a check runs, never at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from ..spec import Column, Linear, Section
from .equations import RowCheck, checks_total_rows, row_checks
from .tables import SUM_FACTS, SectionTable, linear_suspects, ratio_suspects, sum_suspects


# Facts that are flags: the frame stores them as 0/1 beside the numbers, so that it is one
# float block and a check reads every column it needs from one array.
FLAGS = frozenset({"total", "nonblank", "lost", "items_some", "items_lost"})


@dataclass(frozen=True)
class SectionSchema:
    """A section's pandera schema and the frame columns its checks read."""

    section: Section
    schema: object  # pandera.pandas.DataFrameSchema
    columns: tuple[str, ...]  # "<fact>:<column key>" or "<fact>" (``SectionTable.fact``)
    row_checks: dict[str, RowCheck]  # by check name
    sums: dict[str, tuple[int, Column]]  # "sum:<key>" → (column order, column)

    def frame(self, table: SectionTable):
        """One row per table row (the index), one float column per array the checks read."""
        import numpy as np
        import pandas as pd

        block = np.empty((len(self.columns), len(table)))  # column by column, as pandas keeps it
        for j, name in enumerate(self.columns):
            block[j] = table.fact(*name.split(":"))
        return pd.DataFrame(block.T, columns=list(self.columns), copy=False)


def reader(columns: Sequence[str]) -> Callable:
    """For a check: frame → ``col(fact, key)``, the frame's arrays by fact and column key."""
    position = {name: j for j, name in enumerate(columns)}

    def read(frame):
        values = frame.to_numpy()  # a view: the frame is one float block

        def col(fact: str, key: str | None = None):
            a = values[:, position[f"{fact}:{key}" if key else fact]]
            return a > 0 if fact in FLAGS else a
        return col
    return read


_SCHEMAS: dict[int, SectionSchema] = {}  # by id(section): sections are the spec's constants


def section_schema(section: Section) -> SectionSchema:
    cached = _SCHEMAS.get(id(section))
    if cached is None or cached.section is not section:
        cached = _SCHEMAS[id(section)] = _build(section)
    return cached


def _build(section: Section) -> SectionSchema:
    import pandera.pandas as pa

    names = ["total"]
    for check in row_checks(section):
        names += [f"{fact}:{k}" for k in check.keys for fact in ("value", "q", "lost")]
        if isinstance(check.formula, Linear):
            names += [f"nonblank:{k}" for k in check.formula.inputs]
    for col in section.columns:
        if col.total == "sum":
            names += [f"value:{col.key}", "items_n", *(f"{fact}:{col.key}" for fact in SUM_FACTS)]
    columns = tuple(dict.fromkeys(names))
    cols = reader(columns)
    # ignore_na=False: every row is judged by the check (pandera would otherwise pass a row
    # whose columns are all nan, and look for such rows on every call).
    checks = []
    by_name = {}
    for check in sorted(row_checks(section), key=lambda c: c.name):
        on_totals = checks_total_rows(section, check)
        checks.append(pa.Check(_per_row(_row_check(check, on_totals), cols), name=check.name, ignore_na=False))
        by_name[check.name] = check
    sums = {}
    for order, col in enumerate(section.columns):
        if col.total != "sum":
            continue
        name = f"sum:{col.key}"
        checks.append(pa.Check(_per_row(lambda arrays, key=col.key: ~sum_suspects(arrays, key), cols),
                               name=name, ignore_na=False))
        sums[name] = (order, col)
    return SectionSchema(section, pa.DataFrameSchema(checks=checks, name=section.key), columns,
                         by_name, sums)


def _per_row(passes: Callable, cols: Callable) -> Callable:
    """A pandera check function: ``passes(col)`` over the frame's arrays, as a boolean Series."""
    def check(frame):
        import pandas as pd
        return pd.Series(passes(cols(frame)), index=frame.index, copy=False)
    return check


def _row_check(check: RowCheck, on_totals: bool) -> Callable:
    f = check.formula

    def passes(col):
        bad = (linear_suspects(col, check.target, f.terms) if isinstance(f, Linear)
               else ratio_suspects(col, check.target, f.numerator, f.denominator))
        return ~bad if on_totals else ~(bad & ~col("total"))
    return passes


def suspects(table: SectionTable) -> tuple[list[tuple[int, RowCheck]], list[tuple[int, Column]]]:
    """What may fail in ``table``, from one lazy pandera validation: (table row, row check)
    by row then check name, and (total row, column) by row then column order."""
    from pandera.errors import SchemaErrors

    spec = section_schema(table.section)
    if not len(table) or not spec.schema.checks:
        return [], []
    try:
        spec.schema.validate(spec.frame(table), lazy=True, inplace=True)
        return [], []
    except SchemaErrors as e:
        failures = e.failure_cases
    if failures["index"].isna().any():  # a check that raised: a bug, never a finding
        raise RuntimeError(f"pandera-kontrollen av {table.section.key} gick inte att köra:\n{failures}")
    pairs = set(zip(failures["index"].astype(int), failures["check"]))
    rows = sorted((i, name) for i, name in pairs if name in spec.row_checks)
    sums = sorted((i, spec.sums[name]) for i, name in pairs if name in spec.sums)
    return [(i, spec.row_checks[name]) for i, name in rows], [(i, col) for i, (_, col) in sums]
