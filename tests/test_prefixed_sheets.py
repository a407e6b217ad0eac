"""Sheets whose elements carry a namespace prefix (<x:worksheet xmlns:x="…main"><x:row>…),
valid OOXML that some tools write, read as the same sheets without the prefix do."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

from budgetbook.excel import read_workbook
from budgetbook.excel.template import workbook_bytes
from tests.data.make_broken import base_workbook, rezip
from tests.reading import book_dump

_MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.-]*)(?=[\s/>])")  # an unprefixed start or end tag


def prefixed(xml: bytes, prefix: bytes = b"x") -> bytes:
    """The same sheet with the main namespace bound to ``prefix`` and every element named by it."""
    assert _MAIN in xml
    xml = _TAG.sub(rb"<\1" + prefix + rb":\2", xml)
    return xml.replace(_MAIN, b"xmlns:" + prefix + _MAIN[5:])


def _with_prefixed_sheets(data: bytes, prefix: bytes = b"x") -> bytes:
    return rezip(data, lambda name, b: prefixed(b, prefix) if name.startswith("xl/worksheets/sheet") else b)


def _workbook() -> bytes:
    wb = base_workbook()  # the template's formulas are written without cached results
    ws = wb["Ekonomi"]
    ws["C5"] = "#DIV/0!"  # an error cell (t="e")
    ws.row_dimensions[5].hidden = True
    ws.merge_cells("B6:C6")
    ws["A40"] = "anteckning långt under tabellen"  # the row cut runs on the prefixed sheet too
    return workbook_bytes(wb)


def _read(tmp_path, name: str, data: bytes, engine: str):
    path = tmp_path / name
    path.write_bytes(data)
    return read_workbook(path, engine=engine)


def test_prefixed_sheets_read_as_unprefixed_on_both_engines(tmp_path):
    plain = _workbook()
    for prefix in (b"x", b"main.ns-1"):
        data = _with_prefixed_sheets(plain, prefix)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            sheet = z.read("xl/worksheets/sheet2.xml")
        assert b"<c " not in sheet and b"<row " not in sheet and b"<" + prefix + b":c " in sheet

        fast = _read(tmp_path, "prefixed.xlsx", data, "fast")
        slow = _read(tmp_path, "prefixed.xlsx", data, "openpyxl")
        assert book_dump(fast) == book_dump(slow)
        assert book_dump(fast) == book_dump(_read(tmp_path, "plain.xlsx", plain, "fast"))

        codes = {(f.code, f.location.cell) for f in fast.findings}
        assert codes == {("IN-001", "C5"), ("READ-030", "B6"), ("READ-031", "A5")}
        rows = fast.sections["ekonomi"].rows
        assert rows[0].hidden and rows[0].cells["utfall_kostnader"].error == "#DIV/0!"
        netto = rows[1].cells["budget_netto"]  # a formula without a cached result, computed
        assert netto.formula and netto.filled and netto.value == Decimal(13300 - 59500)
