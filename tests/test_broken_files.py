"""Every broken or hostile file of the corpus gets its exact finding, never a traceback,
and one bad file never stops a batch (issue 7; the reader's messy inputs of issue 3)."""

from __future__ import annotations

import io
import json
import os
import shutil
import string
import tempfile
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest

import budgetbook.excel as excel
from budgetbook.catalogue import code as catalogue_code
from budgetbook.engine import validate
from budgetbook.excel import read_workbook
from budgetbook.spec import SPEC, Kind
from tests.data.make_broken import CASES, MOVED, swedish_numbers_workbook, wrong_values_workbook
from tests.reading import book_dump

STANDARD_PARAMS = {"expected", "actual", "difference", "cell", "row_label", "column"}


def codes(book) -> tuple[str, ...]:
    return tuple(sorted(f.code for f in book.findings))


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_each_case_gives_its_exact_codes(case, broken_corpus):
    book = read_workbook(broken_corpus[case.file])
    if case.file in ("fel_varden.xlsx", "svenska_tal.xlsx"):  # cell by cell below
        assert not [c for c in codes(book) if c.startswith("READ-")]
        return
    assert codes(book) == case.codes, [(f.code, f.message) for f in book.findings]
    validated = validate(book)  # the validators take whatever the reader gives them
    assert set(case.codes) <= {f.code for f in validated}
    for f in book.findings:
        template = catalogue_code(f.code).message
        needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert needed <= set(f.params) | STANDARD_PARAMS, (f.code, needed - set(f.params))
        assert f.location.file == str(broken_corpus[case.file])


@pytest.mark.parametrize("case", [c for c in CASES if c.same_data], ids=lambda c: c.file)
def test_what_reads_keeps_the_data(case, broken_corpus):
    """Hidden or renamed sheets, huge used ranges and carried code change nothing read."""
    base = book_dump(read_workbook(broken_corpus["bra.xlsx"]))
    book = read_workbook(broken_corpus[case.file])
    got = book_dump(book, sheet="Ekonomi")
    assert got["header"] == base["header"]
    assert got["sections"] == base["sections"]
    assert book.sections["ekonomi"].rows[0].number("utfall_netto") == Decimal(6700 - 118100)


def test_a_moved_table_reads_the_same_values_at_the_new_cells(broken_corpus):
    base = read_workbook(broken_corpus["bra.xlsx"])
    moved = read_workbook(broken_corpus["tabell_flyttad.xlsx"])
    assert moved.findings == []
    assert moved.sections["ekonomi"].table_ref == "C10:N19"  # from A4:L13
    assert moved.sections["ekonomi"].rows[0].cells["utfall_intakter"].ref == "D11"
    assert book_dump(moved, shift=MOVED)["sections"] == book_dump(base)["sections"]


def test_a_batch_goes_on_past_every_broken_file(broken_corpus):
    files = [p for name, p in broken_corpus.items() if name != "bra.xlsx"] + [broken_corpus["bra.xlsx"]]
    books = [read_workbook(p) for p in files]
    assert len(books) == len(files)
    assert [b.source for b in books] == [str(p) for p in files]
    assert books[-1].findings == [] and books[-1].sections["ekonomi"].data_rows()
    unreadable = [b for b in books if not b.sections]
    assert all(len(b.findings) == 1 and b.findings[0].code.startswith("READ-") for b in unreadable)

    from budgetbook.commands.read import run  # the CLI over the same batch: one JSON list
    out = io.StringIO()
    with redirect_stdout(out):
        status = run(files, "fast")
    result = json.loads(out.getvalue())
    assert status == 2 and len(result) == len(files)
    assert result[-1]["sections"]["ekonomi"]["rows"][0]["values"]["utfall_intakter"] == {"cell": "B5", "value": 6700}


def test_wrong_values_of_every_kind_give_their_code_at_their_cell(tmp_path):
    data, expected = wrong_values_workbook()
    path = tmp_path / "fel.xlsx"
    path.write_bytes(data)
    book = read_workbook(path)
    found = {(f.location.section, f.location.cell): f.code for f in book.findings if f.code.startswith("IN-")}
    assert len(found) == len([f for f in book.findings if f.code.startswith("IN-")]), "two findings on one cell"
    assert found == expected
    # Every input column of every section holds every wrong value of its kind: all kinds are met.
    assert {c.kind for s in SPEC.sections for c in s.columns if not c.computed} == set(Kind)
    assert set(book.sections) == set(SPEC.section_keys)


def test_swedish_numbers_empty_and_added_rows_and_formulas_without_cache(tmp_path):
    data, expected, content = swedish_numbers_workbook()
    path = tmp_path / "svenska.xlsx"
    path.write_bytes(data)
    book = read_workbook(path)
    notes = {f.location.cell for f in book.findings if f.code == "IN-010"}
    assert [f.code for f in book.findings if f.code != "IN-010"] == []
    for (sec, i, key), value in expected.items():
        sheet, ref = content.placed[(sec, i, key)].split("!")
        row = next(r for r in book.sections[sec].rows if r.cells[key].ref == ref)
        assert row.cells[key].value == value, (ref, row.cells[key].raw)
        assert ref in notes
    eko = book.sections["ekonomi"]
    assert len(eko.rows) == len(content.rows["ekonomi"]) + 1  # every added row, then Summa
    assert eko.rows[3].empty and eko.rows[3].excel_row == 8
    for row in eko.data_rows():
        netto = row.cells["utfall_netto"]
        inputs = [row.number(k) for k in ("utfall_intakter", "utfall_kostnader")]
        assert netto.formula and netto.filled and netto.value == sum(n for n in inputs if n is not None)
    total = eko.grand_total()
    assert total.cells["utfall_kostnader"].filled
    # The Summa reads as Excel shows it: SUM skips numbers typed as text (IN-010 says so at
    # each of them), and counts the real numbers.
    cells = [r.cells["utfall_kostnader"] for r in eko.data_rows()]
    assert any(c.problem == "IN-010" for c in cells) and any(c.problem is None and c.number for c in cells)
    assert total.number("utfall_kostnader") == sum(c.number for c in cells if c.number is not None and c.problem != "IN-010")


def test_an_open_workbook_is_read_and_says_it_may_be_open(broken_corpus, tmp_path):
    path = tmp_path / "enhet 1001.xlsx"
    shutil.copy(broken_corpus["bra.xlsx"], path)
    lock = tmp_path / "~$enhet 1001.xlsx"
    lock.write_bytes(bytes([14]) + b"Anna Andersson".ljust(53, b" ") + b"\0" * 112)
    book = read_workbook(path)
    assert codes(book) == ("READ-007",)
    assert "hos Anna Andersson" in book.findings[0].message and "~$enhet 1001.xlsx" in book.findings[0].message
    assert book.sections["ekonomi"].data_rows()
    # The lock file itself, picked up by *.xlsx, is named for what it is.
    assert codes(read_workbook(lock)) == ("READ-002",)
    assert "låsfil" in read_workbook(lock).findings[0].message
    lock.unlink()
    (tmp_path / ".~lock.enhet 1001.xlsx#").write_text(",Bo Berg,dator,05.09.2022 10:00,file:///x;", "utf-8")
    book = read_workbook(path)
    assert codes(book) == ("READ-007",) and "hos Bo Berg" in book.findings[0].message


def test_paths_that_are_no_readable_file(tmp_path):
    fifo = tmp_path / "rör.xlsx"
    os.mkfifo(fifo)  # opening it to read would block forever
    (tmp_path / "mapp.xlsx").mkdir()
    for p in (fifo, tmp_path / "mapp.xlsx", tmp_path / "finns_inte.xlsx", Path("/dev/zero")):
        book = read_workbook(p)
        assert codes(book) == ("READ-001",), p


def test_a_file_without_read_permission(broken_corpus, tmp_path):
    path = tmp_path / "låst.xlsx"
    shutil.copy(broken_corpus["bra.xlsx"], path)
    path.chmod(0)
    if os.geteuid() != 0:
        assert codes(read_workbook(path)) == ("READ-001",)
        return
    # root reads any file: read it in a forked child that has become user nobody, as a
    # user without the right meets it (the folder stays open to nobody, the file does not).
    folder = Path(tempfile.mkdtemp(prefix="budgetbook-perm-", dir="/tmp"))
    try:
        folder.chmod(0o755)
        path = folder / "låst.xlsx"
        shutil.copy(broken_corpus["bra.xlsx"], path)
        path.chmod(0)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: drop root, read, report, exit without pytest's cleanup
            try:
                os.close(read_end)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                book = read_workbook(path)
                os.write(write_end, f"{book.findings[0].code} {book.findings[0].message}".encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as fh:
            said = fh.read().decode()
        os.waitpid(pid, 0)
        assert said.startswith("READ-001 ") and "behörighet" in said, said
    finally:
        shutil.rmtree(folder)


def test_an_internal_fault_is_a_finding_and_the_batch_goes_on(broken_corpus, monkeypatch):
    def broken_reader(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(excel, "read_book", broken_reader)
    book = read_workbook(broken_corpus["bra.xlsx"])
    assert codes(book) == ("READ-009",) and "ZeroDivisionError" in book.findings[0].message


def test_the_readme_lists_every_case_with_its_code():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Trasiga och fientliga filer"):]
    for case in CASES:
        line = next((ln for ln in section.splitlines() if f"`{case.file}`" in ln), None)
        assert line is not None, case.file
        assert all(f"**{c}**" in line for c in case.codes), line
