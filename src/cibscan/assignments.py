"""Parsing ``name=value,name=value`` option strings (``--map``, ``--windows``)."""

from __future__ import annotations

from .errors import ConfigError


def parse_assignments(text: str | None, option: str, example: str) -> dict[str, str]:
    """A dict from ``a=1,b=2``; a part without ``=`` is a ConfigError naming ``option``."""
    if not text:
        return {}
    result: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise ConfigError(f"{option}: '{part}' is not of the form {example}")
        result[name.strip()] = value.strip()
    return result
