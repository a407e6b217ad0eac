"""Realistic unit workbooks for the benchmarks, made with the project's own template code.

Invariant: the same (seed, unit index, period) always gives the same workbook bytes, and
every workbook is internally consistent — netto = intäkter + kostnader, totals are the sum
of their rows, kostnadsslag Nettoresultat = ekonomi Summa netto, prognosorsaker sum to the
verksamhet's prognosavvikelse, signs follow the report convention, monthly series stop at
the report month — so a correct validator finds nothing to say about them.

Formula cells carry cached results, as a workbook saved by Excel does (the template code
writes formulas without them; ``with_cached_values`` adds what the reader computes). Pass
``cached=False`` for the other real case: a file written by a script and never opened.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import zipfile
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from budgetbook.excel.template import BookContent, build_workbook, workbook_bytes
from budgetbook.spec import MANADER, SPEC
from budgetbook.spec.sections import rapporttyp_for_month

GENERATOR_VERSION = "2"  # bump when the workbooks change, so cached inboxes are rebuilt

VERKSAMHETER = (
    ("BOU", "Barn och unga 0–20 år"),
    ("VUX", "Vuxna 21–64 år"),
    ("FUN", "Personer med funktionsnedsättning"),
    ("GEM", "Gemensam socialtjänst"),
    ("MYN", "Myndighet och huvudmannaskap"),
    ("NAM", "Nämnd och nämndstöd"),
    ("AEL", "Äldreomsorg hemtjänst"),
    ("ABO", "Äldreomsorg särskilt boende"),
    ("ARB", "Arbetsmarknad och försörjningsstöd"),
    ("INT", "Integration och etablering"),
    ("MIS", "Missbruk och beroende"),
    ("HSL", "Hälso- och sjukvård"),
)

NYCKELTAL = (
    "Antal barnavårdsutredningar", "Antal placerade barn", "Antal hushåll med försörjningsstöd",
    "Antal vårddygn HVB", "Antal beviljade hemtjänsttimmar", "Antal personer i daglig verksamhet",
    "Antal LSS-beslut", "Antal anmälningar", "Antal ärenden familjerätt", "Antal kontaktpersoner",
    "Antal boendeplatser", "Antal besök öppenvård", "Antal handläggare", "Antal årsarbetare",
    "Antal timanställda", "Antal nya ärenden", "Antal avslutade ärenden", "Antal klagomål",
    "Antal lex Sarah", "Antal samordnade planer",
)

INDIKATOR_NAMN = (
    "Andel brukare som är nöjda med bemötandet", "Andel utredningar klara inom fyra månader",
    "Andel ungdomar utan återaktualisering", "Väntetid till särskilt boende (dagar)",
    "Andel vuxna med försörjningsstöd som gått till arbete", "Antal personer i egen försörjning",
    "Andel medarbetare som rekommenderar arbetsplatsen", "Sjukfrånvaro i procent",
    "Andel heltidsanställda", "Personalomsättning", "Andel genomförandeplaner", "Andel klagomål besvarade",
)

STATSBIDRAG_NAMN = (
    "Stärkt barnrättsperspektiv", "Äldreomsorgslyftet", "Motverka ensamhet bland äldre",
    "Habiliteringsersättning", "Psykisk hälsa", "Våld i nära relationer", "Kvinnofrid",
    "Socialt hållbar stadsutveckling", "God och nära vård", "Yrkesresan", "Stärka socialtjänsten",
    "Förebygga hemlöshet", "Personligt ombud", "Barn i ekonomiskt utsatta familjer", "Fritidskort",
)

ORSAKER = (
    "Ökade kostnader för placeringar", "Vakanta tjänster", "Lägre volymer än budgeterat",
    "Högre kostnader för inhyrd personal", "Statsbidrag som inte budgeterats",
    "Fler ärenden än planerat", "Lägre lokalkostnader", "Försenad upphandling",
)


@dataclass(frozen=True)
class Unit:
    kod: str
    namn: str
    verksamheter: tuple[int, ...]  # indexes into VERKSAMHETER


def organisation(n_units: int, seed: int = 2022) -> list[Unit]:
    """The nämnd's enheter; each reports on one to three verksamheter, every verksamhet has one."""
    rng = random.Random(f"org-{seed}")
    units = []
    for i in range(n_units):
        k = rng.choice((1, 2, 2, 3))
        picks = {i % len(VERKSAMHETER)} | set(rng.sample(range(len(VERKSAMHETER)), k - 1))
        units.append(Unit(kod=f"{1001 + i}", namn=f"Enhet {1001 + i}", verksamheter=tuple(sorted(picks))))
    return units


def config_toml(units: list[Unit], year: int, namnd: str = "Socialnämnden") -> str:
    """The nämnd configuration in the agreed format (budgetbook.config)."""
    used = sorted({v for u in units for v in u.verksamheter})
    out = ["[namnd]", f'namn = "{namnd}"', f"ar = {year}", 'belopp_i = "tkr"', ""]
    for v in used:
        kod, namn = VERKSAMHETER[v]
        out += ["[[verksamhet]]", f'kod = "{kod}"', f'namn = "{namn}"', ""]
    for u in units:
        vs = ", ".join(f'"{VERKSAMHETER[v][0]}"' for v in u.verksamheter)
        out += ["[[enhet]]", f'kod = "{u.kod}"', f'namn = "{u.namn}"',
                f'kontakt = "enhet{u.kod}@kommun.se"', f"verksamheter = [{vs}]", ""]
    return "\n".join(out)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` split into ``parts`` integers of the same sign that add up exactly."""
    return _apportion(total, [rng.uniform(0.3, 1.0) for _ in range(parts)])


def _apportion(total: int, weights: list[float]) -> list[int]:
    s = sum(weights)
    out = [int(total * w / s) for w in weights]
    out[0] += total - sum(out)
    return out


def unit_content(unit: Unit, year: int = 2022, month: int = 8, seed: int = 2022) -> BookContent:
    rng = random.Random(f"unit-{seed}-{unit.kod}-{year}-{month}")
    names = [VERKSAMHETER[v][1] for v in unit.verksamheter]
    header = {
        "namnd": "Socialnämnden", "enhet_kod": unit.kod, "enhet_namn": unit.namn, "ar": year,
        "manad": month, "rapporttyp": rapporttyp_for_month(month), "belopp_i": "tkr",
        "uppgiftslamnare": f"Controller {unit.kod}", "datum": dt.date(year, month % 12 + 1, 5),
    }
    rows: dict[str, list[dict]] = {}

    # Ekonomi: one row per verksamhet; ack budget = årsbudget × month / 12.
    ekonomi = []
    for name in names:
        ars_int = rng.randrange(2_000, 30_000)
        ars_kost = -rng.randrange(40_000, 250_000)
        b_int, b_kost = round(ars_int * month / 12), round(ars_kost * month / 12)
        u_int = round(b_int * rng.uniform(0.9, 1.1))
        u_kost = round(b_kost * rng.uniform(0.95, 1.06))
        ars_netto = ars_int + ars_kost
        prognos = round(ars_netto + (u_int + u_kost - b_int - b_kost) * 12 / month * rng.uniform(0.6, 1.0))
        ekonomi.append({
            "verksamhet": name, "utfall_intakter": u_int, "utfall_kostnader": u_kost,
            "budget_intakter": b_int, "budget_kostnader": b_kost, "arsbudget_netto": ars_netto,
            "prognos_netto": prognos, "bokslut_fg_ar": round(prognos * rng.uniform(0.93, 1.03)),
            "_ars_int": ars_int, "_prognos_int": round(ars_int * rng.uniform(0.95, 1.1)),
        })

    # Kostnadsslag: the same totals split over the fixed rows.
    ks = SPEC.section("kostnadsslag")
    intakt_rows = [r.code for r in ks.fixed_rows if not r.is_total and r.sign is not None and r.sign.value == "+"]
    kost_rows = [r.code for r in ks.fixed_rows if not r.is_total and r.sign is not None and r.sign.value == "-"]
    tot = {k: sum(e[k] for e in ekonomi) for k in ("utfall_intakter", "utfall_kostnader", "budget_intakter",
                                                   "budget_kostnader", "arsbudget_netto", "prognos_netto",
                                                   "_ars_int", "_prognos_int")}
    fixed: dict[str, dict] = {}
    pairs = {
        "utfall": (tot["utfall_intakter"], tot["utfall_kostnader"]),
        "budget": (tot["budget_intakter"], tot["budget_kostnader"]),
        "arsbudget": (tot["_ars_int"], tot["arsbudget_netto"] - tot["_ars_int"]),
        "prognos": (tot["_prognos_int"], tot["prognos_netto"] - tot["_prognos_int"]),
    }
    # One set of weights for every column, so each row keeps ack budget ≈ årsbudget × month/12
    # and a prognos at least as large as what is already spent, as the totals do.
    w_int = [rng.uniform(0.3, 1.0) for _ in intakt_rows]
    w_kost = [rng.uniform(0.3, 1.0) for _ in kost_rows]
    for col, (intakter, kostnader) in pairs.items():
        for code, v in zip(intakt_rows, _apportion(intakter, w_int)):
            fixed.setdefault(code, {})[col] = v
        for code, v in zip(kost_rows, _apportion(kostnader, w_kost)):
            fixed.setdefault(code, {})[col] = v
    for e in ekonomi:
        del e["_ars_int"], e["_prognos_int"]
    rows["ekonomi"] = ekonomi

    # Prognosorsaker: two to four per verksamhet, summing to its prognosavvikelse.
    orsaker = []
    for e in ekonomi:
        avv = e["prognos_netto"] - e["arsbudget_netto"]
        n = rng.randrange(2, 5)
        parts = _split(avv, n, rng) if avv else [0] * n
        for orsak, part in zip(rng.sample(ORSAKER, n), parts):
            orsaker.append({"verksamhet": e["verksamhet"], "orsak": orsak, "belopp": part})
    rows["prognosorsaker"] = orsaker

    rows["investeringar"] = [
        {"projektnummer": f"P{unit.kod}{i:02d}", "projekt": f"Investeringsprojekt {i + 1}",
         "inkomster": rng.choice((0, 0, rng.randrange(50, 500))), "utgifter": -rng.randrange(100, 5_000),
         "projektbudget": -rng.randrange(5_000, 20_000), "prognos_ar": -rng.randrange(1_000, 8_000),
         "prognos_kommande": -rng.randrange(0, 10_000)}
        for i in range(rng.randrange(15, 26))
    ]
    atgarder = []
    for i in range(rng.randrange(10, 16)):
        belopp = rng.randrange(50, 3_000)
        atgarder.append({
            "atgard": f"Åtgärd {i + 1}: översyn av bemanning och inköp",
            "verksamhet": rng.choice(names), "beslutsdatum": dt.date(year, rng.randrange(1, month + 1), 10),
            "belopp": belopp, "varav_personal": rng.randrange(0, belopp + 1), "utfall": rng.randrange(0, belopp + 1),
            "full_effekt": f"{year + 1}-{rng.randrange(1, 13):02d}",
            "status": rng.choice(("Ej påbörjad", "Pågår", "Klar")), "kommentar": "Enligt beslut i nämnden.",
        })
    rows["atgardsplan"] = atgarder
    statistik = []
    for name in NYCKELTAL:
        base = rng.randrange(5, 500)
        for y, months in ((year, month), (year - 1, 12)):
            r: dict = {"nyckeltal": name, "ar": y, "summerbar": "Ja"}
            for m in MANADER[:months]:
                r[m] = max(0, base + rng.randrange(-base // 5 - 1, base // 5 + 2))
            statistik.append(r)
    rows["statistik"] = statistik
    indikatorer = []
    for i in range(rng.randrange(25, 36)):
        mal = Decimal(rng.randrange(50, 95)) / 100
        indikatorer.append({"indikator": f"{INDIKATOR_NAMN[i % len(INDIKATOR_NAMN)]} ({i // len(INDIKATOR_NAMN) + 1})",
                            "utfall_fg_ar": Decimal(rng.randrange(40, 99)) / 100,
                            "utfall": Decimal(rng.randrange(40, 99)) / 100, "mal": mal})
    rows["indikatorer"] = indikatorer
    rows["statsbidrag"] = [
        {"bidrag": STATSBIDRAG_NAMN[i], "sokt": (s := rng.randrange(100, 5_000)),
         "erhallet": round(s * rng.uniform(0.5, 1)), "prognos": round(s * rng.uniform(0.5, 1))}
        for i in range(rng.randrange(10, len(STATSBIDRAG_NAMN) + 1))
    ]
    sjuk = []
    for i in range(rng.randrange(15, 26)):
        kort, lang = rng.randrange(5, 60), rng.randrange(0, 80)  # per mille
        sjuk.append({"ansvar": f"{unit.kod}{i:02d}", "benamning": f"Arbetsgrupp {i + 1}",
                     "total": Decimal(kort + lang) / 1000, "kort": Decimal(kort) / 1000,
                     "lang": Decimal(lang) / 1000})
    rows["sjukfranvaro"] = sjuk
    rows["kommentarer"] = [
        {"verksamhet": e["verksamhet"],
         "kommentar": (f"Verksamheten redovisar en budgetavvikelse för perioden. Helårsprognosen visar "
                       f"en avvikelse om {_tkr(e['prognos_netto'] - e['arsbudget_netto'])} tkr mot årsbudget, "
                       "främst till följd av de orsaker som anges i tabellen Prognosorsaker.")}
        for e in ekonomi
    ]
    return BookContent(header=header, rows=rows, fixed={"kostnadsslag": fixed},
                       verksamheter=[n for _, n in VERKSAMHETER])


def _tkr(v: int) -> str:
    return f"{v:,}".replace(",", "\u00a0").replace("-", "−")


def unit_bytes(content: BookContent, cached: bool = True) -> bytes:
    """The .xlsx bytes of a unit workbook (deterministic), with cached formula results."""
    data = workbook_bytes(build_workbook(SPEC.sections, content))
    return with_cached_values(data) if cached else data


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*)><f>([^<]*)</f><v ?/>(</c>)')


def with_cached_values(data: bytes) -> bytes:
    """Add the results an Excel save would cache to every formula cell (computed by the reader)."""
    from budgetbook.excel import read_workbook

    tmp = io.BytesIO(data)
    book = _read_bytes(read_workbook, data)
    results: dict[str, dict[bytes, object]] = {}
    for sec in book.sections.values():
        per = results.setdefault(sec.sheet, {})
        for row in sec.rows:
            for cell in row.cells.values():
                if cell.formula:
                    per[cell.ref.encode()] = cell.value
    src = zipfile.ZipFile(tmp)
    sheet_parts = _sheet_parts(src)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            sheet = sheet_parts.get(info.filename)
            if sheet in results:
                part = _FORMULA_CELL.sub(lambda m, per=results[sheet]: _cached(m, per), part)
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, part)
    return out.getvalue()


def _read_bytes(read_workbook, data: bytes):
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as fh:
        fh.write(data)
        fh.flush()
        return read_workbook(fh.name)


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    from budgetbook.excel.package import open_package

    pkg = open_package("bench.xlsx", data=zf.fp.getvalue())  # type: ignore[union-attr]
    return {s.part: s.name for s in pkg.sheets}


def _cached(m: re.Match, per: dict[bytes, object]) -> bytes:
    ref, attrs, formula, end = m.groups()
    value = per.get(ref)
    if value is None:  # the formula shows "" (an empty row): Excel caches an empty string
        return b'<c r="%s"%s t="str"><f>%s</f><v></v>%s' % (ref, attrs, formula, end)
    if isinstance(value, Decimal):
        text = repr(float(value)) if value != value.to_integral_value() else str(int(value))
        return b'<c r="%s"%s><f>%s</f><v>%s</v>%s' % (ref, attrs, formula, text.encode(), end)
    raise ValueError(f"unexpected formula result {value!r} at {ref!r}")


def write_inbox(folder: Path, n_units: int, seed: int = 2022, year: int = 2022, month: int = 8,
                cached: bool = True) -> tuple[list[Path], Path]:
    """``n_units`` unit workbooks and the nämnd configuration, reused when already written."""
    folder.mkdir(parents=True, exist_ok=True)
    units = organisation(n_units, seed)
    config = folder.parent / f"{folder.name}.toml"
    stamp = folder.parent / f".{folder.name}.generated"  # outside the inbox: no stray file in it
    key = f"{GENERATOR_VERSION} {n_units} {seed} {year} {month} {cached}"
    paths = [folder / f"enhet_{u.kod}_{year}-{month:02d}.xlsx" for u in units]
    if stamp.exists() and stamp.read_text() == key and all(p.exists() for p in paths):
        return paths, config
    for u, p in zip(units, paths):
        p.write_bytes(unit_bytes(unit_content(u, year, month, seed), cached=cached))
    config.write_text(config_toml(units, year), encoding="utf-8")
    stamp.write_text(key)
    return paths, config
