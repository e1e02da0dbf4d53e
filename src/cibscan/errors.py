"""Errors a user can act on: each names the file, the row and the field where it can."""

from __future__ import annotations

import re

#: The longest error line cibscan prints, and the most of one value (a file name, a
#: header cell, a message from a reader) it quotes.
MAX_LINE = 600
MAX_VALUE = 200
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def clip(text: object, limit: int = MAX_VALUE) -> str:
    """``text`` on one line (control characters and line breaks as one space) and at most
    ``limit`` characters, saying how much was left out."""
    flat = _BREAKS.sub(" ", str(text))
    if len(flat) <= limit:
        return flat
    keep = max(limit - 40, 1)
    return f"{flat[:keep]}… ({len(flat) - keep:,} more characters)"


class CibscanError(Exception):
    """Base of every error cibscan raises on purpose; the CLI prints it as one line.

    Its text is always one line of bounded length, whatever data went into it.
    """

    def __str__(self) -> str:
        return clip(super().__str__(), MAX_LINE)


class InputError(CibscanError):
    """Input that cibscan cannot read as given: a missing column, a bad value, a broken file."""

    def __init__(
        self,
        path: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.field = field
        self.message = message
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = [clip(self.path)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{clip(self.field, 100)}'")
        text = ": ".join([", ".join(where), clip(self.message, 300)])
        if self.hint:
            text += f" ({clip(self.hint)})"
        return text


class ConfigError(CibscanError):
    """A setting that makes no sense, such as a negative window or an unknown behaviour."""


class FindingsError(CibscanError):
    """A findings folder that is missing, incomplete or from an incompatible version."""
