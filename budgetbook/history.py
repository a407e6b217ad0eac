"""The consolidation history: an embedded SQLite database (stdlib sqlite3).

Invariant: one consolidation of a (nämnd, period) is stored in one transaction that first
removes what that period had; a failure leaves the database as it was, and no other period
is touched. Values are stored as text (Decimal kept exact). Only this module speaks SQL.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from .consolidate import Consolidation, Previous, UnitResult, unit_figures
from .findings import Finding
from .period import Period

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS konsolidering (
    id INTEGER PRIMARY KEY,
    namnd TEXT NOT NULL,
    period TEXT NOT NULL,
    skapad TEXT NOT NULL,
    inkorg TEXT,
    utfil TEXT,
    inkludera_felaktiga INTEGER NOT NULL,
    namnd_fel INTEGER NOT NULL,
    namnd_varningar INTEGER NOT NULL,
    UNIQUE (namnd, period)
);
CREATE TABLE IF NOT EXISTS inlamning (
    id INTEGER PRIMARY KEY,
    konsolidering_id INTEGER NOT NULL REFERENCES konsolidering(id) ON DELETE CASCADE,
    enhet TEXT NOT NULL,
    enhet_namn TEXT,
    filer TEXT,
    sha256 TEXT,
    uppgiftslamnare TEXT,
    datum TEXT,
    andrad TEXT,
    status TEXT NOT NULL,
    inkluderad INTEGER NOT NULL,
    fel INTEGER NOT NULL,
    varningar INTEGER NOT NULL,
    sigill TEXT,
    anmarkning TEXT
);
CREATE INDEX IF NOT EXISTS inlamning_enhet ON inlamning(enhet);
CREATE TABLE IF NOT EXISTS enhetsvarde (
    inlamning_id INTEGER NOT NULL REFERENCES inlamning(id) ON DELETE CASCADE,
    sektion TEXT NOT NULL,
    rad TEXT NOT NULL,
    kolumn TEXT NOT NULL,
    typ TEXT NOT NULL,
    varde TEXT,
    fil TEXT,
    blad TEXT,
    cell TEXT
);
CREATE INDEX IF NOT EXISTS enhetsvarde_inlamning ON enhetsvarde(inlamning_id);
CREATE TABLE IF NOT EXISTS fynd (
    konsolidering_id INTEGER NOT NULL REFERENCES konsolidering(id) ON DELETE CASCADE,
    inlamning_id INTEGER REFERENCES inlamning(id) ON DELETE CASCADE,
    kod TEXT NOT NULL,
    allvar TEXT NOT NULL,
    fil TEXT,
    blad TEXT,
    cell TEXT,
    meddelande TEXT
);
CREATE TABLE IF NOT EXISTS namndvarde (
    konsolidering_id INTEGER NOT NULL REFERENCES konsolidering(id) ON DELETE CASCADE,
    sektion TEXT NOT NULL,
    rad TEXT NOT NULL,
    kolumn TEXT NOT NULL,
    varde TEXT NOT NULL
);
"""


class HistoryError(RuntimeError):
    pass


@dataclass(frozen=True)
class Submission:
    period: str
    skapad: str
    enhet: str
    enhet_namn: str
    filer: str
    sha256: str
    uppgiftslamnare: str
    datum: str
    status: str
    fel: int
    varningar: int
    sigill: str
    anmarkning: str


def _text(v: Any) -> tuple[str, str | None]:
    if v is None:
        return "t", None
    if isinstance(v, Decimal):
        return "n", format(v, "f")
    if isinstance(v, (dt.date, dt.datetime)):
        return "d", v.isoformat()
    return "t", str(v)


class History:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE … COMMIT).
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.executescript(SCHEMA)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise HistoryError(f"Historiken {self.path} kan inte öppnas: {exc}") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading --------------------------------------------------------------------------

    def previous(self, namnd: str, period: Period) -> Previous | None:
        """The latest stored consolidation of the same year before ``period``."""
        row = self.conn.execute(
            "SELECT id, period FROM konsolidering WHERE namnd = ? AND period < ? AND substr(period, 1, 4) = ? "
            "ORDER BY period DESC LIMIT 1", (namnd, str(period), f"{period.year:04d}")).fetchone()
        if row is None:
            return None
        kid, prev = row
        units: dict[str, dict[tuple[str, str, str], Decimal]] = {}
        for enhet, sektion, rad, kolumn, varde in self.conn.execute(
                "SELECT i.enhet, v.sektion, v.rad, v.kolumn, v.varde FROM enhetsvarde v "
                "JOIN inlamning i ON i.id = v.inlamning_id WHERE i.konsolidering_id = ? AND v.typ = 'n'",
                (kid,)):
            units.setdefault(enhet, {})[(sektion, rad, kolumn)] = Decimal(varde)
        namnd_vals = {(s, r, k): Decimal(v) for s, r, k, v in self.conn.execute(
            "SELECT sektion, rad, kolumn, varde FROM namndvarde WHERE konsolidering_id = ?", (kid,))}
        included = frozenset(r[0] for r in self.conn.execute(
            "SELECT enhet FROM inlamning WHERE konsolidering_id = ? AND inkluderad = 1", (kid,)))
        return Previous(period=Period.parse(prev), units=units, namnd=namnd_vals, included=included)

    def submissions(self, enhet: str, namnd: str | None = None) -> list[Submission]:
        sql = ("SELECT k.period, k.skapad, i.enhet, i.enhet_namn, i.filer, i.sha256, i.uppgiftslamnare, "
               "i.datum, i.status, i.fel, i.varningar, i.sigill, i.anmarkning FROM inlamning i "
               "JOIN konsolidering k ON k.id = i.konsolidering_id WHERE i.enhet = ?")
        args: list[Any] = [enhet]
        if namnd:
            sql += " AND k.namnd = ?"
            args.append(namnd)
        rows = self.conn.execute(sql + " ORDER BY k.period, k.namnd", args).fetchall()
        return [Submission(*[("" if v is None else v) for v in r]) for r in rows]

    def periods(self, namnd: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT period FROM konsolidering WHERE namnd = ? ORDER BY period", (namnd,))]

    # --- writing --------------------------------------------------------------------------

    def store(self, result: Consolidation, namnd_findings: Iterable[Finding], *, inbox: str, output: str,
              created: dt.datetime) -> None:
        """Replace the period's stored consolidation with this one, in one transaction."""
        namnd_findings = list(namnd_findings)
        cur = self.conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            cur.execute("DELETE FROM konsolidering WHERE namnd = ? AND period = ?",
                        (result.config.namnd, str(result.period)))
            cur.execute(
                "INSERT INTO konsolidering (namnd, period, skapad, inkorg, utfil, inkludera_felaktiga, "
                "namnd_fel, namnd_varningar) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (result.config.namnd, str(result.period), created.isoformat(timespec="seconds"), inbox, output,
                 int(result.include_failing), sum(f.severity.value == "fel" for f in namnd_findings),
                 sum(f.severity.value == "varning" for f in namnd_findings)))
            kid = cur.lastrowid
            for unit in result.units:
                self._insert_unit(cur, kid, result, unit)
            self._insert_namnd(cur, kid, result, namnd_findings)
            cur.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                cur.execute("ROLLBACK")
            raise

    def _insert_unit(self, cur: sqlite3.Cursor, kid: int, result: Consolidation, unit: UnitResult) -> None:
        used = [fu for fu in unit.files if fu.sections]
        files = [fu.file for fu in used]
        cur.execute(
            "INSERT INTO inlamning (konsolidering_id, enhet, enhet_namn, filer, sha256, uppgiftslamnare, "
            "datum, andrad, status, inkluderad, fel, varningar, sigill, anmarkning) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kid, unit.enhet.kod, unit.enhet.namn, "; ".join(f.file for f in files),
             "; ".join(f.sha256 for f in files), "; ".join(sorted({f.uppgiftslamnare for f in files})),
             "; ".join(sorted({f.datum.isoformat() for f in files if f.datum})),
             "; ".join(f.mtime.isoformat(timespec="seconds") for f in files if f.mtime),
             unit.state, int(unit.included), unit.errors, unit.warnings, unit.seal,
             "; ".join(fu.note for fu in unit.files if fu.note)))
        iid = cur.lastrowid
        rows = []
        append = rows.append
        for (s, r, c), (v, uf, sheet, cell) in unit_figures(result.config, unit).items():
            if v.__class__ is Decimal:  # most values: _text's first answer, inline
                append((iid, s, r, c, "n", format(v, "f"), uf.file, sheet, cell))
            else:
                append((iid, s, r, c, *_text(v), uf.file, sheet, cell))
        cur.executemany(
            "INSERT INTO enhetsvarde (inlamning_id, sektion, rad, kolumn, typ, varde, fil, blad, cell) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        cur.executemany(
            "INSERT INTO fynd (konsolidering_id, inlamning_id, kod, allvar, fil, blad, cell, meddelande) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(kid, iid, f.code, f.severity.value, f.location.file, f.location.sheet, f.location.cell, f.message)
             for f in unit.findings])

    def _insert_namnd(self, cur: sqlite3.Cursor, kid: int, result: Consolidation,
                      namnd_findings: list[Finding]) -> None:
        cur.executemany(
            "INSERT INTO namndvarde (konsolidering_id, sektion, rad, kolumn, varde) VALUES (?, ?, ?, ?, ?)",
            [(kid, s, r, c, format(v, "f")) for (s, r, c), v in result.namnd_figures.items()])
        cur.executemany(
            "INSERT INTO fynd (konsolidering_id, inlamning_id, kod, allvar, fil, blad, cell, meddelande) "
            "VALUES (?, NULL, ?, ?, ?, ?, ?, ?)",
            [(kid, f.code, f.severity.value, f.location.file, f.location.sheet, f.location.cell, f.message)
             for f in namnd_findings])

