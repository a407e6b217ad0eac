"""The generated documentation is current: docs/findings.md is what docs/make_catalogue.py writes."""

import importlib.util
from pathlib import Path

from budgetbook.catalogue import all_codes

ROOT = Path(__file__).resolve().parent.parent


def test_findings_catalogue_is_current():
    spec = importlib.util.spec_from_file_location("make_catalogue", ROOT / "docs" / "make_catalogue.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.render_catalogue()
    assert all(f"### {code}\n" in text for code in all_codes())
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == text, \
        "docs/findings.md is stale: run `python docs/make_catalogue.py`"
