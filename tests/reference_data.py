"""The tables and prose of the two reference reports (/work/shared/reference/), typed into
the templates as printed: computed cells and Summa rows as the constants the report shows.

Each workbook is what one author would have filled in: the nämnd's table (T2 2022 in mnkr,
februari 2020 in tkr) with its prose, and the T2 detail tables (tkr) as ekonomi-like
tables of their own, with the prose that discusses them. Detail rows print netto only, so
their netto is typed as kostnader (these are all cost lines) and as netto.
"""

from __future__ import annotations

from decimal import Decimal

D = Decimal

T2_HEADER = {"namnd": "Socialnämnden", "enhet_kod": "SN", "enhet_namn": "Socialnämnden", "ar": 2022,
             "manad": 8, "rapporttyp": "Delårsrapport T2", "belopp_i": "mnkr"}
FEB20_HEADER = {"namnd": "Socialnämnden", "enhet_kod": "SN", "enhet_namn": "Socialnämnden", "ar": 2020,
                "manad": 2, "rapporttyp": "Månadsrapport", "belopp_i": "tkr"}

EKONOMI_KEYS = ("utfall_intakter", "utfall_kostnader", "utfall_netto", "budget_intakter", "budget_kostnader",
                "budget_netto", "budgetavvikelse", "arsbudget_netto", "prognos_netto", "prognosavvikelse")
DETAIL_KEYS = ("utfall_netto", "budget_netto", "budgetavvikelse", "prognos_netto", "arsbudget_netto",
               "prognosavvikelse", "bokslut_fg_ar")


def _num(text: str) -> Decimal | None:
    text = text.strip()
    return None if text == "" else D(text.replace(" ", "").replace(",", "."))


def ekonomi_rows(lines: str) -> tuple[list[dict], dict]:
    """'Name | 6,7 | -118,1 | …' lines, the last one the Summa row, in EKONOMI_KEYS order."""
    rows = []
    for line in lines.strip().splitlines():
        name, *values = [p.strip() for p in line.split("|")]
        row = {"verksamhet": name, **{k: v for k, v in zip(EKONOMI_KEYS, map(_num, values)) if v is not None}}
        rows.append(row)
    summa = rows.pop()
    summa.pop("verksamhet")
    return rows, summa


def detail_rows(lines: str) -> tuple[list[dict], dict]:
    """A detail table as printed: Utfall, Budget, Budgetavvikelse, Prognos, Budget (helår),
    Prognosavvikelse, Bokslut föregående år; the last line is its Summa row."""
    rows = []
    for line in lines.strip().splitlines():
        name, *values = [p.strip() for p in line.split("|")]
        row = {"verksamhet": name, **{k: v for k, v in zip(DETAIL_KEYS, map(_num, values)) if v is not None}}
        row["utfall_kostnader"], row["budget_kostnader"] = row["utfall_netto"], row["budget_netto"]
        rows.append(row)
    summa = rows.pop()
    summa.pop("verksamhet")
    return rows, summa


# --- Delårsrapport T2 2022, the nämnd's table (mnkr) ------------------------------------------

T2_EKONOMI = ekonomi_rows("""
Barn och unga 0-20 år              | 6,7  | -118,1 | -111,4 | 5,7  | -120,7 | -115,0 | 3,6  | -172,5 | -170,3 | 2,2
Vuxna 21-64 år                     | 10,6 | -52,2  | -41,6  | 13,3 | -59,5  | -46,2  | 4,7  | -69,3  | -65,2  | 4,1
Personer med funktionsnedsättning  | 25,4 | -395,0 | -369,6 | 20,9 | -406,9 | -386,0 | 16,4 | -579   | -572,0 | 7,0
Gemensam socialtjänst              | 0,0  | -2,1   | -2,1   | 0,0  | -4,6   | -4,6   | 2,4  | -6,7   | -5,3   | 1,4
Myndighet och huvudmannaskap       | 0,0  | -83,6  | -83,6  | 0,0  | -85,5  | -85,5  | 1,9  | -128,2 | -128,2 | 0,0
Nämnd och nämndstöd                | 0,0  | -1,7   | -1,7   | 0,0  | -1,6   | -1,6   | -0,1 | -2,4   | -2,6   | -0,2
Summa                              | 42,7 | -652,7 | -610,0 | 39,9 | -678,8 | -638,9 | 28,9 | -958,1 | -943,6 | 14,5
""")

T2_STATSBIDRAG = (
    [dict(bidrag=b, sokt=D(s), erhallet=D(e), prognos=D(p)) for b, s, e, p in (
        ("Stimulansmedel Psykisk hälsa 2022", "3.1", "2.0", "3.1"),
        ("Stimulansmedel stärkt samverkan för personer med samsjuklighet", "0.5", "0.3", "0.5"),
        ("Stimulansmedel stärkt brukarmedverkan", "0.05", "0", "0.05"),
        ("Stimulansmedel Suicidprevention", "0.9", "0.5", "0.9"),
        ("Statsbidrag Våld i nära relationer 2022", "1.2", "0.7", "1.2"),
        ("Statsbidrag subventioner av Familjehemsplaceringar 2022", "0.7", "0.4", "0.6"),
        ("Statsbidrag för sociala insatser för barn och unga i utsatta områden 2022", "6.0", "0.5", "4"),
        ("Stimulansmedel Ungdomsmottagningen", "0.8", "0.8", "0.8"),
        ("Statsbidrag för Habiliteringsersättning 2022", "2.4", "0.2", "2.4"),
    )],
    dict(sokt=D("15.6"), erhallet=D("5.4"), prognos=D("13.6")),
)

T2_INDIKATORER = [dict(indikator=i, utfall_fg_ar=D(a), utfall=D(b), mal=D(c), maluppfyllelse=D(d)) for i, a, b, c, d in (
    ("Andel familjehemsplacerade flickor och pojkar som uppnår kunskapsmålen i skolan",
     "0.76", "0.60", "0.95", "0.63"),
    ("Andel kvinnor och män över 18 år som vid avslutad placering på skyddat boende uppger att de inte "
     "utsätts för våld", "0.87", "0.74", "0.85", "0.87"),
    ("Andel av hyresgästerna med socialt kontrakt som efter avslutad insats anskaffar en egen bostad",
     "0.75", "1.00", "0.75", "1.33"),
    ("(N) Andel kunder som bedömts och beviljats bistånd till boende enligt LSS och där behovet kan "
     "tillgodoses inom kommunens gränser", "0.81", "0.80", "0.90", "0.89"),
)]

_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
T2_STATISTIK = [dict(nyckeltal="Personlig assistans enl. 9§ 2 LSS (beslut av kommunen), antal personer", ar=year,
                     **dict(zip(_MONTHS, values))) for year, values in (
    (2022, (57, 59, 56, 52, 54, 58, 54, 56)),
    (2021, (54, 56, 60, 57, 57, 58, 54, 56, 55, 56, 54, 58)),
    (2020, (56, 57, 60, 63, 64, 66, 66, 62, 66, 67, 60, 58)),
)]

T2_SAMMANFATTNING = (
    "Periodens utfall januari till augusti (T2) är 610 miljoner kronor, vilket är 28,9 miljoner bättre än "
    "periodens budget. Den positiva budgetavvikelsen avser framför allt lägre kostnader för insatser enligt "
    "Lag om stöd och service till vissa funktionshindrade (LSS), huvudsakligen kostnader för LSS-boenden. "
    "Prognosen för helår är 943,6 miljoner kronor, vilket är 14,5 miljoner kronor bättre än årsbudgeten. "
    "Socialnämnden förväntas att leverera budgetöverskott inom såväl Barn och unga 0-20 år, Vuxna 21-64 år "
    "som Personer med funktionsnedsättning.\n"
    "Socialnämnden uppvisar ett resultat på 610 miljoner kronor, vilket är 28,9 miljoner kronor bättre än "
    "budgeterat. Budgetavvikelsen för perioden januari till augusti är 10,7 miljoner kronor bättre jämfört med "
    "tertial ett då avvikelsen var +18,2 miljoner kronor. Den största delen av budgetöverskottet kommer från "
    "budgetraden Personer med funktionsnedsättning som är +16,4 miljoner kronor mot budget. För Barn och Unga "
    "0–20 år är motsvarande siffra 3,6 miljoner kronor och för Vuxna 21–64 år 4,7 miljoner kronor mot budget."
)
T2_BOU = (
    "Barn och Unga 0–20 år; periodens utfall +3,6 miljoner kronor, prognos +2,2 miljoner kronor\n"
    "Det ackumulerade resultatet är 111,4 miljoner kronor, vilket är 3,6 miljoner kronor bättre än den "
    "ackumulerade budgeten. Årsresultatet förväntas visa ett överskott på drygt 2 miljoner kronor.\n"
    "Heldygnsvården uppvisar ett underskott på -1,2 miljoner kronor. Det är en försämring mot tertial ett med "
    "3 miljoner kronor, vilket beror på att antalet barn och unga som placeras inom heldygnsvården har ökat. "
    "Under tertial två ökade antalet unika personer inom heldygnsvården för barn och unga med 15% jämfört med "
    "tertial ett.\n"
    "Prognosen för heldygnsvården är negativ, 5,5 miljoner kronor, och bygger på det högre antalet placeringar "
    "som har varit det senaste tertialet."
)
T2_VUXNA = (
    "Vuxna 21–64 år; periodens utfall +4,7 miljoner kronor, prognos +4,1 miljoner kronor\n"
    "Periodens ackumulerade resultat är 41,6 miljoner kronor, vilket är 4,7 miljoner kronor bättre än vad som "
    "budgeterats. Den positiva budgetavvikelsen för årets andra tertial är 2 miljoner kronor bättre jämfört med "
    "tertial ett.\n"
    "Precis som under tertial ett är det omkring 55 personer per månad som får en heldygnsinsats. Kostnaderna "
    "för heldygnsvården sammantaget överstiger budgeten med cirka 0,3 miljoner kronor.\n"
    "Socialnämnden har hittills haft 0,8 miljoner kronor i kostnader för avhopparverksamhet och prognosen för "
    "helår är 1,9 miljoner kronor.\n"
    "Förklaringen till det positiva resultatet ligger främst i lägre kostnader för skyddade boenden, där det "
    "redovisas ett överskott på 2,4 miljoner kronor. Kostnaderna för öppenvårdsinsatser för vuxna understiger "
    "budgeten med 2 miljoner kronor och bidrar positivt till resultatet."
)
T2_PMF = (
    "Personer med funktionsnedsättning 0–64 år; periodens utfall +16,4 miljoner kronor, prognos +7 miljoner "
    "kronor\n"
    "Verksamheterna inom budgetraden personer med funktionsnedsättning 0–64 år redovisar ett överskott på 16,4 "
    "miljoner kronor. Budgetavvikelsen kommer främst från lägre kostnader för insatser enligt LSS som står för "
    "17,4 miljoner kronor av den totala avvikelsen. Periodens utfall för insatser beviljade enligt SoL är däremot "
    "1,3 miljoner kronor sämre än budgeterat, vilket är en försämring från första tertialet med 2 miljoner kronor.\n"
    "Insatserna enligt socialtjänstlagen förväntas att lämna ett underskott på -5,9 miljoner kronor. Prognosen "
    "försämras ytterligare av att en tidigare förväntad intäkt från Migrationsverket på 1,5 miljoner kronor inte "
    "kommer att inkomma."
)
T2_GEMENSAM = "Gemensam socialtjänst; periodens resultat +2,4 miljoner kronor, prognos +1,4 miljoner kronor"
T2_MYNDIGHET = ("Myndighet och Huvudmannaskap; periodens utfall + 1,9 miljoner kronor, prognos +/- 0 miljoner "
                "kronor. Bedömningen är att årsresultatet kommer att ligga i linje med årsbudgeten.")
T2_NAMND = ("Nämnd och nämndstöd; periodens utfall -0,13 miljoner kronor, prognos -0,2 miljoner kronor. "
            "Kostnaderna överskrider budgeterad nivå som en följd av höjda arvoden för socialnämnd och socialutskott.")

T2_KOMMENTARER = [
    dict(verksamhet="Socialnämnden", kommentar=T2_SAMMANFATTNING),
    dict(verksamhet="Barn och unga 0-20 år", kommentar=T2_BOU),
    dict(verksamhet="Vuxna 21-64 år", kommentar=T2_VUXNA),
    dict(verksamhet="Personer med funktionsnedsättning", kommentar=T2_PMF),
    dict(verksamhet="Gemensam socialtjänst", kommentar=T2_GEMENSAM),
    dict(verksamhet="Myndighet och huvudmannaskap", kommentar=T2_MYNDIGHET),
    dict(verksamhet="Nämnd och nämndstöd", kommentar=T2_NAMND),
    # A count quoted differently from its table (2 119 for 2 191) is not an amount: out of scope.
    dict(verksamhet="Barn och unga 0-20 år", kommentar=(
        "Första halvåret 2022 har 2 425 orosanmälningar inkommit, vilket är en ökning med 11 procent jämfört med "
        "samma period 2021 (2 119 anmälningar) och 20 procent jämfört med samma period år 2020 (2 018 "
        "anmälningar).")),
]


def t2_nämnd() -> dict:
    ekonomi, summa = T2_EKONOMI
    statsbidrag, totalt = T2_STATSBIDRAG
    return dict(header=T2_HEADER,
                rows={"ekonomi": ekonomi, "statsbidrag": statsbidrag, "indikatorer": T2_INDIKATORER,
                      "statistik": T2_STATISTIK, "kommentarer": T2_KOMMENTARER},
                totals={"ekonomi": {"summa": summa}, "statsbidrag": {"totalt": totalt}},
                sections=["ekonomi", "statsbidrag", "indikatorer", "statistik", "kommentarer"])


# --- T2 2022 detail tables (tkr) -------------------------------------------------------------

T2_DETAIL_HEADER = dict(T2_HEADER, belopp_i="tkr")

T2_BOU_DETAIL = detail_rows("""
Heldygnsvård                                 | -60 203 | -58 966 | -1 237 | -93 903 | -88 449 | -5 454 | -79 532
Biståndsbedömd öppenvård                     | -29 347 | -30 522 | 1 175  | -44 476 | -45 783 | 1 307  | -47 482
Övrig öppenvård inkl föreningsbidrag         | -19 927 | -20 843 | 916    | -29 115 | -31 265 | 2 150  | -27 114
Familjerådgivning o insatser familjerätt     | -1 956  | -2 495  | 539    | -2 762  | -3 742  | 980    | -3 119
Ensamkommande barn och unga                  | -1      | -2 169  | 2 168  | -39     | -3 254  | 3 215  | -2 593
Summa barn och unga                          | -111 434| -114 995| 3 561  | -170 295| -172 493| 2 198  | -159 840
""")
T2_VUXNA_DETAIL = detail_rows("""
Heldygnsvård            | -22 093 | -21 749 | -344  | -34 013 | -32 623 | -1 390 | -34 495
Öppenvård vuxen         | -7 496  | -9 514  | 2 018 | -11 911 | -14 271 | 2 360  | -11 879
Våld i nära relation    | -5 444  | -7 891  | 2 447 | -9 198  | -11 836 | 2 638  | -9 774
Sociala kontrakt        | -6 536  | -7 077  | 541   | -10 115 | -10 615 | 500    | -9 855
Summa Vuxen             | -41 568 | -46 230 | 4 662 | -65 237 | -69 345 | 4 108  | -66 003
""")
T2_PMF_DETAIL = detail_rows("""
Insatser enligt SoL                  | -82 164  | -80 852  | -1 312 | -127 128 | -121 278 | -5 850 | -109 678
Insatser enligt LSS                  | -275 973 | -293 402 | 17 429 | -426 453 | -440 103 | 13 650 | -414 051
Turbundna resor och riksfärdtjänst   | -11 426  | -10 746  | -680   | -18 369  | -16 119  | -2 250 | -16 894
Kommunalt bostadstillägg             | -5       | -1 000   | -996   | -50      | -1 500   | 1 450  |
Summa personer med funktionsnedsättning | -369 567 | -386 000 | 16 433 | -572 000 | -579 000 | 7 000 | -540 623
""")
T2_SOL_DETAIL = detail_rows("""
Insatser till personer med psykisk funktionsnedsättning (exkl hemtjänst, ledsagning avlösning) | -52 762 | -46 339 | -6 424 | -81 308 | -69 508 | -11 800 | -66 976
Hemtjänst ledsagn avlösning SOL | -16 658 | -20 543 | 3 885 | -25 015 | -30 815 | 5 800 | -23 796
Insatser till personer under 65 år enligt SoL (exkl hemtj. leds. avlösn) | -12 743 | -13 970 | 1 227 | -20 805 | -20 955 | 150 | -18 907
Insatser SoL | -82 164 | -80 852 | -1 312 | -127 128 | -121 278 | -5 850 | -109 678
""")
T2_LSS_DETAIL = detail_rows("""
LSS boende barn och vuxna inkl korttidsvistelse | -144 689 | -156 246 | 11 557 | -225 019 | -234 369 | 9 350 | -17 224
Personlig assistans                        | -59 784 | -63 005 | 3 221 | -91 107 | -94 507 | 3 400  | -95 116
Daglig verksamhet                          | -44 484 | -44 283 | -200  | -67 925 | -66 425 | -1 500 | -63 376
Ledsagning avlösning LSS                   | -9 311  | -9 616  | 305   | -14 024 | -14 424 | 400    | -14 316
Korttidstillsyn barn och unga 12-21 år     | -12 354 | -14 457 | 2 103 | -20 085 | -21 685 | 1 600  | -17 198
Övrig LSS (HSL + KP)                       | -5 352  | -5 795  | 443   | -8 293  | -8 693  | 400    | -7 028
Insatser LSS                               | -275 973| -293 402| 17 429| -426 453| -440 103| 13 650 | -214 257
""")

# The PMF detail tables as prognosorsaker of the PMF summary's rows: Σ orsaker = prognosavvikelse.
T2_PMF_ORSAKER = [dict(verksamhet=v, orsak=r["verksamhet"], belopp=r["prognosavvikelse"])
                  for v, table in (("Insatser enligt SoL", T2_SOL_DETAIL), ("Insatser enligt LSS", T2_LSS_DETAIL))
                  for r in table[0]] + [
    dict(verksamhet="Turbundna resor och riksfärdtjänst", orsak="Fler resenärer efter pandemin", belopp=D(-2250)),
    dict(verksamhet="Kommunalt bostadstillägg", orsak="Få ansökningar första året", belopp=D(1450)),
]

T2_LSS_PROSE = (
    "Personlig assistans uppvisar ett positivt resultat för perioden på 3,2 miljoner kronor varav 1,9 miljoner "
    "kronor beror på retroaktiva utbetalningar från Försäkringskassan. Kostnaderna för kunder som har beslut av "
    "Försäkringskassan har understigit budgeten med 1,4 miljoner kronor.\n"
    "Inom insatser i enlighet med LSS är det daglig verksamhet som på grund av volymökningar överskrider budgeten "
    "och förväntas resultera i ett underskott på 1,5 miljoner kronor."
)
T2_SOL_PROSE = (
    "Insatserna enligt socialtjänstlagen förväntas att lämna ett underskott på -5,9 miljoner kronor. Det "
    "ackumulerade underskottet hittills kommer framför allt från högre kostnader för heldygnsvården som inbegriper "
    "särskilda boenden, stödboende, träningslägenheter och HVB.\n"
    "Hemtjänsten uppvisar därför en positiv budgetavvikelse och förbättrar resultatet med +3,9 miljoner kronor. "
    "Prognosen för helår är +5,8 miljoner kronor och baseras på att antalet kunder med hemtjänst fortsätter ligga "
    "på samma nivå som hittills på året."
)
T2_TURBUNDNA_PROSE = ("Turbundna resor uppvisar också ett underskott på -1 miljon kronor då allt fler resenärer "
                      "kommer tillbaka efter pandemin och återgår till sin dagliga verksamhet.")


def t2_detail(table, kommentarer, orsaker=None) -> dict:
    rows, summa = table
    content = {"ekonomi": rows, "kommentarer": kommentarer}
    sections = ["ekonomi", "kommentarer"]
    if orsaker is not None:
        content["prognosorsaker"] = orsaker
        sections.insert(1, "prognosorsaker")
    return dict(header=T2_DETAIL_HEADER, rows=content, totals={"ekonomi": {"summa": summa}}, sections=sections)


def t2_details() -> dict[str, dict]:
    return {
        "bou": t2_detail(T2_BOU_DETAIL, [dict(verksamhet="Barn och unga 0–20 år", kommentar=T2_BOU)]),
        "vuxna": t2_detail(T2_VUXNA_DETAIL, [dict(verksamhet="Vuxna 21–64 år", kommentar=T2_VUXNA)]),
        "pmf": t2_detail(T2_PMF_DETAIL, [dict(verksamhet="Personer med funktionsnedsättning", kommentar=T2_PMF),
                                         dict(verksamhet="Turbundna resor och riksfärdtjänst",
                                              kommentar=T2_TURBUNDNA_PROSE)], orsaker=T2_PMF_ORSAKER),
        "sol": t2_detail(T2_SOL_DETAIL, [dict(verksamhet="Insatser enligt SoL", kommentar=T2_SOL_PROSE)]),
        "lss": t2_detail(T2_LSS_DETAIL, [dict(verksamhet="Insatser enligt LSS", kommentar=T2_LSS_PROSE)]),
    }


# --- Månadsrapport februari 2020 (tkr) --------------------------------------------------------

FEB20_EKONOMI = ekonomi_rows("""
Barn och unga                      | 1 157 | -28 720  | -27 563  | 915   | -25 447  | -24 532  | -3 031 | -147 191 | -147 191 | 0
Vuxna 21-64 år                     | 2 901 | -12 646  | -9 745   | 3 090 | -12 867  | -9 778   | 33     | -58 667  | -58 667  | 0
Personer med funktionsnedsättning  | 5 068 | -88 295  | -83 227  | 5 378 | -87 106  | -81 728  | -1 500 | -490 366 | -490 366 | 0
Gemensam socialtjänst              | 0     | -381     | -381     | 0     | -843     | -843     | 462    | -5 056   | -5 056   | 0
Myndighet och huvudmannaskap       | 0     | -20 997  | -20 997  | 0     | -21 338  | -21 338  | 341    | -128 028 | -128 028 | 0
Nämnd och nämndstöd                | 0     | -361     | -361     | 0     | -375     | -375     | 13     | -2 248   | -2 248   | 0
Summa                              | 9 126 | -151 400 | -142 274 | 9 383 | -147 976 | -138 593 | -3 682 | -831 556 | -831 556 | 0
""")

FEB20_LAGET = (
    "Prognosen för socialnämnden är 131,6 miljoner kronor, det vill säga +/- noll jämfört med budgeten. "
    "Omsorgsenheten flaggar för höga kostnader för personlig assistans. Barn och familjeenheten flaggar för "
    "budgetavvikelse när det gäller heldygnsvården, antalet institutionsplaceringar för barn och unga skulle behöva "
    "minska med cirka fem årsplaceringar för att få en ekonomi i balans."
)
FEB20_RESULTAT = (
    "Periodens resultat -3,7 miljoner kronor\n"
    "Under perioden har föreningsbidraget till föreningar riktade till barn och unga betalats ut för hela 2020 medan "
    "budgeten avser två månader. När man justerar för det så är periodens resultat för socialnämnden totalt 1,1 "
    "miljoner bättre, det vill säga - 2,6 miljoner kronor i stället för -3,7 miljoner kronor. Resultatet för "
    "myndighet och huvudmannaskap försämras av att barn och familjeenheten inte har kunnat avsluta antalet inhyrda "
    "socionomer. Utfallet för inhyrd personal är 1,6 miljoner kronor, - 1,3 miljoner kronor jämfört med periodens "
    "budget. Det vägs delvis upp av överskott för personalkostnader på grund av vakanser.\n" + FEB20_LAGET
)
FEB20_BOU = (
    "Bokslutet 2019 slutade med ett budgetöverskridande på sammanlagt -36,9 miljoner kronor jämfört med budgeten "
    "där den budgeten för insatser till barn och ungdomar stod för den största delen av överskridandet, -23,5 "
    "miljoner kronor. I mål och budget för 2020 tillfördes socialnämnden 60,4 miljoner kronor. 20,8 miljoner "
    "kronor var till insatser för barn och unga det vill säga 2,7 miljoner kronor mindre än utfallet för 2019. "
    "Barn och familjeenheten tillfördes ytterligare 12,9 miljoner kronor som en satsning för att stärka och öka "
    "kvaliteten i handläggning av barnavårdsärenden. 25 barn och unga är institutionsplacerade februari 2020 "
    "jämfört med 14 barn och unga i maj 2019."
)
FEB20_PMF = (
    "Utfallet var -7,9 miljoner kronor 2019 jämfört med budgeten. Socialnämnden har tillförts budget för "
    "volymökningar men några av anledningarna till det negativa resultatet för 2019 kvarstår och andra har "
    "tillkommit.\n"
    "Året 2019 var budgetavvikelsen -4 miljoner kronor, sedan dess har assistansersättningen höjts med 1,5 procent "
    "medan budgeten för 2020 är oförändrat 75 miljoner kronor det vill säga cirka 6,2 miljoner kronor per månad.\n"
    "Avtalet innebär högre kostnader jämfört med nuvarande avtal, prognosen är cirka -0,7 miljoner kronor jämfört "
    "med budgeten.\n"
    "Det innebär cirka 100 tusen kronor högre kostnad för november 2019 på grund av novemberlovet."
)
FEB20_KOMMENTARER = [
    dict(verksamhet="Läget i korthet", kommentar=FEB20_LAGET),
    dict(verksamhet="Socialnämnden", kommentar=FEB20_RESULTAT),
    dict(verksamhet="Barn och unga", kommentar=FEB20_BOU),
    dict(verksamhet="Personer med funktionsnedsättning", kommentar=FEB20_PMF),
]
FEB20_ATGARDER = [dict(atgard=a, verksamhet="Barn och unga", status="Pågår", kommentar=k) for a, k in (
    ("Säkerställa barns delaktighet", "Implementering pågår."),
    ("Säkerställa att skyddsbedömning görs", "Implementering pågår."),
    ("Rätt bemanning och rätt kompetens", "Rekrytering pågår. Stor vikt läggs vid att inte anställa personal med "
                                          "för kort erfarenhet, vilket leder till att det tar längre tid än förväntat."),
)]
FEB20_STATISTIK = [dict(nyckeltal=n, ar=2020, **dict(zip(_MONTHS, v))) for n, v in (
    ("Antal pågående heldygnsplaceringar", (114, 113)),
    ("varav pågående institutionsplaceringar", (25, 25)),
    ("Antal vakanta tjänster som håller på att/ eller som ska ersättningsrekryteras", (5, 4)),
    ("Antal tillsvidare anställda som slutat", (0, 2)),
    ("Personalomsättning", (D(0), D("0.024"))),
    ("Antal inhyrda socialsekreterare", (6, 5)),
    ("Andel anmälningar där barn kommit till tals under förhandsbedömningen", (D("0.14"),)),  # feb not yet in
    ("Antal barn med pågående heldygnsinsats", (100,)),
)]


def feb20() -> dict:
    ekonomi, summa = FEB20_EKONOMI
    return dict(header=FEB20_HEADER,
                rows={"ekonomi": ekonomi, "kommentarer": FEB20_KOMMENTARER, "atgardsplan": FEB20_ATGARDER,
                      "statistik": FEB20_STATISTIK},
                totals={"ekonomi": {"summa": summa}},
                sections=["ekonomi", "atgardsplan", "statistik", "kommentarer"])
