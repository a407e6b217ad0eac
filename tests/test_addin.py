"""The budgetbook.xlam add-in: built from the installed xlwings' ribbon template, checked as a
zip of XML parts (openpyxl does not open .xlam), installed and uninstalled in tmp folders."""

from __future__ import annotations

import importlib
import json
import posixpath
import sys
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from typer.testing import CliRunner

from budgetbook.cli import app
from budgetbook.excel import addin
from budgetbook.excel.addin import (ADDIN_CONTENT_TYPE, AddinConfig, AddinError, build_addin, check_pin,
                                    inspect_addin, pinned_xlwings_version)

ROOT = Path(__file__).resolve().parent.parent
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin"), AddinConfig.for_interpreter(r"C:\Python311\pythonw.exe"))


def _template() -> zipfile.ZipFile:
    import xlwings

    return zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam")


def test_vba_is_the_installed_xlwings_ribbon_template_byte_for_byte(built):
    assert built.name == "budgetbook.xlam"
    with zipfile.ZipFile(built) as z, _template() as t:
        assert z.read("xl/vbaProject.bin") == t.read("xl/vbaProject.bin")
        # Everything but the ribbon, the renamed conf sheet and its values is the template's.
        changed = {n for n in t.namelist() if z.read(n) != t.read(n)}
        assert changed == {"customUI/customUI.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"}
        assert sorted(z.namelist()) == sorted(t.namelist())


def test_customui_binds_validera_to_the_template_callback(built):
    with zipfile.ZipFile(built) as z, _template() as t:
        ui = SafeET.fromstring(z.read("customUI/customUI.xml"))
        template_ui = SafeET.fromstring(t.read("customUI/customUI.xml"))
    ns = template_ui.tag.split("}")[0] + "}"
    assert ui.tag == ns + "customUI"  # the template's namespace, kept
    template_action = next(template_ui.iter(ns + "button")).get("onAction")
    tabs = list(ui.iter(ns + "tab"))
    assert [t.get("label") for t in tabs] == ["budgetbook"]
    groups = list(tabs[0].iter(ns + "group"))
    assert [g.get("label") for g in groups] == ["Kontroll"]
    buttons = list(groups[0].iter(ns + "button"))
    assert [b.get("label") for b in buttons] == ["Validera"]
    b = buttons[0]
    assert b.get("onAction") == template_action == "RibbonMyAddin.RunMain"
    assert b.get("imageMso") and b.get("screentip") and "Kontroll" in b.get("supertip")


def test_conf_sheet_is_renamed_and_holds_interpreter_and_no_workbook_path(built):
    info = inspect_addin(built.read_bytes())
    assert info.sheets == ["xlwings.conf"]
    assert info.config["INTERPRETER_WIN"] == r"C:\Python311\pythonw.exe"
    assert info.config["INTERPRETER_MAC"] == r"C:\Python311\pythonw.exe"
    assert info.config["ADD_WORKBOOK_TO_PYTHONPATH"] == "false"
    # The template's other keys survive, each once (xlwings' VBA Dictionary rejects duplicates).
    assert {"PYTHONPATH", "CONDA PATH", "UDF MODULES", "SHOW CONSOLE"} <= set(info.config)
    with zipfile.ZipFile(built) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                assert b"_myaddin.conf" not in z.read(name), name


def test_interpreter_with_xml_characters_survives(tmp_path):
    odd = "C:\\Program Files & Co\\<py>\\pythonw.exe"
    info = inspect_addin(build_addin(tmp_path, AddinConfig.for_interpreter(odd)).read_bytes())
    assert info.config["INTERPRETER_WIN"] == odd


def test_default_interpreter_is_the_running_python_for_its_own_platform_only():
    assert AddinConfig.for_interpreter(running="mac") == AddinConfig("", sys.executable)
    assert AddinConfig.for_interpreter(running="windows").interpreter_mac == ""
    assert AddinConfig.for_interpreter(running="windows").interpreter_win.startswith(str(Path(sys.executable).parent))
    assert AddinConfig.for_interpreter(running="linux") == AddinConfig("", "")  # never a Linux path
    assert AddinConfig.for_interpreter("/opt/py", running="linux") == AddinConfig("/opt/py", "/opt/py")
    assert addin.interpreter_needed("windows", None, running="mac") is not None
    assert addin.interpreter_needed(None, None, running="linux") is not None
    assert addin.interpreter_needed("mac", None, running="mac") is None
    assert addin.interpreter_needed("windows", "C:/py/pythonw.exe", running="linux") is None


def test_package_is_a_valid_office_addin(built):
    with zipfile.ZipFile(built) as z:
        names = z.namelist()
        types = SafeET.fromstring(z.read("[Content_Types].xml"))
        defaults = {d.get("Extension").lower(): d.get("ContentType") for d in types.iter(CT + "Default")}
        overrides = {o.get("PartName").lstrip("/"): o.get("ContentType") for o in types.iter(CT + "Override")}
        for name in names:
            if name == "[Content_Types].xml":
                continue
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, f"no content type: {name}"
            if name.endswith((".xml", ".rels")):
                SafeET.fromstring(z.read(name))  # every XML part is well-formed
        root_rels = {r.get("Type").rsplit("/", 1)[-1]: r.get("Target")
                     for r in SafeET.fromstring(z.read("_rels/.rels")).iter(PKG_REL + "Relationship")}
        assert root_rels["extensibility"] == "customUI/customUI.xml" in names
        wb = root_rels["officeDocument"]
        assert overrides[wb] == ADDIN_CONTENT_TYPE
        wb_rels = SafeET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {posixpath.join("xl", r.get("Target")) for r in wb_rels.iter(PKG_REL + "Relationship")}
        assert "xl/vbaProject.bin" in targets and all(t in names for t in targets)


def test_module_named_by_the_file_has_a_callable_main(built):
    module = importlib.import_module(Path(built.name).stem)
    assert callable(module.main)
    from budgetbook.excel import button

    assert callable(button.run_button)


def test_xlwings_pin_matches_and_a_mismatch_fails_clearly():
    import xlwings

    pinned = pinned_xlwings_version()
    assert pinned == xlwings.__version__ == addin.installed_xlwings_version()
    assert f"xlwings=={pinned}" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    check_pin(pinned, pinned)
    with pytest.raises(AddinError, match=r"xlwings 0\.37\.8.*pip install xlwings==0\.37\.8"):
        check_pin("0.38.0", "0.37.8")


# --- install / uninstall ------------------------------------------------------------------

def _run(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(app, args, env=env)


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def windows_env(tmp_path):
    appdata = tmp_path / "AppData" / "Roaming"
    (appdata / "Microsoft" / "Excel").mkdir(parents=True)
    return tmp_path, {"APPDATA": str(appdata)}


@pytest.fixture
def mac_env(tmp_path):
    home = tmp_path / "home"
    (home / "Library" / "Group Containers" / "UBF8T346G9.Office").mkdir(parents=True)
    return home, {"HOME": str(home)}


def test_dry_run_windows_names_xlstart_and_the_configuration(windows_env):
    root, env = windows_env
    before = _tree(root)
    r = _run(["addin", "install", "--dry-run", "--platform", "windows", "--interpreter", r"C:\py\pythonw.exe"], env)
    assert r.exit_code == 0, r.output
    xlstart = Path(env["APPDATA"]) / "Microsoft" / "Excel" / "XLSTART"
    assert f"skulle skriva {xlstart / 'budgetbook.xlam'}" in r.output
    assert r"INTERPRETER_WIN = C:\py\pythonw.exe" in r.output
    assert "ADD_WORKBOOK_TO_PYTHONPATH = false" in r.output
    assert _tree(root) == before  # nothing written


def test_dry_run_mac_names_the_office_startup_folder_and_applescript(mac_env):
    home, env = mac_env
    r = _run(["addin", "install", "--dry-run", "--platform", "mac", "--interpreter", "/opt/py/bin/python3"], env)
    assert r.exit_code == 0, r.output
    startup = home / "Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel"
    assert f"skulle skriva {startup / 'budgetbook.xlam'}" in r.output
    script = home / "Library/Application Scripts/com.microsoft.Excel" / f"xlwings-{pinned_xlwings_version()}.applescript"
    assert f"skulle skriva {script}" in r.output
    assert "INTERPRETER_MAC = /opt/py/bin/python3" in r.output
    assert not (home / "Library/Group Containers/UBF8T346G9.Office/User Content").exists()


def test_mac_localized_startup_folder_is_used_when_it_exists(mac_env):
    home, env = mac_env
    container = home / "Library/Group Containers/UBF8T346G9.Office"
    (container / "User Content.localized").mkdir()
    place = addin.locate("mac", env)
    assert place.startup == container / "User Content.localized" / "Startup.localized" / "Excel"


@pytest.mark.parametrize("platform,env,startup", [
    ("windows", {"APPDATA": "{tmp}/AppData"}, "AppData/Microsoft/Excel/XLSTART"),
    ("mac", {"HOME": "{tmp}/home"}, "home/Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel")])
def test_no_excel_install_says_so_and_exits_2_but_a_dry_run_shows_the_plan(tmp_path, platform, env, startup):
    env = {k: v.format(tmp=tmp_path) for k, v in env.items()}
    r = _run(["addin", "install", "--platform", platform, "--interpreter", "/x/python"], env)
    assert r.exit_code == 2
    assert "Excel hittades inte" in r.output and "skriver" not in r.output
    r = _run(["addin", "install", "--dry-run", "--platform", platform, "--interpreter", "/x/python"], env)
    assert r.exit_code == 0, r.output
    assert "Excel hittades inte" in r.output
    assert f"skulle skriva {tmp_path / startup / 'budgetbook.xlam'}" in r.output
    assert "INTERPRETER_WIN = /x/python" in r.output and "ADD_WORKBOOK_TO_PYTHONPATH = false" in r.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="installs for another platform than this one")
def test_installing_for_windows_from_another_platform_needs_the_interpreter(windows_env):
    root, env = windows_env
    before = _tree(root)
    r = _run(["addin", "install", "--platform", "windows"], env)
    assert r.exit_code == 2 and "--interpreter" in r.output
    assert _tree(root) == before
    r = _run(["addin", "install", "--dry-run", "--platform", "windows"], env)
    assert r.exit_code == 0 and "--interpreter" in r.output
    assert "INTERPRETER_WIN = \n" in r.output and sys.executable not in r.output  # never this system's path
    r = _run(["addin", "build", "--out", str(root)], env)
    assert (r.exit_code == 2) == (sys.platform != "darwin")


@pytest.mark.parametrize("platform", ["windows", "mac"])
def test_install_then_uninstall_removes_exactly_what_install_wrote(tmp_path, platform, request):
    root, env = request.getfixturevalue(f"{platform}_env")
    # Something of the user's in the same folders: never touched.
    place = addin.locate(platform, env)
    place.startup.mkdir(parents=True)
    own = place.startup / "PERSONAL.XLSB"
    own.write_bytes(b"the user's own macros")
    before = _tree(tmp_path)

    r = _run(["addin", "install", "--platform", platform, "--interpreter", "/x/python"], env)
    assert r.exit_code == 0, r.output
    target = place.startup / "budgetbook.xlam"
    assert inspect_addin(target.read_bytes()).config["INTERPRETER_WIN"] == "/x/python"
    manifest = json.loads(place.manifest.read_text(encoding="utf-8"))
    written = {Path(f["path"]) for f in manifest["files"]}
    assert target in written
    assert not any(p.parent == place.startup and p.suffix == ".json" for p in place.startup.iterdir())
    assert (place.applescript in written) == (platform == "mac")

    r = _run(["addin", "install", "--platform", platform, "--interpreter", "/y/python"], env)  # reinstall
    assert r.exit_code == 0, r.output
    assert inspect_addin(target.read_bytes()).config["INTERPRETER_WIN"] == "/y/python"

    r = _run(["addin", "uninstall", "--dry-run", "--platform", platform], env)
    assert r.exit_code == 0 and f"skulle ta bort {target}" in r.output and target.exists()
    r = _run(["addin", "uninstall", "--platform", platform], env)
    assert r.exit_code == 0, r.output
    assert _tree(tmp_path) == before
    assert own.read_bytes() == b"the user's own macros"
    r = _run(["addin", "uninstall", "--platform", platform], env)
    assert r.exit_code == 0 and "Inget att ta bort" in r.output


def test_install_refuses_to_replace_a_budgetbook_xlam_it_did_not_write(windows_env):
    root, env = windows_env
    place = addin.locate("windows", env)
    place.startup.mkdir()
    foreign = place.startup / "budgetbook.xlam"
    foreign.write_bytes(b"someone else's add-in")
    r = _run(["addin", "install", "--platform", "windows", "--interpreter", "/x/python"], env)
    assert r.exit_code == 1 and "finns redan" in r.output
    assert foreign.read_bytes() == b"someone else's add-in"
    assert not place.manifest.exists()


def test_uninstall_leaves_a_file_changed_since_install(windows_env):
    root, env = windows_env
    assert _run(["addin", "install", "--platform", "windows", "--interpreter", "/x/python"], env).exit_code == 0
    place = addin.locate("windows", env)
    target = place.startup / "budgetbook.xlam"
    target.write_bytes(b"changed by hand")
    r = _run(["addin", "uninstall", "--platform", "windows"], env)
    assert r.exit_code == 1 and "har ändrats" in r.output
    assert target.read_bytes() == b"changed by hand"


def test_build_command_writes_the_addin(tmp_path):
    r = _run(["addin", "build", "--out", str(tmp_path), "--interpreter", "/z/python"], {})
    assert r.exit_code == 0, r.output
    assert inspect_addin((tmp_path / "budgetbook.xlam").read_bytes()).config["INTERPRETER_MAC"] == "/z/python"
