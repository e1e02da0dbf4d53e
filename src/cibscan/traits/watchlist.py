"""Amplification of a watch-list: who reposts state media and diplomats, and how abnormally.

The watch-list is ``cibscan/data/watch.txt`` (state-affiliated media and diplomatic
accounts, editable) unless the settings give another. For each account, reposts and
quotes of watched accounts are counted; the data's own rate (all such amplifications over
all posts of unwatched accounts) is the baseline, and a binomial test corrected for the
accounts tested says whether an account amplifies more than that rate explains. The
median delay after the original is reported where the original is in the data.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.stats import binom

from ._base import Marker, Trait, TraitSettings, data_lines, known, share_of

MIN_AMPLIFICATIONS = 3


def watched_ids(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> list[str]:
    """Account ids of the watch-list: entries matching an id or (any case) a handle."""
    names = list(settings.watch) if settings.watch is not None else data_lines("watch.txt")
    lowered = [n.lower().lstrip("@") for n in names]
    rows = con.execute(
        "SELECT account_id FROM accounts WHERE lower(account_id) IN (SELECT unnest($n)) "
        "OR lower(handle) IN (SELECT unnest($n))",
        {"n": lowered},
    ).fetchall()
    return sorted({r[0] for r in rows} | set(names))


def inputs(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> dict[str, pa.Table]:
    """``trait_watched``: the watch-list's account ids (``watched_ids``), for the step."""
    ids = pa.array(watched_ids(con, settings), type=pa.string())
    return {"trait_watched": pa.table({"account_id": ids})}


#: Per account not on the watch-list: its posts, its reposts and quotes of watched
#: accounts, and their median delay after the original where the original is in the
#: data (whole seconds). A relational step (``Trait.steps``), run on the engine: the
#: reposts joined to their originals is a join over every post.
AMPLIFICATION = """
SELECT t.account_id, t.posts, coalesce(amp.n, 0) AS n, amp.delay
FROM trait_base t
LEFT JOIN (
    SELECT p.account_id, count(*) AS n,
           median(CAST(epoch(p.created_at) AS BIGINT)
                  - CAST(epoch(o.created_at) AS BIGINT)) AS delay
    FROM posts p
    JOIN trait_watched w ON w.account_id = p.parent_account_id
    LEFT JOIN posts o ON o.post_id = p.parent_post_id
    WHERE p.kind IN ('repost', 'quote')
    GROUP BY p.account_id
) amp ON amp.account_id = t.account_id
LEFT JOIN trait_watched x ON x.account_id = t.account_id
WHERE x.account_id IS NULL
"""


def steps(settings: TraitSettings) -> tuple[tuple[str, str], ...]:
    return (("trait_amplification", AMPLIFICATION),)


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    frame = con.execute("SELECT * FROM trait_amplification ORDER BY account_id").df()
    total = int(frame["n"].sum())
    if total == 0:
        return pd.DataFrame()
    rate = total / int(frame["posts"].sum())
    n = frame["n"].to_numpy(dtype=np.int64)
    posts = frame["posts"].to_numpy(dtype=np.int64)
    p = binom.sf(n - 1, posts, rate) * len(frame)
    hit = (n >= MIN_AMPLIFICATIONS) & (p < settings.alpha)
    reasons = []
    for k, m, d in zip(n[hit], posts[hit], frame["delay"].to_numpy()[hit], strict=True):
        delay = "" if pd.isna(d) else f", a median {_duration(float(d))} after the original"
        reasons.append(
            f"amplified watched accounts {k} times ({k / m:.0%} of its posts; the data's "
            f"rate is {rate:.2%}){delay}"
        )
    out = frame[["account_id"]].copy()
    out["watch_amplifications"] = n
    out["watch_amplifier"] = hit
    out["reason"] = None
    out.loc[hit, "reason"] = reasons
    return out[n > 0]


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


TRAIT = Trait(
    name="watchlist",
    measure=measure,
    inputs=inputs,
    steps=steps,
    columns={"watch_amplifications": "int", "watch_amplifier": "bool"},
    strong="watch_amplifier",
    markers=(
        Marker(
            "watch-list amplification",
            "amplify watched accounts abnormally",
            share_of("watch_amplifier", known("watch_amplifications")),
        ),
    ),
)
