"""Prose against tables (TEXT-*): an amount a kommentar states as a result, avvikelse or
prognos is one of the table's figures, within rounding and unit (TEXT-001/002); a count it
quotes for one statistik or indikator row is that row's value for the period (TEXT-003,
rules at check_prose_counts).

What counts as an amount (conservative by design; a warning nobody trusts is worse than none):
- only amounts with a money unit: tkr, tusen kronor, mnkr, mkr, miljon(er) (kronor),
  miljard(er); counts, percentages, dates and years carry no unit and are never read as amounts;
- only in a sentence whose clause (or the clause before it) speaks of a result: resultat,
  utfall, prognos, avvikelse, överskott, underskott, bättre/sämre, mot budget;
- not in a sentence about another period (another year, another tertial, "föregående år",
  "samma period"), an adjusted or hypothetical figure ("i stället för", "justerat"), a
  cost or income item ("kostnader för", "intäkt från"), or a part ("varav");
- not in a sentence whose subject is something the tables do not have a row for
  ("Heldygnsvården uppvisar …" in a workbook without a Heldygnsvård row, "Utfallet för
  inhyrd personal …").
The figures compared are the ekonomi row of the kommentar's verksamhet, the Summa row,
the verksamhet's prognosorsaker and any row the sentence names; a kommentar under a
general heading (the nämnd, "Sammanfattning") is compared with every figure. The
quoted precision sets the tolerance ("3,2 mnkr" covers 3 150–3 250 tkr, "450 tkr" 445–455,
"drygt 2 miljoner" 1 000–3 000), widened by the table's own rounding. A quoted sign (+/−,
överskott/underskott, bättre/sämre) must match too; without one, magnitudes are compared
("resultatet är 610 miljoner kronor" against −610,0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Iterator

from ..book import Book, SectionData, SectionRow
from ..findings import Code, Finding, Severity, fmt_value, make_finding
from ..spec import MANADER, Kind
from .hygiene import general_names
from .lookup import MONTH_NAMES, a1, norm_name, report_period, rounding, tkr_factor, where

VARNING = Severity.VARNING

CODES = (
    Code("TEXT-001", VARNING, "Beloppet i texten finns inte i tabellerna",
         "Kommentaren för ”{verksamhet}” anger ”{quote}” ({prose_tkr} tkr), men inget belopp i tabellerna "
         "stämmer inom avrundningen; närmast är {nearest_what} {expected} i {nearest_cell} "
         "(skillnad {difference_tkr} tkr).",
         "Rätta beloppet i texten eller i tabellen så att de stämmer."),
    Code("TEXT-002", VARNING, "Beloppet i texten har fel tecken",
         "Kommentaren för ”{verksamhet}” anger ”{quote}” som {direction}, men tabellen visar {expected} "
         "i {nearest_cell} ({nearest_what}).",
         "Rätta tecknet eller ordet (överskott/underskott, bättre/sämre) i texten, eller tecknet i tabellen."),
    Code("TEXT-003", VARNING, "Antalet i texten stämmer inte med statistiken",
         "Kommentaren för ”{verksamhet}” anger ”{quote}” för ”{nyckeltal}” (”{mening}”), men tabellen visar "
         "{expected} för {reading} i {table_cell} (skillnad {difference}).",
         "Rätta talet i texten eller värdet i tabellen så att de stämmer. Avser texten en annan period "
         "eller en del av nyckeltalet, skriv ut det (”samma period föregående år”, ”varav”)."),
)
_CODE = {c.code: c for c in CODES}

# --- reading amounts ----------------------------------------------------------------------

_UNITS = {  # unit word → tkr per unit
    "tkr": 1, "tusen kronor": 1, "tusen": 1, "mnkr": 1000, "mkr": 1000, "msek": 1000,
    "miljoner kronor": 1000, "miljon kronor": 1000, "miljoner": 1000, "miljon": 1000,
    "miljarder kronor": 1_000_000, "miljard kronor": 1_000_000, "miljarder": 1_000_000, "miljard": 1_000_000,
}
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_APPROX = r"(?:cirka|ca\.?|drygt|knappt|omkring|närmare|nästan|runt|ungefär|över|under|uppemot)"
_AMOUNT = re.compile(
    rf"(?:(?P<approx>{_APPROX})\s+)?"
    r"(?:(?<![\w\-−–+])(?P<sign>\+/-|\+/−|±|[+\-−–])\s?)?"
    r"(?<![\w,])(?P<num>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
    rf"\s+(?P<unit>{_UNIT_RE})\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class ProseAmount:
    text: str  # as quoted
    low: Decimal  # tkr, the interval the quoted figure stands for
    high: Decimal
    value: Decimal  # tkr, as written (sign applied when given)
    sign: int  # +1 / −1 when the text says so, 0 when it does not
    start: int  # offset in the sentence


def read_amounts(sentence: str) -> list[ProseAmount]:
    """Every money amount in a sentence, as a tkr interval given its quoted precision."""
    out = []
    for m in _AMOUNT.finditer(sentence):
        digits = re.sub(r"[ \u00a0\u202f]", "", m.group("num"))
        number = Decimal(digits.replace(",", "."))
        unit = _UNITS.get(m.group("unit").casefold())
        if unit is None:  # matched only by Unicode case rules ("MİLJONER"): no unit word
            continue
        factor = Decimal(unit)
        if "," in digits:
            step = Decimal(1).scaleb(-len(digits.split(",")[1]))
        else:  # "450 tkr" is rounded to tens, "610 miljoner" to tens of miljoner
            zeros = len(digits) - len(digits.rstrip("0")) if number else 0
            step = Decimal(10) ** zeros
        half = step / 2 if not m.group("approx") else step
        if m.group("approx") and step == 1 and "," not in digits:
            half = Decimal(1)  # "drygt 2 miljoner": 1–3 miljoner
        raw_sign = m.group("sign") or ""
        sign = 0 if raw_sign in ("", "+/-", "+/−", "±") else (1 if raw_sign == "+" else -1)
        value = number * factor * (sign or 1)
        lo, hi = (number - half) * factor, (number + half) * factor
        if sign < 0:
            lo, hi = -hi, -lo
        out.append(ProseAmount(m.group(0).strip(), lo, hi, value, sign, m.start()))
    return out


# --- which sentences state a result -------------------------------------------------------

_RESULT = re.compile(
    r"\b(resultat\w*|årsresultat\w*|utfall\w*|prognos\w*|\w*avvikelse\w*|överskott\w*|underskott\w*|"
    r"bättre|sämre|mot budget\w*|jämfört med (?:periodens |års)?budget\w*|budgetöverskott\w*|"
    r"budgetunderskott\w*|förbättr\w*|försämr\w*)", re.IGNORECASE)
_PLUS = re.compile(r"\b(överskott\w*|positiv\w*|bättre|förbättr\w*|budgetöverskott\w*)", re.IGNORECASE)
_MINUS = re.compile(r"\b(underskott\w*|negativ\w*|sämre|försämr\w*|överskrid\w*|budgetunderskott\w*)",
                    re.IGNORECASE)
_CLAUSE = re.compile(r"\s*(?:[,;:]|\s(?:och|vilket|men|medan|då|där)\s)\s*")
_OTHER_PERIOD = re.compile(
    r"föregående år|förra året|i fjol|fg år|samma period|motsvarande period|tidigare år|"
    r"i stället för|istället för|justera\w*|exklusive|om man|skulle", re.IGNORECASE)
_ITEM = re.compile(r"\b(kostnad\w*|intäkt\w*|utbetalning\w*)\s+(för|från|av)\b|\bvarav\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d,])(19|20)\d{2}(?![\d,])")
_TERTIAL = re.compile(r"\b(?:tertial\w*\s*(ett|två|tre|1|2|3)|t([123])|(första|andra|tredje)\s+tertial\w*)\b",
                      re.IGNORECASE)
_TERTIAL_NO = {"ett": 1, "1": 1, "första": 1, "två": 2, "2": 2, "andra": 2, "tre": 3, "3": 3, "tredje": 3}
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9+\-−–])|\n+")
_FOR = re.compile(r"\b(?:resultat\w*|utfall\w*|prognos\w*|\w*avvikelse\w*)\s+för\s+(\S+)", re.IGNORECASE)
# A sentence may start with these and still speak of the verksamhet (or the nämnd) itself.
_SUBJECT_OK = frozenset("""det den detta denna dessa vilket totalt sammantaget sammanfattningsvis hittills
nämnden socialnämnden verksamheten enheten årets periodens helårets för under i efter prognosen
prognos resultatet resultat årsresultatet utfallet utfall budgetavvikelsen avvikelsen
prognosavvikelsen ackumulerat ackumulerade ekonomin""".split())
_PERIOD_WORDS = frozenset("""helår helåret året hela perioden periodens januari februari mars april maj juni
juli augusti september oktober november december jan-aug tertialet nämnden socialnämnden verksamheten
enheten budgetraden""".split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if s and s.strip()]


def _tertial(month: int) -> int:
    return (month - 1) // 4 + 1


def about_other_period(sentence: str, year: int | None, month: int | None) -> bool:
    if _OTHER_PERIOD.search(sentence):
        return True
    if year is not None and any(int(m.group(0)) != year for m in _YEAR.finditer(sentence)):
        return True
    if month is not None:
        for m in _TERTIAL.finditer(sentence):
            n = _TERTIAL_NO.get((m.group(1) or m.group(2) or m.group(3) or "").lower())
            if n is not None and n != _tertial(month):
                return True
    return False


# --- the figures a kommentar is compared with ---------------------------------------------

@dataclass(slots=True)  # many per workbook, few ever quoted: cheap to make
class Figure:
    value: Decimal  # in the workbook's unit
    section: SectionData = field(compare=False, repr=False)
    row: SectionRow = field(compare=False, repr=False)
    column: str = ""
    total: bool = False  # from a total row (Summa): the nämnd's or the unit's figure

    # Where and what, only for the few figures a finding quotes.
    @property
    def cell(self) -> str:  # sheet!A1
        return a1(self.section, self.row, self.column)

    @property
    def what(self) -> str:  # row label + column header
        return f"{self.row.label}, {self.section.spec.column(self.column).header.lower()}"


def _row_figures(sec: SectionData, row: SectionRow) -> list[Figure]:
    out = []
    for col in sec.spec.columns:
        if col.kind is Kind.AMOUNT:
            n = row.number(col.key)
            if n is not None:
                out.append(Figure(n, sec, row, col.key, row.is_total))
    return out


def names_row(phrase: str, label: str) -> bool:
    """Does a phrase (a sentence's subject) name the row? "Heldygnsvården" names
    "Heldygnsvård", "Insatserna enligt …" names "Insatser enligt SoL", "Turbundna resor"
    names "Riksfärdtjänst o turbundna resor"."""
    p, lab = norm_name(phrase), norm_name(label)
    if not p or not lab:
        return False
    if p.startswith(lab):
        return True
    words, label_words = re.findall(r"\w+", p), re.findall(r"\w+", lab)
    if not words or not label_words:
        return False
    if len(label_words[0]) >= 4 and words[0].startswith(label_words[0]):
        return True
    return len(words) >= 2 and f" {words[0]} {words[1]} " in f" {' '.join(label_words)} "


def mentions(text: str, label: str) -> bool:
    """Does a kommentar discuss the row: its name in the text, or a sentence about it?"""
    lab = norm_name(label)
    if not lab:
        return False
    if lab in norm_name(text):
        return True
    return any(names_row(_subject(s), label) for s in sentences(text))


class _Tables:
    """Every figure of the workbook, indexed for a kommentar's verksamhet."""

    def __init__(self, book: Book):
        self.ekonomi = book.section("ekonomi")
        self.rows = self.ekonomi.data_rows() if self.ekonomi else []
        total = self.ekonomi.grand_total() if self.ekonomi else None
        self.totals = _row_figures(self.ekonomi, total) if total is not None else []
        self.orsaker = book.section("prognosorsaker")
        self.orsaker_rows = self.orsaker.data_rows() if self.orsaker is not None else []
        self.kostnadsslag = book.section("kostnadsslag")
        # A kommentar per verksamhet, and many verksamheter in a nämnd's book: index once.
        self.ekonomi_by_name = _by_verksamhet(self.rows)
        self.orsaker_by_name = _by_verksamhet(self.orsaker_rows)
        self.figures: dict[str, tuple[list[Figure], bool]] = {}
        self._every: list[Figure] | None = None

    def for_verksamhet(self, name: str) -> tuple[list[Figure], bool]:
        """The figures of one verksamhet (and the totals); ``general`` when the name is none."""
        if name not in self.figures:
            mine = self.ekonomi_by_name.get(name)
            if not mine:
                self.figures[name] = (self.every(), True)
            else:
                out = list(self.totals)
                for r in mine:
                    out += _row_figures(self.ekonomi, r)
                out += [f for r in self.orsaker_by_name.get(name, ()) for f in _row_figures(self.orsaker, r)]
                self.figures[name] = (out, False)
        return self.figures[name]

    def every(self) -> list[Figure]:
        if self._every is None:
            out = list(self.totals)
            if self.kostnadsslag is not None:
                out += [f for r in self.kostnadsslag.rows for f in _row_figures(self.kostnadsslag, r)]
            for r in self.rows:
                out += _row_figures(self.ekonomi, r)
            out += [f for r in self.orsaker_rows for f in _row_figures(self.orsaker, r)]
            self._every = out
        return self._every

    def named_in(self, sentence: str) -> tuple[list[Figure], bool]:
        """Figures of rows the sentence names; and whether its subject is one of them."""
        text = norm_name(sentence)
        subject = _subject(sentence)
        out, subject_named = [], False
        for r in self.rows:
            label = norm_name(r.label)
            if (label and label in text) or names_row(subject, r.label):
                out += _row_figures(self.ekonomi, r)
                subject_named = subject_named or names_row(subject, r.label)
        return out, subject_named


def _by_verksamhet(rows: list[SectionRow]) -> dict[str, list[SectionRow]]:
    """Rows by their normalised verksamhet (blank included: a kommentar without one)."""
    out: dict[str, list[SectionRow]] = {}
    for r in rows:
        out.setdefault(norm_name(r.value("verksamhet")), []).append(r)
    return out


def _subject(sentence: str) -> str:
    """The sentence's first words, past a leading preposition ("Inom insatser …")."""
    words = sentence.split()
    if words and words[0].lower() in ("inom", "för", "under", "i"):
        words = words[1:]
    return " ".join(words[:6])


def _speaks_of_the_verksamhet(sentence: str, tables: _Tables, own_names: set[str]) -> bool:
    """Is the sentence about the verksamhet, the nämnd or a row of the tables, rather than
    about something the tables do not show ("Heldygnsvården …" without such a row)?"""
    first = re.findall(r"\w+", sentence.lower())
    if not first:
        return False
    _, subject_named = tables.named_in(sentence)
    if subject_named or any(norm_name(sentence).startswith(n) for n in own_names if n):
        return True
    if first[0] not in _SUBJECT_OK:
        return False
    if first[0] in ("för", "under", "i") and len(first) > 1 and first[1] not in _PERIOD_WORDS \
            and not first[1].isdigit() and first[1] not in _SUBJECT_OK:
        return False
    for m in _FOR.finditer(sentence):  # "Utfallet för inhyrd personal": a part, not the whole
        word = norm_name(m.group(1)).strip(".,;:")
        if word in _PERIOD_WORDS or word.isdigit() or any(names_row(m.group(1), r.label) for r in tables.rows) \
                or any(n.startswith(word) for n in own_names if n):
            continue
        return False
    return True


def _clause_bounds(sentence: str, at: int) -> tuple[int, int, int]:
    """(start of the previous clause, start, end) of the clause holding offset ``at``."""
    cuts = list(_CLAUSE.finditer(sentence))
    starts = [0] + [m.end() for m in cuts]
    ends = [m.start() for m in cuts] + [len(sentence)]
    for i, (s, e) in enumerate(zip(starts, ends)):
        if s <= at <= e:
            return (starts[i - 1] if i else s), s, e
    return 0, 0, len(sentence)


def _stated_as_result(sentence: str, amount: ProseAmount) -> bool:
    """A result word in the amount's clause, or in the clause before a bare amount
    ("Prognosen för heldygnsvården är negativ, 5,5 miljoner kronor")."""
    prev, s, e = _clause_bounds(sentence, amount.start)
    own, before = sentence[s:e], sentence[prev:s]
    return bool(_RESULT.search(own) or (before and _RESULT.search(before) and len(own.split()) <= 5))


def _direction(sentence: str, amount: ProseAmount) -> int:
    """+1 / −1 when the text gives the amount a sign or a direction word, else 0."""
    if amount.sign:
        return amount.sign
    _, s, e = _clause_bounds(sentence, amount.start)
    clause = sentence[s:e]
    plus, minus = bool(_PLUS.search(clause)), bool(_MINUS.search(clause))
    return 1 if plus and not minus else -1 if minus and not plus else 0


def _matches(amount: ProseAmount, fig: Figure, to_tkr: Decimal, r: Decimal, direction: int) -> bool:
    """Do the quoted interval and the figure's rounding interval (both in tkr) overlap?"""
    lo, hi = (fig.value - r) * to_tkr, (fig.value + r) * to_tkr
    if direction:
        if amount.sign:
            want_lo, want_hi = amount.low, amount.high
        else:
            want_lo, want_hi = (amount.low, amount.high) if direction > 0 else (-amount.high, -amount.low)
        return lo <= want_hi and want_lo <= hi
    a_lo, a_hi = _magnitude(amount.low, amount.high)
    f_lo, f_hi = _magnitude(lo, hi)
    return f_lo <= a_hi and a_lo <= f_hi


def _magnitude(lo: Decimal, hi: Decimal) -> tuple[Decimal, Decimal]:
    if lo <= 0 <= hi:
        return Decimal(0), max(-lo, hi)
    return min(abs(lo), abs(hi)), max(abs(lo), abs(hi))


def check_prose(book: Book, context) -> Iterator[Finding]:
    """TEXT-001/002: result amounts quoted in kommentarer are figures of the tables."""
    kommentarer = book.section("kommentarer")
    if kommentarer is None or book.section("ekonomi") is None:
        return
    tables = _Tables(book)
    if not tables.rows and not tables.totals:
        return
    r = rounding(book, context.settings)
    to_tkr = tkr_factor(book)
    year, month = report_period(book, context) or (book.header.year if book.header else None, None)
    general = general_names(book)
    for row in kommentarer.data_rows():
        text = row.value("kommentar")
        if not isinstance(text, str):
            continue
        name = norm_name(row.value("verksamhet"))
        base, is_general = tables.for_verksamhet(name)
        own_names = {name} | general
        for sentence in sentences(text):
            amounts = read_amounts(sentence)
            if not amounts or about_other_period(sentence, year, month) or _ITEM.search(sentence):
                continue
            if not _speaks_of_the_verksamhet(sentence, tables, own_names):
                continue
            named, _ = tables.named_in(sentence)
            figures = base + named
            for amount in amounts:
                if not _stated_as_result(sentence, amount):
                    continue
                finding = _compare(amount, sentence, figures, to_tkr, r, kommentarer, row, is_general)
                if finding is not None:
                    yield finding


def _compare(amount: ProseAmount, sentence: str, figures: list[Figure], to_tkr: Decimal, r: Decimal,
             kommentarer: SectionData, row: SectionRow, is_general: bool) -> Finding | None:
    if not figures:
        return None
    direction = _direction(sentence, amount)
    if any(_matches(amount, f, to_tkr, r, direction) for f in figures):
        return None
    loc = where(kommentarer, row, "kommentar")
    verksamhet = row.value("verksamhet")
    if direction and any(_matches(amount, f, to_tkr, r, 0) for f in figures):
        fig = next(f for f in figures if _matches(amount, f, to_tkr, r, 0))
        return make_finding(_CODE["TEXT-002"], loc, expected=fig.value, actual=amount.text,
                            verksamhet=verksamhet, quote=amount.text, nearest_cell=fig.cell,
                            nearest_what=fig.what, direction="positivt" if direction > 0 else "negativt",
                            related=[fig.cell])
    fig = _nearest(amount, sentence, figures, to_tkr, direction, is_general)
    signed = bool(direction or amount.sign)
    shown = fig.value * to_tkr
    diff = amount.value - shown if signed else abs(amount.value) - abs(shown)
    return make_finding(_CODE["TEXT-001"], loc, expected=fig.value, actual=amount.text, difference=diff,
                        verksamhet=verksamhet, quote=amount.text, prose_tkr=fmt_value(amount.value),
                        nearest_cell=fig.cell, nearest_what=fig.what, difference_tkr=fmt_value(diff),
                        related=[fig.cell])


# Which columns a result word points at: a level ("prognosen är …") or a deviation ("… bättre").
_LEVEL = {"prognos": ("prognos_netto", "prognos"), "utfall": ("utfall_netto", "utfall"),
          "resultat": ("utfall_netto", "utfall")}
_DEVIATION = {"prognos": ("prognosavvikelse",), "utfall": ("budgetavvikelse", "avvikelse"),
              "resultat": ("budgetavvikelse", "avvikelse")}


def _nearest(amount: ProseAmount, sentence: str, figures: list[Figure], to_tkr: Decimal,
             direction: int, is_general: bool) -> Figure:
    """The figure the text most likely meant, to quote beside it: the column its result word
    names (a level unless the text gives a direction), the verksamhet's own row (the total
    row for a general kommentar), then the nearest value."""
    _, s, e = _clause_bounds(sentence, amount.start)
    clause = sentence[:e].lower()
    word = max(((clause.rfind(w), w) for w in ("prognos", "utfall", "resultat")), default=(-1, ""))
    pool = figures
    if word[0] >= 0:
        keys = (_DEVIATION if direction or "avvikelse" in clause[s:] else _LEVEL)[word[1]]
        pool = [f for f in figures if f.column in keys] or figures
    pool = [f for f in pool if f.total == is_general] or pool
    target = amount.value if (direction or amount.sign) else abs(amount.value)

    def distance(f: Figure) -> Decimal:
        v = f.value * to_tkr
        return abs(v - target) if (direction or amount.sign) else abs(abs(v) - target)
    return min(pool, key=distance)


# --- counts: statistik and indikatorer (TEXT-003) -----------------------------------------
#
# A count is checked only when nothing else can be meant: the sentence names exactly one
# count row of Statistik (the report year's) or Indikatorer by all its key words, close
# together and not narrowed by a qualifier the label lacks ("placerade barn i familjehem"
# is not "Antal placerade barn"); and exactly one number in it can be that row's value for
# the period: a bare count, not a year, a percentage, an amount, an age, a difference
# ("ökat med 7"), an approximation, a target or a figure for another period ("jämfört med
# 38 samma period föregående år", "från 38 till 45" reads only 45).

_MONTHS_RE = "|".join((*MONTH_NAMES, *MANADER))
_COUNT = re.compile(
    r"(?<![\w,.\-−–+/§])(?P<num>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
    r"(?![\w§]|[.,/]\d|:[ae]\b|\s?[\-−–]\s?\d|[\-–]tal)")  # "ett 40-tal": an approximation
_NOT_COUNT_AFTER = re.compile(
    rf"\s*(?:%|procent\w*|{_UNIT_RE}\b|kr\b|kronor\b|år\b|års\w*|åring\w*|gång\w*|fler\b|färre\b|mer\b|"
    rf"mindre\b|månader\b|veckor\b|minuter\b|§|(?:{_MONTHS_RE})\b)", re.IGNORECASE)
_NOT_COUNT_BEFORE = re.compile(
    rf"(?:\b(?:{_APPROX[3:-1]}|mer än|fler än|färre än|mindre än|minst|högst|maximalt|med|från|mot|än|"
    r"respektive|varav|kap|nr|nummer|vecka|v|kl|tertial|sida|lss|sol|"
    r"ökat|ökade|ökar|minskat|minskade|minskar|stigit|steg|sjunkit|sjönk)\.?|§)\s*$", re.IGNORECASE)
# The other side of a comparison, up to the end of its clause (or "till" after "från").
_COMPARISON = re.compile(
    r"\b(?:jämfört med|jämförelse med|jämföras med|i förhållande till|respektive|än|"
    rf"(?:mot|från)(?=\s+(?:\d|samma|föregående|förra|tidigare|i fjol|{_MONTHS_RE})))\b|\(", re.IGNORECASE)
_COMPARISON_END = re.compile(r"[,;:)]|\s(?:och|men|medan|vilket|samt|till)\s")
# A figure that is planned, expected, targeted or budgeted, not the period's outcome.
_NOT_OUTCOME = re.compile(r"\b(?:mål\w*|budget\w*|prognos\w*|plan\w*|förvänt\w*|beräkna\w*|bedöm\w*|behöv\w*|"
                          r"ska|kommer att|skulle|kan komma|väntas|tros|antas)\b", re.IGNORECASE)
_AVERAGE = re.compile(r"\b(?:i snitt|snitt\w*|genomsnitt\w*|medeltal\w*|i medel|per månad|varje månad)\b",
                      re.IGNORECASE)
# A total over several months (unique persons, the period's sum): not one month's value.
_PERIOD_TOTAL = re.compile(r"\b(?:hittills|perioden\w*|periodens|totalt|sammanlagt|sammantaget|ackumulera\w*|"
                           r"i år|under året|årets|hela året|helår\w*|halvår\w*|tertial\w*|unika|minst en dag|"
                           r"sedan)\b", re.IGNORECASE)
# An age or other range that narrows the statistic ("barn 13–17 år", "barn under 18 år"),
# unless the label has it.
_RANGE = re.compile(r"\d+\s?[-–]\s?\d+(?:\s*år)?|\d+\s*år(?:ing\w*|\s+och\s+(?:äldre|yngre))|"
                    r"\b(?:under|över|upp till|från)\s+\d+\s*år\b", re.IGNORECASE)
# "4,5 per 1 000 invånare", "12 per vecka": a rate, not the count (nor its monthly mean)
_RATE = re.compile(r"\bper\s+(?:\d|vecka|veckan|dag|dagen|dygn|dygnet|år|året|invånare|anställd\w*)\b|"
                   r"\bvarje\s+(?:vecka|dag|dygn)\b|\bi veckan\b|\bom dagen\b", re.IGNORECASE)
# Another time than the report month, or the extreme of several months.
_OTHER_TIME = re.compile(r"\b(?:som (?:mest|flest|högst|lägst|minst|färst)|topp\w*|rekord\w*|överst[ie]g\w*|"
                         r"underst[ie]g\w*|passera\w*|tidigare|brukar|normal\w*|vanligtvis|innan|årsskifte\w*|"
                         r"början av året|förra \w+|våren|vårens|vårterminen|sommar\w*|hösten|höstens|"
                         r"höstterminen|vintern|vinterns|kvartal\w*)\b", re.IGNORECASE)
# A part of the row's count: "av dessa", "bland dem".
_PART = re.compile(r"\b(?:av|bland)\s+(?:dessa|dem|de)\b", re.IGNORECASE)
_PART_OF_YEAR = re.compile(r"\b(?:halvår\w*|tertial\w*|kvartal\w*|sedan)\b", re.IGNORECASE)
_MONTH_WORD = re.compile(rf"\b(?:{_MONTHS_RE})\b", re.IGNORECASE)
_MONTH_NO = {name: i + 1 for names in (MONTH_NAMES, MANADER) for i, name in enumerate(names)}
_WORD = re.compile(r"[^\W\d_]+")
_ABBREVIATION = re.compile(r"\b[A-ZÅÄÖ][A-Za-zåäö]*[A-ZÅÄÖ]\w*\b")  # LSS, SoL, HVB, SIS
_COUNT_LABEL = re.compile(r"\bantal", re.IGNORECASE)
_NOT_COUNT_LABEL = re.compile(r"\bandel|procent|%|kvot|omsättning", re.IGNORECASE)
_KEY_STOP = frozenset("""antal antalet andel andelen och som med för av per under inom enligt enl inkl exkl
varav den det dem har är till från samt eller vid efter minst mer än totalt dvs pga mfl ca varje månad
månaden året""".split())
_QUALIFIER = frozenset("""i på inom med utan enligt från hos för över under utanför bland inkl inklusive exkl
exklusive förutom utöver""".split())
# A word before the row's name that makes it a part: "nya placerade barn".
_NARROWING = frozenset("nya ytterligare tillkommande övriga andra".split())
# "placerade barn som är flickor": a relative clause that narrows the row.
_RELATIVE_VERBS = frozenset("är var har hade bor blev blir fått".split())
_PERIOD_TERMS = frozenset((*MONTH_NAMES, *MANADER, *"""år året perioden månaden nuläget dag dagsläget närvarande
slutet början mitten genomsnitt snitt medeltal""".split()))
# Words that may follow the row's own count: being, time and comparison words, and nouns
# any count of people or cases may use ("56 kunder" for "antal personer").
_AFTER_COUNT = frozenset("""är var har hade blev blir i på under inom till vid jämfört vilket och men som mot
medan samt eller efter per nu just totalt st stycken personer person kunder kund brukare klienter individer
ärenden""".split())
# Swedish inflection, enough to make "barnen" "barn" and "placerade" "placerad" the same
# word while "placeringar" stays another.
_SUFFIXES = ("arnas", "ernas", "ornas", "arna", "erna", "orna", "ande", "ende", "ades", "ens", "ets", "ade",
             "ats", "ad", "at", "ar", "er", "or", "en", "et", "na", "es", "as", "a", "e", "s", "n", "t")


@lru_cache(maxsize=1 << 14)  # the same words come back in every unit's kommentarer
def stem(word: str) -> str:
    w = word.casefold()
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[:-len(suffix)]
    return w


def read_count(digits: str) -> tuple[Decimal, Decimal]:
    """A quoted count and the half-width of what it stands for: "45" 44,5–45,5, "82,2"
    82,15–82,25, "1 200" (rounded to hundreds) 1 150–1 250; with fewer than two trailing
    zeros a count is exact ("140", "40")."""
    plain = re.sub(r"[ \u00a0\u202f]", "", digits)
    value = Decimal(plain.replace(",", "."))
    if "," in plain:
        return value, Decimal(1).scaleb(-len(plain.split(",")[1])) / 2
    zeros = len(plain) - len(plain.rstrip("0"))
    if zeros >= 2 and len(plain) >= 3:
        return value, Decimal(10) ** zeros / 2
    return value, Decimal("0.5")


def count_matches(digits: str, table_value: Decimal) -> bool:
    value, half = read_count(digits)
    return abs(value - table_value) <= half


@dataclass(slots=True)
class Statistic:
    """One count row the prose may quote: its key words and its value for the period."""
    section: SectionData = field(repr=False)
    row: SectionRow = field(repr=False)
    label: str
    required: frozenset[str]  # stems every naming sentence has
    words: frozenset[str]  # every word of the label, parentheses included: not a qualifier
    average: bool  # the row is itself an average (medeltal): "i medeltal" reads its value


def _statistic(sec: SectionData, row: SectionRow) -> Statistic | None:
    label = row.value(sec.spec.label_column)
    if not isinstance(label, str):
        return None
    keys = _label_keys(label)
    if keys is None or not (keys.says_antal or (sec.key == "statistik" and row.value("summerbar") == "Ja")):
        return None
    return Statistic(sec, row, label, keys.required, keys.words, keys.average)


@dataclass(frozen=True)
class _LabelKeys:
    required: frozenset[str]
    words: frozenset[str]
    average: bool
    says_antal: bool


@lru_cache(maxsize=1 << 12)  # the same labels come back in every unit's workbook
def _label_keys(label: str) -> _LabelKeys | None:
    """What names a count label in prose; None for a label that is no count or has no key word."""
    if _NOT_COUNT_LABEL.search(label):
        return None
    outside = re.sub(r"\([^)]*\)", " ", label)
    # An abbreviation on its own (LSS, SoL) is not required: "personlig assistans" names
    # "Personlig assistans enl. 9 § LSS"; one in a compound ("HVB-placeringar") is.
    required = frozenset(stem(m.group(0)) for m in _WORD.finditer(outside)
                         if len(m.group(0)) >= 3 and m.group(0).casefold() not in _KEY_STOP
                         and not (_ABBREVIATION.fullmatch(m.group(0)) and not _in_compound(outside, m)))
    if not required:
        return None
    return _LabelKeys(required, frozenset(w.casefold() for w in _WORD.findall(label)),
                      bool(_AVERAGE.search(label)), bool(_COUNT_LABEL.search(label)))


def _in_compound(text: str, word: re.Match) -> bool:
    """Is the word joined to another by a hyphen ("HVB-placeringar")?"""
    return text[word.end():word.end() + 1] in ("-", "\u2011") or \
        text[word.start() - 1:word.start()] in ("-", "\u2011")


class _Statistics:
    """The count rows of a workbook, grouped by key words and indexed by each group's rarest
    key word, so a sentence costs its own words, not the rows (a label may repeat a
    thousand times)."""

    def __init__(self, book: Book, year: int | None):
        items: list[Statistic] = []
        stat = book.section("statistik")
        if stat is not None and year is not None:
            items += [s for r in stat.data_rows() if r.number("ar") == year
                      and (s := _statistic(stat, r)) is not None]
        ind = book.section("indikatorer")
        if ind is not None:
            items += [s for r in ind.data_rows() if (s := _statistic(ind, r)) is not None]
        self.by_keys: dict[frozenset[str], list[Statistic]] = {}
        for s in items:
            self.by_keys.setdefault(s.required, []).append(s)
        frequency: dict[str, int] = {}
        for keys in self.by_keys:
            for k in keys:
                frequency[k] = frequency.get(k, 0) + 1
        self.by_rarest: dict[str, list[frozenset[str]]] = {}
        for keys in self.by_keys:
            self.by_rarest.setdefault(min(keys, key=lambda k: (frequency[k], k)), []).append(keys)

    def __bool__(self) -> bool:
        return bool(self.by_keys)

    def the_row_named(self, tokens: list[tuple[str, str, int]]) -> Statistic | None:
        """The one row whose key words all occur in the sentence (tokens: word, stem,
        offset), the most specific winning ("Antal placeringar i jourhem" over "Antal
        placeringar"); None when there is none, or two rows could be meant: two
        statistics in the sentence, or a label that repeats."""
        present = {st for _, st, _ in tokens}
        named = [keys for k in present for keys in self.by_rarest.get(k, ()) if keys <= present]
        if not named:
            return None
        widest = max(named, key=len)
        if sum(len(k) == len(widest) for k in named) > 1 or not all(k <= widest for k in named):
            return None
        rows = self.by_keys[widest]
        return rows[0] if len(rows) == 1 else None


def _named_where(stat: Statistic, tokens: list[tuple[str, str, int]], main: str) -> tuple[int, int] | None:
    """Where the sentence names the row: the span of its key words when they are close
    together (within a few words) and not narrowed by a qualifier the label lacks
    ("… barn i familjehem", "Inom öppenvården har 890 barn …"); else None."""
    need, width = len(stat.required), len(stat.required) + 3
    have: dict[str, int] = {}
    lo = 0
    for hi, (_, st, _) in enumerate(tokens):
        if st in stat.required:
            have[st] = have.get(st, 0) + 1
        # Drop from the left what the window does not need: the shortest window ending here.
        while lo < hi and (tokens[lo][1] not in stat.required or have[tokens[lo][1]] > 1):
            if tokens[lo][1] in stat.required:
                have[tokens[lo][1]] -= 1
            lo += 1
        if len(have) == need and hi - lo < width:
            before = [t for t in tokens[:lo] if main[t[2]] != " "]  # outside comparisons
            if _qualifies(stat, tokens[hi + 1:hi + 3]) or _narrowed(stat, tokens, lo, hi, main) or \
                    any(_qualifies(stat, before[i:i + 2]) for i in range(len(before) - 1)):
                return None
            return tokens[lo][2], tokens[hi][2] + len(tokens[hi][0])
    return None


def _beside_label(pattern: re.Pattern, main: str, stat: Statistic) -> bool:
    """Does the sentence say something that is not in the row's own label?"""
    return any(norm_name(m.group(0)) not in norm_name(stat.label) for m in pattern.finditer(main))


def _narrowed(stat: Statistic, tokens: list[tuple[str, str, int]], lo: int, hi: int, main: str) -> bool:
    """"nya placerade barn", "kunder bor utanför kommunen", "placerade barn som är flickor":
    a part of the row. Words after the name narrow it only before any number ("… var på 47
    i augusti", "… som var 45 i juli" do not)."""
    if lo > 0 and tokens[lo - 1][0] in _NARROWING and tokens[lo - 1][0] not in stat.words:
        return True
    rel = tokens[hi + 1:hi + 4]
    if len(rel) < 3 or re.search(r"\d", main[rel[0][2]:rel[2][2]]):
        return False
    if rel[0][0] in _RELATIVE_VERBS and _qualifies(stat, rel[1:3]):
        return True  # "42 kunder bor utanför kommunen"
    word = rel[2][0]
    return rel[0][0] == "som" and rel[1][0] in _RELATIVE_VERBS and word not in stat.words and \
        stem(word) not in stat.required and word not in _AFTER_COUNT and word not in _PERIOD_TERMS and \
        word not in _KEY_STOP


def _qualifies(stat: Statistic, pair: list[tuple[str, str, int]]) -> bool:
    """A preposition and a word that is not the label's, a period or a filler word."""
    return len(pair) == 2 and pair[0][0] in _QUALIFIER and pair[1][0] not in stat.words \
        and pair[1][0] not in _PERIOD_TERMS and pair[1][0] not in _KEY_STOP


def _blank_comparisons(sentence: str) -> str:
    """The sentence with the other side of each comparison (and parentheses) blanked out,
    offsets kept: what is left speaks of this period."""
    out, pos = list(sentence), 0
    while (m := _COMPARISON.search(sentence, pos)) is not None:
        end = _COMPARISON_END.search(sentence, m.end())
        stop = len(sentence) if end is None else (end.end() if end.group(0) == ")" else end.start())
        out[m.start():stop] = " " * (stop - m.start())
        pos = max(stop, m.end())
    return "".join(out)


def _counts(sentence: str, main: str) -> list[re.Match]:
    """The numbers of the sentence that may be a count for this period."""
    out = []
    for m in _COUNT.finditer(main):
        digits = m.group("num")
        if _YEAR.fullmatch(digits):
            continue  # a year (a count of 2 022 is written with a space)
        if _NOT_COUNT_AFTER.match(sentence, m.end()) or \
                _NOT_COUNT_BEFORE.search(sentence, max(0, m.start() - 40), m.start()):
            continue
        out.append(m)
    return out


def _counts_the_row(stat: Statistic, sentence: str, count: re.Match, span: tuple[int, int]) -> bool:
    """Is the number the row's, not another noun's ("…, men 12 nya familjehem har
    rekryterats")? It stands in the clause that names the row, or in a short clause of its
    own (", 56 kunder,"), and the word after it, if any, is the row's, a generic count noun
    or a function word."""
    _, start, end = _clause_bounds(sentence, count.start())
    if not (start <= span[1] and span[0] <= end) and len(sentence[start:end].split()) > 4:
        return False
    after = re.match(r"\s+([^\W\d_]+)", sentence[count.end():count.end() + 40])
    if after is None:
        return True
    word = after.group(1).casefold()
    return word in stat.words or stem(word) in stat.required or word in _AFTER_COUNT or word in _PERIOD_TERMS


@dataclass(frozen=True)
class _Reading:
    value: Decimal
    cell: str  # sheet!A1, or sheet!A1:B1 for a mean
    what: str  # "augusti 2022", "medeltal per månad januari–augusti 2022", "årets utfall"
    also: Decimal | None = None  # another value the text may mean: the year so far


def _reading(stat: Statistic, main: str, year: int | None, month: int | None) -> _Reading | None:
    """The row's value the sentence speaks of, or None when it cannot be told."""
    sec, row = stat.section, stat.row
    if sec.key == "indikatorer":  # the year's utfall: not a month's, not a monthly mean
        if _MONTH_WORD.search(main) or _AVERAGE.search(main):
            return None
        value = row.number("utfall")
        return None if value is None else _Reading(value, a1(sec, row, "utfall"), "årets utfall")
    if year is None or month is None:
        return None
    found = {_MONTH_NO.get(m.group(0).casefold()) for m in _MONTH_WORD.finditer(main)}
    if None in found:  # matched only by Unicode case rules ("aprİl"): which month is meant?
        return None
    named = sorted(found)  # type: ignore[type-var]
    if any(n > month for n in named):
        return None
    first, last = (named[0], named[-1]) if named else (1, month)
    average = bool(_AVERAGE.search(main)) and not stat.average
    if average and _PART_OF_YEAR.search(main):
        return None  # "första halvåret … i snitt": months the text does not name
    if average:
        months = [(n, row.number(MANADER[n - 1])) for n in range(first, last + 1)]
        values = [v for _, v in months if v is not None]
        if len(values) != len(months) or not values:
            return None
        span = f"{a1(sec, row, MANADER[first - 1])}:{sec.cell_ref(row, MANADER[last - 1])}"
        return _Reading(sum(values) / len(values), span,
                        f"medeltal per månad {MONTH_NAMES[first - 1]}–{MONTH_NAMES[last - 1]} {year}")
    if len(named) > 1 or _PERIOD_TOTAL.search(main):
        return None  # a total over months (unique persons, a sum): not in a monthly table
    if named:
        at, so_far = named[0], None
    else:  # the latest month reported (the report month, or earlier when it lags) or, for
        # a flow such as inledda utredningar, the year so far
        at = next((n for n in range(month, 0, -1) if row.number(MANADER[n - 1]) is not None), 0)
        values = [row.number(m) for m in MANADER[:month]]
        so_far = sum(values) if None not in values else None
    value = row.number(MANADER[at - 1]) if at else None
    if value is None:
        return None
    return _Reading(value, a1(sec, row, MANADER[at - 1]), f"{MONTH_NAMES[at - 1]} {year}", so_far)


def _excerpt(sentence: str, limit: int = 90) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + " …"


# Longer is a table or a list pasted as text, not a sentence a reader quotes from; it also
# bounds the work one cell can ask for (a cell holds up to 32 767 characters).
_LONGEST_SENTENCE = 1000


def check_prose_counts(book: Book, context) -> Iterator[Finding]:
    """TEXT-003: a count quoted for one statistik or indikator row is that row's value."""
    kommentarer = book.section("kommentarer")
    if kommentarer is None:
        return
    year, month = report_period(book, context) or (book.header.year if book.header else None, None)
    stats: _Statistics | None = None  # made when a sentence first quotes a bare number
    for row in kommentarer.data_rows():
        text = row.value("kommentar")
        if not isinstance(text, str):
            continue
        for sentence in sentences(text):
            if len(sentence) > _LONGEST_SENTENCE or not _bare_number(sentence):
                continue
            if stats is None:
                stats = _Statistics(book, year)
            if not stats:
                return
            finding = _check_count_sentence(sentence, stats, year, month, kommentarer, row)
            if finding is not None:
                yield finding


def _bare_number(sentence: str) -> bool:
    """A number with no unit after it: most sentences with numbers quote amounts."""
    return any(not _NOT_COUNT_AFTER.match(sentence, m.end()) for m in _COUNT.finditer(sentence))


def _check_count_sentence(sentence: str, stats: _Statistics, year: int | None, month: int | None,
                          kommentarer: SectionData, row: SectionRow) -> Finding | None:
    tokens = [(m.group(0).casefold(), stem(m.group(0)), m.start()) for m in _WORD.finditer(sentence)]
    stat = stats.the_row_named(tokens)
    if stat is None:
        return None  # no row, or two statistics in one sentence: which number is whose?
    label_abbreviations = set(_ABBREVIATION.findall(stat.label))
    if any(a not in label_abbreviations for a in _ABBREVIATION.findall(sentence)):
        return None  # "… enligt SoL" against a row that is not about SoL
    main = _blank_comparisons(sentence)
    span = _named_where(stat, tokens, main)
    if span is None:
        return None
    if _beside_label(_RANGE, main, stat) or _beside_label(_PART, main, stat):
        return None  # "barn 13–17 år", "av dessa": a part of the row
    if about_other_period(main, year, month) or _NOT_OUTCOME.search(main) or _RATE.search(main) or \
            _beside_label(_OTHER_TIME, main, stat) or (year is None and _YEAR.search(main)):
        return None
    label_numbers = set(re.findall(r"\d+", stat.label))
    counts = [m for m in _counts(sentence, main) if m.group("num") not in label_numbers]
    if len(counts) != 1 or not _counts_the_row(stat, sentence, counts[0], span):
        return None
    reading = _reading(stat, main, year, month)
    digits = counts[0].group("num")
    if reading is None or count_matches(digits, reading.value) or \
            (reading.also is not None and count_matches(digits, reading.also)):
        return None
    quoted, _ = read_count(digits)
    expected = reading.value if reading.value == reading.value.to_integral_value() \
        else reading.value.quantize(Decimal("0.01")).normalize()
    return make_finding(_CODE["TEXT-003"], where(kommentarer, row, "kommentar"), expected=expected,
                        actual=quoted, difference=quoted - expected,
                        verksamhet=row.value("verksamhet"), quote=digits, nyckeltal=stat.label,
                        mening=_excerpt(sentence), reading=reading.what, table_cell=reading.cell,
                        related=[reading.cell])


RULES = (check_prose, check_prose_counts)
