"""Render the README's pictures from the demo's workbooks (headless LibreOffice + poppler).

    python docs/make_images.py            # writes docs/img/*.png

Needs soffice (LibreOffice) and pdftoppm/pdftotext (poppler-utils). Each picture is one
sheet of a throwaway copy of a demo workbook, recalculated on load, printed to PDF, then
cropped to what is printed on the page.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from budgetbook.demo import write_demo  # noqa: E402
from tests.helpers import convert, lo_profile  # noqa: E402

IMG = ROOT / "docs" / "img"
DPI = 130
PAD = 10  # points of margin kept around the printed content


def _page_with(pdf: Path, title: str) -> int:
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                         text=True, check=True).stdout).group(1))
    for page in range(1, n + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        if title in text:
            return page
    raise SystemExit(f"{pdf.name}: no page shows {title!r}")


def _content_box(pdf: Path, page: int) -> tuple[float, float, float, float]:
    """The box (points) around every word printed on the page."""
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    boxes = [tuple(map(float, m)) for m in
             re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', xml)]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _swedish(profile: Path) -> Path:
    """Print numbers as a Swedish Excel shows them: 1 234 and −1 234."""
    xcu = profile / "user" / "registrymodifications.xcu"
    item = ('<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" '
            'oor:op="fuse"><value>sv-SE</value></prop></item>\n')
    xcu.write_text(xcu.read_text(encoding="utf-8").replace("</oor:items>", item + "</oor:items>"),
                   encoding="utf-8")
    return profile


def render_sheet(xlsx: Path, title: str, out_png: Path, work: Path, dpi: int = DPI) -> Path:
    """Picture of the sheet whose printed page shows ``title``."""
    work.mkdir(parents=True, exist_ok=True)
    copy = work / xlsx.name
    shutil.copy2(xlsx, copy)  # LibreOffice rewrites what it converts: never the original
    result = convert(copy, "pdf", work / "pdf", _swedish(lo_profile(work / "lo")))
    pdf = work / "pdf" / (copy.stem + ".pdf")
    if not pdf.exists():
        raise SystemExit(f"LibreOffice could not convert {xlsx.name}: {result.stderr}")
    page = _page_with(pdf, title)
    x0, y0, x1, y1 = _content_box(pdf, page)
    scale = dpi / 72
    x, y = int(max(0, x0 - PAD) * scale), int(max(0, y0 - PAD) * scale)
    w, h = int((x1 - x0 + 2 * PAD) * scale), int((y1 - y0 + 2 * PAD) * scale)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-x", str(x),
                    "-y", str(y), "-W", str(w), "-H", str(h), "-singlefile", str(pdf),
                    str(out_png.with_suffix(""))], check=True)
    return out_png


def validated_copy(xlsx: Path, work: Path) -> Path:
    """A copy of the workbook after `budgetbook validate --write-back` (Kontroll sheet, marks)."""
    from budgetbook.engine import Context, validate
    from budgetbook.excel import read_workbook
    from budgetbook.excel.writeback import KONTROLL_SHEET, write_back_file
    from budgetbook.period import Period

    work.mkdir(parents=True, exist_ok=True)
    copy = work / xlsx.name
    shutil.copy2(xlsx, copy)
    book = read_workbook(copy)
    when = dt.datetime(book.header.year, book.header.month % 12 + 1, 6, 9, 41)  # the demo's reporting day
    write_back_file(copy, book, validate(book, Context(period=Period(book.header.year, book.header.month))),
                    now=when)
    # On screen every column shows; on paper, fit the Kontroll sheet to the page's width.
    wb = openpyxl.load_workbook(copy)
    ws = wb[KONTROLL_SHEET]
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(copy)
    return copy


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = write_demo(work / "demo")
        unit = demo.workbooks["1310"]  # Omsorgsenheten: two verksamheter, correct
        pictures = [(unit, "Ekonomiskt resultat per verksamhet", "mall-ekonomi.png", DPI),
                    (unit, "Ekonomiskt resultat per kostnadsslag", "mall-kostnadsslag.png", DPI)]
        # Barn och familjeenheten: the hand-typed Summa, after the Validera button / --write-back.
        checked = validated_copy(demo.workbooks["1110"], work / "validerad")
        pictures += [(checked, "Kontroll – budgetbook", "validerad-kontroll.png", 2 * DPI),
                     (checked, "Ekonomiskt resultat per verksamhet", "validerad-ekonomi.png", DPI)]
        for xlsx, title, name, dpi in pictures:
            print("skrev", render_sheet(xlsx, title, IMG / name, work / Path(name).stem, dpi))


if __name__ == "__main__":
    main()
