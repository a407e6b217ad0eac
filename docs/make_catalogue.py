"""Write docs/findings.md, the catalogue of every finding code, from budgetbook.catalogue.

    python docs/make_catalogue.py

Each code gets its severity, title, what it means (the message template), an example and
how to fix it. The example is a real finding from the demo's workbooks where the demo
produces that code, else the message rendered with sample values. A test fails when the
committed file differs from what this script writes.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgetbook.catalogue import all_codes  # noqa: E402
from budgetbook.findings import Code, Finding  # noqa: E402

OUT = ROOT / "docs" / "findings.md"

FAMILIES = {
    "READ": "Filen och dess struktur",
    "IN": "Inmatning i en cell",
    "SUM": "Summor",
    "CALC": "Beräknade celler",
    "SIGN": "Tecken",
    "PER": "Perioder",
    "PROG": "Prognos",
    "XREF": "Mellan sektioner",
    "TEXT": "Text mot tabeller",
}
SEVERITY = {"fel": "fel", "varning": "varning", "info": "info"}

# Sample values for a message's parameters, by name, for codes the demo does not produce.
SAMPLE = {
    "reason": "filen finns inte", "detected": "en PDF-fil", "part": "xl/workbook.xml",
    "sheet": "Ekonomi", "table": "Ekonomi", "header": "Utfall kostnader", "section": "ekonomi",
    "tables": "Ekonomi!A4:L14, Blad1!A1:L10", "label": "Enhet, kod", "name": "enhet_kod",
    "rule": "en månad 1–12", "range": "B6:C6", "row": "9", "what": "ett VBA-projekt (makron)",
    "error": "#DIV/0!", "raw": "12 345 kr", "value": "12 345", "unit": "tkr",
    "choices": "Ej påbörjad, Pågår, Klar", "form": "ÅÅÅÅ-MM-DD", "cell": "Ekonomi!C6",
    "row_label": "Barn och unga 0–20 år", "column": "utfall_kostnader",
    "expected": "−93 772", "actual": "−97 732", "difference": "3 960",
    "year": "2022", "report_year": "2022", "month": "8", "months": "mar, jun", "values": "sep 60",
    "values_after": "ett värde", "report_month": "aug", "arsbudget": "−172 500", "band": "25",
    "factor": "3", "and_budget": " och årsbudgeten −172 500", "of_budget": " (8,3 % av årsbudgeten)",
    "first_cell": "Ekonomi!A7", "verksamhet": "Barn och unga 0–20 år", "quote": "3,2 mnkr",
    "prose_tkr": "3 200", "nearest_what": "Barn och unga 0–20 år, prognosavvikelse",
    "nearest_cell": "Ekonomi!K5", "difference_tkr": "60", "direction": "negativt", "enhet": "1001",
    "files": "1001.xlsx, 1001 kopia.xlsx", "period": "2022-08", "previous": "2022-07",
    "sheet_name": "Ekonomi 2021-12", "who": " hos Anna Andersson", "lock": "~$enhet 1001.xlsx",
    "header_value": "13", "kontakt": "anna.andersson@kommun.se",
}
SAMPLE_BY_CODE = {
    "READ-010": {"expected": "Ekonomi, Kostnadsslag, Prognosorsaker, …"},
    "READ-040": {"row_label": "Lönekostnader", "expected": "Försäljning → Taxor och avgifter → Hyror och arrenden"},
    "READ-021": {"actual": "13", "label": "Månad (1–12)", "sheet": "Uppgifter"},
    "PER-002": {"actual": "Månadsrapport", "expected": "Delårsrapport T2"},
    "PER-003": {"actual": "2021-12", "expected": "2022-08"},
    "PER-005": {"span": "januari–juli"},
    "PER-006": {"actual": "−115 000", "expected": "−57 500", "arsbudget": "−172 500", "difference": "−57 500",
                "month": "4", "month_name": "april"},
    "PER-009": {"actual": "−17 224", "expected": "−217 224", "and_budget": " och årsbudgeten −215 000"},
    "PER-011": {"year": "2023", "values": "jan 57, feb 59"},
    "PROG-004": {"actual": "−2 250", "of_budget": " (14 % av årsbudgeten)", "expected": "500 tkr eller 1 %"},
    "IN-021": {"actual": "Nämnd och nämndstöd", "what": "verksamhet"},
    "KONS-002": {"enhet": "7777"},
    "KONS-005": {"section": "Ekonomi"},
    "KONS-006": {"enhet": "1001 Barn och familjeenheten"},
    "TEXT-001": {"expected": "3 140"},
    "TEXT-002": {"expected": "4,7", "quote": "4,7 miljoner kronor"},
    "TEXT-003": {"quote": "47", "nyckeltal": "Antal placerade barn", "expected": "45", "difference": "2",
                 "mening": "Antalet placerade barn har ökat till 47 jämfört med 38 samma period föregående år.",
                 "reading": "augusti 2022", "table_cell": "Statistik!J5"},
    "KONS-014": {"length": "32\u00a0790", "limit": "32\u00a0767", "cell": "Kommentarer!C5"},
    "HIST-001": {"row_label": "Personalkostnader", "actual": "−97 732", "expected": "−99 100"},
    "READ-020": {"label": "Enhet, kod", "sheet": "Uppgifter"},
    "READ-004": {"reason": "zip-arkivet är avkortat"},
    "READ-005": {"reason": "mer än 50 MB uppackat"},
    "READ-013": {"header": "Egen anteckning"},
    "READ-032": {"sheet": "Beräkningar"},
    "READ-041": {"label": "Lokalkostnader", "table": "Kostnadsslag"},
    "IN-003": {"raw": "2022-08-31"},
    "IN-004": {"raw": "SANT"},
    "IN-005": {"raw": "1E+15"},
    "IN-006": {"raw": "Pågående"},
    "IN-007": {"raw": "12,5"},
    "IN-008": {"raw": "31/8"},
    "IN-013": {"raw": "1 234,6"},
    "IN-015": {"raw": "SUM(Data!B2:B9)"},
    "IN-010": {"raw": "−500 000", "value": "−500 000",
               "found": "minustecknet är ett typografiskt tecken (−), inte Excels minus (-) och texten har "
                        "mellanslag mellan siffrorna"},
    "CALC-001": {"header": "Utfall netto", "row_label": "Gemensam socialtjänst", "act": "−481 tkr",
                 "what": "Utfall netto = Utfall intäkter + Utfall kostnader", "exp": "−381 tkr",
                 "diff": "−100 tkr", "tol": "1,5 tkr"},
    "XREF-001": {"what": "ack utfall", "other_cell": "Ekonomi!D13", "actual": "−35 630", "expected": "−35 360",
                 "difference": "−270"},
    "XREF-002": {"row_label": "Verksamhetens kostnader", "what": "ack utfall", "what_ekonomi": "utfall kostnader",
                 "other_cell": "Ekonomi!C13", "actual": "−136 176", "expected": "−133 176", "difference": "−3 000"},
    "SIGN-003": {"header": "Budgetavvikelse", "row_label": "Kommunalt bostadstillägg", "act": "−996 tkr",
                 "what": "Budgetavvikelse = Utfall netto − Budget netto", "exp": "995 tkr"},
}


def _placeholders(template: str) -> str:
    return re.sub(r"\{(\w+)\}", r"‹\1›", template)


def _sample(code: Code) -> str:
    params = {**SAMPLE, **SAMPLE_BY_CODE.get(code.code, {})}
    unknown = {k: f"‹{k}›" for k in re.findall(r"\{(\w+)\}", code.message) if k not in params}
    return code.message.format_map({**params, **unknown})


def demo_examples() -> dict[str, tuple[str, Finding]]:
    """The first finding of each code when the demo's workbooks are validated."""
    from budgetbook.demo import demo_organisation, write_demo
    from budgetbook.engine import Context, validate
    from budgetbook.excel import read_workbook
    from budgetbook.period import Period

    out: dict[str, tuple[str, Finding]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        demo = write_demo(Path(tmp) / "demo")
        p = Period.parse(f"{demo.units[0].header['ar']}-{demo.units[0].header['manad']:02d}")
        context = Context(period=p, verksamheter=[v.namn for v in demo_organisation(p.year).verksamheter])
        for u in demo.units:
            path = demo.workbooks.get(u.enhet.kod)
            if path is None:
                continue
            for f in validate(read_workbook(path), context):
                out.setdefault(f.code, (f"{u.enhet.kod} {u.enhet.namn}", f))
    return out


def render_catalogue() -> str:
    codes = all_codes()
    examples = demo_examples()
    lines = [
        "# Kontrollkoder",
        "",
        "Varje avvikelse som budgetbook rapporterar har en stabil kod. Koden byter aldrig betydelse;",
        "meddelandet kan formuleras om. Allvarsgraden kan ändras per nämnd i konfigurationens",
        "`[validering]`-del (`severities`). Filen skrivs av `python docs/make_catalogue.py`.",
        "",
        "| Kod | Allvar | Rubrik |",
        "|---|---|---|",
    ]
    for c in codes.values():
        lines.append(f"| [{c.code}](#{c.code.lower()}) | {SEVERITY[c.severity.value]} | {c.title} |")
    family = None
    for c in codes.values():
        fam = c.code.split("-")[0]
        if fam != family:
            family = fam
            lines += ["", f"## {fam}: {FAMILIES.get(fam, fam)}"]
        lines += ["", f"### {c.code}", "", f"**{c.title}** · {SEVERITY[c.severity.value]}", "",
                  f"- Betyder: {_placeholders(c.message)}"]
        if c.code in examples:
            where, f = examples[c.code]
            lines.append(f"- Exempel (demons enhet {where}, {f.location.a1}): {f.message}")
        else:
            lines.append(f"- Exempel: {_sample(c)}")
        if c.hint:
            lines.append(f"- Så rättar du: {_placeholders(c.hint)}")
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.write_text(render_catalogue(), encoding="utf-8")
    print("skrev", OUT)


if __name__ == "__main__":
    main()
