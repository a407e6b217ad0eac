"""Reading a workbook source into a Book, as the spec describes it.

Invariant: pure over a ``WorkbookSource``; finds each section by its Excel Table name
wherever it sits, maps columns by their spec header, never reads a missing cached result
as 0 (it computes what the formula would), and turns every problem into a finding with
its cell. It raises only for programming faults.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from . import collector
from .book import Book, CellValue, Header, SectionData, SectionRow, shared_blank
from .catalogue import code as catalogue_code
from .excel_refs import cell_pos, col_letter, parse_range
from .findings import Finding, Location, make_finding
from .source import EMPTY, SheetGrid, TableInfo, WorkbookSource
from .spec import SPEC, Column, Kind, Linear, Ratio, ReportSpec, RowSpec, Section
from .values import AMOUNT_LIMIT, NUMERIC_KINDS, Parsed, number_from_float, parse_cell, text_number_traits

_WS = re.compile(r"\s+")


def norm_header(text: object) -> str:
    """Header text as compared: case, spacing, soft hyphens and line breaks do not matter."""
    return _norm(str(text or ""))


@lru_cache(maxsize=4096)  # the same headers and labels come back in every workbook
def _norm(s: str) -> str:
    s = s.replace("\u00ad", "").replace("-\n", "").casefold()
    return _WS.sub(" ", s).strip()


def read_book(source: WorkbookSource, spec: ReportSpec = SPEC, file_label: str | None = None) -> Book:
    label = file_label if file_label is not None else source.description
    ctx = _Ctx(label)
    # The collector paused: the cells and rows it makes (tens of thousands of rows in the
    # nämnd's draft) form no cycles, and walking them again and again as they pile up costs
    # more than the read itself.
    with collector.paused():
        header = _read_header(source, spec, ctx)
        sections = _read_sections(source, spec, ctx, header)
    for name, state in source.sheet_states.items():
        if state != "visible" and name != spec.lists_sheet:
            ctx.add("READ-032", Location(file=label, sheet=name), sheet=name)
    _carried_code(source, ctx)
    if not sections and not any(f.code.startswith("READ-01") for f in ctx.findings):
        ctx.add("READ-010", Location(file=label),
                expected=", ".join(s.table for s in spec.sections))
    return Book(source=label, header=header, sections=sections, findings=ctx.findings,
                meta=source.meta, spec=spec)


class _Ctx:
    def __init__(self, file: str):
        self.file = file
        self.findings: list[Finding] = []

    def add(self, code: str, location: Location, **params) -> None:
        self.findings.append(make_finding(catalogue_code(code), location, **params))


def _carried_code(source: WorkbookSource, ctx: _Ctx) -> None:
    """Warn, once per kind, about code or run-time configuration a workbook carries."""
    meta = source.meta
    what = []
    if meta.has_vba:
        what.append("ett VBA-projekt (makron)")
    names = list(source.sheet_states)
    if any(n.lower() == "xlwings.conf" for n in names):
        what.append("ett blad xlwings.conf")
    what += [f"ett blad som heter {n}" for n in names if n.lower().endswith(".py")]
    if meta.external_links:
        n = meta.external_links
        what.append("en extern länk till en annan arbetsbok" if n == 1 else f"{n} externa länkar till andra arbetsböcker")
    if meta.connections:
        what.append("dataanslutningar")
    for w in what:
        ctx.add("READ-050", Location(file=ctx.file), what=w)


# --- header -------------------------------------------------------------------------------

def _read_header(source: WorkbookSource, spec: ReportSpec, ctx: _Ctx) -> Header | None:
    refs = {}
    for f in spec.header:
        ref = source.defined_names.get(f.key.lower())
        if ref is None:
            if spec.header_sheet in source.sheet_states:
                ctx.add("READ-022", Location(file=ctx.file, sheet=spec.header_sheet),
                        name=f.key, label=f.label)
            continue
        refs[f.key] = ref
    if not refs:
        return None
    sheets = {s for s, _ in refs.values()}
    grids = {s: source.grid(s, max(cell_pos(r)[0] for sh, r in refs.values() if sh == s)) for s in sheets}
    fields: dict[str, CellValue] = {}
    sheet = next(iter(sheets))
    for f in spec.header:
        if f.key not in refs:
            continue
        sh, ref = refs[f.key]
        raw = grids[sh].cell(*cell_pos(ref))
        value = raw.value if raw.value.__class__ is not dt.time else _stored_serial(grids[sh], ref, raw.value)
        parsed = parse_cell(raw.error or value, f.kind, f.choices)
        cv = CellValue(ref=ref, value=parsed.value, raw=value, formula=raw.formula,
                       error=parsed.error, problem=parsed.problem)
        fields[f.key] = cv
        loc = Location(file=ctx.file, sheet=sh, cell=ref, column=f.key, row_label=f.label)
        if cv.blank:
            if f.required:
                ctx.add("READ-020", loc, label=f.label, sheet=sh)
            continue
        rule = None
        if parsed.problem:
            rule = "värdet går inte att läsa"
        elif f.key == "ar" and not (2000 <= int(parsed.value) <= 2100):
            rule = "ett år mellan 2000 och 2100"
        elif f.key == "manad" and not (1 <= int(parsed.value) <= 12):
            rule = "en månad 1–12"
        elif f.choices and parsed.value not in f.choices:
            rule = "ett av " + ", ".join(f.choices)
        if rule:
            ctx.add("READ-021", loc, label=f.label, actual=raw.error or shown(value),
                    header_value=raw.error or shown(value), rule=rule, sheet=sh)
    return Header(sheet=sheet, fields=fields)


# --- sections -----------------------------------------------------------------------------

def _read_sections(source: WorkbookSource, spec: ReportSpec, ctx: _Ctx,
                   header: Header | None) -> dict[str, SectionData]:
    found: dict[str, list[TableInfo]] = {}
    for t in source.tables:
        sec = spec.section_by_table(t.name)
        if sec is not None:
            found.setdefault(sec.key, []).append(t)
    unit = header.belopp_i if header else "tkr"
    out: dict[str, SectionData] = {}
    for sec in spec.sections:
        tables = found.get(sec.key)
        if not tables:
            if sec.sheet in source.sheet_states:
                ctx.add("READ-011", Location(file=ctx.file, section=sec.key, sheet=sec.sheet),
                        sheet=sec.sheet, table=sec.table)
            continue
        if len(tables) > 1:
            ctx.add("READ-014", Location(file=ctx.file, section=sec.key, sheet=tables[0].sheet),
                    section=sec.key, table=f"{tables[0].sheet}!{tables[0].ref}",
                    tables=", ".join(f"{t.sheet}!{t.ref}" for t in tables))
        out[sec.key] = _read_table(source, sec, tables[0], ctx, unit)
    return out


def _read_table(source: WorkbookSource, sec: Section, table: TableInfo, ctx: _Ctx,
                unit: str) -> SectionData:
    r1, c1, r2, c2 = parse_range(table.ref)
    grid = source.grid(table.sheet, r2)
    header_row = r1 if table.header_rows else None
    headers = list(table.columns)
    if header_row is not None:  # the cells are what the user sees; the XML names follow them
        headers = [str(grid.cell(header_row, c).value or (table.columns[i] if i < len(table.columns) else ""))
                   for i, c in enumerate(range(c1, c2 + 1))]
    by_header = {norm_header(h): c1 + i for i, h in enumerate(headers)}
    names = _names(sec)
    columns: dict[str, int] = {}
    for col, header in zip(sec.columns, names.headers):
        idx = by_header.get(header, by_header.get(col.key))
        if idx is None:
            ctx.add("READ-012", Location(file=ctx.file, section=sec.key, sheet=table.sheet,
                                         cell=f"{col_letter(c1)}{r1}", column=col.key),
                    table=table.name, header=col.header)
        else:
            columns[col.key] = idx
    known = names.known
    for i, h in enumerate(headers):
        if norm_header(h) not in known and h.strip():
            ctx.add("READ-013", Location(file=ctx.file, section=sec.key, sheet=table.sheet,
                                         cell=f"{col_letter(c1 + i)}{r1}"), table=table.name, header=h)

    body_first = r1 + (1 if table.header_rows else 0)
    body_last = r2 - table.totals_rows
    _check_merged(grid, (body_first, c1, r2, c2), sec, table, ctx)

    present = [col for col in sec.columns if col.key in columns]
    idxs = [columns[col.key] for col in present]
    values, special = grid.block(body_first, body_last, idxs)
    label_at = next((k for k, col in enumerate(present) if col.key == sec.label_column), None)
    labels = [_label_text(v[label_at]) for v in values] if label_at is not None else [""] * len(values)
    width = len(idxs)
    has_values = [vals.count(None) + vals.count("") != width for vals in values]  # what is not blank
    specs = _row_specs(sec, labels, has_values, columns, body_first, body_last, table, ctx)

    excel_rows = range(body_first, body_last + 1)
    # Column by column (one pass in C then builds the rows' dicts): most cells are a whole
    # number in a number column or plain text, made here without the general path of
    # _read_cell; formula and error cells are looked up only in the columns that have them.
    unknown: list[CellValue] = []  # formulas without a cached result, for _fill_computed
    by_column_special: dict[int, dict[int, tuple]] = {}  # column → row → formula/error cell
    for r, sp in special.items():
        if body_first <= r <= body_last:
            for c, found in sp.items():
                by_column_special.setdefault(c, {})[r] = found
    columns_values = list(zip(*values)) if values else [()] * width
    by_column, clean = [], set()
    for col, idx, column in zip(present, idxs, columns_values):
        cells, plain = _read_column(grid, col, idx, column, by_column_special.get(idx), body_first, body_last,
                                    unknown)
        by_column.append(cells)
        if plain:
            clean.add(col.key)
    keys = [col.key for col in present]
    hidden = grid.hidden_rows
    rows = [SectionRow(pos, excel_row, label, row_spec, dict(zip(keys, cells)), excel_row in hidden)
            for pos, (excel_row, (row_spec, label), cells) in enumerate(zip(excel_rows, specs, zip(*by_column)))]
    if not by_column:
        rows = [SectionRow(pos, excel_row, label, row_spec, {}, excel_row in hidden)
                for pos, (excel_row, (row_spec, label)) in enumerate(zip(excel_rows, specs))]
    for row, filled in zip(rows, has_values):
        facts = row.__dict__  # what SectionRow would work out on first use, known here
        spec = row.spec
        facts["code"], facts["is_total"] = (spec.code, spec.is_total) if spec is not None else (None, False)
        # A row without a value or a formula holds only the shared blank cells: empty, as
        # SectionRow.empty would work out cell by cell; a row with a label is not (a cell
        # with text is never blank, whatever its kind).
        if row.label:
            facts["empty"] = False
        elif not filled and row.excel_row not in special:
            facts["empty"] = True
    data = SectionData(spec=sec, sheet=table.sheet, table_ref=table.ref,
                       columns={k: _letter(v) for k, v in columns.items()}, rows=rows)
    if unknown:  # a file saved by Excel has none: every formula has its result
        _fill_computed(data, grid, columns)
    _cell_findings(data, ctx, unit, clean)
    return data


def _read_column(grid: SheetGrid, col: Column, idx: int, column: tuple, formulas: dict[int, tuple] | None,
                 first: int, last: int, unknown: list[CellValue]) -> tuple[list[CellValue], bool]:
    """The cells of one table column (``formulas``: its formula and error cells by row), and
    whether no data-row cell of it can have a cell finding: every one is blank or a plain
    value made on a fast path below in a column that is neither computed nor required, or
    (a column of formulas) every one is a formula showing a whole number."""
    letter = _letter(idx)
    blanks = _blank_cells(letter, idx, first, last)
    kind = col.kind
    out = []
    append = out.append
    formula_column = bool(formulas) and 2 * len(formulas) >= len(column)
    plain = not formulas or formula_column
    # Every cell as if it held no formula, by the loop for the column's kind; then the few
    # formula and error cells are made again as what they are. A column of formulas (a
    # computed column) is made cell by cell instead, each cell once.
    if formula_column:
        limit = _FAST_LIMIT.get(kind, -1.0)
        for r, blank, v in zip(range(first, last + 1), blanks, column):
            s = formulas.get(r)
            if s is not None:
                if v.__class__ is float and s[1] is None and -limit <= v <= limit and (i := int(v)) == v:
                    append(CellValue(blank.ref, Decimal(i), v, True))  # _formula_cell's common case
                    continue
                append(_formula_cell(grid, r, idx, col, letter, s, v, blank.ref, unknown))
            elif v is None or v == "":
                append(blank)
            else:
                append(_convert(v, False, col, blank.ref, grid))
            plain = False
        # A formula showing a whole number is no blank (IN-012, IN-014), no value typed over
        # a formula (IN-011), no error, no fraction.
        return out, plain
    if kind in NUMERIC_KINDS:
        limit = _FAST_LIMIT[kind]
        fractions = kind is not Kind.COUNT  # a fraction in a count column is IN-007
        amount = kind is Kind.AMOUNT  # a fraction of a tkr is IN-013
        for blank, v in zip(blanks, column):
            if v.__class__ is float:
                # A whole number within the limits (int() is safe once the range holds: no
                # nan or inf passes it); int == float compares exactly.
                if -limit <= v <= limit and (i := int(v)) == v:
                    append(CellValue(blank.ref, Decimal(i), v))
                elif fractions and -limit <= v <= limit and len(text := repr(v)) - text.find(".") <= 10 \
                        and "e" not in text:
                    # values.decimal_from_float's answer for at most 9 decimals, inlined
                    append(CellValue(blank.ref, Decimal(text), v))
                    plain = plain and not amount
                else:
                    append(_convert(v, False, col, blank.ref, grid))
                    plain = False
            elif v is None or v == "":
                append(blank)
            else:
                append(_convert(v, False, col, blank.ref, grid))
                plain = False
    elif kind in _PLAIN_TEXT:
        for blank, v in zip(blanks, column):
            if v.__class__ is str:
                if (text := v.strip()) and text[0] != "#":
                    append(CellValue(blank.ref, text, v))
                elif not v:
                    append(blank)
                else:
                    append(_convert(v, False, col, blank.ref, grid))
                    plain = False
            elif v is None:
                append(blank)
            else:
                append(_convert(v, False, col, blank.ref, grid))
                plain = False
    else:
        for blank, v in zip(blanks, column):
            if v is None or v == "":
                append(blank)
            else:
                append(_convert(v, False, col, blank.ref, grid))
                plain = False
    plain = plain and not col.computed and not col.required  # IN-011 and IN-012 look at plain values
    if formulas:
        for r, s in formulas.items():
            i = r - first
            out[i] = _formula_cell(grid, r, idx, col, letter, s, column[i], blanks[i].ref, unknown)
    return out, plain


def _formula_cell(grid: SheetGrid, r: int, idx: int, col: Column, letter: str, special: tuple, v,
                  ref: str, unknown: list[CellValue]) -> CellValue:
    """A formula or error cell (``special``: from the grid's block) whose value is ``v``."""
    if special[1] is not None or v is None or v == "":  # an error, or a formula without result
        cell = _read_cell(grid, r, idx, col, letter)
        if cell.unknown:
            unknown.append(cell)
        return cell
    limit = _FAST_LIMIT.get(col.kind)
    if limit is not None and v.__class__ is float and -limit <= v <= limit and v.is_integer():
        return CellValue(ref, Decimal(int(v)), v, True)
    return _convert(v, True, col, ref, grid)


_BLANKS: dict[str, list[CellValue]] = {}
_BLANKS_ROWS, _BLANKS_COLUMNS = 1024, 64  # beyond, a table makes its blank cells as it goes


def _blank_cells(letter: str, idx: int, first: int, last: int) -> list[CellValue]:
    """The blank cell of each row first..last of a column. Shared by every read (they are
    immutable: book.shared_blank), so a blank cell costs nothing and its address is ready."""
    if last > _BLANKS_ROWS or idx > _BLANKS_COLUMNS:
        return [CellValue(f"{letter}{r}") for r in range(first, last + 1)]
    cells = _BLANKS.get(letter)
    if cells is None or len(cells) <= last:
        cells = _BLANKS[letter] = [shared_blank(f"{letter}{r}") for r in range(max(last + 1, 128))]
    return cells[first:last + 1]


# Whole numbers within these bounds are read without further checks (values.number_from_float
# gives the same): an amount beyond AMOUNT_LIMIT is IN-005, any number from 1e15 is handled there.
_FAST_LIMIT = {k: (float(AMOUNT_LIMIT) if k is Kind.AMOUNT else 1e15 - 1) for k in NUMERIC_KINDS}

_PLAIN_TEXT = frozenset([Kind.TEXT, Kind.CODE])


@lru_cache(maxsize=1024)  # a month column holds a few months, the same in every workbook
def _month_text(text: str) -> Parsed:
    return parse_cell(text, Kind.MONTH)


@lru_cache(maxsize=256)
def _choices(choices: tuple[str, ...]) -> dict[str, str]:
    """A column's choices by their casefolded text: the first of equals wins, as in parse_cell."""
    out: dict[str, str] = {}
    for c in choices:
        out.setdefault(c.casefold(), c)
    return out


def _convert(v, formula: bool, col: Column, ref: str, grid: SheetGrid) -> CellValue:
    """A cell with a value that is not a plain whole number: _read_cell's general path."""
    if v.__class__ is dt.time:
        v = _stored_serial(grid, ref, v)
    kind = col.kind
    if v.__class__ is float and kind in NUMERIC_KINDS:
        value, problem = number_from_float(v, kind)
        return CellValue(ref, value, v, formula, False, None, problem)
    if v.__class__ is str and kind in _PLAIN_TEXT:  # parse_cell's answer, without its detours
        text = v.strip()
        if not text:
            return CellValue(ref, None, v, formula)
        if text[0] != "#":  # every Excel error value starts with #
            return CellValue(ref, text, v, formula)
    elif kind is Kind.DATE and (v.__class__ is dt.datetime or v.__class__ is dt.date):
        return CellValue(ref, v.date() if v.__class__ is dt.datetime else v, v, formula)
    elif kind is Kind.CHOICE and v.__class__ is str and col.choices:
        text = v.strip()
        if text and text[0] != "#":
            choice = _choices(col.choices).get(text.casefold())
            return CellValue(ref, choice or text, v, formula, False, None, None if choice else "IN-006")
    parsed = _month_text(v) if kind is Kind.MONTH and v.__class__ is str else parse_cell(v, kind, col.choices)
    if formula and parsed.error:  # a formula whose cached result is an error
        return CellValue(ref=ref, raw=v, formula=True, error=parsed.error)
    return CellValue(ref=ref, value=parsed.value, raw=v, formula=formula,
                     error=parsed.error, problem=parsed.problem if parsed.problem else parsed.note)


def _stored_serial(grid: SheetGrid, ref: str, shown_time: dt.time):
    """What a cell that a source gives as a time of day holds: a negative number in a
    date-formatted cell is no date (Excel shows #####), and calamine makes a time of day
    of it (−1 as 00:00): the number itself, as the openpyxl source gives it, so both say
    IN-008 with the number the cell holds. A serial from 0 to 1 is a time of day."""
    number = grid.stored_number(*cell_pos(ref))
    if number is None or number >= 0:
        return shown_time
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _check_merged(grid: SheetGrid, box: tuple[int, int, int, int], sec: Section, table: TableInfo,
                  ctx: _Ctx) -> None:
    b1, bc1, b2, bc2 = box
    for m1, mc1, m2, mc2 in grid.merged:
        if m1 <= b2 and m2 >= b1 and mc1 <= bc2 and mc2 >= bc1:
            rng = f"{col_letter(mc1)}{m1}:{col_letter(mc2)}{m2}"
            ctx.add("READ-030", Location(file=ctx.file, section=sec.key, sheet=table.sheet,
                                         cell=f"{col_letter(mc1)}{m1}"), range=rng, table=table.name)


def _label_text(v) -> str:
    if v is None:
        return ""
    if v.__class__ is float and v.is_integer():
        v = int(v)
    return str(v).strip()


def _row_specs(sec: Section, labels: list[str], has_values: list[bool], columns: dict[str, int],
               first: int, last: int, table: TableInfo, ctx: _Ctx) -> list[tuple[RowSpec | None, str]]:
    """Which spec row each body row is: fixed rows in order, else totals by their label."""
    out: list[tuple[RowSpec | None, str]] = [(None, lab) for lab in labels]
    if sec.fixed_rows:
        expected = list(sec.fixed_rows)
        fixed_labels = _names(sec).fixed_labels
        j = 0
        label_col = col_letter(columns.get(sec.label_column, 1))
        for i, lab in enumerate(labels):
            if not (lab or has_values[i]):
                continue
            lab_norm = norm_header(lab)
            match = next((k for k in range(j, len(expected)) if fixed_labels[k] == lab_norm), None)
            if match is None:
                ctx.add("READ-040", Location(file=ctx.file, section=sec.key, sheet=table.sheet,
                                             cell=f"{label_col}{first + i}", row_label=lab),
                        table=table.name, expected=" → ".join(r.label for r in expected[j:j + 3]) or "(slut)")
                continue
            for missing in expected[j:match]:
                ctx.add("READ-041", Location(file=ctx.file, section=sec.key, sheet=table.sheet,
                                             cell=f"{label_col}{first + i}"),
                        label=missing.label, table=table.name)
            out[i] = (expected[match], lab)
            j = match + 1
        for missing in expected[j:]:
            ctx.add("READ-041", Location(file=ctx.file, section=sec.key, sheet=table.sheet,
                                         cell=f"{label_col}{last}"), label=missing.label, table=table.name)
        return out
    # Free rows: the totals are the last rows whose label is a total's label.
    totals = _names(sec).totals
    for i in range(len(labels) - 1, -1, -1):
        t = totals.get(norm_header(labels[i]))
        if t is None:
            if labels[i] or has_values[i]:
                break
            continue
        out[i] = (t, labels[i])
    return out


def _read_cell(grid: SheetGrid, row: int, col_idx: int, col: Column, letter: str | None = None) -> CellValue:
    raw = grid.cell(row, col_idx)
    ref = f"{letter or col_letter(col_idx)}{row}"
    if raw is EMPTY:
        return CellValue(ref=ref)
    if raw.error:
        return CellValue(ref=ref, raw=raw.error, formula=raw.formula, error=raw.error,
                         problem=None if raw.formula else "IN-001")
    if raw.formula and raw.value is None:
        # Saved without a cached result (written by a script): what it shows is not known
        # here. Computed columns are filled in by _fill_computed; an input stays unknown.
        return CellValue(ref=ref, raw=raw.text, formula=True, unknown=True)
    return _convert(raw.value, raw.formula, col, ref, grid)


def _fill_computed(data: SectionData, grid: SheetGrid, columns: dict[str, int]) -> None:
    """Compute what formula cells without a cached result would show; never read them as 0.

    Errors travel as Excel's do: an input showing #REF! makes its netto and its Summa show
    #REF!, and text in a term of a sum of cells makes #VALUE!. A total row's own formula is
    evaluated when the source gives its text, so a SUM that misses a row inserted above it
    reads as Excel shows it (and SUM-001 then points at it).
    """
    sec = data.spec
    data_rows = [r for r in data.rows if not r.is_total]
    computed = [(col, col.key, col.formula.inputs, col.formula.terms if isinstance(col.formula, Linear) else None)
                for col in sec.computed_columns]
    for row in data_rows:
        cells = row.cells
        for col, key, inputs, terms in computed:
            cell = cells.get(key)
            if cell is None or not cell.formula or not cell.unknown:
                continue
            ins = [cells.get(k) for k in inputs]
            if terms is not None:  # every input a number: evaluate_cells's sum, in its order
                total = Decimal(0)
                for (_, weight), c in zip(terms, ins):
                    if c is None or c.number is None or c.error is not None or c.unknown:
                        break
                    total += weight * c.number
                else:
                    cells[key] = _filled(cell, total)
                    row.changed()
                    continue
            # Inputs all blank (the template's "" on an empty row): evaluate_cells's answer.
            blank = all(c is None or c.blank for c in ins)
            cells[key] = _filled(cell, None) if blank else _filled(cell, *evaluate_cells(col, ins))
            row.changed()
    by_excel_row = {r.excel_row: r for r in data.rows}
    for row in data.rows:
        if not row.is_total:
            continue
        items = (
            [r for r in data_rows if r.position < row.position and not r.empty]
            if row.spec.all_rows
            else [data.row(c) for c in row.spec.items]  # rows are filled in place, subtotals first
        )
        for col in sec.columns:
            cell = row.cells.get(col.key)
            if cell is None or not cell.formula or not cell.unknown:
                continue
            if col.total == "sum":
                covered = _sum_rows(grid.cell(row.excel_row, columns[col.key]).text, col.key, data, by_excel_row)
                cells = [r.cells.get(col.key) for r in (covered if covered is not None else items) if r is not None]
                row.cells[col.key] = _filled(cell, *_sum_cells(cells))
            elif col.total == "formula" and col.formula is not None:
                row.cells[col.key] = _filled(cell, *evaluate_cells(col, [row.cells.get(k) for k in col.formula.inputs]))
            else:
                continue
            row.changed()


_SUM = re.compile(r"^\s*SUM\((.*)\)\s*$", re.IGNORECASE)
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def _sum_rows(text: str | None, key: str, data: SectionData,
              by_excel_row: dict[int, SectionRow]) -> list[SectionRow] | None:
    """The table rows a total's own SUM formula covers in its column; None when not a plain SUM."""
    m = _SUM.match(text or "")
    if not m:
        return None
    letter = data.columns.get(key)
    rows: list[SectionRow] = []
    for part in m.group(1).split(","):
        ref = _REF.match(part.strip().upper())
        if not ref or ref.group(1) != letter or (ref.group(3) and ref.group(3) != letter):
            return None  # another column, a name or a function: not ours to evaluate
        first, last = int(ref.group(2)), int(ref.group(4) or ref.group(2))
        rows += [by_excel_row[r] for r in range(first, last + 1) if r in by_excel_row]
    return rows


def _sum_cells(cells: list[CellValue | None]) -> tuple[Decimal | None, str | None, bool]:
    """Excel's SUM over cells: text is skipped, the first error wins, an unknown term is unknown."""
    total = Decimal(0)
    for c in cells:
        if c is None:
            continue
        if c.error:
            return None, c.error, False
        if c.unknown:
            return None, None, True
        if c.number is not None and c.problem != "IN-010":
            total += c.number  # numbers typed as text (IN-010) are skipped by SUM, as in Excel
    return total, None, False


def evaluate_cells(col: Column, inputs: list[CellValue | None]) -> tuple[Decimal | None, str | None, bool]:
    """(value, error, unknown) that a computed column's template formula shows for its inputs."""
    cells = [c if c is not None else _NO_CELL for c in inputs]
    for c in cells:
        if c.error:
            return None, c.error, False
        if c.unknown:
            return None, None, True
    if any(c.problem and c.number is None for c in cells):
        return None, "#VALUE!", False  # text in a term: Excel shows #VALUE!
    keys = col.formula.inputs
    value = evaluate(col, {k: c.number for k, c in zip(keys, cells)},
                     blank={k: c.blank for k, c in zip(keys, cells)})
    return value, None, False


_NO_CELL = shared_blank("")


def _filled(cell: CellValue, value: Decimal | None, error: str | None = None, unknown: bool = False) -> CellValue:
    # filled: what the cell shows (a number or an error passed on from an input) was worked
    # out here, so an error in it is not the cell's own fault.
    return CellValue(ref=cell.ref, value=value, raw=cell.raw, formula=True,
                     filled=value is not None or error is not None, error=error, unknown=unknown)


def evaluate(col: Column, inputs: dict[str, Decimal | None], blank: dict[str, bool] | None = None) -> Decimal | None:
    """The value a computed column's formula gives, as the template's Excel formula does."""
    f = col.formula
    if isinstance(f, Linear):
        keys = f.inputs
        if blank is not None and all(blank.get(k, True) for k in keys):
            return None  # the template shows "" on an empty row
        if any(inputs.get(k) is None and not (blank or {}).get(k, True) for k in keys):
            return None  # an input is unreadable: Excel shows #VALUE!, no number
        return sum((w * (inputs.get(k) or Decimal(0)) for k, w in f.terms), Decimal(0))
    if isinstance(f, Ratio):
        num, den = inputs.get(f.numerator), inputs.get(f.denominator)
        if num is None or den is None or den == 0:
            return None
        return num / den
    return None


def _cell_findings(data: SectionData, ctx: _Ctx, unit: str, clean: set[str] | frozenset[str] = frozenset()) -> None:
    """The IN-* findings of each cell and READ-031 for hidden rows. ``clean``: the columns
    whose data-row cells the reader made as plain values (see _read_column); only their
    total-row cells are looked at."""
    sec = data.spec
    # Row dicts hold the table's columns in spec order (the reader makes them so and only
    # replaces values): the plan of those columns walks along them without a lookup.
    plan = [p for p in _findings_plan(sec) if p[1] in data.columns]
    keys = [p[1] for p in plan]
    tkr = unit == "tkr"
    # What the quick test below needs per column, for data rows and for total rows:
    # (a formula is expected, a blank is IN-012, a fraction is IN-013).
    quick_data = [(computed, required, tkr and amount) for _, _, computed, _, required, amount in plan]
    quick_total = [(computed or has_total, False, False) for _, _, computed, has_total, _, _ in plan]
    unclean = [(p, q) for p, q in zip(plan, quick_data) if p[1] not in clean] if clean else None
    for row in data.rows:
        if row.empty:
            continue
        if row.hidden:
            ctx.add("READ-031", Location(file=ctx.file, section=sec.key, sheet=data.sheet,
                                         cell=f"A{row.excel_row}", row_label=row.label),
                    row=row.excel_row, table=sec.table)
        is_total = row.is_total
        cells = row.cells
        if unclean is not None and not is_total:
            found = [(p, q, cells[p[1]]) for p, q in unclean if p[1] in cells]
        elif list(cells) != keys:  # not as the reader made it: look each column up
            found = [(p, q, cells[p[1]]) for p, q in zip(plan, quick_total if is_total else quick_data)
                     if p[1] in cells]
        else:
            found = zip(plan, quick_total if is_total else quick_data, cells.values())
        for (col, key, computed, has_total, required, amount), (formula_cell, blank_check, whole_check), cell in found:
            # The common case, a cell no check below can object to, decided in a few tests.
            if cell.problem is None and cell.error is None and not cell.unknown and (cell.formula or not formula_cell):
                if cell.value is None:
                    if not blank_check:
                        continue
                elif not whole_check or ((raw := cell.raw).__class__ is float and raw.is_integer()) or _whole(cell):
                    continue
            codes = []
            if cell.problem:
                codes.append(cell.problem)
            elif cell.error and cell.formula and not cell.filled and _inputs_readable(col, row):
                codes.append("IN-001")
            elif cell.unknown and not formula_cell:
                codes.append("IN-015")
            if formula_cell and not cell.formula and cell.blank and _has_inputs(col, row, is_total):
                codes.append("IN-014")
            if (computed or is_total) and not cell.formula and cell.value is not None \
                    and (is_total and has_total or computed):
                codes.append("IN-011")
            if not is_total and required and cell.blank:
                codes.append("IN-012")
            if tkr and amount and not is_total and not _whole(cell):
                codes.append("IN-013")
            if not codes:
                continue
            loc = Location(file=ctx.file, section=sec.key, sheet=data.sheet, cell=cell.ref,
                           row_label=row.label, column=col.key)
            params = dict(raw=shown(cell.raw), error=cell.error, value=cell.value, unit=unit,
                          choices=", ".join(col.choices),
                          form="ÅÅÅÅ-MM" if col.kind is Kind.MONTH else "ÅÅÅÅ-MM-DD",
                          header=col.header)
            for code in codes:
                if code == "IN-011":
                    ctx.add(code, loc, actual=cell.value, **params)
                elif code == "IN-010":
                    found, fix = text_number_traits(str(cell.raw))
                    ctx.add(code, loc, found=found, fix=fix, **params)
                else:
                    ctx.add(code, loc, **params)


_PLANS: dict[int, tuple[Section, list]] = {}


class _Names(NamedTuple):
    """A section spec's names as the reader compares them (norm_header), worked out once."""

    headers: tuple[str, ...]  # each column's header
    known: frozenset[str]  # every header and column key
    fixed_labels: tuple[str, ...]  # each fixed row's label
    totals: dict[str, RowSpec]  # a total row by its label (read-only)


_NAMES: dict[int, tuple[Section, _Names]] = {}


def _names(sec: Section) -> _Names:
    def make() -> _Names:
        headers = tuple(norm_header(c.header) for c in sec.columns)
        return _Names(headers, frozenset(headers) | {c.key for c in sec.columns},
                      tuple(norm_header(r.label) for r in sec.fixed_rows),
                      {norm_header(t.label): t for t in sec.totals})
    return _per_section(_NAMES, sec, make)


_LETTERS = [""] + [col_letter(i) for i in range(1, 703)]  # A … ZZ


def _letter(idx: int) -> str:
    return _LETTERS[idx] if idx < 703 else col_letter(idx)


def _findings_plan(sec: Section) -> list[tuple[Column, str, bool, bool, bool, bool]]:
    """Per column what _cell_findings asks of it: (column, key, computed, has a total,
    required, a whole-tkr amount), worked out once per section spec."""
    return _per_section(_PLANS, sec, lambda: [(col, col.key, col.computed, bool(col.total), col.required,
                                               col.kind is Kind.AMOUNT and not col.computed)
                                              for col in sec.columns])


def _per_section(memo: dict, sec: Section, make):
    """What ``make()`` gives for a section spec, made once (kept by the spec's identity)."""
    hit = memo.get(id(sec))
    if hit is None or hit[0] is not sec:
        hit = memo[id(sec)] = (sec, make())
    return hit[1]


def _whole(cell: CellValue) -> bool:
    """Whether the cell's number has no fraction (true when it is no number)."""
    raw = cell.raw
    if raw.__class__ is float and raw.is_integer():  # read as Decimal(int(raw))
        return True
    n = cell.number
    return n is None or n == n.to_integral_value()


def _has_inputs(col: Column, row: SectionRow, is_total: bool) -> bool:
    """Whether a computed cell left empty should show something (its inputs hold values)."""
    if is_total:
        return True
    return any(not row.cells[k].blank for k in col.formula.inputs if k in row.cells)


def shown(raw: object) -> object:
    """A raw value as a message shows it: a date-time at midnight is the date (calamine
    gives a datetime for some date formats where openpyxl's source gives the date)."""
    if isinstance(raw, dt.datetime) and raw.time() == dt.time(0):
        return raw.date()
    return raw


def _inputs_readable(col: Column, row: SectionRow) -> bool:
    if col.formula is None:
        return True
    return all(row.cells.get(k) is not None and row.cells[k].problem is None and row.cells[k].error is None
               for k in col.formula.inputs)
