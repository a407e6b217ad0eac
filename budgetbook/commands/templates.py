from __future__ import annotations

from pathlib import Path


def run(out: Path) -> int:
    from rich.console import Console

    from ..excel.template import write_templates

    paths = write_templates(out)
    console = Console()
    for p in paths:
        console.print(f"skrev {p}")
    return 0
