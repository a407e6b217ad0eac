"""`budgetbook new` and `budgetbook templates` through the real command line."""

import subprocess
import sys

from budgetbook.excel import read_workbook


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "budgetbook", *args], capture_output=True, text=True, cwd=cwd)


def test_new_writes_a_unit_workbook_with_the_header_filled(tmp_path):
    out = tmp_path / "enhet.xlsx"
    res = run("new", "--enhet", "1001", "--period", "2022-04", "--section", "ekonomi",
              "--section", "kommentarer", "--namnd", "Socialnämnden", "--enhet-namn", "Omsorgsenheten", "-o", str(out))
    assert res.returncode == 0, res.stderr
    book = read_workbook(out)
    assert set(book.sections) == {"ekonomi", "kommentarer"}
    h = book.header
    assert (h.get("enhet_kod"), h.get("enhet_namn"), h.get("namnd")) == ("1001", "Omsorgsenheten", "Socialnämnden")
    assert (h.year, h.month, h.get("rapporttyp"), h.belopp_i) == (2022, 4, "Tertialrapport 1", "tkr")
    assert not [f for f in book.findings if f.code.startswith("READ-02")]


def test_new_refuses_to_overwrite_without_force_and_keeps_a_backup(tmp_path):
    out = tmp_path / "enhet.xlsx"
    out.write_bytes(b"my own work")
    res = run("new", "--enhet", "1001", "--period", "2022-08", "-o", str(out))
    assert res.returncode == 2 and out.read_bytes() == b"my own work"
    for _ in range(2):  # a second --force keeps the first backup too
        res = run("new", "--enhet", "1001", "--period", "2022-08", "-o", str(out), "--force")
        assert res.returncode == 0
    backups = sorted(tmp_path.glob("enhet.före-ny-*.xlsx"))
    assert len(backups) == 2 and b"my own work" in {b.read_bytes() for b in backups}
    assert read_workbook(out).header.month == 8


def test_new_wants_an_xlsx_name_and_leaves_datum_to_the_controller(tmp_path):
    res = run("new", "--enhet", "1001", "--period", "2022-08", "-o", str(tmp_path / "enhet.csv"))
    assert res.returncode == 2 and ".xlsx" in res.stderr and not (tmp_path / "enhet.csv").exists()
    out = tmp_path / "enhet.xlsx"
    assert run("new", "--enhet", "1001", "--period", "2022-08", "-o", str(out)).returncode == 0
    assert read_workbook(out).header.get("datum") is None


def test_written_files_get_the_usual_mode_not_a_private_one(tmp_path):
    import os
    import stat

    out = tmp_path / "enhet.xlsx"
    assert run("new", "--enhet", "1001", "--period", "2022-08", "-o", str(out)).returncode == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    os.chmod(out, 0o664)
    assert run("new", "--enhet", "1001", "--period", "2022-08", "-o", str(out), "--force").returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o664


def test_new_rejects_a_bad_period_and_an_unknown_section(tmp_path):
    res = run("new", "--enhet", "1", "--period", "2022-13", "-o", str(tmp_path / "x.xlsx"))
    assert res.returncode == 2 and "ÅÅÅÅ-MM" in res.stderr and "Traceback" not in res.stderr
    res = run("new", "--enhet", "1", "--period", "2022-08", "--section", "budget", "-o", str(tmp_path / "x.xlsx"))
    assert res.returncode == 2 and "Okänd sektion" in res.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_templates_command_writes_every_section(tmp_path):
    res = run("templates", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    names = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert "rapport.xlsx" in names and "ekonomi.xlsx" in names and len(names) == 11
