"""The report sections, as the reference reports print them.

Invariant: this module is the one place a section's columns, rows, sums and signs are
declared. Changing a header here changes the templates, the reader and the rules alike;
a key once published (``budgetbook spec --format json``) is never renamed.
"""

from __future__ import annotations

from .model import Column, HeaderField, Kind, Linear, Ratio, Relation, ReportSpec, RowSpec, Section, Sign

SPEC_VERSION = "2026.1"

RAPPORTTYPER = ("Månadsrapport", "Tertialrapport 1", "Delårsrapport T2", "Årsbokslut")
BELOPP_I = ("tkr", "mnkr")
ATGARD_STATUS = ("Ej påbörjad", "Pågår", "Klar")
JA_NEJ = ("Ja", "Nej")
MANADER = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

A = Kind.AMOUNT
POS, NEG = Sign.POSITIVE, Sign.NEGATIVE


def _lin(*terms: tuple[str, int]) -> Linear:
    return Linear(tuple(terms))


SUMMA = RowSpec("summa", "Summa", all_rows=True)
TOTALT = RowSpec("totalt", "Totalt", all_rows=True)

EKONOMI = Section(
    key="ekonomi",
    title="Ekonomiskt resultat per verksamhet",
    sheet="Ekonomi",
    table="Ekonomi",
    label_column="verksamhet",
    unit_note="Kostnader (−), intäkter (+). Avvikelse: positivt = bättre än budget.",
    description=(
        "Ackumulerat utfall och budget från januari till rapportmånaden, årsbudget och "
        "helårsprognos per verksamhet. Fyll i de gula cellerna; netto, avvikelser och "
        "Summa räknas ut."
    ),
    blank_rows=8,
    columns=(
        Column("verksamhet", "Verksamhet", Kind.TEXT, required=True, width=34,
               help="Verksamheten som raden avser, som i nämndens verksamhetslista."),
        Column("utfall_intakter", "Utfall intäkter", A, sign=POS, band="Ack utfall", total="sum",
               help="Ackumulerade intäkter jan–rapportmånaden, positivt tal."),
        Column("utfall_kostnader", "Utfall kostnader", A, sign=NEG, band="Ack utfall", total="sum",
               help="Ackumulerade kostnader jan–rapportmånaden, negativt tal."),
        Column("utfall_netto", "Utfall netto", A, band="Ack utfall", total="sum",
               formula=_lin(("utfall_intakter", 1), ("utfall_kostnader", 1))),
        Column("budget_intakter", "Budget intäkter", A, sign=POS, band="Ack budget", total="sum",
               help="Periodens budgeterade intäkter, positivt tal."),
        Column("budget_kostnader", "Budget kostnader", A, sign=NEG, band="Ack budget", total="sum",
               help="Periodens budgeterade kostnader, negativt tal."),
        Column("budget_netto", "Budget netto", A, band="Ack budget", total="sum",
               formula=_lin(("budget_intakter", 1), ("budget_kostnader", 1))),
        Column("budgetavvikelse", "Budgetavvikelse", A, band="Ack budget", total="sum",
               formula=_lin(("utfall_netto", 1), ("budget_netto", -1))),
        Column("arsbudget_netto", "Årsbudget netto", A, band="Helår", total="sum", required=True,
               help="Helårets budget netto."),
        Column("prognos_netto", "Prognos netto", A, band="Helår", total="sum", required=True,
               help="Prognos för helårets netto."),
        Column("prognosavvikelse", "Prognosavvikelse", A, band="Helår", total="sum",
               formula=_lin(("prognos_netto", 1), ("arsbudget_netto", -1))),
        Column("bokslut_fg_ar", "Bokslut föregående år", A, band="Helår", total="sum",
               help="Föregående års bokslut netto, för jämförelse."),
    ),
    totals=(SUMMA,),
)

_INTAKTER = (
    RowSpec("forsaljning", "Försäljning", POS),
    RowSpec("taxor_avgifter", "Taxor och avgifter", POS),
    RowSpec("hyror_arrenden", "Hyror och arrenden", POS),
    RowSpec("bidrag", "Bidrag", POS),
    RowSpec("ovriga_intakter", "Övriga intäkter", POS),
)
_KOSTNADER = (
    RowSpec("personalkostnader", "Personalkostnader", NEG),
    RowSpec("kop_av_verksamhet", "Köp av verksamhet", NEG),
    RowSpec("lamnade_bidrag", "Lämnade bidrag", NEG),
    RowSpec("lokalkostnader", "Lokalkostnader", NEG),
    RowSpec("ovriga_kostnader", "Övriga verksamhetskostnader", NEG),
    RowSpec("kapitalkostnader", "Kapitalkostnader", NEG),
)

KOSTNADSSLAG = Section(
    key="kostnadsslag",
    title="Ekonomiskt resultat per kostnadsslag",
    sheet="Kostnadsslag",
    table="Kostnadsslag",
    label_column="kostnadsslag",
    unit_note="Kostnader (−), intäkter (+). Nettoresultat ska vara lika med Summa netto på bladet Ekonomi.",
    description="Samma resultat som bladet Ekonomi, fördelat på kostnadsslag.",
    fixed_rows=(
        *_INTAKTER,
        RowSpec("verksamhetens_intakter", "Verksamhetens intäkter", POS,
                items=tuple(r.code for r in _INTAKTER)),
        *_KOSTNADER,
        RowSpec("verksamhetens_kostnader", "Verksamhetens kostnader", NEG,
                items=tuple(r.code for r in _KOSTNADER)),
        RowSpec("nettoresultat", "Nettoresultat",
                items=("verksamhetens_intakter", "verksamhetens_kostnader")),
    ),
    columns=(
        Column("kostnadsslag", "Kostnadsslag", Kind.TEXT, width=32),
        Column("utfall", "Ack utfall", A, total="sum", help="Ackumulerat utfall jan–rapportmånaden."),
        Column("budget", "Ack budget", A, total="sum", help="Periodens budget."),
        Column("avvikelse", "Avvikelse", A, total="sum",
               formula=_lin(("utfall", 1), ("budget", -1))),
        Column("arsbudget", "Årsbudget", A, total="sum"),
        Column("prognos", "Prognos", A, total="sum"),
        Column("prognosavvikelse", "Prognosavvikelse", A, total="sum",
               formula=_lin(("prognos", 1), ("arsbudget", -1))),
    ),
)

PROGNOSORSAKER = Section(
    key="prognosorsaker",
    title="Orsak till prognosavvikelse",
    sheet="Prognosorsaker",
    table="Prognosorsaker",
    label_column="verksamhet",
    unit_note="Beloppen per verksamhet ska tillsammans vara lika med verksamhetens prognosavvikelse.",
    description="En rad per orsak; positivt belopp = bättre än budget.",
    blank_rows=10,
    columns=(
        Column("verksamhet", "Verksamhet", Kind.TEXT, required=True, width=34),
        Column("orsak", "Orsak", Kind.TEXT, required=True, width=60),
        Column("belopp", "Belopp", A, required=True, total="sum"),
    ),
    totals=(SUMMA,),
)

INVESTERINGAR = Section(
    key="investeringar",
    title="Investeringar per projekt",
    sheet="Investeringar",
    table="Investeringar",
    label_column="projekt",
    unit_note="Inkomster (+), utgifter (−).",
    description="Ett projekt per rad: årets utfall, projektbudget och prognoser.",
    blank_rows=8,
    columns=(
        Column("projektnummer", "Projektnummer", Kind.CODE, width=14),
        Column("projekt", "Projekt", Kind.TEXT, required=True, width=34),
        Column("inkomster", "Inkomster", A, sign=POS, total="sum", band="Utfall"),
        Column("utgifter", "Utgifter", A, sign=NEG, total="sum", band="Utfall"),
        Column("utfall_netto", "Utfall netto", A, total="sum", band="Utfall",
               formula=_lin(("inkomster", 1), ("utgifter", 1))),
        Column("projektbudget", "Projektbudget", A, total="sum", band="Budget och prognos"),
        Column("prognos_ar", "Prognos innevarande år", A, total="sum", band="Budget och prognos"),
        Column("prognos_kommande", "Prognos kommande år och senare", A, total="sum",
               band="Budget och prognos"),
        Column("totalt", "Totalt", A, total="sum", band="Budget och prognos",
               formula=_lin(("prognos_ar", 1), ("prognos_kommande", 1))),
    ),
    totals=(TOTALT,),
)

ATGARDSPLAN = Section(
    key="atgardsplan",
    title="Åtgärdsplan för resultat i balans",
    sheet="Åtgärdsplan",
    table="Atgardsplan",
    label_column="atgard",
    unit_note="Belopp som positiva tal: budgeterad kostnadssänkning eller intäktsökning.",
    description="En rad per åtgärd med beslut, belopp, utfall, när full effekt nås och status.",
    blank_rows=10,
    columns=(
        Column("atgard", "Åtgärd", Kind.TEXT, required=True, width=40),
        Column("verksamhet", "Verksamhet", Kind.TEXT, width=28),
        Column("beslutsdatum", "Beslutsdatum", Kind.DATE, width=12),
        Column("belopp", "Kostnadssänkning eller intäktsökning", A, sign=POS, total="sum"),
        Column("varav_personal", "Varav personal", A, sign=POS, total="sum"),
        Column("utfall", "Utfall", A, total="sum"),
        Column("full_effekt", "Full effekt (ÅÅÅÅ-MM)", Kind.MONTH, width=12),
        Column("status", "Status", Kind.CHOICE, choices=ATGARD_STATUS, width=12),
        Column("kommentar", "Kommentar", Kind.TEXT, width=50),
    ),
    totals=(SUMMA,),
)

STATISTIK = Section(
    key="statistik",
    title="Verksamhetsstatistik",
    sheet="Statistik",
    table="Statistik",
    label_column="nyckeltal",
    unit_note="Ett värde per månad; inga värden efter rapportmånaden.",
    description=(
        "Ett nyckeltal per rad och år: en rad för rapportåret och en för föregående år. "
        "Summerbar = Ja om nyckeltalet kan läggas ihop mellan enheter (antal), Nej annars "
        "(medeltal, andelar)."
    ),
    blank_rows=10,
    monthly=True,
    columns=(
        Column("nyckeltal", "Nyckeltal", Kind.TEXT, required=True, width=52),
        Column("ar", "År", Kind.COUNT, required=True, width=8),
        *(Column(m, m.capitalize(), Kind.NUMBER, width=8) for m in MANADER),
        Column("summerbar", "Summerbar", Kind.CHOICE, choices=JA_NEJ, width=12),
    ),
)

INDIKATORER = Section(
    key="indikatorer",
    title="Indikatorer",
    sheet="Indikatorer",
    table="Indikatorer",
    label_column="indikator",
    unit_note="Andelar skrivs som procent (76 %), antal som tal.",
    description="Nämndens indikatorer med föregående års utfall, årets utfall och mål.",
    blank_rows=10,
    columns=(
        Column("indikator", "Indikator", Kind.TEXT, required=True, width=50),
        Column("utfall_fg_ar", "Utfall föregående år", Kind.NUMBER),
        Column("utfall", "Utfall", Kind.NUMBER),
        Column("mal", "Mål", Kind.NUMBER),
        Column("maluppfyllelse", "Måluppfyllelse", Kind.PERCENT, formula=Ratio("utfall", "mal")),
    ),
)

STATSBIDRAG = Section(
    key="statsbidrag",
    title="Redovisning riktade statsbidrag",
    sheet="Statsbidrag",
    table="Statsbidrag",
    label_column="bidrag",
    unit_note="Bidrag som beviljats eller erhållits under året.",
    description="Ett statsbidrag per rad: sökt, erhållet eller reserverat, och prognos för året.",
    blank_rows=10,
    columns=(
        Column("bidrag", "Bidrag", Kind.TEXT, required=True, width=44),
        Column("sokt", "Sökt belopp", A, sign=POS, total="sum"),
        Column("erhallet", "Erhållet/reserverat belopp", A, sign=POS, total="sum"),
        Column("prognos", "Prognos", A, sign=POS, total="sum"),
    ),
    totals=(TOTALT,),
)

SJUKFRANVARO = Section(
    key="sjukfranvaro",
    title="Sjukfrånvaro",
    sheet="Sjukfrånvaro",
    table="Sjukfranvaro",
    label_column="benamning",
    unit_note="Andel av ordinarie arbetstid, i procent. Total = kort + lång.",
    description="Sjukfrånvaro per ansvar: total, kort (≤ 59 dagar) och lång (≥ 60 dagar).",
    blank_rows=6,
    columns=(
        Column("ansvar", "Ansvar", Kind.CODE, required=True, width=10),
        Column("benamning", "Benämning", Kind.TEXT, required=True, width=34),
        Column("total", "Total", Kind.PERCENT),
        Column("kort", "Kort (≤ 59 dagar)", Kind.PERCENT),
        Column("lang", "Lång (≥ 60 dagar)", Kind.PERCENT),
        Column("lang_andel", "Lång som andel av total", Kind.PERCENT, formula=Ratio("lang", "total")),
    ),
    relations=(Relation("total", _lin(("kort", 1), ("lang", 1))),),
)

KOMMENTARER = Section(
    key="kommentarer",
    title="Kommentarer och analys",
    sheet="Kommentarer",
    table="Kommentarer",
    label_column="verksamhet",
    unit_note="Vad driver avvikelsen och prognosen, och vad görs åt det.",
    description="En analys per verksamhet; belopp i texten ska stämma med tabellerna.",
    blank_rows=8,
    columns=(
        Column("verksamhet", "Verksamhet", Kind.TEXT, required=True, width=30),
        Column("kommentar", "Kommentar", Kind.TEXT, required=True, width=100),
    ),
)

HEADER = (
    HeaderField("namnd", "Nämnd", Kind.TEXT),
    HeaderField("enhet_kod", "Enhet, kod", Kind.CODE),
    HeaderField("enhet_namn", "Enhet, namn", Kind.TEXT),
    HeaderField("ar", "År", Kind.COUNT),
    HeaderField("manad", "Månad (1–12)", Kind.COUNT),
    HeaderField("rapporttyp", "Rapporttyp", Kind.CHOICE, choices=RAPPORTTYPER),
    HeaderField("belopp_i", "Belopp i", Kind.CHOICE, choices=BELOPP_I),
    HeaderField("uppgiftslamnare", "Uppgiftslämnare", Kind.TEXT, required=False),
    HeaderField("datum", "Datum", Kind.DATE, required=False),
)

SPEC = ReportSpec(
    version=SPEC_VERSION,
    header=HEADER,
    sections=(
        EKONOMI,
        KOSTNADSSLAG,
        PROGNOSORSAKER,
        INVESTERINGAR,
        ATGARDSPLAN,
        STATISTIK,
        INDIKATORER,
        STATSBIDRAG,
        SJUKFRANVARO,
        KOMMENTARER,
    ),
)


def rapporttyp_for_month(month: int) -> str:
    """The report type a month normally carries (T1 = april, T2 = augusti, december)."""
    return {4: "Tertialrapport 1", 8: "Delårsrapport T2", 12: "Årsbokslut"}.get(month, "Månadsrapport")
