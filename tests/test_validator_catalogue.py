"""The validators' codes: in the catalogue, with Swedish message and hint, and tested."""

from pathlib import Path

from budgetbook.catalogue import all_codes
from budgetbook.rules import arithmetic, signs

TESTS = Path(__file__).parent


def test_codes_are_catalogued_with_message_and_hint():
    codes = all_codes()
    for mod in (arithmetic, signs):
        for c in mod.CODES:
            assert codes[c.code] is c
            assert c.message and c.hint and c.title


def test_every_validator_code_has_a_test_case():
    text = "".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py") if p.name != Path(__file__).name)
    for mod in (arithmetic, signs):
        for c in mod.CODES:
            assert f'"{c.code}"' in text, c.code
