"""How finely a dataset's times are given: to the second, the minute, the hour or the day.

Exports differ. The Twitter information-operations archives give post times to the
minute and account creation dates to the day (``2013-08-06``); other exports give
seconds. A time given to the day is midnight, and read as an instant it makes claims
the data cannot support: five accounts created on one day were "a batch within the
hour" at 24 times the data's hourly rate, and two posts of the same day were "within
a minute" of each other. So each stage that reads times at a finer grain than a day
asks first how finely they are given (``grid_step``), and works at that grain or says
that it cannot.

A column is on a grid of step ``s`` (a day, an hour, a minute) when nearly all its
values (``GRID_SHARE``) fall on one phase of that step: a date-only column converted
from a local time zone sits at 16:00 UTC, not 00:00, and is still given to the day.
"""

from __future__ import annotations

import duckdb
import numpy as np

from .engine import fetch_int

#: The grains a column's times are tested for, coarsest first (seconds).
STEPS = (86_400, 3_600, 60)
#: Share of a column's values that must fall on one phase of a step for the column to be
#: read as given to that step. Times given to the second fall on one phase of a minute
#: about once in 60; half of them there is a grid. Exports merged from several sources
#: mix grains (the IRA sample's creation dates: its 139 operation accounts to the day,
#: its 35 others to the second), and the coarser grain is the honest one for all: the
#: precise values lose precision, and no claim made of the others is false.
GRID_SHARE = 0.5
#: Fewest values for a grain to be read at all; fewer say nothing (read to the second).
MIN_VALUES = 20

_WORDS = {86_400: "the day", 3_600: "the hour", 60: "the minute", 1: "the second"}


def grid_step(seconds: np.ndarray) -> int:
    """The coarsest of ``STEPS`` on whose grid at least ``GRID_SHARE`` of ``seconds``
    (integer epoch seconds; NaN ignored) fall, at one phase; 1 when none is, or when
    there are fewer than ``MIN_VALUES`` values."""
    values = np.asarray(seconds, dtype=np.float64)
    values = values[np.isfinite(values)].astype(np.int64)
    if len(values) < MIN_VALUES:
        return 1
    for step in STEPS:
        counts = np.bincount(values % step, minlength=1)
        if counts.max() >= GRID_SHARE * len(values):
            return step
    return 1


def column_step(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    """``grid_step`` of a timestamp column of a table on ``con``, counted in SQL: the
    share of the values at the most common phase of each step, one pass per step. The
    names are the caller's own constants (never data)."""
    if not (table.isidentifier() and column.isidentifier()):
        raise ValueError(f"not a plain SQL name: {table}.{column}")
    t = f"CAST(floor(epoch({column})) AS BIGINT)"
    n = fetch_int(con, f"SELECT count({column}) FROM {table}")
    if n < MIN_VALUES:
        return 1
    for step in STEPS:
        top = fetch_int(
            con,
            f"SELECT max(c) FROM (SELECT count(*) AS c FROM {table} "
            f"WHERE {column} IS NOT NULL GROUP BY (({t} % {step}) + {step}) % {step})",
        )
        if top >= GRID_SHARE * n:
            return step
    return 1


def in_words(step: int) -> str:
    """'the day', 'the hour', 'the minute' or 'the second'."""
    return _WORDS.get(int(step), f"{int(step)} s")


def at_step(
    windows: dict[str, int], scales: dict[str, tuple[int, ...]], step: int
) -> tuple[dict[str, int], dict[str, tuple[int, ...]], dict[str, int]]:
    """(windows, scales, raised) for post times given to ``step`` seconds: a window
    shorter than the step can tell nothing finer than the step (two posts of one day are
    not "within a minute" of each other as far as the data shows), so it is raised to
    the step, and the scales not longer than the window left go. ``raised`` holds each
    behaviour whose window was raised, with the window asked for."""
    new = {name: max(int(w), int(step)) for name, w in windows.items()}
    raised = {name: int(w) for name, w in windows.items() if int(w) < int(step)}
    kept = {name: tuple(s for s in scales.get(name, ()) if s > new[name]) for name in windows}
    return new, kept, raised
