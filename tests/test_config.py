"""The nämnd configuration: init writes a documented file that loads; every error names its line."""

from decimal import Decimal

import pytest

from budgetbook.commands import init as init_cmd
from budgetbook.commands import new as new_cmd
from budgetbook.config import CONFIG_NAME, ConfigError, config_template, load_config, parse_config
from budgetbook.excel import read_workbook

BASE = """\
[namnd]
namn = "Socialnämnden"
ar = 2022
belopp_i = "tkr"

[[verksamhet]]
kod = "BOU"
namn = "Barn och unga 0–20 år"

[[verksamhet]]
kod = "MYN"
namn = "Myndighet och huvudmannaskap"

[[enhet]]
kod = "1001"
namn = "Barn och familjeenheten"
kontakt = "anna.andersson@kommun.se"
verksamheter = ["BOU", "MYN"]

[[enhet]]
kod = "1002"
namn = "Vuxenenheten"
verksamheter = ["MYN"]
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def problems(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(ConfigError) as exc:
        parse_config(text)
    return exc.value.problems


def test_the_contract_interface():
    cfg = parse_config(BASE)
    assert (cfg.namnd, cfg.ar, cfg.belopp_i) == ("Socialnämnden", 2022, "tkr")
    assert [(v.kod, v.namn) for v in cfg.verksamheter] == [("BOU", "Barn och unga 0–20 år"),
                                                         ("MYN", "Myndighet och huvudmannaskap")]
    e = cfg.enhet("1001")
    assert (e.kod, e.namn, e.kontakt, list(e.verksamheter)) == (
        "1001", "Barn och familjeenheten", "anna.andersson@kommun.se", ["BOU", "MYN"])
    assert cfg.enhet("9999") is None and cfg.verksamhet("XXX") is None
    assert cfg.verksamhet("MYN").namn == "Myndighet och huvudmannaskap"
    assert [x.kod for x in cfg.enheter] == ["1001", "1002"]


def test_unknown_verksamhet_code_names_the_line():
    text = BASE.replace('verksamheter = ["MYN"]', 'verksamheter = ["MYN", "XYZ"]')
    (line, msg), = problems(text)
    assert line == line_of(text, '"XYZ"') and "XYZ" in msg


def test_verksamhet_nobody_reports_on_names_its_line():
    text = BASE + '\n[[verksamhet]]\nkod = "VUX"\nnamn = "Vuxna 21–64 år"\n'
    (line, msg), = problems(text)
    assert line == line_of(text, 'kod = "VUX"') and "ingen enhet rapporterar" in msg


def test_duplicate_enhet_and_verksamhet_codes():
    text = BASE.replace('kod = "1002"', 'kod = "1001"')
    (line, msg), = problems(text)
    assert line == line_of(text, 'kod = "1001"', 2) and "finns redan" in msg
    text = BASE.replace('kod = "MYN"', 'kod = "BOU"').replace('["BOU", "MYN"]', '["BOU"]').replace(
        '["MYN"]', '["BOU"]')
    found = problems(text)
    assert (line_of(text, 'kod = "BOU"', 2)) in [ln for ln, _ in found]


def test_missing_fields_name_their_table():
    text = BASE.replace('namn = "Vuxenenheten"\n', "")
    (line, msg), = problems(text)
    assert line == line_of(text, "[[enhet]]", 2) and "saknar namn" in msg
    text = BASE.replace("ar = 2022\n", "")
    (line, msg), = problems(text)
    assert line == 1 and "saknar ar" in msg


def test_every_problem_is_reported_at_once_with_file_and_line(tmp_path):
    text = BASE.replace('belopp_i = "tkr"', 'belopp_i = "kr"').replace('verksamheter = ["MYN"]', 'verksamhter = ["MYN"]')
    p = tmp_path / CONFIG_NAME
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    lines = [ln for ln, _ in exc.value.problems]
    assert line_of(text, "belopp_i") in lines and line_of(text, "verksamhter") in lines
    assert f"{p}, rad {line_of(text, 'belopp_i')}:" in str(exc.value)


def test_toml_syntax_error_names_the_line():
    text = BASE.replace('namn = "Vuxenenheten"', 'namn = "Vuxenenheten')
    (line, msg), = problems(text)
    assert line == line_of(text, 'namn = "Vuxenenheten')
    assert "ogiltig TOML" in msg


def test_validering_becomes_settings_and_bad_values_name_the_line():
    cfg = parse_config(BASE + '\n[validering]\nrounding_tkr = 1\nseverities = { "IN-013" = "info" }\n')
    assert cfg.settings.rounding_tkr == Decimal(1) and cfg.settings.severities == {"IN-013": "info"}
    text = BASE + '\n[validering]\nrounding_tkr = 1\nokand = 3\n'
    (line, msg), = problems(text)
    assert line == line_of(text, "okand") and "okänd inställning" in msg


def test_init_writes_a_documented_config_that_loads_and_refuses_to_overwrite(tmp_path):
    assert init_cmd.run(tmp_path / "sn", "Äldrenämnden", 2023) == 0
    path = tmp_path / "sn" / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    cfg = load_config(path)
    assert (cfg.namnd, cfg.ar) == ("Äldrenämnden", 2023)
    assert len(cfg.enheter) >= 2 and len(cfg.verksamheter) >= 2
    comments = [ln for ln in text.splitlines() if ln.lstrip().startswith("#")]
    assert len(comments) > 20 and any("verksamheter" in c for c in comments)
    path.write_text(text + "# egen ändring\n", encoding="utf-8")
    assert init_cmd.run(tmp_path / "sn", "X", 2023) == 2
    assert path.read_text(encoding="utf-8").endswith("# egen ändring\n")


def test_init_quotes_a_name_with_quotes():
    cfg = parse_config(config_template('Nämnden för "teknik"', 2024))
    assert cfg.namnd == 'Nämnden för "teknik"'


def test_new_with_config_fills_header_and_own_verksamheter(tmp_path):
    cfg = tmp_path / CONFIG_NAME
    cfg.write_text(BASE, encoding="utf-8")
    out = tmp_path / "1001.xlsx"
    rc = new_cmd.run(enhet="1001", period="2022-08", sections=[], output=out, config=cfg, enhet_namn=None,
                     namnd=None, belopp_i="tkr", force=False)
    assert rc == 0
    book = read_workbook(out)
    assert book.header.get("namnd") == "Socialnämnden"
    assert book.header.get("enhet_namn") == "Barn och familjeenheten"
    assert [r.label for r in book.sections["ekonomi"].rows if r.label and not r.is_total] == [
        "Barn och unga 0–20 år", "Myndighet och huvudmannaskap"]
    assert new_cmd.run(enhet="9999", period="2022-08", sections=[], output=tmp_path / "x.xlsx", config=cfg,
                       enhet_namn=None, namnd=None, belopp_i="tkr", force=False) == 2
    broken = tmp_path / "broken.toml"
    broken.write_text(BASE.replace('["MYN"]', '["NOPE"]'), encoding="utf-8")
    assert new_cmd.run(enhet="1001", period="2022-08", sections=[], output=tmp_path / "y.xlsx", config=broken,
                       enhet_namn=None, namnd=None, belopp_i="tkr", force=False) == 2
    assert not (tmp_path / "y.xlsx").exists()
