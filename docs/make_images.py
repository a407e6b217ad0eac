"""Render the README's pictures from the demo's workbooks (headless LibreOffice + poppler).

    python docs/make_images.py            # writes docs/img/*.png

Needs soffice (LibreOffice) and pdftoppm/pdftotext (poppler-utils). Each picture is one
sheet of a throwaway copy of a demo workbook, recalculated on load, printed to PDF, then
cropped to what is printed on the page.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from budgetbook.excel.namnd_writer import STATUS_SHEET  # noqa: E402
from budgetbook.excel.writeback import KONTROLL_SHEET  # noqa: E402
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


def fit_to_width(xlsx: Path, sheet: str, work: Path) -> Path:
    """A copy whose ``sheet`` prints on one page's width (on screen every column shows)."""
    work.mkdir(parents=True, exist_ok=True)
    copy = work / xlsx.name
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[sheet]
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(copy)
    return copy


def main() -> None:
    from budgetbook.commands.demo import VALIDATED_DIR, run

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Run where the paths the nämnd workbook records read as a user's would: demo/inkorg.
        with contextlib.chdir(work), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            status = run(Path("demo"))
        if status != 0:
            raise SystemExit(f"budgetbook demo ended with status {status}")
        demo = work / "demo"
        unit = next(demo.glob("inkorg/1310_*.xlsx"))  # Omsorgsenheten: two verksamheter, correct
        # Barn och familjeenheten with its hand-typed Summa, after the Validera button / --write-back.
        checked = next(demo.glob(f"{VALIDATED_DIR}/1110_*.xlsx"))
        namnd = next(demo.glob("socialnamnden-*.xlsx"))
        pictures = [
            (unit, "Ekonomiskt resultat per verksamhet", "mall-ekonomi.png", DPI),
            (unit, "Ekonomiskt resultat per kostnadsslag", "mall-kostnadsslag.png", DPI),
            (fit_to_width(checked, KONTROLL_SHEET, work / "fit-kontroll"), "Kontroll – budgetbook",
             "validerad-kontroll.png", 2 * DPI),
            (checked, "Ekonomiskt resultat per verksamhet", "validerad-ekonomi.png", DPI),
            (namnd, "Ekonomiskt resultat per verksamhet", "namnd-ekonomi.png", DPI),
            (fit_to_width(namnd, STATUS_SHEET, work / "fit-status"), "Status för konsolideringen",
             "namnd-status.png", 2 * DPI),
        ]
        for xlsx, title, name, dpi in pictures:
            print("skrev", render_sheet(xlsx, title, IMG / name, work / Path(name).stem, dpi))


if __name__ == "__main__":
    main()
