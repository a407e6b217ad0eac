"""Findings as a rich table per file, grouped by section, coloured by severity.

Invariant: presentation only; reads Finding fields and FileReport counts, never decides.
"""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..findings import Severity, varningar
from ..spec import SPEC
from .json import FileReport

STYLE = {Severity.FEL: "bold red", Severity.VARNING: "yellow", Severity.INFO: "cyan"}
SECTION_SHEETS = {s.key: s.sheet for s in SPEC.sections}
WORKBOOK = "Arbetsboken"


def _section_name(key: str) -> str:
    return SECTION_SHEETS.get(key, key) if key else WORKBOOK


def _section_order(key: str) -> int:
    keys = list(SECTION_SHEETS)
    return keys.index(key) + 1 if key in keys else 0


def render_report(console: Console, report: FileReport) -> None:
    if report.findings:
        table = Table(title=report.file, title_justify="left", show_lines=False, expand=True)
        table.add_column("Sektion", overflow="fold", max_width=12)
        table.add_column("Cell", no_wrap=True)
        table.add_column("Kod", no_wrap=True)
        table.add_column("Allvar", no_wrap=True)
        table.add_column("Rad", overflow="fold", max_width=16)
        table.add_column("Meddelande", overflow="fold", ratio=1)
        ordered = sorted(report.findings, key=lambda f: (_section_order(f.location.section), f.sort_key))
        first = True
        for section, group in groupby(ordered, key=lambda f: f.location.section):
            if not first:
                table.add_section()
            first = False
            for i, f in enumerate(group):
                style = STYLE[f.severity]
                text = Text(f.message)
                if f.hint:
                    text.append("\n" + f.hint, style="dim")
                for r in f.related:
                    text.append("\n  bryter också: " + r, style="dim")
                table.add_row(Text(_section_name(section), style="bold") if i == 0 else "",
                              f.location.cell or "–", Text(f.code, style=style),
                              Text(f.severity.value, style=style), f.location.row_label, text)
        console.print(table)
    console.print(summary_line(report))


def summary_line(report: FileReport) -> Text:
    c = report.counts
    text = Text(f"{report.file}: ")
    if not report.readable:
        text.append("kunde inte läsas", style=STYLE[Severity.FEL])
        return text
    parts = [(f"{c['fel']} fel", Severity.FEL), (varningar(c['varning']), Severity.VARNING),
             (f"{c['info']} info", Severity.INFO)]
    for i, (s, sev) in enumerate(parts):
        text.append(s, style=STYLE[sev] if c[sev.value] else "")
        if i < len(parts) - 1:
            text.append(", ")
    if report.status == "ok":
        text.append(" – inga avvikelser", style="green")
    if report.backup:
        text.append(f" (resultatet skrivet i arbetsboken; kopia av originalet: {report.backup})")
    return text


def render_reports(console: Console, reports: list[FileReport]) -> None:
    for r in reports:
        render_report(console, r)
