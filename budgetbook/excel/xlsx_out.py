"""Writing an in-memory openpyxl workbook through XlsxWriter: cached formula values, and speed.

Why: openpyxl cannot store a formula's cached value, so a reader that does not recalculate
(calamine, pandas, previews) sees computed cells blank; and openpyxl writes large sheets
slowly. The layout stays where it is decided (template.py and the writers build an openpyxl
Workbook in memory, never saved); this module only transcribes it, cell by cell, with styles,
merges, tables, defined names, widths, freeze panes, print setup and protection.

Invariant: every formula is written with the value budgetbook computed for it (``cached``,
keyed by (sheet, A1)); a formula without one is a programming error (ValueError), never a
cached 0. Text is always written as text (never parsed as a formula, number or URL). ``bulk``
rows (the huge Spårbarhet, the nämnd's long section tables) skip openpyxl altogether, and
XlsxWriter too where they can: they are streamed into the sheet XML XlsxWriter wrote
(``_splice``). Same input, same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from decimal import Decimal
from typing import Any, BinaryIO, Iterable, Mapping, NamedTuple, Sequence, Sized

from ..excel_refs import cell_pos, col_index, col_letter, parse_range, range_ref
from ..textsafety import is_formula_like
from .template import FIXED_TIME

_BORDER_STYLES = {None: 0, "thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7}


class Unsupported(ValueError):
    """The workbook uses a feature this transcriber does not carry over."""


class TooManyRows(Unsupported):
    """A sheet's rows pass Excel's last row (``sheet``: its name)."""

    def __init__(self, sheet: str, message: str):
        super().__init__(message)
        self.sheet = sheet


class Computed(NamedTuple):
    """A formula cell of a bulk row: the formula (with "=") and the value budgetbook computed."""

    formula: str
    value: Any


class Styled(NamedTuple):
    """Bulk rows with styles and formulas (a table body): each row is (template row, values),
    a value a constant or Computed. Each cell takes the style of the layout's cell in its
    column on the template row (with the quote prefix where its text needs one); the layout's
    cells from ``first`` on are such templates, never written themselves."""

    first: int
    rows: Any  # sized, iterable more than once, of (template row, values)


def transcribe(wb, cached: Mapping[tuple[str, str], Any],
               bulk: Mapping[str, tuple[int, Iterable[Sequence[Any]]]] | None = None,
               splice: bool = True, out: BinaryIO | None = None) -> bytes | None:
    """The .xlsx bytes of ``wb`` written by XlsxWriter, or written into ``out`` (a seekable
    binary file, from its start; then None is returned, and the file is never held whole in
    memory). ``bulk``: sheet → (first row, rows of typed constants, unstyled) or Styled,
    the sheet's rows from the first on, written as they come; the rows must be sized and
    iterable more than once (they are made as they are written, and made again if a value
    cannot be spliced)."""
    target = out if out is not None else io.BytesIO()
    target.seek(0)
    target.truncate()
    done = False
    if splice and bulk:
        try:
            _transcribe(wb, cached, bulk, True, target)
            done = True
        except _NotSpliceable:  # a rare value only XlsxWriter writes right: all through it
            target.seek(0)
            target.truncate()
    if not done:
        _transcribe(wb, cached, bulk, False, target)
    return target.getvalue() if out is None else None  # type: ignore[union-attr]


def _transcribe(wb, cached, bulk, splice: bool, target: BinaryIO) -> None:
    import xlsxwriter

    buf = io.BytesIO()
    out = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                    "strings_to_numbers": False, "strings_to_urls": False})
    out.set_properties({"author": "budgetbook", "created": FIXED_TIME})
    formats = _Formats(out)
    spliced: dict[str, tuple[int, int, Sized, dict | None, str]] = {}
    widened: dict[str, dict[bytes, bytes]] = {}  # a spliced sheet's table refs as written → real refs
    for i, ws in enumerate(wb.worksheets):
        rows = (bulk or {}).get(ws.title)
        if rows is not None and not _rows_fit(rows[0], len(rows[1])):
            # Spliced, the file would not open; XlsxWriter would drop the rows past it unsaid.
            last = f"{EXCEL_ROWS:,}".replace(",", " ")
            raise TooManyRows(ws.title, f"{ws.title}: {len(rows[1])} rows from row {rows[0]} pass Excel's last "
                                        f"row ({last})")
        styles = _template_styles(ws, rows.first, formats) if isinstance(rows, Styled) else None
        if rows is not None and splice:
            # XlsxWriter's own sheet XML (sheet1.xml, … in order) gets these rows afterwards,
            # their styles by the index XlsxWriter gives each template format.
            ids = None if styles is None else {
                r: [tuple(_style_attr(f) for f in pair) for pair in pairs] for r, pairs in styles.items()}
            part = f"xl/worksheets/sheet{i + 1}.xml"
            # plain rows: text a spreadsheet would take for a formula gets the quote prefix
            quote = _style_attr(formats.of(None, quote=True)) if styles is None else ""
            spliced[part] = (rows[0], max(ws.max_column, 1), rows[1], ids, quote)
            for table in ws.tables.values():
                r1, c1, r2, c2 = parse_range(table.ref)
                widened.setdefault(part, {})[f'ref="{range_ref(r1, c1, min(r2, r1 + 1), c2)}"'.encode()] = \
                    f'ref="{range_ref(r1, c1, r2, c2)}"'.encode()
            _sheet(out, ws, formats, cached, None, short_tables=True, bulk_first=rows[0])
        else:
            _sheet(out, ws, formats, cached, rows, styles=styles)
    for name, dn in wb.defined_names.items():
        out.define_name(name, "=" + dn.attr_text)
    out.worksheets()[wb.index(wb.active)].activate()
    out.close()
    del out, formats  # XlsxWriter's copy of every cell: freed before the rows are streamed
    buf.seek(0)
    if spliced:
        _splice(buf, spliced, widened, target)
    else:
        target.write(buf.getbuffer())


EXCEL_ROWS = 1_048_576


def _rows_fit(first: int, n: int) -> bool:
    return first + n - 1 <= EXCEL_ROWS


def _template_styles(ws, first: int, formats: "_Formats") -> dict[int, list[tuple[Any, Any]]]:
    """Template row → per column (its format, the same with the quote prefix), from the
    layout's cells on the rows from ``first`` on."""
    width = max(ws.max_column, 1)
    rows = sorted({r for r, _ in ws._cells if r >= first})
    return {r: [(formats.of(ws._cells.get((r, c)), quote=False), formats.of(ws._cells.get((r, c)), quote=True))
                for c in range(1, width + 1)] for r in rows}


def _style_attr(fmt) -> str:
    """The s attribute of a spliced cell in this format; the format gets its index (and its
    place in styles.xml) now, as XlsxWriter gives it to a format when it writes a cell."""
    return "" if fmt is None else f' s="{fmt._get_xf_index()}"'


def _sheet(out, ws, formats: "_Formats", cached, bulk, short_tables: bool = False,
           styles: dict | None = None, bulk_first: int | None = None) -> None:
    """``bulk``: the sheet's rows from its first on, written here (Styled ones in ``styles``,
    from _template_styles); ``bulk_first``: those rows are spliced in later. Either way the
    layout's cells from that row on are templates, not written. ``short_tables``: the rows are
    spliced in later, so each table is given to XlsxWriter as its header and one row
    (XlsxWriter keeps an entry per cell of a table's range) and widened in the table XML by
    ``_splice``."""
    xs = out.add_worksheet(ws.title)
    first = bulk[0] if bulk is not None else bulk_first
    if ws.sheet_state != "visible":
        xs.hide()
    if ws.data_validations.dataValidation:
        raise Unsupported(f"{ws.title}: data validations are not transcribed")
    for key, dim in ws.column_dimensions.items():
        if dim.width:
            first_col = (dim.min or col_index(key)) - 1
            xs.set_column(first_col, (dim.max or first_col + 1) - 1, dim.width)
    for r, dim in ws.row_dimensions.items():
        if dim.height:
            if first is not None and r >= first:
                raise Unsupported(f"{ws.title}: a row height among the bulk rows ({r})")
            xs.set_row(r - 1, dim.height)
    for table in ws.tables.values():
        r1, c1, r2, c2 = parse_range(table.ref)
        if short_tables:
            r2 = min(r2, r1 + 1)
        headers = [ws.cell(r1, c).value for c in range(c1, c2 + 1)]
        style = table.tableStyleInfo
        xs.add_table(r1 - 1, c1 - 1, r2 - 1, c2 - 1, {
            "name": table.displayName, "autofilter": True,
            "style": _table_style(style.name if style else None),
            "banded_rows": bool(style and style.showRowStripes),
            "columns": [{"header": str(h)} for h in headers]})
    # ws._cells: the cells that exist (iter_rows would create every blank in the bounding box),
    # in the order they were made: deterministic, and XlsxWriter sorts the cells itself.
    for (r, c), cell in ws._cells.items():
        if first is None or r < first:
            _cell(xs, r - 1, c - 1, cell, formats.of(cell), cached, ws.title)
    for rng in ws.merged_cells.ranges:
        if first is not None and rng.max_row >= first:
            raise Unsupported(f"{ws.title}: merged cells among the bulk rows ({rng.coord})")
        top = ws.cell(rng.min_row, rng.min_col)
        xs.merge_range(rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1, top.value or "",
                       formats.of(top))
    if bulk is not None:
        if styles is None:
            _bulk(xs, *bulk, quoted=formats.of(None, quote=True))
        else:
            _bulk_styled(xs, bulk.first, bulk.rows, styles)
    if ws.freeze_panes:
        fr, fc = cell_pos(ws.freeze_panes)
        xs.freeze_panes(fr - 1, fc - 1)
    if ws.auto_filter.ref:
        xs.autofilter(ws.auto_filter.ref)
    if ws.print_title_rows:
        first_title, last_title = ws.print_title_rows.split(":")
        xs.repeat_rows(int(first_title.strip("$")) - 1, int(last_title.strip("$")) - 1)
    ps = ws.page_setup
    xs.set_landscape() if ps.orientation == "landscape" else xs.set_portrait()
    if ps.paperSize:
        xs.set_paper(int(ps.paperSize))
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        xs.fit_to_pages(int(ps.fitToWidth or 0), int(ps.fitToHeight or 0))
    if ws.protection.sheet:
        # openpyxl: True = the action is protected; XlsxWriter: True = the action is allowed.
        xs.protect("", {"format_columns": not ws.protection.formatColumns,
                        "format_rows": not ws.protection.formatRows,
                        "autofilter": not ws.protection.autoFilter,
                        "sort": not ws.protection.sort})


def _bulk_styled(xs, first: int, rows: Iterable[tuple[int, Sequence[Any]]], styles: dict) -> None:
    """Styled rows through XlsxWriter (when they cannot be spliced), cell as _cell writes one."""
    for r, (template, row) in enumerate(rows, start=first - 1):
        formats = styles[template]
        for j, v in enumerate(row):
            plain, quoted = formats[j]
            if v.__class__ is Computed:
                xs.write_formula(r, j, v.formula, plain, _result(v.value))
            elif v is None or v == "":  # a blank, as _rows_xml writes it
                if plain is not None:
                    xs.write_blank(r, j, None, plain)
            else:
                _constant(xs, r, j, v, quoted if v.__class__ is str and is_formula_like(v) else plain)


def _bulk(xs, first: int, rows: Iterable[Sequence[Any]], quoted=None) -> None:
    """Rows of constants, unstyled but for ``quoted`` (the quote prefix) on text a spreadsheet
    would take for a formula. Hundreds of thousands of cells, nearly all text: plain str goes
    straight to write_string (no type chain), anything else as ``_constant``."""
    write_string = xs.write_string
    for r, row in enumerate(rows, start=first - 1):
        for j, v in enumerate(row):
            if type(v) is str:
                if v:
                    write_string(r, j, v, quoted if is_formula_like(v) else None)
            elif v is not None:
                _constant(xs, r, j, v, None)


# --- bulk rows straight into the sheet XML ------------------------------------------------
# Hundreds of thousands of unstyled constants (Spårbarhet): XlsxWriter would hold every cell
# in memory and spend most of the run on them. They are written into the sheet XML XlsxWriter
# produced, streamed into the zip: text as entries appended to XlsxWriter's shared strings
# (each distinct text once: the same unit, file and sheet names recur on every row), or as
# inline strings when the workbook has none; numbers and dates as unstyled serial numbers
# (as write_datetime without a format), with XlsxWriter's values and escaping. Rows with any
# other type (datetimes, booleans, dates before 1901, very long text, text like Excel's
# _xHHHH_ escapes, non-finite numbers) go through XlsxWriter instead.

_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_EPOCH = dt.date(1899, 12, 30)  # serial numbers from 1900-03-01 on (Excel's 1900 leap day before)


class _NotSpliceable(ValueError):
    """A bulk value the splice does not write as XlsxWriter would."""


def _splice_ok(v: Any) -> bool:
    t = type(v)
    if t is str:
        # Literal "_x0041_" text stays on XlsxWriter's own path (readers differ on its escaped form).
        return len(v) <= 16000 and not ("_x" in v and _ESCAPED_ESCAPE.search(v))
    if t is dt.date:
        return v.year >= 1901
    if t in (int, float, Decimal):
        return _finite(v)
    return v is None


def _finite(v: Any) -> bool:
    """Does the number have a finite double (what the file holds)? Decimal("1E+400") is a
    finite Decimal and an infinite double; 10**400 has none."""
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


_PLAIN_TEXT = re.compile(r"[^\s&<>_\x00-\x1f\ufffe\uffff](?:[^&<>_\x00-\x08\x0b-\x1f\ufffe\uffff]*"
                         r"[^\s&<>_\x00-\x1f\ufffe\uffff])?")  # nothing to escape, no edge space


def _text_xml(text: str) -> str:
    """``text`` as the <t> element XlsxWriter writes for it (in <si> or <is> alike)."""
    if _PLAIN_TEXT.fullmatch(text):  # most texts: names, cells, labels
        return f"<t>{text}</t>"
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text).replace("\ufffe", "_xFFFE_").replace(
        "\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{space}>{text}</t>"


class _Texts:
    """The XML that ends a text cell (after its r and s attributes), made once per distinct text:
    a reference to a shared string appended after the workbook's ``base`` ones, or (base
    None) an inline string. A text a spreadsheet would take for a formula is kept ``apart``:
    never found in ``tails``, it always comes to _CellXml.text, which adds the quote prefix."""

    def __init__(self, base: int | None):
        self.base = base
        self.tails: dict[str, str] = {}
        self.apart: dict[str, str] = {}
        self.shared: list[str] = []  # the appended <si> contents, in index order
        self.refs = 0  # cells referring to a shared string

    def tail(self, text: str) -> str:
        known = self.apart.get(text)
        if known is not None:
            return known
        if not _splice_ok(text):
            raise _NotSpliceable(text)
        if self.base is None:
            tail = f' t="inlineStr"><is>{_text_xml(text)}</is></c>'
        else:
            tail = f' t="s"><v>{self.base + len(self.shared)}</v></c>'
            self.shared.append(_text_xml(text))
        (self.apart if is_formula_like(text) else self.tails)[text] = tail
        return tail


def _rows_xml(first: int, rows: Iterable[Any], width: int, texts: _Texts | None = None,
              styles: Mapping[int, Sequence[tuple[str, str]]] | None = None, chunk: int = 2000,
              quote: str = "") -> Iterable[bytes]:
    """The rows' XML in chunks; raises _NotSpliceable at the first value it must not write
    (or at a row wider than ``width``, which the dimension written before them covers).
    ``styles``: the rows are Styled rows, and this gives each template row's s attributes
    per column (plain, with the quote prefix); ``quote``: the s attribute of plain rows' text
    a spreadsheet would take for a formula.

    Hundreds of thousands of rows: the XML after a cell's row number is made once per
    distinct text and column style (``_CellXml``), so a cell costs one lookup and one join."""
    texts = texts if texts is not None else _Texts(None)
    starts = [f'<c r="{col_letter(j + 1)}' for j in range(width)]
    unstyled = [_CellXml(texts, "", quote)] * width
    by_template = {t: [_CellXml(texts, *pair) for pair in pairs] for t, pairs in (styles or {}).items()}
    part: list[str] = []
    add = part.append
    refs = 0
    cells = unstyled
    for r, row in enumerate(rows, start=first):
        if styles is not None:
            template, row = row
            cells = by_template[template]
        if len(row) > width:
            raise _NotSpliceable(f"row {r} has {len(row)} values, the sheet {width} columns")
        rs = f'{r}"'
        add(f'<row r="{r}">')
        for start, cell, v in zip(starts, cells, row):
            if v.__class__ is str and v:
                add(f"{start}{rs}{cell.texts.get(v) or cell.text(v)}")
                refs += 1
            elif v is not None and v.__class__ is not str:
                add(f"{start}{rs}{cell.numbers.get(v) or cell.other(v)}")
            elif cell.blank:  # None or ""
                add(f"{start}{rs}{cell.blank}")
        add("</row>")
        if len(part) > chunk:
            yield "".join(part).encode()
            part.clear()
    yield "".join(part).encode()
    if texts.base is not None:
        texts.refs += refs


class _CellXml:
    """What follows the row number in the XML of a cell in one column style (s attribute
    ``plain``, or ``quoted`` for text a spreadsheet would take for a formula): by text, made
    once; a blank; a number, date or formula."""

    def __init__(self, shared: _Texts, plain: str, quoted: str):
        self.shared, self.plain, self.quoted = shared, plain, quoted
        # Cells without a style end as the text's own tail: the shared strings' dict serves
        # (a text that needs the quote prefix is never found there: text() adds it).
        self.texts: dict[str, str] = shared.tails if not plain else {}
        self.blank = f"{plain}/>" if plain else ""  # a styled blank is written, an unstyled one is not
        # Amounts recur (a unit's value, its converted value). Never 0 or 1: False and True
        # equal them, and must not be found here.
        self.numbers: dict[Any, str] = {}

    def text(self, v: str) -> str:
        tail = self.shared.tails.get(v) or self.shared.tail(v)
        quote = is_formula_like(v)
        if self.texts is self.shared.tails:
            return f"{self.quoted}{tail}" if quote else tail
        out = self.texts[v] = f"{self.quoted if quote else self.plain}{tail}"
        return out

    def other(self, v: Any) -> str:
        """A number, date or formula (Computed)."""
        if v.__class__ is Computed:
            return f"{self.plain}{_formula_xml(v)}"
        out = f"{self.plain}><v>{_number_xml(v)}</v></c>"
        if v.__class__ is Decimal and v != 0 and v != 1:
            self.numbers[v] = out
        return out


def _number_xml(v: Any) -> str:
    """A number or a date as XlsxWriter writes it (write_number, write_datetime)."""
    t = v.__class__
    if t is Decimal or t is int or t is float:
        if _finite(v):
            return f"{float(v) if t is Decimal else v:.16G}"
    elif t is dt.date and v.year >= 1901:
        return f"{(v - _EPOCH).days:.16G}"
    raise _NotSpliceable(repr(v))


# Functions XlsxWriter writes as they are; any other (its "future" and dynamic array
# functions get a prefix or an array formula) sends the rows through XlsxWriter.
_PLAIN_FUNCTIONS = frozenset({"IF", "COUNT", "AND", "OR", "NOT", "ISNUMBER", "SUM", "ABS", "ROUND"})
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9._]*)\(")
_ERROR_RESULTS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})


def _formula_xml(cell: Computed) -> str:
    """The rest of a formula cell after its r and s attributes, as XlsxWriter's write_formula
    writes it with the computed value as its result."""
    formula = cell.formula
    if formula[:1] != "=" or not _PLAIN_FUNCTIONS.issuperset(f.upper() for f in _FUNCTION.findall(formula)):
        raise _NotSpliceable(formula)
    value = _result(cell.value)
    kind = ""
    if type(value) is bool:
        kind, value = ' t="b"', int(value)
    elif type(value) is str:
        if value and not _splice_ok(value):
            raise _NotSpliceable(value)
        kind = "" if value == "" else ' t="e"' if value in _ERROR_RESULTS else ' t="str"'
        value = _escape(value)
    elif type(value) not in (int, float) or not _finite(value):
        raise _NotSpliceable(repr(value))
    return f"{kind}><f>{_escape(formula[1:])}</f><v>{value}</v></c>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SST = "xl/sharedStrings.xml"
_SST_COUNTS = re.compile(rb'(<sst [^>]*?)count="(\d+)" uniqueCount="(\d+)"')


def _splice(source: BinaryIO, spliced: Mapping[str, tuple[int, int, Sized, Mapping | None, str]],
            widened: Mapping[str, Mapping[bytes, bytes]], target: BinaryIO) -> None:
    """``spliced``: sheet part → (first row, width, rows, s attributes of Styled rows' template
    rows, or None for plain rows, the quote prefix's s attribute for plain rows). The spliced parts are deflated at
    level 3: they are most of the file and of the time; level 6 would take 2.5 times as long
    for a file 10 % smaller."""
    import zipfile

    src = zipfile.ZipFile(source)
    names = src.namelist()
    # each spliced sheet's tables (from its relationships) → the refs to widen in them
    tables: dict[str, Mapping[bytes, bytes]] = {}
    for part in spliced:
        rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        if rels in names:
            for m in re.findall(rb'Target="\.\./tables/([^"]+)"', src.read(rels)):
                tables[f"xl/tables/{m.decode()}"] = widened.get(part, {})
    # XlsxWriter writes the shared strings after the sheets: the texts met in the rows are
    # appended to them when their turn comes.
    counts = _SST_COUNTS.search(src.read(_SST)) if _SST in names else None
    share = counts is not None and all(names.index(s) < names.index(_SST) for s in spliced)
    texts = _Texts(int(counts.group(3)) if share and counts else None)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            for short, full in tables.get(info.filename, {}).items():
                body = body.replace(short, full)
            if info.filename == _SST and share and texts.shared:
                _shared_strings(dst, info, body, texts)
                continue
            if info.filename not in spliced:
                dst.writestr(info, body)
                continue
            first, width, rows, styles, quote = spliced[info.filename]
            body = body.replace(b"<sheetData/>", b"<sheetData></sheetData>")
            head, tail = body.split(b"</sheetData>", 1)
            if len(rows):
                head = _DIMENSION.sub(lambda m: _dimension(m, first + len(rows) - 1, col_letter(width)), head,
                                      count=1)
            info._compresslevel = 3  # type: ignore[attr-defined]  # zipfile's own per-entry level
            with dst.open(info, "w") as fh:
                fh.write(head)
                for part in _rows_xml(first, rows, width, texts, styles, quote=quote):  # type: ignore[arg-type]
                    fh.write(part)
                fh.write(b"</sheetData>" + tail)


def _shared_strings(dst, info, body: bytes, texts: _Texts) -> None:
    """XlsxWriter's shared strings with the spliced rows' texts appended, counts updated."""
    m = _SST_COUNTS.search(body)
    assert m is not None  # found when the splice chose shared strings
    count, unique = int(m.group(2)) + texts.refs, int(m.group(3)) + len(texts.shared)
    body = body[:m.start()] + m.group(1) + f'count="{count}" uniqueCount="{unique}"'.encode() + body[m.end():]
    head, tail = body.rsplit(b"</sst>", 1)
    with dst.open(info, "w") as fh:
        fh.write(head)
        for i in range(0, len(texts.shared), 2000):
            fh.write("".join(f"<si>{t}</si>" for t in texts.shared[i:i + 2000]).encode())
        fh.write(b"</sst>" + tail)


_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"/>')


def _dimension(m: re.Match, last_row: int, last_col: str) -> bytes:
    r1, c1, r2, c2 = parse_range(m.group(1).decode())
    r2, c2 = max(r2, last_row), max(c2, col_index(last_col))
    return f'<dimension ref="{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"/>'.encode()


def _cell(xs, r: int, c: int, cell, fmt, cached, sheet: str) -> None:
    if cell.data_type == "f":
        key = (sheet, cell.coordinate)
        if key not in cached:
            raise ValueError(f"{sheet}!{cell.coordinate}: formula {cell.value} has no computed value")
        xs.write_formula(r, c, str(cell.value), fmt, _result(cached[key]))
    elif cell.value is None:
        if fmt is not None:
            xs.write_blank(r, c, None, fmt)
    else:
        _constant(xs, r, c, cell.value, fmt)


def _result(value: Any) -> Any:
    """A computed value as a formula's cached result (a blank is "", never 0)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return "" if value is None else value


def _constant(xs, r: int, c: int, v: Any, fmt) -> None:
    if isinstance(v, bool):
        xs.write_boolean(r, c, v, fmt)
    elif isinstance(v, (int, float, Decimal)):
        xs.write_number(r, c, float(v) if isinstance(v, Decimal) else v, fmt)
    elif isinstance(v, (dt.date, dt.datetime)):
        xs.write_datetime(r, c, v, fmt)
    else:
        xs.write_string(r, c, str(v), fmt)


def _table_style(name: str | None) -> str | None:
    """"TableStyleLight1" → "Table Style Light 1" (XlsxWriter's spelling)."""
    if not name:
        return None
    import re

    m = re.fullmatch(r"TableStyle(Light|Medium|Dark)(\d+)", name)
    return f"Table Style {m.group(1)} {m.group(2)}" if m else None


def _rgb(color) -> str | None:
    if color is None or color.type != "rgb" or not isinstance(color.rgb, str):
        return None
    return "#" + color.rgb[-6:]


class _Formats:
    """One XlsxWriter Format per distinct openpyxl style (keyed by its style array)."""

    def __init__(self, out):
        self.out = out
        self.cache: dict[tuple, Any] = {}

    def of(self, cell, quote: bool | None = None):
        """The cell's format; with ``quote``, the same with or without Excel's quote prefix
        (for a text the cell's style is a template for; ``cell`` may then be None)."""
        styled = cell is not None and cell.has_style
        if not styled and not quote:
            return None
        key = (tuple(cell._style) if styled else None, quote)
        if key not in self.cache:
            props = _properties(cell) if styled else {"locked": True}
            if quote is not None:
                props.pop("quote_prefix", None)
                if quote:
                    props["quote_prefix"] = True
            self.cache[key] = self.out.add_format(props)
        return self.cache[key]


def _properties(cell) -> dict[str, Any]:
    p: dict[str, Any] = {}
    f = cell.font
    if f.b:
        p["bold"] = True
    if f.i:
        p["italic"] = True
    if f.sz and float(f.sz) != 11:
        p["font_size"] = float(f.sz)
    if _rgb(f.color):
        p["font_color"] = _rgb(f.color)
    fill = cell.fill
    if getattr(fill, "fill_type", None) == "solid" and _rgb(fill.fgColor):
        p["pattern"], p["bg_color"] = 1, _rgb(fill.fgColor)
    for side in ("top", "bottom", "left", "right"):
        s = getattr(cell.border, side)
        if s is not None and s.style:
            p[side] = _BORDER_STYLES.get(s.style, 1)
            if _rgb(s.color):
                p[f"{side}_color"] = _rgb(s.color)
    a = cell.alignment
    if a.wrap_text:
        p["text_wrap"] = True
    if a.horizontal:
        p["align"] = {"centerContinuous": "center_across"}.get(a.horizontal, a.horizontal)
    if a.vertical:
        p["valign"] = {"center": "vcenter"}.get(a.vertical, a.vertical)
    if cell.number_format and cell.number_format != "General":
        p["num_format"] = cell.number_format
    p["locked"] = bool(cell.protection.locked)
    if cell.quotePrefix:
        p["quote_prefix"] = True
    return p
