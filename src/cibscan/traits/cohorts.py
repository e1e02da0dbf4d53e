"""Creation cohorts: accounts created in a tighter batch than the data's creation rate allows.

For each hour in which accounts were created, the expected number is the data's own
creation rate around that hour (accounts created within ``cohort_window_days`` on either
side, per hour). A batch is a cohort when a Poisson test says it is too large for that
rate, corrected for every hour tested. With a list of suspended accounts, a cohort that
appears within a week after they went silent is named as such: operations replace
suspended accounts in batches.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import poisson

from ._base import Marker, Trait, TraitSettings, known, share_of

MIN_COHORT = 3


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    created = con.execute(
        "SELECT account_id, epoch(account_created) AS t, last_seen, handle "
        "FROM trait_base WHERE account_created IS NOT NULL"
    ).df()
    if len(created) < MIN_COHORT:
        return pd.DataFrame()
    hour = (created["t"].to_numpy() // 3600).astype(np.int64)
    hours, counts = np.unique(hour, return_counts=True)
    # accounts created within +-window days of each hour, from a sorted cumulative count
    ordered = np.sort(hour)
    span = settings.cohort_window_days * 24
    around = np.searchsorted(ordered, hours + span, side="right") - np.searchsorted(
        ordered, hours - span, side="left"
    )
    rate = np.maximum(around - counts, 1) / (2 * span)  # others' rate per hour
    p = poisson.sf(counts - 1, rate)
    cohort = (counts >= MIN_COHORT) & (p * len(hours) < settings.alpha)
    if not cohort.any():
        return pd.DataFrame()
    sizes = pd.Series(counts[cohort], index=hours[cohort])
    expected = pd.Series(rate[cohort], index=hours[cohort])
    member = np.isin(hour, hours[cohort])
    rows = created[member].copy()
    rows["hour"] = hour[member]
    rows["cohort_size"] = rows["hour"].map(sizes).astype("int64")
    rows["creation_cohort"] = pd.to_datetime(rows["hour"] * 3600, unit="s")
    after = _after_suspensions(con, settings, rows["hour"].to_numpy())
    rows["reason"] = [
        f"created in a batch of {n} accounts within the hour of {str(c)[:13]}:00 UTC "
        f"(the data's rate there is {expected[h]:.2f} an hour){a}"
        for n, c, h, a in zip(
            rows["cohort_size"], rows["creation_cohort"], rows["hour"], after, strict=True
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
