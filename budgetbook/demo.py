"""The demo nämnd: a configuration and a period's unit workbooks, generated from a seed.

Invariant: the same (period, seed) always gives the same data. Everything here is pure
except ``write_demo``, which writes the configuration and the unit workbooks with the
project's own template code (imported when called). The figures are modelled on
Socialnämnden's tertialrapport 2 2022 (nämnd ack netto about −610 000 tkr, årsbudget about
−958 000 tkr) and are internally consistent — netto, avvikelser, Summa, kostnadsslag
against ekonomi, prognosorsaker against prognosavvikelse, comments against tables — except
for the one error planted on purpose in a few units (``PlantedError``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

from .period import Period
from .spec import MANADER, SPEC

DEMO_SEED = 2022
DEMO_PERIOD = "2022-08"
CONFIG_FILE = "budgetbook.toml"
INBOX_DIR = "inkorg"
MARKER_FILE = ".budgetbook-demo"  # marks a folder the demo made, so a rerun may replace it


# --- the organisation -----------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    """A verksamhet's nämnd-level figures at T2 (tkr) and what its units report besides."""

    utfall_intakter: int
    utfall_kostnader: int
    budget_intakter: int
    budget_kostnader: int
    arsbudget_netto: int
    prognos_netto: int
    bokslut_fg_ar: int
    # Kostnadsslag weights: personal, köp av verksamhet, lämnade bidrag, lokal, övriga, kapital.
    kostnader: tuple[float, float, float, float, float, float]
    orsaker: tuple[str, ...]  # what drives a prognosavvikelse here
    kommentar: str  # the analysis sentence after the figures
    nyckeltal: tuple[tuple[str, str, int], ...] = ()  # (nyckeltal, summerbar, per month)
    indikatorer: tuple[tuple[str, str, str, str], ...] = ()  # (indikator, fg år, utfall, mål)
    statsbidrag: tuple[tuple[str, int, int, int], ...] = ()  # (bidrag, sökt, erhållet, prognos)


@dataclass(frozen=True)
class DemoVerksamhet:
    kod: str
    namn: str
    profile: Profile


@dataclass(frozen=True)
class DemoEnhet:
    kod: str
    namn: str
    kontakt: str  # the controller's e-mail
    uppgiftslamnare: str
    verksamheter: tuple[tuple[str, float], ...]  # (verksamhet kod, share of its figures)


@dataclass(frozen=True)
class Organisation:
    namnd: str
    ar: int
    belopp_i: str
    verksamheter: tuple[DemoVerksamhet, ...]
    enheter: tuple[DemoEnhet, ...]

    def verksamhet(self, kod: str) -> DemoVerksamhet:
        return next(v for v in self.verksamheter if v.kod == kod)

    def enhet(self, kod: str) -> DemoEnhet:
        return next(e for e in self.enheter if e.kod == kod)


_VERKSAMHETER = (
    DemoVerksamhet("BOU", "Barn och unga 0–20 år", Profile(
        6_700, -118_100, 5_700, -120_700, -172_500, -170_300, -159_840,
        (0.22, 0.62, 0.06, 0.04, 0.055, 0.005),
        ("Heldygnsvård, fler placeringar", "Biståndsbedömd öppenvård", "Övrig öppenvård inkl föreningsbidrag",
         "Ensamkommande barn och unga"),
        "Antalet barn och unga i heldygnsvård har ökat sedan tertial ett; överskott inom öppenvården "
        "möter underskottet.",
        nyckeltal=(("Antal aktualiseringar barn och unga 0–20 år", "Ja", 400),
                   ("Antal pågående heldygnsplaceringar", "Ja", 112)),
        indikatorer=(("Andel familjehemsplacerade flickor och pojkar som uppnår kunskapsmålen i skolan",
                      "0.76", "0.60", "0.95"),),
        statsbidrag=(("Statsbidrag för sociala insatser för barn och unga i utsatta områden 2022", 6_000, 500, 4_000),
                     ("Statsbidrag subventioner av familjehemsplaceringar 2022", 700, 400, 600)),
    )),
    DemoVerksamhet("VUX", "Vuxna 21–64 år", Profile(
        10_600, -52_200, 13_300, -59_500, -69_300, -65_200, -63_020,
        (0.25, 0.35, 0.30, 0.04, 0.055, 0.005),
        ("Skyddat boende, färre placeringar", "Ekonomiskt bistånd", "Missbruksvård, institution"),
        "Färre personer har varit placerade i skyddat boende än samma period föregående år; "
        "öppenvårdsinsatserna har ökat.",
        nyckeltal=(("Antal hushåll med ekonomiskt bistånd", "Ja", 620),
                   ("Antal placerade i skyddat boende", "Ja", 8)),
        indikatorer=(("Andel kvinnor och män över 18 år som vid avslutad placering på skyddat boende "
                      "uppger att de inte utsätts för våld", "0.87", "0.74", "0.85"),
                     ("Andel av hyresgästerna med socialt kontrakt som efter avslutad insats anskaffar "
                      "en egen bostad", "0.75", "1.00", "0.75")),
        statsbidrag=(("Statsbidrag Våld i nära relationer 2022", 1_200, 700, 1_200),),
    )),
    DemoVerksamhet("FUNK", "Personer med funktionsnedsättning", Profile(
        25_400, -395_000, 20_900, -406_900, -579_000, -572_000, -548_310,
        (0.12, 0.78, 0.02, 0.03, 0.045, 0.005),
        ("LSS-boende, senare inflyttning", "Personlig assistans", "Daglig verksamhet, fler kunder",
         "Hemtjänst SoL"),
        "Kostnaderna för LSS-boenden beror på byggtakten, IVO-tillstånden och hur snabbt kunderna "
        "flyttar in; daglig verksamhet har fler kunder än budgeterat.",
        nyckeltal=(("Antal kunder med personlig assistans, kommunens beslut", "Ja", 56),
                   ("Antal personer i daglig verksamhet", "Ja", 275)),
        indikatorer=(("Andel kunder med beviljat boende enligt LSS där behovet tillgodoses inom "
                      "kommunens gränser", "0.81", "0.80", "0.90"),),
        statsbidrag=(("Stimulansmedel psykisk hälsa 2022", 3_100, 2_000, 3_100),
                     ("Statsbidrag för habiliteringsersättning 2022", 2_400, 200, 2_400)),
    )),
    DemoVerksamhet("GEM", "Gemensam socialtjänst", Profile(
        0, -2_100, 0, -4_600, -6_700, -5_300, -5_890,
        (0.40, 0.10, 0.0, 0.10, 0.38, 0.02),
        ("IT och licenser", "Utbyte av persondatorer"),
        "De nya licenskostnaderna för verksamhetssystemet från den 1 oktober ingår i prognosen.",
        nyckeltal=(("Antal ärenden serveringstillstånd", "Ja", 12),),
    )),
    DemoVerksamhet("MYN", "Myndighet och huvudmannaskap", Profile(
        0, -83_600, 0, -85_500, -128_200, -128_200, -124_460,
        (0.80, 0.05, 0.0, 0.08, 0.07, 0.0),
        ("Statsbidrag som finansierar myndigheten", "Inhyrd personal"),
        "Statsbidrag bidrar till att finansiera myndigheten; årsresultatet väntas ligga i linje med budget.",
        nyckeltal=(("Medeltal utredningsdagar i avslutade barnavårdsutredningar", "Nej", 87),),
    )),
    DemoVerksamhet("NAMND", "Nämnd och nämndstöd", Profile(
        0, -1_700, 0, -1_600, -2_400, -2_600, -2_310,
        (0.70, 0.05, 0.0, 0.0, 0.25, 0.0),
        ("Höjda arvoden för nämnd och utskott", "IT-kostnader"),
        "Arvodena för socialnämnd och socialutskott har höjts; kostnaderna för IT är högre än budgeterat.",
        nyckeltal=(("Antal sammanträden", "Ja", 1),),
    )),
)


def _enhet(kod: str, namn: str, person: str, *verksamheter: tuple[str, float]) -> DemoEnhet:
    first, last = person.split(" ", 1)
    mail = f"{_ascii(first)}.{_ascii(last)}@kommun.se".lower()
    return DemoEnhet(kod, namn, mail, person, tuple(verksamheter))


def _ascii(text: str) -> str:
    return text.translate(str.maketrans("åäöÅÄÖé ", "aaoAAOe-"))


_ENHETER = (
    _enhet("1110", "Barn och familjeenheten", "Anna Andersson", ("BOU", 0.80), ("MYN", 0.50)),
    _enhet("1120", "Familjecentralen Fisksätra", "Fatima Hassan", ("BOU", 0.08)),
    _enhet("1130", "Enheten för unga i riskzon", "Johan Lindqvist", ("BOU", 0.12)),
    _enhet("1210", "Arbete och etableringsenheten", "Maria Berg", ("VUX", 0.45), ("MYN", 0.20)),
    _enhet("1220", "Utredning vuxna", "Erik Sjöberg", ("VUX", 0.35)),
    _enhet("1230", "Enheten för våld i nära relationer", "Sara Nyström", ("VUX", 0.20)),
    _enhet("1310", "Omsorgsenheten", "Karin Holm", ("FUNK", 0.45), ("MYN", 0.30)),
    _enhet("1320", "Socialpsykiatrienheten", "Lars Ek", ("FUNK", 0.15)),
    _enhet("1330", "Bostad med särskild service", "Eva Lund", ("FUNK", 0.28)),
    _enhet("1340", "Personlig assistans och ledsagning", "Ahmed Karimi", ("FUNK", 0.12)),
    _enhet("1410", "Kvalitet och utveckling", "Linnea Wallin", ("GEM", 0.70)),
    _enhet("1420", "Socialtjänstens stab", "Per Åberg", ("NAMND", 1.00), ("GEM", 0.30)),
)

ORGANISATION = Organisation("Socialnämnden", 2022, "tkr", _VERKSAMHETER, _ENHETER)


def demo_organisation(year: int = 2022) -> Organisation:
    """The demo nämnd: six verksamheter, twelve enheter (four on two verksamheter)."""
    return replace(ORGANISATION, ar=year)


def demo_config(year: int = 2022) -> str:
    """The nämnd configuration (TOML, the format ``budgetbook.config`` reads), documented."""
    org = demo_organisation(year)
    out = [
        "# budgetbook: nämndens konfiguration (exempel från `budgetbook demo`).",
        "# Verksamheterna i rapportordning; varje enhet med de verksamheter den rapporterar på.",
        "",
        "[namnd]",
        f'namn = "{org.namnd}"',
        f"ar = {org.ar}",
        f'belopp_i = "{org.belopp_i}"',
    ]
    for v in org.verksamheter:
        out += ["", "[[verksamhet]]", f'kod = "{v.kod}"', f'namn = "{v.namn}"']
    for e in org.enheter:
        koder = ", ".join(f'"{k}"' for k, _ in e.verksamheter)
        out += ["", "[[enhet]]", f'kod = "{e.kod}"', f'namn = "{e.namn}"', f'kontakt = "{e.kontakt}"',
                f"verksamheter = [{koder}]"]
    return "\n".join(out) + "\n"


# --- planted errors ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PlantedError:
    """One typical error put into one unit on purpose, and where validation must find it."""

    enhet: str
    kind: str  # summa | tecken | huvudbok | manad | prognosorsaker | saknas
    description: str  # Swedish, for the user
    code: str  # the finding code that must be reported ("" for a missing unit)
    section: str = ""
    # The value's key in BookContent.placed (section, row index or code, column), when the
    # error sits in one cell; ``cell`` ("Sheet!A1") is filled in when the workbook is built.
    at: tuple[str, Any, str] | None = None
    cell: str = ""

    @property
    def sheet(self) -> str:
        return self.cell.partition("!")[0] if self.cell else (SPEC.section(self.section).sheet
                                                              if self.section else "")


# Which unit carries which error (one each); the others are correct.
PLANTED = {
    "1110": "summa",
    "1120": "manad",
    "1210": "huvudbok",
    "1230": "saknas",
    "1320": "tecken",
    "1330": "prognosorsaker",
}

# The code each kind of planted error must be reported with (the validators' catalogue).
PLANTED_CODES = {
    "summa": "SUM-001",
    "tecken": "SIGN-001",
    "huvudbok": "SIGN-002",
    "manad": "PER-004",
    "prognosorsaker": "PROG-001",
    "saknas": "",
}


# --- unit data --------------------------------------------------------------------------------

@dataclass
class UnitData:
    """One unit's workbook as data: what ``write_demo`` hands to the template code."""

    enhet: DemoEnhet
    header: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fixed: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    totals: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    planted: PlantedError | None = None

    @property
    def missing(self) -> bool:
        """The unit is configured but sends no workbook."""
        return self.planted is not None and self.planted.kind == "saknas"

    @property
    def filename(self) -> str:
        return f"{self.enhet.kod}_{_ascii(self.enhet.namn).replace('-', '_')}.xlsx"


def demo_units(period: str | Period = DEMO_PERIOD, seed: int = DEMO_SEED) -> list[UnitData]:
    """Every configured unit's data for the period, the planted errors included."""
    p = period if isinstance(period, Period) else Period.parse(period)
    org = demo_organisation(p.year)
    rng = random.Random(seed)
    units = [_unit(org, e, p, rng) for e in org.enheter]
    for u in units:
        kind = PLANTED.get(u.enhet.kod)
        if kind:
            _PLANT[kind](u, p)
    for u in units:
        u.rows["kommentarer"] = _kommentarer(org, u)
    return units


def _jitter(rng: random.Random, spread: float) -> float:
    return 1.0 + (rng.random() - 0.5) * 2 * spread


def _round_to(x: float, step: int) -> int:
    return int(round(x / step)) * step


def _unit(org: Organisation, e: DemoEnhet, p: Period, rng: random.Random) -> UnitData:
    m = p.month
    header = {
        "namnd": org.namnd, "enhet_kod": e.kod, "enhet_namn": e.namn, "ar": p.year, "manad": m,
        "rapporttyp": p.rapporttyp, "belopp_i": org.belopp_i, "uppgiftslamnare": e.uppgiftslamnare,
        "datum": _report_date(p) + dt.timedelta(days=int(rng.random() * 4)),
    }
    u = UnitData(enhet=e, header=header)
    ekonomi, orsaker = [], []
    for kod, share in e.verksamheter:
        v = org.verksamhet(kod)
        pr = v.profile
        ack = m / 8  # the profile is at T2; other months scale the accumulated figures
        arsbudget = round(pr.arsbudget_netto * share)
        budget_netto = round((pr.budget_intakter + pr.budget_kostnader) * share * ack)
        budget_intakter = round(pr.budget_intakter * share * ack)
        utfall_intakter = round(pr.utfall_intakter * share * ack * _jitter(rng, 0.05))
        utfall_netto = round((pr.utfall_intakter + pr.utfall_kostnader) * share * ack * _jitter(rng, 0.02))
        avvikelse = _round_to((pr.prognos_netto - pr.arsbudget_netto) * share * _jitter(rng, 0.3), 50)
        row = {
            "verksamhet": v.namn,
            "utfall_intakter": utfall_intakter,
            "utfall_kostnader": utfall_netto - utfall_intakter,
            "budget_intakter": budget_intakter,
            "budget_kostnader": budget_netto - budget_intakter,
            "arsbudget_netto": arsbudget,
            "prognos_netto": arsbudget + avvikelse,
            "bokslut_fg_ar": round(pr.bokslut_fg_ar * share * _jitter(rng, 0.01)),
        }
        ekonomi.append(row)
        orsaker += _orsaker(v, avvikelse, rng)
    u.rows["ekonomi"] = ekonomi
    u.rows["prognosorsaker"] = orsaker
    u.fixed["kostnadsslag"] = _kostnadsslag(org, e, ekonomi, m)
    first = org.verksamhet(e.verksamheter[0][0])
    u.rows["statistik"] = _statistik(first.profile, e.verksamheter[0][1], p, rng)
    owner = _owns_lists(org, e)
    u.rows["indikatorer"] = [
        {"indikator": n, "utfall_fg_ar": Decimal(a), "utfall": Decimal(b), "mal": Decimal(c)}
        for n, a, b, c in (first.profile.indikatorer if owner else ())]
    u.rows["statsbidrag"] = [
        {"bidrag": n, "sokt": s, "erhallet": r, "prognos": q}
        for n, s, r, q in (first.profile.statsbidrag if owner else ())]
    kort = Decimal(150 + int(rng.random() * 200)) / 10000
    lang = Decimal(100 + int(rng.random() * 300)) / 10000
    u.rows["sjukfranvaro"] = [{"ansvar": e.kod, "benamning": e.namn, "total": kort + lang, "kort": kort,
                               "lang": lang}]
    u.rows["atgardsplan"] = _atgarder(org, e, ekonomi, p)
    u.rows["investeringar"] = []
    return u


def _report_date(p: Period) -> dt.date:
    """The fifth working-ish day after the period: when units report."""
    first_next = dt.date(p.year + (p.month == 12), p.month % 12 + 1, 1)
    return first_next + dt.timedelta(days=4)


def _owns_lists(org: Organisation, e: DemoEnhet) -> bool:
    """The first unit of a verksamhet reports its indikatorer and statsbidrag."""
    kod = e.verksamheter[0][0]
    return next(x for x in org.enheter if x.verksamheter[0][0] == kod) is e


def _orsaker(v: DemoVerksamhet, avvikelse: int, rng: random.Random) -> list[dict[str, Any]]:
    """Reasons that add up exactly to the verksamhet's prognosavvikelse."""
    if avvikelse == 0:
        return []
    n = min(len(v.profile.orsaker), 2 + int(rng.random() * 2))
    amounts = [_round_to(avvikelse * (rng.random() * 1.6 - 0.3), 50) for _ in range(n - 1)]
    amounts.append(avvikelse - sum(amounts))
    return [{"verksamhet": v.namn, "orsak": o, "belopp": a}
            for o, a in zip(v.profile.orsaker, amounts) if a != 0]


_INTAKT_ROWS = ("forsaljning", "taxor_avgifter", "hyror_arrenden", "bidrag", "ovriga_intakter")
_INTAKT_WEIGHTS = (0.10, 0.15, 0.20, 0.50, 0.05)
_KOSTNAD_ROWS = ("personalkostnader", "kop_av_verksamhet", "lamnade_bidrag", "lokalkostnader",
                 "ovriga_kostnader", "kapitalkostnader")


def split(total: int, weights: tuple[float, ...]) -> list[int]:
    """Whole numbers in proportion to ``weights`` that add up to ``total`` exactly."""
    s = sum(weights)
    if not s:
        return [total] + [0] * (len(weights) - 1)
    raw = [total * w / s for w in weights]
    parts = [int(x) for x in raw]  # truncates toward zero: the sign of every part is total's
    rest = total - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: -abs(raw[i] - parts[i]))
    step = 1 if rest > 0 else -1
    for i in order[: abs(rest)]:
        parts[i] += step
    return parts


def _kostnadsslag(org: Organisation, e: DemoEnhet, ekonomi: list[dict[str, Any]],
                  month: int) -> dict[str, dict[str, Any]]:
    """The unit's result by kostnadsslag: its Nettoresultat equals the ekonomi Summa netto."""
    tot = {k: sum(r[k] for r in ekonomi) for k in ekonomi[0] if k != "verksamhet"}
    costs = [r["utfall_kostnader"] for r in ekonomi]
    weights = tuple(
        sum(c * org.verksamhet(k).profile.kostnader[i] for (k, _), c in zip(e.verksamheter, costs)) / sum(costs)
        for i in range(len(_KOSTNAD_ROWS)))
    year_in = round(tot["budget_intakter"] * 12 / month)
    prog_in = round(tot["utfall_intakter"] * 12 / month)
    columns = {
        "utfall": (tot["utfall_intakter"], tot["utfall_kostnader"]),
        "budget": (tot["budget_intakter"], tot["budget_kostnader"]),
        "arsbudget": (year_in, tot["arsbudget_netto"] - year_in),
        "prognos": (prog_in, tot["prognos_netto"] - prog_in),
    }
    out: dict[str, dict[str, Any]] = {r: {} for r in _INTAKT_ROWS + _KOSTNAD_ROWS}
    for col, (intakter, kostnader) in columns.items():
        for r, x in zip(_INTAKT_ROWS, split(intakter, _INTAKT_WEIGHTS)):
            out[r][col] = x
        for r, x in zip(_KOSTNAD_ROWS, split(kostnader, weights)):
            out[r][col] = x
    return out


def _statistik(pr: Profile, share: float, p: Period, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for nyckeltal, summerbar, per_month in pr.nyckeltal:
        base = per_month * (share if summerbar == "Ja" else 1.0)
        for year, last in ((p.year, p.month), (p.year - 1, 12)):
            row: dict[str, Any] = {"nyckeltal": nyckeltal, "ar": year, "summerbar": summerbar}
            for i, mon in enumerate(MANADER[:last]):
                row[mon] = max(0, round(base * _jitter(rng, 0.12) * (0.93 if year < p.year else 1.0)))
            rows.append(row)
    return rows


def _atgarder(org: Organisation, e: DemoEnhet, ekonomi: list[dict[str, Any]], p: Period) -> list[dict[str, Any]]:
    """An åtgärd for each verksamhet the unit expects to overspend."""
    out = []
    for r in ekonomi:
        avv = r["prognos_netto"] - r["arsbudget_netto"]
        if avv >= 0:
            continue
        belopp = _round_to(-avv * 1.5, 100) or 100
        out.append({
            "atgard": f"Översyn av kostnaderna inom {r['verksamhet'].lower()}",
            "verksamhet": r["verksamhet"], "beslutsdatum": dt.date(p.year, max(1, p.month - 2), 15),
            "belopp": belopp, "varav_personal": _round_to(belopp * 0.3, 100), "utfall": _round_to(belopp * 0.4, 100),
            "full_effekt": f"{p.year + 1}-03", "status": "Pågår",
            "kommentar": "Åtgärden följs upp varje månad i enhetsledningen.",
        })
    return out


def fmt_tkr(x: int, signed: bool = False) -> str:
    """An amount as a Swedish report prints it: 1 234, −1 234 (+1 234 when ``signed``)."""
    s = f"{abs(x):,}".replace(",", " ")
    if x < 0:
        return "−" + s
    return ("+" + s) if signed and x > 0 else s


def _kommentarer(org: Organisation, u: UnitData) -> list[dict[str, Any]]:
    """One analysis per verksamhet; every figure it quotes is the table's."""
    out = []
    for r in u.rows["ekonomi"]:
        v = next(x for x in org.verksamheter if x.namn == r["verksamhet"])
        utfall = r["utfall_intakter"] + r["utfall_kostnader"]
        budget = r["budget_intakter"] + r["budget_kostnader"]
        text = (f"Periodens utfall är {fmt_tkr(utfall)} tkr mot en budget på {fmt_tkr(budget)} tkr, "
                f"en budgetavvikelse på {fmt_tkr(utfall - budget, True)} tkr. Prognosen för helåret är "
                f"{fmt_tkr(r['prognos_netto'])} tkr, en prognosavvikelse på "
                f"{fmt_tkr(r['prognos_netto'] - r['arsbudget_netto'], True)} tkr. {v.profile.kommentar}")
        out.append({"verksamhet": v.namn, "kommentar": text})
    return out


# --- the planted errors -----------------------------------------------------------------------

def _plant_summa(u: UnitData, p: Period) -> None:
    """Summa utfall kostnader typed by hand, with two digits transposed."""
    rows = u.rows["ekonomi"]
    right = sum(r["utfall_kostnader"] for r in rows)
    digits = list(str(abs(right)))
    i = next((k for k in range(1, len(digits) - 1) if digits[k] != digits[k + 1]), None)
    if i is None:
        typed = right + 1000
    else:
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        typed = -int("".join(digits)) if right < 0 else int("".join(digits))
    u.totals["ekonomi"] = {"summa": {"utfall_kostnader": typed}}
    u.planted = PlantedError(u.enhet.kod, "summa",
                             f"Summa utfall kostnader är inskriven för hand som {fmt_tkr(typed)} "
                             f"i stället för summan {fmt_tkr(right)} (två siffror har bytt plats).",
                             PLANTED_CODES["summa"], "ekonomi", ("ekonomi", "summa", "utfall_kostnader"))


def _plant_tecken(u: UnitData, p: Period) -> None:
    """Lokalkostnader entered as a positive number; the ekonomi sheet follows the same input."""
    row = u.fixed["kostnadsslag"]["lokalkostnader"]
    wrong = -row["utfall"]
    u.rows["ekonomi"][0]["utfall_kostnader"] += 2 * wrong
    row["utfall"] = wrong
    u.planted = PlantedError(u.enhet.kod, "tecken",
                             f"Lokalkostnader (utfall) är inskrivna som ett positivt tal, {fmt_tkr(wrong)}.",
                             PLANTED_CODES["tecken"], "kostnadsslag", ("kostnadsslag", "lokalkostnader", "utfall"))


def _plant_huvudbok(u: UnitData, p: Period) -> None:
    """The kostnadsslag sheet pasted from the ledger: kostnader +, intäkter −."""
    for values in u.fixed["kostnadsslag"].values():
        for k in list(values):
            values[k] = -values[k]
    u.planted = PlantedError(u.enhet.kod, "huvudbok",
                             "Bladet Kostnadsslag är inklistrat ur ekonomisystemet med huvudbokens tecken "
                             "(kostnader +, intäkter −).", PLANTED_CODES["huvudbok"], "kostnadsslag")


def _plant_manad(u: UnitData, p: Period) -> None:
    """A monthly statistik value for the month after the report month."""
    rows = u.rows["statistik"]
    i = next(k for k, r in enumerate(rows) if r["ar"] == p.year)
    if p.month == 12:
        raise ValueError("a value after the report month needs a report month before December")
    nxt = MANADER[p.month]
    rows[i][nxt] = rows[i][MANADER[p.month - 1]]
    u.planted = PlantedError(u.enhet.kod, "manad",
                             f"Statistiken ”{rows[i]['nyckeltal']}” har ett värde för {nxt} {p.year}, "
                             "efter rapportmånaden.", PLANTED_CODES["manad"], "statistik",
                             ("statistik", i, nxt))


def _plant_prognosorsaker(u: UnitData, p: Period) -> None:
    """One reason typed as 1 250 where 850 was meant: the reasons no longer add up."""
    rows = u.rows["prognosorsaker"]
    i = 0
    rows[i]["belopp"] += 400
    target = next(r for r in u.rows["ekonomi"] if r["verksamhet"] == rows[i]["verksamhet"])
    avv = target["prognos_netto"] - target["arsbudget_netto"]
    total = sum(r["belopp"] for r in rows if r["verksamhet"] == rows[i]["verksamhet"])
    u.planted = PlantedError(u.enhet.kod, "prognosorsaker",
                             f"Orsakerna till prognosavvikelsen för {rows[i]['verksamhet']} summerar till "
                             f"{fmt_tkr(total)}, men prognosavvikelsen är {fmt_tkr(avv)}.",
                             PLANTED_CODES["prognosorsaker"], "prognosorsaker")


def _plant_saknas(u: UnitData, p: Period) -> None:
    u.planted = PlantedError(u.enhet.kod, "saknas",
                             "Ingen arbetsbok inskickad, fast enheten finns i konfigurationen.", "")


_PLANT = {
    "summa": _plant_summa,
    "tecken": _plant_tecken,
    "huvudbok": _plant_huvudbok,
    "manad": _plant_manad,
    "prognosorsaker": _plant_prognosorsaker,
    "saknas": _plant_saknas,
}


# --- writing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoFiles:
    """What ``write_demo`` wrote."""

    root: Path
    config: Path
    inbox: Path
    workbooks: dict[str, Path]  # enhet kod → workbook
    units: list[UnitData]

    @property
    def planted(self) -> list[PlantedError]:
        return [u.planted for u in self.units if u.planted is not None]

    @property
    def correct(self) -> list[str]:
        return [u.enhet.kod for u in self.units if u.planted is None]


class DemoDirError(ValueError):
    pass


def write_demo(root: str | Path, seed: int = DEMO_SEED, period: str | Period = DEMO_PERIOD) -> DemoFiles:
    """Write the configuration and the inbox of unit workbooks into ``root``.

    ``root`` must be empty, missing, or a folder an earlier demo made (its files are then
    replaced); anything else is refused, so no user file is ever overwritten.
    """
    from .excel.template import BookContent, build_workbook, save_workbook

    root = Path(root)
    if root.exists() and (not root.is_dir() or (any(root.iterdir()) and not (root / MARKER_FILE).exists())):
        raise DemoDirError(f"{root} finns redan och är inte en tom mapp eller en tidigare demo; "
                           "välj en annan mapp.")
    p = period if isinstance(period, Period) else Period.parse(period)
    units = demo_units(p, seed)
    org = demo_organisation(p.year)
    inbox = root / INBOX_DIR
    inbox.mkdir(parents=True, exist_ok=True)
    (root / MARKER_FILE).write_text(f"seed = {seed}\nperiod = {p}\n", encoding="utf-8")
    config = root / CONFIG_FILE
    config.write_text(demo_config(p.year), encoding="utf-8")
    names = [v.namn for v in org.verksamheter]
    written: dict[str, Path] = {}
    for u in units:
        if u.missing:
            continue
        content = BookContent(header=dict(u.header), rows=u.rows, fixed=u.fixed, totals=u.totals,
                              verksamheter=names)
        path = inbox / u.filename
        save_workbook(build_workbook(content=content), path)
        written[u.enhet.kod] = path
        if u.planted is not None and u.planted.at is not None:
            u.planted = replace(u.planted, cell=content.placed[u.planted.at])
        elif u.planted is None:
            _validated_by_controller(path, u, names)
    return DemoFiles(root=root, config=config, inbox=inbox, workbooks=written, units=units)


def _validated_by_controller(path: Path, u: UnitData, verksamheter: list[str]) -> None:
    """A correct unit arrives as its controller left it after pressing Validera: with the
    Kontroll sheet and the validation seal, so consolidation can tell it was not changed."""
    from .engine import Context, validate
    from .excel import read_workbook
    from .excel.writeback import write_back_file

    book = read_workbook(path)
    period = Period(u.header["ar"], u.header["manad"])
    when = dt.datetime.combine(u.header["datum"], dt.time(9, 30))
    backup = write_back_file(path, book, validate(book, Context(period=period, verksamheter=verksamheter)),
                             now=when)
    backup.unlink()  # the demo's own file: the unvalidated copy is not needed


def planted_found(planted: PlantedError, findings) -> bool:
    """Whether validation reported the planted error at its place."""
    for f in findings:
        if f.code != planted.code:
            continue
        loc = f.location
        if planted.cell:
            sheet, _, cell = planted.cell.partition("!")
            if loc.sheet == sheet and (loc.cell == cell or cell in f.related or planted.cell in f.related):
                return True
        elif loc.section == planted.section or loc.sheet == planted.sheet:
            return True
    return False

__all__ = ["DEMO_SEED", "DEMO_PERIOD", "ORGANISATION", "Organisation", "DemoEnhet", "DemoVerksamhet",
           "PlantedError", "UnitData", "DemoFiles", "DemoDirError", "demo_organisation", "demo_config",
           "demo_units", "write_demo", "planted_found", "split", "fmt_tkr"]
