"""Profile: each account's posting rate and, where the export has them, its follower and
following counts and creation date.

These are not findings on their own; they are the columns the other traits and the
campaign markers read. Two markers are measured on them, each against the whole data's
distribution: follow imbalance (following far more accounts than follow back) and young
accounts (the newest tenth). Without follower counts or creation dates neither can be
tested, and a campaign cannot be cleared on who its members are.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from ._base import Marker, MarkerFlags, Trait, TraitSettings

EXTREME = 0.10  #: tail of the population a profile marker counts


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    return con.execute(
        "SELECT account_id, posts_per_day, followers, following, account_created, "
        "NULL AS reason FROM trait_base"
    ).df()


def tail_share(values: np.ndarray, upper: bool) -> MarkerFlags:
    """(population share in the tail, per-value tail membership) at the EXTREME quantile;
    a NaN share where fewer than ten values are known."""
    known = ~np.isnan(values)
    if known.sum() < 10:
        return float("nan"), np.zeros(len(values), dtype=bool)
    cut = np.quantile(values[known], 1 - EXTREME if upper else EXTREME)
    inside = known & ((values >= cut) if upper else (values <= cut))
    return float(inside[known].mean()), inside


def _follow_imbalance(traits: pd.DataFrame, settings: TraitSettings) -> MarkerFlags:
    followers = traits["followers"].to_numpy(dtype=float, na_value=np.nan)
    following = traits["following"].to_numpy(dtype=float, na_value=np.nan)
    return tail_share(np.log1p(following) - np.log1p(followers), upper=True)


def _young(traits: pd.DataFrame, settings: TraitSettings) -> MarkerFlags:
    created = pd.to_datetime(traits["account_created"])
    values = created.astype("int64").to_numpy(dtype=float)
    values[created.isna().to_numpy()] = np.nan
    return tail_share(values, upper=True)


TRAIT = Trait(
    name="profile",
    measure=measure,
    columns={
        "posts_per_day": "float",
        "followers": "int",
        "following": "int",
        "account_created": "time",
    },
    markers=(
        Marker(
            "follow imbalance",
            "follow far more accounts than follow them",
            _follow_imbalance,
            profile=True,
        ),
        Marker("young accounts", "are among the newest tenth of accounts", _young, profile=True),
    ),
)
