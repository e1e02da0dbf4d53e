"""Posting habits, from the posts alone: clockwork intervals and an account repeating itself.

Most exports carry ids, times and texts, not follower counts or creation dates; what is
measured here needs nothing else. Clockwork posting is a campaign marker, so a campaign
can be convicted on it where no profile column exists: measured against the dataset's
own population like the profile markers, a campaign holds significantly more of the
accounts in the population's most regular tenth than chance would put there, and at
least twice the population's share (``assess``).

- *Clockwork posting*: the regularity of an account's gaps between posts, the
  coefficient of variation of those gaps (standard deviation over mean). People post in
  bursts and lulls (a coefficient near or above 1); a scheduler posting every 20 minutes
  has one near 0. Accounts with fewer than ``MIN_POSTS`` posts are not measured, and
  nobody is where the post times are given to the day (``resolution``): someone who
  posts once on each day has gaps of exactly one day there, clockwork to the data.
- *Repeats itself*: the share of an account's own posts (reposts left out: reposting is
  not writing) whose text it already posted, after case and surrounding space. A script
  cycling through a handful of slogans repeats itself. Only accounts with ``MIN_POSTS``
  posts of their own are measured. It is a column for the analyst, **not a marker**:
  people repeat themselves too, in short set phrases. On the generator, supporters of
  the dissidents replying "stay strong, we stand with you" and "加油!" again and again
  were a campaign of 292 in which a third repeated themselves (against 9% of all
  accounts), and the marker convicted them (300k posts, seed 4); exact repetition does
  not tell a script from a habit.

Neither clears a campaign: an account that posts irregularly and never repeats itself
can still be a paid one, so without profile columns a campaign with no significant
marker is "coordinated, unassessed", never an authentic-looking crowd (``assess``).
Measured on the posts alone, the tests would have to know what people sound like; they
know only what schedulers and scripts do.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from ._base import Marker, MarkerFlags, Trait, TraitSettings, post_time_step
from .profile import tail_share

MIN_POSTS = 10  #: fewest posts (or posts of its own) for an account to be measured


#: Per account: its gaps between consecutive posts (count, mean, sample deviation, in
#: whole seconds) and its own written posts and their distinct texts. A relational step
#: (``Trait.steps``), run on the engine.
REGULARITY = """
WITH gaps AS (
    SELECT account_id,
           CAST(epoch(created_at) AS BIGINT) - CAST(epoch(lag(created_at) OVER (
               PARTITION BY account_id ORDER BY created_at, post_id)) AS BIGINT) AS gap
    FROM posts
), regularity AS (
    SELECT account_id, count(gap) AS gaps, avg(gap) AS mean_gap,
           stddev_samp(gap) AS sd_gap
    FROM gaps GROUP BY account_id
), own AS (
    SELECT account_id, count(*) AS written,
           count(DISTINCT lower(trim(text))) AS distinct_texts
    FROM posts
    WHERE kind <> 'repost' AND text IS NOT NULL AND trim(text) <> ''
    GROUP BY account_id
)
SELECT r.account_id, r.gaps, r.mean_gap, r.sd_gap, o.written, o.distinct_texts
FROM regularity r LEFT JOIN own o ON o.account_id = r.account_id
"""


def steps(settings: TraitSettings) -> tuple[tuple[str, str], ...]:
    return (("trait_regularity", REGULARITY),)


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    frame = con.execute("SELECT * FROM trait_regularity ORDER BY account_id").df()
    if frame.empty:
        return pd.DataFrame()
    gaps = frame["gaps"].to_numpy(dtype=float)
    mean = frame["mean_gap"].to_numpy(dtype=float, na_value=np.nan)
    sd = frame["sd_gap"].to_numpy(dtype=float, na_value=np.nan)
    measured = (gaps >= MIN_POSTS - 1) & (mean > 0)
    if post_time_step(con, settings) >= 86_400:
        measured[:] = False
    cv = np.full(len(frame), np.nan)
    cv[measured] = sd[measured] / mean[measured]
    written = frame["written"].to_numpy(dtype=float, na_value=0.0)
    distinct = frame["distinct_texts"].to_numpy(dtype=float, na_value=0.0)
    repeats = np.full(len(frame), np.nan)
    enough = written >= MIN_POSTS
    repeats[enough] = 1.0 - distinct[enough] / written[enough]
    return pd.DataFrame(
        {
            "account_id": frame["account_id"],
            "gap_regularity": cv,
            "self_repeat_share": repeats,
            "reason": None,
        }
    )


def _clockwork(traits: pd.DataFrame, settings: TraitSettings) -> MarkerFlags:
    return tail_share(traits["gap_regularity"].to_numpy(dtype=float, na_value=np.nan), upper=False)


TRAIT = Trait(
    name="posting",
    measure=measure,
    steps=steps,
    columns={"gap_regularity": "float", "self_repeat_share": "float"},
    markers=(
        Marker(
            "clockwork posting",
            "post at intervals more regular than nine in ten accounts",
            _clockwork,
        ),
    ),
)
