"""The .xlsx package as untrusted input: sniff, bound, and map its structure.

Invariant: nothing here parses a part before the file has passed the format sniff and the
size limits, and every XML part is parsed by defusedxml (no entities, no external
references). What comes out is the workbook's structure (sheets, defined names, Excel
Tables, what code or links it carries), never cell values: those are the sources' job.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

from ..excel_refs import col_index, parse_range  # noqa: F401  (re-exported)
from ..source import TableInfo
from defusedxml.common import DefusedXmlException

# Limits on what is unpacked before parsing (documented in README, "Trasiga filer").
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_PARTS = 5_000
MAX_RATIO = 1_000  # uncompressed/compressed for one part larger than 1 MiB

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
M = "{%s}" % NS_MAIN
R = "{%s}" % NS_REL
P = "{%s}" % NS_PKG_REL


class PackageError(Exception):
    """The file cannot be read as a workbook; ``code`` is the READ-* catalogue code."""

    def __init__(self, code: str, **params: str):
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


@dataclass(frozen=True)
class SheetInfo:
    name: str
    part: str  # e.g. xl/worksheets/sheet1.xml
    state: str = "visible"  # visible | hidden | veryHidden


@dataclass
class Package:
    path: str
    data: bytes
    zip: zipfile.ZipFile
    sheets: list[SheetInfo]
    defined_names: dict[str, tuple[str, str]]  # lower-cased name → (sheet, A1 ref)
    tables: list[TableInfo]
    has_vba: bool = False
    external_links: int = 0
    connections: bool = False
    sha256: str = ""
    _cache: dict[str, bytes] = field(default_factory=dict)

    def part(self, name: str) -> bytes:
        if name not in self._cache:
            self._cache[name] = self.zip.read(name)
        return self._cache[name]

    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None


def sniff(head: bytes, suffix: str) -> str | None:
    """Name what a non-xlsx file is, from its first bytes; None when it looks like a zip."""
    if not head:
        return "filen är tom"
    if head.startswith(b"PK\x03\x04"):
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # OLE compound file: an old .xls, or an encrypted .xlsx (Excel wraps those in OLE).
        return "ole"
    if head.startswith(b"%PDF"):
        return "en PDF-fil"
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff" or head[:4] in (b"GIF8", b"II*\x00", b"MM\x00*"):
        return "en bildfil"
    if head.startswith(b"PK\x05\x06"):
        return "ett tomt zip-arkiv"
    try:
        head.decode("utf-8")
        return "en textfil (t.ex. CSV)" if suffix.lower() != ".xml" else "en XML-fil"
    except UnicodeDecodeError:
        return "en okänd binärfil"


def _ole_kind(data: bytes) -> str:
    # Encrypted OOXML carries the stream names EncryptionInfo/EncryptedPackage (UTF-16).
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return "encrypted"
    return "xls"


def parse_xml(data: bytes, part: str):
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise PackageError("READ-006", part=part) from exc
    except SafeET.ParseError as exc:
        raise PackageError("READ-004", reason=f"{part}: {exc}") from exc


def open_package(path: str | Path, data: bytes | None = None) -> Package:
    """Open and map a workbook file; raises PackageError (never anything else) on bad input."""
    path = str(path)
    if data is None:
        try:
            p = Path(path)
            size = p.stat().st_size
            if size > MAX_FILE_BYTES:
                raise PackageError("READ-005", reason=f"filen är {size // 1_048_576} MiB, gränsen {MAX_FILE_BYTES // 1_048_576} MiB")
            data = p.read_bytes()
        except PackageError:
            raise
        except FileNotFoundError:
            raise PackageError("READ-001", reason="filen finns inte") from None
        except PermissionError:
            raise PackageError("READ-001", reason="behörighet saknas att läsa filen") from None
        except IsADirectoryError:
            raise PackageError("READ-001", reason="det är en mapp, inte en fil") from None
        except OSError as exc:
            raise PackageError("READ-001", reason=str(exc.strerror or exc)) from None
    suffix = Path(path).suffix
    what = sniff(data[:16], suffix)
    if what == "ole":
        if _ole_kind(data) == "encrypted":
            raise PackageError("READ-003")
        raise PackageError("READ-002", detected="en äldre Excel-fil (.xls, Excel 97–2003)")
    if what:
        raise PackageError("READ-002", detected=what)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PackageError("READ-004", reason=f"zip-arkivet är trasigt ({exc})") from None
    _check_limits(infos)
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        raise PackageError("READ-002", detected="en binär Excel-arbetsbok (.xlsb)")
    if "content.xml" in names and "mimetype" in names:
        raise PackageError("READ-002", detected="ett OpenDocument-kalkylark (.ods)")
    if "[Content_Types].xml" not in names:
        raise PackageError("READ-002", detected="ett zip-arkiv som inte är en Excel-arbetsbok")
    try:
        return _map(path, data, zf, names)
    except PackageError:
        raise
    except (KeyError, zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise PackageError("READ-004", reason=str(exc) or type(exc).__name__) from None
    except Exception as exc:  # zlib.error and friends from a damaged part
        raise PackageError("READ-004", reason=f"{type(exc).__name__}: {exc}") from None


def _check_limits(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise PackageError("READ-005", reason=f"{len(infos)} delar i arkivet, gränsen {MAX_PARTS}")
    total = 0
    for i in infos:
        total += i.file_size
        if i.file_size > 1_048_576 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise PackageError("READ-005", reason=f"delen {i.filename} packas upp {i.file_size // max(i.compress_size, 1)} gånger (zip-bomb?)")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise PackageError("READ-005", reason=f"{total // 1_048_576} MiB uppackat, gränsen {MAX_UNCOMPRESSED_BYTES // 1_048_576} MiB")


def _rels(zf: zipfile.ZipFile, names: set[str], part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type suffix, target part) for a part."""
    folder, base = posixpath.split(part)
    rel_part = posixpath.join(folder, "_rels", base + ".rels")
    if rel_part not in names:
        return {}
    root = parse_xml(zf.read(rel_part), rel_part)
    out = {}
    for rel in root.iter(P + "Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            resolved = target
        elif target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], resolved)
    return out


_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def split_ref(text: str) -> tuple[str, str] | None:
    """'Uppgifter'!$B$3 → ('Uppgifter', 'B3'); None for anything else (formulas, #REF!)."""
    m = _REF.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    return sheet, f"{m.group(3)}{m.group(4)}"


def _map(path: str, data: bytes, zf: zipfile.ZipFile, names: set[str]) -> Package:
    root_rels = _rels(zf, names, "")
    wb_part = next((t for typ, t in root_rels.values() if typ == "officeDocument"), "xl/workbook.xml")
    if wb_part not in names:
        raise PackageError("READ-004", reason="arbetsboksdelen saknas")
    wb = parse_xml(zf.read(wb_part), wb_part)
    wb_rels = _rels(zf, names, wb_part)
    sheets = []
    for s in wb.iter(M + "sheet"):
        rid = s.get(R + "id", "")
        typ, target = wb_rels.get(rid, ("", ""))
        if typ != "worksheet":
            continue  # chartsheets and dialog sheets hold no tables
        sheets.append(SheetInfo(s.get("name", ""), target, s.get("state", "visible")))
    defined = {}
    for dn in wb.iter(M + "definedName"):
        if dn.get("localSheetId") is not None:
            continue  # sheet-scoped names are the user's own
        ref = split_ref(dn.text or "")
        if ref:
            defined[dn.get("name", "").lower()] = ref
    tables = []
    for sh in sheets:
        for typ, target in _rels(zf, names, sh.part).values():
            if typ != "table" or target not in names:
                continue
            t = parse_xml(zf.read(target), target)
            cols = tuple(c.get("name", "") for c in t.iter(M + "tableColumn"))
            tables.append(TableInfo(
                name=t.get("displayName") or t.get("name", ""),
                sheet=sh.name,
                ref=t.get("ref", ""),
                header_rows=int(t.get("headerRowCount", "1")),
                totals_rows=int(t.get("totalsRowCount", "0")),
                columns=cols,
            ))
    return Package(
        path=path,
        data=data,
        zip=zf,
        sheets=sheets,
        defined_names=defined,
        tables=tables,
        has_vba=any(n.lower().endswith("vbaproject.bin") for n in names),
        external_links=sum(1 for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml")),
        connections="xl/connections.xml" in names,
        sha256=hashlib.sha256(data).hexdigest(),
    )


col_to_index = col_index


