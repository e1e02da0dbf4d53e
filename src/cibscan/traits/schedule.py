"""Working-hours fingerprint: the time zone and office schedule that explain an activity.

For every UTC offset from -12 to +14 the posts are placed in local hours of the week. An
office schedule is weekdays 09:00-12:00 and 14:00-18:00 (a lunch break) with no weekend
activity. The account's best offset is the one where its office-hour share beats the
data's own rhythm at that offset by most; the fingerprint holds when that share is too
high *and* its weekend share too low for the data's rhythm (binomial tests, corrected for
the offsets and accounts tested), by a margin that matters (twice the office share, half
the weekend share). A night-shift worker who also posts at weekends does
not match; an account that only posts in Beijing office hours does.

Post times given to the day (``resolution``) say nothing of the hour: nobody's
schedule is measured there, and the marker is not tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import binom

from ._base import Trait, TraitSettings, post_time_step

OFFSETS = np.arange(-12, 15)
OFFICE_HOURS = (9, 10, 11, 14, 15, 16, 17)
LUNCH_HOURS = (12, 13)


def _masks() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(office, weekend, lunch) masks: offset x UTC hour-of-week (Monday 00:00 = 0)."""
    utc = np.arange(168)
    local = (utc[None, :] + OFFSETS[:, None]) % 168
    day, hour = local // 24, local % 24
    weekday = day < 5
    office = weekday & np.isin(hour, OFFICE_HOURS)
    lunch = weekday & np.isin(hour, LUNCH_HOURS)
    return office.astype(float), (~weekday).astype(float), lunch.astype(float)


OFFICE, WEEKEND, LUNCH = _masks()


@dataclass(frozen=True)
class Fingerprint:
    posts: np.ndarray  #: posts per row
    offset: np.ndarray  #: best UTC offset per row
    office_share: np.ndarray
    weekend_share: np.ndarray
    lunch_share: np.ndarray  #: weekday 12:00-14:00 share of weekday 09:00-18:00
    expected_office: np.ndarray  #: the data's office share at that offset
    expected_weekend: np.ndarray  #: the data's weekend share at that offset
    p_office: np.ndarray
    p_weekend: np.ndarray


def fingerprint(hist: np.ndarray, population: np.ndarray) -> Fingerprint:
    """Best offset and test p-values for each row of ``hist`` (rows x 168 UTC bins)."""
    n = hist.sum(axis=1)
    share0 = population / max(population.sum(), 1)
    p0_office = OFFICE @ share0
    p0_weekend = WEEKEND @ share0
    office = hist @ OFFICE.T
    weekend = hist @ WEEKEND.T
    lunch = hist @ LUNCH.T
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (office - n[:, None] * p0_office) / np.sqrt(n[:, None] * p0_office * (1 - p0_office))
    best = np.nanargmax(np.nan_to_num(z, nan=-np.inf), axis=1)
    rows = np.arange(len(hist))
    k_off, k_we, k_lunch = office[rows, best], weekend[rows, best], lunch[rows, best]
    safe = np.maximum(n, 1)
    return Fingerprint(
        posts=n,
        offset=OFFSETS[best],
        office_share=k_off / safe,
        weekend_share=k_we / safe,
        lunch_share=k_lunch / np.maximum(k_off + k_lunch, 1),
        expected_office=p0_office[best],
        expected_weekend=p0_weekend[best],
        p_office=np.minimum(binom.sf(k_off - 1, n, p0_office[best]) * len(OFFSETS), 1.0),
        p_weekend=binom.cdf(k_we, n, p0_weekend[best]),
    )


def matches(fp: Fingerprint, tests: int, alpha: float) -> np.ndarray:
    """Rows whose office schedule is both significant and substantial.

    Significant: both binomial tests pass after correcting for ``tests``. Substantial:
    at least twice the data's office share and at most half its weekend share, so that a
    large group that is only slightly unusual does not match on its size alone.
    """
    return (
        (fp.p_office * tests < alpha)
        & (fp.p_weekend * tests < alpha)
        & (fp.office_share >= 2 * fp.expected_office)
        & (fp.weekend_share <= 0.5 * fp.expected_weekend)
    )


def hour_of_week_sql(ts: str) -> str:
    """SQL for a timestamp's UTC hour of the week, Monday 00:00 = 0: whole hours since
    Monday 5 January 1970, modulo a week. Counted from the epoch, not from the day of the
    week, which Spark numbers from Sunday (and sqlglot's rewrite of DuckDB's ``isodow``
    for it put Monday at 2)."""
    hours = f"FLOOR((epoch({ts}) - {4 * 86_400}) / 3600)"
    return f"CAST(((({hours}) % 168) + 168) % 168 AS BIGINT)"


def to_matrix(
    keys: np.ndarray, bins: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys, sorted, and key x 168 histogram) from rows of (key, hour of week,
    count). Hashed, then the distinct keys sorted, and counted with one ``bincount``: at
    10M posts ``np.unique`` over the account ids and ``np.add.at`` took 12 s."""
    row, ids = pd.factorize(pd.Series(keys), sort=True)
    cells = row.astype(np.int64) * 168 + bins.astype(np.int64)
    weights = np.asarray(counts, dtype=np.float64)
    hist = np.bincount(cells, weights=weights, minlength=len(ids) * 168).reshape(len(ids), 168)
    return np.asarray(ids, dtype=keys.dtype), hist


def population_histogram(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    frame = con.execute(
        f"SELECT {hour_of_week_sql('created_at')} AS b, count(*) AS n FROM posts GROUP BY b"
    ).df()
    out = np.zeros(168)
    np.add.at(out, frame["b"].to_numpy(dtype=np.int64), frame["n"].to_numpy())
    return out


def steps(settings: TraitSettings) -> tuple[tuple[str, str], ...]:
    """``trait_hours``: per account with ``min_schedule_posts`` posts or more, its posts
    in each UTC hour of the week; a relational step (``Trait.steps``), run on the engine.
    None where the settings say the post times are given to the day (``measure`` tests
    no schedule then)."""
    if settings.post_time_step is not None and settings.post_time_step >= 86_400:
        return ()
    return (
        (
            "trait_hours",
            f"SELECT account_id, b, count(*) AS n FROM ("
            f"SELECT p.account_id, {hour_of_week_sql('p.created_at')} AS b "
            "FROM posts p JOIN trait_base t ON t.account_id = p.account_id "
            f"WHERE t.posts >= {int(settings.min_schedule_posts)}) h GROUP BY account_id, b",
        ),
    )


def histograms(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    """(account ids, their 168-bin UTC hour-of-week histograms) for active accounts, from
    ``trait_hours``."""
    frame = con.execute("SELECT account_id, b, n FROM trait_hours").df()
    return to_matrix(
        frame["account_id"].to_numpy(dtype=object), frame["b"].to_numpy(), frame["n"].to_numpy()
    )


def describe(fp: Fingerprint, i: int) -> str:
    offset = int(fp.offset[i])
    return (
        f"office-hours schedule of UTC{offset:+d}: {fp.office_share[i]:.0%} of posts on "
        f"weekdays 09:00-18:00 outside lunch (the data's rhythm gives "
        f"{fp.expected_office[i]:.0%}), {fp.weekend_share[i]:.0%} at weekends, "
        f"{fp.lunch_share[i]:.0%} at lunch"
    )


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    if post_time_step(con, settings) >= 86_400:
        return pd.DataFrame()
    ids, hist = histograms(con)
    if len(ids) == 0:
        return pd.DataFrame()
    fp = fingerprint(hist, population_histogram(con))
    match = matches(fp, len(ids), settings.alpha)
    return pd.DataFrame(
        {
            "account_id": ids,
            "schedule_tz": [f"UTC{int(o):+d}" for o in fp.offset],
            "office_hours_share": np.round(fp.office_share, 3),
            "office_hours": match,
            "reason": [describe(fp, i) if match[i] else None for i in range(len(ids))],
        }
    )


TRAIT = Trait(
    name="schedule",
    measure=measure,
    steps=steps,
    columns={"schedule_tz": "text", "office_hours_share": "float", "office_hours": "bool"},
)
