"""The validation seal's canonical form is a stored contract: seals written into units' files
by earlier versions must still match, so the hash of a fixed workbook is pinned here."""

from __future__ import annotations

from budgetbook.excel import read_workbook
from budgetbook.seal import seal

from .test_consolidate import VUX, write_unit

# Computed by the seal as it was before its loop was made faster (bb1, same canonical JSON).
PINNED = "bb1:cbc7069d1e830e83963b782fcf6219708ecdf49d6d1103d14119c452546ac8d6"


def test_the_seal_of_a_fixed_workbook_is_unchanged(tmp_path):
    path = write_unit(tmp_path / "1003.xlsx", "1003",
                      rows=[(VUX, "etthundra", -3150, 150, -3150, -4500, -4480), ("", "", "", "", "", "", "")])
    assert seal(read_workbook(path)) == PINNED
