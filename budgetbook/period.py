"""Report periods: ÅÅÅÅ-MM, and what a month means for the report (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .spec import rapporttyp_for_month

_PERIOD = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        m = _PERIOD.match(text or "")
        if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
            raise PeriodError(f"Perioden ”{text}” ska skrivas ÅÅÅÅ-MM med månad 1–12, t.ex. 2022-08.")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def rapporttyp(self) -> str:
        return rapporttyp_for_month(self.month)

    def previous(self) -> "Period":
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)
