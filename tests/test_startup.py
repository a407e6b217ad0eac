"""Start-up stays instant: the CLI imports no heavy library until a command needs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "pandera", "openpyxl", "xlwings", "numpy", "pydantic")

PROBE = """
import json, sys
{body}
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})))
"""


def _loaded(body: str) -> list[str]:
    code = PROBE.format(body=body, heavy=HEAVY)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_the_cli_imports_no_heavy_library():
    assert _loaded("import budgetbook.cli") == []


def test_help_of_every_command_imports_no_heavy_library():
    body = """
import contextlib, io
import typer.main
from budgetbook.cli import app
group = typer.main.get_command(app)
def helps(cmd, path):
    yield path
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from helps(sub, path + [name])
for path in helps(group, []):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            app(path + ["--help"], prog_name="budgetbook")
        except SystemExit as exc:
            assert exc.code == 0, (path, exc.code)
    assert "--help" in out.getvalue(), path
"""
    assert _loaded(body) == []
