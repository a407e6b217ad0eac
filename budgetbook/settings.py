"""Validation settings: tolerances, bands, thresholds and severity overrides (pure data).

Invariant: every rule reads its knobs from one Settings value; defaults are documented in
the README ("Inställningar") and loaded from one TOML file when given.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    # Rounding: each printed term may be off by half its last digit (tkr: 0.5, mnkr: 0.05).
    rounding_tkr: Decimal = Decimal("0.5")
    rounding_mnkr: Decimal = Decimal("0.05")
    # Ack budget vs årsbudget × månad/12: warn outside this relative band.
    ack_budget_band: Decimal = Decimal("0.25")
    # Bokslut föregående år vs this year's prognos: warn when the ratio is beyond this factor.
    bokslut_factor: Decimal = Decimal("3")
    # ... but only when the larger of the two is at least this much (small lines swing).
    bokslut_min_tkr: Decimal = Decimal("100")
    # A negative prognosavvikelse beyond these needs a kommentar or an åtgärd.
    prognos_threshold_tkr: Decimal = Decimal("500")
    prognos_threshold_pct: Decimal = Decimal("0.01")
    # Ledger convention (SIGN-002): a section counts as entered with the accounting system's
    # signs (kostnader +, intäkter −) when more than this share of its non-zero signed amounts
    # is reversed, and it has at least ledger_min_amounts of them; below that, SIGN-001 per cell.
    ledger_share: Decimal = Decimal("0.5")
    ledger_min_amounts: Decimal = Decimal("3")
    # Code → severity ("fel", "varning", "info", or "av" to switch a rule off).
    severities: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None) -> "Settings":
        if path is None:
            return cls()
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"Inställningsfilen {path} kan inte läsas: {exc}") from None
        return cls.from_dict(data.get("validering", data), source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "inställningar") -> "Settings":
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for k, v in data.items():
            if k not in known:
                raise SettingsError(f"{source}: okänd inställning {k!r}; giltiga: {', '.join(known)}")
            if k == "severities":
                if not isinstance(v, dict) or any(s not in ("fel", "varning", "info", "av") for s in v.values()):
                    raise SettingsError(f"{source}: severities ska vara kod = \"fel\"|\"varning\"|\"info\"|\"av\"")
                kwargs[k] = dict(v)
            else:
                try:
                    kwargs[k] = Decimal(str(v))
                except Exception:
                    raise SettingsError(f"{source}: {k} ska vara ett tal, inte {v!r}") from None
        return replace(cls(), **kwargs)

    def rounding(self, belopp_i: str) -> Decimal:
        return self.rounding_mnkr if belopp_i == "mnkr" else self.rounding_tkr
