"""The .xlsx package as untrusted input: sniff, bound, and map its structure.

Invariant: nothing here parses a part before the file has passed the format sniff and the
size limits; no XML part with a DTD is parsed at all (so no entity can be declared), and
the parser here refuses DTDs and entities again (parse_elements). What comes out is the
workbook's structure (sheets, defined names, Excel Tables, what code or links it carries),
never cell values: those are the sources' job.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import pyexpat
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..book import BookMeta
from ..excel_refs import col_index, parse_range  # noqa: F401  (parse_range re-exported)
from ..source import TableInfo

# Limits on what is unpacked before parsing (documented in README, "Trasiga och fientliga filer").
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_PARTS = 5_000
MAX_RATIO = 1_000  # uncompressed/compressed for one part larger than 1 MiB
MAX_STRUCTURE_PART_BYTES = 16 * 1024 * 1024  # workbook.xml, relationships, tables: parsed whole here
# Cells a sheet's used range may span up to the last row that is read: calamine allocates
# every cell of that rectangle (one value in XFD1048576 asks for 512 GiB and aborts the process).
MAX_READ_CELLS = 5_000_000

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# Names as expat gives them with namespace_separator="}" (see parse_elements).
M = NS_MAIN + "}"
R = NS_REL + "}"
P = NS_PKG_REL + "}"


class PackageError(Exception):
    """The file cannot be read as a workbook; ``code`` is the READ-* catalogue code."""

    def __init__(self, code: str, **params: str):
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


class EngineFault(Exception):
    """A value reader failed on a file that is not itself broken (calamine panics on some
    out-of-range date serials); read_workbook then reads the file with openpyxl."""


def engine_fault(exc: BaseException) -> bool:
    """A panic inside a Rust extension (pyo3's PanicException derives from BaseException)."""
    return type(exc).__name__ == "PanicException" or isinstance(exc, OverflowError)


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

    # Last row the reader reads per sheet (tables and header names): what calamine is shown.
    read_rows: dict[str, int] = field(default_factory=dict)
    _values: bytes | None = None

    _cut: dict[str, bytes] = field(default_factory=dict)

    def part(self, name: str) -> bytes:
        data = self._cache.get(name)
        if data is None:
            data = self._cache[name] = _member(self.data, self.zip, name)
        return data

    def sheet_xml(self, sheet: SheetInfo) -> bytes:
        """The sheet's XML as far as it is read: cut after its last read row (once)."""
        xml = self._cut.get(sheet.part)
        if xml is None:
            xml = self.part(sheet.part)
            last = self.read_rows.get(sheet.name)
            if last is not None:
                xml = cut_after_row(xml, last)
            self._cut[sheet.part] = xml
        return xml

    def values_data(self) -> bytes:
        """The bytes a value reader (calamine) opens: a copy of the file whose parts already
        decompressed here are stored uncompressed (so they are not inflated twice) and
        whose read sheets are cut after their last read row (so junk far down a sheet costs
        nothing); every other part is copied as it is (openpyxl needs them all)."""
        if self._values is None:
            cuts = {}
            for s in self.sheets:
                if s.name in self.read_rows and s.part in self.zip.NameToInfo:
                    cut = self.sheet_xml(s)
                    if len(cut) != len(self.part(s.part)):
                        cuts[s.part] = cut
            self._values = _restored(self.data, self.zip.infolist(), cuts, self._cache)
            if self._values is None:  # an unusual archive: through zipfile, every part stored
                self._values = self.data if not cuts else self._reduced(cuts)
        return self._values

    def _reduced(self, cuts: dict[str, bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            for info in self.zip.infolist():
                z.writestr(info, cuts.get(info.filename) or _read_part(self.zip, info.filename),
                           compress_type=zipfile.ZIP_STORED)
        return out.getvalue()

    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None


def sniff(head: bytes, suffix: str, name: str = "") -> str | None:
    """Name what a non-xlsx file is, from its first bytes; None when it looks like a zip."""
    if name.startswith("~$") or name.startswith(".~lock."):
        return "en låsfil som Excel eller LibreOffice lägger bredvid en öppen arbetsbok, inte själva arbetsboken"
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
    text = _as_text(head)
    if text is None:
        return "en okänd binärfil"
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<meta")):
        return "en webbsida (HTML), som vissa system sparar med filändelsen .xls"
    if start.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "ett Excel 2003 XML-kalkylark"
    if start.startswith("<"):
        return "en XML-fil"
    return "en textfil (t.ex. CSV)"


def _as_text(head: bytes) -> str | None:
    """The file's first bytes as text when they look like text (UTF-8, UTF-16, Windows-1252)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "ignore")
    for enc, trim in (("utf-8", 0), ("utf-8", 1), ("utf-8", 2), ("utf-8", 3), ("cp1252", 0)):
        try:  # the head may end inside a multi-byte character
            text = head[:len(head) - trim].decode(enc)
        except UnicodeDecodeError:
            continue
        if all(ch.isprintable() or ch in "\r\n\t\ufeff" for ch in text):
            return text
    return None


def _ole_kind(data: bytes) -> str:
    # Encrypted OOXML carries the stream names EncryptionInfo/EncryptedPackage (UTF-16).
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return "encrypted"
    return "xls"


def _refuse_dtd(*_args) -> None:
    raise _Forbidden


class _Forbidden(Exception):
    pass


def parse_elements(data: bytes, part: str, wanted: frozenset[str], text: str | None = None) -> tuple:
    """The wanted elements of an XML part, in document order: (tag, attributes, text), names
    as "namespace}local". Text is collected only for the element named ``text``.

    The unit workbooks of one template carry the same structure parts, byte for byte, so a
    small part's answer is kept by its bytes (and read-only to every caller).
    """
    if len(data) > _PARSED_PART_BYTES:
        return _parse_elements(data, part, wanted, text)
    key = (data, wanted, text)
    hit = _PARSED.get(key)
    if hit is None:
        hit = _remember(_PARSED, key, _parse_elements(data, part, wanted, text))
    return hit


def _remember(memo: dict, key, value):
    """``value`` kept in a memo of at most _PARSED_ENTRIES entries (emptied when full)."""
    if len(memo) >= _PARSED_ENTRIES:
        memo.clear()
    memo[key] = value
    return value


_PARSED: dict[tuple, tuple] = {}
# A template's structure parts are a few KiB (workbook.xml about 3, a table under 1) and one
# workbook has about 15; the bounds keep what a long-running process (the Excel add-in) or a
# file with hundreds of odd parts can pin to a few MiB.
_PARSED_ENTRIES, _PARSED_PART_BYTES = 128, 16 * 1024


def _parse_elements(data: bytes, part: str, wanted: frozenset[str], text: str | None) -> tuple:
    """parse_elements without the memo.

    A plain expat pass, no tree: the structure parts (workbook, relationships, tables) are
    parsed for every file read. Safe as defusedxml is: every part's prolog was checked for a
    DTD before any parsing (_check_prologs), and a DTD, entity declaration or external
    entity reaching expat is refused here too (READ-006).
    """
    out: list = []
    p = pyexpat.ParserCreate(namespace_separator="}")
    p.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = p.EntityDeclHandler = p.UnparsedEntityDeclHandler = _refuse_dtd
    p.ExternalEntityRefHandler = _refuse_dtd
    p.buffer_text = True
    if text is None:
        def start(tag, attrs):
            if tag in wanted:
                out.append((tag, attrs, None))
    else:
        pieces: list[str] = []

        def start(tag, attrs):
            p.CharacterDataHandler = None  # like ElementTree's .text: what comes before a child
            if tag in wanted:
                out.append((tag, attrs, None))
                if tag == text:
                    pieces.clear()
                    p.CharacterDataHandler = pieces.append

        def end(tag):
            if tag == text and out and out[-1][0] == text:
                p.CharacterDataHandler = None
                out[-1] = (tag, out[-1][1], "".join(pieces))

        p.EndElementHandler = end
    p.StartElementHandler = start
    try:
        p.Parse(data, True)
    except _Forbidden:
        raise PackageError("READ-006", part=part) from None
    except pyexpat.ExpatError as exc:
        raise PackageError("READ-004", reason=f"{part}: {exc}") from None
    return tuple(out)


def open_package(path: str | Path, data: bytes | None = None) -> Package:
    """Open and map a workbook file; raises PackageError (never anything else) on bad input."""
    path = str(path)
    if data is None:
        data = _read_file(Path(path))
    suffix = Path(path).suffix
    what = sniff(data[:512], suffix, Path(path).name)
    if what == "ole":
        if _ole_kind(data) == "encrypted":
            raise PackageError("READ-003")
        raise PackageError("READ-002", detected="en äldre Excel-fil (.xls, Excel 97–2003)")
    if what:
        raise PackageError("READ-002", detected=what)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
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
        cache: dict[str, bytes] = {}
        _check_prologs(data, zf, infos, cache)
        package = _map(path, data, zf, names, cache)
        _check_used_ranges(package)
        return package
    except PackageError:
        raise
    except Exception as exc:  # zlib.error, BadZipFile (CRC), EOFError … from a damaged part
        raise PackageError("READ-004", reason=_damage(exc)) from None


def _read_file(p: Path) -> bytes:
    """The file's bytes, refusing what is not a regular file (a FIFO would block, /dev/zero never end)."""
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise PackageError("READ-001", reason="det är en mapp, inte en fil")
        if not stat.S_ISREG(st.st_mode):
            raise PackageError("READ-001", reason="det är ingen vanlig fil (en enhet, ett rör eller en socket)")
        if st.st_size > MAX_FILE_BYTES:
            raise PackageError("READ-005", reason=f"filen är {st.st_size // 1_048_576} MiB, gränsen "
                                                  f"{MAX_FILE_BYTES // 1_048_576} MiB")
        with open(p, "rb", buffering=0) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the stat
                raise PackageError("READ-001", reason="det är ingen vanlig fil")
            data = fh.read(min(st.st_size, MAX_FILE_BYTES) + 1)  # read(n) allocates n up front
            if len(data) > st.st_size:  # it grew after the stat
                data += fh.read(MAX_FILE_BYTES + 1 - len(data))
        if len(data) > MAX_FILE_BYTES:
            raise PackageError("READ-005", reason=f"filen är större än {MAX_FILE_BYTES // 1_048_576} MiB")
        return data
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


def _damage(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise PackageError("READ-004", reason=f"delen {name} saknas") from None
    except Exception as exc:  # zlib.error, a bad CRC, a truncated member
        raise PackageError("READ-004", reason=f"{name}: {_damage(exc)}") from None


MAX_PROLOG_BYTES = 64 * 1024  # Excel writes ~60 bytes before the root element


def _check_prologs(data: bytes, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo],
                   cache: dict[str, bytes]) -> None:
    """Refuse any XML part with a DTD, before any parser sees it.

    OOXML forbids DTDs (OPC M1.17), so one is always manipulation: entity expansion
    ("billion laughs") or external entities. parse_elements refuses them where this module
    parses and defusedxml where openpyxl does, but calamine would read such a sheet with
    the entities silently dropped; checking here gives both engines one answer. Only the
    prolog, up to the root element, is decompressed; a prolog longer than any writer
    makes is refused the same way.

    The small parts reading goes on to parse (sheets, tables, relationships, workbook) are
    decompressed whole here, once, and kept in ``cache``; the rest only as far as the prolog.
    """
    for info in infos:
        name = info.filename
        if not name.endswith((".xml", ".rels", ".vml")) and not _looks_like_xml(data, zf, info):
            continue  # an image or a binary part; XML under another name is checked all the same
        head = None
        if info.file_size <= _EAGER_BYTES and (name.startswith(_EAGER_PREFIXES) or name.endswith(".rels")):
            head = _inflate(data, info)
            if head is not None:
                cache[name] = head
        if head is None:
            head = _inflate(data, info, 1024)
        if head is not None:
            if _plain_prolog(head):
                continue
            prolog, complete = _prolog(head[:1024])  # the root element is near the start
            if not complete and len(head) > 1024:
                prolog, complete = _prolog(head[:MAX_PROLOG_BYTES + 4096])
            if "<!DOCTYPE" in prolog or "<!ENTITY" in prolog:
                raise PackageError("READ-006", part=name)
            if complete:
                continue
            if len(head) == info.file_size:  # all of it seen, and no root element
                if len(head) > MAX_PROLOG_BYTES:
                    raise PackageError("READ-006", part=name)
                continue
        with zf.open(info) as fh:  # a prolog past the first bytes, or an unusual member
            head = b""
            while True:
                chunk = fh.read(4096)
                head += chunk
                prolog, complete = _prolog(head)
                if "<!DOCTYPE" in prolog or "<!ENTITY" in prolog or (
                        not complete and len(head) > MAX_PROLOG_BYTES):
                    raise PackageError("READ-006", part=info.filename)
                if complete or not chunk:
                    break


# Parts decompressed whole during the prolog check, because reading parses them anyway.
_EAGER_BYTES = 1 << 20
_EAGER_PREFIXES = ("xl/worksheets/", "xl/tables/", "xl/workbook.xml")


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int | None:
    """Where a member's data begin, after its local header; None for an encrypted member or
    a damaged header (the callers then go through zipfile)."""
    off = info.header_offset
    if data[off:off + 4] != b"PK\x03\x04" or info.flag_bits & 1 or len(data) < off + 30:
        return None
    n, e = struct.unpack_from("<HH", data, off + 26)
    return off + 30 + n + e


def _inflate(data: bytes, info: zipfile.ZipInfo, size: int | None = None) -> bytes | None:
    """A member's bytes straight from the archive: whole and CRC-checked, or with ``size``
    at most its first ``size`` bytes. None when anything is unusual (encrypted, another
    method, a damaged header or stream): the caller then reads through zipfile, which
    raises what it raises. zipfile's per-member file objects cost more than the work here.
    """
    start = _data_start(data, info)
    if start is None:
        return None
    end = start + info.compress_size
    if end > len(data):
        return None
    want = info.file_size if size is None else min(size, info.file_size)
    try:
        if info.compress_type == zipfile.ZIP_STORED:
            out = data[start:start + want]
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            d = zlib.decompressobj(-15)
            if size is None:
                out = d.decompress(memoryview(data)[start:end], want + 1)
            else:  # fed in steps: a huge part's tail is never copied
                out = b""
                pos = start
                while len(out) < want and pos < end:
                    step = min(pos + 4096, end)
                    out += d.decompress(memoryview(data)[pos:step], want - len(out))
                    pos = step
        else:
            return None
    except zlib.error:
        return None
    if size is None and (len(out) != info.file_size or zlib.crc32(out) != info.CRC):
        return None
    return out


_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")


def _restored(data: bytes, infos: list[zipfile.ZipInfo], cuts: dict[str, bytes],
              inflated: dict[str, bytes]) -> bytes | None:
    """The archive again, written here: the parts in ``cuts`` (changed) and ``inflated``
    (whole, CRC-checked by _inflate) stored uncompressed, every other part's compressed
    bytes copied as they are. None when a member is unusual (encrypted, a damaged local
    header): the caller then goes through zipfile. Writing it costs a few microseconds a
    part; a value reader then inflates only what nobody here did."""
    pieces: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for info in infos:
        start = _data_start(data, info)
        if start is None:
            return None
        name = info.filename.encode("utf-8")  # as the central directory names it
        flags = 0 if name.isascii() else 0x800  # bit 11: the name is UTF-8
        body = cuts.get(info.filename)
        if body is not None:
            crc, method, size, csize = zlib.crc32(body), zipfile.ZIP_STORED, len(body), len(body)
        else:
            body = inflated.get(info.filename)
            if body is not None and len(body) == info.file_size:
                crc, method, size, csize = info.CRC, zipfile.ZIP_STORED, len(body), len(body)
            else:
                body = data[start:start + info.compress_size]
                if len(body) != info.compress_size:
                    return None
                crc, method, size, csize = info.CRC, info.compress_type, info.file_size, info.compress_size
        time_, date = struct.unpack_from("<HH", data, info.header_offset + 10)
        pieces += (_LOCAL.pack(b"PK\x03\x04", 20, flags, method, time_, date, crc, csize, size, len(name), 0),
                   name, body)
        central += (_CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, method, time_, date, crc, csize, size, len(name),
                                  0, 0, 0, 0, 0, offset), name)
        offset += 30 + len(name) + csize
    directory = b"".join(central)
    pieces += (directory, _END.pack(b"PK\x05\x06", 0, 0, len(infos), len(infos), len(directory), offset, 0))
    return b"".join(pieces)


def _member(data: bytes, zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.NameToInfo.get(name)
    out = _inflate(data, info) if info is not None else None
    return out if out is not None else _read_part(zf, name)


def _prolog(head: bytes) -> tuple[str, bool]:
    """The text before the root element, without comments and processing instructions, and
    whether the root element was reached (a "<a" inside a comment is no root element)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in head[:4]:
        text = head.decode("utf-16", "ignore")
    else:
        text = head.decode("utf-8", "ignore")
    kept, i = [], 0
    while True:
        m = _PROLOG_MARK.search(text, i)
        if m is None:
            return "".join(kept) + text[i:], False
        kept.append(text[i:m.start()])
        if m.group() in ("<!--", "<?"):
            end = text.find("-->" if m.group() == "<!--" else "?>", m.end())
            if end < 0:
                return "".join(kept), False
            i = end + (3 if m.group() == "<!--" else 2)
            continue
        return "".join(kept), True  # the root element's start tag


_PROLOG_MARK = re.compile(r"<!--|<\?|<[A-Za-z_]")


def _plain_prolog(head: bytes) -> bool:
    """Whether a part begins as every writer's does: at most an XML declaration and white
    space before the root element (so _prolog would find it complete, with no DTD)."""
    i = 0
    if head.startswith(b"<?"):
        i = head.find(b"?>", 2)
        if i < 0:
            return False
        i += 2
        while head[i:i + 1] in _XML_SPACE:
            i += 1
    return head[i:i + 1] == b"<" and head[i + 1:i + 2] in _NAME_START


_XML_SPACE = frozenset([b" ", b"\t", b"\r", b"\n"])
_NAME_START = frozenset(bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _looks_like_xml(data: bytes, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part whose name says nothing begins as XML does (so its prolog is checked).
    An image or binary part is never judged as XML, even one zipfile must unpack."""
    head = _inflate(data, info, 64)
    if head is None:
        try:
            with zf.open(info) as fh:
                head = fh.read(64)
        except Exception:  # damaged: whoever reads the part reports it; no prolog to check
            return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "ignore").encode()
    return head.lstrip(b"\xef\xbb\xbf \t\r\n\0").startswith(b"<")


_ROW_START = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
# Every row start tag's number, b"" where it has none (or for </x:row>: the exact loop below
# then decides). Anchored on the literal "row": several times faster than on "<".
_ROW_NUMBERS = re.compile(rb'row\b(?<=<row|:row)(?:[^>]*?\br="(\d+)")?')
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")


def cut_after_row(xml: bytes, max_row: int) -> bytes:
    """The sheet XML without the rows after ``max_row`` (row numbers may jump).

    Stops at the first row numbered past ``max_row``; a sheet whose rows carry no numbers
    is left whole (calamine counts those rows itself, so its work stays proportional).
    """
    # Usually no row goes past max_row: one scan in C says so (b"" for a row without r=).
    numbers = _ROW_NUMBERS.findall(xml)
    if b"" not in numbers and max(map(int, numbers), default=0) <= max_row:
        return xml
    for m in _ROW_START.finditer(xml):
        num = _ROW_NUMBER.search(m.group(1))
        if num is None:
            return xml
        if int(num.group(1)) > max_row:
            end = _SHEET_DATA_END.search(xml, m.start())
            return xml[:m.start()] + (xml[end.start():] if end else b"")
    return xml


_VALUE_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})\d+"[^>]*(?<!/)>')


def _check_used_ranges(package: "Package") -> None:
    """Refuse a sheet whose cells up to its last read row span more than MAX_READ_CELLS."""
    for s in package.sheets:
        last = package.read_rows.get(s.name)
        if last is None or s.part not in package.zip.NameToInfo:
            continue
        xml = package.sheet_xml(s)
        rows = _last_row(xml)
        if rows * 16_384 <= MAX_READ_CELLS:  # even a value in column XFD keeps it small
            continue
        width = max((col_index(c.decode()) for c in set(_VALUE_CELL.findall(xml))), default=0)
        if rows * width > MAX_READ_CELLS:
            limit = f"{MAX_READ_CELLS:,}".replace(",", " ")
            raise PackageError("READ-005", reason=f"bladet {s.name} används ner till rad {rows} och kolumn "
                                                  f"{width}, mer än {limit} celler")


def _last_row(xml: bytes) -> int:
    i = xml.rfind(b"<row ")
    j = xml.rfind(b":row ")
    k = max(i, j)
    if k < 0:
        return 0
    m = _ROW_NUMBER.search(xml, k, k + 200)
    return int(m.group(1)) if m else 0


def _check_limits(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise PackageError("READ-005", reason=f"{len(infos)} delar i arkivet, gränsen {MAX_PARTS}")
    total = 0
    for i in infos:
        total += i.file_size
        if i.file_size > 1_048_576 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise PackageError("READ-005", reason=f"delen {i.filename} packas upp {i.file_size // max(i.compress_size, 1)} gånger (en zip-bomb)")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise PackageError("READ-005", reason=f"{total // 1_048_576} MiB uppackat, gränsen {MAX_UNCOMPRESSED_BYTES // 1_048_576} MiB")
    # Members whose data overlap: no writer makes them; they are how a small file claims many
    # large parts (the "non-recursive" zip bomb), which every copy or inflate would multiply.
    # Each member's local header (30 bytes) and data must end before the next one starts.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in zip(ordered, ordered[1:]):
        if a.header_offset + 30 + a.compress_size > b.header_offset:
            raise PackageError("READ-005", reason=f"delarna {a.filename} och {b.filename} överlappar "
                                                  "varandra i arkivet (en zip-bomb)")


_RELATIONSHIP = frozenset([P + "Relationship"])


def _rels(parts: "_Parts", part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type suffix, target part) for a part."""
    folder, base = posixpath.split(part)
    rel_part = posixpath.join(folder, "_rels", base + ".rels")
    if rel_part not in parts.names:
        return {}
    data = parts.structure(rel_part)
    key = (data, folder)
    out = _RELS.get(key)  # read-only to callers, like parse_elements's answers
    if out is None:
        out = _resolve_rels(parse_elements(data, rel_part, _RELATIONSHIP), folder)
        if len(data) <= _PARSED_PART_BYTES:
            _remember(_RELS, key, out)
    return out


_RELS: dict[tuple[bytes, str], dict[str, tuple[str, str]]] = {}


def _resolve_rels(rels: tuple, folder: str) -> dict[str, tuple[str, str]]:
    out = {}
    for _, rel, _ in rels:
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
    if not (1 <= int(m.group(4)) <= 1_048_576 and col_index(m.group(3)) <= 16_384):
        return None  # beyond the sheet: a damaged or hostile name
    return sheet, f"{m.group(3)}{m.group(4)}"


@dataclass
class _Parts:
    """The archive's members while the package is mapped."""

    data: bytes
    zip: zipfile.ZipFile
    names: set[str]
    cache: dict[str, bytes]
    read: set[str] = field(default_factory=set)  # every part structure() gave

    def structure(self, name: str) -> bytes:
        """A part this module parses whole (workbook, relationships, tables): bounded in size."""
        self.read.add(name)
        size = self.zip.getinfo(name).file_size
        if size > MAX_STRUCTURE_PART_BYTES:
            raise PackageError("READ-005", reason=f"delen {name} är {size // 1_048_576} MiB, gränsen "
                                                  f"{MAX_STRUCTURE_PART_BYTES // 1_048_576} MiB")
        out = self.cache.get(name)
        if out is None:
            out = self.cache[name] = _member(self.data, self.zip, name)
        return out


_OTHER_OFFICE = {"word/": "ett Word-dokument (.docx)", "ppt/": "en PowerPoint-presentation (.pptx)"}


_WORKBOOK = frozenset([M + "sheet", M + "definedName"])
_TABLE = frozenset([M + "table", M + "tableColumn"])


def _map(path: str, data: bytes, zf: zipfile.ZipFile, names: set[str], cache: dict[str, bytes]) -> Package:
    # The unit workbooks of one template share their structure parts byte for byte: what
    # they map to is kept by the member names and the bytes of the parts decompressed so far
    # but the sheets themselves, when those hold every part the mapping read.
    structure = [(n, b) for n, b in cache.items() if not n.startswith("xl/worksheets/") or n.endswith(".rels")]
    key = (frozenset(names), tuple(structure))
    mapped = _STRUCTURES.get(key)
    if mapped is None:
        parts = _Parts(data, zf, names, cache)
        mapped = _structure(parts, names)
        # the names count too: within the file limit they can be tens of MiB, kept by the key
        kept = sum(len(b) for _, b in structure) + sum(map(len, names))
        if parts.read <= {n for n, _ in structure} and kept <= _STRUCTURE_KEY_BYTES:
            _remember(_STRUCTURES, key, mapped)
    sheets, defined, tables, read_rows, has_vba, external_links, connections = mapped
    return Package(
        path=path,
        data=data,
        zip=zf,
        sheets=list(sheets),  # copies: a Package's lists are its own
        defined_names=dict(defined),
        tables=list(tables),
        read_rows=dict(read_rows),
        has_vba=has_vba,
        external_links=external_links,
        connections=connections,
        sha256=hashlib.sha256(data).hexdigest(),
        _cache=cache,
    )


_STRUCTURES: dict[tuple, tuple] = {}
_STRUCTURE_KEY_BYTES = 256 * 1024  # a template's structure parts are some 15 KiB


def _structure(parts: _Parts, names: set[str]) -> tuple:
    """(sheets, defined names, tables, last read row per sheet, VBA, external links,
    connections) of the package; read-only once made (_map copies what a Package holds)."""
    root_rels = _rels(parts, "")
    wb_part = next((t for typ, t in root_rels.values() if typ == "officeDocument"), "xl/workbook.xml")
    for prefix, what in _OTHER_OFFICE.items():
        if wb_part.startswith(prefix):
            raise PackageError("READ-002", detected=what)
    if wb_part not in names:
        raise PackageError("READ-004", reason="arbetsboksdelen saknas")
    wb = parse_elements(parts.structure(wb_part), wb_part, _WORKBOOK, text=M + "definedName")
    wb_rels = _rels(parts, wb_part)
    sheets = []
    for tag, s, _ in wb:
        if tag != M + "sheet":
            continue
        rid = s.get(R + "id", "")
        typ, target = wb_rels.get(rid, ("", ""))
        if typ != "worksheet":
            continue  # chartsheets and dialog sheets hold no tables
        sheets.append(SheetInfo(s.get("name", ""), target, s.get("state", "visible")))
    defined = {}
    read_rows: dict[str, int] = {}
    for tag, dn, text in wb:
        if tag != M + "definedName" or dn.get("localSheetId") is not None:
            continue  # sheet-scoped names are the user's own
        ref = split_ref(text or "")
        if ref:
            defined[dn.get("name", "").lower()] = ref
            if ":" not in (text or ""):  # a single cell (a header field) is read; a list is not
                read_rows[ref[0]] = max(read_rows.get(ref[0], 0), int(_ROW_OF.match(ref[1]).group(1)))
    tables = []
    for sh in sheets:
        for typ, target in _rels(parts, sh.part).values():
            if typ != "table" or target not in names:
                continue
            elements = parse_elements(parts.structure(target), target, _TABLE)
            t = next((a for tag, a, _ in elements if tag == M + "table"), None)
            if t is None:
                continue  # no table element: nothing ET's root would have given either
            ref = _table_ref(t.get("ref", ""))
            if ref is None:
                continue  # a table without a usable range is as good as missing (READ-011)
            cols = tuple(a.get("name", "") for tag, a, _ in elements if tag == M + "tableColumn")
            tables.append(TableInfo(
                name=t.get("displayName") or t.get("name", ""),
                sheet=sh.name,
                ref=ref,
                header_rows=_count(t.get("headerRowCount"), 1),
                totals_rows=_count(t.get("totalsRowCount"), 0),
                columns=cols,
            ))
    for t in tables:
        read_rows[t.sheet] = max(read_rows.get(t.sheet, 0), parse_range(t.ref)[2])
    return (sheets, defined, tables, read_rows,
            any(n.lower().endswith("vbaproject.bin") for n in names),
            sum(1 for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml")),
            "xl/connections.xml" in names)


_ROW_OF = re.compile(r"^[A-Z]+(\d+)$")


def _table_ref(ref: str) -> str | None:
    try:
        r1, c1, r2, c2 = parse_range(ref)
    except ValueError:
        return None
    if not (1 <= r1 <= r2 <= 1_048_576 and 1 <= c1 <= c2 <= 16_384):
        return None
    return ref.replace("$", "")


def _count(text: str | None, default: int) -> int:
    return int(text) if text is not None and text.isdigit() and int(text) < 10 else default


def lock_file(path: Path) -> tuple[str, str] | None:
    """The lock file Excel (~$name) or LibreOffice (.~lock.name#) keeps beside an open
    workbook: (its name, who holds it, or ""). Never raises."""
    name = path.name
    for candidate in ("~$" + name, "~$" + name[2:], f".~lock.{name}#"):
        lock = path.parent / candidate
        try:
            if not lock.is_file() or lock.stat().st_size > 4096:
                continue
            return candidate, _lock_owner(lock.read_bytes(), candidate.startswith(".~lock."))
        except OSError:
            continue
    return None


def _lock_owner(raw: bytes, libreoffice: bool) -> str:
    # LibreOffice: "Lock,Anna Andersson,host,date,url;"; Excel: a length byte, then the name.
    try:
        if libreoffice:
            fields = raw.decode("utf-8", "replace").split(",")
            return fields[1].strip() if len(fields) > 1 else ""
        n = raw[0]
        return raw[1:1 + n].decode("cp1252").strip() if 0 < n < len(raw) else ""
    except (IndexError, UnicodeDecodeError):
        return ""




def book_meta(package: Package) -> BookMeta:
    """What a Book records of the file besides its data, the same for every file source."""
    return BookMeta(
        sheets=[s.name for s in package.sheets],
        hidden_sheets=[s.name for s in package.sheets if s.state != "visible"],
        has_vba=package.has_vba,
        external_links=package.external_links,
        connections=package.connections,
        sha256=package.sha256,
        size=len(package.data),
    )
