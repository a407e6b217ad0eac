"""The nämnd's configuration: who reports what (budgetbook.toml).

Invariant: ``load_config`` returns a fully checked NamndConfig or raises ConfigError listing
every problem, each with the line it is on: every enhet reports on known verksamheter,
every verksamhet is reported on by someone, no code appears twice and no field is missing.
tomllib reports line numbers for syntax errors only, so ``_Lines`` finds the line of a
table or key in the text itself. Pure apart from reading the one file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .settings import Settings, SettingsError

CONFIG_NAME = "budgetbook.toml"
HISTORY_NAME = "budgetbook-historik.sqlite"
BELOPP_I = ("tkr", "mnkr")


class ConfigError(ValueError):
    """A configuration that cannot be used; ``problems`` are (line or None, text)."""

    def __init__(self, path: str | Path, problems: list[tuple[int | None, str]]):
        self.path = str(path)
        self.problems = sorted(problems, key=lambda p: (p[0] or 0, p[1]))
        self.line = self.problems[0][0] if self.problems else None
        lines = [f"{self.path}, rad {ln}: {text}" if ln else f"{self.path}: {text}"
                 for ln, text in self.problems]
        head = "Konfigurationen kan inte användas:" if len(lines) > 1 else "Konfigurationsfel:"
        super().__init__(head + ("\n  " if len(lines) > 1 else " ") + "\n  ".join(lines))


@dataclass(frozen=True)
class Verksamhet:
    kod: str
    namn: str


@dataclass(frozen=True)
class Enhet:
    kod: str
    namn: str
    kontakt: str = ""
    verksamheter: list[str] = field(default_factory=list)  # verksamhet codes


@dataclass(frozen=True)
class NamndConfig:
    namnd: str
    ar: int
    belopp_i: str = "tkr"
    verksamheter: list[Verksamhet] = field(default_factory=list)  # in report order
    enheter: list[Enhet] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    kod: str = "NAMND"  # what the nämnd workbook's header shows as enhet_kod
    path: Path | None = None

    def enhet(self, kod: str) -> Enhet | None:
        kod = str(kod).strip()
        return next((e for e in self.enheter if e.kod == kod), None)

    def verksamhet(self, kod: str) -> Verksamhet | None:
        return next((v for v in self.verksamheter if v.kod == kod), None)

    @property
    def history_path(self) -> Path:
        """Default history database: beside the configuration file."""
        base = self.path.parent if self.path else Path(".")
        return base / HISTORY_NAME


# --- locating lines -----------------------------------------------------------------------

_TABLE = re.compile(r"^\s*\[(\[)?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\"'-]+)\s*=")


class _Lines:
    """Line numbers of tables and keys, for the semantic errors tomllib cannot place."""

    def __init__(self, text: str):
        self.tables: dict[tuple[str, int], int] = {}  # (table, index in its array) → line
        self.keys: dict[tuple[str, int, str], int] = {}  # (table, index, key) → line
        counts: dict[str, int] = {}
        current = ("", 0)
        in_multiline = False
        for n, line in enumerate(text.splitlines(), start=1):
            if in_multiline:  # inside a multi-line string: no keys here
                if line.count('"""') % 2 == 1:
                    in_multiline = False
                continue
            m = _TABLE.match(line)
            if m and not _KEY.match(line):
                name = m.group(2).strip().strip('"')
                idx = counts.get(name, 0)
                counts[name] = idx + 1 if m.group(1) else 1
                current = (name, idx if m.group(1) else 0)
                self.tables[current] = n
                continue
            k = _KEY.match(line)
            if k:
                self.keys.setdefault((current[0], current[1], k.group(1).strip("\"'")), n)
                if line.count('"""') % 2 == 1:
                    in_multiline = True

    def table(self, name: str, idx: int = 0) -> int | None:
        return self.tables.get((name, idx))

    def key(self, name: str, idx: int, key: str) -> int | None:
        return self.keys.get((name, idx, key)) or self.table(name, idx)


# --- loading ------------------------------------------------------------------------------

_NAMND_KEYS = ("namn", "ar", "belopp_i", "kod")
_VERKSAMHET_KEYS = ("kod", "namn")
_ENHET_KEYS = ("kod", "namn", "kontakt", "verksamheter")


def load_config(path: str | Path) -> NamndConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, [(None, "filen finns inte; skapa en med budgetbook init MAPP")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [(None, f"filen kan inte läsas ({exc})")]) from None
    return parse_config(text, path)


def parse_config(text: str, path: str | Path = CONFIG_NAME) -> NamndConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        where = f" (kolumn {m.group(2)})" if m else ""
        raise ConfigError(path, [(int(m.group(1)) if m else None,
                                  f"ogiltig TOML{where}: {reason}. Kontrollera citattecken, "
                                  "hakparenteser och att varje rad är nyckel = värde.")]) from None
    lines = _Lines(text)
    problems: list[tuple[int | None, str]] = []

    def bad(line: int | None, msg: str) -> None:
        problems.append((line, msg))

    for key in data:
        if key not in ("namnd", "verksamhet", "enhet", "validering"):
            bad(lines.table(key) or lines.key("", 0, key),
                f"okänd tabell eller nyckel [{key}]; giltiga är [namnd], [[verksamhet]], [[enhet]] och [validering]")

    namnd = data.get("namnd")
    name, year, belopp_i, kod = "", 0, "tkr", "NAMND"
    if not isinstance(namnd, dict):
        bad(None, "tabellen [namnd] saknas (namn, ar och belopp_i för nämnden)")
    else:
        _unknown(namnd, _NAMND_KEYS, "namnd", 0, "[namnd]", lines, bad)
        name = _text(namnd, "namn", "namnd", 0, "[namnd]", lines, bad, required=True)
        year_v = namnd.get("ar")
        if year_v is None:
            bad(lines.table("namnd"), "[namnd] saknar ar (rapportåret, t.ex. ar = 2022)")
        elif not isinstance(year_v, int) or isinstance(year_v, bool) or not 2000 <= year_v <= 2100:
            bad(lines.key("namnd", 0, "ar"), f"ar ska vara ett år mellan 2000 och 2100, inte {year_v!r}")
        else:
            year = year_v
        belopp_i = namnd.get("belopp_i", "tkr")
        if belopp_i not in BELOPP_I:
            bad(lines.key("namnd", 0, "belopp_i"), f"belopp_i ska vara \"tkr\" eller \"mnkr\", inte {belopp_i!r}")
        kod = _text(namnd, "kod", "namnd", 0, "[namnd]", lines, bad) or "NAMND"

    verksamheter: list[Verksamhet] = []
    seen_v: dict[str, int] = {}
    seen_vname: dict[str, int] = {}
    for i, v in enumerate(_array(data, "verksamhet", lines, bad)):
        where = f"[[verksamhet]] nr {i + 1}"
        _unknown(v, _VERKSAMHET_KEYS, "verksamhet", i, where, lines, bad)
        vkod = _text(v, "kod", "verksamhet", i, where, lines, bad, required=True)
        vnamn = _text(v, "namn", "verksamhet", i, where, lines, bad, required=True)
        if vkod and vkod in seen_v:
            bad(lines.key("verksamhet", i, "kod"),
                f"verksamhetskoden {vkod} finns redan (rad {seen_v[vkod]}); varje kod får förekomma en gång")
            continue
        key = _norm(vnamn)
        if vnamn and key in seen_vname:
            bad(lines.key("verksamhet", i, "namn"),
                f"verksamhetsnamnet ”{vnamn}” finns redan (rad {seen_vname[key]}); enheternas rader "
                "matchas mot namnet, så det måste vara unikt")
            continue
        if vkod and vnamn:
            seen_v[vkod] = lines.key("verksamhet", i, "kod") or 0
            seen_vname[key] = lines.key("verksamhet", i, "namn") or 0
            verksamheter.append(Verksamhet(vkod, vnamn))
    if "verksamhet" in data and not verksamheter and not problems:
        bad(lines.table("verksamhet"), "ingen verksamhet är angiven")

    enheter: list[Enhet] = []
    seen_e: dict[str, int] = {}
    reported: set[str] = set()
    for i, e in enumerate(_array(data, "enhet", lines, bad)):
        where = f"[[enhet]] nr {i + 1}"
        _unknown(e, _ENHET_KEYS, "enhet", i, where, lines, bad)
        ekod = _text(e, "kod", "enhet", i, where, lines, bad, required=True)
        enamn = _text(e, "namn", "enhet", i, where, lines, bad, required=True)
        kontakt = _text(e, "kontakt", "enhet", i, where, lines, bad)
        codes = e.get("verksamheter")
        vline = lines.key("enhet", i, "verksamheter")
        own: list[str] = []
        if codes is None:
            bad(lines.table("enhet", i), f"{where} ({ekod or enamn}) saknar verksamheter, t.ex. "
                                         "verksamheter = [\"BOU\"]")
        elif not isinstance(codes, list) or not codes or not all(isinstance(c, (str, int)) for c in codes):
            bad(vline, f"verksamheter för enhet {ekod} ska vara en lista med verksamhetskoder, t.ex. [\"BOU\", \"MYN\"]")
        else:
            for c in map(lambda x: str(x).strip(), codes):
                if c not in seen_v:
                    bad(vline, f"enhet {ekod} rapporterar på verksamheten {c}, som inte finns bland "
                               f"[[verksamhet]] (kända koder: {', '.join(seen_v) or 'inga'})")
                elif c in own:
                    bad(vline, f"enhet {ekod} anger verksamheten {c} två gånger")
                else:
                    own.append(c)
        reported.update(own)  # even from a broken enhet: one mistake, one message
        if ekod and ekod in seen_e:
            bad(lines.key("enhet", i, "kod"),
                f"enhetskoden {ekod} finns redan (rad {seen_e[ekod]}); varje enhet får förekomma en gång")
            continue
        if ekod:
            seen_e[ekod] = lines.key("enhet", i, "kod") or 0
        if ekod and enamn:
            enheter.append(Enhet(ekod, enamn, kontakt, own))
    for v in verksamheter:
        if v.kod not in reported and "enhet" in data:
            idx = next(i for i, x in enumerate(data.get("verksamhet", [])) if str(x.get("kod", "")).strip() == v.kod)
            bad(lines.key("verksamhet", idx, "kod"),
                f"ingen enhet rapporterar på verksamheten {v.kod} ({v.namn}); lägg till koden i någon "
                "enhets verksamheter eller ta bort verksamheten")

    settings = Settings()
    if "validering" in data:
        val = data["validering"]
        if not isinstance(val, dict):
            bad(lines.key("", 0, "validering"), "validering ska vara en tabell [validering]")
        else:
            for k, v in val.items():  # one at a time, so each problem names its own line
                try:
                    Settings.from_dict({k: v}, source="[validering]")
                except SettingsError as exc:
                    bad(lines.key("validering", 0, k), str(exc))
            if not problems:
                settings = Settings.from_dict(val, source="[validering]")
    if problems:
        raise ConfigError(path, problems)
    return NamndConfig(namnd=name, ar=year, belopp_i=belopp_i, verksamheter=verksamheter,
                       enheter=enheter, settings=settings, kod=kod,
                       path=Path(path) if path else None)


def _array(data: dict, name: str, lines: _Lines, bad) -> list[dict]:
    value = data.get(name)
    if value is None:
        bad(None, f"inga [[{name}]] är angivna; konfigurationen behöver minst en")
        return []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        bad(lines.table(name) or lines.key("", 0, name), f"{name} ska skrivas som tabeller [[{name}]]")
        return []
    return value


def _unknown(table: dict, allowed: tuple[str, ...], name: str, idx: int, where: str, lines: _Lines, bad) -> None:
    for k in table:
        if k not in allowed:
            bad(lines.key(name, idx, k), f"{where}: okänd nyckel {k}; giltiga är {', '.join(allowed)}")


def _text(table: dict, key: str, name: str, idx: int, where: str, lines: _Lines, bad,
          required: bool = False) -> str:
    v = table.get(key)
    if v is None:
        if required:
            bad(lines.table(name, idx), f"{where} saknar {key}")
        return ""
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        bad(lines.key(name, idx, key), f"{where}: {key} ska vara en text, inte {v!r}")
        return ""
    v = str(v).strip()
    if required and not v:
        bad(lines.key(name, idx, key), f"{where}: {key} är tom")
    return v


_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2012": "-"})


def _norm(text: Any) -> str:
    return " ".join(str(text or "").translate(_DASHES).casefold().split())


def norm_name(text: Any) -> str:
    """A verksamhet name as matched: case, spacing and dash variants do not matter."""
    return _norm(text)


# --- a documented starting point (budgetbook init) ----------------------------------------

def config_template(namnd: str = "Socialnämnden", ar: int = 2022) -> str:
    """The text `budgetbook init` writes: every field explained, in Swedish."""
    q = _toml_str
    return f"""\
# Konfiguration för budgetbook: nämndens organisation för månads- och tertialrapporter.
#
# Filen läses av `budgetbook new --config` (enheternas arbetsböcker) och av
# `budgetbook consolidate` (nämndens sammanställning). Ändra namn, koder och enheter så att
# de stämmer med nämndens organisation. Rader som börjar med # är kommentarer.
# Ett fel i filen visas med radnummer när den läses.

[namnd]
# Nämndens namn, som det ska stå i rapporten.
namn = {q(namnd)}
# Rapportåret (verksamhetsåret) som rapporterna avser.
ar = {ar}
# Beloppsenhet i nämndens rapport: "tkr" (tusental kronor) eller "mnkr" (miljoner kronor).
belopp_i = "tkr"
# Kod som nämndens egen arbetsbok visar i fältet Enhet, kod (valfri).
kod = "NAMND"

# Nämndens verksamheter i den ordning de ska stå i rapporten. En [[verksamhet]] per
# verksamhet: kod (kort, unik) och namn (som enheterna väljer i sina arbetsböcker;
# enheternas rader matchas mot namnet, så det måste vara unikt).
[[verksamhet]]
kod = "BOU"
namn = "Barn och unga 0–20 år"

[[verksamhet]]
kod = "VUX"
namn = "Vuxna 21–64 år"

[[verksamhet]]
kod = "FUNK"
namn = "Personer med funktionsnedsättning"

[[verksamhet]]
kod = "GEM"
namn = "Gemensam socialtjänst"

[[verksamhet]]
kod = "MYN"
namn = "Myndighet och huvudmannaskap"

[[verksamhet]]
kod = "NAM"
namn = "Nämnd och nämndstöd"

# Enheterna som lämnar rapport. En [[enhet]] per enhet:
#   kod          enhetens kod (står i arbetsbokens fält Enhet, kod; unik)
#   namn         enhetens namn
#   kontakt      vem som svarar för rapporten (e-post), visas i sammanställningen
#   verksamheter de verksamheter (koder ovan) enheten rapporterar på; en enhet kan
#                rapportera på flera, och flera enheter kan dela en verksamhet.
# Varje verksamhet måste ha minst en enhet som rapporterar på den.
[[enhet]]
kod = "1001"
namn = "Barn och familjeenheten"
kontakt = "anna.andersson@kommun.se"
verksamheter = ["BOU", "MYN"]

[[enhet]]
kod = "1002"
namn = "Vuxenenheten"
kontakt = "bertil.berg@kommun.se"
verksamheter = ["VUX", "MYN"]

[[enhet]]
kod = "1003"
namn = "Enheten för funktionsnedsättning"
kontakt = "cecilia.carlsson@kommun.se"
verksamheter = ["FUNK"]

[[enhet]]
kod = "1004"
namn = "Stab och nämndstöd"
kontakt = "david.dahl@kommun.se"
verksamheter = ["GEM", "NAM"]

# Valfritt: avvikande inställningar för valideringen (se README, Inställningar).
# Ta bort # framför en rad för att ändra värdet.
[validering]
# Avrundningsmarginal per term, tkr respektive mnkr.
# rounding_tkr = 0.5
# rounding_mnkr = 0.05
# Tillåten relativ avvikelse mellan ack budget och årsbudget × månad/12.
# ack_budget_band = 0.25
# Negativ prognosavvikelse över dessa gränser kräver kommentar eller åtgärd.
# prognos_threshold_tkr = 500
# prognos_threshold_pct = 0.01
# Ändra allvarlighetsgrad för en kontroll: "fel", "varning", "info" eller "av".
# severities = {{ "IN-013" = "info" }}
"""


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
