"""`budgetbook validate` and `fix-signs` end to end: exit status, JSON schema, the table."""

import io
import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from budgetbook.cli import app
from budgetbook.engine import validate
from budgetbook.excel import read_workbook
from budgetbook.render.console import render_report
from budgetbook.render.json import SCHEMA, FileReport

from .helpers import make_workbook
from .validation_cases import EKONOMI_2020, FAMILIES, ekonomi_rows

runner = CliRunner()


def book(tmp_path, name="enhet.xlsx", table=EKONOMI_2020, only_inputs=True):
    path, _ = make_workbook(tmp_path / name, rows={"ekonomi": ekonomi_rows(table, only_inputs)},
                            sections=["ekonomi"])
    return path


def wrong_book(tmp_path, name="fel.xlsx"):
    table = [list(r) for r in EKONOMI_2020]
    table[3][3] = -481
    return book(tmp_path, name, table, only_inputs=False)


def test_exit_status_0_1_2(tmp_path):
    ok = book(tmp_path)
    assert runner.invoke(app, ["validate", str(ok)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(ok), str(wrong_book(tmp_path))]).exit_code == 1
    text = tmp_path / "text.xlsx"
    text.write_text("inte en arbetsbok")
    assert runner.invoke(app, ["validate", str(ok), str(text)]).exit_code == 2
    assert runner.invoke(app, ["validate", str(tmp_path / "saknas.xlsx")]).exit_code == 2
    res = runner.invoke(app, ["validate", str(ok), "--period", "2022-13"])
    assert res.exit_code == 2 and "ÅÅÅÅ-MM" in res.output


def test_warnings_alone_exit_0(tmp_path):
    path = book(tmp_path, only_inputs=False)  # typed netto cells: IN-011 warnings, no errors
    res = runner.invoke(app, ["validate", str(path), "--format", "json"])
    doc = json.loads(res.stdout)
    assert res.exit_code == 0 and doc["summary"]["varning"] > 0 and doc["summary"]["fel"] == 0


def test_json_schema(tmp_path):
    path = wrong_book(tmp_path)
    res = runner.invoke(app, ["validate", str(path), "--format", "json", "--period", "2022-08"])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["schema"] == SCHEMA and doc["period"] == "2022-08" and doc["exit_status"] == 1
    assert set(doc) == {"schema", "budgetbook_version", "spec_version", "period", "exit_status", "summary", "files"}
    assert doc["summary"] == {"files": 1, "fel": 1, "varning": doc["summary"]["varning"], "info": 0}
    (f,) = doc["files"]
    assert (f["file"], f["readable"], f["status"]) == (str(path), True, "fel")
    (err,) = [x for x in f["findings"] if x["severity"] == "fel"]
    assert {k: err[k] for k in ("code", "section", "sheet", "cell", "ref", "row_label", "column", "expected",
                                "actual", "difference")} == {
        "code": "CALC-001", "section": "ekonomi", "sheet": "Ekonomi", "cell": "D8", "ref": "Ekonomi!D8",
        "row_label": "Gemensam socialtjänst", "column": "utfall_netto", "expected": -381, "actual": -481,
        "difference": -100}
    assert set(err) >= {"message", "hint", "related", "file", "severity"}


def test_settings_file_changes_severity(tmp_path):
    settings = tmp_path / "inst.toml"
    settings.write_text('[validering]\nseverities = { "CALC-001" = "varning" }\n', encoding="utf-8")
    assert runner.invoke(app, ["validate", str(wrong_book(tmp_path)), "--settings", str(settings)]).exit_code == 0
    settings.write_text('[validering]\nokand = 1\n', encoding="utf-8")
    res = runner.invoke(app, ["validate", str(wrong_book(tmp_path)), "--settings", str(settings)])
    assert res.exit_code == 2 and "okänd inställning 'okand'" in " ".join(res.output.split())


def test_text_output_grouped_by_section(tmp_path):
    table = [list(r) for r in EKONOMI_2020]
    table[3][3] = -481
    fixed = {"kostnadsslag": {"bidrag": dict(utfall=-50, budget=60), "personalkostnader": dict(utfall=-900, budget=-950)}}
    path, _ = make_workbook(tmp_path / "fel.xlsx", rows={"ekonomi": ekonomi_rows(table)}, fixed=fixed,
                            sections=["ekonomi", "kostnadsslag"])
    found = [f for f in validate(read_workbook(path, file_label="fel.xlsx")) if f.code.split("-")[0] in FAMILIES]
    console = Console(file=io.StringIO(), width=100, color_system=None, force_terminal=False)
    render_report(console, FileReport(file="fel.xlsx", findings=found))
    assert console.file.getvalue() == EXPECTED_TABLE


EXPECTED_TABLE = (
    'fel.xlsx                                                                                            \n'
    '┏━━━━━━━━━━━━━━┳━━━━━━┳━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓\n'
    '┃ Sektion      ┃ Cell ┃ Kod      ┃ Allvar ┃ Rad              ┃ Meddelande                          ┃\n'
    '┡━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩\n'
    '│ Ekonomi      │ D8   │ CALC-001 │ fel    │ Gemensam         │ Utfall netto på raden ”Gemensam     │\n'
    '│              │      │          │        │ socialtjänst     │ socialtjänst” är −481 tkr, men      │\n'
    '│              │      │          │        │                  │ Utfall netto = Utfall intäkter +    │\n'
    '│              │      │          │        │                  │ Utfall kostnader kräver −381 tkr    │\n'
    '│              │      │          │        │                  │ (skillnad −100 tkr; avrundningen    │\n'
    '│              │      │          │        │                  │ förklarar högst ±1,5 tkr).          │\n'
    '│              │      │          │        │                  │ Rätta Ekonomi!D8 eller beloppen den │\n'
    '│              │      │          │        │                  │ räknas från. En beräknad cell ska   │\n'
    '│              │      │          │        │                  │ ha mallens formel, inte ett         │\n'
    '│              │      │          │        │                  │ inskrivet tal.                      │\n'
    '│              │      │          │        │                  │   bryter också: CALC-001            │\n'
    '│              │      │          │        │                  │ Ekonomi!H8: Budgetavvikelse =       │\n'
    '│              │      │          │        │                  │ Utfall netto − Budget netto         │\n'
    '│              │      │          │        │                  │   bryter också: CALC-001            │\n'
    '│              │      │          │        │                  │ Ekonomi!D13: Utfall netto = Utfall  │\n'
    '│              │      │          │        │                  │ intäkter + Utfall kostnader         │\n'
    '│              │      │          │        │                  │   bryter också: CALC-001            │\n'
    '│              │      │          │        │                  │ Ekonomi!H13: Budgetavvikelse =      │\n'
    '│              │      │          │        │                  │ Utfall netto − Budget netto         │\n'
    '├──────────────┼──────┼──────────┼────────┼──────────────────┼─────────────────────────────────────┤\n'
    '│ Kostnadsslag │ B8   │ SIGN-001 │ fel    │ Bidrag           │ Ack utfall på raden ”Bidrag” är −50 │\n'
    '│              │      │          │        │                  │ tkr, men intäkter ska vara positiva │\n'
    '│              │      │          │        │                  │ (≥ 0).                              │\n'
    '│              │      │          │        │                  │ Skriv intäkter som positiva och     │\n'
    '│              │      │          │        │                  │ kostnader som negativa tal; här     │\n'
    '│              │      │          │        │                  │ troligen 50 tkr.                    │\n'
    '└──────────────┴──────┴──────────┴────────┴──────────────────┴─────────────────────────────────────┘\n'
    'fel.xlsx: 2 fel, 0 varningar, 0 info\n'
)


def test_cli_module_imports_no_heavy_library():
    code = ("import sys, budgetbook.cli; "
            "print(sorted(m for m in ('pandas', 'pandera', 'openpyxl', 'xlwings') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_fix_signs_command(tmp_path):
    rows = [{k: (-v if not isinstance(v, str) else v) for k, v in r.items()}
            for r in ekonomi_rows(EKONOMI_2020, only_inputs=True)]
    src, _ = make_workbook(tmp_path / "huvudbok.xlsx", rows={"ekonomi": rows}, sections=["ekonomi"])
    res = runner.invoke(app, ["validate", str(src)])
    assert res.exit_code == 1 and "SIGN-002" in res.output and "fix-signs" in res.output
    out = tmp_path / "rapport.xlsx"
    res = runner.invoke(app, ["fix-signs", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    assert runner.invoke(app, ["fix-signs", str(src), "-o", str(src)]).exit_code == 2


def test_write_back_is_wired(tmp_path):
    path = wrong_book(tmp_path)
    before = path.read_bytes()
    res = runner.invoke(app, ["validate", str(path), "--write-back"])
    assert res.exit_code == 1 and "kopia av originalet" in " ".join(res.output.split())
    backups = list(tmp_path.glob("fel.före-validering-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert backups[0].name in "".join(res.output.split())  # where the copy went is said


def test_config_gives_verksamheter_and_the_namnds_settings(tmp_path):
    names = [r[0] for r in EKONOMI_2020]
    verksamheter = "".join(f'[[verksamhet]]\nkod = "V{i}"\nnamn = "{n}"\n' for i, n in enumerate(names))
    config = tmp_path / "budgetbook.toml"
    config.write_text('[namnd]\nnamn = "Socialnämnden"\nar = 2022\nbelopp_i = "tkr"\n' + verksamheter
                      + '[[enhet]]\nkod = "1001"\nnamn = "Enheten"\nkontakt = "a@kommun.se"\nverksamheter = ["V0", "V1", "V2", "V3", "V4", "V5"]\n'
                      + '[validering]\nseverities = { "CALC-001" = "varning" }\n', encoding="utf-8")
    path = wrong_book(tmp_path)
    res = runner.invoke(app, ["validate", str(path), "--config", str(config), "--format", "json"])
    assert res.exit_code == 0, res.output
    codes = {(f["code"], f["severity"]) for f in json.loads(res.stdout)["files"][0]["findings"]}
    assert ("CALC-001", "varning") in codes and not any(c.startswith("IN-020") for c, _ in codes)
    # A verksamhet the nämnd does not have is found only with the configuration.
    other = book(tmp_path, "annan.xlsx", [("Okänd verksamhet", *EKONOMI_2020[0][1:])])
    res = runner.invoke(app, ["validate", str(other), "--config", str(config)])
    assert res.exit_code == 1 and "IN-020" in res.output
    assert runner.invoke(app, ["validate", str(other)]).exit_code == 0


README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_block(section: str, lang: str) -> str:
    text = README.read_text(encoding="utf-8").split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return text.split(f"```{lang}\n", 1)[1].split("```", 1)[0]


def test_readme_settings_example_is_the_defaults(tmp_path):
    from dataclasses import fields

    from budgetbook.settings import Settings

    path = tmp_path / "inst.toml"
    path.write_text(_readme_block("Inställningar", "toml"), encoding="utf-8")
    loaded = Settings.load(path)
    assert loaded.severities == {"IN-011": "info"}
    documented = {f.name for f in fields(Settings)} - {"severities"}
    assert all(getattr(loaded, k) == getattr(Settings(), k) for k in documented)


def test_readme_json_example_has_the_real_keys(tmp_path):
    doc = json.loads(runner.invoke(app, ["validate", str(wrong_book(tmp_path)), "--format", "json"]).stdout)
    example = json.loads(_readme_block("JSON-format", "json"))
    assert set(example) == set(doc)
    assert set(example["files"][0]) - {"backup"} == set(doc["files"][0])
    assert set(example["files"][0]["findings"][0]) == set(doc["files"][0]["findings"][0])


def test_json_keeps_text_from_cells_as_text(tmp_path):
    """A row label typed as a formula-like text stays text in the JSON report (issue 7)."""
    evil = '=HYPERLINK("http://evil.example","klicka")'
    rows = ekonomi_rows(EKONOMI_2020, only_inputs=True)
    rows[0]["verksamhet"] = evil
    rows[0]["utfall_intakter"] = "abc"  # a finding on that row
    path, _ = make_workbook(tmp_path / "injektion.xlsx", rows={"ekonomi": rows}, sections=["ekonomi"])
    res = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    doc = json.loads(res.stdout)
    labels = {f["row_label"] for f in doc["files"][0]["findings"] if f["cell"] == "B5"}
    assert labels == {"'" + evil}
    assert all(not str(f["row_label"]).startswith(("=", "+", "-", "@")) for f in doc["files"][0]["findings"])
