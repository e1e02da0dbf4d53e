"""Loudspeakers: accounts that post at rates their audience does not explain.

A New York Times analysis of accounts amplifying Chinese diplomats found one in six
"tweeted with extremely high frequency despite having few followers". Both halves are
measured against this dataset: an account is a loudspeaker when its posts per active day
are in the top 1% of accounts *and* at least ten times the median, while its followers
are in the bottom quarter. A very active person with an audience is not one; neither is
a quiet account with no followers.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from ._base import Marker, Trait, TraitSettings, known, share_of

TOP_RATE_QUANTILE = 0.99
RATE_OVER_MEDIAN = 10.0
LOW_FOLLOWER_QUANTILE = 0.25
MIN_ACTIVE_DAYS = 2


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    base = con.execute(
        "SELECT account_id, posts, active_days, posts_per_day, followers FROM trait_base"
    ).df()
    if base.empty or base["followers"].isna().all():
        return pd.DataFrame()
    rate = base["posts_per_day"].to_numpy(dtype=float)
    followers = base["followers"].to_numpy(dtype=float, na_value=np.nan)  # some unknown
    counted = ~np.isnan(followers)
    rate_cut = max(
        float(np.quantile(rate, TOP_RATE_QUANTILE)), RATE_OVER_MEDIAN * float(np.median(rate))
    )
    follower_cut = float(np.quantile(followers[counted], LOW_FOLLOWER_QUANTILE))
    loud = (
        counted
        & (rate >= rate_cut)
        & (followers <= follower_cut)
        & (base["active_days"].to_numpy() >= MIN_ACTIVE_DAYS)
    )
    median = float(np.median(rate))
    hit = base[loud]
    reason = [
        f"loudspeaker: {r:.0f} posts a day ({r / median:.0f}x the median account) "
        f"with {int(f)} followers (a quarter of accounts have {follower_cut:.0f} or fewer)"
        for r, f in zip(hit["posts_per_day"], hit["followers"], strict=True)
    ]
    return pd.DataFrame({"account_id": hit["account_id"], "loudspeaker": True, "reason": reason})


TRAIT = Trait(
    name="activity",
    measure=measure,
    columns={"loudspeaker": "bool"},
    strong="loudspeaker",
    markers=(
        Marker(
            "loudspeakers",
            "post at rates their audience does not explain",
            share_of("loudspeaker", known("followers")),
        ),
    ),
)
