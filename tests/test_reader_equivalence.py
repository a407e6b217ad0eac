"""The fast (calamine) and openpyxl sources give identical Books: every corpus workbook
readable through both has the same section data, addresses and findings."""

from __future__ import annotations

import pytest

from budgetbook.excel import read_workbook
from tests.data.make_broken import CASES
from tests.reading import book_dump

FILES = [c.file for c in CASES] + ["bra.xlsx"]


@pytest.mark.parametrize("name", FILES)
def test_both_engines_read_the_same(name, broken_corpus):
    fast = read_workbook(broken_corpus[name], engine="fast")
    slow = read_workbook(broken_corpus[name], engine="openpyxl")
    if not fast.sections and not slow.sections:  # unreadable: the same verdict
        assert [f.code for f in fast.findings] == [f.code for f in slow.findings]
        return
    assert book_dump(fast) == book_dump(slow)
