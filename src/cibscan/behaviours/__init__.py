"""Coordination behaviours. Each module turns posts into traces (account, key, time);
adding one never touches the linker. ``BEHAVIOURS`` lists them by name, in report order."""

from __future__ import annotations

from . import cohashtag, colink, comention, coobject, copypaste, coreply, corepost, paraphrase
from .base import (
    TRACE_COLUMNS,
    Behaviour,
    TextSettings,
    base_name,
    family,
    parse_window,
    scale_label,
    scaled_name,
    window_of,
)

BEHAVIOURS: dict[str, Behaviour] = {
    b.name: b
    for b in (
        corepost.BEHAVIOUR,
        copypaste.BEHAVIOUR,
        colink.BEHAVIOUR,
        colink.DOMAIN_BEHAVIOUR,
        cohashtag.BEHAVIOUR,
        coreply.BEHAVIOUR,
        comention.BEHAVIOUR,
        coobject.BEHAVIOUR,
        paraphrase.BEHAVIOUR,
    )
}

#: The behaviours detect runs unless told otherwise: all but the optional ones.
DEFAULT_BEHAVIOURS: tuple[str, ...] = tuple(n for n, b in BEHAVIOURS.items() if not b.optional)

__all__ = [
    "BEHAVIOURS",
    "DEFAULT_BEHAVIOURS",
    "TRACE_COLUMNS",
    "Behaviour",
    "TextSettings",
    "base_name",
    "family",
    "parse_window",
    "scale_label",
    "scaled_name",
    "window_of",
]
