"""CSV for people: text cells that a spreadsheet would run as a formula are defused."""

from __future__ import annotations

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse_cell(value: object) -> object:
    """Prefix a text cell starting with a formula character with ``'`` (OWASP advice),
    so that a post reading ``=HYPERLINK(...)`` stays text in Excel or LibreOffice."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str) -> None:
    """Write ``frame`` as UTF-8 CSV with every text column defused."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(defuse_cell)
    out.to_csv(path, index=False)
