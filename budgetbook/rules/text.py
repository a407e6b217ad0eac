"""Prose against tables (TEXT-*): an amount a kommentar states as a result, avvikelse or
prognos is one of the table's figures, within rounding and unit.

What counts (conservative by design; a warning nobody trusts is worse than none):
- only amounts with a money unit: tkr, tusen kronor, mnkr, mkr, miljon(er) (kronor),
  miljard(er); counts, percentages, dates and years carry no unit and are never read;
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
from typing import Iterator

from ..book import Book, SectionData, SectionRow
from ..findings import Code, Finding, Severity, fmt_value, make_finding
from ..spec import Kind
from .hygiene import general_names
from .lookup import a1, norm_name, report_period, rounding, tkr_factor, where

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
        factor = Decimal(_UNITS[m.group("unit").lower()])
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


RULES = (check_prose,)
