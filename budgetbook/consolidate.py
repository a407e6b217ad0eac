"""Consolidation: the units' validated workbooks → the nämnd's book, with provenance.

Invariant: pure (no openpyxl, no file system). Every value in the nämnd content comes from
the included units' cells and has a Trace (unit, file, sheet, cell, value); nothing is typed
in. Nämnd rows are keyed by the configuration (verksamhet code and order, kostnadsslag row
code) or by (unit, position); a label alone never decides where a figure goes, except a
unit's verksamhet name, which the configuration declares unique. Computed columns and total
rows are not values here: the writer leaves them to the template's formulas.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from sys import intern
from typing import Any, Iterable, Mapping, NamedTuple, overload

from .book import Book
from .config import Enhet, NamndConfig, norm_name
from .engine import Context
from .findings import Code, Finding, Location, Severity, make_finding, sort_findings
from .period import Period
from .seal import seal as seal_of
from .spec import SPEC, Kind, Section

FEL, VARNING, INFO = Severity.FEL, Severity.VARNING, Severity.INFO

CODES = (
    Code("KONS-001", FEL, "Filen kan inte läsas",
         "Filen kan inte läsas som en enhets arbetsbok: {reason}",
         "Be enheten skicka arbetsboken igen, gjord från budgetbooks mall."),
    Code("KONS-002", FEL, "Okänd enhet",
         "Arbetsboken anger enhet ”{enhet}”, som inte finns i nämndens konfiguration.",
         "Rätta Enhet, kod på bladet Uppgifter, eller lägg till enheten i budgetbook.toml."),
    Code("KONS-003", FEL, "Fel period",
         "Arbetsboken avser {actual}, men konsolideringen gäller {expected}.",
         "Flytta filen från inkorgen, eller be enheten rätta År och Månad på bladet Uppgifter."),
    Code("KONS-004", VARNING, "Okänd fil i inkorgen",
         "Filen är ingen Excel-arbetsbok (.xlsx) och lästes inte: {reason}",
         "Ta bort filen ur inkorgen; rapporter ska vara .xlsx gjorda från budgetbooks mall."),
    Code("KONS-005", FEL, "Två inlämningar från samma enhet",
         "Enheten har lämnat {section} i flera filer ({files}) och ingen är tydligt nyare "
         "(samma datum i huvudet och ändringstider inom en minut).",
         "Ta bort den inaktuella filen ur inkorgen, eller be enheten sätta dagens datum i huvudet."),
    Code("KONS-006", FEL, "Rapport saknas",
         "Enhet {enhet} har inte lämnat någon rapport för {period}.",
         "Påminn kontaktpersonen ({kontakt})."),
    Code("KONS-010", FEL, "Okänd verksamhet",
         "Verksamheten ”{row_label}” finns inte bland nämndens verksamheter; raden kan inte föras "
         "till nämndens tabell.",
         "Välj verksamheten i listan (som i budgetbook.toml): {choices}."),
    Code("KONS-011", VARNING, "Verksamhet utanför enhetens uppdrag",
         "Enheten rapporterar på ”{row_label}”, som den inte är angiven för i konfigurationen.",
         "Kontrollera raden, eller lägg till verksamheten för enheten i budgetbook.toml."),
    Code("KONS-012", VARNING, "Verksamhet utan rad",
         "Enheten ska rapportera på ”{verksamhet}” men har ingen rad för den på bladet Ekonomi.",
         "Lägg till en rad för ”{verksamhet}”."),
    Code("KONS-013", INFO, "Omräknade belopp",
         "Enheten redovisar i {actual}; beloppen har räknats om till nämndens {expected}.",
         "Ingen åtgärd behövs; använd gärna nämndens beloppsenhet ({expected})."),
    Code("KONS-014", VARNING, "Texten har kortats",
         "Texten blir {length} tecken med enhetens namn framför, men en cell i Excel rymmer "
         "{limit}; slutet har kortats bort i nämndens arbetsbok.",
         "Korta texten i {cell} i enhetens arbetsbok, eller dela upp den på flera rader, så att "
         "hela texten kommer med."),
    Code("HIST-001", VARNING, "Ack utfall har minskat",
         "Ackumulerat utfall för kostnadsraden ”{row_label}” är {actual}, mindre till beloppet än "
         "{expected} i rapporten för {previous}; ack utfall ska inte minska under året.",
         "Kontrollera periodiseringen eller om en kostnad bokats om; förklara det i Kommentarer."),
)
_CODES = {c.code: c for c in CODES}

# What one cell holds; a unit's text with its name put in front can pass it (KONS-014).
CELL_TEXT_LIMIT = 32767

SEAL_OK = "validerad och oförändrad"
SEAL_CHANGED = "ändrad efter validering"
SEAL_NONE = "ej validerad"

# Unit states, as the Status sheet and the history show them.
INCLUDED = "inkluderad"
INCLUDED_WITH_ERRORS = "inkluderad trots fel"
EXCLUDED = "utelämnad (fel)"
CONFLICT = "utelämnad (dubbla inlämningar)"
MISSING = "saknas"

# Sections listed row by row with the unit named in the row (the spec has no enhet column).
LISTED = ("investeringar", "atgardsplan", "indikatorer", "statsbidrag", "sjukfranvaro")
# Sections grouped per nämnd verksamhet, unit named in this text column.
GROUPED = {"prognosorsaker": "orsak", "kommentarer": "kommentar"}
CLEARLY_NEWER = dt.timedelta(minutes=1)  # mtimes closer than this do not decide
# Rule families that do not apply to the nämnd's own workbook: a unit's kommentar quotes the
# unit's figures, never the nämnd's sums, so prose is checked in each unit's workbook only.
UNIT_ONLY_FAMILIES = ("TEXT-",)


def namnd_context(config: NamndConfig, period: Period) -> Context:
    """The Context the nämnd's own workbook is validated in: the nämnd's settings, minus the
    rules that compare a unit's prose with tables (they hold per unit, not on the sums)."""
    from dataclasses import replace

    from .catalogue import all_codes

    off = {c: "av" for c in all_codes() if c.startswith(UNIT_ONLY_FAMILIES)}
    settings = replace(config.settings, severities={**config.settings.severities, **off})
    return Context(settings=settings, period=period, verksamheter=tuple(v.namn for v in config.verksamheter))


# --- what consolidation keeps of one file -------------------------------------------------

# Fig and UnitRow are named tuples: a unit keeps about a thousand of them and a worker process
# sends them back pickled; a tuple unpickles in C, ten times faster than a slotted dataclass.
class Fig(NamedTuple):
    value: Any  # Decimal | str | date
    ref: str  # A1 on the section's sheet


class UnitRow(NamedTuple):
    position: int
    label: str
    code: str | None
    values: Mapping[str, Fig]  # column key → readable, non-blank value


@dataclass(frozen=True, slots=True)
class UnitSection:
    key: str
    sheet: str
    rows: tuple[UnitRow, ...]  # data rows only: no totals, no empty rows


@dataclass
class UnitFile:
    """One received file, reduced to what consolidation needs (small; crosses processes)."""

    file: str  # as shown: the path inside the inbox
    readable: bool
    sha256: str = ""
    size: int = 0
    mtime: dt.datetime | None = None
    enhet_kod: str = ""
    enhet_namn: str = ""
    year: int | None = None
    month: int | None = None
    belopp_i: str = "tkr"
    uppgiftslamnare: str = ""
    datum: dt.date | None = None
    sections: dict[str, UnitSection] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    seal: str = SEAL_NONE

    @property
    def period(self) -> Period | None:
        return Period(self.year, self.month) if self.year and self.month else None


def seal_status(stored: Any, book: Book) -> str:
    """What the seal stored in a file says of ``book``; hashed only when there is one."""
    if not isinstance(stored, str) or not stored.strip():
        return SEAL_NONE
    return SEAL_OK if stored.strip() == seal_of(book) else SEAL_CHANGED


def unit_file(book: Book, findings: list[Finding], *, file: str, seal: str,
              mtime: dt.datetime | None) -> UnitFile:
    """Reduce a read and validated Book to what consolidation keeps."""
    h = book.header
    datum = h.get("datum") if h else None
    sections = {}
    # Cell addresses and row labels repeat from unit to unit: interned, every unit shares one
    # string each (and a worker's pickled batch carries each once).
    for key, sec in book.sections.items():
        rows = []
        for row in sec.rows:  # sec.data_rows(), in the same pass that takes the values
            if row.is_total:
                continue
            vals = {}
            empty = True
            for k, c in row.cells.items():
                if c.value is not None:
                    empty = False
                    if c.problem is None and c.error is None:
                        vals[k] = Fig(c.value, intern(c.ref))
                elif empty and not c.blank:
                    empty = False
            if not empty:
                rows.append(UnitRow(row.position, intern(row.label), row.code, vals))
        sections[key] = UnitSection(key, sec.sheet, tuple(rows))
    uppgiftslamnare = h.get("uppgiftslamnare") if h else None
    return UnitFile(
        file=file, readable=bool(book.sections), sha256=book.meta.sha256, size=book.meta.size,
        mtime=mtime, enhet_kod=h.enhet_kod.strip() if h else "",
        enhet_namn=str(h.get("enhet_namn") or "") if h else "",
        year=h.year if h else None, month=h.month if h else None,
        belopp_i=h.belopp_i if h else "tkr",
        uppgiftslamnare=str(uppgiftslamnare) if uppgiftslamnare is not None else "",
        datum=datum if isinstance(datum, dt.date) else None,
        sections=sections, findings=list(findings), seal=seal)


# --- the result ---------------------------------------------------------------------------

class Trace(NamedTuple):
    """One nämnd value and one unit cell it came from. A named tuple: one is made per traced
    value, hundreds of thousands, and a tuple is made in a third of a frozen dataclass's time."""

    section: str
    position: int  # row position in the nämnd table body
    column: str
    label: str  # the nämnd row's label
    enhet_kod: str
    enhet_namn: str
    file: str
    sheet: str
    cell: str
    value: Any  # as the unit's cell shows it
    factor: Decimal = Decimal(1)  # unit amount × factor = the nämnd's belopp_i
    note: str = ""


class TraceTable(Sequence[Trace]):
    """Traces stored column-wise: a unit section's shared fields (enhet, file, sheet, factor,
    note) once per section in ``sources``, and per traced cell only its source index, row,
    column, label, cell and value. Millions of cells are traced in a large roll-up; a Trace
    each held about 170 bytes, a row here about 40. Items are made as Traces when read."""

    __slots__ = ("sources", "_source", "_position", "_column", "_label", "_cell", "_value")

    def __init__(self, sources: list[tuple] | None = None):
        # (section, enhet_kod, enhet_namn, file, sheet, factor, note, note for a number)
        self.sources: list[tuple] = [] if sources is None else sources
        self._source = array("I")
        self._position = array("I")
        self._column: list[str] = []
        self._label: list[str] = []
        self._cell: list[str] = []
        self._value: list[Any] = []

    def add_source(self, section: str, enhet_kod: str, enhet_namn: str, file: str, sheet: str, factor: Decimal,
                   note: str, note_number: str) -> int:
        self.sources.append((section, enhet_kod, enhet_namn, file, sheet, factor, note, note_number))
        return len(self.sources) - 1

    def append(self, source: int, position: int, column: str, label: str, cell: str, value: Any) -> None:
        self._source.append(source)
        self._position.append(position)
        self._column.append(column)
        self._label.append(label)
        self._cell.append(cell)
        self._value.append(value)

    def extend(self, other: TraceTable) -> None:
        """Append ``other``'s rows (it shares this table's sources)."""
        assert other.sources is self.sources
        self._source.extend(other._source)
        self._position.extend(other._position)
        self._column.extend(other._column)
        self._label.extend(other._label)
        self._cell.extend(other._cell)
        self._value.extend(other._value)

    def __len__(self) -> int:
        return len(self._value)

    @staticmethod
    def _trace(s: tuple, position: int, column: str, label: str, cell: str, value: Any) -> Trace:
        return Trace(s[0], position, column, label, s[1], s[2], s[3], s[4], cell, value, s[5],
                     s[7] if isinstance(value, Decimal) else s[6])

    @overload
    def __getitem__(self, i: int) -> Trace: ...

    @overload
    def __getitem__(self, i: slice) -> list[Trace]: ...

    def __getitem__(self, i: int | slice) -> Trace | list[Trace]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._trace(self.sources[self._source[i]], self._position[i], self._column[i], self._label[i],
                           self._cell[i], self._value[i])

    def __iter__(self) -> Iterator[Trace]:
        return self.between(0, len(self))

    def between(self, start: int, stop: int) -> Iterator[Trace]:
        """The traces ``start`` to ``stop`` (exclusive), made one at a time."""
        sources, trace = self.sources, self._trace
        columns = (self._source, self._position, self._column, self._label, self._cell, self._value)
        for src, position, column, label, cell, value in zip(*(islice(c, start, stop) for c in columns)):
            yield trace(sources[src], position, column, label, cell, value)


@dataclass
class Unplaced:
    file: str
    code: str
    reason: str


@dataclass
class FileUse:
    """How one of a unit's files was used."""

    file: UnitFile
    sections: list[str]  # sections taken from this file
    superseded: list[str]  # sections taken from a newer file instead
    note: str = ""


@dataclass
class UnitResult:
    enhet: Enhet
    state: str
    files: list[FileUse] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sections: dict[str, tuple[UnitFile, UnitSection]] = field(default_factory=dict)

    @property
    def included(self) -> bool:
        return self.state in (INCLUDED, INCLUDED_WITH_ERRORS)

    @property
    def errors(self) -> int:
        return sum(f.severity is FEL for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is VARNING for f in self.findings)

    @property
    def seal(self) -> str:
        seals = {u.file.seal for u in self.files if u.sections}
        if not seals:
            return ""
        if SEAL_CHANGED in seals:
            return SEAL_CHANGED
        return SEAL_OK if seals == {SEAL_OK} else SEAL_NONE


@dataclass(frozen=True)
class Previous:
    """The latest earlier consolidation of the same year, from the history."""

    period: Period
    units: Mapping[str, Mapping[tuple[str, str, str], Decimal]]  # enhet → figure key → value
    namnd: Mapping[tuple[str, str, str], Decimal]
    included: frozenset[str] = frozenset()  # the enheter whose figures made that nämnd result


@dataclass(frozen=True)
class PrognosChange:
    """Prognos netto for one verksamhet now and in the previous report. The change compares
    like with like: only the units included in both periods (``comparable``)."""

    kod: str
    namn: str
    position: int  # the verksamhet's row in the nämnd's Ekonomi table
    current: Decimal | None  # the nämnd's prognos now, every included unit
    previous: Decimal | None  # the previous prognos, comparable units only
    current_comparable: Decimal | None = None  # the prognos now, comparable units only

    @property
    def change(self) -> Decimal | None:
        if self.current_comparable is None or self.previous is None:
            return None
        return self.current_comparable - self.previous


@dataclass(frozen=True)
class UnitsChange:
    """Which units the prognos comparison leaves out: (kod, namn) entered and left since then."""

    entered: tuple[tuple[str, str], ...] = ()
    left: tuple[tuple[str, str], ...] = ()


@dataclass
class Consolidation:
    config: NamndConfig
    period: Period
    include_failing: bool
    units: list[UnitResult]
    unplaced: list[Unplaced]
    header: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]
    fixed: dict[str, dict[str, dict[str, Any]]]
    traces: TraceTable
    namnd_figures: dict[tuple[str, str, str], Decimal]  # ("ekonomi", vkod, col) → sum
    prognos: list[PrognosChange]
    previous: Period | None
    prognos_units: UnitsChange = field(default_factory=UnitsChange)

    @property
    def all_included_clean(self) -> bool:
        return all(u.state == INCLUDED for u in self.units)

    def unit(self, kod: str) -> UnitResult | None:
        return next((u for u in self.units if u.enhet.kod == kod), None)


def _finding(code: str, location: Location, **params: Any) -> Finding:
    return make_finding(_CODES[code], location, **params)


# --- placing files on units ---------------------------------------------------------------

def place(config: NamndConfig, period: Period, files: Iterable[UnitFile],
          unplaced: list[Unplaced]) -> dict[str, list[UnitFile]]:
    """Group readable files for this period by their configured enhet; list the rest."""
    by_unit: dict[str, list[UnitFile]] = defaultdict(list)
    enheter: dict[str, Enhet] = {}
    for e in config.enheter:  # config.enhet(kod), looked up in a dict: thousands of files
        enheter.setdefault(e.kod, e)
    for f in files:
        enhet = enheter.get(f.enhet_kod.strip()) if f.enhet_kod else None
        if not f.readable:
            first = next((x for x in f.findings if x.severity is FEL), None)
            unplaced.append(Unplaced(f.file, "KONS-001", first.message if first else "okänt fel"))
        elif enhet is None:
            unplaced.append(Unplaced(f.file, "KONS-002", _CODES["KONS-002"].render(
                {"enhet": f.enhet_kod or "(tom)"})[0]))
        elif f.period != period:
            unplaced.append(Unplaced(f.file, "KONS-003", _CODES["KONS-003"].render(
                {"actual": str(f.period) if f.period else "ingen period", "expected": str(period)})[0]))
        else:
            by_unit[enhet.kod].append(f)
    return by_unit


def _order_key(f: UnitFile) -> tuple:
    return (f.datum or dt.date.min, f.mtime or dt.datetime.min, f.file)


def _clearly_newer(a: UnitFile, b: UnitFile) -> str | None:
    """Why ``a`` is clearly newer than ``b``, or None."""
    if a.sha256 and a.sha256 == b.sha256:
        return f"{b.file} har samma innehåll (samma sha256)"
    if a.datum and b.datum and a.datum != b.datum:
        return f"nyare datum i huvudet ({a.datum:%Y-%m-%d} mot {b.datum:%Y-%m-%d} i {b.file})" \
            if a.datum > b.datum else None
    if a.mtime and b.mtime and a.mtime - b.mtime >= CLEARLY_NEWER:
        return (f"samma eller inget datum i huvudet; filen ändrades senare "
                f"({a.mtime:%Y-%m-%d %H:%M} mot {b.mtime:%Y-%m-%d %H:%M} för {b.file})")
    return None


def _resolve(enhet: Enhet, files: list[UnitFile]) -> UnitResult:
    """Choose, per section, the file a unit's figures come from."""
    uses = {f.file: FileUse(f, [], []) for f in sorted(files, key=lambda f: f.file)}
    result = UnitResult(enhet, INCLUDED, files=list(uses.values()))
    notes: dict[str, list[str]] = defaultdict(list)
    undecided: list[tuple[str, list[UnitFile]]] = []
    for sec in SPEC.sections:
        candidates = [f for f in files if sec.key in f.sections]
        if not candidates:
            continue
        newest = max(candidates, key=_order_key)
        others = [f for f in candidates if f is not newest]
        reasons = [_clearly_newer(newest, o) for o in others]
        if any(r is None for r in reasons):
            undecided.append((sec.sheet, candidates))
            continue
        uses[newest.file].sections.append(sec.key)
        result.sections[sec.key] = (newest, newest.sections[sec.key])
        for o, why in zip(others, reasons):
            uses[o.file].superseded.append(sec.key)
            notes[o.file].append(f"{sec.sheet}: ersatt av {newest.file}, {why}")
    if undecided:  # one finding for the unit, naming every section in doubt
        result.state = CONFLICT
        files = sorted({f.file for _, cands in undecided for f in cands})
        result.findings.append(_finding("KONS-005", Location(file=files[0]),
                                        section=", ".join(s for s, _ in undecided), files=", ".join(files)))
    for name, use in uses.items():
        if notes[name]:
            # One reason per file is enough when every section went the same way.
            distinct = sorted({n.split(": ", 1)[1] for n in notes[name]})
            use.note = distinct[0] if len(distinct) == 1 and not use.sections else "; ".join(notes[name])
    # The findings that concern what is used: each file's own, for the sections taken from it.
    for use in result.files:
        taken = set(use.sections)
        if not taken:
            continue
        result.findings.extend(f for f in use.file.findings
                               if not f.location.section or f.location.section in taken)
    return result


# --- checks only consolidation can make ---------------------------------------------------

def _check_unit(config: NamndConfig, period: Period, unit: UnitResult, previous: Previous | None) -> None:
    vmap = {norm_name(v.namn): v for v in config.verksamheter}
    already = {(f.location.file, f.location.cell) for f in unit.findings if f.severity is FEL}
    choices = ", ".join(v.namn for v in config.verksamheter)
    own = set(unit.enhet.verksamheter)
    reported: set[str] = set()
    converted = set()
    for key, (uf, sec) in unit.sections.items():
        if uf.belopp_i != config.belopp_i and uf.file not in converted and _has_amounts(SPEC.section(key)):
            converted.add(uf.file)
            unit.findings.append(_finding("KONS-013", Location(file=uf.file),
                                          actual=uf.belopp_i, expected=config.belopp_i))
        if key not in ("ekonomi", "prognosorsaker", "kommentarer"):
            continue
        for row in sec.rows:
            fig = row.values.get("verksamhet")
            if fig is None:
                continue
            loc = Location(file=uf.file, section=key, sheet=sec.sheet, cell=fig.ref,
                           row_label=row.label, column="verksamhet")
            v = vmap.get(norm_name(row.label))
            if v is None:
                if (uf.file, fig.ref) not in already:
                    unit.findings.append(_finding("KONS-010", loc, choices=choices))
            elif key == "ekonomi":
                reported.add(v.kod)
                if v.kod not in own:
                    unit.findings.append(_finding("KONS-011", loc))
    if "ekonomi" in unit.sections:
        uf, sec = unit.sections["ekonomi"]
        for kod in unit.enhet.verksamheter:
            if kod not in reported:
                unit.findings.append(_finding("KONS-012", Location(file=uf.file, section="ekonomi",
                                                                   sheet=sec.sheet),
                                              verksamhet=config.verksamhet(kod).namn))
    if previous is not None and previous.period.year == period.year and previous.period < period:
        _check_against_previous(config, unit, previous)
    unit.findings = sort_findings(unit.findings)


def _has_amounts(sec: Section) -> bool:
    return any(c.kind is Kind.AMOUNT for c in sec.columns)


def _check_against_previous(config: NamndConfig, unit: UnitResult, previous: Previous) -> None:
    """HIST-001: ack utfall of a cost line must not fall (kostnader are negative: |x| falls)."""
    before = previous.units.get(unit.enhet.kod)
    if not before:
        return
    kostnadsslag = SPEC.section("kostnadsslag")
    cost_rows = {r.code for r in kostnadsslag.fixed_rows if r.sign is not None and r.sign.value == "-"
                 and not r.is_total}
    keys = RowKeys(config)
    for key, column in (("ekonomi", "utfall_kostnader"), ("kostnadsslag", "utfall")):
        if key not in unit.sections:
            continue
        uf, sec = unit.sections[key]
        factor = amount_factor(uf.belopp_i, config.belopp_i)
        for row in sec.rows:
            if key == "kostnadsslag" and row.code not in cost_rows:
                continue
            fig = row.values.get(column)
            rk = keys(key, row)
            prev = before.get((key, rk, column))
            if fig is None or not isinstance(fig.value, Decimal) or prev is None:
                continue
            now = fig.value * factor
            if abs(now) < abs(prev):
                unit.findings.append(_finding(
                    "HIST-001", Location(file=uf.file, section=key, sheet=sec.sheet, cell=fig.ref,
                                         row_label=row.label, column=column),
                    expected=prev, actual=now, difference=now - prev, previous=str(previous.period)))


def amount_factor(unit_belopp_i: str, namnd_belopp_i: str) -> Decimal:
    if unit_belopp_i == namnd_belopp_i:
        return Decimal(1)
    return Decimal(1000) if unit_belopp_i == "mnkr" else Decimal("0.001")


class RowKeys:
    """How a unit row is recognised from one period to the next, under one configuration:
    an Ekonomi row by its verksamhet's code (its name when unknown), another by its code or
    position."""

    def __init__(self, config: NamndConfig):
        self.codes: dict[str, str] = {}
        for v in config.verksamheter:  # the first of a name, as the configuration lists them
            self.codes.setdefault(norm_name(v.namn), v.kod)

    def __call__(self, section: str, row: UnitRow) -> str:
        if section == "ekonomi":
            name = norm_name(row.label)
            kod = self.codes.get(name)
            return kod if kod is not None else "namn:" + name
        if row.code:
            return row.code
        return f"#{row.position}"


_AMOUNTS = {s.key: frozenset(c.key for c in s.columns if c.kind is Kind.AMOUNT) for s in SPEC.sections}


def unit_figures(config: NamndConfig, unit: UnitResult, only: tuple[str, str] | None = None
                 ) -> dict[tuple[str, str, str], tuple[Any, UnitFile, str, str]]:
    """Every value a unit delivered: (section, row key, column) → (value, file, sheet, cell);
    ``only`` = (section, column): that column's values only."""
    keys = RowKeys(config)
    out = {}
    for key, (uf, sec) in unit.sections.items():
        if only is not None and key != only[0]:
            continue
        factor = amount_factor(uf.belopp_i, config.belopp_i)
        amounts = _AMOUNTS[key]
        sheet = sec.sheet
        for row in sec.rows:
            rk = keys(key, row)
            values = row.values
            if only is not None:
                values = {only[1]: values[only[1]]} if only[1] in values else {}
            for col, fig in values.items():
                v = fig.value
                if col in amounts and isinstance(v, Decimal):
                    v = v * factor
                out[(key, rk, col)] = (v, uf, sheet, fig.ref)
    return out


# --- the nämnd's content ------------------------------------------------------------------

def consolidate(config: NamndConfig, period: Period, files: Iterable[UnitFile], *,
                include_failing: bool = False, previous: Previous | None = None,
                unplaced: Iterable[Unplaced] = (), today: dt.date | None = None) -> Consolidation:
    lost = list(unplaced)
    by_unit = place(config, period, files, lost)
    units: list[UnitResult] = []
    for enhet in config.enheter:
        got = by_unit.get(enhet.kod)
        if not got:
            units.append(UnitResult(enhet, MISSING, findings=[_finding(
                "KONS-006", Location(), enhet=f"{enhet.kod} {enhet.namn}", period=str(period),
                kontakt=enhet.kontakt or "kontaktperson saknas i konfigurationen")]))
            continue
        unit = _resolve(enhet, got)
        _check_unit(config, period, unit, previous)
        if unit.state != CONFLICT and unit.errors:
            unit.state = INCLUDED_WITH_ERRORS if include_failing else EXCLUDED
        units.append(unit)
    builder = _Builder(config, [u for u in units if u.included])
    builder.build()
    for unit in builder.units:
        if unit.enhet.kod in builder.cut:
            unit.findings = sort_findings(unit.findings)
    prognos, prognos_units = _prognos_changes(config, units, builder.figures, previous)
    header = {"namnd": config.namnd, "enhet_kod": config.kod, "enhet_namn": config.namnd,
              "ar": period.year, "manad": period.month, "rapporttyp": period.rapporttyp,
              "belopp_i": config.belopp_i, "uppgiftslamnare": "budgetbook (konsolidering)",
              "datum": today or dt.date.today()}
    return Consolidation(config=config, period=period, include_failing=include_failing, units=units,
                         unplaced=sorted(lost, key=lambda u: u.file), header=header, rows=builder.rows,
                         fixed=builder.fixed, traces=builder.take_traces(), namnd_figures=builder.figures,
                         prognos=prognos, previous=previous.period if previous else None,
                         prognos_units=prognos_units)


def _prognos_changes(config: NamndConfig, units: list[UnitResult], figures: Mapping, previous: Previous | None
                     ) -> tuple[list[PrognosChange], UnitsChange]:
    """Per verksamhet: prognos now (all), and now and then over the units included both times."""
    now_in = {u.enhet.kod for u in units if u.included}
    then_in = set(previous.included) if previous else set()
    comparable = [u for u in units if u.enhet.kod in now_in & then_in]
    now_figs = [unit_figures(config, u, only=("ekonomi", "prognos_netto")) for u in comparable]

    def total(values: Iterable[Any]) -> Decimal | None:
        found = [v for v in values if isinstance(v, Decimal)]
        return sum(found, Decimal(0)) if found else None

    out = []
    for i, v in enumerate(config.verksamheter):
        key = ("ekonomi", v.kod, "prognos_netto")
        then = total(previous.units.get(u.enhet.kod, {}).get(key) for u in comparable) if previous else None
        now = total(f[key][0] for f in now_figs if key in f)
        out.append(PrognosChange(v.kod, v.namn, i, figures.get(key), then, now))
    if previous is None:
        return out, UnitsChange()

    def named(codes: set[str]) -> tuple[tuple[str, str], ...]:
        return tuple((k, config.enhet(k).namn if config.enhet(k) else "") for k in sorted(codes))
    return out, UnitsChange(entered=named(now_in - then_in), left=named(then_in - now_in))


class _Source(NamedTuple):
    """An included unit's section as the builder reads it; what each of its traces repeats
    (enhet, file, sheet, factor, notes) is kept once in the TraceTable's sources."""

    unit: UnitResult
    sec: UnitSection
    factor: Decimal
    kod: str
    file: str
    trace_source: int  # its index in the builder's TraceTable sources


class _Builder:
    """Sums and lists the included units' rows into nämnd rows, tracing every value.

    Each section's traces are made in the nämnd's order (row, column, then unit), so the
    sections' lists joined in the spec's order are Spårbarhet's order without a sort."""

    def __init__(self, config: NamndConfig, units: list[UnitResult]):
        self.config = config
        self.units = units
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.fixed: dict[str, dict[str, dict[str, Any]]] = {}
        self.trace_sources: list[tuple] = []  # shared by the sections' tables
        self.section_traces = {s.key: TraceTable(self.trace_sources) for s in SPEC.sections}
        self.figures: dict[tuple[str, str, str], Decimal] = {}
        self.cut: set[str] = set()  # enheter with a text cut to fit a cell (KONS-014)
        self.vmap = {norm_name(v.namn): (i, v) for i, v in enumerate(config.verksamheter)}
        names = Counter(e.namn for e in config.enheter)  # not list.count per enhet: thousands
        self.shown = {e.kod: e.namn if names[e.namn] == 1 else f"{e.namn} ({e.kod})"
                      for e in config.enheter}

    def take_traces(self) -> TraceTable:
        """Every section's traces in the spec's order, in one table; the sections' are emptied."""
        out = TraceTable(self.trace_sources)
        for s in SPEC.sections:
            out.extend(self.section_traces[s.key])
            self.section_traces[s.key] = TraceTable(self.trace_sources)  # freed as it is joined
        return out

    def build(self) -> None:
        self._ekonomi()
        self._kostnadsslag()
        for key, column in GROUPED.items():
            self._grouped(key, column)
        for key in LISTED:
            self._listed(key)
        self._statistik()

    def _each(self, key: str) -> Iterable[_Source]:
        for unit in self.units:
            if key in unit.sections:
                uf, sec = unit.sections[key]
                factor = amount_factor(uf.belopp_i, self.config.belopp_i)
                note = "enheten har fel" if unit.state == INCLUDED_WITH_ERRORS else ""
                note_number = note
                if factor != 1:
                    note_number = (note + "; " if note else "") + f"omräknat från {uf.belopp_i}"
                kod, namn = unit.enhet.kod, unit.enhet.namn
                index = self.section_traces[key].add_source(key, kod, namn, uf.file, sec.sheet, factor, note,
                                                            note_number)
                yield _Source(unit, sec, factor, kod, uf.file, index)

    @staticmethod
    def _columns(key: str) -> list[tuple[str, bool, bool]]:
        """(key, computed, amount) per column of the section, in the spec's order."""
        return [(c.key, c.computed, c.kind is Kind.AMOUNT) for c in SPEC.section(key).columns]

    def _sum_rows(self, key: str, rows: list[tuple[str, str]], match) -> dict[str, dict[str, Any]]:
        """Sum units' rows onto nämnd rows: ``rows`` = (row key, label); ``match`` maps a unit
        row to a row key (or None)."""
        columns = self._columns(key)
        position = {rk: i for i, (rk, _) in enumerate(rows)}
        labels = dict(rows)
        members: dict[str, list[tuple[_Source, Mapping[str, Fig]]]] = {rk: [] for rk in position}
        for src in self._each(key):
            for row in src.sec.rows:
                rk = match(row)
                if rk is not None:
                    members[rk].append((src, row.values))
        sums: dict[str, dict[str, Any]] = {rk: {} for rk, _ in rows}
        traces = self.section_traces[key]
        for rk in sorted(position, key=position.__getitem__):
            pos, label, found, acc = position[rk], labels[rk], members[rk], sums[rk]
            for src, values in found:  # row by row: the sums' keys in the order first met
                factor = src.factor
                for col, computed, amount in columns:
                    fig = values.get(col)
                    if fig is not None and not computed and isinstance(v := fig.value, Decimal):
                        acc[col] = acc.get(col, Decimal(0)) + (v * factor if amount else v)
            for col, _, _ in columns:  # column by column: the traces in Spårbarhet's order
                for src, values in found:
                    fig = values.get(col)
                    if fig is not None and isinstance(fig.value, Decimal):
                        self._trace_one(traces, pos, col, label, src, fig)
        for rk, vals in sums.items():
            for col, v in vals.items():
                self.figures[(key, rk, col)] = v
        return sums

    def _ekonomi(self) -> None:
        rows = [(v.kod, v.namn) for v in self.config.verksamheter]

        def match(row: UnitRow) -> str | None:
            hit = self.vmap.get(norm_name(row.label))
            return hit[1].kod if hit else None

        sums = self._sum_rows("ekonomi", rows, match)
        self.rows["ekonomi"] = [{"verksamhet": v.namn, **sums[v.kod]} for v in self.config.verksamheter]

    def _kostnadsslag(self) -> None:
        spec = SPEC.section("kostnadsslag")
        rows = [(r.code, r.label) for r in spec.fixed_rows]
        leaves = {r.code for r in spec.fixed_rows if not r.is_total}
        sums = self._sum_rows("kostnadsslag", rows, lambda row: row.code if row.code in leaves else None)
        self.fixed["kostnadsslag"] = {code: vals for code, vals in sums.items() if vals}

    def _copy(self, key: str, columns: list[tuple[str, bool, bool]], position: int, label: str, src: _Source,
              values: Mapping[str, Fig], override: Mapping[str, Any]) -> dict[str, Any]:
        """One unit row as one nämnd row (amounts converted, ``override`` in place of the
        unit's value), every value traced."""
        traces = self.section_traces[key]
        factor = src.factor
        out: dict[str, Any] = {}
        for col, computed, amount in columns:
            fig = values.get(col)
            if col in override:
                out[col] = override[col]
            elif fig is not None and not computed:
                v = fig.value
                # × 1 would only make a copy to keep: a read amount has at most 28 digits (the
                # reader's limits), which a product by 1 gives back unchanged
                out[col] = v * factor if amount and factor != 1 and isinstance(v, Decimal) else v
            if fig is not None:
                self._trace_one(traces, position, col, label, src, fig)
        return out

    def _prefixed(self, src: _Source, key: str, column: str, text: Any, fig: Fig | None) -> str:
        """The unit's text with the unit's name in front, cut to what a cell holds (said in a
        KONS-014 on the unit: a silent cut would drop the end of a kommentar unseen)."""
        name = self.shown[src.kod]
        text = "" if text is None else str(text)
        out = f"{name}: {text}" if text else name
        if len(out) > CELL_TEXT_LIMIT and fig is not None:
            src.unit.findings.append(_finding(
                "KONS-014", Location(file=src.file, section=key, sheet=src.sec.sheet, cell=fig.ref,
                                     column=column), length=f"{len(out):,}".replace(",", "\u00a0"),
                limit=f"{CELL_TEXT_LIMIT:,}".replace(",", "\u00a0")))
            self.cut.add(src.kod)
            out = out[:CELL_TEXT_LIMIT]
        return out

    def _listed(self, key: str) -> None:
        spec = SPEC.section(key)
        columns = self._columns(key)
        label_column = spec.label_column
        out = []
        for src in self._each(key):
            for row in src.sec.rows:
                values = row.values
                fig = values.get(label_column)
                label = self._prefixed(src, key, label_column, fig.value if fig else "", fig)
                out.append(self._copy(key, columns, len(out), label, src, values, {label_column: label}))
        self.rows[key] = out

    def _grouped(self, key: str, text_column: str) -> None:
        """Rows grouped per nämnd verksamhet (configuration order), then unit, then position."""
        spec = SPEC.section(key)
        columns = self._columns(key)
        found = []
        unknown_order: dict[str, int] = {}
        for u_i, src in enumerate(self._each(key)):
            for row in src.sec.rows:
                hit = self.vmap.get(norm_name(row.label))
                if hit is None:
                    group = (len(self.vmap) + unknown_order.setdefault(norm_name(row.label),
                                                                       len(unknown_order)), row.label)
                else:
                    group = (hit[0], hit[1].namn)
                found.append((group, u_i, row.position, src, row))
        found.sort(key=lambda x: (x[0][0], x[1], x[2]))
        out = []
        for (_, vname), _, _, src, row in found:
            values = row.values
            fig = values.get(text_column)
            text = self._prefixed(src, key, text_column, fig.value if fig else "", fig)
            out.append(self._copy(key, columns, len(out), vname, src, values,
                                  {spec.label_column: vname, text_column: text}))
        self.rows[key] = out

    def _statistik(self) -> None:
        """Additive key figures (Summerbar = Ja for every unit) are summed; the rest listed."""
        key = "statistik"
        spec = SPEC.section(key)
        columns = self._columns(key)
        months = {c.key for c in spec.columns if c.kind is Kind.NUMBER}
        key_columns = ("nyckeltal", "ar", "summerbar")  # traced once, as the first unit wrote them
        groups: dict[tuple[str, Any], list[tuple[_Source, UnitRow]]] = {}
        for src in self._each(key):
            for row in src.sec.rows:
                ar = row.values["ar"].value if "ar" in row.values else None
                groups.setdefault((norm_name(row.label), ar), []).append((src, row))
        traces = self.section_traces[key]
        out: list[dict[str, Any]] = []
        for (_, ar), members in groups.items():
            additive = all(m[1].values.get("summerbar") and m[1].values["summerbar"].value == "Ja"
                           for m in members)
            if not additive:
                for src, row in members:
                    label = self._prefixed(src, key, "nyckeltal", row.label, row.values.get("nyckeltal"))
                    out.append(self._copy(key, columns, len(out), label, src, row.values, {"nyckeltal": label}))
                continue
            label = members[0][1].label
            row_out: dict[str, Any] = {"nyckeltal": label, "summerbar": "Ja"}
            if ar is not None:
                row_out["ar"] = ar
            for _, row in members:
                for col, _, _ in columns:
                    if col not in months:
                        continue
                    fig = row.values.get(col)
                    if fig is not None and isinstance(fig.value, Decimal):
                        row_out[col] = row_out.get(col, Decimal(0)) + fig.value
            pos = len(out)
            first_src, first = members[0]
            for col, _, _ in columns:
                if col in key_columns:
                    if col in first.values:
                        self._trace_one(traces, pos, col, label, first_src, first.values[col])
                    continue
                for src, row in members:
                    fig = row.values.get(col) if col in months else None
                    if fig is not None and isinstance(fig.value, Decimal):
                        self._trace_one(traces, pos, col, label, src, fig)
            out.append(row_out)
        self.rows[key] = out

    @staticmethod
    def _trace_one(traces: TraceTable, position: int, column: str, label: str, src: _Source,
                   fig: Fig) -> None:
        traces.append(src.trace_source, position, column, label, fig.ref, fig.value)
