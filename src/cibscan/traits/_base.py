"""The per-account table every trait starts from, built once per run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..resolution import column_step


@dataclass(frozen=True)
class TraitSettings:
    """Settings of the traits; ``None`` lists mean the lists shipped with cibscan."""

    alpha: float = 0.01  #: significance level of each trait, corrected for the tests made
    suspended: tuple[str, ...] = ()  #: accounts a platform suspended (ids or handles)
    watch: tuple[str, ...] | None = None  #: accounts whose amplification is measured
    references: tuple[tuple[str, str], ...] | None = None  #: (handle, name) to impersonate
    min_schedule_posts: int = 20  #: fewest posts for an account's own schedule
    cohort_window_days: int = 15  #: half-width of the creation-rate neighbourhood
    reference_top_followed: int = 50  #: most-followed accounts in the data added as references
    skip: tuple[str, ...] = field(default_factory=tuple)  #: trait modules not to run
    #: How finely the post times are given, in seconds (1, 60, 3600 or 86400); ``None``:
    #: read from the posts (``resolution.column_step``). detect reads it once and sets it.
    post_time_step: int | None = None


def post_time_step(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> int:
    """The grain of the post times: ``settings.post_time_step``, or read from the posts."""
    if settings.post_time_step is not None:
        return int(settings.post_time_step)
    return column_step(con, "posts", "created_at")


#: The column types a trait may declare, as pandas dtypes. Text is the nullable string
#: type on every pandas version: a missing value stays missing (``pd.NA``), never the
#: string ``'nan'``.
KINDS = {
    "float": "float64",
    "int": "Int64",
    "bool": "bool",
    "text": "string",
    "time": "datetime64[us]",
}

#: ``(population share, flags aligned with the traits table)``; a NaN share means the
#: data cannot support the marker and it is not tested.
MarkerFlags = tuple[float, np.ndarray]


@dataclass(frozen=True)
class Marker:
    """A campaign-level marker: members over-represented among the accounts it flags."""

    name: str  #: e.g. "loudspeakers"
    text: str  #: what flagged members do, in words: "post at rates ..."
    flags: Callable[[pd.DataFrame, TraitSettings], MarkerFlags]
    #: about who the members are (profile columns): without one such marker testable, a
    #: campaign cannot be cleared as an authentic-looking crowd
    profile: bool = False


@dataclass(frozen=True)
class Trait:
    """One account trait, declared once: how it is measured, the columns it adds (name ->
    a kind of ``KINDS``), which column makes it strong enough to list an account for
    review on its own, and its campaign-level markers.

    ``measure(con, settings)`` returns ``account_id``, the trait's columns and ``reason``
    (words, or None), one row per account it applies to, or an empty frame.
    """

    name: str
    measure: Callable[[duckdb.DuckDBPyConnection, TraitSettings], pd.DataFrame]
    columns: Mapping[str, str]
    strong: str | None = None
    markers: tuple[Marker, ...] = ()
    #: The relational steps ``measure`` reads, (table, SQL in the linker's dialect), run
    #: on the run's engine before any trait is measured (``account_traits``); only their
    #: tables, one row per account or fewer, come to the driver.
    steps: Callable[[TraitSettings], tuple[tuple[str, str], ...]] | None = None
    #: Tables made on the driver that the trait's steps read (a list of settings, such as
    #: the watch-list's account ids), stored on the connection before any step runs
    #: (data enters the steps as tables, never in their text).
    inputs: Callable[[duckdb.DuckDBPyConnection, TraitSettings], dict[str, pa.Table]] | None = None


def flagged(values: pd.Series) -> np.ndarray:
    """True where a trait column holds a finding: True for a flag, a value otherwise."""
    if values.dtype == bool or str(values.dtype) == "boolean":
        return values.fillna(False).to_numpy(dtype=bool)
    return values.notna().to_numpy(dtype=bool)


def share_of(
    column: str, testable: Callable[[pd.DataFrame, TraitSettings], bool]
) -> Callable[[pd.DataFrame, TraitSettings], MarkerFlags]:
    """Marker flags from one trait column, tested only where ``testable`` says the data
    supports it (a population share of NaN otherwise)."""

    def flags(traits: pd.DataFrame, settings: TraitSettings) -> MarkerFlags:
        values = flagged(traits[column])
        ok = testable(traits, settings) and len(values) > 0
        return (float(values.mean()) if ok else float("nan")), values

    return flags


def always(traits: pd.DataFrame, settings: TraitSettings) -> bool:
    return True


def known(column: str) -> Callable[[pd.DataFrame, TraitSettings], bool]:
    """Testable where the data holds ``column`` for some account (follower counts,
    creation dates, amplification counts)."""

    def testable(traits: pd.DataFrame, settings: TraitSettings) -> bool:
        return bool(traits[column].notna().any())

    return testable


#: The table every trait starts from, one row per account with posts: its posts, active
#: days, rate, first and last seen, and profile. A relational step in the linker's dialect
#: (``link_steps``), run on the run's engine like each trait's own steps
#: (``Trait.steps``): on Spark it is the one aggregation over every post the traits need.
TRAIT_BASE = """
SELECT p.account_id, p.posts, p.active_days,
       p.posts / p.active_days AS posts_per_day,
       p.first_seen, p.last_seen,
       a.handle, a.display_name, a.bio, a.followers, a.following,
       a.created_at AS account_created
FROM (
    SELECT account_id, count(*) AS posts,
           count(DISTINCT CAST(created_at AS DATE)) AS active_days,
           min(created_at) AS first_seen, max(created_at) AS last_seen
    FROM posts GROUP BY account_id
) p LEFT JOIN accounts a ON a.account_id = p.account_id
"""


def data_lines(name: str) -> list[str]:
    """Non-comment, non-empty lines of a file shipped in ``cibscan/data``."""
    text = resources.files("cibscan").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def data_table(name: str) -> pd.DataFrame:
    """A CSV file shipped in ``cibscan/data`` (header first, ``#`` comments), as text."""
    import csv

    rows = list(csv.reader(data_lines(name)))
    return pd.DataFrame([r[: len(rows[0])] for r in rows[1:]], columns=rows[0])


def read_list(path: str) -> tuple[str, ...]:
    """Ids or handles from a text file: one per line, ``#`` comments, a leading @ dropped."""
    from ..errors import InputError

    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    out = [line.strip().lstrip("@") for line in lines]
    return tuple(v for v in out if v and not v.startswith("#"))


def read_references(path: str) -> tuple[tuple[str, str], ...]:
    """(handle, name) pairs from a CSV with ``handle`` and ``name`` columns."""
    import csv

    from ..errors import InputError

    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = [line for line in handle if not line.startswith("#")]
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    reader = csv.DictReader(rows)
    if not reader.fieldnames or not {"handle", "name"} <= set(reader.fieldnames):
        raise InputError(path, "needs columns handle and name", row=1)
    out = []
    for number, row in enumerate(reader, start=2):
        handle_value = (row.get("handle") or "").strip().lstrip("@")
        if not handle_value:
            raise InputError(path, "empty handle", row=number, field="handle")
        out.append((handle_value, (row.get("name") or "").strip()))
    return tuple(out)
