"""Resource limits: zip bombs and XML attacks are refused before parsing; a huge used
range costs what the real data costs (issue 7, "Resource limits")."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import openpyxl.xml
import pytest

from budgetbook.excel import read_workbook
from budgetbook.excel.package import MAX_READ_CELLS, cut_after_row

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ("stort_omrade.xlsx", "tabell_hela_bladet.xlsx", "billion_laughs_blad.xlsx",
           "billion_laughs_arbetsbok.xlsx", "extern_entitet.xlsx", "zipbomb_kvot.xlsx",
           "zipbomb_storlek.xlsx", "zipbomb_delar.xlsx")

# Read in a child process under an address-space limit: if a parser blew up (calamine
# aborts the whole process when an allocation fails), this test fails instead of the suite.
CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from budgetbook.excel import read_workbook
out = {}
for path in sys.argv[2:]:
    book = read_workbook(path, engine=sys.argv[1])
    out[path] = sorted(f.code for f in book.findings)
out["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out))
"""


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
def test_hostile_files_end_quickly_in_bounded_memory(engine, broken_corpus):
    paths = [str(broken_corpus[n]) for n in HOSTILE]
    res = subprocess.run([sys.executable, "-c", CHILD, engine, *paths], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout)
    assert out.pop("max_rss_mib") < 600  # the junk row XML is ~40 MB; a used range of 17e9 cells is not
    assert {Path(p).name: c for p, c in out.items()} == {
        "stort_omrade.xlsx": [], "tabell_hela_bladet.xlsx": ["READ-005"],
        "billion_laughs_blad.xlsx": ["READ-006"], "billion_laughs_arbetsbok.xlsx": ["READ-006"],
        "extern_entitet.xlsx": ["READ-006"], "zipbomb_kvot.xlsx": ["READ-005"],
        "zipbomb_storlek.xlsx": ["READ-005"], "zipbomb_delar.xlsx": ["READ-005"]}


@pytest.mark.parametrize("name", ["zipbomb_kvot.xlsx", "zipbomb_storlek.xlsx", "billion_laughs_blad.xlsx"])
def test_refused_before_anything_is_unpacked(name, broken_corpus):
    """Refusing a 64–320 MiB bomb allocates a few MiB at most: nothing was decompressed."""
    read_workbook(broken_corpus["bra.xlsx"])  # imports done
    tracemalloc.start()
    try:
        book = read_workbook(broken_corpus[name])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert book.findings[0].code in ("READ-005", "READ-006")
    assert peak < 8 * 1024 * 1024 + 2 * broken_corpus[name].stat().st_size


def test_cut_after_row():
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1"/></row><row r="2"/><row r="9"><c r="A9"/></row>'
           b'<row r="1048576"/></sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>')
    assert cut_after_row(xml, 2) == (b'<worksheet><sheetData><row r="1"><c r="A1"/></row><row r="2"/>'
                                     b'</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>')
    assert cut_after_row(xml, 9).endswith(b'<c r="A9"/></row></sheetData><mergeCells count="1">'
                                          b'<mergeCell ref="A1:B1"/></mergeCells></worksheet>')
    assert cut_after_row(xml, 1048576) == xml
    prefixed = b'<x:sheetData><x:row r="1"/><x:row r="5"/></x:sheetData>'
    assert cut_after_row(prefixed, 1) == b'<x:sheetData><x:row r="1"/></x:sheetData>'
    unnumbered = b"<sheetData><row><c/></row><row/></sheetData>"
    assert cut_after_row(unnumbered, 1) == unnumbered  # calamine counts such rows itself


def test_the_used_range_limit_is_what_the_readme_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Trasiga och fientliga filer"):]
    assert f"{MAX_READ_CELLS:,}".replace(",", " ") in section


def _with_overlapping_members(src: Path, dst: Path, copies: int) -> None:
    """``src`` plus a 1 MiB member and ``copies`` more central-directory entries that all point
    at that member's data (each claiming to unpack to 0 bytes, so the size limits pass)."""
    import io
    import os
    import struct
    import zipfile

    buf = io.BytesIO(src.read_bytes())
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("customXml/blob.bin", os.urandom(1 << 20))
    data = buf.getvalue()
    eocd = data.rindex(b"PK\x05\x06")
    _, _, _, on_disk, total, cd_size, cd_off, _ = struct.unpack_from("<IHHHHIIH", data, eocd)
    directory = data[cd_off:cd_off + cd_size]
    blob = directory[directory.rindex(b"PK\x01\x02"):]  # the member added last
    name_len = struct.unpack_from("<H", blob, 28)[0]
    added = b""
    for k in range(copies):
        name = f"customXml/x{k:03d}.bin".encode()
        entry = bytearray(blob[:46])
        struct.pack_into("<I", entry, 24, 0)  # uncompressed size
        struct.pack_into("<H", entry, 28, len(name))
        added += bytes(entry) + name + blob[46 + name_len:]
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, on_disk + copies, total + copies, cd_size + len(added),
                      cd_off, 0)
    dst.write_bytes(data[:cd_off] + directory + added + end)


@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
def test_overlapping_members_are_a_zip_bomb(engine, broken_corpus, tmp_path):
    """Many entries sharing one member's data would multiply every copy of it (a 40 MiB file
    asked for gigabytes): refused before anything is unpacked or copied."""
    bomb = tmp_path / "overlappande.xlsx"
    _with_overlapping_members(broken_corpus["bra.xlsx"], bomb, copies=50)
    tracemalloc.start()
    book = read_workbook(bomb, engine=engine)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [f.code for f in book.findings] == ["READ-005"]
    assert "överlappar" in book.findings[0].message
    assert peak < 16 * 1024 * 1024
    assert not book.sections


def _rewritten(src: Path, dst: Path, edit) -> None:
    """``src`` with every member passed through ``edit(name, bytes) -> (name, bytes)``."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(*edit(info.filename, zin.read(info.filename)))


@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
def test_dtd_behind_a_comment_is_refused(engine, broken_corpus, tmp_path):
    """A comment holding "<a" before the DOCTYPE must not pass for the root element."""
    def edit(name, data):
        if name == "xl/worksheets/sheet2.xml":
            data = b'<!-- <a --><!DOCTYPE worksheet [<!ENTITY x "1">]>' + data
        return name, data

    bad = tmp_path / "kommentar_dtd.xlsx"
    _rewritten(broken_corpus["bra.xlsx"], bad, edit)
    assert [f.code for f in read_workbook(bad, engine=engine).findings] == ["READ-006"]


def test_dtd_in_a_sheet_stored_under_another_extension_is_refused(broken_corpus, tmp_path):
    """The prolog check goes by what a part holds, not by its name: calamine follows the
    relationship to a sheet named .dat all the same."""
    def edit(name, data):
        if name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"worksheets/sheet2.xml", b"worksheets/sheet2.dat")
        elif name == "[Content_Types].xml":
            data = data.replace(b'<Default Extension="xml"', b'<Default Extension="dat" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                                b'<Default Extension="xml"')
        elif name == "xl/worksheets/sheet2.xml":
            name, data = "xl/worksheets/sheet2.dat", b'<!DOCTYPE worksheet [<!ENTITY x "1">]>' + data
        elif name.startswith("xl/worksheets/_rels/sheet2.xml"):
            name = name.replace("sheet2.xml", "sheet2.dat")
        return name, data

    bad = tmp_path / "blad_dat.xlsx"
    _rewritten(broken_corpus["bra.xlsx"], bad, edit)
    assert [f.code for f in read_workbook(bad).findings] == ["READ-006"]


def test_binary_part_in_an_unusual_member_is_not_judged_as_xml(broken_corpus, tmp_path):
    """A part the fast inflate does not take (bzip2) is looked at through zipfile: random
    bytes with no root element are an image, not an XML prolog too long to trust; XML in
    such a part is still checked."""
    import io
    import os
    import zipfile

    def with_member(name: str, body: bytes) -> Path:
        buf = io.BytesIO(broken_corpus["bra.xlsx"].read_bytes())
        with zipfile.ZipFile(buf, "a") as z:
            z.writestr(zipfile.ZipInfo(name), body, compress_type=zipfile.ZIP_BZIP2)
        out = tmp_path / (name.replace("/", "_") + ".xlsx")
        out.write_bytes(buf.getvalue())
        return out

    image = with_member("xl/media/image9.bin", os.urandom(200_000).replace(b"<", b"."))
    assert [f.code for f in read_workbook(image).findings] == []
    dtd = with_member("customXml/item9.dat", b'<!DOCTYPE x [<!ENTITY a "b">]><x/>')
    assert [f.code for f in read_workbook(dtd).findings] == ["READ-006"]
