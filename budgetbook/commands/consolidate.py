from __future__ import annotations

import datetime as dt
import gc
import sqlite3
from pathlib import Path
from typing import Iterator

from .. import collector
from ..config import CONFIG_NAME, ConfigError, NamndConfig, load_config
from ..findings import varningar
from ..period import Period, PeriodError

# Files a user's tools leave behind: never read, never reported as strays.
_TEMP_SUFFIXES = (".tmp", ".temp", "~", ".bak", ".crdownload", ".part", ".partial")
_SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store"}
# Read (a wrong format gets its reader finding); anything else is a stray.
_SPREADSHEETS = {".xlsx", ".xlsm", ".xltx", ".xls", ".xlsb", ".ods", ".csv"}


def find_config(config: Path | None) -> Path:
    return config if config is not None else Path(CONFIG_NAME)


def scan_inbox(inbox: Path, skip: set[Path]) -> tuple[list[Path], list[tuple[str, str]], list[tuple[str, str]]]:
    """(workbooks to read, ignored (file, why), strays (file, why)) in a stable order."""
    read, ignored, strays = [], [], []
    for p in sorted(_walk(inbox)):
        rel = str(p.relative_to(inbox))
        name = p.name
        if p.resolve() in skip:
            continue
        if name.startswith("~$"):
            ignored.append((rel, f"Excels låsfil: {name[2:]} är öppen i Excel hos någon; kontrollera att "
                                 "den sparade versionen är den färdiga"))
        elif name.startswith(".~lock.") or name.startswith("."):
            ignored.append((rel, "dold eller tillfällig fil"))
        elif ".före-validering-" in name:  # the backup `validate --write-back` leaves beside a file
            ignored.append((rel, "säkerhetskopia från validering (budgetbook validate --write-back)"))
        elif name.lower().endswith(_TEMP_SUFFIXES) or name.lower() in _SYSTEM_FILES:
            ignored.append((rel, "tillfällig fil eller säkerhetskopia"))
        elif p.suffix.lower() in _SPREADSHEETS:
            read.append(p)
        else:
            strays.append((rel, f"filtypen {p.suffix or '(ingen)'} är ingen arbetsbok"))
    return read, ignored, strays


def _walk(root: Path) -> Iterator[Path]:
    for p in root.iterdir():
        if p.is_dir():
            if not p.name.startswith("."):
                yield from _walk(p)
        elif p.is_file():
            yield p


def run(*, inbox: Path, period: str, output: Path, config: Path | None, include_failing: bool,
        jobs: int, history: Path | None, wait: float = 0.0, console=None) -> int:
    from rich.console import Console
    from rich.markup import escape as e

    from ..history import History, HistoryError
    from ..lock import Busy, OutputLock

    err = Console(stderr=True)
    try:
        p = Period.parse(period)
    except PeriodError as exc:
        err.print(f"[red]{e(str(exc))}[/red]")
        return 2
    cfg_path = find_config(config)
    try:
        cfg = load_config(cfg_path)
    except ConfigError as exc:
        err.print(f"[red]{e(str(exc))}[/red]")
        if config is None:
            err.print("Ange konfigurationen med --config FIL, eller skapa en med budgetbook init MAPP.")
        return 2
    if not inbox.is_dir():
        err.print(f"[red]Inkorgen {e(str(inbox))} finns inte eller är ingen mapp.[/red]")
        return 2
    if output.resolve().is_relative_to(inbox.resolve()):
        err.print(f"[red]{e(str(output))} ligger i inkorgen {e(str(inbox))}; nämndens arbetsbok skrivs utanför "
                  "inkorgen, som aldrig ändras.[/red]")
        return 2
    if output.suffix.lower() != ".xlsx":
        err.print(f"[red]{e(str(output))}: nämndens arbetsbok ska ha filändelsen .xlsx.[/red]")
        return 2
    if jobs < 1:
        err.print("[red]--jobs ska vara minst 1.[/red]")
        return 2
    if p.year != cfg.ar:
        err.print(f"[yellow]Obs: perioden {p} ligger inte i konfigurationens år {cfg.ar}.[/yellow]")
    history_path = history if history is not None else cfg.history_path
    try:
        with OutputLock(output, wait=wait):
            with History(history_path) as hist:
                return _consolidate(cfg, p, inbox, output, include_failing, jobs, hist, history_path, err,
                                    console or Console())
    except Busy as exc:
        err.print(f"[red]En annan konsolidering till {e(str(output))} pågår ({e(str(exc) or 'okänd process')}). "
                  "Vänta tills den är klar och kör igen.[/red]")
        return 2
    except HistoryError as exc:
        err.print(f"[red]{e(str(exc))}[/red]")
        return 2
    finally:
        gc.unfreeze()


def _consolidate(cfg: NamndConfig, period: Period, inbox: Path, output: Path, include_failing: bool,
                 jobs: int, hist, history_path: Path, err, console) -> int:
    from concurrent.futures import BrokenExecutor

    from rich.markup import escape as e
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..consolidate import Unplaced, consolidate, namnd_context
    from ..engine import validate
    from ..excel import namnd_writer as writer
    from ..excel.xlsx_out import TooManyRows
    from ..lock import lock_path

    started = dt.datetime.now().replace(microsecond=0)
    skip = {output.resolve(), lock_path(output).resolve()}
    files, ignored, strays = scan_inbox(inbox, skip)
    previous = hist.previous(cfg.namnd, period)
    names = tuple(v.namn for v in cfg.verksamheter)
    context = namnd_context(cfg, period)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        task = progress.add_task("Läser och validerar", total=len(files))
        batches: dict[int, list] = {}
        # Paused: also while a worker's batch is unpickled (in the pool's thread, about three
        # quarters of that time otherwise); each batch collects what it left behind itself.
        try:
            with collector.paused():
                for i, batch in _examine_all(files, inbox, period, cfg, names, jobs):
                    batches[i] = batch
                    # What is kept lives until the run ends: out of the cyclic collector's
                    # sight, which otherwise walks every kept unit again and again as the heap
                    # grows. Reference counting still frees what is dropped; run() gives the
                    # objects back to the collector when the run is over.
                    gc.freeze()
                    progress.advance(task, len(batch))
        except BrokenExecutor:  # a worker killed (out of memory, say) or crashed
            err.print(f"[red]En av processerna som läser arbetsböckerna avbröts oväntat (slut på minne, eller "
                      f"avslutad utifrån); ingenting skrevs och {e(str(output))} är orörd. Kör igen, med färre "
                      f"processer (--jobs) eller utan.[/red]")
            return 1
        units = [u for i in sorted(batches) for u in batches[i]]  # in file order
        del batches
        step = progress.add_task("Konsoliderar och skriver", total=3)
        with collector.paused():
            result = consolidate(cfg, period, units, include_failing=include_failing, previous=previous,
                                 unplaced=[Unplaced(f, "KONS-004", why) for f, why in strays])
        del units  # the result keeps what it needs
        gc.freeze()  # the result too lives until the run ends
        # Paused from the draft's read to its release: the collector would otherwise walk its
        # cells again and again while they are made and validated, and find no cycle.
        with collector.paused():
            nb = writer.section_workbook(result, output.name)
            namnd_findings = validate(nb.draft, context)
            nb.draft = None  # validated; the formulas' values stay in nb.cached
        progress.advance(step)
        writer.add_report_sheets(nb, result, namnd_findings,
                                 writer.RunInfo(inbox=str(inbox), output=str(output), started=started,
                                                ignored=ignored))
        try:
            backup = _keep_previous(output, started)
            writer.write(nb, output)
        except OSError as exc:
            err.print(f"[red]{e(str(output))} kunde inte skrivas ({e(str(exc))}); en tidigare version är orörd.[/red]")
            return 1
        except TooManyRows as exc:
            err.print(f"[red]{e(str(output))} kunde inte skrivas: bladet {e(exc.sheet)} skulle få fler rader än ett "
                      f"Excelblad rymmer; en tidigare version är orörd.[/red]")
            return 1
        del nb
        progress.advance(step)
        # The draft is the written file's Book by construction (namnd_writer.DraftSource reads
        # the very cells XlsxWriter writes, as a file reader gets them; a test reads the file
        # back), so its findings are the file's: no second read and validation of the output.
        try:
            with collector.paused():
                hist.store(result, namnd_findings, inbox=str(inbox), output=str(output), created=started)
        except sqlite3.Error as exc:  # the store rolled back: the history is as it was
            err.print(f"[red]Historiken {e(str(history_path))} kunde inte uppdateras ({e(str(exc))}); "
                      f"{e(str(output))} är skriven, kör konsolideringen igen för att spara den i historiken.[/red]")
            return 1
        progress.advance(step)
    for line in summary(result, namnd_findings, ignored, output, history_path, console.width, backup):
        console.print(line)
    ok = result.all_included_clean and not any(f.severity.value == "fel" for f in namnd_findings)
    return 0 if ok else 1


def _keep_previous(output: Path, now: dt.datetime) -> Path | None:
    """Copy an existing OUT beside it (timestamped, never over an older copy) before it is replaced."""
    import shutil

    from ..excel.writeback import backup_path

    if not output.exists():
        return None
    backup = backup_path(output, now, tag="före-konsolidering")
    shutil.copy2(output, backup)
    return backup


BATCH = 32  # workbooks validated per validate_many call: batch rules amortise, memory stays bounded


def _examine_all(files: list[Path], inbox: Path, period: Period, cfg: NamndConfig, names: tuple[str, ...],
                 jobs: int) -> Iterator[tuple[int, list]]:
    """Read and validate every file in batches (one validate_many call each); with jobs > 1 the
    batches go to worker processes too. Yields (batch number, list of UnitFile) per batch as
    each is done, not necessarily in order."""
    from ..excel.intake import examine_batch_task

    items = [(str(f), str(f.relative_to(inbox))) for f in files]
    # Small enough batches that every worker gets several (load balance), never above BATCH.
    size = BATCH if jobs == 1 else max(1, min(BATCH, -(-len(items) // (jobs * 4))))
    tasks = [(items[i:i + size], period, cfg.settings, names) for i in range(0, len(items), size)]
    if jobs == 1 or len(tasks) < 2:
        for i, t in enumerate(tasks):
            yield i, examine_batch_task(t)
        return
    from concurrent.futures import ProcessPoolExecutor

    # The first batch here: it loads the reader and the rules (pandas, pandera, calamine) once,
    # so forked workers start warm instead of each importing them again.
    yield 0, examine_batch_task(tasks[0])
    # N - 1 workers take the batches from the first on; this process, which also unpickles
    # what they return, takes them from the last back, each one no worker has begun, until
    # they meet: N processes busy, each as long as its share takes.
    with ProcessPoolExecutor(max_workers=min(jobs - 1, len(tasks) - 1)) as pool:
        try:
            futures = {i: pool.submit(examine_batch_task, tasks[i]) for i in range(1, len(tasks))}
            for i in range(len(tasks) - 1, 0, -1):
                for j in [j for j, f in futures.items() if f.done()]:
                    yield j, futures.pop(j).result()
                if i not in futures or not futures[i].cancel():
                    break  # a worker has begun it, and every batch before it
                del futures[i]
                yield i, examine_batch_task(tasks[i])
            for j in sorted(futures):
                yield j, futures[j].result()
        except BaseException:
            # Ctrl-C, an error in a batch, a broken pool or the caller stopping: the batches
            # no worker has begun are dropped, not examined first (leaving the pool waits)
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def summary(result, namnd_findings, ignored, output: Path, history_path: Path, width: int,
            backup: Path | None = None) -> list:
    """The end-of-run report as rich renderables, one line per unit at any console width;
    Sigill and Fil only when the console is wide (the Status sheet has everything)."""
    from rich.text import Text

    from ..consolidate import INCLUDED, INCLUDED_WITH_ERRORS
    from ..render.tables import Col, fitted_table

    wide = width >= 120
    cols = [Col("Enhet"), Col("Namn", 2), Col("Status", 2), Col("Fel", justify="right"),
            Col("Varn.", justify="right")]
    if wide:
        cols += [Col("Sigill", 2), Col("Fil", 3)]
    cols.append(Col("Anmärkning", 5))
    rows, styles = [], []
    for u in result.units:
        colour = "green" if u.state == INCLUDED else "yellow" if u.state == INCLUDED_WITH_ERRORS else "red"
        used = [fu for fu in u.files if fu.sections]
        first_error = next((f.message for f in u.findings if f.severity.value == "fel"), "")
        notes = "; ".join(fu.note for fu in u.files if fu.note)
        row = [u.enhet.kod, u.enhet.namn, u.state, u.errors, u.warnings]
        if wide:
            row += [u.seal, ", ".join(fu.file.file for fu in used)]
        rows.append(row + [first_error or notes])
        styles.append(["", "", colour])
    out: list = [fitted_table(f"{result.config.namnd}: konsolidering {result.period}", cols, rows, width, styles)]
    if result.unplaced or ignored:
        lost = [(u.file, u.code, u.reason) for u in result.unplaced] + [(f, "ignorerad", why) for f, why in ignored]
        out.append(fitted_table("Filer som inte kunde placeras eller inte lästes",
                                [Col("Fil", 2), Col("Kod"), Col("Orsak", 3)], lost, width))
    errors = [f for f in namnd_findings if f.severity.value == "fel"]
    warnings = [f for f in namnd_findings if f.severity.value == "varning"]
    if errors:
        out.append(Text(f"Nämndens arbetsbok har {len(errors)} fel och {varningar(len(warnings))}:", style="red"))
        out.extend(Text(f"  {f.code} {f.location.a1}: {f.message}") for f in errors[:20])
    elif warnings:
        out.append(Text(f"Nämndens arbetsbok: inga fel, {varningar(len(warnings))} (se bladet Status).",
                        style="yellow"))
    else:
        out.append(Text("Nämndens arbetsbok: alla kontroller håller.", style="green"))
    out.append(Text(f"Skrev {output} (blad Status och Spårbarhet); historik i {history_path}."))
    if backup is not None:
        out.append(Text(f"Den tidigare versionen av {output.name} finns kvar som {backup}."))
    return out
