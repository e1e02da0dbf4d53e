"""Errors a user can act on: each names the file, the row and the field where it can."""

from __future__ import annotations


class CibscanError(Exception):
    """Base of every error cibscan raises on purpose; the CLI prints it as one line."""


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
        where = [self.path]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        text = ": ".join([", ".join(where), self.message])
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(CibscanError):
    """A setting that makes no sense, such as a negative window or an unknown behaviour."""


class FindingsError(CibscanError):
    """A findings folder that is missing, incomplete or from an incompatible version."""
