"""Console tables that stay readable at any width (80 columns included).

Invariant: one line per row: short columns keep their full width, long text columns share
what is left (by weight) and are cut with '…', never wrapped a few letters a line. Every
cell is a Text, so user text (a file "1110 [v2].xlsx") is never read as rich markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rich.table import Table
from rich.text import Text


@dataclass(frozen=True)
class Col:
    header: str
    weight: int = 0  # 0: shown whole; > 0: shares the remaining width, cut with '…'
    justify: str = "left"


def fitted_table(title: str, cols: Sequence[Col], rows: Sequence[Sequence[Any]], width: int,
                 styles: Sequence[Sequence[str]] | None = None) -> Table:
    texts = [[c if isinstance(c, Text) else Text("" if c is None else str(c)) for c in row] for row in rows]
    natural = [max([len(col.header)] + [t.cell_len for row in texts for t in row[j:j + 1]])
               for j, col in enumerate(cols)]
    fixed = sum(n for n, col in zip(natural, cols) if not col.weight)
    free = max(0, width - 3 * len(cols) - 1 - fixed)
    flex = [j for j, col in enumerate(cols) if col.weight]
    widths = list(natural)
    # Share the free width by weight; what a column does not need goes to the others.
    left = flex[:]
    while left:
        total = sum(cols[j].weight for j in left)
        share = {j: free * cols[j].weight // total for j in left}
        done = [j for j in left if natural[j] <= share[j]]
        if not done:
            for j in left:
                widths[j] = max(min(natural[j], len(cols[j].header)), share[j])
            break
        for j in done:
            widths[j] = natural[j]
            free -= natural[j]
            left.remove(j)
    t = Table(title=Text(title), title_justify="left")
    for j, col in enumerate(cols):
        t.add_column(col.header, justify=col.justify, no_wrap=True, overflow="ellipsis",
                     max_width=widths[j], min_width=min(widths[j], natural[j]))
    for i, row in enumerate(texts):
        if styles:
            for t_, st in zip(row, styles[i]):
                if st:
                    t_.stylize(st)
        t.add_row(*row)
    return t
