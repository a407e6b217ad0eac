"""The report spec: the single source of truth for every section (see sections.py)."""

from .model import Column, HeaderField, Kind, Linear, Ratio, Relation, ReportSpec, RowSpec, Section, Sign
from .sections import MANADER, RAPPORTTYPER, SPEC, rapporttyp_for_month

__all__ = [
    "Column", "HeaderField", "Kind", "Linear", "Ratio", "Relation", "ReportSpec", "RowSpec", "Section",
    "Sign", "SPEC", "MANADER", "RAPPORTTYPER", "rapporttyp_for_month", "spec_as_dict",
]


def _formula_dict(col: Column | Relation) -> dict | None:
    f = col.formula
    if f is None:
        return None
    if isinstance(f, Linear):
        return {"type": "sum", "terms": [{"column": k, "weight": w} for k, w in f.terms]}
    return {"type": "ratio", "numerator": f.numerator, "denominator": f.denominator}


def spec_as_dict(spec: ReportSpec = SPEC) -> dict:
    """The machine-readable spec (``budgetbook spec --format json``); a stable contract."""
    return {
        "spec_version": spec.version,
        "header_sheet": spec.header_sheet,
        "header": [
            {"key": f.key, "defined_name": f.key, "label": f.label, "kind": f.kind.value,
             "required": f.required, **({"choices": list(f.choices)} if f.choices else {})}
            for f in spec.header
        ],
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "sheet": s.sheet,
                "table": s.table,
                "label_column": s.label_column,
                "columns": [
                    {
                        "key": c.key,
                        "header": c.header,
                        "kind": c.kind.value,
                        "computed": c.computed,
                        "input": not c.computed,
                        "formula": _formula_dict(c),
                        "sign": c.sign.value if c.sign else None,
                        "required": c.required,
                        **({"choices": list(c.choices)} if c.choices else {}),
                    }
                    for c in s.columns
                ],
                "rows": (
                    [{"code": r.code, "label": r.label, "total": r.is_total,
                      "sign": r.sign.value if r.sign else None,
                      **({"sums": list(r.items)} if r.items else {})}
                     for r in s.fixed_rows]
                    if s.fixed_rows else "free"
                ),
                "total_row": s.total_label,
                "relations": [{"column": r.column, "formula": _formula_dict(r)} for r in s.relations],
            }
            for s in spec.sections
        ],
    }
