"""Code and run-time configuration in a received workbook: named in a warning, never
executed or followed (issue 7, "Nothing executed")."""

from __future__ import annotations

import sys

import pytest

from budgetbook.excel import read_workbook

CARRIERS = {
    "makro.xlsm": "VBA-projekt",
    "xlwings_conf.xlsx": "xlwings.conf",
    "blad_py.xlsx": "main.py",
    "externa_lankar.xlsx": "extern länk",
    "dataanslutning.xlsx": "dataanslutningar",
}

# Process-wide audit events that would mean something was run, fetched or opened.
WATCHED = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
           "socket.connect", "socket.getaddrinfo", "urllib.Request", "ctypes.dlopen", "webbrowser.open",
           "open", "os.listdir", "os.scandir")
_events: list[tuple[str, tuple]] | None = None


def _hook(event: str, args: tuple) -> None:
    if _events is not None and event.startswith(WATCHED):
        _events.append((event, args))


sys.addaudithook(_hook)  # cannot be removed; records only while a test sets _events


@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
@pytest.mark.parametrize("name", sorted(CARRIERS))
def test_carried_code_is_named_and_nothing_is_run_or_followed(name, engine, broken_corpus):
    global _events
    path = broken_corpus[name]
    read_workbook(path, engine=engine)  # imports and caches done before watching
    _events = []
    try:
        book = read_workbook(path, engine=engine)
        seen, _events = _events, None
    finally:
        _events = None
    assert [f.code for f in book.findings] == ["READ-050"]
    assert CARRIERS[name] in book.findings[0].message
    assert book.sections["ekonomi"].data_rows()  # the values are still read
    opened = [args[0] for event, args in seen if event == "open"]
    assert {str(p) for p in opened if not str(p).endswith(("~$" + path.name, f".~lock.{path.name}#"))} \
        <= {str(path)}, opened
    assert not [e for e, _ in seen if e != "open"], seen
