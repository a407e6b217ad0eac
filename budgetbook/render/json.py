"""The JSON report of ``budgetbook validate --format json``: a stable, documented schema.

Invariant: the shape below is a contract (README, "JSON-format"); fields are only ever
added, never renamed or removed, and ``schema`` names the version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..findings import Finding, Severity, count_by_severity
from ..textsafety import json_safe_text

SCHEMA = "budgetbook.validate/1"


@dataclass
class FileReport:
    file: str
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True  # False: the file could not be read at all (READ-001..006)
    backup: str | None = None  # --write-back: where the copy of the original went

    @property
    def counts(self) -> dict[str, int]:
        return {s.value: n for s, n in count_by_severity(self.findings).items()}

    @property
    def status(self) -> str:
        """"oläslig", "fel", "varning" or "ok"."""
        if not self.readable:
            return "oläslig"
        c = self.counts
        return "fel" if c["fel"] else "varning" if c["varning"] else "ok"


def finding_dict(f: Finding) -> dict[str, Any]:
    d = {**f.to_dict(), "ref": f.location.a1}
    # Text that came from a unit's cells must stay text if the report is opened in a
    # spreadsheet (CSV/formula injection): "=..." becomes "'=...".
    for key in ("row_label", "expected", "actual"):
        if isinstance(d.get(key), str):
            d[key] = json_safe_text(d[key])
    return d


def report_dict(reports: list[FileReport], *, period: str | None, exit_status: int,
                spec_version: str, version: str) -> dict[str, Any]:
    totals = {s.value: sum(r.counts[s.value] for r in reports) for s in Severity}
    return {
        "schema": SCHEMA,
        "budgetbook_version": version,
        "spec_version": spec_version,
        "period": period,
        "exit_status": exit_status,
        "summary": {"files": len(reports), **totals},
        "files": [
            {"file": r.file, "readable": r.readable, "status": r.status, "summary": r.counts,
             **({"backup": r.backup} if r.backup else {}),
             "findings": [finding_dict(f) for f in r.findings]}
            for r in reports
        ],
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
