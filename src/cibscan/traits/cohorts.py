"""Creation cohorts: accounts created in a tighter batch than the data's creation rate allows.

For each hour in which accounts were created, the expected number is the data's own
creation rate around that hour (accounts created within ``cohort_window_days`` on either
side, per hour). A batch is a cohort when a Poisson test says it is too large for that
rate, corrected for every hour tested. With a list of suspended accounts, a cohort that
appears within a week after they went silent is named as such: operations replace
suspended accounts in batches.

Where the creation dates are given to the day (the Twitter information-operations
archives: ``2013-08-06``), the batch is a day and the rate is per day
(``resolution.grid_step``): read per hour, every day's creations sat in its midnight
hour, and on the IRA sample five accounts created on one day were "a batch within the
hour" against an hourly rate of 0.02, at 24 times the rate the data shows.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import poisson

from ..resolution import grid_step
from ._base import Marker, Trait, TraitSettings, known, share_of

MIN_COHORT = 3


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    created = con.execute(
        "SELECT account_id, epoch(account_created) AS t, last_seen, handle "
        "FROM trait_base WHERE account_created IS NOT NULL"
    ).df()
    if len(created) < MIN_COHORT:
        return pd.DataFrame()
    seconds = created["t"].to_numpy(dtype=np.float64)
    # a batch is an hour, or a day where the dates are given to the day
    width = max(3600, grid_step(seconds))
    batch = np.floor(seconds / width).astype(np.int64)
    batches, counts = np.unique(batch, return_counts=True)
    # accounts created within +-window days of each batch, from a sorted cumulative count
    ordered = np.sort(batch)
    span = settings.cohort_window_days * 86_400 // width
    around = np.searchsorted(ordered, batches + span, side="right") - np.searchsorted(
        ordered, batches - span, side="left"
    )
    rate = np.maximum(around - counts, 1) / (2 * span)  # others' rate per batch
    p = poisson.sf(counts - 1, rate)
    cohort = (counts >= MIN_COHORT) & (p * len(batches) < settings.alpha)
    if not cohort.any():
        return pd.DataFrame()
    sizes = pd.Series(counts[cohort], index=batches[cohort])
    expected = pd.Series(rate[cohort], index=batches[cohort])
    member = np.isin(batch, batches[cohort])
    rows = created[member].copy()
    rows["batch"] = batch[member]
    rows["cohort_size"] = rows["batch"].map(sizes).astype("int64")
    rows["creation_cohort"] = pd.to_datetime(rows["batch"] * width, unit="s")
    after = _after_suspensions(con, settings, rows["batch"].to_numpy() * width // 3600)
    daily = width > 3600
    rows["reason"] = [
        (
            f"created in a batch of {n} accounts on {str(c)[:10]} (the data's rate there is "
            f"{expected[h]:.2f} a day; its creation dates are given to the day){a}"
            if daily
            else f"created in a batch of {n} accounts within the hour of {str(c)[:13]}:00 "
            f"UTC (the data's rate there is {expected[h]:.2f} an hour){a}"
        )
        for n, c, h, a in zip(
            rows["cohort_size"], rows["creation_cohort"], rows["batch"], after, strict=True
        )
    ]
    return rows[["account_id", "creation_cohort", "cohort_size", "reason"]]


def _after_suspensions(
    con: duckdb.DuckDBPyConnection, settings: TraitSettings, hours: np.ndarray
) -> list[str]:
    if not settings.suspended:
        return [""] * len(hours)
    silent = con.execute(
        "SELECT epoch(last_seen) FROM trait_base "
        "WHERE account_id IN (SELECT unnest($ids)) OR handle IN (SELECT unnest($ids))",
        {"ids": list(settings.suspended)},
    ).fetchall()
    if not silent:
        return [""] * len(hours)
    last = np.array([row[0] for row in silent], dtype=float) // 3600
    out = []
    for h in hours:
        gone = int(((last <= h) & (last >= h - 7 * 24)).sum())
        out.append(f", within a week after {gone} suspended accounts went silent" if gone else "")
    return out


TRAIT = Trait(
    name="cohorts",
    measure=measure,
    columns={"creation_cohort": "time", "cohort_size": "int"},
    markers=(
        Marker(
            "creation cohort",
            "were created in a tight batch",
            share_of("cohort_size", known("account_created")),
        ),
    ),
)
