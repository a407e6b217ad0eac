"""The corpus of broken and hostile workbooks, made by code (no hand-made binaries).

Run by hand to look at the files:  python -m tests.data.make_broken [OUT_DIR]
(from the repository root; OUT_DIR defaults to tests/data/broken/, which git ignores).
The tests build the same corpus once per session into a temporary folder.

Every file starts from the project's own template (build_workbook) or from bytes this
module writes (an OLE compound file, a PNG, a PDF, zip archives); ``CASES`` says what
reading each one must report, and the README table "Trasiga och fientliga filer" lists
the same cases for users.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange

from budgetbook.excel.template import BookContent, build_workbook, workbook_bytes
from budgetbook.spec import SPEC, Kind

from tests.helpers import HEADER, sample_value

ZIP_TIME = (1980, 1, 1, 0, 0, 0)

BASE_ROWS = {"ekonomi": [
    dict(verksamhet="Barn och unga 0–20 år", utfall_intakter=6700, utfall_kostnader=-118100,
         budget_intakter=5700, budget_kostnader=-120700, arsbudget_netto=-172500,
         prognos_netto=-170300, bokslut_fg_ar=-159840),
    dict(verksamhet="Vuxna 21–64 år", utfall_intakter=10600, utfall_kostnader=-52200,
         budget_intakter=13300, budget_kostnader=-59500, arsbudget_netto=-69300, prognos_netto=-65200),
]}


# --- building blocks ---------------------------------------------------------------------

def base_workbook(header: dict | None = None, rows: dict | None = None,
                  sections: tuple[str, ...] = ("ekonomi",)) -> Workbook:
    """The valid unit workbook every structural case starts from (reads with no findings)."""
    content = BookContent(header=dict(HEADER if header is None else header),
                          rows=BASE_ROWS if rows is None else rows)
    return build_workbook([SPEC.section(s) for s in sections], content)


def base_bytes(**kw) -> bytes:
    return workbook_bytes(base_workbook(**kw))


def _sheet_part(sheet: str) -> str:
    """The zip part of a sheet of the base workbook, as its own relationships say."""
    from budgetbook.excel.package import open_package

    return open_package("base.xlsx", base_bytes()).sheet(sheet).part


EKONOMI_SHEET = _sheet_part(SPEC.section("ekonomi").sheet)


def zip_bytes(parts: dict[str, bytes], stored: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            zi = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return out.getvalue()


def rezip(data: bytes, edit: Callable[[str, bytes], bytes | None] = lambda n, b: b,
          add: dict[str, bytes] | None = None) -> bytes:
    """The same package with parts edited (None drops a part) and parts added."""
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {}
    for info in src.infolist():
        new = edit(info.filename, src.read(info.filename))
        if new is not None:
            parts[info.filename] = new
    parts.update(add or {})
    return zip_bytes(parts)


def edit_part(name: str, fn: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda n, b: fn(b) if n == name else b


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A valid OLE compound file (CFB version 3) holding the given root-level streams.

    Streams are padded to the 4096-byte mini-stream cutoff so that all of them live in
    regular sectors (no mini FAT needed); one FAT sector, one directory sector.
    """
    FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # CFB's sibling order
    assert len(names) <= 3
    datas = [streams[n].ljust(4096, b"\0") for n in names]
    fat = [FATSECT, END]
    starts = []
    for d in datas:
        n = -(-len(d) // 512)
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(n - 1)] + [END]
    assert len(fat) <= 128
    fat += [FREE] * (128 - len(fat))

    def entry(name: str, typ: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le")
        return struct.pack("<64sHBBIII16sIQQIQ", raw, len(raw) + 2, typ, 1, NOSTREAM, right, child,
                           b"\0" * 16, 0, 0, 0, start, size)

    entries = [entry("Root Entry", 5, NOSTREAM, 1 if names else NOSTREAM, END, 0)]
    for i, (n, d) in enumerate(zip(names, datas), start=1):
        entries.append(entry(n, 2, i + 1 if i < len(names) else NOSTREAM, NOSTREAM, starts[i - 1], len(d)))
    while len(entries) < 4:
        entries.append(struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM,
                                   b"\0" * 16, 0, 0, 0, 0, 0))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16,
                         0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, END, 0, END, 0)
    header += struct.pack("<109I", 0, *([FREE] * 108))
    return header + struct.pack("<128I", *fat) + b"".join(entries) + b"".join(datas)


def biff8_workbook_stream() -> bytes:
    """A BIFF8 workbook globals substream: BOF (Excel 97–2003) then EOF."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
    return bof + struct.pack("<HH", 0x000A, 0)


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff")) + chunk(b"IEND", b""))


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def damage_part(data: bytes, name: str, at: float = 1 / 3) -> bytes:
    """Overwrite deflate data of one part at a fraction of its length; the zip directory
    stays intact, so the damage shows only when that part is decompressed."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    out = bytearray(data)
    name_len, extra_len = struct.unpack_from("<HH", out, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    mid = start + int(info.compress_size * at)
    out[mid:mid + 24] = b"\xff" * 24
    return bytes(out)


CT_OVERRIDE = b'<Override PartName="/%s" ContentType="%s"/></Types>'
REL = b'<Relationship Id="%s" Type="%s" Target="%s"%s/></Relationships>'
NS_R = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def add_workbook_part(data: bytes, part: str, content_type: str, rel_type: bytes, body: bytes,
                      workbook_xml: Callable[[bytes], bytes] = lambda b: b,
                      extra: dict[str, bytes] | None = None) -> bytes:
    def edit(n: str, b: bytes) -> bytes:
        if n == "[Content_Types].xml":
            return b.replace(b"</Types>", CT_OVERRIDE % (part.encode(), content_type.encode()))
        if n == "xl/_rels/workbook.xml.rels":
            return b.replace(b"</Relationships>", REL % (b"rIdX1", NS_R + rel_type, b"/" + part.encode(), b""))
        if n == "xl/workbook.xml":
            return workbook_xml(b)
        return b
    return rezip(data, edit, add={part: body, **(extra or {})})


def billion_laughs(levels: int = 10) -> bytes:
    ents = b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10) for i in range(1, levels))
    return b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + ents + b"]>"


def with_doctype(xml: bytes, doctype: bytes, entity: bytes) -> bytes:
    """Put a DTD before the root element and use its entity in the first text node."""
    xml = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
    return doctype + re.sub(rb"(<t>|<definedName [^>]*>)", rb"\g<1>" + entity, xml, count=1)


# --- wrong values, driven by the column kinds ----------------------------------------------

@dataclass(frozen=True)
class Wrong:
    what: str
    value: Any  # as written; an ExcelError is written as a stored error value (t="e")
    code: str


@dataclass(frozen=True)
class ExcelError:
    text: str


_NUMERIC_WRONG = (
    Wrong("text", "ungefär fem", "IN-002"),
    Wrong("date", dt.date(2022, 8, 31), "IN-003"),
    Wrong("boolean", True, "IN-004"),
    Wrong("error stored as error", ExcelError("#DIV/0!"), "IN-001"),
    Wrong("Swedish error typed as text", "#DIVISION/0!", "IN-001"),
    Wrong("error #N/A stored as error", ExcelError("#N/A"), "IN-001"),
    Wrong("far out of range", 1e16, "IN-005"),
)
_ANY_WRONG = (
    Wrong("boolean", False, "IN-004"),
    Wrong("error stored as error", ExcelError("#REF!"), "IN-001"),
    Wrong("Swedish error typed as text", "#REFERENS!", "IN-001"),
)
WRONG_VALUES: dict[Kind, tuple[Wrong, ...]] = {
    Kind.AMOUNT: _NUMERIC_WRONG[:-1] + (Wrong("far out of range", 5e11, "IN-005"),),
    Kind.PERCENT: _NUMERIC_WRONG,
    Kind.NUMBER: _NUMERIC_WRONG,
    Kind.COUNT: _NUMERIC_WRONG + (Wrong("not a whole number", 12.5, "IN-007"),),
    Kind.TEXT: _ANY_WRONG,
    Kind.CODE: _ANY_WRONG,
    Kind.DATE: _ANY_WRONG + (Wrong("text", "sista augusti", "IN-008"),),
    Kind.MONTH: _ANY_WRONG + (Wrong("text", "snart", "IN-008"), Wrong("month 13", "2023-13", "IN-008")),
    Kind.CHOICE: _ANY_WRONG + (Wrong("not a choice", "Kanske", "IN-006"),),
}


def wrong_values_workbook() -> tuple[bytes, dict[tuple[str, str], str]]:
    """Every section, each input column holding each wrong value of its kind once.

    Returns the bytes and (section key, "A1") → the code reading must give at that cell.
    Row j of a section holds the j-th wrong value of every column (valid values elsewhere).
    """
    rows: dict[str, list[dict]] = {}
    fixed: dict[str, dict[str, dict]] = {}
    plan: dict[tuple[str, Any, str], Wrong] = {}
    for sec in SPEC.sections:
        inputs = [c for c in sec.columns if not c.computed and not (sec.fixed_rows and c.key == sec.label_column)]
        depth = max(len(WRONG_VALUES[c.kind]) for c in inputs)
        slots = ([r.code for r in sec.fixed_rows if not r.is_total] if sec.fixed_rows else list(range(depth)))
        assert len(slots) >= depth, sec.key
        filled: list[dict] = []
        for j, slot in enumerate(slots[:depth]):
            row = {}
            for c in inputs:
                wrongs = WRONG_VALUES[c.kind]
                if j < len(wrongs):
                    w = wrongs[j]
                    row[c.key] = None if isinstance(w.value, ExcelError) else w.value
                    plan[(sec.key, slot, c.key)] = w
                else:
                    row[c.key] = sample_value(c.kind, j, c.choices)
            filled.append(row)
        if sec.fixed_rows:
            fixed[sec.key] = dict(zip(slots, filled))
        else:
            rows[sec.key] = filled
    content = BookContent(header=dict(HEADER), rows=rows, fixed=fixed)
    wb = build_workbook(SPEC.sections, content)
    expected = {}
    for key, w in plan.items():
        sheet, ref = content.placed[key].split("!")
        if isinstance(w.value, ExcelError):
            wb[sheet][ref].value = w.value.text  # openpyxl stores a known error text as t="e"
            assert wb[sheet][ref].data_type == "e"
        expected[(key[0], ref)] = w.code
    return workbook_bytes(wb), expected


# Numbers as Swedish users type them (as text): what each must read as.
SWEDISH_NUMBERS = (
    ("1 234", Decimal(1234)),
    ("1\u00a0234\u00a0567", Decimal(1234567)),  # non-breaking spaces
    ("2\u2009500", Decimal(2500)),  # thin space
    ("3\u202f000", Decimal(3000)),  # narrow no-break space
    ("\u22121 234", Decimal(-1234)),  # U+2212 minus sign
    ("\u2013567", Decimal(-567)),  # en dash as minus
    ("-89", Decimal(-89)),
    ("12,5", Decimal("12.5")),
    ("\u22120,75", Decimal("-0.75")),
    ("1 234,5", Decimal("1234.5")),
)


def swedish_numbers_workbook() -> tuple[bytes, dict[tuple[str, Any, str], Decimal], BookContent]:
    """Swedish number texts in amount (ekonomi) and number (indikatorer) cells, with an
    empty row inside the table and more rows than the template offers."""
    ekonomi: list[dict] = []
    indikatorer: list[dict] = []
    expected: dict[tuple[str, Any, str], Decimal] = {}
    whole = [(t, d) for t, d in SWEDISH_NUMBERS if d == d.to_integral_value()]
    for i, (text, value) in enumerate(whole):
        ekonomi.append(dict(verksamhet=f"Verksamhet {i}", utfall_intakter=100 + i, utfall_kostnader=text,
                            budget_intakter=50, budget_kostnader=-70, arsbudget_netto=-20, prognos_netto=-25))
        expected[("ekonomi", len(ekonomi) - 1, "utfall_kostnader")] = value
        if i == 2:
            ekonomi.append({})  # an empty row inside the table
    ekonomi += [dict(verksamhet="Ny rad", utfall_kostnader=-1, arsbudget_netto=-1, prognos_netto=-1)] * 2
    for i, (text, value) in enumerate(SWEDISH_NUMBERS):
        indikatorer.append(dict(indikator=f"Indikator {i}", utfall=text, mal=10))
        expected[("indikatorer", i, "utfall")] = value
    content = BookContent(header=dict(HEADER), rows={"ekonomi": ekonomi, "indikatorer": indikatorer})
    assert len(ekonomi) > SPEC.section("ekonomi").blank_rows  # rows added inside the table
    wb = build_workbook([SPEC.section("ekonomi"), SPEC.section("indikatorer")], content)
    return workbook_bytes(wb), expected, content


# --- the cases -----------------------------------------------------------------------------

def _xls() -> bytes:
    return ole_file({"Workbook": biff8_workbook_stream()})


def _encrypted() -> bytes:
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        b'</encryption>')
    package = struct.pack("<Q", 9000) + bytes((i * 131 + 7) % 256 for i in range(9000))
    return ole_file({"EncryptionInfo": info, "EncryptedPackage": package})


def _xlsb() -> bytes:
    return zip_bytes({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               b'<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       b'<Relationship Id="rId1" Type="' + NS_R + b'officeDocument" Target="xl/workbook.bin"/></Relationships>',
        "xl/workbook.bin": b"\x83\x01\x00\x80\x01\x00",
    })


def _ods() -> bytes:
    return zip_bytes({
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
        "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                                 b'<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                                 b'</manifest:manifest>',
        "content.xml": b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
                       b'<office:body><office:spreadsheet/></office:body></office:document-content>',
    }, stored=("mimetype",))


def _docx() -> bytes:
    return zip_bytes({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       b'<Relationship Id="rId1" Type="' + NS_R + b'officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
    })


CSV = "Verksamhet;Utfall intäkter;Utfall kostnader\r\nBarn och unga 0–20 år;6 700;−118 100\r\n".encode("utf-8-sig")
HTML = b"<html><head><meta charset='utf-8'></head><body><table><tr><td>Verksamhet</td><td>6700</td></tr></table></body></html>"


def _mutated(fn: Callable[[Workbook], None], **kw) -> Callable[[], bytes]:
    def build() -> bytes:
        wb = base_workbook(**kw)
        fn(wb)
        return workbook_bytes(wb)
    return build


def _rename_table(wb: Workbook) -> None:
    ws = wb["Ekonomi"]
    t = ws.tables.pop("Ekonomi")
    t.name = t.displayName = "Tabell1"
    ws.add_table(t)


def _move_table(wb: Workbook) -> None:
    """Move the whole Ekonomi block (title, bands, table) 6 rows down and 2 columns right."""
    ws = wb["Ekonomi"]
    t = ws.tables["Ekonomi"]
    merged = list(ws.merged_cells.ranges)
    for m in merged:
        ws.unmerge_cells(str(m))
    ws.move_range(f"A1:{get_column_letter(ws.max_column)}{ws.max_row}", rows=MOVED[0], cols=MOVED[1],
                  translate=True)
    for m in merged:
        m.shift(col_shift=MOVED[1], row_shift=MOVED[0])
        ws.merge_cells(str(m))
    moved = CellRange(t.ref)
    moved.shift(col_shift=MOVED[1], row_shift=MOVED[0])
    t.ref = moved.coord
    if t.autoFilter is not None:
        t.autoFilter.ref = moved.coord


MOVED = (6, 2)  # rows, columns


def _merge(wb: Workbook) -> None:
    wb["Ekonomi"].merge_cells("B6:C6")


def _hide_row(wb: Workbook) -> None:
    wb["Ekonomi"].row_dimensions[5].hidden = True


def _hide_sheet(wb: Workbook) -> None:
    wb["Ekonomi"].sheet_state = "hidden"


def _date_out_of_range(wb: Workbook) -> None:
    ws = wb["Åtgärdsplan"]
    ws["A5"] = "Minska inhyrd personal"
    ws["C5"] = -1e17  # in a yyyy-mm-dd cell: python-calamine panics converting it


def _drop_name(wb: Workbook) -> None:
    del wb.defined_names["manad"]


def _sheet(title: str, cells: dict[str, str]) -> Callable[[Workbook], None]:
    def fn(wb: Workbook) -> None:
        ws = wb.create_sheet(title)
        for ref, v in cells.items():
            ws[ref] = v
    return fn


def _header(**changes) -> dict:
    h = dict(HEADER)
    h.update(changes)
    return h


def _vba() -> bytes:
    project = ole_file({"PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nModule=Module1\r\n',
                        "dir": b"\x01\x00"})
    return add_workbook_part(
        base_bytes(), "xl/vbaProject.bin", "application/vnd.ms-office.vbaProject", b"vbaProject", project)


def _external_link() -> bytes:
    link = (b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<externalBook r:id="rId1"><sheetNames><sheetName val="Blad1"/></sheetNames></externalBook></externalLink>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="' + NS_R + b'externalLinkPath" '
            b'Target="file:///C:/hemligt/budget.xlsx" TargetMode="External"/></Relationships>')
    return add_workbook_part(
        base_bytes(), "xl/externalLinks/externalLink1.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml", b"externalLink", link,
        workbook_xml=lambda b: b.replace(b"<definedNames>", b'<externalReferences><externalReference r:id="rIdX1"/>'
                                                              b"</externalReferences><definedNames>"),
        extra={"xl/externalLinks/_rels/externalLink1.xml.rels": rels})


def _connection() -> bytes:
    conn = (b'<?xml version="1.0" encoding="UTF-8"?><connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<connection id="1" name="Ekonomisystem" type="1" refreshedVersion="6" background="1" refreshOnLoad="1">'
            b'<dbPr connection="DSN=ekonomi;UID=sa;PWD=hemligt" command="SELECT * FROM utfall"/></connection></connections>')
    return add_workbook_part(
        base_bytes(), "xl/connections.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml", b"connections", conn)


def _zip_bomb_ratio() -> bytes:
    return rezip(base_bytes(), add={"xl/media/image1.png": b"\0" * (64 << 20)})


def _zip_bomb_size() -> bytes:
    chunk = b"\0" * (1 << 20)  # 1 MiB parts: under the per-part ratio check, over the total
    return rezip(base_bytes(), add={f"xl/media/image{i}.png": chunk for i in range(1, 321)})


def _zip_bomb_parts() -> bytes:
    return rezip(base_bytes(), add={f"customXml/item{i}.xml": b"<a/>" for i in range(5001)})


def _huge_range(extra_rows: bytes) -> Callable[[], bytes]:
    def fn(b: bytes) -> bytes:
        b = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', b)
        return b.replace(b"</sheetData>", extra_rows + b"</sheetData>")
    return lambda: rezip(base_bytes(), edit_part(EKONOMI_SHEET, fn))


# One styled empty cell on every row from below the table to the last row of the sheet,
# as Excel writes a column formatted "to the bottom", and a value in the very last cell.
FORMATTED_TO_BOTTOM = b"".join(b'<row r="%d"><c r="L%d" s="1"/></row>' % (r, r) for r in range(20, 1048576))
LAST_CELL = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>slut</t></is></c></row>'


def _whole_sheet_table() -> bytes:
    def edit(n: str, b: bytes) -> bytes:
        if n.startswith("xl/tables/"):
            return re.sub(rb'ref="A4:L\d+"', b'ref="A4:XFD1048576"', b)
        if n == EKONOMI_SHEET:
            return b.replace(b"</sheetData>", LAST_CELL + b"</sheetData>")
        return b
    return rezip(base_bytes(), edit)


def _bomb_in(part: str) -> Callable[[], bytes]:
    return lambda: rezip(base_bytes(), edit_part(part, lambda b: with_doctype(b, billion_laughs(), b"&lol9;")))


def _xxe_in(part: str) -> Callable[[], bytes]:
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return lambda: rezip(base_bytes(), edit_part(part, lambda b: with_doctype(b, doctype, b"&xxe;")))


@dataclass(frozen=True)
class Case:
    file: str
    what: str  # the input, in Swedish, as the README table shows it
    codes: tuple[str, ...]  # every finding code reading gives, sorted
    build: Callable[[], bytes]
    same_data: bool = False  # reads to exactly the base workbook's values


def _swedish() -> bytes:
    return swedish_numbers_workbook()[0]


def _wrong() -> bytes:
    return wrong_values_workbook()[0]


CASES: tuple[Case, ...] = (
    # Wrong format
    Case("gammal.xls", "Äldre Excel-fil (.xls, BIFF)", ("READ-002",), _xls),
    Case("binar.xlsb", "Binär arbetsbok (.xlsb)", ("READ-002",), _xlsb),
    Case("kalkylark.ods", "OpenDocument-kalkylark (.ods)", ("READ-002",), _ods),
    Case("export.csv", "CSV-fil", ("READ-002",), lambda: CSV),
    Case("csv_som_xlsx.xlsx", "CSV-fil som bytt filändelse till .xlsx", ("READ-002",), lambda: CSV),
    Case("webbsida.xls", "Webbsida (HTML) sparad som .xls, vanligt från ekonomisystem", ("READ-002",), lambda: HTML),
    Case("rapport_pdf.xlsx", "PDF med filändelsen .xlsx", ("READ-002",), pdf_bytes),
    Case("bild.xlsx", "Bild (PNG) med filändelsen .xlsx", ("READ-002",), png_bytes),
    Case("word.xlsx", "Word-dokument (.docx) med filändelsen .xlsx", ("READ-002",), _docx),
    Case("tom.xlsx", "Tom fil (0 byte)", ("READ-002",), lambda: b""),
    Case("avklippt.xlsx", "Avklippt fil (överföringen avbröts)", ("READ-004",),
         lambda: (lambda b: b[: len(b) * 6 // 10])(base_bytes())),
    Case("trasig_arbetsbok.xlsx", "Skadad komprimerad data i arbetsboksdelen", ("READ-004",),
         lambda: damage_part(base_bytes(), "xl/workbook.xml")),
    Case("trasigt_blad.xlsx", "Skadad komprimerad data i ett blad", ("READ-004",),
         lambda: damage_part(base_bytes(), EKONOMI_SHEET)),
    Case("trasiga_format.xlsx", "Skadad data sist i formatdelen (märks först när värdena läses)", ("READ-004",),
         lambda: damage_part(base_bytes(), "xl/styles.xml", at=0.9)),
    Case("krypterad.xlsx", "Lösenordsskyddad (krypterad) arbetsbok", ("READ-003",), _encrypted),
    # Structure
    Case("tabell_omdopt.xlsx", "Tabellen Ekonomi har bytt namn", ("READ-011",), _mutated(_rename_table)),
    Case("tabell_borttagen.xlsx", "Tabellen Ekonomi är borttagen (bladet finns kvar)", ("READ-011",),
         _mutated(lambda wb: wb["Ekonomi"].tables.pop("Ekonomi"))),
    Case("tabell_annat_blad.xlsx", "Bladet med tabellen har bytt namn", (), _mutated(
        lambda wb: setattr(wb["Ekonomi"], "title", "Resultat 2022")), same_data=True),
    Case("tabell_flyttad.xlsx", "Tabellen flyttad till en annan plats på bladet", (), _mutated(_move_table)),
    Case("sammanfogade_celler.xlsx", "Sammanfogade celler i tabellen", ("READ-030",), _mutated(_merge)),
    Case("dold_rad.xlsx", "Dold rad med värden i tabellen", ("READ-031",), _mutated(_hide_row)),
    Case("dolt_blad.xlsx", "Dolt blad med en tabell (läses ändå)", ("READ-032",), _mutated(_hide_sheet),
         same_data=True),
    Case("huvud_utan_manad.xlsx", "Rapportmånad saknas i huvudet", ("READ-020",),
         _mutated(lambda wb: None, header=_header(manad=None))),
    Case("huvud_manad_13.xlsx", "Omöjlig rapportmånad (13)", ("READ-021",),
         _mutated(lambda wb: None, header=_header(manad=13))),
    Case("huvud_ar_text.xlsx", "Året skrivet med bokstäver", ("READ-021",),
         _mutated(lambda wb: None, header=_header(ar="tjugotjugotvå"))),
    Case("huvud_ar_noll.xlsx", "Året 0 i huvudet", ("READ-021",),
         _mutated(lambda wb: None, header=_header(ar=0))),
    Case("namn_borttaget.xlsx", "Det definierade namnet manad är borttaget", ("READ-022",), _mutated(_drop_name)),
    # Values
    Case("fel_varden.xlsx", "Fel sorts värde i varje kolumnslag (text, datum, sant/falskt, felvärden, "
         "orimliga tal)", (), _wrong),
    Case("svenska_tal.xlsx", "Tal skrivna som svensk text, tomma och tillagda rader, formler utan sparat värde",
         (), _swedish),
    Case("datum_utanfor.xlsx", "Ett tal långt utanför Excels datum i en datumcell", ("IN-001",),
         _mutated(_date_out_of_range, sections=("ekonomi", "atgardsplan"))),
    Case("oandligt_tal.xlsx", "Ett tal för stort för Excel (1,8E+308, läses som oändligt)", ("IN-005",),
         lambda: rezip(base_bytes(), edit_part(EKONOMI_SHEET, lambda b: b.replace(b"<v>6700</v>", b"<v>1.8E+308</v>", 1)))),
    # Resource limits
    Case("zipbomb_kvot.xlsx", "Zip-bomb: en del packas upp mer än 1 000 gånger", ("READ-005",), _zip_bomb_ratio),
    Case("zipbomb_storlek.xlsx", "Zip-bomb: över 300 MiB uppackat", ("READ-005",), _zip_bomb_size),
    Case("zipbomb_delar.xlsx", "Zip-bomb: över 5 000 delar", ("READ-005",), _zip_bomb_parts),
    Case("billion_laughs_blad.xlsx", "Billion laughs (entitetsexpansion) i ett blad", ("READ-006",),
         _bomb_in(EKONOMI_SHEET)),
    Case("billion_laughs_arbetsbok.xlsx", "Billion laughs i arbetsboksdelen", ("READ-006",),
         _bomb_in("xl/workbook.xml")),
    Case("extern_entitet.xlsx", "Extern entitet (XXE) som pekar på en lokal fil", ("READ-006",),
         _xxe_in(EKONOMI_SHEET)),
    Case("stort_omrade.xlsx", "Använt område till sista cellen (XFD1048576) och formatering till rad 1 048 576",
         (), _huge_range(FORMATTED_TO_BOTTOM + LAST_CELL), same_data=True),
    Case("tabell_hela_bladet.xlsx", "Tabell som täcker hela bladet med ett värde i sista cellen", ("READ-005",),
         _whole_sheet_table),
    # Code and run-time configuration
    Case("makro.xlsm", "Arbetsbok med makron (VBA-projekt, .xlsm)", ("READ-050",), _vba, same_data=True),
    Case("xlwings_conf.xlsx", "Bladet xlwings.conf (pekar ut en annan Python)", ("READ-050",),
         _mutated(_sheet("xlwings.conf", {"A1": "INTERPRETER_WIN", "B1": r"C:\temp\python.exe"})), same_data=True),
    Case("blad_py.xlsx", "Ett blad som heter main.py", ("READ-050",),
         _mutated(_sheet("main.py", {"A1": "import os; os.system('calc')"})), same_data=True),
    Case("externa_lankar.xlsx", "Extern länk till en annan arbetsbok", ("READ-050",), _external_link,
         same_data=True),
    Case("dataanslutning.xlsx", "Dataanslutning till en databas", ("READ-050",), _connection, same_data=True),
)


def write_corpus(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in CASES:
        p = out / case.file
        p.write_bytes(case.build())
        paths[case.file] = p
    (out / "bra.xlsx").write_bytes(base_bytes())
    paths["bra.xlsx"] = out / "bra.xlsx"
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "broken"
    for name, path in write_corpus(target).items():
        print(f"{path.stat().st_size:>10}  {path}")
