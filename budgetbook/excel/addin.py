"""The budgetbook.xlam add-in, built from the installed xlwings' own ribbon template.

Invariant: the add-in's VBA (xl/vbaProject.bin) is the installed xlwings release's
``quickstart_addin_ribbon.xlam`` byte for byte, and that release is the one pinned in
pyproject.toml (the build refuses otherwise), so the VBA and the Python side of xlwings
always match. Only three things change: customUI/customUI.xml (the budgetbook tab with its
Validera button, bound to the template's own callback ``RibbonMyAddin.RunMain``), the
configuration sheet's name (``_myaddin.conf`` → ``xlwings.conf``, wherever it is named)
and that sheet's values (interpreter, ADD_WORKBOOK_TO_PYTHONPATH = false). The package is
edited as a zip of XML parts (openpyxl does not open .xlam): parsed with defusedxml to
read, changed by exact text edits so every namespace prefix the parts declare (mc:Ignorable
refers to them by name) survives, and the result is read back and checked before it is
returned.

Installing copies the built file into Excel's startup folder and records what it wrote in
a manifest in the user's budgetbook folder (never in the startup folder: Excel opens every
file there), so uninstalling removes exactly that and nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree as SafeET

ADDIN_FILE = "budgetbook.xlam"  # RibbonMyAddin.RunMain imports the module named like the file
TEMPLATE_FILE = "quickstart_addin_ribbon.xlam"
TEMPLATE_CONF_SHEET = "_myaddin.conf"
CONF_SHEET = "xlwings.conf"  # the name xlwings' GetConfig reads
RIBBON_CALLBACK = "RibbonMyAddin.RunMain"
VBA_PART = "xl/vbaProject.bin"
CUSTOMUI_PART = "customUI/customUI.xml"
ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
UI_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
M, R, P, CT = ("{%s}" % n for n in (NS_MAIN, NS_REL, NS_PKG_REL, NS_CT))

# The ribbon: one tab, one group, one button. DataValidation is Excel's own "Data
# Validation" icon (Data tab), the closest built-in picture of what the button does.
TAB_LABEL, GROUP_LABEL, BUTTON_LABEL = "budgetbook", "Kontroll", "Validera"
BUTTON_IMAGE = "DataValidation"
SCREENTIP = "Validera arbetsboken"
SUPERTIP = ("Kontrollerar den öppna arbetsboken mot budgetbooks regler, även ändringar som inte är "
            "sparade. Avvikelserna listas på bladet Kontroll med länk till cellen, och cellerna markeras.")

PLATFORMS = ("windows", "mac")
MAC_OFFICE_CONTAINER = ("Library", "Group Containers", "UBF8T346G9.Office")
MAC_SCRIPTS = ("Library", "Application Scripts", "com.microsoft.Excel")
MANIFEST_FILE = "addin-install.json"


class AddinError(Exception):
    """The add-in cannot be built or installed; the message says why and what to do."""


# --- configuration ------------------------------------------------------------------------

@dataclass(frozen=True)
class AddinConfig:
    """What the add-in's xlwings.conf sheet holds (keys as xlwings compares them: upper case)."""

    interpreter_win: str
    interpreter_mac: str

    def rows(self) -> list[tuple[str, str]]:
        return [("INTERPRETER_WIN", self.interpreter_win),
                ("INTERPRETER_MAC", self.interpreter_mac),
                # Never put the unit workbook's folder (a budgetbook.py lying there) or the
                # add-in's folder on sys.path: the installed budgetbook is what runs.
                ("ADD_WORKBOOK_TO_PYTHONPATH", "false")]

    @classmethod
    def for_interpreter(cls, interpreter: str | None = None, running: str | None = None) -> "AddinConfig":
        """The interpreter keys: ``--interpreter`` for both, else the Python running budgetbook.

        The running Python only ever fills the key of the platform it runs on (``running``,
        default this machine's); the other platform's key stays empty, never a path from
        another system (``interpreter_needed`` says when that matters). On Windows
        pythonw.exe (beside python.exe) is preferred: the same interpreter without a console
        window flashing up when the button is pressed.
        """
        if interpreter:
            return cls(interpreter, interpreter)
        running = current_platform() if running is None else running
        exe = sys.executable
        if running == "windows":
            w = Path(exe).with_name("pythonw.exe")
            return cls(str(w) if Path(exe).name.lower() == "python.exe" and w.exists() else exe, "")
        return cls("", exe if running == "mac" else "")


def interpreter_needed(platform: str | None, interpreter: str | None, running: str | None = None) -> str | None:
    """Why ``--interpreter`` is required (in Swedish), or None: an add-in for another platform
    than this one (``platform`` None: any) cannot name the running Python."""
    if interpreter:
        return None
    running = current_platform() if running is None else running
    if running in PLATFORMS and platform in (None, running):
        return None
    target = {"windows": "Windows", "mac": "Mac"}.get(platform or "", "Windows eller Mac")
    here = {"windows": "Windows", "mac": "Mac"}.get(running or "", sys.platform.capitalize())
    return (f"Tillägget är för {target} men budgetbook körs på {here}, så den här datorns Python kan "
            f"inte skrivas in. Ange Python på den dator där Excel körs: --interpreter SÖKVÄG "
            f"(t.ex. C:\\Python311\\pythonw.exe eller /usr/local/bin/python3).")


# --- the pin ------------------------------------------------------------------------------

def installed_xlwings_version() -> str:
    try:
        return importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError:
        raise AddinError("xlwings är inte installerat i denna Python; kör pip install budgetbook.") from None


def pinned_xlwings_version() -> str:
    """The xlwings version budgetbook pins: pyproject.toml in a source checkout, else the
    installed distribution's metadata."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    reqs: list[str] = []
    if pyproject.is_file():
        import tomllib

        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        if data.get("project", {}).get("name") == "budgetbook":
            reqs = list(data["project"].get("dependencies", []))
    if not reqs:
        try:
            reqs = importlib.metadata.requires("budgetbook") or []
        except importlib.metadata.PackageNotFoundError:
            reqs = []
    for req in reqs:
        m = re.match(r"^\s*xlwings\s*==\s*([^\s;,]+)", req, re.IGNORECASE)
        if m:
            return m.group(1)
    raise AddinError("Hittar inte vilken xlwings-version budgetbook är låst till (xlwings==… i pyproject.toml).")


def check_pin(installed: str, pinned: str) -> None:
    if installed != pinned:
        raise AddinError(
            f"Installerad xlwings är {installed}, men budgetbook är låst till xlwings {pinned}. "
            f"Tilläggets VBA kopieras från den installerade xlwings och måste höra ihop med "
            f"Python-sidan: kör pip install xlwings=={pinned} (eller uppdatera låsningen i "
            f"pyproject.toml och granska mallen på nytt).")


def template_path() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent / TEMPLATE_FILE


# --- building -----------------------------------------------------------------------------

def build_addin_bytes(config: AddinConfig, template: Path | None = None) -> bytes:
    """The add-in as bytes, from the xlwings ribbon template (checked against the pin)."""
    if template is None:
        check_pin(installed_xlwings_version(), pinned_xlwings_version())
        template = template_path()
    try:
        src = zipfile.ZipFile(template)
    except (OSError, zipfile.BadZipFile) as exc:
        raise AddinError(f"xlwings mall {template} går inte att öppna: {exc}") from None
    with src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
        infos = src.infolist()
    new = dict(parts)
    new[CUSTOMUI_PART] = customui_xml(_customui_namespace(parts)).encode("utf-8")
    wb_part, sheet_part = _conf_sheet_parts(parts)
    old_name = escape(TEMPLATE_CONF_SHEET).encode()
    for name in (wb_part, "docProps/app.xml"):
        if name in new:  # sheet name, defined names, TitlesOfParts
            new[name] = new[name].replace(old_name, escape(CONF_SHEET).encode())
    new[sheet_part] = set_conf_values(parts[sheet_part], _shared_strings(parts), config.rows())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:  # template order and timestamps: only the contents change
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, new[info.filename])
    data = out.getvalue()
    _verify(data, parts[VBA_PART], config)
    return data


def build_addin(out_dir: str | Path, config: AddinConfig, template: Path | None = None) -> Path:
    from .template import atomic_write

    path = Path(out_dir) / ADDIN_FILE
    atomic_write(path, build_addin_bytes(config, template))
    return path


def _customui_namespace(parts: dict[str, bytes]) -> str:
    if CUSTOMUI_PART not in parts:
        raise AddinError(f"xlwings mall saknar {CUSTOMUI_PART}; mallen har ändrats, granska den.")
    root = SafeET.fromstring(parts[CUSTOMUI_PART])
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    actions = {b.get("onAction") for b in root.iter("{%s}button" % ns)}
    if RIBBON_CALLBACK not in actions:
        raise AddinError(f"xlwings mall har inte knappen {RIBBON_CALLBACK}; mallen har ändrats, granska den.")
    return ns


def customui_xml(namespace: str) -> str:
    """The ribbon: tab budgetbook, group Kontroll, button Validera → the template's callback."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<customUI xmlns={quoteattr(namespace)}>\n'
        '  <ribbon>\n'
        '    <tabs>\n'
        f'      <tab id="budgetbookTab" label={quoteattr(TAB_LABEL)}>\n'
        f'        <group id="kontrollGroup" label={quoteattr(GROUP_LABEL)}>\n'
        f'          <button id="valideraButton" label={quoteattr(BUTTON_LABEL)} size="large"'
        f' imageMso={quoteattr(BUTTON_IMAGE)} screentip={quoteattr(SCREENTIP)}'
        f' supertip={quoteattr(SUPERTIP)} onAction={quoteattr(RIBBON_CALLBACK)} />\n'
        '        </group>\n'
        '      </tab>\n'
        '    </tabs>\n'
        '  </ribbon>\n'
        '</customUI>\n'
    )


def _rels_of(parts: dict[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    folder, _, base = part.rpartition("/")
    rel_part = (folder + "/" if folder else "") + "_rels/" + base + ".rels"
    if rel_part not in parts:
        return {}
    out = {}
    for rel in SafeET.fromstring(parts[rel_part]).iter(P + "Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else (folder + "/" if folder else "") + target
        out[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return out


def _workbook_part(parts: dict[str, bytes]) -> str:
    for typ, target in _rels_of(parts, "").values():
        if typ.endswith("/officeDocument"):
            return target
    raise AddinError("xlwings mall saknar arbetsboksdelen; mallen har ändrats, granska den.")


def _conf_sheet_parts(parts: dict[str, bytes], name: str = TEMPLATE_CONF_SHEET) -> tuple[str, str]:
    """(workbook part, worksheet part of the sheet called ``name``)."""
    wb_part = _workbook_part(parts)
    rels = _rels_of(parts, wb_part)
    for s in SafeET.fromstring(parts[wb_part]).iter(M + "sheet"):
        if s.get("name") == name:
            return wb_part, rels[s.get(R + "id", "")][1]
    raise AddinError(f"xlwings mall saknar bladet {name}; mallen har ändrats, granska den.")


def _shared_strings(parts: dict[str, bytes]) -> list[str]:
    wb_part = _workbook_part(parts)
    for typ, target in _rels_of(parts, wb_part).values():
        if typ.endswith("/sharedStrings") and target in parts:
            root = SafeET.fromstring(parts[target])
            return ["".join(t.text or "" for t in si.iter(M + "t")) for si in root.iter(M + "si")]
    return []


def _cell_text(c, shared: list[str]) -> str:
    t = c.get("t")
    if t == "inlineStr":
        return "".join(x.text or "" for x in c.iter(M + "t"))
    v = c.find(M + "v")
    if v is None or v.text is None:
        return ""
    if t == "s":
        return shared[int(v.text)]
    if t == "b":
        return "TRUE" if v.text.strip() == "1" else "FALSE"
    return v.text


def read_conf(sheet_xml: bytes, shared: list[str]) -> dict[str, str]:
    """The sheet as xlwings reads it: keys in A (upper-cased) from A1 down to the first
    blank cell, values in B."""
    cells: dict[str, str] = {}
    for c in SafeET.fromstring(sheet_xml).iter(M + "c"):
        cells[c.get("r", "")] = _cell_text(c, shared)
    out = {}
    row = 1
    while cells.get(f"A{row}", ""):
        out[cells[f"A{row}"].upper()] = cells.get(f"B{row}", "")
        row += 1
    return out


def set_conf_values(sheet_xml: bytes, shared: list[str], rows: list[tuple[str, str]]) -> bytes:
    """Set B of each key's row; a key the sheet lacks gets the first blank row of A.

    A key is never written twice: xlwings adds the keys to a Dictionary, and a duplicate
    (after upper-casing) would stop RunPython with a VBA error.
    """
    text = sheet_xml.decode("utf-8")
    root = SafeET.fromstring(sheet_xml)
    keys: dict[str, int] = {}
    row = 1
    a_cells = {c.get("r"): c for c in root.iter(M + "c") if c.get("r", "").startswith("A")}
    while f"A{row}" in a_cells and _cell_text(a_cells[f"A{row}"], shared):
        keys[_cell_text(a_cells[f"A{row}"], shared).upper()] = row
        row += 1
    next_free = row
    for key, value in rows:
        r = keys.get(key.upper())
        if r is None:
            r, next_free = next_free, next_free + 1
            keys[key.upper()] = r
            text = _put_cell(text, r, "A", key)
        text = _put_cell(text, r, "B", value)
    text = _widen_dimension(text, max(keys.values()))
    return text.encode("utf-8")


def _inline(ref: str, value: str, style: str | None) -> str:
    s = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def _put_cell(text: str, row: int, col: str, value: str) -> str:
    """Write an inline string into ``col{row}``, replacing the cell or inserting it in order."""
    ref = f"{col}{row}"
    row_m = re.search(rf'<row\b[^>]*\br="{row}"[^>]*?(/>|>(.*?)</row>)', text, re.S)
    if row_m is None:  # a new row, before the first row below it
        new_row = f'<row r="{row}">{_inline(ref, value, "1")}</row>'
        later = [m for m in re.finditer(r'<row\b[^>]*\br="(\d+)"', text) if int(m.group(1)) > row]
        at = later[0].start() if later else text.index("</sheetData>")
        if not later and "<sheetData/>" in text:
            return text.replace("<sheetData/>", f"<sheetData>{new_row}</sheetData>")
        return text[:at] + new_row + text[at:]
    row_text = row_m.group(0)
    style_m = re.search(r'<c\b[^>]*\br="A%d"[^>]*\bs="(\d+)"' % row, row_text)
    style = style_m.group(1) if style_m else None
    cell_re = re.compile(rf'<c\b[^>]*\br="{ref}"[^>]*?(/>|>.*?</c>)', re.S)
    old = cell_re.search(row_text)
    if old is not None:
        own = re.search(r'\bs="(\d+)"', old.group(0)[:old.group(0).find(">") + 1])
        new_row = row_text[:old.start()] + _inline(ref, value, own.group(1) if own else style) + row_text[old.end():]
    elif row_m.group(1) == "/>":
        new_row = row_text[:-2] + ">" + _inline(ref, value, style) + "</row>"
    else:
        # A before B: insert after the last cell whose column letter sorts before ours.
        cells = list(re.finditer(r'<c\b[^>]*\br="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', row_text, re.S))
        before = [c for c in cells if (len(c.group(1)), c.group(1)) < (len(col), col)]
        at = before[-1].end() if before else row_text.index(">") + 1
        new_row = row_text[:at] + _inline(ref, value, style) + row_text[at:]
    new_row = re.sub(r'\bspans="(\d+):(\d+)"',
                     lambda m: f'spans="{m.group(1)}:{max(int(m.group(2)), _col_num(col))}"', new_row, count=1)
    return text[:row_m.start()] + new_row + text[row_m.end():]


def _col_num(col: str) -> int:
    n = 0
    for ch in col:
        n = n * 26 + ord(ch) - 64
    return n


def _widen_dimension(text: str, last_row: int) -> str:
    """The sheet's used range must cover the rows and column B just written."""
    def widen(m: re.Match) -> str:
        a, _, b = m.group(1).partition(":")
        end = re.match(r"([A-Z]+)(\d+)$", b or a)
        col, row = (end.group(1), int(end.group(2))) if end else ("B", 1)
        col = col if _col_num(col) >= 2 else "B"
        return f'<dimension ref="{a}:{col}{max(row, last_row)}"'
    return re.sub(r'<dimension ref="([A-Z0-9:]+)"', widen, text, count=1)


@dataclass(frozen=True)
class AddinInfo:
    """What a built add-in holds, read back from its XML (for checks, dry runs and tests)."""

    config: dict[str, str]
    sheets: list[str]
    workbook_content_type: str
    vba_sha256: str


def inspect_addin(data: bytes) -> AddinInfo:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    wb_part, sheet_part = _conf_sheet_parts(parts, CONF_SHEET)
    sheets = [s.get("name", "") for s in SafeET.fromstring(parts[wb_part]).iter(M + "sheet")]
    types = SafeET.fromstring(parts["[Content_Types].xml"])
    wb_type = next((o.get("ContentType", "") for o in types.iter(CT + "Override")
                    if o.get("PartName", "").lstrip("/") == wb_part), "")
    return AddinInfo(config=read_conf(parts[sheet_part], _shared_strings(parts)), sheets=sheets,
                     workbook_content_type=wb_type,
                     vba_sha256=hashlib.sha256(parts.get(VBA_PART, b"")).hexdigest())


def _verify(data: bytes, vba: bytes, config: AddinConfig) -> None:
    info = inspect_addin(data)
    conf = info.config
    problems = [f"{k} = {conf.get(k)!r}, väntat {v!r}" for k, v in config.rows() if conf.get(k) != v]
    if info.vba_sha256 != hashlib.sha256(vba).hexdigest():
        problems.append("VBA-projektet skiljer sig från mallens")
    if info.workbook_content_type != ADDIN_CONTENT_TYPE:
        problems.append(f"arbetsboksdelen har innehållstypen {info.workbook_content_type}")
    if problems:
        raise AddinError("Det byggda tillägget blev fel: " + "; ".join(problems))


# --- installing ---------------------------------------------------------------------------

def current_platform() -> str | None:
    return {"win32": "windows", "darwin": "mac"}.get(sys.platform)


@dataclass(frozen=True)
class Place:
    """Where Excel's startup folder and budgetbook's own folder are on a platform."""

    platform: str
    startup: Path | None  # where the add-in goes (shown even when Excel is not found); None: no Excel platform
    excel_marker: Path | None  # the folder whose existence shows Excel is installed
    manifest: Path
    applescript: Path | None = None  # Mac: xlwings' AppleScript, which RunPython needs
    reason: str = ""  # why Excel was not found; empty when it was

    @property
    def found(self) -> bool:
        return self.startup is not None and not self.reason


def locate(platform: str, env: dict[str, str] | None = None) -> Place:
    """Excel's startup folder for ``platform``, from the environment (APPDATA, HOME).

    Where Excel is not found the folder it would have is still given (with ``reason``), so a
    dry run can show the plan.
    """
    env = dict(os.environ if env is None else env)
    if platform == "windows":
        appdata = env.get("APPDATA")
        base = Path(appdata) if appdata else Path("%APPDATA%")
        marker = base / "Microsoft" / "Excel"
        reason = ("miljövariabeln APPDATA saknas" if not appdata else
                  "" if marker.is_dir() else
                  f"mappen {marker} finns inte (Excel är inte installerat eller har aldrig startats)")
        return Place(platform, marker / "XLSTART", marker, base / "budgetbook" / MANIFEST_FILE, reason=reason)
    if platform == "mac":
        home = Path(env.get("HOME") or Path.home())
        container = home.joinpath(*MAC_OFFICE_CONTAINER)
        manifest = home / "Library" / "Application Support" / "budgetbook" / MANIFEST_FILE
        script = home.joinpath(*MAC_SCRIPTS) / f"xlwings-{_xlwings_version_or_pin()}.applescript"
        reason = "" if container.is_dir() else \
            f"mappen {container} finns inte (Office är inte installerat eller har aldrig startats)"
        # Finder shows localized names; on disk the folder may carry the .localized suffix.
        if (container / "User Content.localized").is_dir():
            startup = container / "User Content.localized" / "Startup.localized" / "Excel"
        else:
            startup = container / "User Content" / "Startup" / "Excel"
        return Place(platform, startup, container, manifest, script, reason=reason)
    return Place(platform, None, None, Path(MANIFEST_FILE), reason=f"Excel finns inte för plattformen {platform}")


def _xlwings_version_or_pin() -> str:
    try:
        return installed_xlwings_version()
    except AddinError:
        return pinned_xlwings_version()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class InstallPlan:
    place: Place
    config: AddinConfig
    files: dict[Path, bytes] = field(default_factory=dict)  # what will be written
    dirs: list[Path] = field(default_factory=list)  # folders that will be created
    kept: list[Path] = field(default_factory=list)  # already there and identical: not ours


def plan_install(place: Place, config: AddinConfig) -> InstallPlan:
    if place.startup is None:
        raise AddinError(f"Excel hittades inte: {place.reason}.")
    plan = InstallPlan(place, config)  # also where Excel is not found: a dry run shows it
    target = place.startup / ADDIN_FILE
    data = build_addin_bytes(config)
    previous = {Path(f["path"]): f["sha256"] for f in read_manifest(place).get("files", [])}
    if target.exists() and previous.get(target) != _sha(target.read_bytes()):
        raise AddinError(f"{target} finns redan och är inte den som budgetbook installerade. "
                         "Ta bort eller flytta den själv först (Excel öppnar varje fil i mappen).")
    plan.files[target] = data
    if place.applescript is not None:
        script = template_path().with_name(place.applescript.name)
        body = script.read_bytes()
        if place.applescript.exists() and place.applescript.read_bytes() == body \
                and place.applescript not in previous:
            plan.kept.append(place.applescript)  # xlwings put it there; leave it to xlwings
        else:
            plan.files[place.applescript] = body
    for f in [*plan.files, place.manifest]:
        d = f.parent
        missing = []
        while not d.exists():
            missing.append(d)
            d = d.parent
        plan.dirs.extend(p for p in reversed(missing) if p not in plan.dirs)
    return plan


def read_manifest(place: Place) -> dict:
    try:
        return json.loads(place.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def install(plan: InstallPlan) -> list[Path]:
    from .template import atomic_write

    if not plan.place.found:
        raise AddinError(f"Excel hittades inte: {plan.place.reason}.")

    previous = read_manifest(plan.place)
    dirs = [Path(d) for d in previous.get("dirs", [])]
    for d in plan.dirs:
        d.mkdir(parents=True, exist_ok=True)
        if d not in dirs:
            dirs.append(d)
    files = {Path(f["path"]): f["sha256"] for f in previous.get("files", [])}
    for path, data in plan.files.items():
        atomic_write(path, data)
        files[path] = _sha(data)
    manifest = {"budgetbook_addin": 1, "platform": plan.place.platform,
                "installed": dt.datetime.now().isoformat(timespec="seconds"),
                "config": dict(plan.config.rows()),
                "files": [{"path": str(p), "sha256": s} for p, s in files.items()],
                "dirs": [str(d) for d in dirs]}
    atomic_write(plan.place.manifest, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    return list(plan.files)


@dataclass
class UninstallPlan:
    remove: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)  # ours, but changed since: left alone
    gone: list[Path] = field(default_factory=list)
    dirs: list[Path] = field(default_factory=list)  # removed only if empty
    manifest: Path | None = None


def plan_uninstall(place: Place) -> UninstallPlan:
    manifest = read_manifest(place)
    plan = UninstallPlan(manifest=place.manifest if manifest else None)
    for f in manifest.get("files", []):
        p = Path(f["path"])
        if not p.exists():
            plan.gone.append(p)
        elif _sha(p.read_bytes()) == f["sha256"]:
            plan.remove.append(p)
        else:
            plan.changed.append(p)
    plan.dirs = [Path(d) for d in reversed(manifest.get("dirs", []))]
    return plan


def uninstall(plan: UninstallPlan) -> list[Path]:
    removed = []
    for p in plan.remove:
        p.unlink()
        removed.append(p)
    if plan.manifest is not None and not plan.changed:
        plan.manifest.unlink(missing_ok=True)
        removed.append(plan.manifest)
    for d in plan.dirs:
        try:
            d.rmdir()  # only if empty: a folder install created that holds nothing else now
            removed.append(d)
        except OSError:
            pass
    return removed
