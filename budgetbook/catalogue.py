"""Every finding code, gathered from an explicit list of modules (no registration at import).

Invariant: codes are unique; each has a Swedish message and hint. A test checks both and
that every code has a test case.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module

from .findings import Code
from .rules import RULE_MODULES

# The modules whose ``CODES`` (or READ_CODES/INPUT_CODES) make up the catalogue, in order:
# the reader's, every rule module's (one list, the engine's), consolidation's.
MODULES = ("budgetbook.codes", *RULE_MODULES, "budgetbook.consolidate")


@lru_cache(maxsize=1)
def all_codes() -> dict[str, Code]:
    out: dict[str, Code] = {}
    for name in MODULES:
        mod = import_module(name)
        for attr in ("READ_CODES", "INPUT_CODES", "CODES"):
            for c in getattr(mod, attr, ()):
                if c.code in out:
                    raise RuntimeError(f"duplicate finding code {c.code} in {name}")
                out[c.code] = c
    return out


def code(code_id: str) -> Code:
    return all_codes()[code_id]
